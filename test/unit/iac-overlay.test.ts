import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Parameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { shippedSchema } from '../../src/config/policy-files.js'
import { loadIacState, overlayState, stateFromCloudFormation } from '../../src/collect/iac/index.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Finding } from '../../src/evaluate/types.js'
import type { AccountState } from '../../src/state/types.js'
import { exampleInputs, paramsOf } from '../support/inputs.js'

/*
 * The IaC change laid over the live account (the example states stand for what the live
 * collector read): what the IaC defines wins, what it does not describe comes from the account.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const NOW = new Date('2026-11-25T12:00:00Z')
const RULES = loadRuleSet([])

function params(): Parameters {
  return paramsOf(exampleInputs('serverless.yml'))
}

function live(name: string): AccountState {
  const { $schema: _ignored, ...state } = JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as AccountState & { $schema?: string }
  return { ...state, source: { ...state.source, kind: 'aws' } }
}

function planned(file: string): AccountState {
  return loadIacState(file, params(), ROOT, { now: NOW })
}

function judge(state: AccountState): Map<string, Finding> {
  const byRule = new Map<string, Finding>()
  for (const f of evaluate({ ruleSet: RULES, state, params: params(), now: NOW })) byRule.set(f.ruleId, f)
  return byRule
}

const validState = shippedSchema('account-state.schema.json')

describe('overlayState', () => {
  it('a detached attachment fails after apply; SQL, which the plan does not describe, is judged on the live account', () => {
    const tf = 'test/fixtures/iac/terraform/lambda-role-detached'
    const state = overlayState(live('serverless-compliant.state.json'), planned(`${tf}/plan.json`))
    const findings = judge(state)
    expect(findings.get('iam-role-lambda-policies')).toMatchObject({ status: 'fail', source: { file: `${tf}/main.tf` } })
    for (const id of ['sql-database', 'sql-user', 'sql-database-all', 'sql-exfunc-usage', 'sql-source-select']) {
      expect(findings.get(id)?.status, id).toBe('pass')
    }
    expect(state.unknown).toEqual([])
    expect(state.source).toMatchObject({ kind: 'terraform', file: `${tf}/plan.json`, accountId: '123456789012' })
    expect(validState(state), JSON.stringify(validState.errors)).toBe(true)
  })

  it('fills the account id into ARNs the plan could not spell, so a compliant plan passes on a drifted account', () => {
    const drifted = live('serverless-drifted.state.json')
    expect([...judge(drifted).values()].filter((f) => f.status === 'fail').length).toBeGreaterThan(0)
    const state = overlayState(drifted, planned('test/fixtures/iac/terraform/compliant/plan.json'))
    expect(state.iam.role?.arn).toBe('arn:aws:iam::123456789012:role/cargo-redshift')
    expect(state.redshift?.iamRoles).toEqual([{ arn: 'arn:aws:iam::123456789012:role/cargo-redshift' }])
    const findings = judge(state)
    for (const id of [
      'iam-role-trusts-lambda',
      'iam-role-lambda-policies',
      'redshift-role-associated',
      'network-cargo-ip-inbound',
      'network-cargo-ingress-narrow',
      'iam-lambda-user-key-age'
    ]) {
      expect(findings.get(id)?.status, id).toBe('pass')
    }
    // The account's endpoint address, which the plan knows only after apply, is kept.
    expect(state.redshift?.endpoint).toEqual({ address: 'cargo-wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com', port: 5439 })
  })

  it('keeps what only apply will tell unknown', () => {
    const state = overlayState(live('serverless-compliant.state.json'), planned('test/fixtures/iac/terraform/known-after-apply/plan.json'))
    const findings = judge(state)
    expect(findings.get('iam-role-trusts-lambda')?.status).toBe('unknown')
    expect(findings.get('network-cargo-ip-inbound')?.status).toBe('unknown')
    expect(findings.get('sql-database')?.status).toBe('pass')
  })

  it("drops the live account's unreadable facts where the IaC defines the value, keeps them elsewhere", () => {
    const account = live('serverless-compliant.state.json')
    const cause = { service: 'iam', operation: 'GetRole', iamAction: 'iam:GetRole', message: 'access denied' }
    const sqlCause = { service: 'redshift-data', operation: 'ExecuteStatement', message: 'timeout' }
    delete account.iam.role
    account.unavailable = [
      { pointer: '/iam/role', cause },
      { pointer: '/sql', cause: sqlCause }
    ]
    const state = overlayState(account, planned('test/fixtures/iac/terraform/trust-removed/plan.json'))
    expect(state.unavailable).toEqual([{ pointer: '/sql', cause: sqlCause }])
    const findings = judge(state)
    expect(findings.get('iam-role-trusts-lambda')?.status).toBe('fail')
    expect(findings.get('sql-database')?.status).toBe('error')
  })

  it('takes the access keys (and their age) from the account when the template cannot tell', () => {
    const state = overlayState(live('serverless-compliant.state.json'), planned('test/fixtures/iac/cloudformation/serverless.yaml'))
    const findings = judge(state)
    for (const id of ['iam-lambda-user', 'iam-lambda-user-key', 'iam-lambda-user-key-age']) expect(findings.get(id)?.status, id).toBe('pass')
    expect(state.iam.lambdaUser?.accessKeys[0]?.ageDays).toBe(172)
    expect(state.unknown).toEqual([])
    expect(state.locations?.find((l) => l.pointer === '/iam/lambdaUser')?.file).toBe('test/fixtures/iac/cloudformation/serverless.yaml')
  })

  it('adds inbound rules to a security group defined elsewhere', () => {
    const template = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  CargoIngress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: sg-0a1b2c3d4e5f60718
      IpProtocol: '-1'
      CidrIp: 3.251.12.34/32
      Description: Cargo
`
    const plan = stateFromCloudFormation(template, { file: 'cargo-ingress.yaml', params: params(), now: NOW })
    // On its own the template cannot say what else the group admits, nor which group Redshift uses.
    expect(judge(plan).get('network-cargo-ip-inbound')?.status).toBe('unknown')
    // The account admits Cargo on SSH only (and the whole internet on 5439).
    const drifted = live('serverless-drifted.state.json')
    const before = judge(drifted)
    expect(before.get('network-cargo-ingress-narrow')?.status).toBe('fail')
    const state = overlayState(drifted, plan)
    expect(state.network.securityGroups?.[0]?.ingress.map((r) => `${r.protocol} ${r.fromPort ?? '*'} ${r.cidrs.join()}`)).toEqual([
      'tcp 22 3.251.12.34/32',
      'tcp 5439 0.0.0.0/0',
      '-1 * 3.251.12.34/32'
    ])
    const findings = judge(state)
    expect(findings.get('network-cargo-ip-inbound')?.status).toBe('pass')
    // The account's wide rule is still there: the overlay never drops what the IaC does not remove.
    expect(findings.get('network-cargo-ingress-narrow')?.status).toBe('fail')
    expect(state.unknown).toEqual([])
  })

  it('adds policies attached to a role defined elsewhere', () => {
    const template = `Resources:
  LambdaRoleAttachment:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: cargo-extra
      Roles: [cargo-redshift]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: lambda:InvokeFunction
            Resource: '*'
`
    const plan = stateFromCloudFormation(template, { file: 'extra.yaml', params: params(), now: NOW })
    const state = overlayState(live('serverless-drifted.state.json'), plan)
    expect(state.iam.role?.trustPolicy).toEqual(live('serverless-drifted.state.json').iam.role?.trustPolicy)
    expect(state.iam.role?.policies.map((p) => p.name)).toEqual(['cargo-cross-account', 'AWSLambdaExecute', 'cargo-extra'])
    expect(state.iam.role?.policies[2]?.arn).toBe('arn:aws:iam::123456789012:policy/cargo-extra')
  })
})
