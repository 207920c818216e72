import type { Severity } from './parameters.js'

export type AppliesTo = 'serverless' | 'provisioned' | 'both'

/** How a failing rule is fixed: an automatic action id, manual steps, or both. */
export interface Remediation {
  /** Id of an automatic remediation action; absent when no safe automatic fix exists. */
  action?: string
  /** What a person does by hand (Markdown). */
  manual?: string
}

/** One declarative rule: read the state at `given`, judge it with the JSON Schema `then`. */
export interface Rule {
  id: string
  title: string
  severity: Severity
  description: string
  /** Link to documentation on the requirement. */
  docs: string
  /** The section of Cargo's setup guide the rule comes from. */
  guide?: string
  /** false turns the rule off (reported as skipped). */
  enabled?: boolean
  appliesTo: AppliesTo
  /** JSON pointer into the AccountState; `${param}` placeholders are filled from parameters. */
  given: string
  /**
   * The parts below `given` the verdict depends on (JSON pointers, `*` for any one segment).
   * Default: all of `given`. A part that could not be read makes the rule `error` only when
   * the rule reads it, so one unreadable detail doesn't take down rules that don't need it.
   */
  reads?: string[]
  /** Judge each element of the array at `given` separately (one finding per element). */
  each?: boolean
  /** JSON Schema the target must satisfy; custom keywords: iamAllows, trustsService, cidrsAdmit, ... */
  then: Record<string, unknown>
  /** What compliance looks like, for "expected vs actual" (placeholders allowed). */
  expected: string
  /** The resource the finding is about (placeholders allowed; `${item.x}` with `each`). */
  resource: string
  /** Rules that must pass first; otherwise this rule is `skipped` and says which one failed. */
  requires?: string[]
  /** Parameters without which the rule cannot be checked (verdict `error`, naming the input). */
  requiresParameters?: string[]
  /** Skipped (not applicable) when this list parameter is empty. */
  onlyWithParameter?: string
  /** Verdict when the target is absent (null or missing): default `fail`. */
  whenMissing?: 'fail' | 'skip'
  /** Message for the absent case (placeholders allowed). */
  missingMessage?: string
  remediation: Remediation
  /** Where the rule is defined, for annotations and SARIF. Filled by the loader. */
  source?: RuleSource
}

export interface RuleSource {
  file: string
  line: number
  /** The rule comes from the rule set shipped inside the tool, not from a file of the user's. */
  builtIn?: boolean
  /** The rule's JSON pointer in its file (e.g. /rules/3), and where its `then` starts. */
  pointer?: string
  then?: { line: number; column: number }
}

export interface RuleSet {
  name: string
  rules: Rule[]
}
