import { styleText } from 'node:util'
import type { Finding, Status } from '../evaluate/types.js'
import { byUrgency, groupByCause, statusLine } from './markdown.js'
import type { AuditReport } from './types.js'

type Style = Parameters<typeof styleText>[0]
const LABEL: Record<Status, [string, Style]> = {
  error: ['UNCHECKED', 'magenta'],
  fail: ['DRIFT', 'red'],
  muted: ['WAIVED', 'gray'],
  skipped: ['SKIP', 'gray'],
  unknown: ['UNKNOWN', 'yellow'],
  pass: ['PASS', 'green']
}
/** A warning that drifted must not look like an error that drifted. */
const DRIFT_STYLE: Record<Finding['severity'], Style> = { error: 'red', warning: 'yellow', notice: 'cyan' }

/**
 * A terminal report: drift first with its fix, then what could not be checked, one entry per
 * cause, then the rest (passing rules listed only with `verbose`).
 */
export function renderConsole(report: AuditReport, options: { color: boolean; verbose?: boolean }): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text)
  const out: string[] = [paint('bold', statusLine(report).replace(/^\S+ /, '').replace(/`/g, '')), '']
  const findings = [...report.findings].sort(byUrgency)
  for (const f of findings.filter((x) => x.status === 'fail')) {
    out.push(`${paint(DRIFT_STYLE[f.severity], `DRIFT ${f.severity.toUpperCase()}`)} ${paint('bold', f.ruleId)} ${paint('gray', f.resource)}`)
    out.push(`      ${f.message}`)
    out.push(...driftDetails(f).flatMap((l) => l.split('\n')).map((l) => `      ${paint('gray', l)}`))
  }
  const unchecked = findings.filter((x) => x.status === 'error')
  if (unchecked.length > 0) out.push(...(out.at(-1) === '' ? [] : ['']), paint('bold', `Could not be checked (${unchecked.length}):`))
  for (const group of groupByCause(unchecked)) {
    out.push(`${paint('magenta', 'UNCHECKED')} ${group.headline}`)
    out.push(`      rules: ${group.findings.map((f) => `${f.ruleId} (${f.resource})`).join(', ')}`)
    if (group.howToCheck) out.push(`      ${paint('gray', `to check: ${group.howToCheck}`)}`)
  }
  const rest = findings.filter((x) => x.status !== 'fail' && x.status !== 'error' && (options.verbose || x.status !== 'pass'))
  if (rest.length > 0 && out.at(-1) !== '') out.push('')
  for (const f of rest) {
    const [label, style] = LABEL[f.status]
    out.push(`${paint(style, label.padEnd(7))} ${paint('bold', f.ruleId)} ${paint('gray', f.resource)}`)
    if (f.status !== 'pass' || options.verbose) out.push(`      ${f.message}`)
  }
  if (!options.verbose && report.summary.pass > 0) out.push(paint('gray', `${report.summary.pass} rule(s) pass (-v lists them)`))
  if (report.connection) {
    const c = report.connection
    // Only what is known: "unknown" in a form field helps nobody.
    const fields = [
      c.host ? `host ${c.host}` : undefined,
      c.port !== undefined ? `port ${c.port}` : undefined,
      `database ${c.database}`,
      `user ${c.user}`,
      c.roleArn ? `role ARN ${c.roleArn}` : undefined
    ].filter((x): x is string => x !== undefined)
    out.push('', paint('bold', 'Connection details for Cargo:'), `  ${fields.join('  ')}`)
  }
  return out.join('\n') + '\n'
}

function driftDetails(f: Finding): string[] {
  const lines: string[] = []
  if (f.expected) lines.push(`expected: ${f.expected}`)
  const indent = (text: string) => text.split('\n').map((l, i) => (i === 0 ? l : `          ${l}`)).join('\n')
  if (f.iacFix) lines.push(`change:   ${indent(f.iacFix)}`)
  else if (f.fixSteps && f.fixSteps.length > 0) {
    lines.push(`fix:      ${f.fixSteps.map((s) => s.description).join(' ')}`)
    for (const s of f.fixSteps) lines.push(`          ${indent(s.command)}`)
    if (f.remediation.action) lines.push('          (mode plan lists this change for review; mode apply makes it)')
  } else if (f.remediation.manual) lines.push(`fix:      ${indent(f.remediation.manual)}`)
  if (f.source) lines.push(`where:    ${f.source.file}:${f.source.line}`)
  lines.push(`docs:     ${f.docs}`)
  return lines
}
