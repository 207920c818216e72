import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import type { Parameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { shippedSchema } from '../../src/config/policy-files.js'
import { loadIacState, stateFromCloudFormation } from '../../src/collect/iac/index.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Finding } from '../../src/evaluate/types.js'
import type { AccountState } from '../../src/state/types.js'
import { exampleInputs, paramsOf } from '../support/inputs.js'

/* CloudFormation templates (YAML with short-form tags, and JSON) judged by the real rule set. */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const FIXTURES = 'test/fixtures/iac/cloudformation'
const NOW = new Date('2026-11-25T12:00:00Z')
const RULES = loadRuleSet([])

function params(example = 'serverless.yml', extra: Record<string, unknown> = {}): Parameters {
  return paramsOf({ ...exampleInputs(example), ...extra })
}

function judge(state: AccountState, p: Parameters = params()): Finding[] {
  return evaluate({ ruleSet: RULES, state, params: p, now: NOW })
}

function finding(findings: Finding[], ruleId: string): Finding {
  const f = findings.filter((x) => x.ruleId === ruleId)
  expect(f, ruleId).toHaveLength(1)
  return f[0]!
}

function lineOf(file: string, pattern: string): number {
  const index = readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.includes(pattern))
  expect(index, `${pattern} in ${file}`).toBeGreaterThanOrEqual(0)
  return index + 1
}

const ROLE_NETWORK_REDSHIFT = [
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
  'network-cargo-ingress-narrow'
]
const LAMBDA_USER = ['iam-lambda-user', 'iam-lambda-user-key', 'iam-lambda-user-key-age']
const validState = shippedSchema('account-state.schema.json')

describe('CloudFormation: a compliant YAML template with short-form tags', () => {
  const file = `${FIXTURES}/serverless.yaml`
  const state = loadIacState(file, params(), ROOT, { now: NOW })
  const findings = judge(state)

  it('passes the role, Redshift and network rules', () => {
    for (const id of ROLE_NETWORK_REDSHIFT) expect(finding(findings, id).status, id).toBe('pass')
  })

  it('evaluates !Sub, !Join, !GetAtt, !If, !FindInMap, !Equals and parameter defaults', () => {
    const role = state.iam.role!
    expect(role.policies.map((p) => p.arn)).toEqual([
      'arn:aws:iam::<account-id>:policy/cargo-cross-account',
      'arn:aws:iam::aws:policy/AWSLambdaExecute',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaRole'
    ])
    expect(JSON.stringify(role.trustPolicy)).toContain('lambda.amazonaws.com')
    expect(state.network.securityGroups?.[0]?.ingress.map((r) => r.cidrs[0])).toEqual(['3.251.12.34/32', '10.0.0.0/16'])
    expect(state.redshift).toMatchObject({ name: 'cargo-wg', namespaceName: 'cargo-ns', publiclyAccessible: true, endpoint: { port: 5439 }, dbName: 'dev' })
    expect(state.redshift?.iamRoles).toEqual([{ arn: 'arn:aws:iam::<account-id>:role/cargo-redshift' }])
  })

  it('leaves the access key age to the account and SQL to the database: unknown, never pass or fail', () => {
    const age = finding(findings, 'iam-lambda-user-key-age')
    expect(age.status).toBe('unknown')
    expect(age.message).toContain('the age of access key LambdaUserKey is known only in the account')
    // The user and its key's status are described; whether the unknown age also holds these two
    // back depends on whether the rules declare what they read (`reads`).
    for (const id of LAMBDA_USER.slice(0, 2)) expect(['pass', 'unknown'], id).toContain(finding(findings, id).status)
    for (const f of findings.filter((x) => x.ruleId.startsWith('sql-'))) expect(f.status, f.ruleId).toBe('unknown')
    expect(findings.filter((f) => f.status === 'fail')).toEqual([])
  })

  it('points findings at the logical ids', () => {
    expect(finding(findings, 'iam-role-exists').source).toEqual({ file, line: lineOf(file, '  CargoRole:') })
    expect(finding(findings, 'redshift-exists').source).toEqual({ file, line: lineOf(file, '  Workgroup:') })
    expect(finding(findings, 'redshift-role-associated').source).toEqual({ file, line: lineOf(file, '  Namespace:') })
    expect(finding(findings, 'network-cargo-ip-inbound').source).toEqual({ file, line: lineOf(file, '  RedshiftSecurityGroup:') })
    expect(finding(findings, 'iam-cross-account-policy').source).toEqual({ file, line: lineOf(file, '  CrossAccountPolicy:') })
  })

  it('builds a state the account-state schema accepts', () => {
    expect(validState(state), JSON.stringify(validState.errors)).toBe(true)
    expect(state.source).toMatchObject({ kind: 'cloudformation', file })
  })
})

describe('CloudFormation: a drifted template', () => {
  const file = `${FIXTURES}/serverless-drifted.yaml`
  const findings = judge(loadIacState(file, params(), ROOT, { now: NOW }))

  it('fails each drifted rule at the resource that drifted', () => {
    const role = lineOf(file, '  CargoRole:')
    expect(finding(findings, 'iam-role-trusts-lambda')).toMatchObject({ status: 'fail', source: { file, line: role } })
    expect(finding(findings, 'iam-role-lambda-policies')).toMatchObject({ status: 'fail', source: { file, line: role } })
    expect(finding(findings, 'network-cargo-ip-inbound')).toMatchObject({ status: 'fail', source: { file, line: lineOf(file, '  RedshiftSecurityGroup:') } })
    expect(finding(findings, 'redshift-publicly-accessible')).toMatchObject({ status: 'fail', source: { file, line: lineOf(file, '  Workgroup:') } })
    expect(findings.filter((f) => f.status === 'fail').map((f) => f.ruleId).sort()).toEqual(
      ['iam-role-lambda-policies', 'iam-role-trusts-lambda', 'network-cargo-ip-inbound', 'redshift-publicly-accessible'].sort()
    )
  })
})

describe('CloudFormation: a JSON template for a provisioned cluster', () => {
  const file = `${FIXTURES}/provisioned.json`
  const p = params('provisioned.yml')
  const state = loadIacState(file, p, ROOT, { now: NOW })
  const findings = judge(state, p)

  it('passes the role, Redshift and network rules, with the policy attached through its Roles', () => {
    for (const id of ROLE_NETWORK_REDSHIFT) expect(finding(findings, id).status, id).toBe('pass')
    expect(state.redshift).toMatchObject({ deployment: 'provisioned', name: 'cargo-cluster', dbName: 'dev' })
    expect(state.network.securityGroups?.[0]?.ingress).toEqual([
      { protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: ['3.251.12.34/32'], ipv6Cidrs: [] }
    ])
    expect(finding(findings, 'network-cargo-ip-inbound').source).toEqual({ file, line: lineOf(file, '"CargoIngress"') })
    expect(finding(findings, 'redshift-exists').source).toEqual({ file, line: lineOf(file, '"Cluster": {') })
  })
})

/** A small template around the resources a test needs. */
function template(resources: string, extra = ''): string {
  return `AWSTemplateFormatVersion: '2010-09-09'\n${extra}Resources:\n${resources}`
}

const ROLE = `  CargoRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cargo-redshift
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: [redshift.amazonaws.com, lambda.amazonaws.com] }
            Action: sts:AssumeRole
`

describe('CloudFormation: intrinsic functions', () => {
  const build = (text: string, extra: Partial<Parameters> = {}, parameters?: Record<string, unknown>) =>
    stateFromCloudFormation(text, { file: 'template.yaml', params: { ...params(), ...extra }, now: NOW, ...(parameters ? { parameters } : {}) })

  it('!Select, !Split and !Sub with a variable map', () => {
    const state = build(
      template(
        `${ROLE}  Workgroup:
    Type: AWS::RedshiftServerless::Workgroup
    Properties:
      WorkgroupName: !Select [1, !Split ['/', 'x/cargo-wg/y']]
      NamespaceName: !Sub
        - '\${Prefix}-ns'
        - Prefix: cargo
      PubliclyAccessible: !Equals [a, a]
      SecurityGroupIds: [sg-0a1b2c3d4e5f60718]
`
      )
    )
    expect(state.redshift).toMatchObject({ name: 'cargo-wg', namespaceName: 'cargo-ns', publiclyAccessible: true, securityGroupIds: ['sg-0a1b2c3d4e5f60718'] })
  })

  it('what only deployment tells is unknown: !ImportValue, a parameter without Default, an undecidable !If', () => {
    const state = build(
      template(
        `${ROLE}  Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !ImportValue network-RedshiftSecurityGroup
      IpProtocol: '-1'
      CidrIp: 3.251.12.34/32
  Workgroup:
    Type: AWS::RedshiftServerless::Workgroup
    Properties:
      WorkgroupName: cargo-wg
      NamespaceName: cargo-ns
      PubliclyAccessible: !If [Public, true, false]
      SecurityGroupIds: [!Ref SecurityGroup]
`,
        `Parameters:
  SecurityGroup: { Type: AWS::EC2::SecurityGroup::Id }
  Exposure: { Type: String }
Conditions:
  Public: !Equals [!Ref Exposure, public]
`
      )
    )
    expect(state.unknown).toEqual(
      expect.arrayContaining([
        { pointer: '/redshift/publiclyAccessible', reason: expect.stringContaining('condition Public depends on a value known only at deploy') },
        { pointer: '/network/securityGroups', reason: expect.stringContaining('known at deploy: parameter SecurityGroup has no Default') }
      ])
    )
    const findings = judge(state)
    expect(finding(findings, 'redshift-publicly-accessible').status).toBe('unknown')
    expect(finding(findings, 'network-cargo-ip-inbound').status).toBe('unknown')
    // (This role carries no policies: its own rules fail, the unknowns do not.)
    expect(findings.filter((f) => f.status === 'fail' && !f.ruleId.startsWith('iam-'))).toEqual([])
  })

  it('parameter values given to the reader win over Defaults, and a false Condition drops its resource', () => {
    const text = template(
      `${ROLE}  Workgroup:
    Type: AWS::RedshiftServerless::Workgroup
    Condition: Create
    Properties:
      WorkgroupName: !Ref Name
      NamespaceName: cargo-ns
      SecurityGroupIds: []
`,
      `Parameters:
  Name: { Type: String, Default: other-wg }
  Enabled: { Type: String, Default: 'yes' }
Conditions:
  Create: !Equals [!Ref Enabled, 'yes']
`
    )
    expect(build(text, {}, { Name: 'cargo-wg' }).redshift?.name).toBe('cargo-wg')
    const dropped = build(text, {}, { Name: 'cargo-wg', Enabled: 'no' })
    expect(dropped.redshift).toBeUndefined()
    expect(dropped.unknown).toContainEqual({ pointer: '/redshift', reason: "Redshift workgroup 'cargo-wg' is not described by template.yaml" })
  })

  it('takes the account id from an ARN the template spells out', () => {
    const state = build(
      template(
        `${ROLE}  Namespace:
    Type: AWS::RedshiftServerless::Namespace
    Properties:
      NamespaceName: cargo-ns
      IamRoles: [arn:aws:iam::123456789012:role/cargo-redshift]
  Workgroup:
    Type: AWS::RedshiftServerless::Workgroup
    Properties:
      WorkgroupName: cargo-wg
      NamespaceName: !Ref Namespace
      SecurityGroupIds: []
`
      )
    )
    expect(state.source.accountId).toBe('123456789012')
    expect(state.iam.role?.arn).toBe('arn:aws:iam::123456789012:role/cargo-redshift')
    expect(finding(judge(state), 'redshift-role-associated').status).toBe('pass')
  })
})

describe('CloudFormation: what is not a template', () => {
  const problem = (text: string, file = 'template.yaml'): ConfigError => {
    try {
      stateFromCloudFormation(text, { file, params: params() })
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      return err as ConfigError
    }
    throw new Error('expected a ConfigError')
  }

  it('names the line of a YAML syntax error', () => {
    const err = problem("Resources:\n  Role:\n    Type: AWS::IAM::Role\n   Properties: [\n")
    expect(err.problems[0]?.where.file).toBe('template.yaml')
    expect(err.problems[0]?.where.line).toBeGreaterThanOrEqual(3)
  })

  it('refuses a document without Resources', () => {
    expect(problem('AWSTemplateFormatVersion: "2010-09-09"\n').message).toContain('has no Resources')
  })
})

describe('examples/iac/cloudformation', () => {
  it('passes every rule the template can tell', () => {
    const findings = judge(loadIacState('examples/iac/cloudformation/cargo-serverless.yaml', params(), ROOT, { now: NOW }))
    expect(findings.filter((f) => f.status === 'fail' || f.status === 'error')).toEqual([])
    for (const id of ROLE_NETWORK_REDSHIFT) expect(finding(findings, id).status, id).toBe('pass')
  })
})
