import type { Finding, Status } from '../evaluate/types.js'
import type { AuditReport } from './types.js'

const ICON: Record<Status, string> = { pass: '✅', fail: '❌', error: '⚠️', skipped: '⏭️', muted: '🔕', unknown: '❔' }
const SEVERITY_ORDER = { error: 0, warning: 1, notice: 2 } as const
const STATUS_ORDER: Record<Status, number> = { error: 0, fail: 1, unknown: 2, muted: 3, skipped: 4, pass: 5 }

/** Most urgent first: errors and failures before passes, then by severity. */
export function byUrgency(a: Finding, b: Finding): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
}

/** Escapes text for a Markdown table cell or HTML body (no raw HTML from the account reaches the page). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
}

export function statusLine(report: AuditReport): string {
  const s = report.summary
  const target = `${report.target.kind} \`${report.target.name ?? '?'}\`${report.target.region ? ` (${report.target.region})` : ''}`
  const head =
    report.result === 'clean'
      ? `✅ Cargo setup on ${target}: every rule passes`
      : report.result === 'drift'
        ? `❌ Cargo setup on ${target}: ${s.fail} rule(s) drifted`
        : `⚠️ Cargo setup on ${target}: ${s.error} rule(s) could not be checked${s.fail ? `, ${s.fail} drifted` : ''}`
  const unknown = s.unknown > 0 ? `, ${s.unknown} unknown until apply` : ''
  return `${head} — ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skipped} skipped, ${s.muted} muted${unknown}`
}

/** The job summary / PR comment body: status line, table by urgency, folded details, connection details. */
export function renderMarkdown(report: AuditReport): string {
  const lines: string[] = [`## Cargo on Redshift: setup audit`, '', statusLine(report), '']
  const findings = [...report.findings].sort(byUrgency)
  lines.push('| | Rule | Severity | Resource | Result |', '| --- | --- | --- | --- | --- |')
  for (const f of findings) {
    lines.push(
      `| ${ICON[f.status]} | [\`${f.ruleId}\`](${f.docs}) | ${f.severity} | ${escapeMarkdown(f.resource)} | ${escapeMarkdown(f.message)} |`
    )
  }
  const attention = findings.filter((f) => f.status === 'fail' || f.status === 'error')
  if (attention.length > 0) {
    lines.push('', '### What to fix', '')
    for (const f of attention) {
      const body: string[] = []
      if (f.expected) body.push(`**Expected:** ${escapeMarkdown(f.expected)}`)
      if (f.actual) body.push(`**Actual:** ${escapeMarkdown(f.actual)}`)
      if (f.cause) body.push(`**Cause:** ${escapeMarkdown(`${f.cause.service} ${f.cause.operation}${f.cause.iamAction ? ` — grant ${f.cause.iamAction}` : ''}: ${f.cause.message}`)}`)
      if (f.remediation.manual) body.push(`**Fix:**\n\n\`\`\`\n${f.remediation.manual}\n\`\`\``)
      if (f.remediation.action) body.push(`Automatic fix: \`${f.remediation.action}\` (mode: plan / apply)`)
      if (f.guide) body.push(`Cargo's setup guide: *${escapeMarkdown(f.guide)}*`)
      body.push(`Docs: ${f.docs}`)
      lines.push(`<details><summary>${ICON[f.status]} <code>${f.ruleId}</code> — ${escapeMarkdown(f.title)}</summary>`, '', body.join('\n\n'), '', '</details>', '')
    }
  }
  if (report.connection) {
    const c = report.connection
    lines.push(
      '',
      '### Connection details for Cargo',
      '',
      '| Hostname | Port | Database | User |',
      '| --- | --- | --- | --- |',
      `| ${escapeMarkdown(c.host ?? 'unknown')} | ${c.port ?? 'unknown'} | ${escapeMarkdown(c.database)} | ${escapeMarkdown(c.user)} |`
    )
  }
  lines.push('', `<sub>cargo-redshift-guard ${report.tool.version} · ${report.generatedAt} · source: ${report.source.kind}</sub>`)
  return lines.join('\n') + '\n'
}
