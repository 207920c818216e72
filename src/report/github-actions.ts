import * as core from '@actions/core'
import type { Finding } from '../evaluate/types.js'
import { byUrgency, escapeMarkdown, groupByCause, renderMarkdown, workflowRunUrl } from './markdown.js'
import type { AuditReport } from './types.js'

/** GitHub shows at most 10 annotations of each level per step; more are dropped silently. */
export const ANNOTATIONS_PER_LEVEL = 10

type Level = 'error' | 'warning' | 'notice'

function levelOf(f: Finding): Level | undefined {
  if (f.status === 'error') return 'error'
  if (f.status !== 'fail') return undefined
  return f.severity
}

export interface AnnotationPlan {
  level: Level
  message: string
  properties: core.AnnotationProperties
}

function annotationFor(f: Finding, level: Level): AnnotationPlan {
  const fix = f.iacFix ?? (f.fixSteps && f.fixSteps.length > 0 ? f.fixSteps.map((s) => s.command).join('\n') : f.remediation.manual)
  return {
    level,
    message: `${f.resource}: ${f.message}${f.expected ? `\nExpected: ${f.expected}` : ''}${fix ? `\nFix: ${fix}` : ''}`,
    properties: {
      title: `${f.ruleId}: ${f.title}`,
      // Only a file of the user's (see locations.ts); else a workflow-level annotation.
      ...(f.source ? { file: f.source.file, startLine: f.source.line } : {})
    }
  }
}

/** One annotation per cause for the rules that could not be checked, not one per rule. */
function uncheckedAnnotations(findings: Finding[]): AnnotationPlan[] {
  return groupByCause(findings).map((group) => {
    const first = group.findings[0]!
    const ids = group.findings.map((f) => f.ruleId)
    return {
      level: 'error' as const,
      message: `could not check ${ids.length} rule(s) (${ids.join(', ')}): ${group.headline}${group.howToCheck ? `\nTo check: ${group.howToCheck}` : ''}`,
      properties: {
        title: ids.length === 1 ? `${first.ruleId}: could not be checked` : `cargo-redshift-guard: ${ids.length} rules could not be checked`,
        ...(first.source && group.findings.every((f) => f.source?.file === first.source!.file && f.source?.line === first.source!.line)
          ? { file: first.source.file, startLine: first.source.line }
          : {})
      }
    }
  })
}

/**
 * Which annotations to emit: most urgent first, within GitHub's per-level
 * limit. A crowded level gives its last slot to a note counting the rest, so
 * nothing vanishes unannounced.
 */
export function planAnnotations(report: AuditReport): AnnotationPlan[] {
  const plans: AnnotationPlan[] = []
  const unchecked = uncheckedAnnotations(report.findings.filter((f) => f.status === 'error'))
  for (const level of ['error', 'warning', 'notice'] as const) {
    const drift = [...report.findings].sort(byUrgency).filter((f) => f.status === 'fail' && levelOf(f) === level)
    const all = [...drift.map((f) => annotationFor(f, level)), ...(level === 'error' ? unchecked : [])]
    const shown = all.length > ANNOTATIONS_PER_LEVEL ? all.slice(0, ANNOTATIONS_PER_LEVEL - 1) : all
    plans.push(...shown)
    const more = all.length - shown.length
    if (more > 0) {
      plans.push({
        level,
        message: `${more} more ${level} finding(s): see the job summary and the JSON report`,
        properties: { title: 'cargo-redshift-guard: more findings' }
      })
    }
  }
  return plans
}

export function emitAnnotations(report: AuditReport): void {
  for (const a of planAnnotations(report)) core[a.level](a.message, a.properties)
}

export async function writeJobSummary(report: AuditReport, extra = ''): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return
  const runUrl = workflowRunUrl()
  const markdown = renderMarkdown(report, runUrl ? { runUrl } : {}) + extra
  // GitHub rejects a step summary over 1 MiB; keep well inside it.
  const bounded = markdown.length > 900_000 ? `${markdown.slice(0, 900_000)}\n\n…truncated: see the JSON report.\n` : markdown
  await core.summary.addRaw(bounded).write()
}

/**
 * The step's outputs. `status` alone cannot say "drifted and also partly unchecked", so
 * `has-drift` / `has-errors` (and the counts) let a workflow tell the two apart.
 */
export function auditOutputs(report: AuditReport, reportPath: string): Record<string, string | number | boolean> {
  return {
    status: report.result,
    'has-drift': report.summary.fail > 0,
    'has-errors': report.summary.error > 0,
    'drift-count': report.summary.fail,
    'error-count': report.summary.error,
    'pass-count': report.summary.pass,
    'report-path': reportPath
  }
}

export function setAuditOutputs(report: AuditReport, reportPath: string): void {
  for (const [name, value] of Object.entries(auditOutputs(report, reportPath))) core.setOutput(name, value)
}

/**
 * The job summary for a configuration that could not be loaded: the run stops before any
 * audit, and the summary is where people look first.
 */
export async function writeConfigErrorSummary(problems: { place: string; message: string }[]): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return
  const runUrl = workflowRunUrl()
  const lines = [
    '## Cargo on Redshift: setup audit',
    '',
    `⛔ The configuration is invalid (${problems.length} problem(s)): nothing was read or changed.`,
    '',
    '| Where | Problem |',
    '| --- | --- |',
    ...problems.map((p) => `| ${escapeMarkdown(p.place || 'inputs')} | ${escapeMarkdown(p.message)} |`),
    ''
  ]
  if (runUrl) lines.push(`[Workflow run](${runUrl})`, '')
  await core.summary.addRaw(lines.join('\n')).write()
}
