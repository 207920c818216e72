import { createHash } from 'node:crypto'
import { posix } from 'node:path'
import type { Severity } from '../config/parameters.js'
import type { Rule } from '../config/rule-set.types.js'
import { describeCause } from '../evaluate/causes.js'
import type { Finding } from '../evaluate/types.js'
import type { AuditReport } from './types.js'

/*
 * SARIF 2.1.0 for GitHub code scanning. Only the subset GitHub reads is written
 * (see the "SARIF support for code scanning" docs); the output is checked
 * against the official 2.1.0 schema in test/unit/report-sarif.test.ts.
 */

export type SarifLevel = 'none' | 'note' | 'warning' | 'error'

export interface SarifMessage {
  text: string
  markdown?: string
}

export interface SarifReportingDescriptor {
  id: string
  name: string
  shortDescription: SarifMessage
  fullDescription: SarifMessage
  help: { text: string; markdown: string }
  helpUri?: string
  defaultConfiguration: { level: SarifLevel }
  properties: { tags: string[]; 'security-severity'?: string; precision?: string }
}

export interface SarifResult {
  ruleId: string
  ruleIndex: number
  kind: 'fail'
  level: SarifLevel
  message: SarifMessage
  locations: [
    {
      /** Only for a file in the user's repository; a live finding has just its logical location. */
      physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number } }
      logicalLocations: { fullyQualifiedName: string; kind: string }[]
    }
  ]
  partialFingerprints: { primaryLocationLineHash: string }
  properties: { resource: string; status: 'fail' | 'error'; ruleId: string; expected?: string; actual?: string }
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion: string; informationUri: string; rules: SarifReportingDescriptor[] } }
  automationDetails: { id: string }
  results: SarifResult[]
  properties?: { omittedResults: number }
}

export interface SarifLog {
  $schema: string
  version: '2.1.0'
  runs: [SarifRun]
}

export interface SarifOptions {
  /**
   * Absolute path of the repository checkout (e.g. GITHUB_WORKSPACE). Rule
   * files whose `source.file` is absolute are made relative to it; relative
   * paths are already relative to the working directory and are kept.
   */
  ruleSetRoot?: string
}

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json'
export const INFORMATION_URI = 'https://www.npmjs.com/package/cargo-redshift-guard'
/** GitHub keeps at most this many results per run (and rejects more). */
export const MAX_RESULTS_PER_RUN = 25_000

/**
 * A rule that could not be checked (status `error`: access denied, an API
 * failure, a missing parameter) is not a vulnerability, so it must not carry
 * the rule's security-severity: GitHub would show "could not call
 * iam:GetRole" as a High security alert. SARIF's own answer, kind 'review',
 * requires level 'none', which code scanning does not document for display.
 * So such findings are reported under this one separate rule, with no
 * `security` tag and no security-severity, at level 'warning': a plain
 * (non-security) code scanning alert that does not fail PR checks under
 * GitHub's default threshold, and closes by itself once the check can run.
 * The fingerprint still comes from the original rule id and resource.
 */
export const NOT_CHECKED_RULE_ID = 'cargo-redshift-guard/not-checked'

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', notice: 'note' }
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.0', notice: '2.0' }
const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 }

/** `iam-role-trusts-redshift` -> `IamRoleTrustsRedshift`: SARIF wants `name` to be an identifier. */
function pascalCase(id: string): string {
  const name = id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
  return name === '' ? 'Rule' : name
}

function groupOf(id: string): string {
  const prefix = id.split('-')[0] ?? ''
  return ['iam', 'redshift', 'network', 'sql'].includes(prefix) ? prefix : 'other'
}

/** Lone UTF-16 surrogates cannot be percent-encoded (or written as UTF-8); replace them. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** Percent-encodes a path segment: RFC 3986 pchar, minus ':' so no segment can read as a scheme. */
function encodeSegment(segment: string): string {
  return wellFormed(segment).replace(/[^A-Za-z0-9\-._~!$&'()*+,;=@]/gu, (c) => encodeURIComponent(c))
}

/**
 * The repository-relative URI code scanning needs, or undefined when the
 * file cannot be expressed as one. Never yields a scheme (`arn:`, `https:`):
 * GitHub rejects URIs whose scheme is not the checkout's `file`.
 */
export function artifactUri(file: string, root?: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(file) && !/^[A-Za-z]:[\\/]/.test(file)) return undefined
  const slashed = file.replace(/\\/g, '/')
  const isAbsolute = (p: string) => p.startsWith('/') || /^[A-Za-z]:\//.test(p)
  let relative: string
  if (isAbsolute(slashed)) {
    const base = root ? posix.normalize(root.replace(/\\/g, '/')).replace(/\/+$/, '') : undefined
    const normalized = posix.normalize(slashed)
    relative = base && normalized.startsWith(`${base}/`) ? normalized.slice(base.length + 1) : posix.basename(normalized)
  } else {
    relative = posix.normalize(slashed)
    if (relative === '..' || relative.startsWith('../')) relative = posix.basename(relative)
  }
  relative = relative.replace(/^(\.\/)+/, '')
  if (relative === '' || relative === '.' || relative === '..') return undefined
  return relative
    .split('/')
    .filter((segment) => segment !== '')
    .map(encodeSegment)
    .join('/')
}

/** Stable across runs and line moves: the rule and the resource, nothing else. */
export function fingerprint(ruleId: string, resource: string): string {
  return createHash('sha256').update(`${ruleId}\u0000${resource}`, 'utf8').digest('hex')
}

function helpFor(rule: Pick<Rule, 'docs' | 'remediation' | 'description'>): { text: string; markdown: string } {
  const text: string[] = []
  const markdown: string[] = []
  if (rule.remediation.manual) {
    text.push(`How to fix: ${rule.remediation.manual}`)
    markdown.push(`**How to fix**\n\n${rule.remediation.manual}`)
  }
  if (rule.remediation.action) {
    text.push(`Automatic fix: ${rule.remediation.action} (run with mode: plan, then apply).`)
    markdown.push(`**Automatic fix:** \`${rule.remediation.action}\` (run with \`mode: plan\`, then \`apply\`).`)
  }
  if (text.length === 0) {
    text.push(rule.description)
    markdown.push(rule.description)
  }
  text.push(`Documentation: ${rule.docs}`)
  markdown.push(`[Documentation](${rule.docs})`)
  return { text: text.join('\n\n'), markdown: markdown.join('\n\n') }
}

function ruleDescriptor(rule: Pick<Rule, 'id' | 'title' | 'description' | 'docs' | 'remediation' | 'severity'>): SarifReportingDescriptor {
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description || rule.title },
    help: helpFor(rule),
    ...(isUri(rule.docs) ? { helpUri: rule.docs } : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ['security', 'cargo', groupOf(rule.id)],
      'security-severity': SECURITY_SEVERITY[rule.severity],
      precision: 'very-high'
    }
  }
}

const NOT_CHECKED_RULE: SarifReportingDescriptor = {
  id: NOT_CHECKED_RULE_ID,
  name: 'RuleNotChecked',
  shortDescription: { text: 'A Cargo rule could not be checked' },
  fullDescription: {
    text: 'The audit could not read what a rule judges (access denied, an AWS API failure, or a missing input), so the rule has no verdict. This is not drift by itself, but the setup is unverified until it is fixed.'
  },
  help: {
    text: 'Read the result message: it names the AWS operation that failed and, for an access denial, the IAM action to grant to the identity running the audit, or the input to set.',
    markdown:
      'Read the result message: it names the AWS operation that failed and, for an access denial, the IAM action to grant to the identity running the audit, or the input to set.'
  },
  defaultConfiguration: { level: 'warning' },
  properties: { tags: ['cargo', 'audit-coverage'] }
}

function isUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 0
  } catch {
    return false
  }
}

function messageFor(finding: Finding): string {
  if (finding.status === 'error') {
    const cause = finding.cause
    const why = cause ? `${describeCause(cause)}.` : finding.message
    return `Could not check "${finding.title}" (${finding.ruleId}) on ${finding.resource}. ${why}${finding.howToCheck ? ` To check: ${finding.howToCheck}` : ''}`
  }
  const parts = [`${finding.message} (resource: ${finding.resource})`]
  if (finding.expected) parts.push(`Expected: ${finding.expected}.`)
  if (finding.actual && finding.actual !== finding.message) parts.push(`Actual: ${finding.actual}.`)
  if (finding.iacFix) parts.push(`Change: ${finding.iacFix}`)
  else if (finding.fixSteps && finding.fixSteps.length > 0) parts.push(`Fix: ${finding.fixSteps.map((s) => s.command).join(' ; ')}`)
  return parts.join(' ')
}

function compareFindings(a: Finding, b: Finding): number {
  const status = (f: Finding) => (f.status === 'fail' ? 0 : 1)
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    status(a) - status(b) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0)
  )
}

/**
 * The analysis category: one per account, region and workgroup or cluster, so that uploads
 * for two targets in one account and region don't replace each other's results.
 */
export function automationId(report: AuditReport): string {
  if (report.fleet) return `cargo-redshift-guard/${report.fleet.target}/`
  const account = report.target.accountId ?? report.source.accountId ?? 'unknown'
  const region = report.target.region ?? report.source.region ?? 'unknown'
  const target = `${report.target.kind}-${report.target.name ?? 'unknown'}`
  return `cargo-redshift-guard/${[account, region, target].map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_')).join('/')}/`
}

/** Renders the report as a SARIF 2.1.0 log with one run, ready for `github/codeql-action/upload-sarif`. */
export function renderSarif(report: AuditReport, options: SarifOptions = {}): SarifLog {
  const rules: SarifReportingDescriptor[] = []
  const ruleIndex = new Map<string, number>()
  // A rule's docs and fix may name the deployment (${redshiftDocs}): take them as a finding rendered them.
  const rendered = new Map<string, Finding>()
  for (const f of report.findings) if (!rendered.has(f.ruleId) && f.status !== 'error') rendered.set(f.ruleId, f)
  const anyFinding = new Map<string, Finding>()
  for (const f of report.findings) if (!anyFinding.has(f.ruleId)) anyFinding.set(f.ruleId, f)
  const addRule = (descriptor: SarifReportingDescriptor) => {
    // GitHub rejects a run that declares the same rule id twice: first one wins.
    if (ruleIndex.has(descriptor.id)) return
    ruleIndex.set(descriptor.id, rules.length)
    rules.push(descriptor)
  }
  for (const rule of report.rules) {
    const f = rendered.get(rule.id)
    const docs = anyFinding.get(rule.id)?.docs ?? rule.docs
    // Unrendered text (${…}) helps nobody: without a finding to take it from, the action id only.
    const remediation = f ? f.remediation : rule.remediation.manual?.includes('${') ? (rule.remediation.action ? { action: rule.remediation.action } : {}) : rule.remediation
    addRule(ruleDescriptor({ ...rule, docs, remediation }))
  }

  const reported = report.findings.filter((f) => f.status === 'fail' || f.status === 'error').sort(compareFindings)
  const seen = new Set<string>()
  const results: SarifResult[] = []
  let omitted = 0
  for (const finding of reported) {
    const hash = fingerprint(finding.ruleId, finding.resource)
    const sarifRuleId = finding.status === 'error' ? NOT_CHECKED_RULE_ID : finding.ruleId
    // One alert per rule and resource: a duplicate finding would collide on the fingerprint.
    const key = `${sarifRuleId}\u0000${hash}`
    if (seen.has(key)) continue
    seen.add(key)
    if (results.length >= MAX_RESULTS_PER_RUN) {
      omitted++
      continue
    }
    if (finding.status === 'error') addRule(NOT_CHECKED_RULE)
    else if (!ruleIndex.has(finding.ruleId)) {
      // A finding whose rule is not in report.rules still needs a descriptor.
      addRule(ruleDescriptor({ id: finding.ruleId, title: finding.title, description: finding.title, docs: finding.docs, remediation: finding.remediation, severity: finding.severity }))
    }
    // Only a file of the user's: a finding on the live account has no file, just its resource.
    const uri = finding.source ? artifactUri(finding.source.file, options.ruleSetRoot) : undefined
    const startLine = finding.source && Number.isInteger(finding.source.line) && finding.source.line >= 1 ? finding.source.line : 1
    results.push({
      ruleId: sarifRuleId,
      ruleIndex: ruleIndex.get(sarifRuleId)!,
      kind: 'fail',
      level: finding.status === 'error' ? 'warning' : LEVEL[finding.severity],
      message: { text: messageFor(finding) },
      locations: [
        {
          ...(uri ? { physicalLocation: { artifactLocation: { uri }, region: { startLine } } } : {}),
          logicalLocations: [{ fullyQualifiedName: finding.resource, kind: 'resource' }]
        }
      ],
      partialFingerprints: { primaryLocationLineHash: hash },
      properties: {
        resource: finding.resource,
        status: finding.status as 'fail' | 'error',
        ruleId: finding.ruleId,
        ...(finding.expected !== undefined ? { expected: finding.expected } : {}),
        ...(finding.actual !== undefined ? { actual: finding.actual } : {})
      }
    })
  }

  const run: SarifRun = {
    tool: {
      driver: {
        name: report.tool.name,
        version: report.tool.version,
        semanticVersion: report.tool.version,
        informationUri: INFORMATION_URI,
        rules
      }
    },
    automationDetails: { id: automationId(report) },
    results,
    ...(omitted > 0 ? { properties: { omittedResults: omitted } } : {})
  }
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] }
}
