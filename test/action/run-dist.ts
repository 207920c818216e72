import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { actionInputEnv } from '../support/inputs.js'

export const ROOT = resolve(import.meta.dirname, '../..')

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  message: string
}

export interface ActionRun {
  status: number | null
  stdout: string
  stderr: string
  commands: WorkflowCommand[]
  outputs: Record<string, string>
  summary: string
  dir: string
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')
}

/** Parses `::command prop=v,prop=v::message` lines the way the runner does. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  for (const line of stdout.split('\n')) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!m) continue
    const properties: Record<string, string> = {}
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const i = pair.indexOf('=')
      properties[pair.slice(0, i)] = unescapeProperty(pair.slice(i + 1))
    }
    commands.push({ command: m[1]!, properties, message: unescapeData(m[3]!) })
  }
  return commands
}

/** Reads a GITHUB_OUTPUT file written with heredoc delimiters. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!m) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!)
    outputs[m[1]!] = value.join('\n')
  }
  return outputs
}

/**
 * Runs the bundled action as the runner does: `node dist/index.js` with
 * INPUT_* variables (hyphens kept, upper case), GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, in a workspace directory.
 */
export function runDistAction(inputs: Record<string, string>, env: Record<string, string> = {}, cwd = ROOT): ActionRun {
  const dir = mkdtempSync(join(tmpdir(), 'crg-action-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv = actionInputEnv(inputs)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')))
  const result = spawnSync(process.execPath, [join(ROOT, 'dist/index.js')], {
    cwd,
    encoding: 'utf8',
    env: { ...clean, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: cwd, ...inputEnv, ...env },
    timeout: 120_000
  })
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    commands: parseWorkflowCommands(result.stdout),
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    dir
  }
}

/**
 * Like runDistAction, but asynchronous: the fakes and the proxy run
 * in this process, so a spawnSync would block them while the action waits for their answers.
 */
export async function runDistActionLive(inputs: Record<string, string>, extraEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'crg-action-live-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const inputEnv = actionInputEnv(inputs)
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')))
  const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
    cwd: dir,
    env: { ...clean, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: dir, ...inputEnv, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const status = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  return {
    status,
    stdout,
    stderr,
    dir,
    commands: parseWorkflowCommands(stdout),
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8')
  }
}
