/**
 * End-to-end scenarios through the CLI (`main(argv, io)` with `--format json`) against the
 * emulators, every AWS call going through the proxy (test/support/aws-proxy.ts): compliant
 * accounts, each rule drifted alone, IAM policies judged by meaning, access denied per
 * operation, throttling; and once through the bundled action (dist/index.js) in live mode.
 *
 * One emulator set and one proxy for the file; every test starts from an empty account.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AttachRolePolicyCommand, CreatePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { loadConfig } from '../../src/config/load.js'
import { runDistActionLive } from '../action/run-dist.js'
import { accessDenied, throttled, type AwsProxy, type ProxyRequest } from '../support/aws-proxy.js'
import { applyEnv, startEmulatorProxy, startEmulators, type Emulators, type ServiceKey } from '../support/emulators.js'
import { CARGO_ROLE_ARN, cargoInputs, cliArgs, rawInputs } from '../support/inputs.js'
import { seedClients, seedCompliantProvisioned, seedCompliantServerless, type Drift, type Seeded } from '../support/seed.js'

interface ReportFinding {
  ruleId: string
  status: string
  message: string
  cause: { service: string; operation: string; iamAction?: string } | null
}
interface Report {
  reportVersion: number
  summary: Record<string, number>
  result: string
  findings: ReportFinding[]
}

let em: Emulators
let proxy: AwsProxy<ServiceKey>
let env: Record<string, string>
let restoreEnv: () => void
/** Every rule id with the ids it requires (the built-in rule set). */
let requires: Map<string, string[]>

beforeAll(async () => {
  em = await startEmulators()
  ;({ proxy, env } = await startEmulatorProxy(em))
  restoreEnv = applyEnv(env)
  const raw = rawInputs({ region: em.region, workgroup: 'cargo-wg' })
  requires = new Map(loadConfig(raw).ruleSet.rules.map((r) => [r.id, r.requires ?? []]))
})

afterAll(async () => {
  restoreEnv?.()
  await proxy?.close()
  await em?.close()
})

beforeEach(async () => {
  proxy.setHook(undefined)
  await em.reset()
  proxy.calls.length = 0
})

/** `cargo-redshift-guard audit <flags> --format json`, in this process. */
async function cli(seeded: Seeded, deployment: 'serverless' | 'provisioned' = 'serverless', extra: string[] = []) {
  const { code, stdout, stderr } = await runCli(['audit', ...cliArgs(cargoInputs(seeded.names, deployment)), '--format', 'json', ...extra])
  expect(stderr, stderr).toBe('')
  const report = JSON.parse(stdout) as Report
  expect(report.reportVersion).toBe(1)
  return { code, report, verdicts: Object.fromEntries(report.findings.map((f) => [f.ruleId, f.status])) as Record<string, string> }
}

/**
 * The verdicts when `judged` rules get the status given and nothing else goes wrong: every rule
 * requiring one of them (directly or not) `skipped`, every other rule `pass`.
 */
function expectedVerdicts(judged: Record<string, 'fail' | 'error'>): Record<string, string> {
  const out: Record<string, string> = {}
  const verdict = (id: string): string => {
    const known = out[id]
    if (known) return known
    const own = judged[id]
    if (own) return (out[id] = own)
    return (out[id] = (requires.get(id) ?? []).some((r) => verdict(r) !== 'pass') ? 'skipped' : 'pass')
  }
  for (const id of requires.keys()) verdict(id)
  return out
}

const allPass = () => expectedVerdicts({})

describe('compliant accounts', () => {
  it('Redshift Serverless: exit 0, every rule passes', async () => {
    const seeded = await seedCompliantServerless(em)
    const { code, report, verdicts } = await cli(seeded)
    expect(verdicts).toEqual(allPass())
    expect(report.result).toBe('clean')
    expect(code).toBe(0)
    // Every call went through the proxy, and it identified each one.
    expect(proxy.calls.length).toBeGreaterThan(20)
    expect(proxy.calls.filter((c) => c.operation === '')).toEqual([])
    expect(new Set(proxy.calls.map((c) => c.service))).toEqual(new Set(['iam', 'ec2', 'sts', 'redshift-serverless', 'redshift-data']))
  })

  it('provisioned cluster: exit 0, every rule passes', async () => {
    const seeded = await seedCompliantProvisioned(em)
    const { code, verdicts } = await cli(seeded, 'provisioned')
    expect(verdicts).toEqual(allPass())
    expect(code).toBe(0)
    expect(proxy.calls.some((c) => c.service === 'redshift' && c.operation === 'DescribeClusters')).toBe(true)
  })
})

describe('each rule drifted alone: that rule fails, the rules requiring it are skipped, every other rule passes', () => {
  interface Row {
    rule: string
    drift: Drift
    /** More setup after seeding, to keep the drift to this one rule. */
    then?: (seeded: Seeded) => Promise<void>
  }
  const ROWS: Row[] = [
    {
      rule: 'iam-cross-account-policy',
      drift: { crossAccountPolicy: 'missing' },
      // The role may still assume Cargo's role, through an inline policy: only the named policy is missing.
      then: async (seeded) => {
        const { iam } = seedClients(em)
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: seeded.names.roleName,
            PolicyName: 'inline-cross-account',
            PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }] })
          })
        )
        iam.destroy()
      }
    },
    { rule: 'iam-role-exists', drift: { noRole: true } },
    { rule: 'iam-role-trusts-redshift', drift: { trustServices: ['lambda.amazonaws.com'] } },
    { rule: 'iam-role-trusts-lambda', drift: { trustServices: ['redshift.amazonaws.com'] } },
    { rule: 'iam-role-cross-account-attached', drift: { crossAccountPolicy: 'not-attached' } },
    { rule: 'iam-role-lambda-policies', drift: { noLambdaPolicies: true } },
    { rule: 'redshift-role-associated', drift: { notAssociated: true } },
    { rule: 'redshift-publicly-accessible', drift: { notPubliclyAccessible: true } },
    { rule: 'network-cargo-ip-inbound', drift: { ingress: 'none' } },
    { rule: 'iam-lambda-user', drift: { lambdaUser: 'no-policy' } },
    { rule: 'iam-lambda-user-key', drift: { lambdaUser: 'no-key' } },
    { rule: 'sql-database', drift: { sqlSetup: 'no-database' } },
    { rule: 'sql-user', drift: { sql: (r, n) => r.admin(`ALTER USER ${n.dbUser} CREATEUSER`) } },
    { rule: 'sql-database-all', drift: { sql: (r, n) => r.admin(`REVOKE CREATE ON DATABASE ${n.database} FROM ${n.dbUser}`) } },
    { rule: 'sql-function-role', drift: { sql: (r, n) => r.admin(`REVOKE ROLE ${n.functionRole} FROM ${n.dbUser}`) } },
    {
      rule: 'sql-exfunc-usage',
      drift: { sql: (r, n) => r.admin(`REVOKE USAGE ON LANGUAGE exfunc FROM ${n.dbUser}`, { database: n.database }) }
    },
    {
      rule: 'sql-source-select',
      drift: {
        sql: (r, n) => {
          const [database = '', schema = ''] = n.sourceSchema.split('.')
          return r.admin(`REVOKE SELECT ON ${schema}.contacts FROM ${n.dbUser}`, { database })
        }
      }
    }
  ]

  it('the table has one row per rule of the catalogue that can drift alone', () => {
    const warnings = ['network-cargo-ingress-narrow', 'iam-lambda-user-key-age', 'sql-source-default-privileges', 'sql-external-function', 'redshift-exists']
    expect(ROWS.map((r) => r.rule).sort()).toEqual([...requires.keys()].filter((id) => !warnings.includes(id)).sort())
  })

  it.each(ROWS)('$rule', async ({ rule, drift, then }) => {
    const seeded = await seedCompliantServerless(em, drift)
    await then?.(seeded)
    const { code, report, verdicts } = await cli(seeded)
    expect(verdicts).toEqual(expectedVerdicts({ [rule]: 'fail' }))
    expect(report.findings.find((f) => f.ruleId === rule)?.cause ?? null).toBeNull()
    expect(code).toBe(1)
  })
})

describe('IAM policies judged by meaning, on the live account', () => {
  /** The compliant account, but with this cross-account policy (attached to the role) and, optionally, a role inline policy. */
  async function seedWithPolicy(document: unknown, roleInline?: unknown): Promise<Seeded> {
    const seeded = await seedCompliantServerless(em, { crossAccountPolicy: 'missing' })
    const { iam } = seedClients(em)
    try {
      const out = await iam.send(new CreatePolicyCommand({ PolicyName: seeded.names.policyName, PolicyDocument: JSON.stringify(document) }))
      await iam.send(new AttachRolePolicyCommand({ RoleName: seeded.names.roleName, PolicyArn: out.Policy?.Arn ?? '' }))
      if (roleInline) {
        await iam.send(
          new PutRolePolicyCommand({ RoleName: seeded.names.roleName, PolicyName: 'guardrail', PolicyDocument: JSON.stringify(roleInline) })
        )
      }
    } finally {
      iam.destroy()
    }
    return seeded
  }
  const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement })

  const ROWS: Array<{ name: string; policy: unknown; roleInline?: unknown; verdict: 'pass' | 'fail'; attached?: 'pass' | 'fail' }> = [
    { name: 'Action sts:*', policy: doc({ Effect: 'Allow', Action: 'sts:*', Resource: CARGO_ROLE_ARN }), verdict: 'pass' },
    { name: 'Action sts:Assume* in a list', policy: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'sts:Assume*'], Resource: CARGO_ROLE_ARN }), verdict: 'pass' },
    { name: 'Resource "*"', policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }), verdict: 'pass' },
    { name: 'NotAction iam:* on "*"', policy: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), verdict: 'pass' },
    { name: 'NotAction sts:*', policy: doc({ Effect: 'Allow', NotAction: 'sts:*', Resource: '*' }), verdict: 'fail' },
    { name: 'another role only', policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::999988887777:role/other' }), verdict: 'fail' },
    {
      name: 'a Deny statement in the same policy',
      policy: doc(
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN },
        { Effect: 'Deny', Action: 'sts:*', Resource: 'arn:aws:iam::999988887777:role/*' }
      ),
      verdict: 'fail'
    },
    {
      name: 'a Condition on the Allow',
      policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
      verdict: 'fail'
    },
    {
      name: 'a Deny in another policy of the role',
      policy: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: CARGO_ROLE_ARN }),
      roleInline: doc({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }),
      verdict: 'pass',
      attached: 'fail'
    }
  ]

  it.each(ROWS)('$name: the policy rule $verdict', async ({ policy, roleInline, verdict, attached = verdict }) => {
    const seeded = await seedWithPolicy(policy, roleInline)
    const { verdicts } = await cli(seeded)
    const judged: Record<string, 'fail'> = {}
    if (verdict === 'fail') judged['iam-cross-account-policy'] = 'fail'
    if (attached === 'fail') judged['iam-role-cross-account-attached'] = 'fail'
    expect(verdicts).toEqual(expectedVerdicts(judged))
  })
})

describe('access denied per operation (the proxy answers as AWS would): error naming the action, never pass', () => {
  const ROLE = ['iam-role-exists', 'iam-role-trusts-redshift', 'iam-role-trusts-lambda', 'iam-role-cross-account-attached', 'iam-role-lambda-policies']
  const NETWORK = ['network-cargo-ip-inbound', 'network-cargo-ingress-narrow']
  const SQL = ['sql-database', 'sql-user', 'sql-database-all', 'sql-function-role', 'sql-exfunc-usage', 'sql-external-function', 'sql-source-select', 'sql-source-default-privileges']
  const ROWS: Array<{ service: ServiceKey; operation: string; errors: string[] }> = [
    { service: 'iam', operation: 'GetRole', errors: [...ROLE, 'redshift-role-associated'] },
    { service: 'iam', operation: 'GetUser', errors: ['iam-lambda-user', 'iam-lambda-user-key', 'iam-lambda-user-key-age'] },
    { service: 'iam', operation: 'ListAttachedUserPolicies', errors: ['iam-lambda-user'] },
    { service: 'ec2', operation: 'DescribeSecurityGroups', errors: NETWORK },
    // Nothing needs the account id here (the named policy is attached to the role): still all pass.
    { service: 'sts', operation: 'GetCallerIdentity', errors: [] },
    {
      service: 'redshift-serverless',
      operation: 'GetWorkgroup',
      errors: ['redshift-exists', 'redshift-role-associated', 'redshift-publicly-accessible', ...NETWORK, ...SQL]
    },
    { service: 'redshift-data', operation: 'ExecuteStatement', errors: SQL },
    { service: 'redshift-data', operation: 'GetStatementResult', errors: SQL }
  ]

  it.each(ROWS)('$service:$operation', async ({ service, operation, errors }) => {
    const seeded = await seedCompliantServerless(em)
    proxy.setHook((req) => (req.service === service && req.operation === operation ? accessDenied(req) : undefined))
    const { code, report, verdicts } = await cli(seeded)
    expect(verdicts).toEqual(expectedVerdicts(Object.fromEntries(errors.map((id) => [id, 'error' as const]))))
    for (const f of report.findings.filter((x) => x.status === 'error')) {
      expect(f.cause, f.ruleId).toMatchObject({ service, operation, iamAction: `${service}:${operation}` })
      expect(f.message).toContain(`${service}:${operation}`)
    }
    expect(proxy.calls.some((c) => c.service === service && c.operation === operation && c.status !== undefined && c.status >= 400)).toBe(true)
    expect(code).toBe(errors.length > 0 ? 1 : 0)
  })
})

describe('throttling', () => {
  /*
   * The 1st, 6th, 11th... request of each service is throttled once, in its protocol's words. The
   * SDK retries (adaptive mode); after a throttle its client-side rate limiter spaces that
   * client's calls out, so this audit takes seconds instead of a fraction of one.
   */
  it('with a fifth of the calls throttled (Throttling, RequestLimitExceeded, ThrottlingException), the verdicts are right', async () => {
    const seeded = await seedCompliantServerless(em, { ingress: 'none' })
    const seen = new Map<string, number>()
    const throttledCalls: ProxyRequest[] = []
    proxy.setHook((req) => {
      if (req.attempt !== 1) return undefined
      const n = (seen.get(req.service) ?? 0) + 1
      seen.set(req.service, n)
      if (n % 5 !== 1) return undefined
      throttledCalls.push(req)
      return throttled(req)
    })
    const { code, verdicts } = await cli(seeded)
    expect(verdicts).toEqual(expectedVerdicts({ 'network-cargo-ip-inbound': 'fail' }))
    expect(code).toBe(1)
    expect(new Set(throttledCalls.map((c) => c.service))).toEqual(new Set(['iam', 'ec2', 'sts', 'redshift-serverless', 'redshift-data']))
    expect(new Set(throttledCalls.map((c) => c.protocol))).toEqual(new Set(['query', 'ec2', 'json']))
    // Each throttled call was retried and then answered.
    const retried = proxy.calls.filter((c) => (c.attempt ?? 1) > 1 && c.outcome === 'passed')
    expect(retried.length).toBe(throttledCalls.length)
  })
})

describe('the bundled action (dist/index.js) in live mode', () => {
  it('audits the emulated account and reports the one drift in outputs, annotations, summary and report', async () => {
    const seeded = await seedCompliantServerless(em, { notPubliclyAccessible: true })
    const run = await runDistActionLive(cargoInputs(seeded.names, 'serverless', { 'report-path': 'report.json' }), env)
    expect(run.status, run.stderr + run.stdout).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'drift', 'drift-count': '1', 'error-count': '0', 'pass-count': '21', 'report-path': 'report.json' })
    const annotated = run.commands.filter((c) => c.command === 'error' && c.properties['title'])
    expect(annotated.map((c) => c.properties['title']?.split(':')[0])).toEqual(['redshift-publicly-accessible'])
    expect(run.summary).toContain('redshift-publicly-accessible')
    const report = JSON.parse(readFileSync(join(run.dir, 'report.json'), 'utf8')) as Report
    expect(report.summary).toMatchObject({ total: 22, pass: 21, fail: 1, error: 0 })
    // It read the account through the emulators (by way of the proxy), not a state file.
    expect(proxy.calls.some((c) => c.service === 'redshift-serverless' && c.operation === 'GetWorkgroup')).toBe(true)
  })
})
