import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveParameters } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { AccountState } from '../../src/state/types.js'
import { rawInputs } from '../support/inputs.js'

const ROOT = join(import.meta.dirname, '../..')
const state = (): AccountState => JSON.parse(readFileSync(join(ROOT, 'examples/serverless-compliant.state.json'), 'utf8'))
const raw = (values: Record<string, string>) => rawInputs({ 'state-file': 'x.json', ...values })
const common = { 'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo-workspace-acme', 'cargo-ips': '3.251.12.34', workgroup: 'cargo-wg' }

describe('values derived from the state', () => {
  const ruleSet = loadRuleSet([])
  const status = (findings: ReturnType<typeof evaluate>, id: string) => findings.find((f) => f.ruleId === id)?.status

  it('judges the role the collector found among Redshift roles when role-name is not given', () => {
    const params = resolveParameters(raw(common), {})
    const findings = evaluate({ ruleSet, state: state(), params })
    for (const id of ['iam-role-exists', 'iam-role-trusts-redshift', 'iam-role-trusts-lambda', 'iam-role-lambda-policies']) {
      expect(status(findings, id), id).toBe('pass')
    }
    expect(findings.find((f) => f.ruleId === 'iam-role-exists')?.resource).toBe('iam:role/cargo-redshift')
  })

  it('without role-name and without a role in the state, the role rules cannot be checked and say which input is missing', () => {
    const s = state()
    delete s.iam.role
    const params = resolveParameters(raw(common), {})
    const finding = evaluate({ ruleSet, state: s, params }).find((f) => f.ruleId === 'iam-role-exists')
    expect(finding?.status).toBe('error')
    expect(finding?.message).toContain("'role-name'")
  })
})
