import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import type { Parameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { shippedSchema } from '../../src/config/policy-files.js'
import { loadIacState, stateFromTerraformPlan } from '../../src/collect/iac/index.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Finding } from '../../src/evaluate/types.js'
import type { AccountState } from '../../src/state/types.js'
import { exampleInputs, paramsOf } from '../support/inputs.js'

/*
 * Terraform plans (`terraform show -json`, written by hand in HashiCorp's documented shape by
 * test/fixtures/iac/terraform/make-plans.mjs) judged by the real rule set.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const FIXTURES = 'test/fixtures/iac/terraform'
const NOW = new Date('2026-11-25T12:00:00Z')
const RULES = loadRuleSet([])

function params(extra: Record<string, unknown> = {}): Parameters {
  return paramsOf({ ...exampleInputs('serverless.yml'), ...extra })
}

function load(variant: string, p: Parameters = params()): AccountState {
  return loadIacState(`${FIXTURES}/${variant}/plan.json`, p, ROOT, { now: NOW })
}

function judge(state: AccountState, p: Parameters = params()): Finding[] {
  return evaluate({ ruleSet: RULES, state, params: p, now: NOW })
}

function finding(findings: Finding[], ruleId: string): Finding {
  const f = findings.filter((x) => x.ruleId === ruleId)
  expect(f, ruleId).toHaveLength(1)
  return f[0]!
}

/** The line of the first line of a file matching a pattern (1-based). */
function lineOf(file: string, pattern: string): number {
  const index = readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.includes(pattern))
  expect(index, `${pattern} in ${file}`).toBeGreaterThanOrEqual(0)
  return index + 1
}

const IAM_NETWORK_REDSHIFT = [
  'iam-cross-account-policy',
  'iam-role-exists',
  'iam-role-trusts-redshift',
  'iam-role-trusts-lambda',
  'iam-role-cross-account-attached',
  'iam-role-lambda-policies',
  'redshift-exists',
  'redshift-role-associated',
  'redshift-publicly-accessible',
  'network-cargo-ip-inbound',
  'network-cargo-ingress-narrow',
  'iam-lambda-user',
  'iam-lambda-user-key',
  'iam-lambda-user-key-age'
]

const validState = shippedSchema('account-state.schema.json')

describe('Terraform plan: a compliant setup created from scratch', () => {
  const state = load('compliant')
  const findings = judge(state)

  it('passes every IAM, Redshift and network rule, with ARNs and ids known only after apply followed through references', () => {
    for (const id of IAM_NETWORK_REDSHIFT) expect(finding(findings, id).status, id).toBe('pass')
    // The role's ARN is computed; the namespace names it by reference: both spell it alike.
    expect(state.iam.role?.arn).toBe('arn:aws:iam::<account-id>:role/cargo-redshift')
    expect(state.redshift?.iamRoles).toEqual([{ arn: 'arn:aws:iam::<account-id>:role/cargo-redshift' }])
    expect(state.redshift?.securityGroupIds).toEqual(['<known after apply: aws_security_group.redshift.id>'])
    expect(state.network.securityGroups?.[0]?.id).toBe('<known after apply: aws_security_group.redshift.id>')
  })

  it('leaves SQL unknown: no plan describes grants inside the database', () => {
    const sql = findings.filter((f) => f.ruleId.startsWith('sql-'))
    expect(sql.length).toBeGreaterThan(0)
    for (const f of sql) expect(f.status, f.ruleId).toBe('unknown')
    expect(state.sql).toBeUndefined()
    expect(state.unknown).toEqual([{ pointer: '/sql', reason: 'SQL grants inside Redshift are not described by a Terraform plan' }])
  })

  it('points each finding at its resource in main.tf', () => {
    const tf = `${FIXTURES}/compliant/main.tf`
    expect(finding(findings, 'iam-role-exists').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_iam_role" "cargo"') })
    expect(finding(findings, 'iam-role-trusts-lambda').source).toEqual({ file: tf, line: lineOf(tf, 'data "aws_iam_policy_document" "trust"') })
    expect(finding(findings, 'iam-cross-account-policy').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_iam_policy" "cross_account"') })
    expect(finding(findings, 'redshift-exists').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_redshiftserverless_workgroup" "cargo"') })
    expect(finding(findings, 'redshift-role-associated').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_redshiftserverless_namespace" "cargo"') })
    expect(finding(findings, 'network-cargo-ip-inbound').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_vpc_security_group_ingress_rule" "cargo"') })
    expect(finding(findings, 'iam-lambda-user-key').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_iam_access_key" "lambda"') })
  })

  it('builds a state the account-state schema accepts', () => {
    expect(validState(state), JSON.stringify(validState.errors)).toBe(true)
    expect(state.source).toMatchObject({ kind: 'terraform', file: `${FIXTURES}/compliant/plan.json`, region: 'eu-west-1', deployment: 'serverless' })
  })

  it('gives a new access key the age zero', () => {
    expect(state.iam.lambdaUser?.accessKeys).toEqual([{ status: 'Active', ageDays: 0 }])
  })
})

describe('Terraform plan: drift introduced by the change', () => {
  it('a plan that removes the Lambda trust statement fails iam-role-trusts-lambda at the policy document', () => {
    const findings = judge(load('trust-removed'))
    const f = finding(findings, 'iam-role-trusts-lambda')
    const tf = `${FIXTURES}/trust-removed/main.tf`
    expect(f.status).toBe('fail')
    expect(f.source).toEqual({ file: tf, line: lineOf(tf, 'data "aws_iam_policy_document" "trust"') })
    expect(finding(findings, 'iam-role-trusts-redshift').status).toBe('pass')
    expect(findings.filter((x) => x.status === 'fail').map((x) => x.ruleId)).toEqual(['iam-role-trusts-lambda'])
  })

  it('a plan that deletes the AWSLambdaRole attachment fails iam-role-lambda-policies at the role', () => {
    const state = load('lambda-role-detached')
    const findings = judge(state)
    const f = finding(findings, 'iam-role-lambda-policies')
    const tf = `${FIXTURES}/lambda-role-detached/main.tf`
    expect(f.status).toBe('fail')
    expect(f.message).toContain('AWSLambdaRole')
    expect(f.source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_iam_role" "cargo"') })
    // The role's refreshed list still names it; the deletion takes it away.
    expect(state.iam.role?.policies.map((p) => p.name)).toEqual(['cargo-cross-account', 'AWSLambdaExecute'])
    expect(findings.filter((x) => x.status === 'fail').map((x) => x.ruleId)).toEqual(['iam-role-lambda-policies'])
  })

  it('a plan that narrows the Cargo rule to port 22 from another range fails network-cargo-ip-inbound at that rule', () => {
    const state = load('ingress-narrowed')
    const findings = judge(state)
    const f = finding(findings, 'network-cargo-ip-inbound')
    const tf = `${FIXTURES}/ingress-narrowed/main.tf`
    expect(f.status).toBe('fail')
    expect(f.message).toContain('3.251.12.34/32 is not admitted')
    expect(f.source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_vpc_security_group_ingress_rule" "cargo"') })
    // The group's own (refreshed) view still holds the old rule; the update replaces it.
    expect(state.network.securityGroups?.[0]?.ingress.map((r) => `${r.protocol} ${r.fromPort ?? ''} ${r.cidrs.join()}`)).toEqual([
      'tcp 22 203.0.113.0/24',
      'tcp 5439 10.0.0.0/16'
    ])
    expect(findings.filter((x) => x.status === 'fail').map((x) => x.ruleId)).toEqual(['network-cargo-ip-inbound'])
  })

  it('a destroyed role is absent after apply', () => {
    const plan = JSON.parse(readFileSync(join(ROOT, FIXTURES, 'trust-removed/plan.json'), 'utf8')) as {
      resource_changes: Array<{ address: string; change: { actions: string[]; after: unknown; after_unknown: unknown } }>
    }
    const role = plan.resource_changes.find((r) => r.address === 'aws_iam_role.cargo')!
    role.change = { ...role.change, actions: ['delete'], after: null, after_unknown: {} }
    const state = stateFromTerraformPlan(plan, { file: `${FIXTURES}/trust-removed/plan.json`, params: params(), cwd: ROOT, now: NOW })
    expect(state.iam.role).toBeNull()
    const findings = judge(state)
    expect(finding(findings, 'iam-role-exists').status).toBe('fail')
    expect(finding(findings, 'iam-role-trusts-lambda').status).toBe('skipped')
  })
})

describe('Terraform plan: values known only after apply', () => {
  const state = load('known-after-apply')
  const findings = judge(state)

  it('judges rules reading them unknown, never pass or fail', () => {
    for (const id of ['iam-role-trusts-redshift', 'iam-role-trusts-lambda', 'network-cargo-ip-inbound', 'network-cargo-ingress-narrow']) {
      expect(finding(findings, id).status, id).toBe('unknown')
    }
    expect(findings.filter((f) => f.status === 'fail')).toEqual([])
    expect(finding(findings, 'iam-role-trusts-lambda').message).toContain('known after apply: data.aws_iam_policy_document.trust.json')
    expect(finding(findings, 'network-cargo-ip-inbound').message).toContain('known after apply: terraform_data.cargo_ip.output')
  })

  it('still judges what is known', () => {
    for (const id of ['iam-cross-account-policy', 'redshift-exists', 'redshift-publicly-accessible', 'iam-lambda-user', 'iam-lambda-user-key']) {
      expect(finding(findings, id).status, id).toBe('pass')
    }
  })

  it('points the unknown network findings at the rule whose address is unknown', () => {
    const tf = `${FIXTURES}/known-after-apply/main.tf`
    expect(finding(findings, 'network-cargo-ip-inbound').source).toEqual({ file: tf, line: lineOf(tf, 'resource "aws_vpc_security_group_ingress_rule" "cargo"') })
  })

  it('records each unknown at the pointer that depends on it', () => {
    expect(state.unknown).toEqual(
      expect.arrayContaining([
        { pointer: '/iam/role/trustPolicy', reason: 'known after apply: data.aws_iam_policy_document.trust.json' },
        { pointer: '/network/securityGroups', reason: 'known after apply: terraform_data.cargo_ip.output' }
      ])
    )
    expect(validState(state), JSON.stringify(validState.errors)).toBe(true)
  })
})

describe('Terraform plan: modules', () => {
  const state = load('module')
  const findings = judge(state)

  it('follows module outputs and for_each instances, and points into the module directory', () => {
    for (const id of IAM_NETWORK_REDSHIFT) expect(finding(findings, id).status, id).toBe('pass')
    const sgId = '<known after apply: module.network.aws_security_group.redshift.id>'
    expect(state.redshift?.securityGroupIds).toEqual([sgId])
    expect(state.network.securityGroups?.[0]?.id).toBe(sgId)
    const moduleTf = `${FIXTURES}/module/modules/network/main.tf`
    expect(finding(findings, 'network-cargo-ip-inbound').source).toEqual({
      file: moduleTf,
      line: lineOf(moduleTf, 'resource "aws_vpc_security_group_ingress_rule" "cargo"')
    })
    expect(state.locations).toContainEqual({ pointer: '/network/securityGroups/0', file: moduleTf, line: lineOf(moduleTf, 'resource "aws_security_group" "redshift"') })
  })
})

describe('Terraform plan: the applied setup', () => {
  const state = load('lambda-role-detached')

  it('takes the account id from the ARNs of the account resources', () => {
    expect(state.source.accountId).toBe('123456789012')
    expect(state.iam.role?.arn).toBe('arn:aws:iam::123456789012:role/cargo-redshift')
  })

  it('ages an existing access key from its create_date and never copies a secret or key id', () => {
    expect(state.iam.lambdaUser?.accessKeys).toEqual([{ status: 'Active', createdAt: '2026-06-01T10:00:00Z', ageDays: 177 }])
    const text = JSON.stringify(state)
    expect(text).not.toContain('wJalrXUtnFEMI')
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE')
    expect(text).not.toContain('SMTPPASSWORD')
  })

  it('finds the role among the roles associated with Redshift when role-name is not set', () => {
    const p = params({ 'role-name': undefined, 'policy-name': undefined })
    const discovered = load('compliant', p)
    expect(discovered.iam.role?.name).toBe('cargo-redshift')
    expect(discovered.iam.crossAccountPolicy?.name).toBe('cargo-cross-account')
    expect(discovered.redshift?.iamRoles).toEqual([{ arn: discovered.iam.role?.arn }])
    // The role rules themselves need role-name (requiresParameters); the policy is judged.
    expect(finding(judge(discovered, p), 'iam-cross-account-policy').status).toBe('pass')
  })

  it('says what the plan does not describe as unknown, not as missing', () => {
    const p = params({ 'role-name': 'someone-else', 'lambda-user': 'nobody' })
    const s = load('compliant', p)
    const findings = judge(s, p)
    expect(finding(findings, 'iam-role-exists').status).toBe('unknown')
    expect(finding(findings, 'iam-role-exists').message).toContain("IAM role 'someone-else' is not described by")
    expect(finding(findings, 'iam-lambda-user').status).toBe('unknown')
    expect(findings.filter((f) => f.status === 'fail')).toEqual([])
  })
})

describe('Terraform plan: locations without the .tf files', () => {
  it('points at the resource inside the plan when its configuration is not on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iac-tf-'))
    const text = readFileSync(join(ROOT, FIXTURES, 'ingress-narrowed/plan.json'), 'utf8')
    writeFileSync(join(dir, 'plan.json'), text)
    const state = loadIacState('plan.json', params(), dir, { now: NOW })
    const f = finding(judge(state), 'network-cargo-ip-inbound')
    expect(f.status).toBe('fail')
    expect(f.source?.file).toMatch(/plan\.json$/)
    const line = text.split('\n')[(f.source?.line ?? 0) - 1]
    expect(line).toContain('"address": "aws_vpc_security_group_ingress_rule.cargo"')
  })
})

describe('Terraform plan: what is not a plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iac-bad-'))
  const write = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content)
    return name
  }
  const problem = (file: string): string => {
    try {
      loadIacState(file, params(), dir)
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      return (err as Error).message
    }
    throw new Error('expected a ConfigError')
  }

  it('names the file and line of a JSON syntax error', () => {
    expect(problem(write('broken.json', '{\n  "format_version": "1.2",\n  "resource_changes": [,]\n}\n'))).toMatch(/^broken\.json:3:\d+: JSON syntax/)
  })

  it('refuses a binary plan, a Terraform state, an unknown format_version and other JSON', () => {
    expect(problem(write('plan.tfplan', Buffer.from('PK\u0003\u0004binary')))).toContain('terraform show -json')
    expect(problem(write('state.json', JSON.stringify({ format_version: '1.0', terraform_version: '1.9.8', values: {} })))).toContain('not a plan')
    expect(problem(write('future.json', JSON.stringify({ format_version: '2.0', resource_changes: [] })))).toContain('format_version')
    expect(problem(write('other.json', JSON.stringify({ hello: 'world' })))).toContain('neither a Terraform plan')
    expect(problem(write('empty.json', '  \n'))).toContain('is empty')
    expect(problem('missing.json')).toContain('file not found')
  })
})

describe('examples/iac/terraform', () => {
  it('fails network-cargo-ip-inbound at the rule block, and only that', () => {
    const findings = judge(loadIacState('examples/iac/terraform/plan.json', params(), ROOT, { now: NOW }))
    expect(findings.filter((f) => f.status === 'fail').map((f) => [f.ruleId, f.source])).toEqual([
      ['network-cargo-ip-inbound', { file: 'examples/iac/terraform/main.tf', line: lineOf('examples/iac/terraform/main.tf', 'resource "aws_vpc_security_group_ingress_rule" "cargo"') }]
    ])
  })
})

describe('Terraform plan: a provisioned cluster with inline rules and exclusive lists', () => {
  const TRUST = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: ['redshift.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }]
  })
  const CROSS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::999988887777:role/cargo-workspace-acme' }] })
  const change = (address: string, after: Record<string, unknown>, afterUnknown: Record<string, unknown> = {}) => {
    const [type, name] = address.split('.')
    return { address, mode: 'managed', type, name, change: { actions: ['create'], before: null, after, after_unknown: afterUnknown } }
  }
  const config = (address: string, expressions: Record<string, unknown>) => {
    const [type, name] = address.split('.')
    return { address, mode: 'managed', type, name, expressions }
  }
  const ref = (...references: string[]) => ({ references })
  const plan = {
    format_version: '1.2',
    resource_changes: [
      change('aws_iam_role.cargo', { name: 'cargo-redshift', path: '/', assume_role_policy: TRUST, managed_policy_arns: ['arn:aws:iam::aws:policy/AWSLambdaExecute', 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole'] }, { arn: true, id: true, inline_policy: true }),
      change('aws_iam_policy.cross', { name: 'cargo-cross-account', path: '/', policy: CROSS }, { arn: true, id: true }),
      change('aws_iam_policy_attachment.cross', { name: 'cross', roles: ['cargo-redshift'], users: null, groups: null }, { id: true, policy_arn: true }),
      change('aws_iam_role_policy.inline', { role: 'cargo-redshift', name: 'logs', policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] }) }, { id: true }),
      change('aws_iam_user.lambda', { name: 'cargo_lambda', path: '/' }, { arn: true }),
      change('aws_iam_policy_attachment.full', { name: 'full', users: ['cargo_lambda'], roles: null, policy_arn: 'arn:aws:iam::aws:policy/AWSLambda_FullAccess' }, { id: true }),
      change(
        'aws_security_group.redshift',
        { name: 'redshift-cargo', vpc_id: 'vpc-0123456789abcdef0', ingress: [{ cidr_blocks: ['3.251.12.34/32'], ipv6_cidr_blocks: [], prefix_list_ids: [], security_groups: [], self: false, protocol: 'tcp', from_port: 5439, to_port: 5439, description: 'Cargo' }] },
        { id: true, arn: true, owner_id: true }
      ),
      change('aws_security_group_rule.vpc', { type: 'ingress', protocol: 'tcp', from_port: 5439, to_port: 5439, cidr_blocks: ['10.0.0.0/16'] }, { id: true, security_group_id: true }),
      change('aws_redshift_cluster.cargo', { cluster_identifier: 'cargo-cluster', publicly_accessible: true, port: 5439, database_name: 'dev' }, { id: true, vpc_security_group_ids: true, iam_roles: true, endpoint: true }),
      change('aws_redshift_cluster_iam_roles.cargo', { cluster_identifier: 'cargo-cluster' }, { id: true, iam_role_arns: true, default_iam_role_arn: true })
    ],
    prior_state: { values: { root_module: { resources: [{ address: 'data.aws_caller_identity.current', mode: 'data', type: 'aws_caller_identity', name: 'current', values: { account_id: '123456789012' } }] } } },
    configuration: {
      root_module: {
        resources: [
          config('aws_iam_role.cargo', {
            name: { constant_value: 'cargo-redshift' },
            managed_policy_arns: { constant_value: ['arn:aws:iam::aws:policy/AWSLambdaExecute', 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole'] }
          }),
          config('aws_iam_policy_attachment.cross', { policy_arn: ref('aws_iam_policy.cross.arn', 'aws_iam_policy.cross'), roles: ref('aws_iam_role.cargo.name', 'aws_iam_role.cargo') }),
          config('aws_security_group.redshift', { ingress: [{}] }),
          config('aws_security_group_rule.vpc', { security_group_id: ref('aws_security_group.redshift.id', 'aws_security_group.redshift') }),
          config('aws_redshift_cluster.cargo', { vpc_security_group_ids: ref('aws_security_group.redshift.id', 'aws_security_group.redshift') }),
          config('aws_redshift_cluster_iam_roles.cargo', { iam_role_arns: ref('aws_iam_role.cargo.arn', 'aws_iam_role.cargo'), default_iam_role_arn: ref('aws_iam_role.cargo.arn', 'aws_iam_role.cargo') })
        ]
      }
    }
  }
  const p = paramsOf(exampleInputs('provisioned.yml'))
  const state = stateFromTerraformPlan(plan, { file: 'plan.json', params: p, baseDir: tmpdir(), now: NOW })

  it('reads the account from aws_caller_identity, the cluster roles from aws_redshift_cluster_iam_roles, both rule shapes', () => {
    expect(state.source.accountId).toBe('123456789012')
    expect(state.iam.role?.arn).toBe('arn:aws:iam::123456789012:role/cargo-redshift')
    expect(state.iam.role?.policies.map((x) => `${x.kind} ${x.name}`)).toEqual([
      'aws-managed AWSLambdaExecute',
      'aws-managed AWSLambdaRole',
      'customer-managed cargo-cross-account',
      'inline logs'
    ])
    expect(state.redshift).toMatchObject({ deployment: 'provisioned', name: 'cargo-cluster', iamRoles: [{ arn: 'arn:aws:iam::123456789012:role/cargo-redshift' }], dbName: 'dev' })
    expect(state.network.securityGroups?.[0]?.ingress.map((r) => r.cidrs[0])).toEqual(['3.251.12.34/32', '10.0.0.0/16'])
    expect(state.iam.lambdaUser?.policies.map((x) => x.name)).toEqual(['AWSLambda_FullAccess'])
  })

  it('passes the rules it describes; keys it does not describe are unknown', () => {
    const findings = evaluate({ ruleSet: RULES, state, params: p, now: NOW })
    for (const id of IAM_NETWORK_REDSHIFT.slice(0, 12)) expect(finding(findings, id).status, id).toBe('pass')
    expect(finding(findings, 'iam-lambda-user-key').status).toBe('unknown')
    expect(finding(findings, 'iam-lambda-user-key').message).toContain("the access keys of IAM user 'cargo_lambda' are not described by plan.json")
  })
})
