/**
 * The remediation actions a rule may name in `remediation.action`, and the options each takes in
 * `remediation.with` (JSON Schema): part of the rule language, so a rule set is checked against it
 * when it loads, like Cloud Custodian's registries (c7n/registry.py). What each action plans, and
 * the IAM permissions it needs, are in src/remediate/actions/, one module per id listed here.
 */
import { Ajv } from 'ajv'
import type { ConfigProblem } from '../json/problems.js'
import type { Rule } from './rule-set.types.js'

export const REMEDIATION_ACTION_OPTIONS = {
  'create-cross-account-policy': { type: 'object', additionalProperties: false, properties: {} },
  'create-role': { type: 'object', additionalProperties: false, properties: { trustedBy: { type: 'array', items: { type: 'string', minLength: 1 } } } },
  'merge-trust-statement': { type: 'object', additionalProperties: false, properties: { service: { type: 'string', minLength: 1 } } },
  'attach-cross-account-policy': { type: 'object', additionalProperties: false, properties: {} },
  'attach-lambda-policies': { type: 'object', additionalProperties: false, required: ['policies'], properties: { policies: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } } },
  'associate-role': { type: 'object', additionalProperties: false, properties: {} },
  'enable-public-access': { type: 'object', additionalProperties: false, properties: {} },
  'authorize-cargo-ingress': { type: 'object', additionalProperties: false, properties: {} },
  'create-lambda-user': { type: 'object', additionalProperties: false, properties: {} },
  'sql-create-database': { type: 'object', additionalProperties: false, properties: {} },
  'sql-create-user': { type: 'object', additionalProperties: false, properties: {} },
  'sql-grant-database': { type: 'object', additionalProperties: false, properties: {} },
  'sql-function-role': { type: 'object', additionalProperties: false, properties: {} },
  'sql-grant-exfunc': { type: 'object', additionalProperties: false, properties: {} },
  'sql-grant-source-select': { type: 'object', additionalProperties: false, properties: {} },
  'sql-default-privileges': { type: 'object', additionalProperties: false, properties: {} },
  'sql-grant-external-function': { type: 'object', additionalProperties: false, properties: {} }
} as const satisfies Record<string, Record<string, unknown>>

export type RemediationActionId = keyof typeof REMEDIATION_ACTION_OPTIONS

export const REMEDIATION_ACTION_IDS = Object.keys(REMEDIATION_ACTION_OPTIONS) as RemediationActionId[]

const ajv = new Ajv({ allErrors: true, strict: false })

function placeOf(rule: Rule, below: string): ConfigProblem['where'] {
  const source = rule.source
  const at = source?.remediation ?? (source ? { line: source.line } : {})
  return { file: source?.file ?? 'rules', ...at, pointer: `${source?.pointer ?? `/rules/${rule.id}`}/remediation/${below}` }
}

/** Every `remediation.action` names a known action, and its `remediation.with` fits that action's options. */
export function remediationActionProblems(rules: readonly Rule[]): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  for (const rule of rules) {
    const { action: id, with: options } = rule.remediation
    if (id === undefined) {
      if (options !== undefined) problems.push({ where: placeOf(rule, 'with'), message: `rule '${rule.id}': remediation.with is given but no remediation.action` })
      continue
    }
    if (!Object.hasOwn(REMEDIATION_ACTION_OPTIONS, id)) {
      problems.push({
        where: placeOf(rule, 'action'),
        message: `rule '${rule.id}': unknown remediation action '${id}'; known actions: ${REMEDIATION_ACTION_IDS.join(', ')}`
      })
      continue
    }
    const validate = ajv.compile(REMEDIATION_ACTION_OPTIONS[id as RemediationActionId])
    if (validate(options ?? {})) continue
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` ('${String(e.params['additionalProperty'])}')` : ''
      problems.push({ where: placeOf(rule, `with${e.instancePath}`), message: `rule '${rule.id}': remediation.with for '${id}' ${e.message ?? 'is invalid'}${extra}` })
    }
  }
  return problems
}
