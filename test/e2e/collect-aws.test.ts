/**
 * The live collector end to end: real SDK v3 clients over HTTP to moto (IAM, EC2, STS,
 * Redshift) and to the Node fakes (Redshift Serverless, Redshift Data API).
 */
import { GetNamespaceCommand, RedshiftServerlessClient, UpdateNamespaceCommand, UpdateWorkgroupCommand } from '@aws-sdk/client-redshift-serverless'
import { CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam'
import { AuthorizeSecurityGroupIngressCommand, CreateManagedPrefixListCommand } from '@aws-sdk/client-ec2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { evaluate } from '../../src/evaluate/engine.js'
import type { Parameters } from '../../src/config/parameters.js'
import { collectAwsState } from '../../src/collect/aws/index.js'
import { parseIamRoleEntry } from '../../src/aws/redshift-iam-roles.js'
import { ingressRule } from '../../src/collect/aws/ec2.js'
import { partitionOfRegion } from '../../src/state/arn.js'
import type { Needs } from '../../src/collect/types.js'
import { subjectOf } from '../../src/state/subject.js'
import type { AccountState } from '../../src/state/types.js'
import { ACCOUNT_ID, applyEnv, awsEnv, startEmulators, type Emulators } from '../support/emulators.js'
import { CARGO_IPS, CARGO_ROLE_ARN, paramsFor } from '../support/inputs.js'
import { EXTERNAL_FUNCTION_ROLE, seedClients, seedCompliantProvisioned, seedCompliantServerless } from '../support/seed.js'

const ALL: Needs = () => true
const NOW = new Date('2026-06-01T12:00:00Z')

let em: Emulators
let restoreEnv: () => void

beforeAll(async () => {
  em = await startEmulators()
  restoreEnv = applyEnv(awsEnv(em))
})

afterAll(async () => {
  restoreEnv?.()
  await em?.close()
})

beforeEach(async () => {
  await em.reset()
})

const collect = (params: Parameters, needs: Needs = ALL, options: { timeoutMs?: number } = {}) =>
  collectAwsState(params, needs, { now: NOW, ...options })

const pointers = (state: AccountState) => state.unavailable.map((u) => u.pointer)

/**
 * Runs `read` as a moto IAM user allowed everything but `deniedAction`, with moto enforcing IAM:
 * a real AccessDenied from the emulator, not one a fake makes up.
 */
async function asAuditorDenied<T>(deniedAction: string, read: () => Promise<T>): Promise<T> {
  const { iam } = seedClients(em)
  await iam.send(new CreateUserCommand({ UserName: 'auditor' }))
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'auditor',
      PolicyName: 'audit',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: deniedAction, Resource: '*' }
        ]
      })
    })
  )
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))
  iam.destroy()
  const restore = applyEnv(awsEnv(em, { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' }))
  await em.moto.enforceIam(true)
  try {
    return await read()
  } finally {
    await em.moto.enforceIam(false)
    restore()
  }
}

describe('compliant Redshift Serverless', () => {
  it('collects the full account state', async () => {
    const seeded = await seedCompliantServerless(em)
    const { state, stats } = await collect(seeded.params)

    expect(state.unavailable).toEqual([])
    expect(state.source).toMatchObject({
      kind: 'aws',
      accountId: ACCOUNT_ID,
      partition: 'aws',
      region: 'eu-west-1',
      deployment: 'serverless',
      collectedAt: NOW.toISOString()
    })
    // What the state was read for (issue 11): a saved copy is judged only for these names.
    expect(state.subject).toEqual(subjectOf(seeded.params.target))
    expect(state.subject?.target).toEqual({ kind: 'workgroup', name: seeded.params.target.workgroup })
    expect(state.subject?.roleName).toBe(seeded.params.target.roleName)

    // The role: trust policy URL-decoded, every attached policy with its document.
    const role = state.iam.role
    expect(role?.arn).toBe(seeded.roleArn)
    expect(role?.trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }
      ]
    })
    const byName = Object.fromEntries((role?.policies ?? []).map((p) => [p.name, p]))
    expect(Object.keys(byName).sort()).toEqual(['AWSLambdaExecute', 'AWSLambdaRole', 'cargo-cross-account'])
    expect(byName['AWSLambdaRole']).toMatchObject({ arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole', kind: 'aws-managed' })
    expect(JSON.stringify(byName['AWSLambdaRole']?.document)).toContain('lambda:InvokeFunction')
    expect(JSON.stringify(byName['AWSLambdaExecute']?.document)).toContain('logs:*')
    expect(byName['cargo-cross-account']).toMatchObject({ kind: 'customer-managed', arn: seeded.policyArn })

    // The cross-account policy, with its versions counted.
    expect(state.iam.crossAccountPolicy).toEqual({
      name: 'cargo-cross-account',
      arn: `arn:aws:iam::${ACCOUNT_ID}:policy/cargo-cross-account`,
      defaultVersionId: 'v1',
      versionCount: 1,
      document: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'CrossAccountPolicy', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }]
      }
    })

    // The Lambda user: policies by ARN/name, the customer-managed/inline document only, keys without ids.
    const user = state.iam.lambdaUser
    expect(user?.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:user/cargo_lambda`)
    expect(user?.policies).toEqual([
      { name: 'AWSLambda_FullAccess', arn: 'arn:aws:iam::aws:policy/AWSLambda_FullAccess', kind: 'aws-managed' },
      {
        name: 'pass-cargo-role',
        kind: 'inline',
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: seeded.roleArn }] }
      }
    ])
    expect(user?.accessKeys).toHaveLength(1)
    const key = user?.accessKeys[0]
    expect(key).toMatchObject({ status: 'Active', lastUsedAt: null, lastUsedService: null })
    expect(Object.keys(key ?? {}).sort()).toEqual(['ageDays', 'createdAt', 'lastUsedAt', 'lastUsedService', 'status'])
    const created = new Date(key?.createdAt ?? '')
    expect(key?.ageDays).toBe(Math.max(0, Math.floor((NOW.getTime() - created.getTime()) / 86_400_000)))

    // Redshift: workgroup and namespace facts, iamRoles parsed.
    expect(state.redshift).toEqual({
      deployment: 'serverless',
      name: 'cargo-wg',
      namespaceName: 'cargo-ns',
      status: 'AVAILABLE',
      publiclyAccessible: true,
      endpoint: { address: `cargo-wg.${ACCOUNT_ID}.eu-west-1.redshift-serverless.amazonaws.com`, port: 5439 },
      securityGroupIds: [seeded.securityGroupId],
      iamRoles: [
        { arn: seeded.otherRoleArn, applyStatus: 'in-sync' },
        { arn: seeded.roleArn, applyStatus: 'in-sync' }
      ],
      defaultIamRoleArn: seeded.otherRoleArn,
      dbName: 'dev'
    })

    // Security groups normalized: '-1' is all traffic, with no ports.
    expect(state.network.securityGroups).toEqual([
      {
        id: seeded.securityGroupId,
        name: 'redshift-cargo',
        vpcId: seeded.vpcId,
        ingress: [
          { protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: ['10.20.0.0/16'], ipv6Cidrs: [] },
          { protocol: '-1', cidrs: CARGO_IPS, ipv6Cidrs: [] }
        ]
      }
    ])

    // SQL through the Data API, against the workgroup, in the namespace's database.
    expect(state.sql).toEqual({
      database: { name: 'cargo_db', exists: true },
      user: { name: 'cargo_user', exists: true, superuser: false },
      databasePrivileges: ['CREATE', 'TEMP'],
      functionRole: {
        name: 'cargo_create_replace_function',
        exists: true,
        systemPrivileges: ['CREATE OR REPLACE FUNCTION'],
        grantedToUser: true,
        userPrivilegeVia: 'cargo_create_replace_function'
      },
      exfuncUsage: true,
      externalFunction: { allowed: true, via: EXTERNAL_FUNCTION_ROLE },
      sourceSchemas: [
        {
          database: 'sales',
          schema: 'crm',
          exists: true,
          usage: true,
          tables: [
            { name: 'accounts', select: true, kind: 'table', owner: 'admin' },
            { name: 'contacts', select: true, kind: 'table', owner: 'admin' }
          ],
          defaultSelect: true,
          futureTableOwners: [{ name: 'admin', covered: true }],
          uncoveredOwners: []
        }
      ]
    })
    const executes = em.data.log.filter((c) => c.operation === 'ExecuteStatement')
    expect(executes.length).toBeGreaterThan(0)
    // The statements run side by side (dev: identities and grants; cargo_db: exfunc; source databases): any order.
    for (const execute of executes) expect(execute.input).toMatchObject({ WorkgroupName: 'cargo-wg' })
    expect(executes.map((e) => e.input['Database'])).toContain('dev')

    // Each lookup by name, once; nothing account-wide.
    expect(stats.count('redshift-serverless', 'GetWorkgroup')).toBe(1)
    expect(stats.count('redshift-serverless', 'GetNamespace')).toBe(1)
    expect(stats.count('iam', 'GetRole')).toBe(1)
    expect(stats.count('iam', 'GetUser')).toBe(1)
    expect(stats.count('ec2', 'DescribeSecurityGroups')).toBe(1)
    expect(stats.count('sts', 'GetCallerIdentity')).toBe(1)
    // The cross-account policy is attached to the role: its document is read once for both.
    expect(stats.count('iam', 'GetPolicyVersion')).toBe(3)
    for (const listing of ['iam:ListPolicies', 'iam:ListRoles', 'iam:ListUsers', 'redshift:DescribeClusters']) {
      expect(stats.byOperation[listing], listing).toBeUndefined()
    }
    expect(em.serverless.calls.map((c) => c.operation).sort()).toEqual(['GetNamespace', 'GetWorkgroup'])
    expect(stats.total).toBe(Object.values(stats.byOperation).reduce((a, b) => a + b, 0))
  })

  it('never puts an access key id in the state, not even a suffix', async () => {
    const seeded = await seedCompliantServerless(em)
    const { iam } = seedClients(em)
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: seeded.names.lambdaUser }))
    iam.destroy()
    const keyId = keys.AccessKeyMetadata?.[0]?.AccessKeyId ?? ''
    expect(keyId).toMatch(/^AKIA/)
    const { state } = await collect(seeded.params)
    const text = JSON.stringify(state)
    expect(text).not.toContain(keyId)
    expect(text).not.toContain(keyId.slice(-6))
    expect(text).not.toContain(keyId.slice(0, 10))
  })

  it.each(['status-first', 'arn-first', 'plain'] as const)('parses namespace iamRoles spelled %s', async (format) => {
    const seeded = await seedCompliantServerless(em, { iamRoleFormat: format })
    const { state } = await collect(seeded.params, (p) => p.startsWith('/redshift'))
    const expected = format === 'plain' ? [{ arn: seeded.otherRoleArn }, { arn: seeded.roleArn }] : [
      { arn: seeded.otherRoleArn, applyStatus: 'in-sync' },
      { arn: seeded.roleArn, applyStatus: 'in-sync' }
    ]
    expect(state.redshift?.iamRoles).toEqual(expected)
  })

  it('parses both field orders and plain ARNs in one namespace', async () => {
    const seeded = await seedCompliantServerless(em)
    em.serverless.seedNamespace({
      namespaceName: 'cargo-ns',
      verbatim: true,
      iamRoles: [
        `IamRole(applyStatus=in-sync, iamRoleArn=${seeded.roleArn})`,
        `IamRole(iamRoleArn=${seeded.otherRoleArn}, applyStatus=adding)`,
        'arn:aws:iam::123456789012:role/service-role/plain'
      ]
    })
    const { state } = await collect(seeded.params, (p) => p.startsWith('/redshift'))
    expect(state.redshift?.iamRoles).toEqual([
      { arn: seeded.roleArn, applyStatus: 'in-sync' },
      { arn: seeded.otherRoleArn, applyStatus: 'adding' },
      { arn: 'arn:aws:iam::123456789012:role/service-role/plain' }
    ])
  })
})

describe('compliant provisioned cluster', () => {
  it('collects the cluster from moto and runs SQL against it', async () => {
    const seeded = await seedCompliantProvisioned(em)
    const { state, stats } = await collect(seeded.params)
    expect(state.unavailable).toEqual([])
    expect(state.source.deployment).toBe('provisioned')
    expect(state.redshift).toMatchObject({
      deployment: 'provisioned',
      name: 'cargo-cluster',
      publiclyAccessible: true,
      securityGroupIds: [seeded.securityGroupId],
      iamRoles: [
        { arn: seeded.otherRoleArn, applyStatus: 'in-sync' },
        { arn: seeded.roleArn, applyStatus: 'in-sync' }
      ],
      dbName: 'dev'
    })
    expect(state.redshift?.endpoint?.port).toBe(5439)
    expect(state.network.securityGroups?.[0]?.ingress.some((r) => r.protocol === '-1' && r.cidrs.includes(CARGO_IPS[0] as string))).toBe(true)
    expect(state.iam.role?.arn).toBe(seeded.roleArn)
    expect(state.iam.crossAccountPolicy?.arn).toBe(seeded.policyArn)
    expect(state.sql?.database).toEqual({ name: 'cargo_db', exists: true })
    expect(state.sql?.exfuncUsage).toBe(true)
    // Statements run in parallel (account-wide in 'dev', per source database elsewhere): order is not fixed.
    const executes = em.data.log.filter((c) => c.operation === 'ExecuteStatement')
    expect(executes.length).toBeGreaterThan(0)
    for (const execute of executes) {
      expect(execute.input).toMatchObject({ ClusterIdentifier: 'cargo-cluster' })
      expect(execute.input['WorkgroupName']).toBeUndefined()
    }
    expect(executes.map((e) => e.input['Database'])).toContain('dev')
    expect(stats.count('redshift', 'DescribeClusters')).toBe(1)
    expect(stats.count('redshift-serverless')).toBe(0)
  })

  it('marks a missing cluster null, and its security groups and SQL unavailable', async () => {
    const seeded = await seedCompliantProvisioned(em, { noRedshift: true })
    const { state } = await collect(seeded.params)
    expect(state.redshift).toBeNull()
    expect(pointers(state)).toEqual(['/network/securityGroups', '/sql'])
    expect(state.unavailable[1]?.cause.message).toMatch(/cluster 'cargo-cluster' was not found/)
  })
})

describe('drift and missing resources', () => {
  it('reports a missing role as null, and still finds the named policy through STS', async () => {
    const seeded = await seedCompliantServerless(em, { noRole: true })
    const { state, stats } = await collect(seeded.params)
    expect(state.iam.role).toBeNull()
    expect(pointers(state)).toEqual([])
    // Not attached anywhere, but named: built from the account id STS gave, read by ARN.
    expect(state.iam.crossAccountPolicy?.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:policy/cargo-cross-account`)
    expect(stats.byOperation['iam:ListPolicies']).toBeUndefined()
  })

  it('reports a missing workgroup as null; SQL and security groups cannot run, and say why', async () => {
    const seeded = await seedCompliantServerless(em, { noRedshift: true })
    const { state } = await collect(seeded.params)
    expect(state.redshift).toBeNull()
    expect(state.sql).toBeUndefined()
    expect(state.network.securityGroups).toBeUndefined()
    expect(pointers(state)).toEqual(['/network/securityGroups', '/sql'])
    for (const u of state.unavailable) {
      expect(u.cause).toMatchObject({ service: 'redshift-serverless', operation: 'GetWorkgroup', code: 'ResourceNotFoundException' })
      expect(u.cause.message).toMatch(/workgroup 'cargo-wg' was not found/)
    }
    expect(em.data.log.filter((c) => c.operation === 'ExecuteStatement')).toHaveLength(0)
  })

  it('with data-api-database set, runs SQL alongside GetWorkgroup and keeps it only if the workgroup exists', async () => {
    const seeded = await seedCompliantServerless(em)
    const params = paramsFor(seeded.names, 'serverless', { 'data-api-database': 'cargo_db' })
    const ok = await collect(params)
    expect(ok.state.unavailable).toEqual([])
    expect(ok.state.sql?.exfuncUsage).toBe(true)
    const databases = em.data.log.filter((c) => c.operation === 'ExecuteStatement').map((c) => c.input['Database'])
    expect(databases).toContain('cargo_db')
    expect(databases).not.toContain('dev')

    await em.reset()
    const missing = await seedCompliantServerless(em, { noRedshift: true })
    const { state } = await collect(paramsFor(missing.names, 'serverless', { 'data-api-database': 'cargo_db' }))
    expect(state.sql).toBeUndefined()
    expect(state.unavailable.find((u) => u.pointer === '/sql')?.cause.message).toMatch(/workgroup 'cargo-wg' was not found/)
  })

  it('finds a named policy under a path through the role, without listing the account', async () => {
    const seeded = await seedCompliantServerless(em, { crossAccountPolicy: 'under-path' })
    const { state, stats } = await collect(seeded.params)
    expect(state.iam.crossAccountPolicy?.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:policy/cargo/cargo-cross-account`)
    expect(stats.byOperation['iam:ListPolicies']).toBeUndefined()
  })

  it('falls back to ListPolicies Scope=Local only when the named policy is not at its default ARN', async () => {
    const seeded = await seedCompliantServerless(em, { crossAccountPolicy: 'not-attached' })
    const { iam } = seedClients(em)
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'cargo-elsewhere',
        Path: '/team/',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }] })
      })
    )
    iam.destroy()
    const params = paramsFor(seeded.names, 'serverless', { 'policy-name': 'cargo-elsewhere' })
    const { state, stats } = await collect(params, (p) => p.startsWith('/iam/crossAccountPolicy'))
    expect(state.iam.crossAccountPolicy?.arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:policy/team/cargo-elsewhere`)
    expect(stats.count('iam', 'ListPolicies')).toBeGreaterThanOrEqual(1)

    const absent = paramsFor(seeded.names, 'serverless', { 'policy-name': 'no-such-policy' })
    const none = await collect(absent, (p) => p.startsWith('/iam/crossAccountPolicy'))
    expect(none.state.iam.crossAccountPolicy).toBeNull()
    expect(none.state.unavailable).toEqual([])
  })

  it('without policy-name, recognises the policy by what it allows (the IAM evaluator)', async () => {
    const seeded = await seedCompliantServerless(em)
    const params = paramsFor(seeded.names, 'serverless', { 'policy-name': '' })
    expect(params.target.policyName).toBeUndefined()
    const { state } = await collect(params)
    expect(state.iam.crossAccountPolicy?.arn).toBe(seeded.policyArn)

    await em.reset()
    const wrong = await seedCompliantServerless(em, { crossAccountPolicy: 'wrong-resource' })
    const other = await collect(paramsFor(wrong.names, 'serverless', { 'policy-name': '' }))
    expect(other.state.iam.crossAccountPolicy).toBeNull()
    expect(other.state.unavailable).toEqual([])
  })

  it('without role-name, finds the role among those associated with the namespace', async () => {
    const seeded = await seedCompliantServerless(em)
    const params = paramsFor(seeded.names, 'serverless', { 'role-name': '' })
    expect(params.target.roleName).toBeUndefined()
    const { state } = await collect(params)
    expect(state.iam.role?.arn).toBe(seeded.roleArn)
    expect(state.iam.crossAccountPolicy?.arn).toBe(seeded.policyArn)
    // Found, not looked up by name: the role's own name is what the state shows.
    expect(state.subject?.roleName).toBeUndefined()
  })

  it('reports a missing Lambda user as null', async () => {
    const seeded = await seedCompliantServerless(em, { lambdaUser: 'missing' })
    const { state } = await collect(seeded.params)
    expect(state.iam.lambdaUser).toBeNull()
    expect(state.unavailable).toEqual([])
  })

  it('collects only what the rules need', async () => {
    const seeded = await seedCompliantServerless(em)
    const { state, stats } = await collect(seeded.params, (p) => p === '/iam' || p.startsWith('/iam/lambdaUser'))
    expect(state.iam.lambdaUser?.name).toBe('cargo_lambda')
    expect(state.iam.role).toBeUndefined()
    expect(state.redshift).toBeUndefined()
    expect(state.sql).toBeUndefined()
    // Only what was read is recorded: judged later, the parts never read are error, not drift.
    expect(state.subject).toEqual({ lambdaUser: 'cargo_lambda' })
    expect(Object.keys(stats.byOperation).filter((k) => !k.startsWith('iam:') && k !== 'sts:GetCallerIdentity')).toEqual([])
    expect(stats.count('iam', 'GetRole')).toBe(0)
  })
})

// Speed itself is measured by `npm run bench`, not asserted here; this pins the behaviour behind it.
describe('parallel reads', () => {
  it('runs independent reads side by side and each dependent read once', async () => {
    const seeded = await seedCompliantServerless(em)
    // A slow Redshift endpoint leaves time for everything independent to be in flight together.
    em.serverless.inject({ latencyMs: 200 })
    const { state, stats } = await collect(seeded.params)
    expect(state.unavailable).toEqual([])
    expect(stats.count('redshift-serverless')).toBe(2)
    expect(stats.peakInFlight).toBeGreaterThanOrEqual(4)
  })
})

describe('failures', () => {
  it('access denied on GetNamespace: exactly the namespace facts are unavailable, naming the action', async () => {
    const seeded = await seedCompliantServerless(em)
    em.serverless.inject({ operation: 'GetNamespace', error: 'AccessDeniedException' })
    const { state } = await collect(seeded.params)
    expect(pointers(state)).toEqual(['/redshift/dbName', '/redshift/defaultIamRoleArn', '/redshift/iamRoles'])
    for (const u of state.unavailable) {
      expect(u.cause).toMatchObject({
        service: 'redshift-serverless',
        operation: 'GetNamespace',
        iamAction: 'redshift-serverless:GetNamespace'
      })
    }
    // The workgroup facts, security groups and SQL (in the default database) are still there.
    expect(state.redshift?.publiclyAccessible).toBe(true)
    expect(state.network.securityGroups).toHaveLength(1)
    expect(state.sql?.database?.exists).toBe(true)
  })

  it('access denied on GetWorkgroup: Redshift, its security groups and SQL are unavailable', async () => {
    const seeded = await seedCompliantServerless(em)
    em.serverless.inject({ operation: 'GetWorkgroup', error: 'AccessDeniedException' })
    const { state } = await collect(seeded.params)
    expect(pointers(state)).toEqual(['/network/securityGroups', '/redshift', '/sql'])
    expect(state.unavailable.every((u) => u.cause.iamAction === 'redshift-serverless:GetWorkgroup')).toBe(true)
    expect(state.iam.role?.arn).toBe(seeded.roleArn)
  })

  it('rides out throttling with the SDK retry', async () => {
    const seeded = await seedCompliantServerless(em)
    em.serverless.inject({ operation: 'GetWorkgroup', error: 'ThrottlingException', times: 2 })
    const { state, stats } = await collect(seeded.params, (p) => p.startsWith('/redshift'))
    expect(state.unavailable).toEqual([])
    expect(state.redshift?.name).toBe('cargo-wg')
    expect(stats.count('redshift-serverless', 'GetWorkgroup')).toBe(1)
    expect(em.serverless.calls.filter((c) => c.operation === 'GetWorkgroup')).toHaveLength(3)
  })

  it('stops at the overall deadline and reports what was not read', async () => {
    const seeded = await seedCompliantServerless(em)
    em.serverless.inject({ operation: 'GetWorkgroup', latencyMs: 3000 })
    const started = Date.now()
    const { state } = await collect(seeded.params, ALL, { timeoutMs: 600 })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(state.unavailable.find((u) => u.pointer === '/redshift')?.cause.code).toBe('Timeout')
    expect(pointers(state)).toEqual(expect.arrayContaining(['/network/securityGroups', '/redshift', '/sql']))
  })

  it('access denied in IAM (moto enforcing IAM): exactly that pointer is unavailable, naming the action', async () => {
    const seeded = await seedCompliantServerless(em)
    const { state } = await asAuditorDenied('iam:ListAttachedUserPolicies', () => collect(seeded.params))
    expect(pointers(state)).toEqual(['/iam/lambdaUser/policies'])
    expect(state.unavailable[0]?.cause).toMatchObject({
      service: 'iam',
      operation: 'ListAttachedUserPolicies',
      iamAction: 'iam:ListAttachedUserPolicies'
    })
    expect(state.iam.lambdaUser?.accessKeys).toHaveLength(1)
    expect(state.iam.role?.arn).toBe(seeded.roleArn)
  })
})

describe('managed prefix lists in security group rules', () => {
  /** A prefix list holding `cidrs`, admitted on the endpoint's port by the seeded group. */
  async function admitPrefixList(seeded: Awaited<ReturnType<typeof seedCompliantServerless>>, cidrs: string[]): Promise<string> {
    const { ec2 } = seedClients(em)
    try {
      const list = await ec2.send(
        new CreateManagedPrefixListCommand({ PrefixListName: 'partners', AddressFamily: 'IPv4', MaxEntries: 5, Entries: cidrs.map((Cidr) => ({ Cidr })) })
      )
      const id = list.PrefixList?.PrefixListId ?? ''
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: seeded.securityGroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, PrefixListIds: [{ PrefixListId: id }] }]
        })
      )
      return id
    } finally {
      ec2.destroy()
    }
  }

  it('reads the entries of a prefix list a rule admits, so 0.0.0.0/0 behind it is seen', async () => {
    const seeded = await seedCompliantServerless(em)
    const id = await admitPrefixList(seeded, ['0.0.0.0/0'])
    const { state, stats } = await collect(seeded.params)
    expect(state.unavailable).toEqual([])
    const rule = state.network.securityGroups![0]!.ingress.find((r) => r.prefixListIds?.includes(id))
    expect(rule).toMatchObject({ prefixListIds: [id], prefixListCidrs: ['0.0.0.0/0'] })
    expect(stats.byOperation['ec2:GetManagedPrefixListEntries']).toBe(1)
    const narrow = evaluate({ ruleSet: loadRuleSet([]), state, params: seeded.params, now: NOW }).find((f) => f.ruleId === 'network-cargo-ingress-narrow')
    expect(narrow?.status).toBe('fail')
    expect(narrow?.message).toContain(`prefix list ${id} (0.0.0.0/0)`)
  })

  it('admits Cargo through a prefix list holding its CIDR', async () => {
    const seeded = await seedCompliantServerless(em, { ingress: 'none' })
    await admitPrefixList(seeded, [CARGO_IPS[0]!])
    const { state } = await collect(seeded.params)
    const findings = evaluate({ ruleSet: loadRuleSet([]), state, params: seeded.params, now: NOW })
    expect(findings.find((f) => f.ruleId === 'network-cargo-ip-inbound')?.status).toBe('pass')
  })

  it('a prefix list that cannot be read makes the groups unavailable, naming the action (moto enforcing IAM)', async () => {
    const seeded = await seedCompliantServerless(em)
    await admitPrefixList(seeded, ['0.0.0.0/0'])
    const { state } = await asAuditorDenied('ec2:GetManagedPrefixListEntries', () => collect(seeded.params))
    expect(pointers(state)).toEqual(['/network/securityGroups'])
    expect(state.unavailable[0]?.cause).toMatchObject({ operation: 'GetManagedPrefixListEntries', iamAction: 'ec2:GetManagedPrefixListEntries' })
    const findings = evaluate({ ruleSet: loadRuleSet([]), state, params: seeded.params, now: NOW })
    for (const id of ['network-cargo-ip-inbound', 'network-cargo-ingress-narrow']) expect(findings.find((f) => f.ruleId === id)?.status, id).toBe('error')
  })

  it('makes no prefix-list call when no rule names one', async () => {
    const seeded = await seedCompliantServerless(em)
    const { stats } = await collect(seeded.params)
    expect(stats.byOperation['ec2:GetManagedPrefixListEntries']).toBeUndefined()
  })
})

describe('building blocks', () => {
  it('parses iamRoles entries, keeping ARNs that hold commas or equals signs', () => {
    expect(parseIamRoleEntry('IamRole(applyStatus=in-sync, iamRoleArn=arn:aws:iam::1:role/a)')).toEqual({
      arn: 'arn:aws:iam::1:role/a',
      applyStatus: 'in-sync'
    })
    expect(parseIamRoleEntry('IamRole(iamRoleArn=arn:aws:iam::1:role/a,b=c, applyStatus=removing)')).toEqual({
      arn: 'arn:aws:iam::1:role/a,b=c',
      applyStatus: 'removing'
    })
    expect(parseIamRoleEntry(' arn:aws:iam::1:role/x ')).toEqual({ arn: 'arn:aws:iam::1:role/x' })
    expect(parseIamRoleEntry('IamRole(iamRoleArn=arn:aws:iam::1:role/x)')).toEqual({ arn: 'arn:aws:iam::1:role/x' })
    expect(parseIamRoleEntry('garbage')).toBeUndefined()
  })

  it('normalizes ingress: all traffic has no ports, -1 ports mean all', () => {
    expect(ingressRule({ IpProtocol: '-1', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '1.2.3.4/32' }] })).toEqual({
      protocol: '-1',
      cidrs: ['1.2.3.4/32'],
      ipv6Cidrs: []
    })
    expect(
      ingressRule({
        IpProtocol: 'tcp',
        FromPort: 5439,
        ToPort: 5439,
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
        UserIdGroupPairs: [{ GroupId: 'sg-1' }],
        PrefixListIds: [{ PrefixListId: 'pl-1' }]
      })
    ).toEqual({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: ['::/0'], prefixListIds: ['pl-1'], referencedGroupIds: ['sg-1'] })
    expect(ingressRule({ IpProtocol: 'udp', FromPort: -1, ToPort: -1 })).toEqual({ protocol: 'udp', cidrs: [], ipv6Cidrs: [] })
  })

  it('derives the partition from the region', () => {
    expect(partitionOfRegion('eu-west-1')).toBe('aws')
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn')
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov')
  })

  it('the serverless fake enforces the service rules remediation must respect', async () => {
    await seedCompliantServerless(em)
    const client = new RedshiftServerlessClient({ region: em.region, maxAttempts: 1 })
    try {
      await expect(
        client.send(new UpdateNamespaceCommand({ namespaceName: 'cargo-ns', iamRoles: [CARGO_ROLE_ARN] }))
      ).rejects.toMatchObject({ name: 'ValidationException' })
      await expect(
        client.send(new UpdateWorkgroupCommand({ workgroupName: 'cargo-wg', publiclyAccessible: true, port: 5440 }))
      ).rejects.toMatchObject({ name: 'ValidationException', message: "Can't update multiple configurations at the same time for workgroup" })
      const roles = em.serverless.namespaceRoles('cargo-ns') ?? []
      const extra = `arn:aws:iam::${ACCOUNT_ID}:role/extra`
      const updated = await client.send(
        new UpdateNamespaceCommand({ namespaceName: 'cargo-ns', iamRoles: [...roles, extra], defaultIamRoleArn: roles[0] ?? extra })
      )
      expect(updated.namespace?.status).toBe('MODIFYING')
      await expect(
        client.send(new UpdateNamespaceCommand({ namespaceName: 'cargo-ns', iamRoles: [extra], defaultIamRoleArn: extra }))
      ).rejects.toMatchObject({ name: 'ConflictException' })
      const statuses: string[] = []
      for (let i = 0; i < 3; i++) {
        const out = await client.send(new GetNamespaceCommand({ namespaceName: 'cargo-ns' }))
        statuses.push(out.namespace?.status ?? '')
      }
      expect(statuses).toEqual(['MODIFYING', 'MODIFYING', 'AVAILABLE'])
      expect(em.serverless.namespaceRoles('cargo-ns')).toEqual([...roles, extra])
      await expect(client.send(new GetNamespaceCommand({ namespaceName: 'nope' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException'
      })
    } finally {
      client.destroy()
    }
  })
})
