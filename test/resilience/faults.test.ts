/**
 * The fault-injection matrix (fault-matrix.ts): one emulator set with a seeded DRIFTED account,
 * the fault proxy in front of it, and one live CLI audit per scenario (service operation x fault:
 * throttling, 500/503, a delay past the audit timeout, connection resets, truncated, HTML and
 * empty bodies, access denied). Every scenario must end without a crash (exit 0/1, a JSON
 * report, no unhandled rejection) within the audit timeout plus a margin; its verdicts must be
 * the ground truth's, but `error` on exactly the rules the fault makes unreadable (and `skipped`
 * on those requiring them), and never a `pass` where the ground truth does not pass.
 *
 * Scenarios listed in KNOWN_BUGS get wrong verdicts today; their verdict check runs with
 * `it.fails` (each entry says what should happen) and turns red once the defect is fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KNOWN_BUGS, MARGIN_MS, SCENARIOS, startRig, runScenario, type Rig, type ScenarioOutcome } from './fault-matrix.js'

let rig: Rig
const outcomes = new Map<string, ScenarioOutcome>()

beforeAll(async () => {
  rig = await startRig()
}, 180_000)

afterAll(async () => {
  await rig?.close()
})

describe('the ground truth', () => {
  it('has a failing rule for every service and nothing unreadable', async () => {
    const truth = await rig.prepare('serverless')
    const failing = truth.findings.filter((f) => f.status === 'fail').map((f) => f.ruleId)
    expect(failing).toEqual(
      expect.arrayContaining([
        'iam-cross-account-policy',
        'iam-role-trusts-lambda',
        'iam-role-lambda-policies',
        'redshift-role-associated',
        'redshift-publicly-accessible',
        'network-cargo-ingress-narrow',
        'sql-database-all'
      ])
    )
    expect(truth.findings.filter((f) => f.status === 'error')).toEqual([])
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(40)
  }, 60_000)
})

describe('every fault ends the audit cleanly, in time', () => {
  it.each(SCENARIOS.map((s) => [s.id, s] as const))('%s', async (_id, s) => {
    const o = await runScenario(rig, s)
    outcomes.set(s.id, o)
    expect(o.faultHits, 'the faulted operation was never called').toBeGreaterThan(0)
    expect(o.crashed, o.crashReason).toBe(false)
    expect([0, 1]).toContain(o.code)
    expect(o.ms, `took ${Math.round(o.ms)} ms; timeout ${s.timeoutSeconds}s + ${MARGIN_MS} ms`).toBeLessThanOrEqual(s.timeoutSeconds * 1000 + MARGIN_MS)
    expect(o.unexplainedErrors).toEqual([])
  }, 60_000)
})

describe('verdicts under each fault', () => {
  it('every scenario ran', () => {
    expect([...outcomes.keys()].sort()).toEqual(SCENARIOS.map((s) => s.id).sort())
  })

  const verdicts = (id: string) => {
    const o = outcomes.get(id)
    if (!o) throw new Error(`scenario ${id} did not run`)
    const report = `${id}\n${o.mismatches.join('\n')}`
    expect(o.falsePasses, report).toEqual([])
    expect(o.wrongPasses, report).toEqual([])
    expect(o.mismatches, report).toEqual([])
  }
  const sound = SCENARIOS.filter((s) => !KNOWN_BUGS[s.id])
  const known = SCENARIOS.filter((s) => KNOWN_BUGS[s.id])

  it.each(sound.map((s) => [s.id] as const))('%s: ground truth, or error exactly where unreadable; no false pass', (id) => verdicts(id))

  // Known defects; each KNOWN_BUGS entry says what is wrong and what should happen.
  it.fails.each(known.map((s) => [s.id] as const))('BUG %s', (id) => {
    expect(outcomes.has(id)).toBe(true)
    verdicts(id)
  })
})
