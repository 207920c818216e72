import { styleText } from 'node:util'
import type { Finding } from '../evaluate/types.js'
import { VERSION } from '../version.js'
import { targetKey } from './github-comment.js'
import { renderJUnit } from './junit.js'
import { byUrgency, escapeMarkdown, renderMarkdown } from './markdown.js'
import { renderSarif, SARIF_SCHEMA_URI, type SarifOptions, type SarifRun } from './sarif.js'
import type { AuditReport } from './types.js'

/*
 * Fleets (issue 13): one report over many targets, from the reports of one job (all targets
 * side by side) or merged from the per-target JSON reports of a matrix. A target is named by
 * its name in the targets file; the account is the one STS said the audit read.
 */

export interface FleetEntry {
  /** The target's name (from the targets file; else its workgroup or cluster key). */
  name: string
  report: AuditReport
  /** Whether this target fails the run under its fail-on rules. */
  exitCode: 0 | 1
  /** Where its JSON report is (written by this run, or read by merge). */
  file?: string
}

export interface FleetReport {
  tool: { name: 'cargo-redshift-guard'; version: string }
  generatedAt: string
  /** `error` when a target could not be fully checked, else `drift` when one drifted, else `clean`. */
  result: 'clean' | 'drift' | 'error'
  summary: { targets: number; clean: number; drift: number; error: number; pass: number; fail: number; errorRules: number }
  entries: FleetEntry[]
}

/** The name a report goes by in a fleet: its target in the targets file, else its workgroup or cluster. */
export function fleetNameOf(report: AuditReport): string {
  return report.fleet?.target ?? decodeURIComponent(targetKey(report)).replace(/\//g, ':')
}

/** The account of a role ARN, for comparing with the account STS says was read. */
function accountOfRole(arn: string | undefined): string | undefined {
  return arn ? /^arn:[\w-]+:iam::(\d{12}):/.exec(arn)?.[1] : undefined
}

/** The account the report read (from STS), with a warning when it is not the assumed role's. */
export function accountLine(report: AuditReport): { account: string; mismatch?: string } {
  const read = report.source.accountId
  const expected = accountOfRole(report.fleet?.assumeRoleArn)
  if (read && expected && read !== expected) return { account: read, mismatch: `read account ${read}, but the role assumed is in ${expected}` }
  return { account: read ?? 'not read' }
}

export function buildFleetReport(entries: FleetEntry[], now: Date = new Date()): FleetReport {
  const count = (r: AuditReport['result']) => entries.filter((e) => e.report.result === r).length
  const sum = (f: (e: FleetEntry) => number) => entries.reduce((n, e) => n + f(e), 0)
  const summary = {
    targets: entries.length,
    clean: count('clean'),
    drift: count('drift'),
    error: count('error'),
    pass: sum((e) => e.report.summary.pass),
    fail: sum((e) => e.report.summary.fail),
    errorRules: sum((e) => e.report.summary.error)
  }
  return {
    tool: { name: 'cargo-redshift-guard', version: VERSION },
    generatedAt: now.toISOString(),
    result: summary.error > 0 ? 'error' : summary.drift > 0 ? 'drift' : 'clean',
    summary,
    entries
  }
}

/** Every finding of every target: for the exit code, which applies the same fail-on rules. */
export function fleetFindings(fleet: FleetReport): Finding[] {
  return fleet.entries.flatMap((e) => e.report.findings)
}

const ids = (report: AuditReport, status: Finding['status']) => [...new Set(report.findings.filter((f) => f.status === status).map((f) => f.ruleId))]

/**
 * The fleet JSON document (`fleetReportVersion: 1`): per target its name, the account read,
 * region, Redshift, result, counts, drifted and unchecked rule ids, and its full report.
 */
export function renderFleetJson(fleet: FleetReport): string {
  const doc = {
    fleetReportVersion: 1,
    tool: fleet.tool,
    generatedAt: fleet.generatedAt,
    result: fleet.result,
    summary: fleet.summary,
    targets: fleet.entries.map((e) => {
      const { rules: _rules, ...report } = e.report
      return {
        target: e.name,
        accountId: e.report.source.accountId ?? null,
        region: e.report.target.region ?? e.report.source.region ?? null,
        redshift: e.report.target.name ? `${e.report.target.kind}:${e.report.target.name}` : null,
        result: e.report.result,
        summary: e.report.summary,
        drifted: ids(e.report, 'fail'),
        notChecked: ids(e.report, 'error'),
        ...(e.file ? { file: e.file } : {}),
        report: { reportVersion: 1, ...report }
      }
    })
  }
  return JSON.stringify(doc, null, 2) + '\n'
}

const RESULT_ICON = { clean: '✅', drift: '❌', error: '⚠️' } as const

function headline(fleet: FleetReport): string {
  const s = fleet.summary
  return `${RESULT_ICON[fleet.result]} ${s.targets} target(s): ${s.clean} clean, ${s.drift} drifted, ${s.error} not fully checked`
}

/** The fleet job summary: the target × result table, then what drifted per target, then each target's report folded. */
export function renderFleetMarkdown(fleet: FleetReport, options: { details?: boolean } = {}): string {
  const lines = ['## Cargo on Redshift: fleet audit', '', headline(fleet), '']
  lines.push('| Target | Account read | Region | Redshift | Result | Pass | Fail | Error |', '| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const e of fleet.entries) {
    const r = e.report
    const { account, mismatch } = accountLine(r)
    lines.push(
      `| \`${escapeMarkdown(e.name)}\` | ${escapeMarkdown(account)}${mismatch ? ` ⚠️ ${escapeMarkdown(mismatch)}` : ''} | ${escapeMarkdown(r.target.region ?? r.source.region ?? '?')} | ${r.target.name ? `${r.target.kind} \`${escapeMarkdown(r.target.name)}\`` : '?'} | ${RESULT_ICON[r.result]} ${r.result} | ${r.summary.pass} | ${r.summary.fail} | ${r.summary.error} |`
    )
  }
  const troubled = fleet.entries.filter((e) => e.report.result !== 'clean')
  if (troubled.length > 0) {
    lines.push('', '### Drifted rules per target', '')
    for (const e of troubled) {
      const findings = e.report.findings.filter((f) => f.status === 'fail' || f.status === 'error').sort(byUrgency)
      lines.push(`- **${escapeMarkdown(e.name)}**: ${findings.map((f) => `${f.status === 'error' ? '⚠️' : '❌'} \`${f.ruleId}\``).join(', ')}`)
      // A refused AssumeRole errs every rule with one cause: say it once.
      const causes = [...new Set(findings.filter((f) => f.cause).map((f) => `${f.cause!.iamAction ? `${f.cause!.iamAction}: ` : ''}${f.cause!.message}`))]
      if (causes.length === 1) lines.push(`  - cause: ${escapeMarkdown(causes[0]!)}`)
    }
  }
  if (options.details !== false) {
    for (const e of fleet.entries) {
      lines.push('', `<details><summary>${RESULT_ICON[e.report.result]} ${escapeMarkdown(e.name)}</summary>`, '', renderMarkdown(e.report).replace(/^## .*\n/, ''), '</details>')
    }
  }
  lines.push('', `<sub>cargo-redshift-guard ${fleet.tool.version} · ${fleet.generatedAt}</sub>`)
  return lines.join('\n') + '\n'
}

/** A terminal table of the fleet, then each target's drifted and unchecked rules. */
export function renderFleetConsole(fleet: FleetReport, options: { color: boolean }): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(style, text) : text)
  const style = { clean: 'green', drift: 'red', error: 'magenta' } as const
  const rows = fleet.entries.map((e) => {
    const r = e.report
    return [e.name, accountLine(r).account, r.target.region ?? r.source.region ?? '?', r.target.name ?? '?', r.result, `${r.summary.pass}/${r.summary.fail}/${r.summary.error}`]
  })
  const head = ['TARGET', 'ACCOUNT', 'REGION', 'REDSHIFT', 'RESULT', 'PASS/FAIL/ERROR']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  const out = [paint('bold', headline(fleet).replace(/^\S+ /, '')), '', paint('bold', line(head))]
  fleet.entries.forEach((e, i) => {
    const text = line(rows[i]!)
    out.push(paint(style[e.report.result], text))
    const mismatch = accountLine(e.report).mismatch
    if (mismatch) out.push(paint('yellow', `  warning: ${mismatch}`))
  })
  for (const e of fleet.entries) {
    const findings = e.report.findings.filter((f) => f.status === 'fail' || f.status === 'error').sort(byUrgency)
    if (findings.length === 0) continue
    out.push('', paint('bold', `${e.name}:`))
    for (const f of findings) {
      const label = f.status === 'error' ? paint('magenta', 'ERROR') : paint('red', 'FAIL ')
      out.push(`  ${label} ${f.ruleId}  ${f.message}${f.cause?.iamAction ? ` (grant ${f.cause.iamAction})` : ''}`)
    }
  }
  return out.join('\n') + '\n'
}

/** SARIF with one run per target, each with its own category (automationDetails.id names the target). */
export function renderFleetSarif(fleet: FleetReport, options: SarifOptions = {}): { $schema: string; version: '2.1.0'; runs: SarifRun[] } {
  const runs = fleet.entries.map((e) => {
    const run = renderSarif(e.report, options).runs[0]
    return { ...run, automationDetails: { id: `cargo-redshift-guard/${e.name}/` } }
  })
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs }
}

/** JUnit XML: each target's suites, named `<target>/<group>`, under one <testsuites>. */
export function renderFleetJUnit(fleet: FleetReport): string {
  const suites: string[] = []
  let tests = 0
  let failures = 0
  let errors = 0
  let skipped = 0
  for (const e of fleet.entries) {
    const lines = renderJUnit(e.report).split('\n')
    // renderJUnit writes: XML declaration, <testsuites ...>, the suites, </testsuites>.
    const inner = lines.slice(2, lines.lastIndexOf('</testsuites>'))
    const name = e.name.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    suites.push(...inner.map((l) => l.replace(/^ {2}<testsuite name="/, `  <testsuite name="${name}/`)))
    const findings = e.report.findings
    tests += findings.length
    failures += findings.filter((f) => f.status === 'fail').length
    errors += findings.filter((f) => f.status === 'error').length
    skipped += findings.filter((f) => f.status === 'skipped' || f.status === 'muted').length
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cargo-redshift-guard: fleet" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0" timestamp="${fleet.generatedAt}">`,
    ...suites,
    '</testsuites>'
  ].join('\n') + '\n'
}
