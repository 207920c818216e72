/**
 * The rule set against the action registry, when it loads: every `remediation.action` must name a
 * known action and its `remediation.with` must match that action's options schema, so a typo is a
 * configuration error (exit 2) rather than a fix that silently never comes.
 */
import { Ajv } from 'ajv'
import type { ConfigProblem } from '../../config/errors.js'
import type { Rule } from '../../config/rule-set.types.js'
import { ACTIONS, actionById } from './index.js'

const ajv = new Ajv({ allErrors: true, strict: false })

function placeOf(rule: Rule, below: string): ConfigProblem['where'] {
  const source = rule.source
  const at = source?.remediation ?? (source ? { line: source.line } : {})
  return { file: source?.file ?? 'rules', ...at, pointer: `${source?.pointer ?? `/rules/${rule.id}`}/remediation/${below}` }
}

export function actionProblems(rules: readonly Rule[]): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  for (const rule of rules) {
    const { action: id, with: options } = rule.remediation
    if (id === undefined) {
      if (options !== undefined) problems.push({ where: placeOf(rule, 'with'), message: `rule '${rule.id}': remediation.with is given but no remediation.action` })
      continue
    }
    const action = actionById(id)
    if (!action) {
      problems.push({
        where: placeOf(rule, 'action'),
        message: `rule '${rule.id}': unknown remediation action '${id}'; known actions: ${ACTIONS.map((a) => a.id).join(', ')}`
      })
      continue
    }
    const validate = ajv.compile(action.options)
    if (!validate(options ?? {})) {
      for (const e of validate.errors ?? []) {
        problems.push({
          where: placeOf(rule, `with${e.instancePath}`),
          message: `rule '${rule.id}': remediation.with for '${id}' ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` ('${String(e.params['additionalProperty'])}')` : ''}`
        })
      }
    }
  }
  return problems
}
