import { describe, expect, it } from 'vitest'
import {
  artifactUri,
  fingerprint,
  MAX_RESULTS_PER_RUN,
  NOT_CHECKED_RULE_ID,
  renderSarif,
  type SarifLog
} from '../../src/report/sarif.js'
import { ACCOUNT_ID, cleanReport, driftedReport, finding, REGION, RULE_FILE, RULES, summarize } from '../fixtures/reports.js'
import { schema, validateSarif } from '../fixtures/sarif-validator.js'

function expectValid(log: SarifLog): void {
  // Round-trip through JSON: what is validated is what gets written to disk.
  const valid = validateSarif(JSON.parse(JSON.stringify(log)))
  expect(validateSarif.errors ?? [], JSON.stringify(validateSarif.errors, null, 2)).toEqual([])
  expect(valid).toBe(true)
}

describe('renderSarif', () => {
  it('uses the official 2.1.0 schema', () => {
    expect(schema['title']).toMatch(/SARIF.*2\.1\.0/)
    // Sanity: the validator does reject something invalid.
    expect(validateSarif({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false)
    expect(validateSarif({ version: '2.0.0', runs: [] })).toBe(false)
    // ... and reaches into results, rules and formats.
    const mutate = (change: (log: any) => void) => {
      const log = JSON.parse(JSON.stringify(renderSarif(driftedReport())))
      change(log)
      return validateSarif(log)
    }
    expect(mutate(() => {})).toBe(true)
    expect(mutate((log) => (log.runs[0].results[0].level = 'critical'))).toBe(false)
    expect(mutate((log) => delete log.runs[0].results[0].message)).toBe(false)
    expect(mutate((log) => (log.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0))).toBe(false)
    expect(mutate((log) => (log.runs[0].tool.driver.rules[0].helpUri = 'not a uri'))).toBe(false)
    expect(mutate((log) => (log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'a b\\c'))).toBe(false)
  })

  it('produces a schema-valid log for a drifted report', () => {
    const log = renderSarif(driftedReport())
    expectValid(log)
    expect(log.version).toBe('2.1.0')
    expect(log.$schema).toMatch(/^https:\/\//)
  })

  it('produces a schema-valid log with no results for a clean report', () => {
    const log = renderSarif(cleanReport())
    expectValid(log)
    expect(log.runs[0].results).toEqual([])
    // Rules are still described, so code scanning knows the analysis ran them.
    expect(log.runs[0].tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id))
  })

  it('describes the tool and every rule once', () => {
    const run = renderSarif(driftedReport({ rules: [...RULES, RULES[0]!] })).runs[0]
    expect(run.tool.driver).toMatchObject({ name: 'cargo-redshift-guard', version: '1.0.0' })
    expect(run.tool.driver.informationUri).toMatch(/^https:\/\//)
    const ids = run.tool.driver.rules.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    const rule = run.tool.driver.rules.find((r) => r.id === 'iam-cross-account-policy')!
    expect(rule).toMatchObject({
      name: 'IamCrossAccountPolicy',
      shortDescription: { text: "Cross-account policy allows sts:AssumeRole on Cargo's role" },
      fullDescription: { text: 'Description of iam-cross-account-policy.' },
      helpUri: 'https://docs.example.com/iam-cross-account-policy',
      defaultConfiguration: { level: 'error' },
      properties: { 'security-severity': '8.0' }
    })
    expect(rule.properties.tags).toContain('security')
    expect(rule.help.text).toContain('Create a customer-managed policy')
    expect(rule.help.text).toContain('https://docs.example.com/iam-cross-account-policy')
    expect(rule.help.markdown).toContain('[Documentation](https://docs.example.com/iam-cross-account-policy)')
    expect(rule.help.markdown).toContain('`create-cross-account-policy`')
    const severities = Object.fromEntries(run.tool.driver.rules.map((r) => [r.id, [r.defaultConfiguration.level, r.properties['security-severity']]]))
    expect(severities['redshift-role-associated']).toEqual(['warning', '5.0'])
    expect(severities['sql-database']).toEqual(['note', '2.0'])
  })

  it('reports only fail and error findings, most severe first, with indexes into rules', () => {
    const run = renderSarif(driftedReport()).runs[0]
    expect(run.results.map((r) => [r.properties.ruleId, r.properties.status, r.ruleId, r.level])).toEqual([
      ['iam-cross-account-policy', 'fail', 'iam-cross-account-policy', 'error'],
      ['network-cargo-ip-inbound', 'error', NOT_CHECKED_RULE_ID, 'warning'],
      ['redshift-role-associated', 'fail', 'redshift-role-associated', 'warning']
    ])
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId)
      expect(result.message.text.length).toBeGreaterThan(0)
    }
  })

  it('keeps the security-severity off findings that could not be checked', () => {
    const run = renderSarif(driftedReport()).runs[0]
    const notChecked = run.tool.driver.rules.find((r) => r.id === NOT_CHECKED_RULE_ID)!
    expect(notChecked.properties['security-severity']).toBeUndefined()
    expect(notChecked.properties.tags).not.toContain('security')
    const result = run.results.find((r) => r.ruleId === NOT_CHECKED_RULE_ID)!
    expect(result.message.text).toContain('ec2 DescribeSecurityGroups failed (access denied: ec2:DescribeSecurityGroups)')
    expect(result.message.text).toContain('To check: Allow ec2:DescribeSecurityGroups')
    // No not-checked rule when nothing errored.
    expect(renderSarif(cleanReport()).runs[0].tool.driver.rules.some((r) => r.id === NOT_CHECKED_RULE_ID)).toBe(false)
  })

  it('locates results in the rule file, never at an ARN', () => {
    const run = renderSarif(driftedReport()).runs[0]
    const byRule = new Map(run.results.map((r) => [r.properties.ruleId, r]))
    expect(byRule.get('iam-cross-account-policy')!.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: RULE_FILE },
      region: { startLine: 10 }
    })
    expect(byRule.get('redshift-role-associated')!.locations[0].physicalLocation!.region.startLine).toBe(146)
    for (const result of run.results) {
      const uri = result.locations[0].physicalLocation!.artifactLocation.uri
      expect(uri).not.toMatch(/^[A-Za-z][A-Za-z0-9+.-]*:/)
      expect(uri).not.toContain('\\')
    }
    expect(byRule.get('iam-cross-account-policy')!.locations[0].logicalLocations).toEqual([
      { fullyQualifiedName: 'iam:policy/cargo-cross-account', kind: 'resource' }
    ])
  })

  it('gives a finding with no usable file only its logical location (never a file inside the tool)', () => {
    const base = driftedReport()
    const arnSource = finding('iam-cross-account-policy', 'fail', { source: { file: 'arn:aws:iam::123456789012:policy/x', line: 3 } })
    const noSource = { ...finding('iam-role-exists', 'fail') }
    delete noSource.source
    const orphan = finding('iam-role-exists', 'fail', { ruleId: 'custom-rule', resource: 'x', source: { file: 'https://example.com/rules.yaml', line: 2 } })
    const findings = [arnSource, noSource, orphan]
    const run = renderSarif({ ...base, findings, summary: summarize(findings) }).runs[0]
    const locations = run.results.map((r) => [r.properties.ruleId, r.locations[0].physicalLocation])
    expect(locations).toEqual([
      ['custom-rule', undefined],
      ['iam-cross-account-policy', undefined],
      ['iam-role-exists', undefined]
    ])
    for (const result of run.results) expect(result.locations[0].logicalLocations[0]!.fullyQualifiedName).toBe(result.properties.resource)
    // A finding whose rule is not in report.rules gets a descriptor of its own.
    expect(run.tool.driver.rules.map((r) => r.id)).toContain('custom-rule')
    expectValid({ ...renderSarif({ ...base, findings, summary: summarize(findings) }) })
  })

  it('makes rule file paths repository-relative with forward slashes', () => {
    expect(artifactUri('policies/cargo-redshift.yaml')).toBe('policies/cargo-redshift.yaml')
    expect(artifactUri('./rules\\extra.yaml')).toBe('rules/extra.yaml')
    expect(artifactUri('/home/runner/work/repo/repo/rules/extra.yaml', '/home/runner/work/repo/repo')).toBe('rules/extra.yaml')
    expect(artifactUri('/home/runner/work/repo/repo/rules/extra.yaml', '/home/runner/work/repo/repo/')).toBe('rules/extra.yaml')
    expect(artifactUri('D:\\a\\repo\\rules\\extra.yaml', 'D:\\a\\repo')).toBe('rules/extra.yaml')
    // Outside the checkout: only the file name is meaningful.
    expect(artifactUri('/etc/cargo/rules.yaml', '/home/runner/work/repo/repo')).toBe('rules.yaml')
    expect(artifactUri('/etc/cargo/rules.yaml')).toBe('rules.yaml')
    expect(artifactUri('../elsewhere/rules.yaml')).toBe('rules.yaml')
    // Encoded, so the URI stays a valid uri-reference and no segment reads as a scheme.
    expect(artifactUri('my rules/a#b?.yaml')).toBe('my%20rules/a%23b%3F.yaml')
    expect(artifactUri('weird:name.yaml')).toBe(undefined)
    expect(artifactUri('dir/weird:name.yaml')).toBe('dir/weird%3Aname.yaml')
    expect(artifactUri('arn:aws:iam::123456789012:role/x')).toBe(undefined)
    expect(artifactUri('file:///tmp/x.yaml')).toBe(undefined)
    expect(artifactUri('')).toBe(undefined)
  })

  it('uses ruleSetRoot for absolute rule files', () => {
    const base = driftedReport()
    const findings = [finding('iam-role-exists', 'fail', { source: { file: '/work/checkout/custom/rules.yaml', line: 7 } })]
    const log = renderSarif({ ...base, findings, summary: summarize(findings) }, { ruleSetRoot: '/work/checkout' })
    expect(log.runs[0].results[0]!.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'custom/rules.yaml' }, region: { startLine: 7 } })
    expectValid(log)
  })

  it('fingerprints by rule and resource only, not by line', () => {
    const a = renderSarif(driftedReport()).runs[0].results
    const moved = driftedReport()
    moved.findings = moved.findings.map((f) => (f.source ? { ...f, source: { ...f.source, line: f.source.line + 40 } } : f))
    const b = renderSarif(moved).runs[0].results
    expect(b.map((r) => r.partialFingerprints)).toEqual(a.map((r) => r.partialFingerprints))
    const hash = a.find((r) => r.properties.ruleId === 'iam-cross-account-policy')!.partialFingerprints.primaryLocationLineHash
    expect(hash).toBe(fingerprint('iam-cross-account-policy', 'iam:policy/cargo-cross-account'))
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(new Set(a.map((r) => r.partialFingerprints.primaryLocationLineHash)).size).toBe(a.length)
    // Separator: ('a-b', 'c') and ('a', 'b-c') must not collide.
    expect(fingerprint('ab', 'c')).not.toBe(fingerprint('a', 'bc'))
  })

  it('sets one category per account, region and target, so two workgroups do not overwrite each other', () => {
    expect(renderSarif(driftedReport()).runs[0].automationDetails.id).toBe(`cargo-redshift-guard/${ACCOUNT_ID}/${REGION}/workgroup-cargo-wg/`)
    const other = driftedReport({ target: { kind: 'workgroup', name: 'cargo-wg-2', region: REGION, accountId: ACCOUNT_ID } })
    expect(renderSarif(other).runs[0].automationDetails.id).not.toBe(renderSarif(driftedReport()).runs[0].automationDetails.id)
    const unknown = driftedReport({ target: { kind: 'cluster' }, source: { kind: 'snapshot', collectedAt: '2026-03-01T00:00:00Z' } })
    expect(renderSarif(unknown).runs[0].automationDetails.id).toBe('cargo-redshift-guard/unknown/unknown/cluster-unknown/')
  })

  it('drops duplicate findings and caps the results at GitHub’s per-run limit', () => {
    const base = driftedReport()
    const failing = finding('sql-database', 'fail')
    const findings = Array.from({ length: MAX_RESULTS_PER_RUN + 10 }, (_, i) => ({ ...failing, resource: `sql:database/db${i}` }))
    findings.push({ ...failing, resource: 'sql:database/db0' })
    findings.push(finding('iam-role-exists', 'fail'))
    const log = renderSarif({ ...base, findings, summary: summarize(findings) })
    const run = log.runs[0]
    expect(run.results).toHaveLength(MAX_RESULTS_PER_RUN)
    // 25,010 + 1 distinct findings (the duplicate of db0 is dropped, not counted).
    expect(run.properties).toEqual({ omittedResults: 11 })
    // Most severe first, so the error-severity failure survives the cut.
    expect(run.results[0]!.ruleId).toBe('iam-role-exists')
    expect(new Set(run.results.map((r) => r.partialFingerprints.primaryLocationLineHash)).size).toBe(MAX_RESULTS_PER_RUN)
    expectValid(log)
  })

  it('survives hostile strings in messages and resources', () => {
    const base = driftedReport()
    const hostile = 'a <b> & "c" ]]> \u0000\u0007 \uD800 \u{1F600}'
    const findings = [finding('iam-role-exists', 'fail', { resource: hostile, message: hostile, expected: hostile, actual: hostile })]
    const log = renderSarif({ ...base, findings, summary: summarize(findings) })
    expectValid(log)
    expect(JSON.parse(JSON.stringify(log)).runs[0].results[0].properties.resource).toBe(hostile)
  })
})
