import { resolve } from 'node:path'
import { Ajv } from 'ajv'
import { glob } from 'tinyglobby'
import { readLocatedDocument } from '../json/located-document.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from '../json/problems.js'
import type { FailOn } from '../config/parameters.js'
import { buildFleetReport, fleetNameOf, type FleetEntry, type FleetReport } from '../report/fleet.js'
import type { AuditReport } from '../report/types.js'
import { exitCodeFor } from '../run.js'

/*
 * Fleets (issue 13): `merge` makes one fleet report from per-target JSON reports (the artifacts
 * of a matrix). A report that cannot be read, or two that claim the same target, stop the merge
 * with exit 2: a fleet report missing a target, or holding one twice, would be a false verdict.
 */

/** The fields merge relies on; the JSON report (README, "The JSON report") has more. */
const REPORT_SHAPE = {
  type: 'object',
  required: ['reportVersion', 'tool', 'source', 'target', 'summary', 'result', 'findings'],
  properties: {
    reportVersion: { const: 1 },
    tool: { type: 'object', required: ['name'], properties: { name: { const: 'cargo-redshift-guard' } } },
    source: { type: 'object', required: ['kind'] },
    target: { type: 'object', required: ['kind'] },
    fleet: { type: 'object', required: ['target'], properties: { target: { type: 'string', minLength: 1 } } },
    summary: {
      type: 'object',
      required: ['total', 'pass', 'fail', 'error', 'skipped', 'muted'],
      additionalProperties: { type: 'integer', minimum: 0 }
    },
    result: { enum: ['clean', 'drift', 'error'] },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ruleId', 'title', 'status', 'severity', 'resource', 'message', 'docs', 'remediation'],
        properties: {
          ruleId: { type: 'string' },
          status: { enum: ['pass', 'fail', 'error', 'skipped', 'muted', 'unknown'] },
          severity: { enum: ['error', 'warning', 'notice'] },
          resource: { type: 'string' },
          message: { type: 'string' }
        }
      }
    }
  }
} as const
const validateReport = new Ajv({ allErrors: false, strict: false }).compile(REPORT_SHAPE)

/** Reads one per-target JSON report (or a fleet JSON report, for its targets' reports). */
export function readReports(file: string, cwd: string = process.cwd()): AuditReport[] {
  const doc = readLocatedDocument(resolve(cwd, file), file, 'reports')
  const value = doc.value as Record<string, unknown> | null
  const check = (report: unknown, pointer: string): AuditReport => {
    if (!validateReport(report)) {
      const e = validateReport.errors?.[0]
      const at = `${pointer}${e?.instancePath ?? ''}`
      throw new ConfigError([{ where: doc.locate(at), message: `not a cargo-redshift-guard JSON report (reportVersion 1): ${at || '/'} ${e?.message ?? 'is invalid'}` }])
    }
    // JSON reports leave the rule set out; formats that describe rules build them from findings.
    return { ...(report as unknown as Omit<AuditReport, 'rules'>), rules: [] }
  }
  if (value && typeof value === 'object' && value['fleetReportVersion'] === 1 && Array.isArray(value['targets'])) {
    return (value['targets'] as Array<{ report?: unknown }>).map((t, i) => check(t.report, `/targets/${i}/report`))
  }
  return [check(value, '')]
}

/** Expands globs (the action's `reports` input); a pattern matching no file is an error, not an empty fleet. */
export async function expandReportGlobs(patterns: string[], cwd: string = process.cwd(), where: ConfigLocation = { input: 'reports' }): Promise<string[]> {
  const problems: ConfigProblem[] = []
  const files: string[] = []
  for (const pattern of patterns) {
    const found = (await glob(pattern, { cwd, onlyFiles: true, expandDirectories: false })).sort()
    if (found.length === 0) problems.push({ where, message: `'${pattern}' matches no file` })
    for (const f of found) if (!files.includes(f)) files.push(f)
  }
  if (patterns.length === 0) problems.push({ where, message: 'give the per-target JSON reports to merge' })
  if (problems.length > 0) throw new ConfigError(problems)
  return files
}

export interface MergeOptions {
  failOn: FailOn
  failOnError: boolean
  cwd?: string
  now?: Date
}

/** Reads every report, refuses duplicates, and judges the fleet with the same fail-on rules as one audit. */
export function mergeReports(files: string[], options: MergeOptions): { fleet: FleetReport; exitCode: 0 | 1 } {
  const problems: ConfigProblem[] = []
  const entries: FleetEntry[] = []
  const claimed = new Map<string, string>()
  if (files.length === 0) throw new ConfigError([{ where: { input: 'reports' }, message: 'give the per-target JSON reports to merge' }])
  for (const file of files) {
    let reports: AuditReport[]
    try {
      reports = readReports(file, options.cwd)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
      continue
    }
    for (const report of reports) {
      const name = fleetNameOf(report)
      const other = claimed.get(name)
      if (other !== undefined) {
        problems.push({ where: { file }, message: `claims target '${name}', as ${other} does: each target must be merged once` })
        continue
      }
      claimed.set(name, file)
      entries.push({ name, report, exitCode: exitCodeFor(report.findings, { failOn: options.failOn, failOnError: options.failOnError }), file })
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const fleet = buildFleetReport(entries, options.now)
  return { fleet, exitCode: entries.some((e) => e.exitCode === 1) ? 1 : 0 }
}

/** fail-on and fail-on-error for merge, validated like the audit's (they are not read from a config file). */
export function readFailInputs(values: { failOn?: unknown; failOnError?: unknown }, where: { failOn: ConfigLocation; failOnError: ConfigLocation }): { failOn: FailOn; failOnError: boolean } {
  const problems: ConfigProblem[] = []
  const failOn = (typeof values.failOn === 'string' && values.failOn.trim() !== '' ? values.failOn.trim() : 'error') as FailOn
  if (!['error', 'warning', 'notice', 'none'].includes(failOn)) problems.push({ where: where.failOn, message: `'${failOn}' is not one of error, warning, notice, none` })
  const text = typeof values.failOnError === 'string' && values.failOnError.trim() !== '' ? values.failOnError.trim().toLowerCase() : 'true'
  const failOnError = ['true', 'yes', '1', 'on'].includes(text)
  if (!failOnError && !['false', 'no', '0', 'off'].includes(text)) problems.push({ where: where.failOnError, message: `'${text}' is not true or false` })
  if (problems.length > 0) throw new ConfigError(problems)
  return { failOn, failOnError }
}
