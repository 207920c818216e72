import type { AuditReport } from './types.js'

/**
 * The machine-readable report (documented in README, schema in
 * policies/report.schema.json). Rules are left out: they are the rule set's.
 */
export function renderJson(report: AuditReport): string {
  const { rules: _rules, ...rest } = report
  return JSON.stringify({ reportVersion: 1, ...rest }, null, 2) + '\n'
}
