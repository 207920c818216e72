import type { Severity } from '../config/parameters.js'
import type { Rule } from '../config/rule-set.types.js'
import type { CollectionCause } from '../state/types.js'

/** `unknown`: the value is only known after an IaC apply; neither a pass nor a fail. */
export type Status = 'pass' | 'fail' | 'error' | 'skipped' | 'muted' | 'unknown'

/** The verdict of one rule on one resource. */
export interface Finding {
  ruleId: string
  title: string
  status: Status
  severity: Severity
  /** What the finding is about, e.g. `iam:role/cargo-redshift` or `sql:cargo_db.public`. */
  resource: string
  /** One sentence a person can act on. */
  message: string
  expected?: string
  actual?: string
  /** For `error`: why the rule could not be checked. */
  cause?: CollectionCause
  /**
   * For `error`: what to do so the rule can be checked (the IAM action to allow, the input to
   * set). An `error` finding carries no drift fix: nothing is known about drift yet.
   */
  howToCheck?: string
  /** For `skipped`: held back because a prerequisite's subject does not exist (no cluster, no role). */
  subjectMissing?: boolean
  /** For a `fail` judged on infrastructure-as-code: the change to make in the file. */
  iacFix?: string
  /** For a `fail` on a live account: the exact changes the plan would make, each with its command. */
  fixSteps?: { description: string; command: string }[]
  /** For `muted`: the waiver that applies. For an expired waiver, the finding keeps its status and says so. */
  waiver?: { reason: string; expires: string; expired: boolean }
  docs: string
  /** The section of Cargo's setup guide the requirement comes from. */
  guide?: string
  remediation: Rule['remediation']
  source?: Rule['source']
}

export interface Summary {
  total: number
  pass: number
  fail: number
  error: number
  skipped: number
  muted: number
  unknown: number
}
