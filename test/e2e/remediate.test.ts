/**
 * Remediation end to end: plan and apply with the real SDK clients over HTTP against moto (IAM,
 * EC2, STS, Redshift) and the Node fakes (Redshift Serverless, Data API), with a small proxy that
 * gives moto's Redshift the ModifyClusterIamRoles it lacks. One emulator set for the whole file.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2'
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  UpdateAssumeRolePolicyCommand
} from '@aws-sdk/client-iam'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { main as cli } from '../../src/cli/main.js'
import { PASSWORD_ENV } from '../../src/cli/parse.js'
import { createAwsCollectContext } from '../../src/collect/aws/context.js'
import { runSql } from '../../src/aws/data-api.js'
import { loadConfig, type Config } from '../../src/config/load.js'
import { evaluatePolicies } from '../../src/policy/iam-policy.js'
import type { Finding } from '../../src/evaluate/types.js'
import { runApply, runPlan, type ApplyOutcome, type RemediationOptions } from '../../src/plan-apply.js'
import { createRoleSql } from '../../src/remediate/sql.js'
import type { ApplyEvent, Plan } from '../../src/remediate/types.js'
import { collectLive, type Collector } from '../../src/run.js'
import { emptyState } from '../../src/state/empty.js'
import type { PolicyDocument } from '../../src/state/types.js'
import { startIamRolesProxy, type IamRolesProxy } from '../fakes/redshift-iam-roles-proxy.js'
import { ACCOUNT_ID, REGION, applyEnv, awsEnv, startEmulators, type Emulators } from '../support/emulators.js'
import { CARGO_IPS, CARGO_ROLE_ARN, actionInputEnv, cargoInputs, cliArgs, rawInputs } from '../support/inputs.js'
import { seedClients, seedCompliantProvisioned, seedCompliantServerless, type Drift, type Seeded } from '../support/seed.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const PASSWORD = 'Cargo-Test-Passw0rd'
const FAST = { firstMs: 10, maxMs: 50, timeoutMs: 10_000 }
const REMEDIATE_POLICY = JSON.parse(readFileSync(path.join(ROOT, 'policies/permissions/remediate.json'), 'utf8')) as PolicyDocument & {
  Statement: Array<{ Action: string[] }>
}

let em: Emulators
let proxy: IamRolesProxy
let restoreEnv: () => void
let dir: string

beforeAll(async () => {
  em = await startEmulators()
  proxy = await startIamRolesProxy(em.moto.url)
  // Redshift goes through the proxy (for ModifyClusterIamRoles); apply runs as on workflow_dispatch.
  restoreEnv = applyEnv({ ...awsEnv(em), AWS_ENDPOINT_URL_REDSHIFT: proxy.url, GITHUB_EVENT_NAME: 'workflow_dispatch', [PASSWORD_ENV]: PASSWORD })
})

afterAll(async () => {
  restoreEnv?.()
  await proxy?.close()
  await em?.close()
})

beforeEach(async () => {
  await em.reset()
  proxy.reset()
  dir = mkdtempSync(path.join(tmpdir(), 'crg-remediate-'))
})


/** The account drifted on every rule apply can fix, with things of the owner's own that must survive. */
const DRIFTED: Drift = {
  trustServices: ['redshift.amazonaws.com', 'glue.amazonaws.com'],
  noLambdaPolicies: true,
  crossAccountPolicy: 'wrong-resource',
  lambdaUser: 'missing',
  ingress: 'none',
  notAssociated: true,
  notPubliclyAccessible: true,
  // Everything of the SQL setup missing: no database, user or function role; only the source schema.
  sqlSetup: 'source-only'
}

/** The inputs of a remediation run on the seeded account: remediate all, public access allowed, the database password. */
function inputsFor(seeded: Seeded, extra: Record<string, string> = {}): Record<string, string> {
  const deployment = seeded.params.target.workgroup ? 'serverless' : 'provisioned'
  return cargoInputs(seeded.names, deployment, { remediate: 'all', 'allow-public-access': 'true', 'db-user-password': PASSWORD, ...extra })
}

const configFor = (seeded: Seeded, extra: Record<string, string> = {}): Config => loadConfig(rawInputs(inputsFor(seeded, extra)), dir)

/** The same inputs as CLI flags; the password reaches the CLI through its environment variable (set in beforeAll), never argv. */
function flagsFor(seeded: Seeded, extra: Record<string, string> = {}): string[] {
  return cliArgs(Object.fromEntries(Object.entries(inputsFor(seeded, extra)).filter(([k]) => k !== 'db-user-password')))
}

function apply(config: Config, options: RemediationOptions = {}): Promise<ApplyOutcome & { events: ApplyEvent[] }> {
  const events: ApplyEvent[] = []
  return runApply(config, { env: { GITHUB_EVENT_NAME: 'workflow_dispatch' }, cwd: dir, poll: FAST, onEvent: (e) => events.push(e), ...options }).then(
    (out) => ({ ...out, events })
  )
}

const failing = (findings: Finding[] | undefined) =>
  (findings ?? []).filter((f) => f.status === 'fail' || f.status === 'error').map((f) => f.ruleId)

function capture() {
  let out = ''
  let err = ''
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: (s: string) => ((err += s), true) }
    } as unknown as Parameters<typeof cli>[1],
    get out() {
      return out
    },
    get err() {
      return err
    }
  }
}

/** What the owner had before apply, to check that none of it is gone afterwards. */
async function ownersThings(seeded: Seeded) {
  const { iam, ec2 } = seedClients(em)
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: seeded.names.roleName }))
    const trust = JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')) as PolicyDocument
    const versions = seeded.policyArn ? (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: seeded.policyArn }))).Versions ?? [] : []
    const documents = await Promise.all(
      versions.map(async (v) => ({
        id: v.VersionId,
        isDefault: v.IsDefaultVersion,
        document: (await iam.send(new GetPolicyVersionCommand({ PolicyArn: seeded.policyArn, VersionId: v.VersionId }))).PolicyVersion?.Document
      }))
    )
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: seeded.names.roleName }))).AttachedPolicies ?? []
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [seeded.securityGroupId] }))
    const rules = (groups.SecurityGroups?.[0]?.IpPermissions ?? []).flatMap((p) =>
      (p.IpRanges ?? []).map((r) => `${p.IpProtocol}:${p.FromPort ?? ''}-${p.ToPort ?? ''}:${r.CidrIp}`)
    )
    return {
      trust: trust.Statement as unknown[],
      versions: documents,
      attached: attached.map((a) => a.PolicyArn).sort(),
      rules: rules.sort(),
      namespaceRoles: em.serverless.namespaceRoles(seeded.names.namespace) ?? []
    }
  } finally {
    iam.destroy()
    ec2.destroy()
  }
}

describe('apply on Redshift Serverless', () => {
  it('fixes a drifted account additively, proves it with a fresh audit, and a rerun changes nothing', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    const before = await ownersThings(seeded)
    const config = configFor(seeded)

    const out = await apply(config)
    expect(out.refused).toBeUndefined()
    expect(out.result?.failed).toBeUndefined()
    expect(out.plan?.steps.map((s) => s.id)).toEqual([
      'create-cross-account-policy',
      'merge-trust-statement',
      'attach-lambda-policy:AWSLambdaExecute',
      'attach-lambda-policy:AWSLambdaRole',
      'associate-role',
      'enable-public-access',
      `authorize-cargo-ingress:${CARGO_IPS[0]}`,
      'create-lambda-user',
      'attach-lambda-user-policy',
      'sql-create-database',
      'sql-create-user',
      'sql-grant-database',
      'sql-create-function-role',
      'sql-grant-function-privilege',
      'sql-grant-function-role',
      'sql-grant-exfunc',
      'sql-grant-schema-usage:sales.crm',
      'sql-grant-select:sales.crm',
      'sql-default-privileges:sales.crm:admin',
      'sql-grant-external-function'
    ])
    expect(out.result?.changes).toBe(out.plan?.steps.length)
    // Each change was reported as it happened.
    expect(out.events.filter((e) => e.kind === 'done')).toHaveLength(out.plan?.steps.length ?? -1)
    // The re-verification: everything passes but the access key, which no tool should create.
    expect(failing(out.after?.findings)).toEqual(['iam-lambda-user-key'])
    expect(out.exitCode).toBe(1)

    // Nothing of the owner's was deleted or narrowed.
    const after = await ownersThings(seeded)
    expect(after.trust).toEqual([...before.trust, { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }])
    expect(after.versions).toHaveLength(2)
    expect(after.versions[0]).toEqual({ ...before.versions[0], isDefault: false })
    const newDefault = JSON.parse(after.versions[1]?.document ?? '{}') as PolicyDocument
    expect(after.versions[1]?.isDefault).toBe(true)
    expect(newDefault.Statement).toEqual([
      ...((JSON.parse(before.versions[0]?.document ?? '{}') as PolicyDocument).Statement as unknown[]),
      { Sid: 'CargoCrossAccount', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }
    ])
    expect(after.attached).toEqual(expect.arrayContaining(before.attached))
    expect(after.rules).toEqual([...before.rules, `-1:-:${CARGO_IPS[0]}`].sort())
    expect(after.namespaceRoles).toEqual([...before.namespaceRoles, seeded.roleArn])
    const ns = em.serverless.calls.filter((c) => c.operation === 'UpdateNamespace')
    expect(ns.map((c) => c.input)).toEqual([
      { namespaceName: 'cargo-ns', iamRoles: [seeded.otherRoleArn, seeded.roleArn], defaultIamRoleArn: seeded.otherRoleArn }
    ])
    expect(em.serverless.calls.filter((c) => c.operation === 'UpdateWorkgroup').map((c) => c.input)).toEqual([
      { workgroupName: 'cargo-wg', publiclyAccessible: true }
    ])
    // CREATE DATABASE ran alone; the password reached the fake but no log line.
    const created = em.data.statements.find((s) => s.sql.startsWith('CREATE DATABASE'))
    expect(created).toMatchObject({ operation: 'ExecuteStatement', status: 'FINISHED', database: 'dev' })
    expect(em.data.statements.some((s) => s.sql.includes(PASSWORD))).toBe(true)
    expect(JSON.stringify(out.events) + JSON.stringify(out.plan)).not.toContain(PASSWORD)
    expect(await em.data.rows(`SELECT usesuper FROM pg_user WHERE usename = 'cargo_user'`)).toEqual([{ usesuper: false }])

    // A rerun finds nothing to do.
    const again = await apply(config)
    expect(again.plan?.steps).toEqual([])
    expect(again.result?.changes).toBe(0)
    expect(failing(again.after?.findings)).toEqual(['iam-lambda-user-key'])
  })

  it('two applies at once reach the same end state, without an error', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    const config = configFor(seeded)
    const [a, b] = await Promise.all([apply(config), apply(config)])
    for (const out of [a, b]) {
      expect(out.result?.failed).toBeUndefined()
      expect(failing(out.after?.findings)).toEqual(['iam-lambda-user-key'])
    }
    // Together they made each change once; the rest was found in place.
    expect(em.serverless.namespaceRoles('cargo-ns')).toEqual([seeded.otherRoleArn, seeded.roleArn])
    expect(em.serverless.calls.filter((c) => c.operation === 'UpdateNamespace' && !c.error)).toHaveLength(1)
    expect((a.result?.changes ?? 0) + (b.result?.changes ?? 0)).toBeGreaterThanOrEqual(a.plan?.steps.length ?? 0)
    const third = await apply(config)
    expect(third.plan?.steps).toEqual([])
  })

  it('a failed step holds back only what depends on it, says what did not run, and a rerun completes the rest', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    const config = configFor(seeded)
    em.serverless.inject({ operation: 'UpdateNamespace', error: 'AccessDeniedException', times: 1 })
    // CREATE USER fails too: the grants to the user wait for it; the function role does not.
    em.dataFault = (call) =>
      call.operation === 'ExecuteStatement' && String(call.input['Sql']).startsWith('CREATE USER') ? { fail: 'ERROR: permission denied to create user' } : undefined
    const first = await apply(config)
    em.dataFault = undefined
    expect(first.result?.failures.map((f) => f.step.id)).toEqual(['associate-role', 'sql-create-user'])
    expect(first.result?.failed?.step.id).toBe('associate-role')
    expect(first.result?.failed?.cause).toMatchObject({ iamAction: 'redshift-serverless:UpdateNamespace' })
    expect(first.result?.failed?.message).toContain('allow redshift-serverless:UpdateNamespace')
    expect(first.result?.held.map((h) => [h.step.id, h.reason])).toEqual([
      ['sql-grant-database', 'needs sql-create-user, which failed'],
      ['sql-grant-function-role', 'needs sql-create-user, which failed'],
      ['sql-grant-exfunc', 'needs sql-create-user, which failed'],
      ['sql-grant-schema-usage:sales.crm', 'needs sql-create-user, which failed'],
      ['sql-grant-select:sales.crm', 'needs sql-create-user, which failed'],
      ['sql-default-privileges:sales.crm:admin', 'needs sql-create-user, which failed'],
      ['sql-grant-external-function', 'needs sql-grant-function-role, which did not run']
    ])
    expect(first.result?.notRun.map((s) => s.id)).toEqual(first.result?.held.map((h) => h.step.id))
    // Everything that does not depend on a failed step was made.
    expect(first.result?.done.map((d) => d.step.id)).toEqual([
      'create-cross-account-policy',
      'merge-trust-statement',
      'attach-lambda-policy:AWSLambdaExecute',
      'attach-lambda-policy:AWSLambdaRole',
      'enable-public-access',
      `authorize-cargo-ingress:${CARGO_IPS[0]}`,
      'create-lambda-user',
      'attach-lambda-user-policy',
      'sql-create-database',
      'sql-create-function-role',
      'sql-grant-function-privilege'
    ])
    expect(first.events.filter((e) => e.kind === 'failed')).toHaveLength(2)
    expect(first.events.filter((e) => e.kind === 'held')).toHaveLength(7)
    expect(first.exitCode).toBe(1)
    expect(em.serverless.calls.some((c) => c.operation === 'UpdateWorkgroup')).toBe(true)
    expect(await em.data.rows(`SELECT usename FROM pg_user WHERE usename = 'cargo_user'`)).toEqual([])

    const second = await apply(config)
    expect(second.result?.failures).toEqual([])
    expect(second.plan?.steps.map((s) => s.id)).toEqual([
      'associate-role',
      'sql-create-user',
      'sql-grant-database',
      'sql-grant-function-role',
      'sql-grant-exfunc',
      'sql-grant-schema-usage:sales.crm',
      'sql-grant-select:sales.crm',
      'sql-default-privileges:sales.crm:admin',
      'sql-grant-external-function'
    ])
    expect(failing(second.after?.findings)).toEqual(['iam-lambda-user-key'])
  })

  it('resumes a reviewed plan file after a step failed: made steps count as done, the rest is made', async () => {
    const { sqlSetup: _sql, ...iamOnly } = DRIFTED
    void _sql
    const seeded = await seedCompliantServerless(em, iamOnly)
    const file = path.join(dir, 'plan.json')
    const config = configFor(seeded, { 'plan-file': file })
    const planned = await runPlan(config, { cwd: dir })
    const ids = planned.plan.steps.map((s) => s.id)
    expect(ids).toContain('associate-role')

    em.serverless.inject({ operation: 'UpdateNamespace', error: 'AccessDeniedException', times: 1 })
    const first = await apply(config)
    expect(first.refused).toBeUndefined()
    expect(first.result?.failures.map((f) => f.step.id)).toEqual(['associate-role'])
    expect(first.result?.changes).toBe(ids.length - 1)

    // Meanwhile someone attaches a policy to the role: no remaining step depends on that.
    const { iam } = seedClients(em)
    await iam.send(new AttachRolePolicyCommand({ RoleName: seeded.names.roleName, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }))
    iam.destroy()
    const writes = () => em.serverless.calls.filter((c) => c.operation.startsWith('Update') && !c.error).length
    const writesBefore = writes()

    const second = await apply(config)
    expect(second.refused).toBeUndefined()
    expect(second.plan?.steps.map((s) => s.id)).toEqual(ids)
    const results = Object.fromEntries(second.result?.done.map((d) => [d.step.id, d.result]) ?? [])
    expect(results).toEqual(Object.fromEntries(ids.map((id) => [id, id === 'associate-role' ? 'changed' : 'already-done'])))
    expect(second.result?.changes).toBe(1)
    expect(second.result?.held).toEqual([])
    // The made steps were not sent again: the one write is the association.
    expect(writes() - writesBefore).toBe(1)
    expect(em.serverless.namespaceRoles('cargo-ns')).toEqual([seeded.otherRoleArn, seeded.roleArn])
    expect(failing(second.after?.findings)).toEqual(['iam-lambda-user-key'])

    // A third apply of the same file finds every step in place and changes nothing.
    const third = await apply(config)
    expect(third.refused).toBeUndefined()
    expect(third.result?.changes).toBe(0)
    expect(third.result?.done.every((d) => d.result === 'already-done')).toBe(true)
  })

  it('waits for a busy namespace and retries a ConflictException', async () => {
    const seeded = await seedCompliantServerless(em, { notAssociated: true })
    em.serverless.inject({ operation: 'UpdateNamespace', error: 'ConflictException', message: 'There is an operation running on the namespace cargo-ns.', times: 2 })
    const out = await apply(configFor(seeded))
    expect(out.result?.failed).toBeUndefined()
    expect(out.result?.changes).toBe(1)
    expect(out.events.filter((e) => e.kind === 'wait').map((e) => (e as { message: string }).message)).toEqual(
      expect.arrayContaining([expect.stringContaining('ConflictException')])
    )
    expect(em.serverless.namespaceRoles('cargo-ns')).toEqual([seeded.otherRoleArn, seeded.roleArn])
  })

  it('applies a reviewed plan file; refuses it when edited; holds back a step whose subject changed since review', async () => {
    const { sqlSetup: _sql, ...iamOnly } = DRIFTED
    void _sql
    const seeded = await seedCompliantServerless(em, iamOnly)
    const file = path.join(dir, 'plan.json')

    const planned = capture()
    expect(await cli(['plan', ...flagsFor(seeded, { 'plan-file': file })], planned.io)).toBe(0)
    expect(planned.out).toContain('## Cargo on Redshift: remediation plan')
    expect(planned.err).toContain(`plan written to ${file}`)
    expect(existsSync(path.join(dir, 'plan.md'))).toBe(true)
    const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan
    expect(plan.stateDigest).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD)

    // An edited step is refused.
    const fresh = readFileSync(file, 'utf8')
    const edited = JSON.parse(fresh) as Plan
    edited.steps[0]!.request['PolicyDocument'] = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
    writeFileSync(file, JSON.stringify(edited))
    const tampered = capture()
    expect(await cli(['apply', ...flagsFor(seeded, { 'plan-file': file })], tampered.io)).toBe(2)
    expect(tampered.err).toContain('lists other steps')
    // So is a plan pointed at another Data API identity.
    const retargeted = JSON.parse(fresh) as Plan
    retargeted.target.dataApi.secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:someone-else-AbCdEf`
    writeFileSync(file, JSON.stringify(retargeted))
    expect(await cli(['apply', ...flagsFor(seeded, { 'plan-file': file })], capture().io)).toBe(2)
    // With other inputs (no public access allowed) the same file is refused too.
    writeFileSync(file, fresh)
    expect(await cli(['apply', ...flagsFor(seeded, { 'plan-file': file, 'allow-public-access': 'false' })], capture().io)).toBe(2)
    expect(em.serverless.calls.filter((c) => c.operation.startsWith('Update'))).toEqual([])

    // Someone edits the role's trust policy between plan and apply: the reviewed merge would now
    // write another document, so it is held back; the steps that do not depend on it are made.
    const { iam } = seedClients(em)
    const trust = (services: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: services.map((s) => ({ Effect: 'Allow', Principal: { Service: s }, Action: 'sts:AssumeRole' })) })
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: seeded.names.roleName, PolicyDocument: trust(['redshift.amazonaws.com', 'glue.amazonaws.com', 'ec2.amazonaws.com']) }))
    const applied = capture()
    const code = await cli(['apply', ...flagsFor(seeded, { 'plan-file': file }), '--format', 'json'], applied.io)
    expect(applied.err).toMatch(/\[1\/\d+\] changed: /)
    expect(applied.err).toContain('not run merge-trust-statement: the account changed where this step acts')
    const report = JSON.parse(applied.out) as { findings: Finding[] }
    expect(failing(report.findings)).toEqual(['iam-role-trusts-lambda', 'iam-lambda-user-key'])
    expect(code).toBe(1)
    const role = await iam.send(new GetRoleCommand({ RoleName: seeded.names.roleName }))
    expect(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')).not.toContain('lambda.amazonaws.com')

    // Planned again, and changed again before apply: nothing left to make is the reviewed change,
    // so apply refuses and changes nothing.
    expect(await cli(['plan', ...flagsFor(seeded, { 'plan-file': file })], capture().io)).toBe(0)
    expect((JSON.parse(readFileSync(file, 'utf8')) as Plan).steps.map((s) => s.id)).toEqual(['merge-trust-statement'])
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: seeded.names.roleName, PolicyDocument: trust(['redshift.amazonaws.com']) }))
    iam.destroy()
    const stale = capture()
    expect(await cli(['apply', ...flagsFor(seeded, { 'plan-file': file })], stale.io)).toBe(2)
    expect(stale.err).toContain('the account changed since the plan was made')
    expect(stale.err).toContain('merge-trust-statement: the account changed where this step acts')
  })

  it('refuses on pull-request events before any AWS call', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    em.serverless.calls.length = 0
    em.data.log.length = 0
    const collect = vi.fn<Collector>(collectLive)
    for (const event of ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment', 'merge_group']) {
      const out = await apply(configFor(seeded), { env: { GITHUB_EVENT_NAME: event }, collect })
      expect(out.exitCode).toBe(2)
      expect(out.refused).toContain(`'${event}'`)
      expect(out.result).toBeUndefined()
    }
    // The CLI reads the event from its environment.
    const restore = applyEnv({ GITHUB_EVENT_NAME: 'pull_request' })
    try {
      const run = capture()
      expect(await cli(['apply', ...flagsFor(seeded)], run.io)).toBe(2)
      expect(run.err).toContain('never made from a pull request')
    } finally {
      restore()
    }
    expect(collect).not.toHaveBeenCalled()
    expect(em.serverless.calls).toEqual([])
    expect(em.data.log).toEqual([])
  })

  it('the action: mode plan writes the plan and puts it in the job summary; mode apply reports changes-applied', async () => {
    const seeded = await seedCompliantServerless(em, { notAssociated: true, ingress: 'none' })
    const { run } = await import('../../src/main.js')
    // @actions/core remembers the summary file of its first write: one file, emptied before each run.
    const summary = path.join(tmpdir(), 'crg-remediate-action-summary.md')
    const actionRun = async (inputs: Record<string, string>) => {
      const output = path.join(dir, `output-${Math.random()}`)
      writeFileSync(output, '')
      writeFileSync(summary, '')
      const env: Record<string, string> = { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary }
      Object.assign(env, actionInputEnv({ ...inputsFor(seeded), ...inputs }))
      const restore = applyEnv(env)
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
      const saved = process.exitCode
      process.exitCode = 0
      try {
        await run()
        return { exitCode: process.exitCode, outputs: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8'), log: write.mock.calls.map((c) => String(c[0])).join('') }
      } finally {
        process.exitCode = saved
        write.mockRestore()
        restore()
      }
    }
    const planFile = path.join(dir, 'action-plan.json')
    const planned = await actionRun({ mode: 'plan', 'plan-file': planFile, 'report-path': path.join(dir, 'report.json') })
    expect(planned.exitCode).toBe(0)
    expect(planned.outputs).toContain(planFile)
    expect(planned.summary).toContain('## Cargo on Redshift: remediation plan')
    expect(planned.summary).toContain('`associate-role`')
    // The runner masks it: the ::add-mask:: line is the only place it may appear.
    expect(planned.log).toContain(`::add-mask::${PASSWORD}`)
    expect(planned.log.split(`::add-mask::${PASSWORD}`).join('')).not.toContain(PASSWORD)

    const applied = await actionRun({ mode: 'apply', 'plan-file': planFile, 'report-path': path.join(dir, 'report.json') })
    expect(applied.outputs).toMatch(/changes-applied<<[^\n]*\n2\n/)
    expect(applied.summary).toContain('## Cargo on Redshift: apply')
    expect(applied.exitCode).toBe(0)

    const refused = await actionRun({ mode: 'apply', 'report-path': path.join(dir, 'report.json') })
    expect(refused.exitCode).toBe(0)
    const restore = applyEnv({ GITHUB_EVENT_NAME: 'pull_request_target' })
    try {
      expect((await actionRun({ mode: 'apply', 'report-path': path.join(dir, 'report.json') })).exitCode).toBe(2)
    } finally {
      restore()
    }
  })
})

describe('apply on a provisioned cluster', () => {
  it('adds the role with ModifyClusterIamRoles (keeping the others) and makes the cluster public', async () => {
    const seeded = await seedCompliantProvisioned(em, { notAssociated: true, notPubliclyAccessible: true })
    const out = await apply(configFor(seeded))
    expect(out.plan?.steps.map((s) => `${s.service}:${s.operation}`)).toEqual(['redshift:ModifyClusterIamRoles', 'redshift:ModifyCluster'])
    expect(out.result?.failed).toBeUndefined()
    expect(proxy.calls).toEqual(expect.arrayContaining(['ModifyClusterIamRoles', 'ModifyCluster']))
    expect(proxy.added.get('cargo-cluster')).toEqual([seeded.roleArn])
    expect(out.after?.state.redshift?.iamRoles.map((r) => r.arn)).toEqual([seeded.otherRoleArn, seeded.roleArn])
    expect(out.after?.state.redshift?.publiclyAccessible).toBe(true)
    expect(failing(out.after?.findings)).toEqual([])
    expect(out.exitCode).toBe(0)
  })
})

describe('permissions', () => {
  it('policies/permissions/remediate.json is enough to apply everything (moto enforcing IAM), and each write is needed', async () => {
    const seeded = await seedCompliantServerless(em, {
      noRole: true,
      crossAccountPolicy: 'missing',
      lambdaUser: 'missing',
      ingress: 'none',
      notAssociated: true,
      notPubliclyAccessible: true,
      // Everything of the SQL setup missing: no database, user or function role; only the source schema.
  sqlSetup: 'source-only'
    })
    const { iam } = seedClients(em)
    const grant = async (document: unknown, name: string) => {
      const policy = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(document) }))
      await iam.send(new AttachUserPolicyCommand({ UserName: 'remediator', PolicyArn: policy.Policy?.Arn }))
    }
    await iam.send(new CreateUserCommand({ UserName: 'remediator' }))
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'remediator' }))
    // First without iam:CreateRole: moto must deny exactly that.
    const withoutCreateRole = {
      ...REMEDIATE_POLICY,
      Statement: REMEDIATE_POLICY.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== 'iam:CreateRole') }))
    }
    await grant(withoutCreateRole, 'remediate-minus-create-role')
    iam.destroy()
    const restore = applyEnv(awsEnv(em, { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' }))
    const restoreRedshift = applyEnv({ AWS_ENDPOINT_URL_REDSHIFT: proxy.url })
    try {
      await em.moto.enforceIam(true)
      em.serverless.calls.length = 0
      em.data.log.length = 0
      const denied = await apply(configFor(seeded))
      expect(denied.result?.failures.map((f) => f.step.id)).toEqual(['create-role'])
      expect(denied.result?.failed?.cause.iamAction).toBe('iam:CreateRole')
      // What needs the role waits for it; the rest was made.
      expect(denied.result?.held.map((h) => h.step.id)).toEqual(expect.arrayContaining(['associate-role']))
      expect(denied.result?.held.every((h) => h.reason === 'needs create-role, which failed')).toBe(true)

      await em.moto.enforceIam(false)
      const admin = seedClients(em).iam
      await grant(REMEDIATE_POLICY, 'remediate')
      admin.destroy()
      await em.moto.enforceIam(true)
      const out = await apply(configFor(seeded))
      expect(out.result?.failed).toBeUndefined()
      expect(out.after?.findings.filter((f) => f.status === 'error')).toEqual([])
      expect(failing(out.after?.findings)).toEqual(['iam-lambda-user-key'])
      expect(out.after?.state.source.accountId).toBe(ACCOUNT_ID)
    } finally {
      await em.moto.enforceIam(false)
      restoreRedshift()
      restore()
    }
    // The fakes do not check credentials: every operation they answered must be allowed by the policy.
    const used = [
      ...new Set([
        ...em.serverless.calls.map((c) => `redshift-serverless:${c.operation}`),
        ...em.data.log.map((c) => `redshift-data:${c.operation}`)
      ])
    ]
    expect(used).toEqual(expect.arrayContaining(['redshift-serverless:UpdateNamespace', 'redshift-serverless:UpdateWorkgroup', 'redshift-data:ExecuteStatement']))
    for (const action of used) {
      expect(evaluatePolicies([{ name: 'remediate.json', document: REMEDIATE_POLICY }], { action, resource: '*' }).decision, action).toBe('allow')
    }
  })
})

describe('SQL through the Data API', () => {
  it('a hostile name stays one quoted identifier: one statement, nothing dropped', async () => {
    const seeded = await seedCompliantServerless(em)
    const hostile = 'x"; drop user admin; --'
    const { ctx, dispose } = createAwsCollectContext(seeded.params, () => true, emptyState(), { timeoutMs: 10_000, maxConcurrency: 2 })
    const { createAwsClients } = await import('../../src/aws/clients.js')
    const clients = createAwsClients(REGION)
    try {
      await runSql(ctx, clients.data, { workgroupName: 'cargo-wg', database: 'dev' }, 'dev', createRoleSql(hostile))
    } finally {
      dispose()
      clients.destroy()
    }
    expect(em.data.statements.filter((s) => s.sql.startsWith('CREATE ROLE'))).toHaveLength(1)
    expect(await em.data.rows(`SELECT role_name FROM svv_roles WHERE role_name = '${hostile.replace(/'/g, "''")}'`)).toEqual([{ role_name: hostile }])
    expect(await em.data.rows(`SELECT usename FROM pg_user WHERE usename = 'admin'`)).toEqual([{ usename: 'admin' }])
  })
})

describe('plan only', () => {
  it('a misspelt rule id in remediate is a configuration error before anything is read', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    em.serverless.calls.length = 0
    const run = capture()
    expect(await cli(['plan', ...flagsFor(seeded, { remediate: 'iam-role-trust-lambda' })], run.io)).toBe(2)
    expect(run.err).toContain('unknown rule id(s): iam-role-trust-lambda')
    expect(em.serverless.calls).toEqual([])
  })

  it('writes the plan and its Markdown twin and changes nothing', async () => {
    const seeded = await seedCompliantServerless(em, DRIFTED)
    em.serverless.calls.length = 0
    const out = await runPlan(configFor(seeded, { 'plan-file': 'out/p.json' }), { cwd: dir })
    expect(out.exitCode).toBe(0)
    expect(out.planPath).toBe('out/p.json')
    expect(readFileSync(path.join(dir, 'out/p.md'), 'utf8')).toBe(out.markdown)
    expect(out.plan.steps.length).toBeGreaterThan(10)
    expect(em.serverless.calls.every((c) => c.operation.startsWith('Get'))).toBe(true)
    expect(em.data.statements.every((s) => s.sql.trimStart().startsWith('SELECT'))).toBe(true)
  })
})
