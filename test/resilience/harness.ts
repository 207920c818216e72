/**
 * Shared plumbing for the resilience suites and the fault benchmark: an HTTP server that
 * counts (and refuses) every request the AWS SDK makes, the environment that points every
 * AWS service at it, and an in-process run of the CLI's `main(argv, io)` in a given working
 * directory with a given environment.
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { runCli as runCliInProcess } from '../support/cli.js'
import { parseOutputFile, parseWorkflowCommands, type ActionRun } from '../action/run-dist.js'
import { actionInputEnv } from '../support/inputs.js'
import { argvOf, type BadInputCase } from './bad-inputs.js'

export const ROOT = resolve(import.meta.dirname, '../..')

/** Every service the collectors use, by the suffix of its AWS_ENDPOINT_URL_<SERVICE> variable. */
export const ENDPOINT_SERVICES = ['IAM', 'EC2', 'STS', 'REDSHIFT', 'REDSHIFT_SERVERLESS', 'REDSHIFT_DATA'] as const

export interface CountingServer {
  url: string
  /** Requests received since start (or the last `reset`). */
  readonly count: number
  /** Request lines received, e.g. `POST / x-amz-target=...`. */
  readonly requests: string[]
  reset(): void
  close(): Promise<void>
}

/** An HTTP server that answers every request 403 (so the SDK does not retry) and counts them. */
export async function startCountingServer(): Promise<CountingServer> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''} ${String(req.headers['x-amz-target'] ?? '')}`.trim())
    req.resume()
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
      res.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'counting server: no AWS call expected' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get count() {
      return requests.length
    },
    requests,
    reset() {
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * Points every AWS service at `url` (the global AWS_ENDPOINT_URL and each per-service
 * variable), with dummy credentials and no shared config or instance metadata.
 * No region: the cases choose whether AWS_REGION is set.
 */
export function endpointEnv(url: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'resilience-dummy-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(tmpdir(), 'crg-no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'crg-no-aws-credentials')
  }
  for (const s of ENDPOINT_SERVICES) env[`AWS_ENDPOINT_URL_${s}`] = url
  return env
}

/** Variables that would change how the CLI or the SDK behaves; cleared for each run. */
const AMBIENT = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'NO_COLOR']

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  /** Wall time of the run, in milliseconds. */
  ms: number
}

/**
 * Runs the CLI in process (test/support/cli.ts) with `cwd` as the working directory and `env` laid over
 * a copy of the environment (ambient AWS_REGION/AWS_PROFILE cleared first). Restores both.
 */
export async function runCli(argv: string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  const keys = [...AMBIENT, ...Object.keys(options.env ?? {})]
  const saved = new Map(keys.map((k) => [k, process.env[k]]))
  for (const k of AMBIENT) delete process.env[k]
  Object.assign(process.env, options.env ?? {})
  const previousCwd = process.cwd()
  process.chdir(options.cwd)
  const started = Date.now()
  try {
    return { ...(await runCliInProcess(argv)), ms: Date.now() - started }
  } finally {
    process.chdir(previousCwd)
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** A fresh temporary directory holding `files` (relative path -> content) and the empty `dirs`. */
export function workspace(files: Record<string, string> = {}, dirs: string[] = [], prefix = 'crg-res-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (const d of dirs) mkdirSync(join(dir, d), { recursive: true })
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

/**
 * Runs the bundled CLI (`node dist/cli.js`) in a child process, under a virtual-memory limit
 * (`ulimit -v`) and a time limit, for inputs that could exhaust the test process. `code` is the
 * exit status, or 128 + signal number when it was killed or aborted.
 */
export function runDistCli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; memoryKb?: number }
): Promise<CliRun & { killed: boolean }> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !AMBIENT.includes(k)) env[k] = v
  Object.assign(env, options.env ?? {})
  const started = Date.now()
  return new Promise((resolveRun) => {
    const child = spawn(
      'bash',
      ['-c', `ulimit -v ${options.memoryKb ?? 3_000_000}; exec "$0" "$@"`, process.execPath, join(ROOT, 'dist/cli.js'), ...argv],
      { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-100_000)))
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-100_000)))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 30_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const signals: Record<string, number> = { SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 }
      resolveRun({
        code: code ?? 128 + (signal ? (signals[signal] ?? 0) : 0),
        stdout,
        stderr,
        ms: Date.now() - started,
        killed
      })
    })
  })
}

export interface BadInputOutcome {
  code: number
  stdout: string
  stderr: string
  /** AWS requests the counting server saw during the run. */
  calls: number
  /** Exit code 2 and no AWS request. */
  rejected: boolean
  /** stderr names the case's place. */
  placeNamed: boolean
  /** The case's secret appears in stdout or stderr. */
  secretEchoed: boolean
  ms: number
}

/** Runs one bad-input case against the counting server (in process, or in a child for `subprocess` cases). */
export async function runBadInput(c: BadInputCase, server: CountingServer): Promise<BadInputOutcome> {
  const cwd = workspace(c.files, c.dirs)
  server.reset()
  const env = { ...endpointEnv(server.url), ...(c.env ?? {}) }
  const run = c.subprocess ? await runDistCli(argvOf(c), { cwd, env, timeoutMs: 30_000 }) : await runCli(argvOf(c), { cwd, env })
  // Let a request still in flight reach the server before counting.
  await new Promise((r) => setTimeout(r, 20))
  const calls = server.count
  return {
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr,
    calls,
    rejected: run.code === 2 && calls === 0,
    placeNamed: run.stderr.includes(c.place),
    secretEchoed: c.secret !== undefined && (run.stdout.includes(c.secret) || run.stderr.includes(c.secret)),
    ms: run.ms
  }
}

export interface AsyncActionRun extends ActionRun {
  /** Files the action wrote in its workspace (relative path -> text). */
  files: Record<string, string>
}

/**
 * The bundled action run as the runner runs it (`node dist/index.js`, INPUT_* variables,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), like test/action/run-dist.ts, but without
 * blocking this process: the Redshift fakes answer from this process's event loop.
 */
export function runDistActionAsync(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  cwd: string = workspace({}, [], 'crg-action-ws-')
): Promise<AsyncActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'crg-action-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv = actionInputEnv(inputs)
  const clean: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_') && !AMBIENT.includes(k)) clean[k] = v
  }
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
      cwd,
      env: { ...clean, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: cwd, ...inputEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolveRun({
        status,
        stdout,
        stderr,
        commands: parseWorkflowCommands(stdout),
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8'),
        dir,
        files: readTree(cwd)
      })
    })
  })
}

/** Every file under `dir` (relative path -> text). */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(rel)
      else if (entry.isFile()) out[rel] = readFileSync(join(dir, rel), 'utf8')
    }
  }
  walk('')
  return out
}
