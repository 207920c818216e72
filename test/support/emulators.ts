/**
 * The emulators every live test runs against: moto in server mode (IAM, EC2, STS, provisioned
 * Redshift) and the Node fakes (Redshift Serverless; the Redshift Data API on a real PostgreSQL),
 * started and stopped together, and the fault-injection proxy (aws-proxy.ts) in front of all of them.
 * Seeding an account in them is test/support/seed.ts; the inputs to audit it, inputs.ts.
 *
 * `awsEnv()` gives the environment that points the SDK at them (AWS_ENDPOINT_URL_<SERVICE>),
 * for this process or for a child process (the CLI, the bundled action).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedshiftStandIn, type FakeCall, type FakeFault, type RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'
import { startFakeRedshiftServerless, type FakeServerless } from '../fakes/redshift-serverless-server.js'
import { endpointEnv, startAwsProxy, type AwsProxy, type ProxyHook } from './aws-proxy.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const REGION = 'eu-west-1'
/** moto's default account. */
export const ACCOUNT_ID = '123456789012'

// -------------------------------------------------------------------------------------------
// moto

function motoImportable(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import sys, moto, flask; sys.exit(0 if int(moto.__version__.split(".")[0]) >= 5 else 1)'], {
    stdio: 'ignore'
  })
  return r.status === 0
}

/**
 * The Python that has moto >= 5 with Flask. When none does, runs scripts/setup-emulators.sh
 * once; when that fails too, throws saying what to do.
 */
export function findMotoPython(): string {
  const venv = path.join(ROOT, '.venv/bin/python3')
  const candidates = () =>
    [process.env['MOTO_PYTHON'], 'python3', venv].filter((p): p is string => !!p && (!p.includes('/') || existsSync(p)))
  for (const p of candidates()) if (motoImportable(p)) return p
  const setup = spawnSync('bash', [path.join(ROOT, 'scripts/setup-emulators.sh')], { encoding: 'utf8' })
  for (const p of candidates()) if (motoImportable(p)) return p
  throw new Error(
    `moto >= 5 with Flask is needed for the end-to-end tests and could not be installed.\n` +
      `Run scripts/setup-emulators.sh (or: python3 -m pip install 'moto[server]>=5.1,<6').\n` +
      `setup-emulators.sh said:\n${setup.stdout}${setup.stderr}`
  )
}

/** A port nothing listens on now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export interface Moto {
  url: string
  /** POST /moto-api/reset: forgets every resource (AWS managed policies are loaded again). */
  reset(): Promise<void>
  /**
   * Turns moto's IAM enforcement on (`true`: from the next request, every call must be signed by
   * a moto IAM user's key and allowed by its policies) or off. This is the server-mode form of
   * the INITIAL_NO_AUTH_ACTION_COUNT setting: POST /moto-api/reset-auth with the count.
   */
  enforceIam(on: boolean): Promise<void>
  close(): Promise<void>
}

export async function startMoto(): Promise<Moto> {
  const python = findMotoPython()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const kill = () => {
    if (!exited) child.kill('SIGTERM')
  }
  process.once('exit', kill)

  const started = Date.now()
  for (;;) {
    if (exited) throw new Error(`moto exited before answering:\n${stderr}`)
    try {
      const r = await fetch(`${url}/moto-api/data.json`)
      await r.arrayBuffer()
      break
    } catch {
      if (Date.now() - started > 60_000) {
        kill()
        throw new Error(`moto did not answer on ${url} within 60s:\n${stderr}`)
      }
      await sleep(150)
    }
  }

  const post = async (p: string, body?: string) => {
    const r = await fetch(`${url}${p}`, { method: 'POST', ...(body !== undefined ? { body } : {}) })
    if (!r.ok) throw new Error(`moto ${p}: HTTP ${r.status} ${await r.text()}`)
    await r.arrayBuffer()
  }
  return {
    url,
    reset: () => post('/moto-api/reset'),
    enforceIam: (on) => post('/moto-api/reset-auth', on ? '0' : 'inf'),
    close: async () => {
      process.removeListener('exit', kill)
      if (exited) return
      const gone = new Promise<void>((r) => child.once('exit', () => r()))
      child.kill('SIGTERM')
      await Promise.race([gone, sleep(5000)])
      if (!exited) child.kill('SIGKILL')
    }
  }
}

// -------------------------------------------------------------------------------------------
// All emulators together

export interface Emulators {
  region: string
  moto: Moto
  serverless: FakeServerless
  /** The Redshift Data API stand-in on a real PostgreSQL (test/fakes/redshift-pg). */
  data: RedshiftStandIn
  /** A hook for the Data API stand-in's faults; `undefined` for none. */
  dataFault: ((call: FakeCall) => FakeFault | undefined) | undefined
  /** Forgets everything in every emulator (and turns moto's IAM enforcement off). */
  reset(): Promise<void>
  close(): Promise<void>
}

export async function startEmulators(): Promise<Emulators> {
  const [moto, serverless] = await Promise.all([startMoto(), startFakeRedshiftServerless({ region: REGION, accountId: ACCOUNT_ID })])
  const em: Partial<Emulators> & { dataFault: Emulators['dataFault'] } = { dataFault: undefined }
  const data = await startRedshiftStandIn({ intercept: (call) => em.dataFault?.(call) })
  return Object.assign(em, {
    region: REGION,
    moto,
    serverless,
    data,
    async reset() {
      em.dataFault = undefined
      serverless.reset()
      await data.reset()
      await moto.enforceIam(false)
      await moto.reset()
    },
    async close() {
      await Promise.allSettled([moto.close(), serverless.close(), data.close()])
    }
  }) as Emulators
}

/**
 * Environment pointing the AWS SDK at the emulators: per-service endpoints, dummy
 * credentials (unless given), the region, and no shared config or instance metadata.
 */
export function awsEnv(
  em: { moto: Pick<Moto, 'url'>; serverless: Pick<FakeServerless, 'url'>; data: Pick<RedshiftStandIn, 'url'>; region: string },
  credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'testing', secretAccessKey: 'testing' }
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_IAM: em.moto.url,
    AWS_ENDPOINT_URL_EC2: em.moto.url,
    AWS_ENDPOINT_URL_STS: em.moto.url,
    AWS_ENDPOINT_URL_REDSHIFT: em.moto.url,
    AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS: em.serverless.url,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: em.data.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: em.region,
    AWS_DEFAULT_REGION: em.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(ROOT, '.no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, '.no-aws-credentials')
  }
}

/** Sets `env` in this process (AWS_SESSION_TOKEN and AWS_PROFILE are cleared); returns a restore function. */
export function applyEnv(env: Record<string, string>): () => void {
  const keys = [...Object.keys(env), 'AWS_SESSION_TOKEN', 'AWS_PROFILE']
  const saved = new Map(keys.map((k) => [k, process.env[k]]))
  delete process.env['AWS_SESSION_TOKEN']
  delete process.env['AWS_PROFILE']
  Object.assign(process.env, env)
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

// -------------------------------------------------------------------------------------------
// The fault-injection proxy in front of every emulator

/** The AWS services the audit calls, by the proxy's keys (the SDK's endpoint names). */
export type ServiceKey = 'iam' | 'ec2' | 'sts' | 'redshift' | 'redshift-serverless' | 'redshift-data'

export interface ProxiedEmulators {
  proxy: AwsProxy<ServiceKey>
  /** awsEnv(em) with every service's endpoint at the proxy. */
  env: Record<string, string>
}

/** Starts the proxy (test/support/aws-proxy.ts) in front of every emulator, with `hook` (none: pass through). */
export async function startEmulatorProxy(em: Pick<Emulators, 'moto' | 'serverless' | 'data' | 'region'>, hook?: ProxyHook): Promise<ProxiedEmulators> {
  const proxy = await startAwsProxy<ServiceKey>(
    {
      upstreams: {
        iam: em.moto.url,
        ec2: em.moto.url,
        sts: em.moto.url,
        redshift: em.moto.url,
        'redshift-serverless': em.serverless.url,
        'redshift-data': em.data.url
      }
    },
    hook
  )
  return { proxy, env: { ...awsEnv(em), ...endpointEnv(proxy.urls) } }
}
