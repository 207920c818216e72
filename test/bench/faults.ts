/**
 * Resilience and security figures (npm run bench:faults):
 * - the bad-input corpus (test/resilience/bad-inputs.ts) through the CLI, against a server that
 *   counts AWS requests: how many are refused with exit 2 before any AWS call, with their place named;
 * - the fault-injection matrix (test/resilience/fault-matrix.ts) against the emulators through the
 *   fault proxy: scenarios run, false passes, crashes, wrong verdicts, runs over time;
 * - secret hygiene (test/resilience/secrets.ts): planted secrets found in any output.
 *
 * Options: --only corpus|matrix|secrets (repeatable), --json (one JSON document on stdout).
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { BAD_INPUTS } from '../resilience/bad-inputs.js'
import { KNOWN_BUGS, SCENARIOS, runScenario, startRig, type Rig } from '../resilience/fault-matrix.js'
import { runBadInput, startCountingServer } from '../resilience/harness.js'
import { PASSWORD, actionAudit, cliAudit, leaks, plantSecrets, secretsOf } from '../resilience/secrets.js'

const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, json: { type: 'boolean' } } })
const parts = new Set(values.only ?? ['corpus', 'matrix', 'secrets'])
const log = (line: string) => {
  if (!values.json) console.log(line)
}

interface Figures {
  corpus?: { cases: number; rejectedBeforeAws: number; placeNamed: number; notRejected: string[]; placeMissing: string[]; ms: number }
  matrix?: {
    scenarios: number
    falsePasses: number
    scenariosWithFalsePass: string[]
    crashes: string[]
    overTime: string[]
    wrongVerdicts: string[]
    knownBugs: number
    faultNeverHit: string[]
    ms: number
  }
  secrets?: { planted: number; artifacts: number; leaked: string[]; knownLeaks: string[]; passwordMasked: boolean; ms: number }
}
const figures: Figures = {}

async function corpus(): Promise<void> {
  const started = performance.now()
  const server = await startCountingServer()
  const notRejected: string[] = []
  const placeMissing: string[] = []
  let rejected = 0
  let named = 0
  try {
    for (const c of BAD_INPUTS) {
      const o = await runBadInput(c, server)
      if (o.rejected && !o.secretEchoed) rejected++
      else notRejected.push(`${c.id} (exit ${o.code}, ${o.calls} AWS call(s))`)
      if (o.placeNamed) named++
      else placeMissing.push(c.id)
    }
  } finally {
    await server.close()
  }
  figures.corpus = { cases: BAD_INPUTS.length, rejectedBeforeAws: rejected, placeNamed: named, notRejected, placeMissing, ms: performance.now() - started }
}

async function matrix(rig: Rig): Promise<void> {
  const started = performance.now()
  const withFalsePass: string[] = []
  const crashes: string[] = []
  const overTime: string[] = []
  const wrong: string[] = []
  const neverHit: string[] = []
  let falsePasses = 0
  for (const s of SCENARIOS) {
    const o = await runScenario(rig, s)
    falsePasses += o.falsePasses.length
    if (o.falsePasses.length > 0) withFalsePass.push(`${s.id}: ${o.falsePasses.join(', ')}`)
    if (o.crashed) crashes.push(`${s.id}: ${o.crashReason ?? ''}`)
    if (!o.inTime) overTime.push(`${s.id}: ${Math.round(o.ms)} ms`)
    if (o.mismatches.length > 0 || o.wrongPasses.length > 0) wrong.push(s.id)
    if (o.faultHits === 0) neverHit.push(s.id)
    log(`  ${o.falsePasses.length ? 'FALSE PASS' : o.crashed ? 'CRASH     ' : o.mismatches.length ? 'wrong     ' : 'ok        '} ${s.id} (${Math.round(o.ms)} ms)`)
  }
  figures.matrix = {
    scenarios: SCENARIOS.length,
    falsePasses,
    scenariosWithFalsePass: withFalsePass,
    crashes,
    overTime,
    wrongVerdicts: wrong,
    knownBugs: Object.keys(KNOWN_BUGS).length,
    faultNeverHit: neverHit,
    ms: performance.now() - started
  }
}

async function secrets(rig: Rig): Promise<void> {
  const started = performance.now()
  await rig.em.reset()
  const account = await plantSecrets(rig.em)
  const action = await actionAudit(account)
  const cli = await cliAudit(account)
  const artifacts = {
    ...Object.fromEntries(Object.entries(action.artifacts).map(([k, v]) => [`action ${k}`, v])),
    ...Object.fromEntries(Object.entries(cli.artifacts).map(([k, v]) => [`cli ${k}`, v]))
  }
  const strict = leaks(account, artifacts)
  // Security group descriptions are a known leak into the state snapshot (see secrets.test.ts).
  const withSg = leaks(account, artifacts, true).filter((l) => !strict.includes(l))
  figures.secrets = {
    planted: Object.keys(secretsOf(account, true)).length,
    artifacts: Object.keys(artifacts).length,
    leaked: strict,
    knownLeaks: withSg,
    passwordMasked: action.run.stdout.split('\n').includes(`::add-mask::${PASSWORD}`),
    ms: performance.now() - started
  }
}

const t0 = performance.now()
if (parts.has('corpus')) {
  log('bad-input corpus ...')
  await corpus()
}
let rig: Rig | undefined
try {
  if (parts.has('matrix') || parts.has('secrets')) rig = await startRig()
  if (parts.has('matrix') && rig) {
    log('fault matrix ...')
    await matrix(rig)
  }
  if (parts.has('secrets') && rig) {
    log('secret hygiene ...')
    await secrets(rig)
  }
} finally {
  await rig?.close()
}

if (values.json) {
  console.log(JSON.stringify({ ...figures, totalMs: Math.round(performance.now() - t0) }, null, 2))
} else {
  console.log('\nResilience and security figures')
  const { corpus: c, matrix: m, secrets: s } = figures
  if (m) {
    console.log(`  fault scenarios run:         ${m.scenarios} (${m.knownBugs} with known wrong verdicts)`)
    console.log(`  false passes:                ${m.falsePasses} in ${m.scenariosWithFalsePass.length} scenario(s)`)
    for (const x of m.scenariosWithFalsePass) console.log(`    - ${x}`)
    console.log(`  crashes:                     ${m.crashes.length}`)
    for (const x of m.crashes) console.log(`    - ${x}`)
    console.log(`  wrong verdicts (not error):  ${m.wrongVerdicts.length} scenario(s)`)
    for (const x of m.wrongVerdicts) console.log(`    - ${x}`)
    console.log(`  over timeout + margin:       ${m.overTime.length}`)
    if (m.faultNeverHit.length) console.log(`  faults never exercised:      ${m.faultNeverHit.join(', ')}`)
    console.log(`  matrix wall time:            ${(m.ms / 1000).toFixed(1)} s`)
  }
  if (c) {
    console.log(`  bad inputs rejected:         ${c.rejectedBeforeAws}/${c.cases} with exit 2 before any AWS call (place named in ${c.placeNamed}/${c.cases})`)
    for (const x of c.notRejected) console.log(`    - not rejected: ${x}`)
    for (const x of c.placeMissing) console.log(`    - place not named: ${x}`)
  }
  if (s) {
    console.log(`  secrets leaked:              ${s.leaked.length} (${s.planted} planted values x ${s.artifacts} outputs; password masked: ${s.passwordMasked ? 'yes' : 'NO'})`)
    for (const x of s.leaked) console.log(`    - ${x}`)
    if (s.knownLeaks.length) console.log(`  known: security group rule description copied into ${s.knownLeaks.map((x) => x.split(':')[0]).join(', ')}`)
  }
  console.log(`  total wall time:             ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
