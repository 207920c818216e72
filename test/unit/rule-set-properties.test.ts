/**
 * Properties of the rule-set loader and the engine (fast-check):
 * - overriding a built-in rule's severity or title changes those fields and nothing else;
 * - any document (arbitrary JSON or YAML text, or rule lists with arbitrary field values) is
 *   either accepted or refused with a ConfigError whose every problem has a location, never
 *   with another exception; an accepted one evaluates without throwing;
 * - the order of rules in a user file changes no verdict;
 * - evaluation is deterministic and does not modify its inputs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import type { Parameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import type { Rule, RuleSet } from '../../src/config/rule-set.types.js'
import type { Waiver } from '../../src/config/waivers.js'
import { compileProblems } from '../../src/config/rule-compile.js'
import { evaluate } from '../../src/evaluate/engine.js'
import { emptyState } from '../../src/state/empty.js'
import type { AccountState } from '../../src/state/types.js'
import { paramsOf } from '../support/inputs.js'

const ROOT = join(import.meta.dirname, '..', '..')
const example = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as AccountState
const STATES: Record<string, AccountState> = {
  compliant: example('serverless-compliant.state.json'),
  drifted: example('serverless-drifted.state.json'),
  provisioned: example('provisioned-compliant.state.json'),
  empty: emptyState()
}

function params(values: Record<string, string>): Parameters {
  return paramsOf(values)
}
const SERVERLESS = params({
  'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo-workspace-acme',
  'cargo-ips': '3.251.12.34',
  region: 'eu-west-1',
  workgroup: 'cargo-wg',
  'role-name': 'cargo-redshift',
  'policy-name': 'cargo-cross-account',
  'source-schemas': 'analytics.public',
  'state-file': 'x.json'
})

const BUILT_IN = loadRuleSet([])
const BUILT_IN_IDS = BUILT_IN.rules.map((r) => r.id)
const byId = (set: RuleSet) => new Map(set.rules.map((r) => [r.id, r]))

const dir = mkdtempSync(join(tmpdir(), 'crg-props-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileNo = 0
/** Writes `text` to a fresh file in the temp dir; returns its name relative to that dir. */
function file(text: string, ext: 'json' | 'yaml'): string {
  const name = `r${++fileNo}.${ext}`
  writeFileSync(join(dir, name), text)
  return name
}

/** Loads the built-in set with `text` laid over it: the RuleSet, or the ConfigError, or any other throw. */
function load(text: string, ext: 'json' | 'yaml'): { set?: RuleSet; config?: ConfigError; other?: unknown } {
  try {
    return { set: loadRuleSet([file(text, ext)], dir) }
  } catch (err) {
    if (err instanceof ConfigError) return { config: err }
    return { other: err }
  }
}

/** Every problem of a ConfigError names a place: a file (with a line or pointer) or an input. */
function expectLocated(err: ConfigError): void {
  expect(err.problems.length).toBeGreaterThan(0)
  for (const p of err.problems) {
    expect(p.message.length).toBeGreaterThan(0)
    expect(Boolean(p.where.input || p.where.file), JSON.stringify(p)).toBe(true)
  }
}

/** Verdicts keyed by rule and resource: what a reader of the report acts on. */
function verdicts(findings: ReturnType<typeof evaluate>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of findings) out[`${f.ruleId} ${f.resource}`] = `${f.status}: ${f.message}`
  return out
}

const severity = fc.constantFrom('error', 'warning', 'notice') as fc.Arbitrary<Rule['severity']>
/** Titles as a person might write them, with YAML- and JSON-hostile characters thrown in. */
const title = fc
  .string({ minLength: 1, maxLength: 200, unit: fc.oneof(fc.constantFrom(...'abcXYZ 09:#-&*!|>\'"{}[],%@`\\\t'.split('')), fc.constantFrom('é', '→', '🙂')) })
  .filter((t) => t.trim() !== '')

describe('overriding a built-in rule', () => {
  it('changes its severity and title and keeps every other field, and every other rule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BUILT_IN_IDS),
        fc.option(severity, { nil: undefined }),
        fc.option(title, { nil: undefined }),
        fc.constantFrom('json', 'yaml') as fc.Arbitrary<'json' | 'yaml'>,
        (id, sev, ttl, ext) => {
          const override: Record<string, unknown> = { id }
          if (sev !== undefined) override['severity'] = sev
          if (ttl !== undefined) override['title'] = ttl
          // JSON is YAML: one JSON.stringify serves both, and quotes any hostile title.
          const { set, config, other } = load(JSON.stringify({ rules: [override] }), ext)
          expect(other).toBeUndefined()
          expect(config, config?.message).toBeUndefined()
          const before = byId(BUILT_IN).get(id)!
          const after = byId(set!).get(id)!
          const { source: _s1, severity: _v1, title: _t1, ...restBefore } = before
          const { source: _s2, severity: v2, title: t2, ...restAfter } = after
          expect(restAfter).toEqual(restBefore)
          expect(v2).toBe(sev ?? before.severity)
          expect(t2).toBe(ttl ?? before.title)
          expect(set!.rules.map((r) => r.id)).toEqual(BUILT_IN_IDS)
          for (const other of BUILT_IN.rules) if (other.id !== id) expect(byId(set!).get(other.id)).toEqual(other)
        }
      ),
      { numRuns: 120 }
    )
  })
})

describe('any document', () => {
  /** Fields a rule may have, so that generated rules reach the deeper checks. */
  const RULE_KEYS = ['id', 'title', 'severity', 'appliesTo', 'description', 'docs', 'given', 'each', 'then', 'expected', 'resource', 'requires', 'requiresParameters', 'onlyWithParameter', 'whenMissing', 'missingMessage', 'remediation', 'enabled', 'guide']
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    id: fc.oneof(fc.constantFrom(...BUILT_IN_IDS), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/), fc.string()),
    given: fc.oneof(fc.constantFrom('/iam/role', '/redshift', '/sql/sourceSchemas', '/network/securityGroups', '', '/__proto__', '/~2'), fc.string()),
    then: fc.oneof(
      fc.constant({ type: 'object' }),
      fc.constant({ type: 'banana' }),
      fc.constant({ iamAllows: { action: 'sts:AssumeRole', resource: '${cargoRoleArn}' } }),
      fc.constant({ cidrsAdmitted: { cidrs: '${cargoIps}', port: 5439 } }),
      fc.constant({ $ref: '#/nowhere' }),
      fc.constant({ pattern: '(' }),
      fc.dictionary(fc.constantFrom('type', 'required', 'properties', 'minItems', 'items', 'const', 'enum'), fc.jsonValue({ maxDepth: 2 }))
    ),
    requires: fc.array(fc.oneof(fc.constantFrom(...BUILT_IN_IDS), fc.string()), { maxLength: 3 }),
    severity: fc.oneof(severity, fc.jsonValue({ maxDepth: 1 })),
    appliesTo: fc.constantFrom('both', 'serverless', 'provisioned', 'nowhere'),
    each: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
    resource: fc.oneof(fc.constantFrom('x:${roleName}', 'y:${item.name}', 'z:${state:/redshift/name}', '${nope'), fc.string()),
    remediation: fc.oneof(fc.constant({ manual: 'Fix it.' }), fc.constant({}), fc.jsonValue({ maxDepth: 2 }))
  }
  const value = (key: string) => plausible[key] ?? fc.oneof(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }))
  const rule = fc
    .uniqueArray(fc.constantFrom(...RULE_KEYS, 'extra'), { maxLength: RULE_KEYS.length })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, value(k)]))))
  const documents = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record({ rules: fc.array(rule, { maxLength: 4 }) }),
    fc.record({ rules: fc.array(rule, { maxLength: 4 }), name: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ['rules'] })
  )

  function check(text: string, ext: 'json' | 'yaml'): void {
    const { set, config, other } = load(text, ext)
    expect(other, `not a ConfigError: ${String((other as Error)?.stack ?? other)}\n--- document:\n${text.slice(0, 600)}`).toBeUndefined()
    if (config) return expectLocated(config)
    // Accepted: the rules compile with real parameters or the problems say which rule; evaluation never throws.
    for (const p of compileProblems(set!, SERVERLESS.target)) expect(p.rule.id).toBeTruthy()
    for (const state of Object.values(STATES)) expect(() => evaluate({ ruleSet: set!, state, params: SERVERLESS })).not.toThrow()
  }

  it('as JSON: accepted, or refused with located problems; never another exception', () => {
    fc.assert(
      fc.property(documents, (doc) => check(JSON.stringify(doc), 'json')),
      { numRuns: 250 }
    )
  })

  it('as arbitrary YAML text: accepted, or refused with located problems; never another exception', () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200, unit: fc.constantFrom(...'rules:- id{}[]&*!|>#\'"\n \t:,?%@`'.split('')) }),
      documents.map((d) => `rules:\n${JSON.stringify(d).replace(/^/gm, '  ')}`)
    )
    fc.assert(
      fc.property(yamlish, (text) => check(text, 'yaml')),
      { numRuns: 250 }
    )
  })
})

describe('the order of rules in a user file', () => {
  const NEW_RULES: Record<string, unknown>[] = [
    {
      id: 'org-endpoint-port',
      title: 'The Redshift endpoint uses port 5439',
      severity: 'notice',
      appliesTo: 'both',
      description: 'Our firewall only opens 5439.',
      docs: 'https://docs.aws.amazon.com/redshift/',
      given: '/redshift/endpoint',
      requires: ['redshift-exists'],
      resource: 'redshift:${redshiftName}',
      expected: 'port 5439',
      then: { properties: { port: { const: 5439 } } },
      remediation: { manual: 'Recreate the endpoint on port 5439.' }
    },
    {
      id: 'org-role-has-policies',
      title: 'The role has at least three policies',
      severity: 'warning',
      appliesTo: 'both',
      description: 'Ours always carries three.',
      docs: 'https://docs.aws.amazon.com/iam/',
      given: '/iam/role/policies',
      requires: ['iam-role-exists', 'org-endpoint-port'],
      resource: 'iam:role/${roleName}',
      expected: 'three policies',
      then: { type: 'array', minItems: 3 },
      remediation: { manual: 'Attach them.' }
    },
    {
      id: 'org-each-group-named',
      title: 'Every security group has a name',
      severity: 'notice',
      appliesTo: 'both',
      description: 'Names help.',
      docs: 'https://docs.aws.amazon.com/vpc/',
      given: '/network/securityGroups',
      each: true,
      requires: ['org-role-has-policies'],
      resource: 'ec2:${item.id}',
      expected: 'a name',
      then: { required: ['name'] },
      remediation: { manual: 'Name it.' }
    },
    {
      id: 'org-sql-user-exists',
      title: 'The SQL user exists (again)',
      severity: 'error',
      appliesTo: 'serverless',
      description: 'Belt and braces.',
      docs: 'https://docs.aws.amazon.com/redshift/',
      given: '/sql/user',
      requires: ['sql-user'],
      resource: 'sql:user/${dbUser}',
      expected: 'the user',
      then: { type: 'object' },
      remediation: { manual: 'Create it.' }
    }
  ]
  const overrides = fc.uniqueArray(
    fc.record(
      {
        id: fc.constantFrom(...BUILT_IN_IDS),
        severity,
        enabled: fc.boolean(),
        whenMissing: fc.constantFrom('fail', 'skip'),
        title
      },
      { requiredKeys: ['id'] }
    ),
    { selector: (r) => r.id, maxLength: 6 }
  )
  const arrangement = fc
    // Each new rule requires only earlier ones: any prefix is complete.
    .tuple(overrides, fc.nat(NEW_RULES.length).map((n) => NEW_RULES.slice(0, n)))
    .map(([o, n]) => [...o, ...n] as Record<string, unknown>[])
    .chain((rules) => fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length, maxLength: rules.length })))

  it('changes no verdict', () => {
    fc.assert(
      fc.property(arrangement, fc.constantFrom(...Object.keys(STATES)), ([rules, shuffled], stateName) => {
        const a = load(JSON.stringify({ rules }), 'yaml')
        const b = load(JSON.stringify({ rules: shuffled }), 'yaml')
        expect(a.config?.message).toBeUndefined()
        expect(b.config?.message).toBeUndefined()
        const state = STATES[stateName]!
        const now = new Date('2026-11-24T08:00:00Z')
        const va = verdicts(evaluate({ ruleSet: a.set!, state, params: SERVERLESS, now }))
        const vb = verdicts(evaluate({ ruleSet: b.set!, state, params: SERVERLESS, now }))
        expect(vb).toEqual(va)
      }),
      { numRuns: 100 }
    )
  })
})

describe('evaluation', () => {
  const POINTERS = ['/iam/role', '/iam/role/trustPolicy', '/iam/role/policies/0/document', '/iam/lambdaUser/accessKeys/0/lastUsedAt', '/iam/crossAccountPolicy/versionCount', '/redshift/dbName', '/iam/crossAccountPolicy', '/iam/lambdaUser', '/iam/lambdaUser/accessKeys', '/redshift', '/redshift/iamRoles', '/network/securityGroups', '/sql', '/sql/sourceSchemas', '/source/accountId']
  const unavailable = fc.uniqueArray(
    fc.record({ pointer: fc.constantFrom(...POINTERS), cause: fc.record({ service: fc.constantFrom('iam', 'ec2', 'redshift'), operation: fc.constantFrom('GetRole', 'DescribeSecurityGroups'), message: fc.string({ maxLength: 20 }) }) }),
    { selector: (u) => u.pointer, maxLength: 3 }
  )
  const waivers = fc.array(
    fc.record({
      rule: fc.constantFrom(...BUILT_IN_IDS),
      reason: fc.constantFrom('Ticket OPS-1', 'Accepted risk'),
      expires: fc.constantFrom('2026-01-01', '2026-11-24', '2099-12-31')
    }),
    { maxLength: 3 }
  ) as fc.Arbitrary<Waiver[]>
  const disabled = fc.subarray(BUILT_IN_IDS, { maxLength: 4 })

  it('is deterministic and leaves its inputs as they were', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(STATES)),
        unavailable,
        waivers,
        disabled,
        fc.date({ min: new Date('2025-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (stateName, gaps, ws, off, now) => {
          const state: AccountState = { ...structuredClone(STATES[stateName]!), unavailable: gaps }
          const p: Parameters = { ...SERVERLESS, selection: { ...SERVERLESS.selection, disableRules: off } }
          const frozen = JSON.stringify({ state, p, ws, rules: BUILT_IN })
          const first = evaluate({ ruleSet: BUILT_IN, state, params: p, waivers: ws, now })
          const second = evaluate({ ruleSet: loadRuleSet([]), state: structuredClone(state), params: { ...p }, waivers: structuredClone(ws), now: new Date(now) })
          expect(second).toEqual(first)
          expect(JSON.stringify({ state, p, ws, rules: BUILT_IN })).toBe(frozen)
          // An unreadable fact never yields a pass on a rule that needs it: its target (or anything
          // above it), or anything it declares it reads ('*' matching any one segment).
          const segs = (p: string) => (p === '' ? [] : p.slice(1).split('/'))
          const same = (a: string, b: string) => a === b || a === '*' || b === '*'
          const overlap = (a: string, b: string) => {
            const [pa, pb] = [segs(a), segs(b)]
            return pa.slice(0, Math.min(pa.length, pb.length)).every((x, i) => same(x, pb[i]!))
          }
          const contains = (above: string, p: string) => segs(above).length <= segs(p).length && overlap(above, p)
          for (const f of first) {
            if (f.status !== 'pass') continue
            const rule = BUILT_IN.rules.find((r) => r.id === f.ruleId)!
            for (const g of gaps) {
              const needed = contains(g.pointer, rule.given) || (rule.reads ?? [rule.given]).some((read) => overlap(read, g.pointer))
              expect(needed, `${f.ruleId} passed although ${g.pointer} is unavailable`).toBe(false)
            }
          }
        }
      ),
      { numRuns: 150 }
    )
  })
})

describe('pointers into the state', () => {
  const probe = (given: string) => ({
    id: 'org-inherited',
    title: 'Something is there',
    severity: 'error',
    appliesTo: 'both',
    description: 'A probe.',
    docs: 'https://example.com/',
    given,
    resource: 'probe',
    expected: 'an object',
    then: { type: 'object' },
    remediation: { manual: 'None.' }
  })

  it('a probe rule reading an inherited member name is refused at load, at its given', () => {
    for (const given of ['/iam/__proto__', '/constructor', '/iam/role/toString']) {
      const { set, config, other } = load(JSON.stringify({ rules: [probe(given)] }), 'json')
      expect(other).toBeUndefined()
      expect(set).toBeUndefined()
      expectLocated(config!)
      expect(config!.problems.map((p) => `${p.where.pointer} ${p.message}`)).toEqual([
        expect.stringMatching(new RegExp(`^/rules/0/given rule 'org-inherited': given ${given} names nothing the account state can hold`))
      ])
    }
  })

  // Pointers resolve own members only (RFC 6901): a rule on /iam/__proto__ must not judge
  // Object.prototype and pass on something that does not exist. The loader refuses such a rule
  // (above); the engine must not pass it either, for a rule set built without the loader.
  it('never resolve to inherited members: no pass on what is not there', () => {
    const parents = fc.constantFrom('', '/iam', '/network', '/source', '/iam/role')
    const inherited = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf')
    const builtIn = loadRuleSet([], dir)
    fc.assert(
      fc.property(parents, inherited, fc.constantFrom(...Object.keys(STATES)), (parent, member, stateName) => {
        const given = `${parent}/${member}`
        const set: RuleSet = { ...builtIn, rules: [...builtIn.rules, probe(given) as unknown as Rule] }
        const finding = evaluate({ ruleSet: set, state: STATES[stateName]!, params: SERVERLESS }).find((f) => f.ruleId === 'org-inherited')
        expect(finding, `${given} on ${stateName}`).toBeDefined()
        expect(finding?.status, `${given} on ${stateName}`).not.toBe('pass')
      }),
      { numRuns: 60 }
    )
  })
})
