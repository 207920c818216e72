/**
 * The remediation action registry: the ids a rule may name (checked when the rule set loads), the
 * options each action takes from its rule's `remediation.with`, and the IAM permissions each
 * declares, which the shipped remediate policy must grant.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import { loadConfig } from '../../src/config/load.js'
import { REMEDIATION_ACTION_IDS, REMEDIATION_ACTION_OPTIONS } from '../../src/config/remediation-actions.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import type { RuleSet } from '../../src/config/rule-set.types.js'
import { evaluate } from '../../src/evaluate/engine.js'
import { evaluatePolicies } from '../../src/policy/iam-policy.js'
import { ACTIONS } from '../../src/remediate/actions/index.js'
import { planRemediation } from '../../src/remediate/plan.js'
import type { AccountState, PolicyDocument } from '../../src/state/types.js'
import { runCli } from '../support/cli.js'
import { exampleState, planningParams, rawInputs } from '../support/inputs.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const NOW = new Date('2026-11-24T08:00:00Z')
const dir = mkdtempSync(path.join(tmpdir(), 'crg-actions-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function rulesFile(name: string, yaml: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, yaml)
  return file
}

const compliant = (): AccountState => exampleState()
const params = planningParams

function attachSteps(ruleSet: RuleSet, state: AccountState): string[] {
  const p = params()
  const findings = evaluate({ ruleSet, state, params: p, now: NOW })
  const plan = planRemediation({ state, findings, params: p, rules: ruleSet.rules, now: NOW })
  return plan.steps.filter((s) => s.action === 'attach-lambda-policies').map((s) => String(s.request['PolicyArn']))
}

describe('the action registry', () => {
  it('knows every action the built-in rules name, each once', () => {
    const ids = ACTIONS.map((a) => a.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const rule of loadRuleSet([], ROOT).rules) {
      if (rule.remediation.action) expect(ids, rule.id).toContain(rule.remediation.action)
    }
  })

  it('plans every action of the rule language, with the options the rule language checks', () => {
    expect(ACTIONS.map((a) => a.id)).toEqual(REMEDIATION_ACTION_IDS)
    for (const a of ACTIONS) expect(a.options).toBe(REMEDIATION_ACTION_OPTIONS[a.id])
  })

  it('an unknown action id is a configuration error listing the known ones', () => {
    const file = rulesFile('typo.yaml', 'rules:\n  - id: iam-role-exists\n    remediation: { action: create-rol }\n')
    let error: unknown
    try {
      loadConfig(rawInputs({ rules: file, state: path.join(ROOT, 'examples/serverless-compliant.state.json') }), ROOT, {})
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problem = (error as ConfigError).problems.find((p) => p.message.includes("'create-rol'"))
    expect(problem?.message).toContain("unknown remediation action 'create-rol'")
    for (const a of ACTIONS) expect(problem?.message).toContain(a.id)
    expect(problem?.where.file).toBe(file)
    expect(problem?.where.pointer).toBe('/rules/0/remediation/action')
  })

  it('the CLI exits 2 on an unknown action id, before reading any account', async () => {
    const file = rulesFile('typo-cli.yaml', 'rules:\n  - id: iam-role-exists\n    remediation: { action: create-rol }\n')
    const run = await runCli(['--config', path.join(ROOT, 'examples/serverless.yml'), '--state', path.join(ROOT, 'examples/serverless-compliant.state.json'), '--rules', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("unknown remediation action 'create-rol'")
    expect(run.stderr).toContain('known actions: create-cross-account-policy')
  })

  it("options that do not match the action's schema are a configuration error", () => {
    const file = rulesFile('bad-with.yaml', 'rules:\n  - id: iam-role-lambda-policies\n    remediation: { action: attach-lambda-policies, with: { policy: x } }\n')
    let error: unknown
    try {
      loadConfig(rawInputs({ rules: file, state: path.join(ROOT, 'examples/serverless-compliant.state.json') }), ROOT, {})
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const messages = (error as ConfigError).problems.map((p) => p.message).join('\n')
    expect(messages).toContain("remediation.with for 'attach-lambda-policies'")
    expect(messages).toContain('policies')
  })

  it("the rule's `with` data decides what is attached: an override changes the planned steps", () => {
    const state = compliant()
    state.iam.role!.policies = state.iam.role!.policies.filter((p) => !p.arn?.endsWith('/AWSLambdaRole'))
    expect(attachSteps(loadRuleSet([], ROOT), state)).toEqual(['arn:aws:iam::aws:policy/service-role/AWSLambdaRole'])

    const readOnly = 'arn:${partition}:iam::aws:policy/AWSLambdaReadOnlyAccess'
    const override = rulesFile(
      'lambda-policies.yaml',
      [
        'rules:',
        '  - id: iam-role-lambda-policies',
        '    then:',
        '      allOf:',
        `        - contains: { properties: { arn: { const: "arn:\${partition}:iam::aws:policy/AWSLambdaExecute" } }, required: [arn] }`,
        `        - contains: { properties: { arn: { const: "${readOnly}" } }, required: [arn] }`,
        '    remediation:',
        '      action: attach-lambda-policies',
        `      with: { policies: ["arn:\${partition}:iam::aws:policy/AWSLambdaExecute", "${readOnly}"] }`,
        ''
      ].join('\n')
    )
    // AWSLambdaRole is no longer expected, so it is not attached; the new policy is.
    expect(attachSteps(loadRuleSet([override], ROOT), state)).toEqual(['arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess'])
  })

  it('a rule held back by a prerequisite says which one, as data', () => {
    const state = compliant()
    state.iam.role = null
    const findings = evaluate({ ruleSet: loadRuleSet([], ROOT), state, params: params(), now: NOW })
    const trust = findings.find((f) => f.ruleId === 'iam-role-trusts-redshift')!
    expect(trust.status).toBe('skipped')
    expect(trust.blockedBy).toEqual({ ruleId: 'iam-role-exists', status: 'fail' })
  })

  describe('each action declares the IAM permissions apply needs, and the shipped remediate policy grants them', () => {
    const policy = JSON.parse(readFileSync(path.join(ROOT, 'policies/permissions/remediate.json'), 'utf8')) as PolicyDocument
    for (const action of ACTIONS) {
      it(action.id, () => {
        expect(action.permissions.length).toBeGreaterThan(0)
        for (const permission of action.permissions) {
          const verdict = evaluatePolicies([{ name: 'remediate.json', document: policy }], { action: permission, resource: '*' })
          // iam:PassRole is granted only for passing to Redshift, which is what associate-role does.
          expect(['allow', 'conditional'], `${action.id} needs ${permission}`).toContain(verdict.decision)
        }
      })
    }
  })
})
