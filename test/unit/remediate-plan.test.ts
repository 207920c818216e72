/**
 * The planner: failing findings + state + parameters -> an ordered, additive plan. Findings come
 * from the real engine and the built-in rule set, over the example account states.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Parameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { evaluate } from '../../src/evaluate/engine.js'
import { PlanError, validatePlan } from '../../src/remediate/apply.js'
import { canonicalJson, stateDigest } from '../../src/remediate/digest.js'
import { renderApplyMarkdown, renderPlanMarkdown } from '../../src/remediate/markdown.js'
import { planRemediation } from '../../src/remediate/plan.js'
import type { Plan, PlanStep } from '../../src/remediate/types.js'
import type { AccountState, PolicyStatement } from '../../src/state/types.js'
import { exampleState, paramsOf } from '../support/inputs.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const RULES = loadRuleSet([], ROOT)
const NOW = new Date('2026-11-24T08:00:00Z')
const CARGO = 'arn:aws:iam::999988887777:role/cargo-workspace-acme'
const ROLE = 'arn:aws:iam::123456789012:role/cargo-redshift'
const OTHER = 'arn:aws:iam::123456789012:role/analytics-etl'
const POLICY = 'arn:aws:iam::123456789012:policy/cargo-cross-account'
const PASSWORD = 'Sup3r-Secret-Pw'

const compliant = (file = 'serverless-compliant'): AccountState => exampleState(file)

function params(extra: Record<string, string> = {}, deployment: 'serverless' | 'provisioned' = 'serverless'): Parameters {
  const values: Record<string, string> = {
    'cargo-role-arn': CARGO,
    'cargo-ips': '3.251.12.34',
    region: 'eu-west-1',
    'role-name': 'cargo-redshift',
    'policy-name': 'cargo-cross-account',
    'source-schemas': 'analytics.public',
    remediate: 'all',
    ...(deployment === 'serverless' ? { workgroup: 'cargo-wg' } : { 'cluster-identifier': 'cargo-cluster' }),
    ...extra
  }
  return paramsOf(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')))
}

function planFor(state: AccountState, p: Parameters = params()): Plan {
  const findings = evaluate({ ruleSet: RULES, state, params: p, now: NOW })
  return planRemediation({ state, findings, params: p, rules: RULES.rules, now: NOW })
}

const ops = (plan: Plan) => plan.steps.map((s) => (s.sql ? s.sql : `${s.service}:${s.operation}`))
const step = (plan: Plan, id: string): PlanStep => {
  const s = plan.steps.find((x) => x.id === id)
  if (!s) throw new Error(`no step ${id} in ${plan.steps.map((x) => x.id).join(', ')}`)
  return s
}
const manualFor = (plan: Plan, ruleId: string) => plan.manual.filter((m) => m.ruleId === ruleId)

/** Everything the guide asks for is missing. */
function bare(): AccountState {
  const s = compliant()
  s.iam.crossAccountPolicy = null
  s.iam.role = null
  s.iam.lambdaUser = null
  s.redshift = { ...s.redshift!, publiclyAccessible: false, iamRoles: [{ arn: OTHER, applyStatus: 'in-sync' }], defaultIamRoleArn: OTHER }
  s.network.securityGroups![0]!.ingress = s.network.securityGroups![0]!.ingress.filter((r) => r.description !== 'Cargo')
  s.sql = {
    database: { name: 'cargo_db', exists: false },
    user: { name: 'cargo_user', exists: false },
    databasePrivileges: [],
    functionRole: { name: 'cargo_create_replace_function', exists: false, systemPrivileges: [], grantedToUser: false },
    exfuncUsage: false,
    sourceSchemas: [
      {
        database: 'analytics',
        schema: 'public',
        exists: true,
        usage: false,
        tables: [
          { name: 'accounts', select: false, owner: 'etl' },
          { name: 'orders', select: false, owner: 'loader' }
        ],
        defaultSelect: false,
        futureTableOwners: [
          { name: 'etl', covered: false },
          { name: 'loader', covered: false }
        ],
        uncoveredOwners: ['etl', 'loader']
      }
    ],
    externalFunction: { allowed: false }
  }
  return s
}

describe('the planner', () => {
  it('plans nothing for a compliant account', () => {
    const plan = planFor(compliant())
    expect(plan.steps).toEqual([])
    expect(plan.manual).toEqual([])
    expect(plan).toMatchObject({ planVersion: 1, createdAt: NOW.toISOString(), target: { kind: 'workgroup', name: 'cargo-wg', region: 'eu-west-1', accountId: '123456789012' } })
    expect(renderPlanMarkdown(plan)).toContain('No change to make')
  })

  it('plans the whole setup in order for a bare account: policy, role, attachments, association, public access, ingress, Lambda user, SQL', () => {
    const plan = planFor(bare(), params({ 'allow-public-access': 'true', 'db-user-password': PASSWORD }))
    expect(ops(plan)).toEqual([
      'iam:CreatePolicy',
      'iam:CreateRole',
      'iam:AttachRolePolicy',
      'iam:AttachRolePolicy',
      'iam:AttachRolePolicy',
      'redshift-serverless:UpdateNamespace',
      'redshift-serverless:UpdateWorkgroup',
      'ec2:AuthorizeSecurityGroupIngress',
      'iam:CreateUser',
      'iam:AttachUserPolicy',
      'CREATE DATABASE "cargo_db"',
      `CREATE USER "cargo_user" PASSWORD '<db-user-password>'`,
      'GRANT ALL ON DATABASE "cargo_db" TO "cargo_user"',
      'CREATE ROLE "cargo_create_replace_function"',
      'GRANT CREATE OR REPLACE FUNCTION TO ROLE "cargo_create_replace_function"',
      'GRANT ROLE "cargo_create_replace_function" TO "cargo_user"',
      'GRANT USAGE ON LANGUAGE exfunc TO "cargo_user"',
      'GRANT USAGE ON SCHEMA "public" TO "cargo_user"',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "cargo_user"',
      'ALTER DEFAULT PRIVILEGES FOR USER "etl" IN SCHEMA "public" GRANT SELECT ON TABLES TO "cargo_user"',
      'ALTER DEFAULT PRIVILEGES FOR USER "loader" IN SCHEMA "public" GRANT SELECT ON TABLES TO "cargo_user"',
      'GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE "cargo_create_replace_function"'
    ])
    expect(step(plan, 'sql-grant-external-function').dependsOn).toEqual(['sql-create-function-role', 'sql-grant-function-role'])
    // The role is created trusted by both services: the trust rules ride on create-role.
    const role = step(plan, 'create-role')
    expect(role.ruleIds).toEqual(['iam-role-exists', 'iam-role-trusts-redshift', 'iam-role-trusts-lambda'])
    expect(role.request['AssumeRolePolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }
      ]
    })
    expect(step(plan, 'create-cross-account-policy').request['PolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'CargoCrossAccount', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO }]
    })
    expect(step(plan, 'attach-cross-account-policy')).toMatchObject({
      request: { RoleName: 'cargo-redshift', PolicyArn: POLICY },
      dependsOn: ['create-role', 'create-cross-account-policy']
    })
    expect(step(plan, 'associate-role').request).toEqual({ namespaceName: 'cargo-ns', iamRoles: [OTHER, ROLE], defaultIamRoleArn: OTHER })
    // SQL steps: CREATE DATABASE alone, in the Data API's database; exfunc in the Cargo database.
    expect(step(plan, 'sql-create-database')).toMatchObject({ database: 'dev', request: { WorkgroupName: 'cargo-wg', Database: 'dev' } })
    expect(step(plan, 'sql-grant-exfunc')).toMatchObject({ database: 'cargo_db', dependsOn: ['sql-create-database', 'sql-create-user'] })
    expect(step(plan, 'sql-grant-select:analytics.public').database).toBe('analytics')
    // No access key is ever created: that rule is left to a person.
    expect(plan.steps.some((s) => /AccessKey/.test(s.operation))).toBe(false)
    expect(manualFor(plan, 'iam-lambda-user-key')).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('no safe automatic fix'), instructions: expect.stringContaining('never creates secrets') })
    ])
    // The password never reaches the plan.
    const text = JSON.stringify(plan) + renderPlanMarkdown(plan)
    expect(text).not.toContain(PASSWORD)
    expect(step(plan, 'sql-create-user').needsPassword).toBe(true)
    // Ids are unique and dependencies point backwards.
    expect(() => validatePlan(JSON.parse(JSON.stringify(plan)))).not.toThrow()
  })

  it('only fixes the rules named in remediate; every other failing rule is manual, with the reason', () => {
    const state = compliant()
    state.iam.role!.trustPolicy.Statement = [(state.iam.role!.trustPolicy.Statement as PolicyStatement[])[0]!]
    state.redshift!.publiclyAccessible = false
    const plan = planFor(state, params({ remediate: 'iam-role-trusts-lambda', 'allow-public-access': 'true' }))
    expect(plan.steps.map((s) => s.id)).toEqual(['merge-trust-statement'])
    expect(manualFor(plan, 'redshift-publicly-accessible')).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("add 'redshift-publicly-accessible' (or 'all')") })
    ])
    expect(planFor(state, params({ remediate: '' })).steps).toEqual([])
  })

  it('merges trust: every existing statement stays, Deny included, and the missing service is appended', () => {
    const state = compliant()
    const kept: PolicyStatement[] = [
      { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
      { Sid: 'Glue', Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' },
      { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }
    ]
    state.iam.role!.trustPolicy = { Version: '2012-10-17', Statement: kept }
    const plan = planFor(state)
    const trust = step(plan, 'merge-trust-statement')
    expect(trust.ruleIds).toEqual(['iam-role-trusts-lambda'])
    expect(trust.request['PolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [...kept, { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]
    })
    expect(trust.merge).toEqual({ kind: 'statements', add: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] })
  })

  it('a trust Deny that would still block the service is left to a person', () => {
    const state = compliant()
    state.iam.role!.trustPolicy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }
      ]
    }
    const plan = planFor(state)
    expect(plan.steps).toEqual([])
    expect(manualFor(plan, 'iam-role-trusts-lambda')[0]?.reason).toContain('never removes statements')
  })

  it('trust the owner gave only under a condition (aws:SourceAccount) is left to a person, not widened', () => {
    const state = compliant()
    state.iam.role!.trustPolicy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        {
          Effect: 'Allow',
          Principal: { Service: ['lambda.amazonaws.com'] },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } }
        }
      ]
    }
    const plan = planFor(state)
    expect(plan.steps.filter((s) => s.id === 'merge-trust-statement')).toEqual([])
    expect(manualFor(plan, 'iam-role-trusts-lambda')[0]?.reason).toContain('only under a condition (aws:SourceAccount)')
  })

  it('a drifted cross-account policy gets a new default version holding every existing statement plus Cargo’s', () => {
    const state = compliant()
    const existing: PolicyStatement[] = [
      { Sid: 'CargoCrossAccount', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::999988887777:role/someone-else' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }
    ]
    const doc = { Version: '2012-10-17', Statement: existing }
    state.iam.crossAccountPolicy = { ...state.iam.crossAccountPolicy!, document: doc, versionCount: 4 }
    state.iam.role!.policies[0]!.document = doc
    const plan = planFor(state)
    const version = step(plan, 'create-cross-account-policy')
    expect(version.operation).toBe('CreatePolicyVersion')
    expect(version.ruleIds).toEqual(['iam-cross-account-policy', 'iam-role-cross-account-attached'])
    // The Sid is taken: Cargo's statement gets a free one.
    const cargo = { Sid: 'CargoCrossAccount2', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO }
    expect(version.request).toEqual({ PolicyArn: POLICY, PolicyDocument: { Version: '2012-10-17', Statement: [...existing, cargo] }, SetAsDefault: true })
    expect(version.cli).toContain('--set-as-default')

    // At five versions: no step, and never a deleted version.
    state.iam.crossAccountPolicy.versionCount = 5
    const full = planFor(state)
    expect(full.steps).toEqual([])
    expect(manualFor(full, 'iam-cross-account-policy')[0]?.reason).toMatch(/5 versions.*never deletes/)
    expect(JSON.stringify(full)).not.toMatch(/DeletePolicyVersion"/)
  })

  it('a Deny in the cross-account policy is not papered over with an Allow', () => {
    const state = compliant()
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Deny' as const, Action: 'sts:AssumeRole', Resource: '*' }] }
    state.iam.crossAccountPolicy = { ...state.iam.crossAccountPolicy!, document: doc }
    state.iam.role!.policies[0]!.document = doc
    const plan = planFor(state)
    expect(plan.steps.filter((s) => s.service === 'iam')).toEqual([])
    expect(manualFor(plan, 'iam-cross-account-policy')[0]?.reason).toContain('never removes or edits statements')
  })

  it('associates the role keeping the namespace’s roles and default; Cargo’s role is default only when there is none', () => {
    const state = compliant()
    state.redshift!.iamRoles = [{ arn: OTHER, applyStatus: 'in-sync' }]
    state.redshift!.defaultIamRoleArn = OTHER
    expect(step(planFor(state), 'associate-role').request).toEqual({ namespaceName: 'cargo-ns', iamRoles: [OTHER, ROLE], defaultIamRoleArn: OTHER })
    delete state.redshift!.defaultIamRoleArn
    const plan = planFor(state)
    expect(step(plan, 'associate-role').request).toEqual({ namespaceName: 'cargo-ns', iamRoles: [OTHER, ROLE], defaultIamRoleArn: ROLE })
    expect(step(plan, 'associate-role').merge).toEqual({ kind: 'roles', add: [ROLE], defaultIfNone: ROLE })
    // Associated but not in sync yet: wait, do not re-add.
    state.redshift!.iamRoles.push({ arn: ROLE, applyStatus: 'adding' })
    const waiting = planFor(state)
    expect(waiting.steps).toEqual([])
    expect(manualFor(waiting, 'redshift-role-associated')[0]?.reason).toContain("applyStatus 'adding'")
  })

  it('provisioned: ModifyClusterIamRoles adds the role, ModifyCluster makes it public (opt-in only)', () => {
    const state = compliant('provisioned-compliant')
    state.redshift!.iamRoles = state.redshift!.iamRoles.filter((r) => r.arn !== ROLE)
    state.redshift!.publiclyAccessible = false
    const plan = planFor(state, params({ 'allow-public-access': 'true' }, 'provisioned'))
    expect(step(plan, 'associate-role')).toMatchObject({
      service: 'redshift',
      operation: 'ModifyClusterIamRoles',
      request: { ClusterIdentifier: 'cargo-cluster', AddIamRoles: [ROLE] }
    })
    expect(step(plan, 'enable-public-access')).toMatchObject({ operation: 'ModifyCluster', request: { ClusterIdentifier: 'cargo-cluster', PubliclyAccessible: true } })
    const optIn = planFor(state, params({}, 'provisioned'))
    expect(optIn.steps.map((s) => s.id)).toEqual(['associate-role'])
    expect(manualFor(optIn, 'redshift-publicly-accessible')[0]?.reason).toContain('allow-public-access is false')
  })

  it('authorizes exactly the missing Cargo addresses, all traffic, on the first security group', () => {
    const state = compliant()
    state.redshift!.securityGroupIds = ['sg-0a1b2c3d4e5f60718', 'sg-second']
    const plan = planFor(state, params({ 'cargo-ips': '3.251.12.34, 52.1.2.3, 2001:db8::7' }))
    expect(plan.steps.map((s) => s.id)).toEqual(['authorize-cargo-ingress:52.1.2.3/32', 'authorize-cargo-ingress:2001:db8::7/128'])
    expect(plan.steps[0]?.request).toEqual({
      GroupId: 'sg-0a1b2c3d4e5f60718',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '52.1.2.3/32', Description: 'Cargo' }] }]
    })
    expect(plan.steps[1]?.request['IpPermissions']).toEqual([{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '2001:db8::7/128', Description: 'Cargo' }] }])
    expect(plan.steps[0]?.cli).toBe(
      "aws ec2 authorize-security-group-ingress --group-id sg-0a1b2c3d4e5f60718 --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=52.1.2.3/32,Description=Cargo}]' --region eu-west-1"
    )
  })

  it('without db-user-password the user is not created, and what needs the user is manual', () => {
    const plan = planFor(bare())
    expect(plan.steps.some((s) => s.id === 'sql-create-user')).toBe(false)
    expect(manualFor(plan, 'sql-user')[0]?.reason).toContain('no db-user-password')
    for (const id of ['sql-database-all', 'sql-exfunc-usage', 'sql-source-select']) {
      expect(manualFor(plan, id)[0]?.reason).toContain('does not exist and this plan does not create it')
    }
    // The role can still be made, just not granted.
    expect(plan.steps.map((s) => s.id)).toEqual(expect.arrayContaining(['sql-create-database', 'sql-create-function-role', 'sql-grant-function-privilege']))
    expect(manualFor(plan, 'sql-function-role')[0]?.reason).toContain('cannot be granted')
  })

  it('never narrows: a superuser Cargo user is left to a person', () => {
    const state = compliant()
    state.sql!.user = { name: 'cargo_user', exists: true, superuser: true }
    const plan = planFor(state, params({ 'db-user-password': PASSWORD }))
    expect(plan.steps).toEqual([])
    expect(manualFor(plan, 'sql-user')[0]?.reason).toContain('never narrows')
  })

  it('a missing role without role-name, or a missing policy without policy-name, is manual', () => {
    const state = bare()
    const p = params({ 'role-name': '', 'policy-name': '' })
    const plan = planFor(state, p)
    expect(plan.steps.filter((s) => ['CreateRole', 'CreatePolicy', 'AttachRolePolicy'].includes(s.operation))).toEqual([])
    expect(manualFor(plan, 'iam-cross-account-policy')[0]?.reason).toContain('policy-name')
  })

  it('rules that could not be checked are listed, not planned', () => {
    const state = compliant()
    state.unavailable.push({ pointer: '/sql', cause: { service: 'redshift-data', operation: 'ExecuteStatement', message: 'denied', iamAction: 'redshift-data:ExecuteStatement' } })
    const plan = planFor(state)
    expect(plan.steps).toEqual([])
    expect(manualFor(plan, 'sql-database')[0]?.reason).toContain('could not be checked')
  })
})

describe('the state digest', () => {
  it('ignores volatile fields and sees every change steps depend on', () => {
    const a = compliant()
    const b = compliant()
    b.source.collectedAt = '2030-01-01T00:00:00.000Z'
    b.iam.lambdaUser!.accessKeys[0]!.ageDays = 999
    b.iam.lambdaUser!.accessKeys[0]!.lastUsedAt = null
    b.redshift!.status = 'MODIFYING'
    b.network.securityGroups![0]!.ingress.reverse()
    expect(stateDigest(b)).toBe(stateDigest(a))
    b.iam.role!.trustPolicy.Statement = []
    expect(stateDigest(b)).not.toBe(stateDigest(a))
    const c = compliant()
    c.redshift!.iamRoles.push({ arn: OTHER, applyStatus: 'in-sync' })
    expect(stateDigest(c)).not.toBe(stateDigest(a))
  })

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}')
  })
})

describe('plan files and rendering', () => {
  const plan = planFor(bare(), params({ 'allow-public-access': 'true', 'db-user-password': PASSWORD }))

  it('validatePlan refuses what apply cannot make', () => {
    const edit = (f: (p: Plan) => void) => {
      const copy = JSON.parse(JSON.stringify(plan)) as Plan
      f(copy)
      return () => validatePlan(copy)
    }
    expect(edit((p) => ((p as { planVersion: number }).planVersion = 2))).toThrow(PlanError)
    expect(edit((p) => (p.steps[0]!.operation = 'DeleteRole'))).toThrow(/not an operation apply makes/)
    expect(edit((p) => p.steps[2]!.dependsOn.push('sql-create-user'))).toThrow(/earlier steps/)
    expect(edit((p) => (p.steps[1]!.id = p.steps[0]!.id))).toThrow(/twice/)
    expect(edit((p) => (p.stateDigest = 'x'))).toThrow(/sha256/)
    expect(() => validatePlan('nope')).toThrow(PlanError)
  })

  it('renders every step with its request and manual command, and the manual list', () => {
    const md = renderPlanMarkdown(plan)
    expect(md).toContain(`**${plan.steps.length} change(s)**`)
    for (const s of plan.steps) expect(md).toContain(`\`${s.id}\``)
    expect(md).toContain('aws iam create-role --role-name cargo-redshift')
    expect(md).toContain('### Left to a person')
    expect(md).toContain('`iam-lambda-user-key`')
    expect(md).not.toContain(PASSWORD)
    const failure = { step: plan.steps[1]!, cause: { service: 'iam', operation: 'CreateRole', message: 'denied' }, message: 'create-role: denied' }
    const held = plan.steps.slice(2).map((step) => ({ step, reason: 'needs create-role, which failed' }))
    const applied = renderApplyMarkdown({
      done: [{ step: plan.steps[0]!, result: 'changed', detail: 'created policy cargo-cross-account' }],
      failed: failure,
      failures: [failure],
      notRun: held.map((h) => h.step),
      held,
      changes: 1
    })
    expect(applied).toContain(`1 change(s) made, 0 already in place, 1 failed, ${held.length} not run`)
    expect(applied).toContain('not run: needs create-role, which failed')
  })
})
