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
