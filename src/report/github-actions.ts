import * as core from '@actions/core'
import type { Finding } from '../evaluate/types.js'
import { byUrgency, renderMarkdown } from './markdown.js'
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
  const prefix = f.status === 'error' ? 'could not check: ' : ''
  return {
    level,
    message: `${prefix}${f.resource}: ${f.message}${f.expected ? `\nExpected: ${f.expected}` : ''}`,
    properties: {
      title: `${f.ruleId}: ${f.title}`,
      ...(f.source ? { file: f.source.file, startLine: f.source.line } : {})
    }
  }
}

/**
 * Which annotations to emit: most urgent first, within GitHub's per-level
 * limit. A crowded level gives its last slot to a note counting the rest, so
 * nothing vanishes unannounced.
 */
export function planAnnotations(report: AuditReport): AnnotationPlan[] {
  const plans: AnnotationPlan[] = []
  for (const level of ['error', 'warning', 'notice'] as const) {
    const findings = [...report.findings].sort(byUrgency).filter((f) => levelOf(f) === level)
    const shown = findings.length > ANNOTATIONS_PER_LEVEL ? findings.slice(0, ANNOTATIONS_PER_LEVEL - 1) : findings
    plans.push(...shown.map((f) => annotationFor(f, level)))
    const more = findings.length - shown.length
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
  const markdown = renderMarkdown(report) + extra
  // GitHub rejects a step summary over 1 MiB; keep well inside it.
  const bounded = markdown.length > 900_000 ? `${markdown.slice(0, 900_000)}\n\n…truncated: see the JSON report.\n` : markdown
  await core.summary.addRaw(bounded).write()
}

export function setAuditOutputs(report: AuditReport, reportPath: string): void {
  core.setOutput('status', report.result)
  core.setOutput('drift-count', report.summary.fail)
  core.setOutput('error-count', report.summary.error)
  core.setOutput('pass-count', report.summary.pass)
  core.setOutput('report-path', reportPath)
}
