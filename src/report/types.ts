import type { Rule } from '../config/rule-set.types.js'
import type { Finding, Summary } from '../evaluate/types.js'
import type { StateSource } from '../state/types.js'

/** What Cargo's connection form asks for, read off the workgroup or cluster endpoint. */
export interface ConnectionDetails {
  host?: string
  port?: number
  database: string
  user: string
  /** Your role's ARN: Cargo's form asks for it (the role attached to Redshift). */
  roleArn?: string
}

/** Everything a report format needs; built once, rendered many ways. No secret is ever in it. */
export interface AuditReport {
  tool: { name: 'cargo-redshift-guard'; version: string }
  generatedAt: string
  source: StateSource
  /** Workgroup or cluster the audit was about, for titles and SARIF categories. */
  target: { kind: 'workgroup' | 'cluster'; name?: string; region?: string; accountId?: string }
  connection?: ConnectionDetails
  /** Fleets (issue 13): the target's name in the targets file and the role assumed to read it. */
  fleet?: { target: string; assumeRoleArn?: string }
  summary: Summary
  /** The overall result: `drift` when a rule drifted, else `error` when a rule could not be checked, else `clean`. */
  result: 'clean' | 'drift' | 'error'
  findings: Finding[]
  /** The rules evaluated, for formats that describe rules (SARIF). */
  rules: Rule[]
}
