/**
 * Resuming a reviewed plan (resume.ts): the plan made from a bare account, judged against the
 * account as an apply that stopped midway left it. Findings come from the real engine and the
 * built-in rule set, plans from the real planner.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Finding } from '../../src/evaluate/types.js'
import { planRemediation } from '../../src/remediate/plan.js'
import { resumePlan } from '../../src/remediate/resume.js'
import type { Plan } from '../../src/remediate/types.js'
import type { AccountState } from '../../src/state/types.js'
import { exampleState, planningParams } from '../support/inputs.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const RULES = loadRuleSet([], ROOT)
const NOW = new Date('2026-11-24T08:00:00Z')
const OTHER = 'arn:aws:iam::123456789012:role/analytics-etl'

const compliant = (): AccountState => exampleState()
const params = planningParams

/** No cross-account policy, no role, the namespace without it, no ingress for Cargo. */
function bare(): AccountState {
  const s = compliant()
  s.iam.crossAccountPolicy = null
  s.iam.role = null
  s.redshift = { ...s.redshift!, iamRoles: [{ arn: OTHER, applyStatus: 'in-sync' }], defaultIamRoleArn: OTHER }
  s.network.securityGroups![0]!.ingress = s.network.securityGroups![0]!.ingress.filter((r) => r.description !== 'Cargo')
  return s
}

/** What an apply of the bare plan leaves when it made the policy and the role and then stopped. */
function halfway(): AccountState {
  const s = bare()
  const done = compliant()
  s.iam.crossAccountPolicy = done.iam.crossAccountPolicy!
  s.iam.role = { ...done.iam.role!, policies: [] }
  return s
}

function judge(state: AccountState): { plan: Plan; findings: Finding[] } {
  const p = params()
  const findings = evaluate({ ruleSet: RULES, state, params: p, now: NOW })
  return { plan: planRemediation({ state, findings, params: p, rules: RULES.rules, now: NOW }), findings }
}

const reviewed = judge(bare()).plan
const kinds = (settled: ReturnType<typeof resumePlan>['settled']) => Object.fromEntries([...settled].map(([id, s]) => [id, s.kind]))

describe('resuming a reviewed plan', () => {
  it('the bare plan has the steps the cases below need', () => {
    expect(reviewed.steps.map((s) => s.id)).toEqual([
      'create-cross-account-policy',
      'create-role',
      'attach-cross-account-policy',
      'attach-lambda-policy:AWSLambdaExecute',
      'attach-lambda-policy:AWSLambdaRole',
      'associate-role',
      'authorize-cargo-ingress:3.251.12.34/32'
    ])
  })

  it('steps an earlier apply made count as done; the others are still to make', () => {
    const now = judge(halfway())
    const resumed = resumePlan(reviewed, now.plan, now.findings)
    expect(kinds(resumed.settled)).toEqual({ 'create-cross-account-policy': 'done', 'create-role': 'done' })
    expect(resumed.toMake).toBe(5)
    expect(resumed.unreviewed).toEqual([])
  })

  it('a step whose subject changed since review is held; the steps that do not depend on it are not', () => {
    const state = halfway()
    // Someone associated a third role with the namespace: the reviewed UpdateNamespace would now drop it.
    state.redshift!.iamRoles.push({ arn: 'arn:aws:iam::123456789012:role/someone-else', applyStatus: 'in-sync' })
    const now = judge(state)
    const resumed = resumePlan(reviewed, now.plan, now.findings)
    expect(resumed.settled.get('associate-role')).toMatchObject({ kind: 'held', reason: expect.stringContaining('another change than the one reviewed') })
    expect(resumed.toMake).toBe(4)
    expect(resumed.settled.has('authorize-cargo-ingress:3.251.12.34/32')).toBe(false)
  })

  it('a made step whose rule cannot be checked now is held, not called done', () => {
    const state = halfway()
    delete (state.iam as { crossAccountPolicy?: unknown }).crossAccountPolicy
    state.unavailable.push({
      pointer: '/iam/crossAccountPolicy',
      cause: { service: 'iam', operation: 'GetPolicy', iamAction: 'iam:GetPolicy', code: 'AccessDenied', message: 'denied' }
    })
    const now = judge(state)
    const resumed = resumePlan(reviewed, now.plan, now.findings)
    expect(resumed.settled.get('create-cross-account-policy')).toMatchObject({ kind: 'held', reason: expect.stringContaining('cannot be checked now') })
  })

  it('a step missing now because something else changed is held, and the unreviewed change is never taken', () => {
    // Reviewed: the role trusts Redshift only, so the plan merges Lambda's trust statement into it.
    const before = halfway()
    before.iam.role!.trustPolicy.Statement = (before.iam.role!.trustPolicy.Statement as unknown[]).slice(0, 1) as never
    const plan = judge(before).plan
    expect(plan.steps.map((s) => s.id)).toContain('merge-trust-statement')
    // Then someone deleted the role: planning now creates it, trust included, and merges nothing.
    const state = halfway()
    state.iam.role = null
    const now = judge(state)
    const resumed = resumePlan(plan, now.plan, now.findings)
    expect(resumed.unreviewed.map((s) => s.id)).toContain('create-role')
    expect(resumed.settled.get('merge-trust-statement')).toMatchObject({ kind: 'held', reason: expect.stringContaining('now needs create-role') })
  })

  it('an edited step, or a step these inputs never plan, is held, never made', () => {
    const now = judge(halfway())
    const edited: Plan = JSON.parse(JSON.stringify(reviewed)) as Plan
    edited.steps[6]!.request['IpPermissions'] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]
    edited.steps.push({ ...edited.steps[0]!, id: 'smuggled', ruleIds: [] })
    const resumed = resumePlan(edited, now.plan, now.findings)
    expect(resumed.settled.get('authorize-cargo-ingress:3.251.12.34/32')?.kind).toBe('held')
    expect(resumed.settled.get('smuggled')?.kind).toBe('held')
  })
})
