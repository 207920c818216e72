import { emptyState } from '../state/empty.js'
import { createAjv } from './keywords.js'
import type { TargetParameters } from './parameters.js'
import { fill, type PlaceholderScope } from './placeholders.js'
import { derivedValues, ruleParameters } from './rule-values.js'
import type { Rule, RuleSet } from './rule-set.types.js'


/** Compiles every rule's schema with these parameters, so a broken rule is a config error, not a verdict. */
export function compileProblems(ruleSet: RuleSet, target: TargetParameters): { rule: Rule; message: string }[] {
  const ajv = createAjv()
  const values: Record<string, unknown> = { ...ruleParameters(target), ...derivedValues(emptyState(), target) }
  const scope: PlaceholderScope = {
    lookup: (name) => (name.startsWith('state:') || name.startsWith('item.') ? null : values[name] ?? null)
  }
  const problems: { rule: Rule; message: string }[] = []
  for (const rule of ruleSet.rules) {
    try {
      ajv.compile(fill(rule.then, scope) as object)
    } catch (err) {
      problems.push({ rule, message: (err as Error).message })
    }
  }
  return problems
}
