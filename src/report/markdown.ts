import { causeHeadline, causeKey } from '../evaluate/causes.js'
import type { Finding, Status } from '../evaluate/types.js'
import type { AuditReport } from './types.js'

const ICON: Record<Status, string> = { pass: '✅', fail: '❌', error: '❓', skipped: '⏭️', muted: '🔕', unknown: '❔' }
/** A drift's icon says how much it matters: an error-severity drift must not look like a warning. */
const DRIFT_ICON = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const
const SEVERITY_ORDER = { error: 0, warning: 1, notice: 2 } as const
const STATUS_ORDER: Record<Status, number> = { fail: 0, error: 1, unknown: 2, muted: 3, skipped: 4, pass: 5 }

/** Most urgent first: drift before what could not be checked, then by severity. */
export function byUrgency(a: Finding, b: Finding): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
}

/** Escapes text for HTML (inside <summary>, <code> and the like): no Markdown is read there. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r?\n/g, ' ')
}

/**
 * Escapes text for a Markdown paragraph or table cell: no raw HTML from the account reaches the
 * page, and nothing in it turns into emphasis, code, links or strikethrough (`*.*` stays `*.*`).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]~|#!])/g, '\\$1')
    .replace(/\r?\n/g, ' ')
}

/**
 * An inline code span: delimited by more backticks than any run inside, so the value cannot end
 * it early; `|` escaped so it cannot split a table cell (GitHub reads `\|` as `|` there too).
 */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${flat}${pad}${ticks}`
}

/** A fenced block longer than any backtick run inside, so nothing can close it early. */
export function fence(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  return `${ticks}${language}\n${text}\n${ticks}`
}

/** A link target that cannot break out of `[text](…)`. */
export function linkTarget(url: string): string {
  return url.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

export function statusLine(report: AuditReport): string {
  const s = report.summary
  const target = `${report.target.kind} ${code(report.target.name ?? '?')}${report.target.region ? ` (${escapeMarkdown(report.target.region)})` : ''}`
  const problems: string[] = []
  if (s.fail > 0) problems.push(`${plural(s.fail, 'rule')} drifted`)
  if (s.error > 0) problems.push(`${plural(s.error, 'rule')} could not be checked`)
  const icon = s.fail > 0 ? '❌' : s.error > 0 ? '❓' : '✅'
  const head = problems.length === 0 ? `${icon} Cargo setup on ${target}: every rule passes` : `${icon} Cargo setup on ${target}: ${problems.join(', ')}`
  const rest = [`${s.pass} pass`]
  if (s.skipped > 0) rest.push(`${s.skipped} skipped`)
  if (s.muted > 0) rest.push(`${s.muted} waived`)
  if (s.unknown > 0) rest.push(`${s.unknown} unknown until apply`)
  return `${head} — ${rest.join(', ')}`
}

export interface MarkdownOptions {
  /** Link to the workflow run that produced the report. */
  runUrl?: string
}

/** The workflow run's address, from the variables the runner sets; undefined outside Actions. */
export function workflowRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = env['GITHUB_SERVER_URL']
  const repo = env['GITHUB_REPOSITORY']
  const id = env['GITHUB_RUN_ID']
  if (!server || !repo || !id) return undefined
  const attempt = env['GITHUB_RUN_ATTEMPT']
  return `${server}/${repo}/actions/runs/${id}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
}

function driftDetails(f: Finding): string {
  const body: string[] = []
  if (f.expected) body.push(`**Expected:** ${escapeMarkdown(f.expected)}`)
  if (f.actual && f.actual !== f.message) body.push(`**Actual:** ${escapeMarkdown(f.actual)}`)
  if (f.iacFix) {
    body.push(`**Change in the code:** ${escapeMarkdown(f.iacFix)}`)
  } else if (f.fixSteps && f.fixSteps.length > 0) {
    body.push(`**Fix:** ${f.fixSteps.map((s) => escapeMarkdown(s.description)).join(' ')}`)
    body.push(fence(f.fixSteps.map((s) => s.command).join('\n'), 'sh'))
    if (f.remediation.action) body.push('`mode: plan` lists this change for review; `mode: apply` makes it.')
  } else if (f.remediation.manual) {
    body.push(`**Fix:**\n\n${fence(f.remediation.manual)}`)
  }
  if (f.waiver?.expired) body.push(`**Waiver expired** on ${escapeMarkdown(f.waiver.expires)}: ${escapeMarkdown(f.waiver.reason)}`)
  if (f.source) body.push(`**Where:** ${escapeMarkdown(`${f.source.file}:${f.source.line}`)}`)
  if (f.guide) body.push(`Cargo's setup guide: ${escapeMarkdown(f.guide)}`)
  body.push(`[Docs](${linkTarget(f.docs)})`)
  return body.join('\n\n')
}

function driftSection(drifted: Finding[]): string[] {
  const lines = [`### Drift (${drifted.length})`, '', '| | Rule | Severity | Resource | What is wrong |', '| --- | --- | --- | --- | --- |']
  for (const f of drifted) {
    lines.push(
      `| ${DRIFT_ICON[f.severity]} | [${escapeMarkdown(f.ruleId)}](${linkTarget(f.docs)}) | ${f.severity} | ${escapeMarkdown(f.resource)} | ${escapeMarkdown(f.message)} |`
    )
  }
  lines.push('')
  for (const f of drifted) {
    lines.push(
      `<details><summary>${DRIFT_ICON[f.severity]} <code>${escapeHtml(f.ruleId)}</code> — ${escapeHtml(f.title)} (${escapeHtml(f.resource)})</summary>`,
      '',
      driftDetails(f),
      '',
      '</details>',
      ''
    )
  }
  return lines
}

/** Could-not-check findings, one entry per cause. */
export function groupByCause(findings: Finding[]): { headline: string; howToCheck?: string; findings: Finding[] }[] {
  const groups = new Map<string, { headline: string; howToCheck?: string; findings: Finding[] }>()
  for (const f of findings) {
    const key = f.cause ? causeKey(f.cause) : `message\u0000${f.message}`
    const group = groups.get(key) ?? {
      headline: f.cause ? causeHeadline(f.cause) : f.message,
      ...(f.howToCheck ? { howToCheck: f.howToCheck } : {}),
      findings: []
    }
    group.findings.push(f)
    groups.set(key, group)
  }
  return [...groups.values()]
}

function uncheckedSection(unchecked: Finding[]): string[] {
  const lines = [`### Could not be checked (${unchecked.length})`, '']
  for (const group of groupByCause(unchecked)) {
    const rules = group.findings.map((f) => `${escapeMarkdown(f.ruleId)} (${escapeMarkdown(f.resource)})`)
    lines.push(`- **${escapeMarkdown(group.headline)}**  `, `  ${plural(group.findings.length, 'rule')}: ${rules.join(', ')}  `)
    if (group.howToCheck) lines.push(`  To check: ${escapeMarkdown(group.howToCheck)}`)
  }
  lines.push('')
  return lines
}

function foldedTable(summary: string, findings: Finding[]): string[] {
  if (findings.length === 0) return []
  const lines = [`<details><summary>${summary}</summary>`, '', '| | Rule | Resource | Result |', '| --- | --- | --- | --- |']
  for (const f of findings) {
    lines.push(`| ${ICON[f.status]} | [${escapeMarkdown(f.ruleId)}](${linkTarget(f.docs)}) | ${escapeMarkdown(f.resource)} | ${escapeMarkdown(f.message)} |`)
  }
  lines.push('', '</details>', '')
  return lines
}

function connectionSection(report: AuditReport): string[] {
  const c = report.connection
  if (!c) return []
  // Only what is known: "unknown" in a form field helps nobody.
  const columns: [string, string][] = []
  if (c.host) columns.push(['Hostname', c.host])
  if (c.port !== undefined) columns.push(['Port', String(c.port)])
  columns.push(['Database', c.database], ['User', c.user])
  if (c.roleArn) columns.push(['Role ARN', c.roleArn])
  return [
    '### Connection details for Cargo',
    '',
    `| ${columns.map(([name]) => name).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    `| ${columns.map(([, value]) => escapeMarkdown(value)).join(' | ')} |`,
    ''
  ]
}

/**
 * The job summary, PR comment and drift issue body: drift first (with its fix), then what
 * could not be checked grouped by cause, then everything else folded away.
 */
export function renderMarkdown(report: AuditReport, options: MarkdownOptions = {}): string {
  const lines: string[] = ['## Cargo on Redshift: setup audit', '', statusLine(report), '']
  if (options.runUrl) lines.push(`[Workflow run](${linkTarget(options.runUrl)})`, '')
  const findings = [...report.findings].sort(byUrgency)
  const drifted = findings.filter((f) => f.status === 'fail')
  const unchecked = findings.filter((f) => f.status === 'error')
  if (drifted.length > 0) lines.push(...driftSection(drifted))
  if (unchecked.length > 0) lines.push(...uncheckedSection(unchecked))
  lines.push(...foldedTable(`❔ ${plural(report.summary.unknown, 'rule')} unknown until apply`, findings.filter((f) => f.status === 'unknown')))
  lines.push(...foldedTable(`🔕 ${plural(report.summary.muted, 'rule')} waived`, findings.filter((f) => f.status === 'muted')))
  lines.push(...foldedTable(`⏭️ ${plural(report.summary.skipped, 'rule')} skipped`, findings.filter((f) => f.status === 'skipped')))
  lines.push(...foldedTable(`✅ ${plural(report.summary.pass, 'rule')} pass`, findings.filter((f) => f.status === 'pass')))
  lines.push(...connectionSection(report))
  lines.push(`<sub>cargo-redshift-guard ${escapeHtml(report.tool.version)} · ${escapeHtml(report.generatedAt)} · source: ${escapeHtml(report.source.kind)}</sub>`)
  return lines.join('\n') + '\n'
}
