import * as core from '@actions/core'
import { writeReportFiles } from './files.js'
import { planAnnotations } from './github-actions.js'
import { renderFleetConsole, renderFleetMarkdown, type FleetReport } from './fleet.js'
import { escapeMarkdown } from './markdown.js'
import type { AuditReport } from './types.js'

/* Fleets (issue 13) on GitHub: the fleet's files, log, annotations, job summary and outputs. */

/** The first line of a fleet target's drift issue or PR comment: its name and the account read ('' for others). */
export function fleetHeading(report: AuditReport): string {
  if (!report.fleet) return ''
  const account = report.source.accountId ?? 'not read'
  return `**Target:** \`${escapeMarkdown(report.fleet.target)}\` · account read: ${account}\n\n`
}

/** The fleet's files, log, annotations (named by target), job summary and outputs. */
export async function publishFleet(fleet: FleetReport, files: { reportPath: string; sarifFile?: string; junitFile?: string }, cwd: string): Promise<void> {
  core.info(renderFleetConsole(fleet, { color: false }))
  writeReportFiles({ fleet }, files, cwd)
  emitFleetAnnotations(fleet)
  if (process.env['GITHUB_STEP_SUMMARY']) {
    const markdown = renderFleetMarkdown(fleet)
    // GitHub rejects a step summary over 1 MiB: the table and the drifted rules come first.
    const bounded = markdown.length > 900_000 ? `${markdown.slice(0, 900_000)}\n\n…truncated: see the JSON report.\n` : markdown
    await core.summary.addRaw(bounded).write()
  }
  core.setOutput('status', fleet.result)
  core.setOutput('has-drift', fleet.summary.fail > 0)
  core.setOutput('has-errors', fleet.summary.errorRules > 0)
  core.setOutput('drift-count', fleet.summary.fail)
  core.setOutput('error-count', fleet.summary.errorRules)
  core.setOutput('pass-count', fleet.summary.pass)
  core.setOutput('report-path', files.reportPath)
  if (files.sarifFile) core.setOutput('sarif-file', files.sarifFile)
}

/**
 * GitHub keeps 10 annotations per level per step: targets take turns (each one's most urgent
 * first), so one badly drifted target cannot crowd the others out; a note counts the rest.
 */
function emitFleetAnnotations(fleet: FleetReport): void {
  const levels = { error: [] as string[][], warning: [] as string[][], notice: [] as string[][] }
  const perTarget = fleet.entries.map((e) => planAnnotations(e.report).map((a) => ({ level: a.level, title: `[${e.name}] ${a.properties.title ?? ''}`, message: a.message })))
  for (let i = 0; perTarget.some((list) => i < list.length); i++) {
    for (const list of perTarget) {
      const a = list[i]
      if (a) levels[a.level].push([a.title, a.message])
    }
  }
  for (const level of ['error', 'warning', 'notice'] as const) {
    const all = levels[level]
    const shown = all.length > 10 ? all.slice(0, 9) : all
    for (const [title, message] of shown) core[level](message!, { title: title! })
    if (all.length > shown.length) core[level](`${all.length - shown.length} more ${level} annotation(s) across the fleet: see the job summary`, { title: 'cargo-redshift-guard: more findings' })
  }
}
