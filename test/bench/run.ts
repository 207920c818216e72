/**
 * `npm run bench`: how long a live audit takes when every AWS call costs a fixed latency L.
 *
 * Seeds a compliant Redshift Serverless account in the emulators (moto + the Node fakes), puts
 * the proxy (test/support/aws-proxy.ts) in front of every service with L ms per call, and runs the
 * audit (collect + evaluate, through `audit()` as the CLI does) `--runs` times after one warm-up
 * run. Prints the calls per operation, the median wall time, the longest chain of dependent calls
 * as measured (the longest sequence of calls each starting after the previous one ended, from
 * the proxy's per-call start/end times), and wall / (chain x L). Then adds `--extra` unrelated
 * IAM roles and security groups to moto and does it again: calls and time must not grow.
 *
 * Last, the fleet figure (issue 13): `--targets` member accounts in moto, each with a compliant
 * provisioned setup, audited in one job through assumed roles; wall time of all of them against
 * one of them alone, and the calls each target makes (which must not grow with the fleet).
 *
 *   npm run bench -- [--latency 100] [--runs 3] [--extra 2000] [--targets 3]
 */
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2'
import { CreateRoleCommand } from '@aws-sdk/client-iam'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { stringify } from 'yaml'
import { loadConfig, type Config } from '../../src/config/load.js'
import { loadTargetsFile, targetConfigs } from '../../src/config/targets.js'
import { auditTargets } from '../../src/fleet/run.js'
import type { RawInputs } from '../../src/config/parameters.js'
import { audit } from '../../src/run.js'
import { applyEnv, startEmulatorProxy, startEmulators, type Emulators, type ServiceKey } from '../support/emulators.js'
import { CARGO_IPS, CARGO_ROLE_ARN, DEFAULT_NAMES, cargoInputs, rawInputs } from '../support/inputs.js'
import { seedClients, seedCompliantProvisioned, seedCompliantServerless } from '../support/seed.js'
import { latency, type AwsProxy, type ProxiedCall } from '../support/aws-proxy.js'

const { values: flags } = parseArgs({
  options: {
    latency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    extra: { type: 'string', default: '2000' },
    targets: { type: 'string', default: '3' }
  }
})
const L = Number(flags.latency)
const RUNS = Math.max(1, Math.floor(Number(flags.runs)))
const EXTRA = Math.max(0, Math.floor(Number(flags.extra)))
const TARGETS = Math.max(1, Math.floor(Number(flags.targets)))
if (!Number.isFinite(L) || L < 0) throw new Error(`--latency must be a number of milliseconds, got ${flags.latency}`)

/**
 * The longest sequence of calls c1, c2, ... with each c(i+1) starting after c(i) ended: with a
 * fixed latency per call, the audit cannot take less than its length x L, whatever the
 * concurrency. Ties go to the sequence covering the most time.
 */
export function longestChain(calls: ProxiedCall[]): ProxiedCall[] {
  const done = calls.filter((c): c is ProxiedCall & { end: number } => c.end !== undefined).sort((a, b) => a.start - b.start)
  const length: number[] = []
  const span: number[] = []
  const prev: number[] = []
  done.forEach((c, i) => {
    length[i] = 1
    span[i] = c.end - c.start
    prev[i] = -1
    for (let j = 0; j < i; j++) {
      const p = done[j]!
      if (p.end > c.start) continue
      const len = length[j]! + 1
      const covered = span[j]! + (c.end - p.end)
      if (len > length[i]! || (len === length[i]! && covered > span[i]!)) {
        length[i] = len
        span[i] = covered
        prev[i] = j
      }
    }
  })
  let best = -1
  done.forEach((_, i) => {
    if (best < 0 || length[i]! > length[best]! || (length[i] === length[best] && span[i]! > span[best]!)) best = i
  })
  const chain: ProxiedCall[] = []
  for (let i = best; i >= 0; i = prev[i]!) chain.unshift(done[i]!)
  return chain
}

interface Measured {
  wallMs: number[]
  /** Calls per `service:operation` seen by the proxy (one run; every run is checked to match). */
  byOperation: Record<string, number>
  total: number
  /** Calls the collector counted itself (retries not included). */
  collectorTotal: number
  chain: ProxiedCall[]
  verdicts: string
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

async function measure(proxy: AwsProxy<ServiceKey>, inputs: RawInputs): Promise<Measured> {
  const runs: Array<Omit<Measured, 'wallMs'> & { wall: number }> = []
  for (let run = 0; run <= RUNS; run++) {
    proxy.calls.length = 0
    const started = performance.now()
    const outcome = await audit(loadConfig(inputs))
    const wall = performance.now() - started
    const { summary } = outcome.report
    const verdicts = `${summary.pass} pass, ${summary.fail} fail, ${summary.error} error, ${summary.skipped} skipped`
    if (summary.fail + summary.error > 0) {
      const bad = outcome.findings.filter((f) => f.status === 'fail' || f.status === 'error')
      throw new Error(`the seeded account should be compliant, got ${verdicts}:\n${bad.map((f) => `  ${f.ruleId}: ${f.message}`).join('\n')}`)
    }
    if (run === 0) continue // warm-up: module loading, JIT, first sockets
    const byOperation: Record<string, number> = {}
    for (const c of proxy.calls) byOperation[`${c.service}:${c.operation}`] = (byOperation[`${c.service}:${c.operation}`] ?? 0) + 1
    runs.push({
      wall,
      byOperation: Object.fromEntries(Object.entries(byOperation).sort(([a], [b]) => a.localeCompare(b))),
      total: proxy.calls.length,
      collectorTotal: outcome.stats?.total ?? 0,
      chain: longestChain(proxy.calls),
      verdicts
    })
  }
  const distinct = new Set(runs.map((r) => JSON.stringify(r.byOperation)))
  if (distinct.size > 1) console.warn(`note: the runs made different calls:\n  ${[...distinct].join('\n  ')}`)
  const wallMs = runs.map((r) => r.wall)
  const mid = median(wallMs)
  // Show the calls and chain of the run closest to the median.
  const { wall: _wall, ...typical } = runs.reduce((a, b) => (Math.abs(b.wall - mid) < Math.abs(a.wall - mid) ? b : a))
  void _wall
  return { ...typical, wallMs }
}

/** Creates `count` unrelated IAM roles and security groups in moto (straight, not through the proxy). */
async function addUnrelated(em: Emulators, count: number): Promise<void> {
  const { iam, ec2 } = seedClients(em)
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]
  })
  // One request at a time per service, the two services side by side: moto's server keeps
  // resources in plain dicts without locks, so concurrent creates of one service sometimes fail
  // with "dictionary changed size during iteration" (an HTML 500), as both did here at 16 in flight.
  const roles = async () => {
    for (let i = 0; i < count; i++) {
      await iam.send(new CreateRoleCommand({ RoleName: `unrelated-role-${String(i).padStart(5, '0')}`, AssumeRolePolicyDocument: trust }))
    }
  }
  const groups = async () => {
    for (let i = 0; i < count; i++) {
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: `unrelated-sg-${String(i).padStart(5, '0')}`, Description: 'unrelated' }))
    }
  }
  try {
    await Promise.all([roles(), groups()])
  } finally {
    iam.destroy()
    ec2.destroy()
  }
}

/** The dependencies as src/collect/aws wires them (for comparison with what was measured). */
const KNOWN_CHAIN =
  'GetWorkgroup -> GetNamespace (its database) -> each SQL statement ' +
  '[ExecuteStatement -> DescribeStatement x2 (the stand-in finishes on the 2nd poll; 50 ms sleep between) -> GetStatementResult] = 6 calls; ' +
  'the four statements (catalogue: user, groups, database; SVV views: roles, grants, system privileges, exfunc; ' +
  'per source database: its relations and owners from the catalogue, its grants and default privileges from the SVV views) ' +
  'start together, and all IAM/EC2/STS reads run alongside'

function printResults(label: string, m: Measured): void {
  const wall = median(m.wallMs)
  const chain = m.chain.length
  console.log(`\n== ${label}`)
  console.log(`verdicts: ${m.verdicts}`)
  console.log('calls (as the proxy saw them):')
  const width = Math.max(...Object.keys(m.byOperation).map((k) => k.length))
  for (const [op, n] of Object.entries(m.byOperation)) console.log(`  ${op.padEnd(width)}  ${n}`)
  console.log(`  ${'total'.padEnd(width)}  ${m.total}  (collector's own count: ${m.collectorTotal})`)
  console.log(`wall time: median ${wall.toFixed(0)} ms of ${m.wallMs.map((w) => w.toFixed(0)).join(', ')} ms`)
  const t0 = Math.min(...m.chain.map((c) => c.start))
  console.log(`longest chain of sequential calls (measured): ${chain} calls`)
  for (const c of m.chain) {
    console.log(`  ${(c.start - t0).toFixed(0).padStart(5)}-${((c.end ?? c.start) - t0).toFixed(0).padStart(5)} ms  ${c.service}:${c.operation}`)
  }
  let gaps = 0
  m.chain.forEach((c, i) => {
    const p = m.chain[i - 1]
    if (p?.end !== undefined) gaps += c.start - p.end
  })
  console.log(`  idle time between the chain's calls: ${gaps.toFixed(0)} ms (client work, queueing for a slot, Data API poll sleeps)`)
  console.log(`  (a sequence of calls that did not overlap; where it jumps between services the later call waited for`)
  console.log(`  a free slot of max-concurrency rather than for the earlier call's answer)`)
  console.log(`dependent chain in the code: ${KNOWN_CHAIN}`)
  console.log(`wall / (chain x L) = ${wall.toFixed(0)} / (${chain} x ${L}) = ${(wall / (chain * L)).toFixed(2)}`)
}

/** Keys acting in `account` (moto: the account of the role an AssumeRole names); straight to moto, not through the proxy. */
async function memberCredentials(em: Emulators, account: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const sts = new STSClient({ region: em.region, endpoint: em.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })
  try {
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seeder`, RoleSessionName: 'bench-seed' }))).Credentials!
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }
  } finally {
    sts.destroy()
  }
}

/** N targets in one job against one target alone, at L per call: the fleet runs side by side. */
async function fleetFigure(em: Emulators, proxy: AwsProxy<ServiceKey>): Promise<void> {
  const accounts = Array.from({ length: TARGETS }, (_, i) => String(100000000001 + i))
  for (const account of accounts) {
    // The SQL catalogue is the Data API fake's one, seeded with the serverless account above.
    await seedCompliantProvisioned(em, {}, {}, { credentials: await memberCredentials(em, account), sql: false })
  }
  const dir = mkdtempSync(join(tmpdir(), 'crg-bench-fleet-'))
  const file = join(dir, 'targets.yml')
  writeFileSync(
    file,
    stringify({
      defaults: {
        'cargo-role-arn': CARGO_ROLE_ARN,
        'cargo-ips': CARGO_IPS.join(','),
        region: em.region,
        'cluster-identifier': DEFAULT_NAMES.clusterIdentifier,
        'role-name': DEFAULT_NAMES.roleName,
        'policy-name': DEFAULT_NAMES.policyName,
        'source-schemas': DEFAULT_NAMES.sourceSchema
      },
      targets: accounts.map((account, i) => ({ name: `member-${i + 1}`, 'assume-role-arn': `arn:aws:iam::${account}:role/cargo-redshift-guard-audit` }))
    })
  )
  const targetsFile = loadTargetsFile(file)
  const configs = targetConfigs({}, targetsFile)
  const measureFleet = async (chosen: Config[]) => {
    const walls: number[] = []
    let perTarget: number[] = []
    let proxied = 0
    for (let run = 0; run <= RUNS; run++) {
      proxy.calls.length = 0
      const started = performance.now()
      const runs = await auditTargets(chosen, { maxTargetsInFlight: chosen.length })
      const wall = performance.now() - started
      for (const r of runs) {
        const { summary } = r.outcome.report
        if (summary.fail + summary.error > 0) throw new Error(`fleet target ${r.name} should be compliant: ${summary.fail} fail, ${summary.error} error`)
        if (r.outcome.report.source.accountId !== accounts[configs.indexOf(r.config)]) throw new Error(`fleet target ${r.name} read account ${r.outcome.report.source.accountId}`)
      }
      if (run === 0) continue
      walls.push(wall)
      perTarget = runs.map((r) => r.outcome.stats?.total ?? 0)
      proxied = proxy.calls.length
    }
    return { wall: median(walls), walls, perTarget, proxied }
  }
  const one = await measureFleet(configs.slice(0, 1))
  const all = await measureFleet(configs)
  const constant = all.perTarget.every((n) => n === one.perTarget[0])
  console.log(`\n== fleet: ${TARGETS} targets (accounts ${accounts[0]}..${accounts.at(-1)}, assumed roles) in one job, L = ${L} ms`)
  const rows = [
    ['', 'calls/target', 'calls (proxy)', 'wall (median)', 'vs one target'],
    ['one target', String(one.perTarget[0]), String(one.proxied), `${one.wall.toFixed(0)} ms`, '1.00'],
    [`${TARGETS} targets`, all.perTarget.join('/'), String(all.proxied), `${all.wall.toFixed(0)} ms`, (all.wall / one.wall).toFixed(2)]
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
  console.log(`calls per target ${constant ? 'constant' : 'CHANGED'}; ${TARGETS} targets under 2 x one target's wall: ${all.wall < 2 * one.wall ? 'met' : 'MISSED'} (runs: ${all.walls.map((w) => w.toFixed(0)).join(', ')} ms)`)
}

async function main(): Promise<void> {
  console.log(`cargo-redshift-guard benchmark: L = ${L} ms per call, ${RUNS} measured runs (after 1 warm-up), ${EXTRA} unrelated roles and security groups`)
  const em = await startEmulators()
  const { proxy, env } = await startEmulatorProxy(em, latency(L))
  const restore = applyEnv(env)
  try {
    const seeded = await seedCompliantServerless(em)
    const inputs = rawInputs(cargoInputs(seeded.names, 'serverless', { region: em.region }))
    const base = await measure(proxy, inputs)
    printResults('compliant serverless account', base)

    const seeding = performance.now()
    await addUnrelated(em, EXTRA)
    console.log(`\n(added ${EXTRA} IAM roles and ${EXTRA} security groups in ${((performance.now() - seeding) / 1000).toFixed(1)} s)`)
    const crowded = await measure(proxy, inputs)
    printResults(`the same with ${EXTRA} unrelated roles and security groups`, crowded)

    const same = JSON.stringify(base.byOperation) === JSON.stringify(crowded.byOperation)
    const w0 = median(base.wallMs)
    const w1 = median(crowded.wallMs)
    const rows = [
      ['', 'calls', 'chain', 'wall (median)', 'wall/(chain x L)'],
      ['compliant account', String(base.total), String(base.chain.length), `${w0.toFixed(0)} ms`, (w0 / (base.chain.length * L)).toFixed(2)],
      [`+${EXTRA} roles, +${EXTRA} SGs`, String(crowded.total), String(crowded.chain.length), `${w1.toFixed(0)} ms`, (w1 / (crowded.chain.length * L)).toFixed(2)]
    ]
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    console.log(`\n== summary (L = ${L} ms)`)
    for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    console.log(`call counts per operation ${same ? 'unchanged' : 'CHANGED'} with unrelated resources; target wall <= 1.3 x chain x L: ${w0 <= 1.3 * base.chain.length * L ? 'met' : 'MISSED'}`)

    await fleetFigure(em, proxy)
  } finally {
    restore()
    await proxy.close()
    await em.close()
  }
}

await main()
