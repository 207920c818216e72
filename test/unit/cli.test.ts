import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliRun as Run } from '../support/cli.js'
import type { AccountState } from '../../src/state/types.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const EXAMPLES = join(ROOT, 'examples')
const SERVERLESS_CONFIG = join(EXAMPLES, 'serverless.yml')
const COMPLIANT = join(EXAMPLES, 'serverless-compliant.state.json')
const DRIFTED = join(EXAMPLES, 'serverless-drifted.state.json')

const DRIFTED_FAILURES = [
  'iam-role-trusts-lambda',
  'iam-role-lambda-policies',
  'redshift-role-associated',
  'network-cargo-ingress-narrow',
  'iam-lambda-user-key-age',
  'sql-exfunc-usage',
  'sql-source-select'
]


const cli = (...argv: string[]) => runCli(argv)

interface JsonFinding {
  ruleId: string
  status: string
  severity: string
  resource: string
  message: string
}

function findingsOf(run: Run): JsonFinding[] {
  const report = JSON.parse(run.stdout) as { findings: JsonFinding[] }
  return report.findings
}

// The CLI reads the default config file relative to the working directory and writes
// files there: run it in an empty directory so nothing in the checkout can interfere.
let work: string
let previousCwd: string
beforeAll(() => {
  previousCwd = process.cwd()
  work = mkdtempSync(join(tmpdir(), 'crg-cli-'))
  process.chdir(work)
})
afterAll(() => {
  process.chdir(previousCwd)
  rmSync(work, { recursive: true, force: true })
})

describe('usage', () => {
  it('--help lists the commands; audit --help lists the inputs', async () => {
    const run = await cli('--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Usage: cargo-redshift-guard')
    for (const command of ['audit', 'plan', 'apply', 'list-rules', 'explain']) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    expect(run.stderr).toBe('')
    const audit = await cli('audit', '--help')
    expect(audit.code).toBe(0)
    expect(audit.stdout).toContain('--cargo-ips')
    expect(audit.stdout).toContain('--state-file')
  })

  it('--version prints the version', async () => {
    const run = await cli('--version')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('an unknown flag exits 2', async () => {
    const run = await cli('--frobnicate', '--state', COMPLIANT)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('frobnicate')
    expect(run.stdout).toBe('')
  })

  it('an unknown command exits 2', async () => {
    const run = await cli('fix', '--state', COMPLIANT)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("'fix'")
  })

  it('an unknown format exits 2', async () => {
    const run = await cli('--format', 'xml', '--config', SERVERLESS_CONFIG, '--state', COMPLIANT)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('xml')
  })

  it('a bad input exits 2 and names the flag', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', COMPLIANT, '--cargo-ips', '3.251.12.34/24')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--cargo-ips')
    expect(run.stderr).toContain('3.251.12.0/24')
    expect(run.stderr).toContain('Nothing was read or changed')
    expect(run.stdout).toBe('')
  })

  it('several bad inputs are all reported', async () => {
    const run = await cli('--state', COMPLIANT, '--cargo-ips', '10.1', '--fail-on', 'sometimes', '--timeout', '0')
    expect(run.code).toBe(2)
    for (const flag of ['--cargo-ips', '--fail-on', '--timeout']) expect(run.stderr).toContain(flag)
  })

  it('a bad state file exits 2 and names it', async () => {
    const bad = join(work, 'broken.state.json')
    writeFileSync(bad, '{ "schemaVersion": 2 }\n')
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', bad)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('broken.state.json')
  })
})

const PROVISIONED_CONFIG = join(EXAMPLES, 'provisioned.yml')
const PROVISIONED = join(EXAMPLES, 'provisioned-compliant.state.json')

// Issue 11: a snapshot is judged only for what it was read for.
describe('a state file judged with inputs it was not read for', () => {
  it('--role-name and --lambda-user of others: those rules are ERROR naming what the snapshot holds, never PASS', async () => {
    const run = await cli('audit', '--config', PROVISIONED_CONFIG, '--state', PROVISIONED, '--role-name', 'totally-different-role', '--lambda-user', 'other_user')
    expect(run.code).toBe(1)
    expect(run.stdout).not.toMatch(/PASS\s+iam-role-exists/)
    expect(run.stdout).not.toMatch(/PASS\s+iam-lambda-user\b/)
    // Could-not-check findings are listed once per cause, with the rules it holds back.
    expect(run.stdout).toContain("UNCHECKED the snapshot holds role cargo-redshift, not totally-different-role (input 'role-name')")
    expect(run.stdout).toMatch(/rules: [^\n]*iam-role-exists \(iam:role\/totally-different-role\)/)
    expect(run.stdout).toContain("UNCHECKED the snapshot holds user cargo_lambda, not other_user (input 'lambda-user')")
    expect(run.stdout).toMatch(/rules: [^\n]*iam-lambda-user \(iam:user\/other_user\)/)

    const json = findingsOf(await cli('audit', '--config', PROVISIONED_CONFIG, '--state', PROVISIONED, '--role-name', 'totally-different-role', '--lambda-user', 'other_user', '--format', 'json'))
    for (const f of json.filter((x) => x.resource.includes('totally-different-role') || x.resource.includes('other_user'))) expect(f.status).toBe('error')
    // What the snapshot does hold is still judged.
    expect(json.find((f) => f.ruleId === 'redshift-exists')!.status).toBe('pass')
  })

  it('--cluster-identifier some-other-cluster: refused (exit 2), naming the input and the cluster the snapshot holds', async () => {
    const run = await cli('audit', '--config', PROVISIONED_CONFIG, '--state', PROVISIONED, '--cluster-identifier', 'some-other-cluster')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`error: input '--cluster-identifier': names cluster some-other-cluster, but the state-file ${PROVISIONED} holds cluster cargo-cluster`)
    expect(run.stderr).toContain('Nothing was read or changed')
  })

  it('--region us-east-1 on a snapshot taken in eu-west-1: refused (exit 2)', async () => {
    const run = await cli('audit', '--config', PROVISIONED_CONFIG, '--state', PROVISIONED, '--region', 'us-east-1')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`error: input '--region': is us-east-1, but the state-file ${PROVISIONED} was read in eu-west-1`)
  })

  it('the serverless config on the provisioned snapshot: refused, at the config file line', async () => {
    const run = await cli('audit', '--config', SERVERLESS_CONFIG, '--state', PROVISIONED)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/serverless\.yml:\d+:\d+ at \/workgroup: names workgroup cargo-wg, but the state-file .* holds cluster cargo-cluster/)
  })

  it('--save-state keeps what the state was read for: judged again with other inputs, it still says so', async () => {
    const saved = join(work, 'saved.state.json')
    expect((await cli('audit', '--config', PROVISIONED_CONFIG, '--state', PROVISIONED, '--save-state', saved)).code).toBe(0)
    const state = JSON.parse(readFileSync(saved, 'utf8')) as AccountState
    expect(state.subject).toMatchObject({ target: { kind: 'cluster', name: 'cargo-cluster' }, roleName: 'cargo-redshift', lambdaUser: 'cargo_lambda', database: 'cargo_db', dbUser: 'cargo_user' })
    const again = await cli('audit', '--config', PROVISIONED_CONFIG, '--state', saved, '--db-user', 'someone_else', '--format', 'json')
    expect(again.code).toBe(1)
    const sqlUser = findingsOf(again).find((f) => f.ruleId === 'sql-user')!
    expect(sqlUser.status).toBe('error')
    expect(sqlUser.message).toContain('the snapshot holds database user cargo_user, not someone_else')
  })
})

describe('audit of a state file', () => {
  it('drifted example: exit 1, and the console output names each failing rule', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED)
    expect(run.code).toBe(1)
    for (const id of DRIFTED_FAILURES) expect(run.stdout).toMatch(new RegExp(`DRIFT (ERROR|WARNING)\\s+${id}\\b`))
    // Passing rules are not called drift.
    expect(run.stdout).not.toMatch(/DRIFT \w+\s+iam-role-exists\b/)
    // No colour codes when stdout is not a terminal.
    expect(run.stdout).not.toContain('\u001b[')
    // A fix of several lines keeps every line under the one before, not back at the margin.
    expect(run.stdout).toContain('                -- connected to database cargo_db\n                GRANT USAGE ON LANGUAGE exfunc TO "cargo_user";')
  })

  it('compliant example: exit 0', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', COMPLIANT)
    expect(run.code).toBe(0)
    expect(run.stdout).not.toMatch(/DRIFT|UNCHECKED/)
    expect(run.stdout).toContain('Connection details for Cargo')
  })

  it('--format json: parseable, every finding has ruleId, status, severity, resource and message', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED, '--format', 'json')
    expect(run.code).toBe(1)
    const findings = findingsOf(run)
    expect(findings.length).toBeGreaterThanOrEqual(17)
    for (const f of findings) {
      expect(typeof f.ruleId).toBe('string')
      expect(['pass', 'fail', 'error', 'skipped', 'muted', 'unknown']).toContain(f.status)
      expect(['error', 'warning', 'notice']).toContain(f.severity)
      expect(f.resource).toMatch(/^[a-z]+:/)
      expect(f.message.length).toBeGreaterThan(0)
    }
    expect(findings.filter((f) => f.status === 'fail').map((f) => f.ruleId).sort()).toEqual([...DRIFTED_FAILURES].sort())
  })

  it('--fail-on none on the drifted example exits 0', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED, '--fail-on', 'none')
    expect(run.code).toBe(0)
    // The drift is still reported.
    expect(run.stdout).toMatch(/DRIFT ERROR\s+sql-exfunc-usage/)
  })

  it('--fail-on error ignores warnings only', async () => {
    // Only the warning (key age) is drifted: exit 0 at fail-on error, 1 at fail-on warning.
    const state = JSON.parse(readFileSync(COMPLIANT, 'utf8')) as AccountState
    state.iam.lambdaUser!.accessKeys[0]!.ageDays = 900
    const file = join(work, 'old-key.state.json')
    writeFileSync(file, JSON.stringify(state))
    expect((await cli('--config', SERVERLESS_CONFIG, '--state', file)).code).toBe(0)
    expect((await cli('--config', SERVERLESS_CONFIG, '--state', file, '--fail-on', 'warning')).code).toBe(1)
  })

  it('a rule that could not be checked fails the run unless --fail-on-error false', async () => {
    const state = JSON.parse(readFileSync(COMPLIANT, 'utf8')) as AccountState
    delete state.sql
    state.unavailable.push({
      pointer: '/sql',
      cause: { service: 'redshift-data', operation: 'ExecuteStatement', iamAction: 'redshift-data:ExecuteStatement', message: 'denied' }
    })
    const file = join(work, 'no-sql.state.json')
    writeFileSync(file, JSON.stringify(state))
    const strict = await cli('--config', SERVERLESS_CONFIG, '--state', file)
    expect(strict.code).toBe(1)
    // One cause, one entry: every SQL rule is listed under the one denial.
    expect(strict.stdout.match(/UNCHECKED access denied: redshift-data:ExecuteStatement/g)).toHaveLength(1)
    expect(strict.stdout).toMatch(/rules: .*sql-user \(sql:user\/cargo_user\)/)
    expect(strict.stdout).toContain('to check: Allow redshift-data:ExecuteStatement')
    expect((await cli('--config', SERVERLESS_CONFIG, '--state', file, '--fail-on-error', 'false')).code).toBe(0)
  })

  it('--disable-rules skips a failing rule', async () => {
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED, '--format', 'json', '--disable-rules', 'sql-exfunc-usage')
    const f = findingsOf(run).find((x) => x.ruleId === 'sql-exfunc-usage')!
    expect(f.status).toBe('skipped')
  })

  it('--output writes the report to a file instead of stdout', async () => {
    const file = join(work, 'out', 'report.md')
    const run = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED, '--format', 'markdown', '--output', file)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(readFileSync(file, 'utf8')).toContain('sql-exfunc-usage')
  })

  it('--save-state writes a snapshot that re-evaluates to the same verdicts and holds no access key id', async () => {
    const snapshot = join(work, 'saved', 'state.json')
    const first = await cli('--config', SERVERLESS_CONFIG, '--state', DRIFTED, '--format', 'json', '--save-state', snapshot)
    expect(first.code).toBe(1)
    expect(existsSync(snapshot)).toBe(true)
    const text = readFileSync(snapshot, 'utf8')
    expect(text).not.toMatch(/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/)
    expect(text).not.toMatch(/accessKeyId/i)
    expect(text).not.toMatch(/secret/i)

    const second = await cli('--config', SERVERLESS_CONFIG, '--state', snapshot, '--format', 'json')
    expect(second.code).toBe(first.code)
    const verdicts = (run: Run) => findingsOf(run).map(({ ruleId, status, severity, resource, message }) => ({ ruleId, status, severity, resource, message }))
    expect(verdicts(second)).toEqual(verdicts(first))
    expect(verdicts(first).some((f) => f.status === 'fail')).toBe(true)
  })
})
