import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadIacState, overlayState } from '../../src/collect/iac/index.js'
import { ConfigError } from '../../src/json/problems.js'
import { loadConfig } from '../../src/config/load.js'
import { resolveParameters, type Parameters, type RawInputs } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { shippedSchema } from '../../src/config/policy-files.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Finding } from '../../src/evaluate/types.js'
import { audit } from '../../src/run.js'
import { subjectOf, unconfirmedSubjects } from '../../src/state/subject.js'
import type { AccountState } from '../../src/state/types.js'
import { rawInputs } from '../support/inputs.js'

/*
 * Issue 11, "no verdict on a fact that was never read": a saved state (and an IaC plan laid
 * over one) is judged only for the subjects it was read for. A rule on a role, user, database
 * ... the state does not hold is `error`; a state of another region or target is refused.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const EXAMPLES = join(ROOT, 'examples')
const NOW = new Date('2026-11-25T12:00:00Z')
const RULES = loadRuleSet([])
const work = mkdtempSync(join(tmpdir(), 'crg-subject-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function example(name: string): AccountState {
  const { $schema: _ignored, ...state } = JSON.parse(readFileSync(join(EXAMPLES, name), 'utf8')) as AccountState & { $schema?: string }
  return state as AccountState
}
const SERVERLESS = parse(readFileSync(join(EXAMPLES, 'serverless.yml'), 'utf8')) as Record<string, unknown>
const PROVISIONED = parse(readFileSync(join(EXAMPLES, 'provisioned.yml'), 'utf8')) as Record<string, unknown>

/** Inputs as the CLI gives them, each located at its flag. */
const raw = (values: Record<string, unknown>): RawInputs => rawInputs(values, { as: 'flag' })

function params(extra: Record<string, unknown> = {}, base = SERVERLESS): Parameters {
  return resolveParameters(raw({ ...base, 'state-file': 'x.state.json', ...extra }), {})
}

function judge(state: AccountState, p: Parameters): Map<string, Finding[]> {
  const byRule = new Map<string, Finding[]>()
  for (const f of evaluate({ ruleSet: RULES, state, params: p, now: NOW })) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f])
  return byRule
}

function statuses(state: AccountState, p: Parameters): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [id, findings] of judge(state, p)) out[id] = findings.map((f) => f.status).join(',')
  return out
}

const ROLE_RULES = [
  'iam-role-exists',
  'iam-role-trusts-redshift',
  'iam-role-trusts-lambda',
  'iam-role-cross-account-attached',
  'iam-role-lambda-policies',
  'redshift-role-associated'
]
const USER_RULES = ['iam-lambda-user', 'iam-lambda-user-key', 'iam-lambda-user-key-age']
const SQL_USER_RULES = ['sql-user', 'sql-database-all', 'sql-function-role', 'sql-exfunc-usage', 'sql-external-function', 'sql-source-select', 'sql-source-default-privileges']
const TARGET_RULES = [
  'redshift-exists',
  'redshift-role-associated',
  'redshift-publicly-accessible',
  'network-cargo-ip-inbound',
  'network-cargo-ingress-narrow',
  'sql-database',
  'sql-user',
  'sql-database-all',
  'sql-function-role',
  'sql-exfunc-usage',
  'sql-external-function',
  'sql-source-select',
  'sql-source-default-privileges'
]

describe('the example states record what they were read for', () => {
  it.each(['serverless-compliant', 'serverless-drifted', 'provisioned-compliant'])('%s: a subject, valid against the state schema', (name) => {
    const state = JSON.parse(readFileSync(join(EXAMPLES, `${name}.state.json`), 'utf8')) as AccountState
    expect(shippedSchema('account-state.schema.json')(state)).toBe(true)
    const inputs = name.startsWith('provisioned') ? PROVISIONED : SERVERLESS
    expect(state.subject).toEqual(subjectOf(params({}, inputs).target))
    expect(unconfirmedSubjects(state, params({}, inputs).target)).toEqual([])
  })
})

describe('a state judged for another subject than it holds: error, never pass', () => {
  const cases: { input: string; value: string; rules: string[]; says: string; base?: Record<string, unknown>; state?: string }[] = [
    { input: 'role-name', value: 'totally-different-role', rules: ROLE_RULES, says: "the snapshot holds role cargo-redshift, not totally-different-role (input 'role-name')" },
    { input: 'lambda-user', value: 'other_user', rules: USER_RULES, says: "the snapshot holds user cargo_lambda, not other_user (input 'lambda-user')" },
    { input: 'policy-name', value: 'another-policy', rules: ['iam-cross-account-policy'], says: "the snapshot holds policy cargo-cross-account, not another-policy (input 'policy-name')" },
    { input: 'database', value: 'other_db', rules: ['sql-database', 'sql-database-all', 'sql-exfunc-usage'], says: "the snapshot holds database cargo_db, not other_db (input 'database')" },
    { input: 'db-user', value: 'other_user', rules: SQL_USER_RULES, says: "the snapshot holds database user cargo_user, not other_user (input 'db-user')" },
    { input: 'function-role', value: 'other_role', rules: ['sql-function-role'], says: "the snapshot holds database role cargo_create_replace_function, not other_role (input 'function-role')" },
    { input: 'workgroup', value: 'other-wg', rules: TARGET_RULES, says: "the snapshot holds workgroup cargo-wg, not workgroup other-wg (input 'workgroup')" },
    {
      input: 'cluster-identifier',
      value: 'some-other-cluster',
      rules: TARGET_RULES,
      says: "the snapshot holds cluster cargo-cluster, not cluster some-other-cluster (input 'cluster-identifier')",
      base: PROVISIONED,
      state: 'provisioned-compliant'
    }
  ]

  for (const state of ['serverless-compliant', 'serverless-drifted']) {
    for (const c of cases) {
      const name = c.state ?? state
      if (c.state && state !== 'serverless-compliant') continue
      it(`${name}, ${c.input} ${c.value}: exactly the rules on it are error, the rest keep their verdicts`, () => {
        const base = c.base ?? SERVERLESS
        const before = statuses(example(`${name}.state.json`), params({}, base))
        const after = judge(example(`${name}.state.json`), params({ [c.input]: c.value }, base))
        for (const [id, findings] of after) {
          if (c.rules.includes(id)) {
            for (const f of findings) {
              expect(f.status, `${id}: ${f.message}`).toBe('error')
              expect(f.message).toBe(`cannot be checked: ${c.says}`)
              expect(f.cause).toMatchObject({ service: 'state', operation: 'subject', code: 'SubjectNotHeld', message: c.says })
            }
          } else {
            expect(findings.map((f) => f.status).join(','), id).toBe(before[id])
          }
        }
      })
    }
  }

  it('the exact reproduction: role and Lambda user of another name on the provisioned example', () => {
    const found = judge(example('provisioned-compliant.state.json'), params({ 'role-name': 'totally-different-role', 'lambda-user': 'other_user' }, PROVISIONED))
    const exists = found.get('iam-role-exists')![0]!
    expect(exists.resource).toBe('iam:role/totally-different-role')
    expect(exists.status).toBe('error')
    expect(exists.message).toContain('the snapshot holds role cargo-redshift, not totally-different-role')
    const user = found.get('iam-lambda-user')![0]!
    expect(user.resource).toBe('iam:user/other_user')
    expect(user.status).toBe('error')
    for (const f of [...found.values()].flat()) {
      if (f.resource.includes('totally-different-role') || f.resource.includes('other_user')) expect(f.status).not.toBe('pass')
    }
  })

  it('IAM names differ from the input in case only: the same role (IAM names are not distinguished by case)', () => {
    const found = statuses(example('serverless-compliant.state.json'), params({ 'role-name': 'Cargo-Redshift' }))
    for (const id of ROLE_RULES) expect(found[id]).toBe('pass')
  })

  it('without policy-name, the cross-account policy found through another role is not about this one', () => {
    const state = example('serverless-compliant.state.json')
    delete state.subject!.policyName
    const found = judge(state, params({ 'role-name': 'other-role', 'policy-name': undefined }))
    expect(found.get('iam-cross-account-policy')![0]!.status).toBe('error')
    expect(found.get('iam-cross-account-policy')![0]!.message).toContain('the snapshot holds role cargo-redshift, not other-role')
    // Looked up by name when the snapshot was taken: the policy stands on its own.
    const named = judge(example('serverless-compliant.state.json'), params({ 'role-name': 'other-role', 'policy-name': undefined }))
    expect(named.get('iam-cross-account-policy')![0]!.status).toBe('pass')
  })

  it('a source schema the state was not read for is error (each schema is its own subject)', () => {
    const found = judge(example('serverless-compliant.state.json'), params({ 'source-schemas': 'analytics.public, warehouse.sales' }))
    const sales = found.get('sql-source-select')!.find((f) => f.resource === 'sql:schema/warehouse.sales')!
    expect(sales.status).toBe('error')
    expect(found.get('sql-source-select')!.find((f) => f.resource === 'sql:schema/analytics.public')!.status).toBe('pass')
  })
})

describe('what a state shows when its subject was not recorded (saved before it was)', () => {
  function old(name: string): AccountState {
    const state = example(name)
    delete state.subject
    return state
  }

  it.each([
    ['serverless-compliant', SERVERLESS],
    ['serverless-drifted', SERVERLESS],
    ['provisioned-compliant', PROVISIONED]
  ] as const)('%s: facts that carry their own names keep their verdicts', (name, inputs) => {
    expect(statuses(old(`${name}.state.json`), params({}, inputs))).toEqual(statuses(example(`${name}.state.json`), params({}, inputs)))
  })

  it('a fact that names itself still contradicts other inputs', () => {
    const found = judge(old('serverless-compliant.state.json'), params({ 'role-name': 'totally-different-role' }))
    for (const id of ROLE_RULES) expect(found.get(id)![0]!.message).toContain('the snapshot holds role cargo-redshift, not totally-different-role')
  })

  it('a role that was not found: with the look-up recorded, drift; without, the state cannot tell which role it looked for', () => {
    const recorded = example('serverless-compliant.state.json')
    recorded.iam.role = null
    expect(judge(recorded, params()).get('iam-role-exists')![0]!.status).toBe('fail')
    const other = judge(recorded, params({ 'role-name': 'my-role' })).get('iam-role-exists')![0]!
    expect(other.status).toBe('error')
    expect(other.message).toContain('the snapshot was read for role cargo-redshift, not my-role')

    const unrecorded = old('serverless-compliant.state.json')
    unrecorded.iam.role = null
    const f = judge(unrecorded, params()).get('iam-role-exists')![0]!
    expect(f.status).toBe('error')
    expect(f.message).toContain("the snapshot does not show role cargo-redshift (input 'role-name')")
  })

  it('a part never read (no fact, no recorded look-up) is error, not drift', () => {
    const state = example('serverless-compliant.state.json')
    delete state.iam.lambdaUser
    delete state.subject!.lambdaUser
    for (const id of USER_RULES) {
      const f = judge(state, params()).get(id)![0]!
      expect(f.status, id).toBe('error')
      expect(f.message).toContain("the snapshot does not show user cargo_lambda (input 'lambda-user')")
    }
  })

  it('a Redshift target not found and not recorded: its rules are error', () => {
    const state = old('serverless-compliant.state.json')
    state.redshift = null
    const found = judge(state, params())
    expect(found.get('redshift-exists')![0]!.status).toBe('error')
    expect(found.get('redshift-exists')![0]!.message).toContain('the snapshot does not show workgroup cargo-wg')
    const recorded = example('serverless-compliant.state.json')
    recorded.redshift = null
    expect(judge(recorded, params()).get('redshift-exists')![0]!.status).toBe('fail')
  })
})

describe('a state-file of another region or target is refused before judging (exit 2)', () => {
  async function refusal(inputs: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
    const config = loadConfig(raw(inputs), ROOT, env)
    const error = await audit(config, { now: NOW, cwd: ROOT, env }).then(
      () => undefined,
      (err: unknown) => err
    )
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }

  it('--cluster-identifier some-other-cluster on the provisioned example', async () => {
    const err = await refusal({ config: 'examples/provisioned.yml', 'state-file': 'examples/provisioned-compliant.state.json', 'cluster-identifier': 'some-other-cluster' })
    expect(err.problems).toEqual([
      {
        where: { input: '--cluster-identifier' },
        message: 'names cluster some-other-cluster, but the state-file examples/provisioned-compliant.state.json holds cluster cargo-cluster'
      }
    ])
  })

  it('--region us-east-1 on a snapshot taken in eu-west-1', async () => {
    const err = await refusal({ config: 'examples/provisioned.yml', 'state-file': 'examples/provisioned-compliant.state.json', region: 'us-east-1' })
    expect(err.problems).toEqual([
      { where: { input: '--region' }, message: 'is us-east-1, but the state-file examples/provisioned-compliant.state.json was read in eu-west-1' }
    ])
  })

  it('a workgroup named for a snapshot of a cluster; the place is the config file line', async () => {
    const err = await refusal({ config: 'examples/serverless.yml', 'state-file': 'examples/provisioned-compliant.state.json' })
    expect(err.problems).toHaveLength(1)
    expect(err.problems[0]!.where).toMatchObject({ file: 'examples/serverless.yml', pointer: '/workgroup' })
    expect(err.problems[0]!.where.line).toBe(
      readFileSync(join(EXAMPLES, 'serverless.yml'), 'utf8').split('\n').findIndex((l) => l.startsWith('workgroup:')) + 1
    )
    expect(err.problems[0]!.message).toBe('names workgroup cargo-wg, but the state-file examples/provisioned-compliant.state.json holds cluster cargo-cluster')
  })

  it('a state without a region cannot show the region an input names', async () => {
    const state = example('serverless-compliant.state.json')
    delete state.source.region
    const file = join(work, 'no-region.state.json')
    writeFileSync(file, JSON.stringify(state))
    const err = await refusal({ config: 'examples/serverless.yml', 'state-file': file })
    expect(err.problems[0]!.message).toContain('does not record the region it was read in')
  })

  it('a region from AWS_REGION does not name the state: it is judged, and reported in its own region', async () => {
    const { region: _region, ...inputs } = SERVERLESS
    const env = { AWS_REGION: 'us-east-1' }
    const config = loadConfig(raw({ ...inputs, 'state-file': 'examples/serverless-compliant.state.json' }), ROOT, env)
    expect(config.target.region).toBe('us-east-1')
    const outcome = await audit(config, { now: NOW, cwd: ROOT, env })
    expect(outcome.report.target.region).toBe('eu-west-1')
    expect(outcome.report.summary.error).toBe(0)
    expect(outcome.exitCode).toBe(0)
  })

  it('the inputs the state was read for: judged as before', async () => {
    const config = loadConfig(raw({ config: 'examples/provisioned.yml', 'state-file': 'examples/provisioned-compliant.state.json' }), ROOT, {})
    const outcome = await audit(config, { now: NOW, cwd: ROOT, env: {} })
    expect(outcome.report.summary).toMatchObject({ pass: 22, fail: 0, error: 0 })
  })
})

describe('an IaC plan laid over a snapshot', () => {
  const PLAN = 'examples/iac/terraform/plan.json'

  it('the plan records what it was searched for, and the overlay what each part was read for', () => {
    const planned = loadIacState(PLAN, params(), ROOT, { now: NOW })
    expect(planned.subject).toEqual(subjectOf(params().target))
    const snapshot = example('serverless-compliant.state.json')
    const over = overlayState(snapshot, planned)
    expect(over.subject).toEqual(snapshot.subject)
    expect(shippedSchema('account-state.schema.json')(over)).toBe(true)
    expect(unconfirmedSubjects(over, params().target)).toEqual([])
  })

  it('parts kept from a snapshot for another user stay about that user: error, never pass', () => {
    const planned = loadIacState(PLAN, params({ 'db-user': 'other_user' }), ROOT, { now: NOW })
    const over = overlayState(example('serverless-compliant.state.json'), planned)
    const found = judge(over, params({ 'db-user': 'other_user' }))
    for (const id of SQL_USER_RULES) for (const f of found.get(id)!) expect(f.status, id).toBe('error')
  })

  it('the overlay of an old snapshot (no subject) records only what the plan replaced', () => {
    const snapshot = example('serverless-compliant.state.json')
    delete snapshot.subject
    const over = overlayState(snapshot, loadIacState(PLAN, params(), ROOT, { now: NOW }))
    // SQL is never described by a plan: it stays the snapshot's, which recorded nothing.
    expect(over.subject?.dbUser).toBeUndefined()
    expect(statuses(over, params())['sql-user']).toBe('pass')
  })

  it('a plan of another account over a snapshot is refused', async () => {
    // This plan spells the account out in its ARNs (123456789012); the example plan leaves it to the account.
    const plan = 'test/fixtures/iac/terraform/trust-removed/plan.json'
    const state = example('serverless-compliant.state.json')
    state.source.accountId = '111122223333'
    const file = join(work, 'other-account.state.json')
    writeFileSync(file, JSON.stringify(state))
    const config = loadConfig(raw({ config: 'examples/serverless.yml', 'state-file': file, 'terraform-plan': plan }), ROOT, {})
    const err = await audit(config, { now: NOW, cwd: ROOT, env: {} }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).problems[0]).toEqual({
      where: { input: '--terraform-plan' },
      message: `${plan} describes account 123456789012, but the state it is laid over is of account 111122223333`
    })
  })
})

describe('a part that could not be read', () => {
  it('keeps the cause of the failed read when the state shows nothing else (no subject recorded)', () => {
    const state = example('serverless-compliant.state.json')
    delete state.subject
    delete state.iam.lambdaUser
    state.unavailable.push({ pointer: '/iam/lambdaUser', cause: { service: 'iam', operation: 'GetUser', iamAction: 'iam:GetUser', message: 'denied' } })
    const f = judge(state, params()).get('iam-lambda-user')![0]!
    expect(f.status).toBe('error')
    expect(f.cause?.iamAction).toBe('iam:GetUser')
  })

  it('but a contradiction is said over it', () => {
    const state = example('serverless-compliant.state.json')
    delete state.iam.lambdaUser
    state.unavailable.push({ pointer: '/iam/lambdaUser', cause: { service: 'iam', operation: 'GetUser', iamAction: 'iam:GetUser', message: 'denied' } })
    const f = judge(state, params({ 'lambda-user': 'other_user' })).get('iam-lambda-user')![0]!
    expect(f.status).toBe('error')
    expect(f.message).toContain('the snapshot was read for user cargo_lambda, not other_user')
  })
})
