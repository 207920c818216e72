/**
 * What the rule tests (test/unit/rules/*.test.ts) share: every rule of the built-in rule set is
 * judged on the compliant serverless example with one thing changed at a time. Parameters are the
 * ones in examples/serverless.yml (plus a state-file, so no region is needed).
 *
 * A rule's cases live in the table of its group (<group>.cases.ts, by the rule id's first word);
 * rule-set.test.ts checks that every rule has a pass and a fail case there.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type { Parameters } from '../../../src/config/parameters.js'
import { loadRuleSet } from '../../../src/config/rule-set.js'
import type { RuleSet } from '../../../src/config/rule-set.types.js'
import type { Waiver } from '../../../src/config/waivers.js'
import { evaluate } from '../../../src/evaluate/engine.js'
import type { Finding, Status } from '../../../src/evaluate/types.js'
import type { AccountState, IdentityPolicy, PolicyStatement } from '../../../src/state/types.js'
import { exampleInputs, paramsOf } from '../../support/inputs.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const EXAMPLES = join(ROOT, 'examples')

function readExample(name: string): AccountState {
  return JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8')) as AccountState
}
export const COMPLIANT = readExample('serverless-compliant.state.json')
export const DRIFTED = readExample('serverless-drifted.state.json')
export const PROVISIONED = readExample('provisioned-compliant.state.json')

export const SERVERLESS_INPUTS = exampleInputs('serverless.yml')
export const PROVISIONED_INPUTS = exampleInputs('provisioned.yml')

/** The example's parameters with `extra` laid over them; an `undefined` in `extra` takes that input away. */
export function paramsWith(extra: Record<string, unknown> = {}, base: Record<string, unknown> = SERVERLESS_INPUTS): Parameters {
  return paramsOf({ ...base, 'state-file': 'account.state.json', ...extra })
}

export const RULE_SET: RuleSet = loadRuleSet([])
export const CARGO_ROLE = String(SERVERLESS_INPUTS['cargo-role-arn'])
export const NOW = new Date('2026-11-25T12:00:00Z')

export function clone(state: AccountState = COMPLIANT): AccountState {
  return structuredClone(state)
}

export interface RunOptions {
  inputs?: Record<string, unknown>
  waivers?: Waiver[]
  now?: Date
  ruleSet?: RuleSet
  base?: AccountState
}

export function run(mutate: (s: AccountState) => void = () => {}, options: RunOptions = {}): Finding[] {
  const state = clone(options.base)
  mutate(state)
  return evaluate({
    ruleSet: options.ruleSet ?? RULE_SET,
    state,
    params: paramsWith(options.inputs),
    waivers: options.waivers ?? [],
    now: options.now ?? NOW
  })
}

/** The one finding of a rule (fails the test if there is not exactly one). */
export function only(findings: Finding[], ruleId: string, resource?: string): Finding {
  const matching = findings.filter((f) => f.ruleId === ruleId && (resource === undefined || f.resource === resource))
  expect(matching, `findings of ${ruleId}${resource ? ` on ${resource}` : ''}`).toHaveLength(1)
  return matching[0]!
}

// Accessors that keep the mutations typed (a typo is a compile error, not a silent pass).
export const role = (s: AccountState) => s.iam.role!
export const policy = (s: AccountState) => s.iam.crossAccountPolicy!
export const lambdaUser = (s: AccountState) => s.iam.lambdaUser!
export const redshift = (s: AccountState) => s.redshift!
export const groups = (s: AccountState) => s.network.securityGroups!
export const sql = (s: AccountState) => s.sql!
export const schemas = (s: AccountState) => sql(s).sourceSchemas!

export function statements(...list: PolicyStatement[]) {
  return { Version: '2012-10-17', Statement: list }
}
export const ALLOW_ASSUME: PolicyStatement = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE }
export function trust(...services: string[]): PolicyStatement[] {
  return services.map((service) => ({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }))
}
export function attach(s: AccountState, p: IdentityPolicy): void {
  role(s).policies.push(p)
}

export interface Case {
  name: string
  rule: string
  mutate?: (s: AccountState) => void
  inputs?: Record<string, unknown>
  base?: AccountState
  status: Status
  /** Fragments the message must contain. */
  says?: (string | RegExp)[]
  /** Fragments the message must not contain. */
  saysNot?: string[]
}

/** One test per case of a rule group's table: the rule's one finding has the status and message the case says. */
export function itEachCase(cases: Case[]): void {
  it.each(cases.map((c) => [`${c.rule}: ${c.name} -> ${c.status}`, c] as const))('%s', (_label, c) => {
    const findings = run(c.mutate, { ...(c.inputs ? { inputs: c.inputs } : {}), ...(c.base ? { base: c.base } : {}) })
    const f = only(findings, c.rule)
    expect(f.status, f.message).toBe(c.status)
    for (const fragment of c.says ?? []) {
      if (typeof fragment === 'string') expect(f.message).toContain(fragment)
      else expect(f.message).toMatch(fragment)
    }
    for (const fragment of c.saysNot ?? []) expect(f.message).not.toContain(fragment)
    const rule = RULE_SET.rules.find((r) => r.id === c.rule)!
    expect(f.severity).toBe(rule.severity)
    if (c.status === 'fail') {
      expect(f.expected, 'a failing finding says what was expected').toBeTruthy()
      expect(f.expected).not.toContain('${')
    }
    expect(f.message).not.toContain('${')
    expect(f.resource).not.toContain('${')
  })
}
