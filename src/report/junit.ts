import type { Finding } from '../evaluate/types.js'
import type { AuditReport } from './types.js'

/*
 * JUnit XML, for CI systems and test-report actions that show test results:
 * one <testsuite> per rule group (the rule id's prefix), one <testcase> per
 * finding. fail -> <failure>, error -> <error>, skipped and muted -> <skipped>.
 */

export const RULE_GROUPS = ['iam', 'redshift', 'network', 'sql'] as const
export type RuleGroup = (typeof RULE_GROUPS)[number] | 'other'

export function ruleGroup(ruleId: string): RuleGroup {
  const prefix = ruleId.split('-')[0] ?? ''
  return (RULE_GROUPS as readonly string[]).includes(prefix) ? (prefix as RuleGroup) : 'other'
}

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference:
 * C0 controls other than tab, newline and carriage return, U+FFFE, U+FFFF, and
 * lone UTF-16 surrogates. They become U+FFFD.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Escapes element text. `>` too, so `]]>` can never appear; CR as a reference, since parsers fold a raw CRLF to LF. */
export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}

/** Escapes an attribute value (double-quoted); tab and line breaks as references so parsers keep them. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
}

function attributes(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(String(value))}"`)
    .join('')
}

function details(finding: Finding): string {
  const lines = [finding.message, `Resource: ${finding.resource}`]
  if (finding.expected !== undefined) lines.push(`Expected: ${finding.expected}`)
  if (finding.actual !== undefined) lines.push(`Actual: ${finding.actual}`)
  if (finding.cause) {
    const c = finding.cause
    lines.push(`Cause: ${c.service} ${c.operation}${c.code ? ` (${c.code})` : ''}: ${c.message}`)
    if (c.iamAction) lines.push(`Grant: ${c.iamAction}`)
  }
  if (finding.howToCheck) lines.push(`To check: ${finding.howToCheck}`)
  if (finding.iacFix) lines.push(`Change: ${finding.iacFix}`)
  else if (finding.fixSteps && finding.fixSteps.length > 0) lines.push(`Fix: ${finding.fixSteps.map((s) => `${s.description}\n  ${s.command}`).join('\n')}`)
  else if (finding.remediation.manual) lines.push(`Fix: ${finding.remediation.manual}`)
  if (finding.remediation.action && !finding.iacFix) lines.push(`Automatic fix: ${finding.remediation.action}`)
  lines.push(`Docs: ${finding.docs}`)
  if (finding.source) lines.push(`Rule: ${finding.source.file}:${finding.source.line}`)
  return lines.join('\n')
}

function testcase(finding: Finding, group: RuleGroup): string {
  const open = `    <testcase${attributes({
    name: `${finding.ruleId} (${finding.resource})`,
    classname: `cargo-redshift-guard.${group}.${finding.ruleId}`,
    time: 0
  })}`
  switch (finding.status) {
    case 'pass':
      return `${open}/>`
    case 'fail':
      return `${open}>\n      <failure${attributes({ message: finding.message, type: finding.severity })}>${escapeXmlText(details(finding))}</failure>\n    </testcase>`
    case 'error': {
      const type = finding.cause ? `${finding.cause.service}:${finding.cause.operation}${finding.cause.code ? `:${finding.cause.code}` : ''}` : 'not-checked'
      const message = finding.cause ? `${finding.message}: ${finding.cause.message}` : finding.message
      return `${open}>\n      <error${attributes({ message, type })}>${escapeXmlText(details(finding))}</error>\n    </testcase>`
    }
    case 'skipped':
    case 'unknown':
      return `${open}>\n      <skipped${attributes({ message: finding.message })}/>\n    </testcase>`
    case 'muted': {
      const waiver = finding.waiver
      const message = waiver ? `muted until ${waiver.expires}: ${waiver.reason}` : `muted: ${finding.message}`
      return `${open}>\n      <skipped${attributes({ message })}/>\n    </testcase>`
    }
  }
}

interface Counts {
  tests: number
  failures: number
  errors: number
  skipped: number
}

function count(findings: Finding[]): Counts {
  return {
    tests: findings.length,
    failures: findings.filter((f) => f.status === 'fail').length,
    errors: findings.filter((f) => f.status === 'error').length,
    skipped: findings.filter((f) => f.status === 'skipped' || f.status === 'muted').length
  }
}

/** Renders the findings as a JUnit XML document (UTF-8). */
export function renderJUnit(report: AuditReport): string {
  const groups = new Map<RuleGroup, Finding[]>()
  for (const group of [...RULE_GROUPS, 'other'] as RuleGroup[]) groups.set(group, [])
  for (const finding of report.findings) groups.get(ruleGroup(finding.ruleId))!.push(finding)

  const total = count(report.findings)
  const target = [report.target.kind, report.target.name, report.target.region].filter((part) => part !== undefined).join(' ')
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `cargo-redshift-guard: ${target}`, ...total, time: 0, timestamp: report.generatedAt })}>`
  ]
  for (const [group, findings] of groups) {
    if (findings.length === 0) continue
    lines.push(
      `  <testsuite${attributes({ name: group, ...count(findings), time: 0, timestamp: report.generatedAt })}>`
    )
    for (const finding of findings) lines.push(testcase(finding, group))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return lines.join('\n') + '\n'
}
