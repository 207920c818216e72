/**
 * A throwaway PostgreSQL cluster for one test run: initdb in a fresh temporary directory, a server
 * that listens only on a unix socket in that directory (no TCP port at all), stopped and removed by
 * stop(). PostgreSQL refuses to run as root, so when the tests run as root (CI) the cluster's files
 * and processes belong to the unprivileged `nobody` user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'

/** The bootstrap superuser initdb creates; Redshift's own internal superuser has this name too. */
export const BOOTSTRAP_USER = 'rdsdb'
/** Any number works: with no TCP listener the port only names the socket file `.s.PGSQL.<port>`. */
const SOCKET_PORT = 5432

export interface PgCluster {
  /** The directory holding the socket (the `host` for a client). */
  socketDir: string
  port: number
  /** A new, unconnected client for `user` on `database` (trust authentication on the socket); values come back as text. */
  client(database: string, user: string): pg.Client
  stop(): Promise<void>
}

/** The directory of initdb/postgres: $PG_BIN, else `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(): string {
  const fromEnv = process.env['PG_BIN']
  if (fromEnv && existsSync(path.join(fromEnv, 'initdb'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0]) return path.join(root, versions[0], 'bin')
  }
  const config = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' })
  const dir = config.status === 0 ? config.stdout.trim() : ''
  if (dir && existsSync(path.join(dir, 'initdb'))) return dir
  throw new Error('PostgreSQL server binaries (initdb, postgres) not found: run scripts/setup-emulators.sh, or set PG_BIN')
}

/** uid/gid of the OS user the server runs as: ourselves, or `nobody` when we are root. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'))
  if (!line) throw new Error('running as root, and there is no `nobody` user to run PostgreSQL as')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

function run(bin: string, args: string[], as: { uid: number; gid: number } | undefined, cwd: string): void {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', ...(as ?? {}), env: { ...process.env, LC_ALL: 'C' } })
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout || r.error?.message}`)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Where the cluster's directory goes: the OS temporary directory, unless the server's user could not
 * reach it (every ancestor must be searchable by others when it runs as `nobody`) or the socket path
 * would pass the unix limit (~107 bytes); then /tmp.
 */
function baseDir(as: { uid: number; gid: number } | undefined): string {
  const base = tmpdir()
  if (base.length > 60) return '/tmp'
  if (!as) return base
  for (let dir = path.resolve(base); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp'
    if (dir === path.dirname(dir)) return base
  }
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin()
  const as = serverIdentity()
  const dir = mkdtempSync(path.join(baseDir(as), 'redshift-pg-'))
  if (as) chownSync(dir, as.uid, as.gid)
  const data = path.join(dir, 'data')
  let server: ChildProcess | undefined
  let serverLog = ''
  // If the test process ends without stop() (a crash), take the server and its files along.
  const killOnExit = () => {
    server?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', BOOTSTRAP_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], as, dir)
    server = spawn(
      path.join(bin, 'postgres'),
      [
        '-D', data,
        '-k', dir,
        '-p', String(SOCKET_PORT),
        '-c', "listen_addresses=",
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
        '-c', 'shared_buffers=16MB'
      ],
      { cwd: dir, ...(as ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } }
    )
    process.once('exit', killOnExit)
    server.stdout?.on('data', (c: Buffer) => (serverLog += c.toString()))
    server.stderr?.on('data', (c: Buffer) => (serverLog += c.toString()))
    // Every value arrives as PostgreSQL's text; the stand-in types cells itself, as the Data API does.
    const client = (database: string, user: string) =>
      new pg.Client({ host: dir, port: SOCKET_PORT, database, user, types: { getTypeParser: () => (text: string) => text } })
    const deadline = Date.now() + 30_000
    for (;;) {
      if (server.exitCode !== null) throw new Error(`postgres exited during start-up: ${serverLog}`)
      const probe = client('postgres', BOOTSTRAP_USER)
      try {
        await probe.connect()
        await probe.end()
        break
      } catch (err) {
        await probe.end().catch(() => undefined)
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${String(err)}\n${serverLog}`)
        await sleep(100)
      }
    }
    const proc = server
    return {
      socketDir: dir,
      port: SOCKET_PORT,
      client,
      async stop() {
        if (proc.exitCode === null) {
          const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
          proc.kill('SIGINT') // fast shutdown: ends sessions, no waiting for clients
          await Promise.race([exited, sleep(10_000)])
          if (proc.exitCode === null) proc.kill('SIGKILL')
        }
        process.removeListener('exit', killOnExit)
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    server?.kill('SIGKILL')
    process.removeListener('exit', killOnExit)
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
