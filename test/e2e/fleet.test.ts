/**
 * Fleets (issue 13) end to end: three member accounts in moto, audited from one job identity
 * through the CLI, over real HTTP with the real SDK clients.
 *
 * moto keeps accounts apart by credentials: the keys an AssumeRole on
 * arn:aws:iam::<account>:role/... returns act in <account>. moto enforces IAM here, so:
 * - the job is an IAM user of the management account holding exactly
 *   policies/permissions/fleet-job.json (sts:AssumeRole on cargo-redshift-guard-audit anywhere);
 * - in each member account, the audit role has policies/permissions/audit.json and the trust of
 *   policies/permissions/audit-role-trust.json (moto does not judge a trust across accounts; the
 *   identity policy is what refuses the third target's role);
 * - prod (111111111111, eu-west-1) is compliant; staging (222222222222, us-east-1) lacks the
 *   Lambda trust and Cargo's ingress; locked (333333333333) names a role the job may not assume.
 * Redshift is provisioned (moto's, per account); the Data API fake serves the one SQL catalogue.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli.js'
import { ACCOUNT_ID, applyEnv, awsEnv, startEmulators, type Emulators } from '../support/emulators.js'
import { CARGO_IPS, CARGO_ROLE_ARN } from '../support/inputs.js'
import { seedClients, seedCompliantProvisioned, type SeedCredentials } from '../support/seed.js'

const ROOT = join(import.meta.dirname, '../..')
const policy = (name: string) => readFileSync(join(ROOT, 'policies/permissions', name), 'utf8')
const PROD = '111111111111'
const STAGING = '222222222222'
const LOCKED = '333333333333'
const AUDIT_ROLE = 'cargo-redshift-guard-audit'
const auditRole = (account: string) => `arn:aws:iam::${account}:role/${AUDIT_ROLE}`
const LOCKED_ROLE = `arn:aws:iam::${LOCKED}:role/someone-elses-role`

let em: Emulators
let restore: () => void
let work: string
let targetsFile: string

async function cli(...argv: string[]): Promise<CliRun> {
  const cwd = process.cwd()
  process.chdir(work)
  try {
    return await runCli(argv)
  } finally {
    process.chdir(cwd)
  }
}

/** Keys acting in `account`: moto's AssumeRole needs no role when IAM is not enforced yet. */
async function accountCredentials(account: string, region: string): Promise<SeedCredentials> {
  const sts = new STSClient({ region, endpoint: em.moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } })
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seeder`, RoleSessionName: 'seed' }))
    const c = out.Credentials!
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }
  } finally {
    sts.destroy()
  }
}

/** The member account's audit role: trusted by the job, allowed audit.json. */
async function createAuditRole(credentials: SeedCredentials, region: string, jobArn: string): Promise<void> {
  const { iam } = seedClients({ ...em, region }, credentials)
  try {
    await iam.send(new CreateRoleCommand({ RoleName: AUDIT_ROLE, AssumeRolePolicyDocument: policy('audit-role-trust.json').replace('arn:aws:iam::JOB_ACCOUNT_ID:role/JOB_ROLE_NAME', jobArn) }))
    await iam.send(new PutRolePolicyCommand({ RoleName: AUDIT_ROLE, PolicyName: 'audit', PolicyDocument: policy('audit.json') }))
  } finally {
    iam.destroy()
  }
}

interface JsonReport {
  fleet?: { target: string; assumeRoleArn?: string }
  source: { accountId?: string }
  result: string
  findings: Array<{ ruleId: string; status: string; message: string; cause?: { iamAction?: string; message: string } }>
}
interface FleetJson {
  fleetReportVersion: number
  result: string
  targets: Array<{ target: string; accountId: string | null; result: string; drifted: string[]; notChecked: string[]; report: JsonReport }>
}

const verdicts = (r: JsonReport) => Object.fromEntries(r.findings.map((f) => [f.ruleId, f.status]))

beforeAll(async () => {
  em = await startEmulators()
  await em.reset()
  work = mkdtempSync(join(tmpdir(), 'crg-fleet-'))
  // The job: an IAM user of the management account with exactly fleet-job.json.
  const { iam } = seedClients(em)
  let job: SeedCredentials
  try {
    await iam.send(new CreateUserCommand({ UserName: 'fleet-ci' }))
    await iam.send(new PutUserPolicyCommand({ UserName: 'fleet-ci', PolicyName: 'fleet-job', PolicyDocument: policy('fleet-job.json') }))
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'fleet-ci' }))
    job = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! }
  } finally {
    iam.destroy()
  }
  const jobArn = `arn:aws:iam::${ACCOUNT_ID}:user/fleet-ci`

  const prod = await accountCredentials(PROD, 'eu-west-1')
  await seedCompliantProvisioned(em, {}, {}, { credentials: prod })
  await createAuditRole(prod, 'eu-west-1', jobArn)
  const staging = await accountCredentials(STAGING, 'us-east-1')
  await seedCompliantProvisioned({ ...em, region: 'us-east-1' } as Emulators, { trustServices: ['redshift.amazonaws.com'], ingress: 'none' }, {}, { credentials: staging, sql: false })
  await createAuditRole(staging, 'us-east-1', jobArn)
  const locked = await accountCredentials(LOCKED, 'eu-west-1')
  await seedCompliantProvisioned(em, {}, {}, { credentials: locked, sql: false })

  targetsFile = join(work, 'fleet.yml')
  writeFileSync(
    targetsFile,
    [
      'defaults:',
      `  cargo-role-arn: ${CARGO_ROLE_ARN}`,
      `  cargo-ips: ${CARGO_IPS.join(',')}`,
      '  role-name: cargo-redshift',
      '  policy-name: cargo-cross-account',
      '  cluster-identifier: cargo-cluster',
      '  source-schemas: sales.crm',
      '  timeout: 60',
      'targets:',
      '  - name: prod',
      `    assume-role-arn: ${auditRole(PROD)}`,
      '    region: eu-west-1',
      '  - name: staging',
      `    assume-role-arn: ${auditRole(STAGING)}`,
      '    region: us-east-1',
      '  - name: locked',
      `    assume-role-arn: ${LOCKED_ROLE}`,
      '    region: eu-west-1',
      ''
    ].join('\n')
  )
  restore = applyEnv(awsEnv(em, job))
  await em.moto.enforceIam(true)
}, 120_000)

afterAll(async () => {
  restore?.()
  await em?.close()
})

describe('a fleet of three accounts', () => {
  let fleet: FleetJson

  it('prints the job matrix, one entry per target', async () => {
    const run = await cli('targets', '--targets', targetsFile)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      include: [
        { target: 'prod', region: 'eu-west-1', account: PROD, redshift: 'cargo-cluster' },
        { target: 'staging', region: 'us-east-1', account: STAGING, redshift: 'cargo-cluster' },
        { target: 'locked', region: 'eu-west-1', account: LOCKED, redshift: 'cargo-cluster' }
      ]
    })
  })

  it('audits every target in one job: per-target verdicts, the account each read, exit 1', async () => {
    const run = await cli('audit', '--targets', targetsFile, '--format', 'json', '--report-path', 'one-job/report.json')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(1)
    fleet = JSON.parse(run.stdout) as FleetJson
    expect(fleet.fleetReportVersion).toBe(1)
    expect(fleet.targets.map((t) => [t.target, t.accountId, t.result])).toEqual([
      ['prod', PROD, 'clean'],
      ['staging', STAGING, 'drift'],
      ['locked', null, 'error']
    ])
    // Each report names its target and the account STS said it read.
    for (const t of fleet.targets) expect(t.report.fleet?.target).toBe(t.target)
    expect(fleet.targets[0]!.report.source.accountId).toBe(PROD)
    expect(fleet.targets[1]!.report.source.accountId).toBe(STAGING)
    // The per-target reports are written beside the fleet's.
    const written = JSON.parse(readFileSync(join(work, 'one-job/report.staging.json'), 'utf8')) as JsonReport
    expect(written.fleet?.target).toBe('staging')
    expect(written.source.accountId).toBe(STAGING)
    expect((JSON.parse(readFileSync(join(work, 'one-job/report.json'), 'utf8')) as FleetJson).result).toBe('error')
  }, 120_000)

  it('prod passes every rule it checks', () => {
    const prod = fleet.targets[0]!.report
    const statuses = new Set(Object.values(verdicts(prod)))
    expect([...statuses].sort()).toEqual(['pass'])
  })

  it("staging fails exactly its drift: the Lambda trust and Cargo's ingress", () => {
    const staging = fleet.targets[1]!
    expect(staging.drifted.sort()).toEqual(['iam-role-trusts-lambda', 'network-cargo-ip-inbound'])
    expect(staging.notChecked).toEqual([])
  })

  it('the target whose role cannot be assumed: every rule error naming sts:AssumeRole and the role', () => {
    const locked = fleet.targets[2]!.report
    expect(locked.findings.length).toBeGreaterThan(10)
    for (const f of locked.findings) {
      expect(f.status, f.ruleId).toBe('error')
      expect(f.cause?.iamAction, f.ruleId).toBe('sts:AssumeRole')
      expect(f.cause?.message, f.ruleId).toContain(LOCKED_ROLE)
    }
  })

  it('one matrix job per target, then merge: mixed results, exit 1, one SARIF run per target', async () => {
    const files: string[] = []
    for (const target of ['prod', 'staging', 'locked']) {
      const file = `matrix/${target}/cargo-redshift-guard-report.json`
      const run = await cli('audit', '--targets', targetsFile, '--target', target, '--format', 'json', '--report-path', file)
      expect(run.code, target).toBe(target === 'prod' ? 0 : 1)
      const report = JSON.parse(run.stdout) as JsonReport
      expect(report.fleet?.target).toBe(target)
      files.push(file)
    }
    const merged = await cli('merge', ...files, '--format', 'json')
    expect(merged.stderr).toBe('')
    expect(merged.code).toBe(1)
    const doc = JSON.parse(merged.stdout) as FleetJson
    expect(doc.targets.map((t) => [t.target, t.accountId, t.result])).toEqual(fleet.targets.map((t) => [t.target, t.accountId, t.result]))
    const sarif = JSON.parse((await cli('merge', ...files, '--format', 'sarif')).stdout) as { runs: Array<{ automationDetails: { id: string } }> }
    expect(sarif.runs.map((r) => r.automationDetails.id)).toEqual(['cargo-redshift-guard/prod/', 'cargo-redshift-guard/staging/', 'cargo-redshift-guard/locked/'])
    // Only prod: clean, exit 0. The same target twice (two files): exit 2, nothing judged.
    expect((await cli('merge', files[0]!)).code).toBe(0)
    writeFileSync(join(work, 'copy.json'), readFileSync(join(work, files[0]!)))
    const twice = await cli('merge', files[0]!, 'copy.json')
    expect(twice.code).toBe(2)
    expect(twice.stderr).toContain("claims target 'prod'")
  }, 120_000)

  it("apply to one target changes that target's account, through its assumed role, and nowhere else", async () => {
    const repairRole = `arn:aws:iam::${STAGING}:role/cargo-redshift-guard-repair`
    await em.moto.enforceIam(false)
    try {
      const staging = await accountCredentials(STAGING, 'us-east-1')
      const { iam } = seedClients({ ...em, region: 'us-east-1' }, staging)
      const root = seedClients(em)
      try {
        await iam.send(new CreateRoleCommand({ RoleName: 'cargo-redshift-guard-repair', AssumeRolePolicyDocument: policy('audit-role-trust.json').replace('arn:aws:iam::JOB_ACCOUNT_ID:role/JOB_ROLE_NAME', `arn:aws:iam::${ACCOUNT_ID}:user/fleet-ci`) }))
        await iam.send(new PutRolePolicyCommand({ RoleName: 'cargo-redshift-guard-repair', PolicyName: 'remediate', PolicyDocument: policy('remediate.json') }))
        await root.iam.send(
          new PutUserPolicyCommand({
            UserName: 'fleet-ci',
            PolicyName: 'fleet-repair',
            PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: repairRole }] })
          })
        )
      } finally {
        iam.destroy()
        root.iam.destroy()
      }
    } finally {
      await em.moto.enforceIam(true)
    }
    const repairTargets = join(work, 'repair.yml')
    writeFileSync(repairTargets, readFileSync(targetsFile, 'utf8').replace(auditRole(STAGING), repairRole))
    const run = await cli('apply', '--targets', repairTargets, '--target', 'staging', '--remediate', 'iam-role-trusts-lambda,network-cargo-ip-inbound', '--format', 'json')
    expect(run.code, run.stderr).toBe(0)
    const after = JSON.parse(run.stdout) as JsonReport
    expect(after.fleet?.target).toBe('staging')
    expect(after.source.accountId).toBe(STAGING)
    expect(verdicts(after)).toMatchObject({ 'iam-role-trusts-lambda': 'pass', 'network-cargo-ip-inbound': 'pass' })
    // The job's own account was not touched: it has no Cargo role at all.
    await em.moto.enforceIam(false)
    try {
      const { iam } = seedClients(em)
      try {
        await expect(iam.send(new GetRoleCommand({ RoleName: 'cargo-redshift' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
      } finally {
        iam.destroy()
      }
    } finally {
      await em.moto.enforceIam(true)
    }
    // And the audit through the audit role now finds staging clean.
    const again = await cli('audit', '--targets', targetsFile, '--target', 'staging', '--format', 'json')
    expect(again.code).toBe(0)
  }, 180_000)
})
