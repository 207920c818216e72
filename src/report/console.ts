import { styleText } from 'node:util'
import type { Finding, Status } from '../evaluate/types.js'
import { byUrgency, statusLine } from './markdown.js'
import type { AuditReport } from './types.js'

type Style = Parameters<typeof styleText>[0]
const LABEL: Record<Status, [string, Style]> = {
  error: ['ERROR', 'magenta'],
  fail: ['FAIL ', 'red'],
  muted: ['MUTED', 'gray'],
  skipped: ['SKIP ', 'gray'],
  unknown: ['UNKN ', 'yellow'],
  pass: ['PASS ', 'green']
}

/** A terminal report: most urgent first, expected vs actual and the fix under each problem. */
export function renderConsole(report: AuditReport, options: { color: boolean; verbose?: boolean }): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text)
  const out: string[] = [paint('bold', statusLine(report).replace(/^\S+ /, '')), '']
  for (const f of [...report.findings].sort(byUrgency)) {
    const [label, style] = LABEL[f.status]
    // Severity matters only where something is wrong; on a pass it reads like an error.
    const severity = f.status === 'fail' || f.status === 'error' ? `[${f.severity}] ` : ''
    out.push(`${paint(style, label)} ${paint('bold', f.ruleId)} ${paint('gray', `${severity}${f.resource}`)}`)
    out.push(`      ${f.message}`)
    if (f.status === 'fail' || f.status === 'error' || options.verbose) out.push(...details(f).map((l) => `      ${paint('gray', l)}`))
  }
  if (report.connection) {
    const c = report.connection
    out.push('', paint('bold', 'Connection details for Cargo:'), `  host ${c.host ?? 'unknown'}  port ${c.port ?? 'unknown'}  database ${c.database}  user ${c.user}`)
  }
  return out.join('\n') + '\n'
}

function details(f: Finding): string[] {
  const lines: string[] = []
  if (f.expected) lines.push(`expected: ${f.expected}`)
  // A passing rule (shown with --verbose) says what was checked and where it is defined, not how to fix it.
  if (f.status === 'pass') {
    if (f.actual) lines.push(`actual:   ${f.actual}`)
    if (f.source) lines.push(`where:    ${f.source.file}:${f.source.line}`)
    lines.push(`docs:     ${f.docs}`)
    return lines
  }
  if (f.cause?.iamAction) lines.push(`grant:    ${f.cause.iamAction}`)
  if (f.remediation.manual) {
    const [first, ...rest] = f.remediation.manual.split('\n')
    lines.push(`fix:      ${first ?? ''}`, ...rest.map((l) => `          ${l}`))
  }
  if (f.remediation.action) lines.push(`auto-fix: ${f.remediation.action} (plan / apply)`)
  if (f.source) lines.push(`where:    ${f.source.file}:${f.source.line}`)
  lines.push(`docs:     ${f.docs}`)
  return lines
}
