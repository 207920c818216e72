import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import { INPUTS } from '../../src/config/inputs.js'
import { loadConfig } from '../../src/config/load.js'
import type { RawInputs } from '../../src/config/parameters.js'
import { loadTargetsFile, readFleetInputs, TARGET_EXCLUDED_INPUTS, targetConfig, targetConfigs } from '../../src/config/targets.js'
import { assumeRoleCause, assumeRoleCredentials, sessionNameFor } from '../../src/aws/credentials.js'
import { mergeReports } from '../../src/fleet/merge.js'
import { perTargetPath } from '../../src/fleet/run.js'
import { rawInputs } from '../support/inputs.js'

const ROOT = join(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'crg-fleet-unit-'))
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return name
}
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.where.file ?? p.where.input}:${p.where.line ?? ''} ${p.where.pointer ?? ''} ${p.message}`)
    throw err
  }
  return []
}

const VALID = `defaults:
  cargo-role-arn: arn:aws:iam::999988887777:role/cargo-workspace-acme
  cargo-ips: 3.251.12.34
  role-name: cargo-redshift
targets:
  - name: prod-eu
    assume-role-arn: arn:aws:iam::111111111111:role/cargo-redshift-guard-audit
    region: eu-west-1
    workgroup: cargo-wg
  - name: staging-us
    assume-role-arn: arn:aws:iam::222222222222:role/cargo-redshift-guard-audit
    region: us-east-1
    cluster-identifier: cargo-staging
    source-schemas: analytics.public
    fail-on: warning
`

describe('the targets file', () => {
  it("gives each target the defaults, its own keys over them, and the run's inputs under both", () => {
    const file = loadTargetsFile(write('ok.yml', VALID), dir)
    const raw = rawInputs({ 'fail-on': 'none', mode: 'audit' })
    const [prod, staging] = targetConfigs(raw, file, dir, {})
    expect(prod).toMatchObject({ target: { workgroup: 'cargo-wg', region: 'eu-west-1', roleName: 'cargo-redshift' }, outputs: { failOn: 'none' }, collect: { assumeRoleArn: 'arn:aws:iam::111111111111:role/cargo-redshift-guard-audit' } })
    expect(staging).toMatchObject({ target: { clusterIdentifier: 'cargo-staging', region: 'us-east-1', sourceSchemas: [{ database: 'analytics', schema: 'public' }] }, outputs: { failOn: 'warning' } })
    expect(prod!.fleetTarget).toEqual({ name: 'prod-eu' })
    // One drift issue per target, told apart by title as well as by marker.
    expect(staging!.github.driftIssueTitle).toBe('Cargo on Redshift: setup drift (staging-us)')
  })

  it('locates problems at file:line and pointer, naming the target', () => {
    const file = loadTargetsFile(write('bad-arn.yml', VALID.replace('arn:aws:iam::222222222222:role/cargo-redshift-guard-audit', 'arn:aws:iam::2222:role/x')), dir)
    const problems = problemsOf(() => targetConfigs({}, file, dir, {}))
    expect(problems).toEqual([expect.stringMatching(/^bad-arn\.yml:11 \/targets\/1\/assume-role-arn target 'staging-us': 'arn:aws:iam::2222:role\/x' is not an IAM role ARN/)])
  })

  it('refuses unknown keys, run-level keys, secrets, duplicate and bad names, and an empty list', () => {
    expect(problemsOf(() => loadTargetsFile(write('k.yml', 'targets:\n  - name: a\n    regoin: eu-west-1\n'), dir))).toEqual([expect.stringContaining("k.yml:3 /targets/0/regoin unknown key 'regoin'")])
    expect(problemsOf(() => loadTargetsFile(write('m.yml', 'defaults:\n  mode: apply\ntargets:\n  - name: a\n'), dir))[0]).toContain("'mode' cannot be set in a targets file")
    expect(problemsOf(() => loadTargetsFile(write('s.yml', 'targets:\n  - name: a\n    db-user-password: Secret-Passw0rd\n'), dir))[0]).toContain("'db-user-password' cannot be set")
    expect(problemsOf(() => loadTargetsFile(write('d.yml', 'targets:\n  - name: a\n  - name: a\n'), dir))).toEqual([expect.stringContaining("d.yml:3 /targets/1/name duplicate target name 'a' (also at 2)")])
    expect(problemsOf(() => loadTargetsFile(write('n.yml', 'targets:\n  - name: "a b"\n'), dir))[0]).toContain('/targets/0/name')
    expect(problemsOf(() => loadTargetsFile(write('e.yml', 'targets: []\n'), dir))[0]).toContain('/targets')
    expect(problemsOf(() => loadTargetsFile('missing.yml', dir))[0]).toContain('file not found')
  })

  it('target without targets, a bad target name and a bad max-targets-in-flight are input errors', () => {
    const raw = (values: Record<string, string>): RawInputs => rawInputs(values)
    expect(problemsOf(() => readFleetInputs(raw({ target: 'prod' })))).toEqual([expect.stringMatching(/^target:.*only applies with targets \(the targets file that names it\)$/)])
    expect(problemsOf(() => readFleetInputs(raw({ targets: 'f.yml', target: 'a/b' })))[0]).toContain('is not a target name')
    expect(problemsOf(() => readFleetInputs(raw({ targets: 'f.yml', 'max-targets-in-flight': '0' })))[0]).toContain('max-targets-in-flight')
    expect(readFleetInputs(raw({ targets: 'f.yml' }))).toEqual({ targetsFile: 'f.yml', maxTargetsInFlight: 4 })
  })

  it('a config file cannot hold targets or target', () => {
    write('cfg.yml', 'targets: fleet.yml\nworkgroup: cargo-wg\nregion: eu-west-1\n')
    expect(problemsOf(() => loadConfig(rawInputs({ config: 'cfg.yml' }), dir, {}))[0]).toContain("'targets' chooses what this run does")
  })

  it('external-id needs assume-role-arn and is checked like AssumeRole checks it', () => {
    const entry = (externalId: string) => loadTargetsFile(write('x.yml', `targets:\n  - name: a\n    workgroup: cargo-wg\n    region: eu-west-1\n    external-id: "${externalId}"\n`), dir).targets[0]!
    expect(problemsOf(() => targetConfig({}, entry('guard-7f3a'), dir, {}))).toEqual([expect.stringContaining("x.yml:5 /targets/0/external-id target 'a': only applies with assume-role-arn")])
    expect(problemsOf(() => targetConfig({}, entry('x'), dir, {}))).toEqual([expect.stringContaining('is not an external ID')])
  })

  it('policies/targets.schema.json allows exactly the inputs a target may set', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'policies/targets.schema.json'), 'utf8'))
    const allowed = INPUTS.map((i) => i.name).filter((n) => !TARGET_EXCLUDED_INPUTS.includes(n)).sort()
    expect(Object.keys(schema.$defs.inputs.properties).sort()).toEqual(allowed)
    expect(Object.keys(schema.$defs.target.properties).sort()).toEqual([...allowed, 'name'].sort())
  })

  it('per-target files go beside the given path', () => {
    expect(perTargetPath('out/cargo-redshift-guard-report.json', 'prod-eu')).toBe(join('out', 'cargo-redshift-guard-report.prod-eu.json'))
  })
})

describe('assumed-role credentials', () => {
  const answer = (expiresInMs: number, key: string) => ({
    Credentials: { AccessKeyId: key, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + expiresInMs) }
  })

  it('assume once for every client, with the session name, external id and role; refresh before expiry', async () => {
    const sts = new STSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    const mock = mockClient(sts)
    mock.on(AssumeRoleCommand).resolvesOnce(answer(3_600_000, 'K1')).resolvesOnce(answer(3_600_000, 'K2'))
    let now = Date.now()
    const provider = assumeRoleCredentials({ roleArn: 'arn:aws:iam::111111111111:role/audit', externalId: 'ext-123', region: 'eu-west-1', sessionName: 'cargo-redshift-guard@run-1-1', sts, now: () => now })
    const [a, b] = await Promise.all([provider(), provider()])
    expect(a.accessKeyId).toBe('K1')
    expect(b.accessKeyId).toBe('K1')
    expect(provider.assumed).toBe(1)
    expect(mock.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toMatchObject({ RoleArn: 'arn:aws:iam::111111111111:role/audit', ExternalId: 'ext-123', RoleSessionName: 'cargo-redshift-guard@run-1-1', DurationSeconds: 3600 })
    now += 45 * 60_000 // 15 minutes left: still fresh
    expect((await provider()).accessKeyId).toBe('K1')
    now += 6 * 60_000 // 9 minutes left: refreshed before the SDK's 5-minute window
    expect((await provider()).accessKeyId).toBe('K2')
    expect(provider.assumed).toBe(2)
  })

  it('a refusal becomes a cause naming sts:AssumeRole and the role', async () => {
    const sts = new STSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    mockClient(sts).on(AssumeRoleCommand).rejects(Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))
    const provider = assumeRoleCredentials({ roleArn: 'arn:aws:iam::333333333333:role/x', region: 'eu-west-1', sessionName: 's', sts })
    const err = await provider.prime().catch((e: unknown) => e)
    const cause = assumeRoleCause('arn:aws:iam::333333333333:role/x', err)
    expect(cause).toMatchObject({ service: 'sts', operation: 'AssumeRole', iamAction: 'sts:AssumeRole', code: 'AccessDenied' })
    expect(cause.message).toMatch(/^could not assume arn:aws:iam::333333333333:role\/x: /)
  })

  it('the session name names the tool and the run, within 64 of the allowed characters', () => {
    expect(sessionNameFor(undefined, { GITHUB_RUN_ID: '987654321', GITHUB_RUN_ATTEMPT: '2' })).toBe('cargo-redshift-guard@run-987654321-2')
    expect(sessionNameFor(undefined, {}, new Date(1_700_000_000_000))).toBe('cargo-redshift-guard@local-1700000000000')
    const long = sessionNameFor('t'.repeat(80), { GITHUB_RUN_ID: '1' })
    expect(long.length).toBe(64)
    expect(long).toMatch(/^[\w+=,.@-]+$/)
  })
})

describe('merge', () => {
  const report = (target: string, status: 'pass' | 'fail', severity: 'error' | 'warning' = 'error') => ({
    reportVersion: 1,
    tool: { name: 'cargo-redshift-guard', version: '1.0.0' },
    generatedAt: '2026-11-29T00:00:00.000Z',
    source: { kind: 'aws', accountId: '111111111111', region: 'eu-west-1' },
    target: { kind: 'workgroup', name: 'cargo-wg', region: 'eu-west-1', accountId: '111111111111' },
    fleet: { target },
    summary: { total: 1, pass: status === 'pass' ? 1 : 0, fail: status === 'fail' ? 1 : 0, error: 0, skipped: 0, muted: 0, unknown: 0 },
    result: status === 'pass' ? 'clean' : 'drift',
    findings: [{ ruleId: 'iam-role-exists', title: 'The role exists', status, severity, resource: 'iam:role/x', message: 'm', docs: 'https://example.com', remediation: {} }]
  })
  const file = (name: string, doc: unknown) => write(name, typeof doc === 'string' ? doc : JSON.stringify(doc))

  it('judges every target with the same fail-on rules', () => {
    const files = [file('a.json', report('a', 'pass')), file('b.json', report('b', 'fail', 'warning'))]
    expect(mergeReports(files, { failOn: 'error', failOnError: true, cwd: dir }).exitCode).toBe(0)
    const { fleet, exitCode } = mergeReports(files, { failOn: 'warning', failOnError: true, cwd: dir })
    expect(exitCode).toBe(1)
    expect(fleet.entries.map((e) => [e.name, e.exitCode])).toEqual([['a', 0], ['b', 1]])
    expect(fleet.result).toBe('drift')
  })

  it('refuses unreadable reports and two reports of one target, naming the files', () => {
    expect(problemsOf(() => mergeReports([file('broken.json', '{"reportVersion": 1,')], { failOn: 'error', failOnError: true, cwd: dir }))[0]).toContain('broken.json')
    const old = { ...report('a', 'pass'), reportVersion: 2 }
    expect(problemsOf(() => mergeReports([file('v2.json', old)], { failOn: 'error', failOnError: true, cwd: dir }))[0]).toContain('/reportVersion must be equal to constant')
    const twice = problemsOf(() => mergeReports([file('a1.json', report('a', 'pass')), file('a2.json', report('a', 'fail'))], { failOn: 'error', failOnError: true, cwd: dir }))
    expect(twice).toEqual([expect.stringContaining("claims target 'a', as a1.json does")])
  })
})

describe('per-target GitHub markers', () => {
  it("a fleet target's marker is its name: the same whether or not its account could be read", async () => {
    const { targetMarker } = await import('../../src/report/github-comment.js')
    const { automationId } = await import('../../src/report/sarif.js')
    const base = { target: { kind: 'workgroup', name: 'cargo-wg', region: 'eu-west-1' }, fleet: { target: 'prod-eu' } }
    const read = { ...base, source: { kind: 'aws', accountId: '111111111111' } } as never
    const unread = { ...base, source: { kind: 'aws' } } as never
    expect(targetMarker(read)).toBe('<!-- cargo-redshift-guard:target:fleet/prod-eu -->')
    expect(targetMarker(unread)).toBe(targetMarker(read))
    expect(targetMarker({ ...base, fleet: { target: 'staging-us' }, source: { kind: 'aws' } } as never)).not.toBe(targetMarker(read))
    expect(automationId(read)).toBe('cargo-redshift-guard/prod-eu/')
  })
})

describe('the fleet report', () => {
  it('names the account each target read, and flags one that is not the assumed role’s', async () => {
    const { buildFleetReport, renderFleetMarkdown, renderFleetConsole } = await import('../../src/report/fleet.js')
    const { driftedReport, cleanReport } = await import('../fixtures/reports.js')
    const ok = cleanReport({ fleet: { target: 'prod-eu', assumeRoleArn: 'arn:aws:iam::123456789012:role/audit' } })
    const mixed = driftedReport({ fleet: { target: 'staging-us', assumeRoleArn: 'arn:aws:iam::222222222222:role/audit' } })
    const fleet = buildFleetReport([
      { name: 'prod-eu', report: ok, exitCode: 0 },
      { name: 'staging-us', report: mixed, exitCode: 1 }
    ])
    // The drifted fixture also holds a rule that could not be checked.
    expect(fleet.result).toBe('error')
    expect(fleet.summary).toMatchObject({ targets: 2, clean: 1, error: 1 })
    const markdown = renderFleetMarkdown(fleet)
    expect(markdown).toContain('| `prod-eu` | 123456789012 |')
    expect(markdown).toContain('⚠️ read account 123456789012, but the role assumed is in 222222222222')
    expect(markdown).toMatch(/\*\*staging-us\*\*: .*❌ `/)
    expect(renderFleetConsole(fleet, { color: false })).toContain('warning: read account 123456789012, but the role assumed is in 222222222222')
  })
})

describe('one job, many targets', () => {
  it("a failure of one target's audit stays in its own findings (error, naming it); the others stand", async () => {
    const { auditTargets } = await import('../../src/fleet/run.js')
    const { readSnapshot } = await import('../../src/collect/snapshot.js')
    const file = loadTargetsFile(write('two.yml', VALID), dir)
    const configs = targetConfigs({}, file, dir, {})
    const compliant = readSnapshot(join(ROOT, 'examples/serverless-compliant.state.json'))
    let inFlight = 0
    let peak = 0
    const runs = await auditTargets(configs, {
      maxTargetsInFlight: 1,
      collect: async (config) => {
        peak = Math.max(peak, ++inFlight)
        await new Promise((r) => setTimeout(r, 5))
        inFlight--
        if (config.fleetTarget?.name === 'staging-us') throw new Error('socket hang up')
        return { state: { ...compliant, source: { ...compliant.source, region: 'eu-west-1' } } }
      }
    })
    expect(peak).toBe(1)
    expect(runs.map((r) => r.name)).toEqual(['prod-eu', 'staging-us'])
    expect(runs[0]!.outcome.findings.some((f) => f.status === 'error')).toBe(false)
    const staging = runs[1]!.outcome.findings
    expect(staging.length).toBeGreaterThan(10)
    for (const f of staging) {
      expect(f.status, f.ruleId).toMatch(/^(error|skipped)$/)
      if (f.status === 'error') expect(f.cause?.message).toContain("the audit of target 'staging-us' failed: socket hang up")
    }
    expect(runs[1]!.outcome.exitCode).toBe(1)
  })
})
