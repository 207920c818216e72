/**
 * policies/permissions/audit.json is sufficient, and each of its actions is necessary: with moto
 * enforcing IAM for the caller (an IAM user with exactly that policy attached), an audit of a
 * compliant account passes every rule; with one action taken out, exactly the rules that need it
 * become `error` naming that action (and the rules that require those are `skipped`), never `pass`.
 *
 * moto enforces IAM for the services it serves (IAM, EC2, Redshift; sts:GetCallerIdentity is
 * always allowed, as in AWS). The Redshift Serverless and Data API fakes do not check
 * credentials, so their actions are denied through the fakes' injection hooks instead.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CreateClusterCommand } from '@aws-sdk/client-redshift'
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DetachUserPolicyCommand,
  PutRolePolicyCommand
} from '@aws-sdk/client-iam'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import type { RawInputs } from '../../src/config/parameters.js'
import type { Finding } from '../../src/evaluate/types.js'
import { audit } from '../../src/run.js'
import { ACCOUNT_ID, applyEnv, awsEnv, startEmulators, type Emulators } from '../support/emulators.js'
import { CARGO_ROLE_ARN, cargoInputs, rawInputs } from '../support/inputs.js'
import { seedClients, seedCompliantServerless, type Seeded } from '../support/seed.js'

const ROOT = join(import.meta.dirname, '../..')

interface PolicyStatement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: string
}
const AUDIT_POLICY = JSON.parse(readFileSync(join(ROOT, 'policies/permissions/audit.json'), 'utf8')) as {
  Version: string
  Statement: PolicyStatement[]
}
const AUDIT_ACTIONS = AUDIT_POLICY.Statement.flatMap((s) => s.Action)

/** audit.json without one action. */
function policyWithout(action: string | undefined): string {
  return JSON.stringify({
    ...AUDIT_POLICY,
    Statement: AUDIT_POLICY.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== action) })).filter((s) => s.Action.length > 0)
  })
}

let em: Emulators
let seeded: Seeded
let auditorKey: { accessKeyId: string; secretAccessKey: string }
let attached: string | undefined
let policies = 0
/** Every rule id with the ids it requires (from the built-in rule set). */
let requires: Map<string, string[]>

const CLUSTER = 'cargo-cluster'
/** A customer-managed policy under a path and attached to nothing: only ListPolicies finds it by name. */
const ELSEWHERE = 'cargo-elsewhere'

beforeAll(async () => {
  em = await startEmulators()
  await em.reset()
  seeded = await seedCompliantServerless(em)
  const { iam, redshift } = seedClients(em)
  try {
    // An inline policy on the role, so that reading the role needs iam:GetRolePolicy too.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: seeded.names.roleName,
        PolicyName: 'cargo-unload-logs',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }]
        })
      })
    )
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: ELSEWHERE,
        Path: '/team/',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }]
        })
      })
    )
    // The same setup as a provisioned cluster too (moto), for redshift:DescribeClusters.
    await redshift.send(
      new CreateClusterCommand({
        ClusterIdentifier: CLUSTER,
        NodeType: 'ra3.xlplus',
        ClusterType: 'single-node',
        MasterUsername: 'admin',
        MasterUserPassword: 'Example-Passw0rd',
        DBName: 'dev',
        Port: 5439,
        PubliclyAccessible: true,
        VpcSecurityGroupIds: [seeded.securityGroupId],
        IamRoles: [seeded.otherRoleArn, seeded.roleArn]
      })
    )
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }))
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))
    auditorKey = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' }
  } finally {
    iam.destroy()
    redshift.destroy()
  }
  requires = new Map(loadConfig(inputs()).ruleSet.rules.map((r) => [r.id, r.requires ?? []]))
})

afterAll(async () => {
  await em?.close()
})

afterEach(async () => {
  em.dataFault = undefined
  em.serverless.clearFaults()
  await em.moto.enforceIam(false)
})

/** Attaches audit.json (without `action`) to the auditor, as its only policy. */
async function grantAuditPolicy(action?: string): Promise<void> {
  await em.moto.enforceIam(false)
  const { iam } = seedClients(em)
  try {
    const out = await iam.send(new CreatePolicyCommand({ PolicyName: `audit-${++policies}`, PolicyDocument: policyWithout(action) }))
    const arn = out.Policy?.Arn ?? ''
    await iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: arn }))
    if (attached) await iam.send(new DetachUserPolicyCommand({ UserName: 'auditor', PolicyArn: attached }))
    attached = arn
  } finally {
    iam.destroy()
  }
}

/** The seeded serverless account's inputs; a `cluster-identifier` in `extra` audits the cluster instead. */
function inputs(extra: Record<string, string> = {}): RawInputs {
  return rawInputs(cargoInputs(seeded.names, extra['cluster-identifier'] ? 'provisioned' : 'serverless', extra))
}

/** A full audit signed with the auditor's key, moto enforcing IAM. */
async function auditAsAuditor(extra: Record<string, string> = {}): Promise<Finding[]> {
  const restore = applyEnv(awsEnv(em, auditorKey))
  await em.moto.enforceIam(true)
  try {
    return (await audit(loadConfig(inputs(extra)))).findings
  } finally {
    await em.moto.enforceIam(false)
    restore()
  }
}

const statuses = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.ruleId, f.status]))

/**
 * The verdicts when exactly `errored` could not be checked: those `error`, every rule that
 * requires one of them (directly or not) `skipped`, everything else `pass`.
 */
function expectedVerdicts(errored: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  const verdict = (id: string): string => {
    const known = out[id]
    if (known) return known
    if (errored.includes(id)) return (out[id] = 'error')
    const blocked = (requires.get(id) ?? []).some((r) => verdict(r) !== 'pass')
    return (out[id] = blocked ? 'skipped' : 'pass')
  }
  for (const id of requires.keys()) verdict(id)
  return out
}

function expectDenied(findings: Finding[], action: string, errored: string[]): void {
  expect(statuses(findings)).toEqual(expectedVerdicts(errored))
  for (const f of findings.filter((x) => x.status === 'error')) {
    expect(f.cause?.iamAction, `${f.ruleId}: ${f.message}`).toBe(action)
    expect(f.message).toContain(action)
  }
}

const ROLE_RULES = ['iam-role-exists', 'iam-role-trusts-redshift', 'iam-role-trusts-lambda', 'iam-role-cross-account-attached', 'iam-role-lambda-policies']
const SQL_RULES = ['sql-database', 'sql-user', 'sql-database-all', 'sql-function-role', 'sql-exfunc-usage', 'sql-external-function', 'sql-source-select', 'sql-source-default-privileges']

describe('audit.json', () => {
  it('is a plain least-privilege policy: one statement per service, read actions only, no wildcards', () => {
    expect(AUDIT_POLICY.Version).toBe('2012-10-17')
    const prefixes = AUDIT_POLICY.Statement.map((s) => new Set(s.Action.map((a) => a.split(':')[0])))
    for (const p of prefixes) expect(p.size).toBe(1)
    expect(new Set(prefixes.map((p) => [...p][0])).size).toBe(AUDIT_POLICY.Statement.length)
    expect(new Set(AUDIT_POLICY.Statement.map((s) => s.Sid)).size).toBe(AUDIT_POLICY.Statement.length)
    for (const s of AUDIT_POLICY.Statement) {
      expect(Object.keys(s).sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid'])
      expect(s.Effect).toBe('Allow')
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/)
    }
    expect(AUDIT_ACTIONS.filter((a) => a.includes('*'))).toEqual([])
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length)
    // Nothing that changes the account (the Data API statements are SELECTs; credentials are temporary).
    const writes = AUDIT_ACTIONS.filter((a) => !/:(Get|List|Describe)/.test(a))
    expect(writes.sort()).toEqual(['redshift-data:CancelStatement', 'redshift-data:ExecuteStatement'])
  })

  it('names every AWS operation the live collectors call', () => {
    const called = new Set<string>()
    const files = ['collect/aws/iam.ts', 'collect/aws/ec2.ts', 'collect/aws/sts.ts', 'collect/aws/redshift-serverless.ts', 'collect/aws/redshift-provisioned.ts', 'collect/aws/sql.ts', 'aws/data-api.ts', 'aws/iam.ts']
    for (const file of files) {
      const text = readFileSync(join(ROOT, 'src', file), 'utf8')
      const service = /const SERVICE = '([a-z-]+)'/.exec(text)?.[1]
      for (const m of text.matchAll(/call\(\s*(?:'([a-z0-9-]+)'|SERVICE),\s*(?:'([A-Za-z]+)'|operation)/g)) {
        if (m[2]) called.add(`${m[1] ?? service}:${m[2]}`)
      }
      // runSql's DescribeStatement / GetStatementResult go through a variable.
      for (const m of text.matchAll(/operation = '([A-Za-z]+)'/g)) called.add(`${service}:${m[1]}`)
    }
    expect(called.size).toBeGreaterThan(20)
    const missing = [...called].filter((a) => !AUDIT_ACTIONS.includes(a))
    expect(missing).toEqual([])
  })
})

describe('with moto enforcing IAM for an auditor holding exactly audit.json', () => {
  it('a compliant serverless account: every rule passes', async () => {
    await grantAuditPolicy()
    const findings = await auditAsAuditor()
    expect(findings.filter((f) => f.status !== 'pass').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([])
    expect(findings).toHaveLength(22)
  })

  it('a compliant provisioned cluster: every rule passes', async () => {
    await grantAuditPolicy()
    const findings = await auditAsAuditor({ 'cluster-identifier': CLUSTER })
    expect(findings.filter((f) => f.status !== 'pass').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([])
  })

  it('a named policy found only by ListPolicies: every rule passes', async () => {
    await grantAuditPolicy()
    const findings = await auditAsAuditor({ 'policy-name': ELSEWHERE })
    expect(findings.filter((f) => f.status !== 'pass').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([])
  })

  interface Row {
    action: string
    /** The rules that need the action: they must be `error` naming it. */
    needs: string[]
    /**
     * Rules that turn `error` too although they do not need the action (see the note below);
     * listed so that the test still pins every verdict exactly.
     */
    overBroad?: string[]
    extra?: Record<string, string>
  }

  /*
   * overBroad: rules that turn `error` although they do not need the action. Rules declare what
   * they read (`reads` in the rule set), so none is expected; the field stays to pin any
   * regression to a named rule.
   */
  const ROWS: Row[] = [
    { action: 'iam:GetRole', needs: [...ROLE_RULES, 'redshift-role-associated'] },
    {
      action: 'iam:ListAttachedRolePolicies',
      needs: ['iam-role-cross-account-attached', 'iam-role-lambda-policies']
    },
    {
      action: 'iam:ListRolePolicies',
      needs: ['iam-role-cross-account-attached', 'iam-role-lambda-policies']
    },
    {
      action: 'iam:GetRolePolicy',
      needs: ['iam-role-cross-account-attached']
    },
    {
      action: 'iam:GetPolicy',
      needs: ['iam-cross-account-policy', 'iam-role-cross-account-attached']
    },
    {
      action: 'iam:GetPolicyVersion',
      needs: ['iam-cross-account-policy', 'iam-role-cross-account-attached']
    },
    // Only the plan needs the version count (a sixth version cannot be created); no rule judges it.
    { action: 'iam:ListPolicyVersions', needs: [] },
    { action: 'iam:ListPolicies', needs: ['iam-cross-account-policy'], extra: { 'policy-name': ELSEWHERE } },
    { action: 'iam:GetUser', needs: ['iam-lambda-user', 'iam-lambda-user-key', 'iam-lambda-user-key-age'] },
    { action: 'iam:ListAttachedUserPolicies', needs: ['iam-lambda-user'] },
    { action: 'iam:ListUserPolicies', needs: ['iam-lambda-user'] },
    { action: 'iam:GetUserPolicy', needs: [] },
    { action: 'iam:ListAccessKeys', needs: ['iam-lambda-user-key', 'iam-lambda-user-key-age'] },
    // No rule judges when a key was last used.
    {
      action: 'iam:GetAccessKeyLastUsed',
      needs: []
    },
    { action: 'ec2:DescribeSecurityGroups', needs: ['network-cargo-ip-inbound', 'network-cargo-ingress-narrow'] },
    // Read only for a rule that names a managed prefix list; the seeded groups name none (the
    // denial with one is in collect-aws.test.ts).
    { action: 'ec2:GetManagedPrefixListEntries', needs: [] },
    {
      action: 'redshift:DescribeClusters',
      needs: [
        'redshift-exists',
        'redshift-role-associated',
        'redshift-publicly-accessible',
        'network-cargo-ip-inbound',
        'network-cargo-ingress-narrow',
        ...SQL_RULES
      ],
      extra: { 'cluster-identifier': CLUSTER }
    }
  ]

  it('the table covers every IAM, EC2 and Redshift action of audit.json (moto enforces those)', () => {
    const enforced = AUDIT_ACTIONS.filter((a) => /^(iam|ec2):/.test(a) || a === 'redshift:DescribeClusters')
    expect(ROWS.map((r) => r.action).sort()).toEqual(enforced.sort())
  })

  it.each(ROWS)('without $action', async ({ action, needs, overBroad = [], extra }) => {
    await grantAuditPolicy(action)
    const findings = await auditAsAuditor(extra)
    expectDenied(findings, action, [...needs, ...overBroad])
    for (const id of needs) expect(statuses(findings)[id], id).toBe('error')
  })
})

describe('Redshift Serverless and Data API denials (the fakes inject them)', () => {
  const deniedBy = (action: string) =>
    `User: arn:aws:iam::${ACCOUNT_ID}:user/auditor is not authorized to perform: ${action} on resource: * because no identity-based policy allows the ${action} action`

  interface FakeRow {
    action: string
    needs: string[]
    overBroad?: string[]
    deny: () => void
    extra?: Record<string, string>
  }

  const dataDenial = (operation: string, action: string) => () => {
    em.dataFault = (call) => (call.operation === operation ? { error: 'AccessDeniedException', message: deniedBy(action) } : undefined)
  }

  const ROWS: FakeRow[] = [
    {
      action: 'redshift-serverless:GetWorkgroup',
      needs: ['redshift-exists', 'redshift-role-associated', 'redshift-publicly-accessible', 'network-cargo-ip-inbound', 'network-cargo-ingress-narrow', ...SQL_RULES],
      deny: () => void em.serverless.inject({ operation: 'GetWorkgroup', error: 'AccessDeniedException' })
    },
    {
      action: 'redshift-serverless:GetNamespace',
      needs: ['redshift-role-associated'],
      deny: () => void em.serverless.inject({ operation: 'GetNamespace', error: 'AccessDeniedException' })
    },
    { action: 'redshift-serverless:GetCredentials', needs: SQL_RULES, deny: dataDenial('ExecuteStatement', 'redshift-serverless:GetCredentials') },
    {
      action: 'redshift:GetClusterCredentialsWithIAM',
      needs: SQL_RULES,
      deny: dataDenial('ExecuteStatement', 'redshift:GetClusterCredentialsWithIAM'),
      extra: { 'cluster-identifier': CLUSTER }
    },
    {
      action: 'redshift:GetClusterCredentials',
      needs: SQL_RULES,
      deny: dataDenial('ExecuteStatement', 'redshift:GetClusterCredentials'),
      extra: { 'cluster-identifier': CLUSTER, 'data-api-db-user': 'admin' }
    },
    { action: 'redshift-data:ExecuteStatement', needs: SQL_RULES, deny: dataDenial('ExecuteStatement', 'redshift-data:ExecuteStatement') },
    { action: 'redshift-data:DescribeStatement', needs: SQL_RULES, deny: dataDenial('DescribeStatement', 'redshift-data:DescribeStatement') },
    { action: 'redshift-data:GetStatementResult', needs: SQL_RULES, deny: dataDenial('GetStatementResult', 'redshift-data:GetStatementResult') }
  ]

  it('the table covers every other action of audit.json but CancelStatement (only called at the timeout)', () => {
    const others = AUDIT_ACTIONS.filter((a) => /^(redshift-serverless|redshift-data|redshift):/.test(a) && a !== 'redshift:DescribeClusters')
    expect([...ROWS.map((r) => r.action), 'redshift-data:CancelStatement'].sort()).toEqual(others.sort())
  })

  it.each(ROWS)('denied $action', async ({ action, needs, overBroad = [], deny, extra }) => {
    await grantAuditPolicy()
    deny()
    const findings = await auditAsAuditor(extra)
    expectDenied(findings, action, [...needs, ...overBroad])
  })
})
