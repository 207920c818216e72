/**
 * SQL scenarios end to end: each one seeds the Redshift stand-in on a real PostgreSQL
 * (test/fakes/redshift-pg) with SQL as a person would type it, then runs the CLI (in this process)
 * and the bundled action (dist/index.js, a child process) against a serverless workgroup, and
 * checks every sql-* verdict. Only the SQL rules are enabled, so the scenarios read no IAM or EC2.
 * Then remediation on the same stand-in: plan -> apply -> audit clean, and a second apply changes nothing.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { loadConfig } from '../../src/config/load.js'
import { runDistActionLive } from '../action/run-dist.js'
import { startRedshiftStandIn, type RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'
import { startFakeRedshiftServerless, type FakeServerless } from '../fakes/redshift-serverless-server.js'
import { ACCOUNT_ID, REGION, applyEnv, awsEnv } from '../support/emulators.js'
import { DEFAULT_NAMES, cliArgs, rawInputs, type CargoNames } from '../support/inputs.js'
import { EXTERNAL_FUNCTION_ROLE, seedCompliantSql, seedGuideSql, seedSourceSql } from '../support/seed.js'

const SQL_RULES = [
  'sql-database',
  'sql-user',
  'sql-database-all',
  'sql-function-role',
  'sql-exfunc-usage',
  'sql-external-function',
  'sql-source-select',
  'sql-source-default-privileges'
] as const
type SqlRule = (typeof SQL_RULES)[number]
type Verdict = 'pass' | 'fail' | 'error' | 'skipped'

const N: CargoNames = DEFAULT_NAMES
let redshift: RedshiftStandIn
let serverless: FakeServerless
let session: string | undefined
let restoreEnv: () => void
let requires: Map<string, string[]>
let otherRules: string[]

beforeAll(async () => {
  ;[redshift, serverless] = await Promise.all([
    startRedshiftStandIn({ pollsToFinish: 1, sessionUser: () => session ?? 'admin' }),
    startFakeRedshiftServerless({ region: REGION, accountId: ACCOUNT_ID })
  ])
  // No moto: nothing but Redshift Serverless and the Data API may be called, so IAM, EC2, STS and Redshift lead nowhere.
  restoreEnv = applyEnv(awsEnv({ region: REGION, serverless, data: redshift, moto: { url: 'http://127.0.0.1:9' } }))
  const rules = loadConfig(rawInputs({ region: REGION, workgroup: 'cargo-wg' })).ruleSet.rules
  requires = new Map(rules.map((r) => [r.id, r.requires ?? []]))
  // redshift-exists stays on: the SQL rules need the workgroup it reads.
  otherRules = rules.map((r) => r.id).filter((id) => id !== 'redshift-exists' && !(SQL_RULES as readonly string[]).includes(id))
}, 60_000)

afterAll(async () => {
  restoreEnv?.()
  await Promise.allSettled([redshift?.close(), serverless?.close()])
})

beforeEach(async () => {
  session = undefined
  serverless.reset()
  await redshift.reset()
  serverless.seedNamespace({ namespaceName: N.namespace, dbName: N.dbName, iamRoles: [], defaultIamRoleArn: undefined as unknown as string })
  serverless.seedWorkgroup({ workgroupName: N.workgroup, namespaceName: N.namespace, publiclyAccessible: true, securityGroupIds: [], port: 5439 })
})

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    region: REGION,
    workgroup: N.workgroup,
    database: N.database,
    'db-user': N.dbUser,
    'function-role': N.functionRole,
    'source-schemas': N.sourceSchema,
    'disable-rules': otherRules.join(','),
    ...extra
  }
}

/** The verdicts when `judged` rules get these statuses: the rules requiring a non-passing one are skipped, the rest pass. */
function expected(judged: Partial<Record<SqlRule, Verdict>>): Record<SqlRule, Verdict> {
  const out: Partial<Record<string, Verdict>> = {}
  const verdict = (id: string): Verdict => {
    const known = out[id]
    if (known) return known
    const own = judged[id as SqlRule]
    if (own) return (out[id] = own)
    return (out[id] = (requires.get(id) ?? []).some((r) => verdict(r) !== 'pass') ? 'skipped' : 'pass')
  }
  return Object.fromEntries(SQL_RULES.map((id) => [id, verdict(id)])) as Record<SqlRule, Verdict>
}

interface Finding {
  ruleId: string
  status: string
  message: string
  resource: string
}

/** Keeps the worst verdict per rule (a rule judged per source schema has one finding each). */
function verdictsOf(findings: Finding[]): Record<SqlRule, Verdict> {
  const rank: Record<string, number> = { pass: 0, skipped: 1, fail: 2, error: 3 }
  const out: Partial<Record<string, Verdict>> = {}
  for (const f of findings) {
    if (!(SQL_RULES as readonly string[]).includes(f.ruleId)) continue
    const prev = out[f.ruleId]
    if (!prev || rank[f.status]! > rank[prev]!) out[f.ruleId] = f.status as Verdict
  }
  return out as Record<SqlRule, Verdict>
}

async function cli(extra: Record<string, string> = {}, command = 'audit'): Promise<{ code: number; findings: Finding[]; stdout: string; stderr: string }> {
  const argv = [command, ...cliArgs(inputs(extra)), ...(command === 'doctor' ? [] : ['--format', 'json'])]
  const { code, stdout, stderr } = await runCli(argv)
  const findings = command === 'audit' ? ((JSON.parse(stdout) as { findings: Finding[] }).findings ?? []) : []
  return { code, findings, stdout, stderr }
}

async function action(extra: Record<string, string> = {}): Promise<{ status: number | null; findings: Finding[]; outputs: Record<string, string> }> {
  const run = await runDistActionLive({ ...inputs(extra), 'report-path': 'report.json' }, {})
  const reportPath = join(run.dir, 'report.json')
  expect(existsSync(reportPath), run.stderr + run.stdout).toBe(true)
  return { status: run.status, findings: (JSON.parse(readFileSync(reportPath, 'utf8')) as { findings: Finding[] }).findings, outputs: run.outputs }
}

const sourceDb = N.sourceSchema.split('.')[0]!
const sourceSchema = N.sourceSchema.split('.')[1]!
const inSource = (sql: string, user?: string) => redshift.admin(sql, { database: sourceDb, ...(user ? { user } : {}) })
const inCargo = (sql: string) => redshift.admin(sql, { database: N.database })

interface Scenario {
  name: string
  seed: () => Promise<unknown>
  expect: Partial<Record<SqlRule, Verdict>>
  inputs?: Record<string, string>
  /** More checks on the CLI's findings. */
  also?: (findings: Finding[]) => void | Promise<void>
}

const compliant = () => seedCompliantSql(redshift, N)
const then = (first: () => Promise<unknown>, more: () => Promise<unknown>) => async () => {
  await first()
  await more()
}

const SCENARIOS: Scenario[] = [
  {
    name: "the guide done exactly: no USAGE on the source schema, no external functions",
    seed: () => seedGuideSql(redshift, N),
    expect: { 'sql-source-select': 'fail', 'sql-external-function': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-select')?.message).toContain(`no USAGE on schema ${N.sourceSchema}`)
  },
  {
    name: 'the guide done exactly, on a public source schema (PUBLIC has USAGE on it): only future tables and external functions',
    seed: async () => {
      await seedGuideSql(redshift, N)
      await inSource('CREATE TABLE public.leads (id int); GRANT SELECT ON ALL TABLES IN SCHEMA public TO cargo_user')
    },
    inputs: { 'source-schemas': `${sourceDb}.public` },
    expect: { 'sql-source-default-privileges': 'fail', 'sql-external-function': 'fail' }
  },
  { name: 'compliant', seed: compliant, expect: {} },
  // --- each grant missing alone ---
  {
    name: 'no Cargo database',
    seed: compliant,
    inputs: { database: 'cargo_other' },
    expect: { 'sql-database': 'fail' }
  },
  { name: 'no Cargo user', seed: compliant, inputs: { 'db-user': 'cargo_nobody' }, expect: { 'sql-user': 'fail' } },
  { name: 'a superuser Cargo user', seed: then(compliant, () => redshift.admin('ALTER USER cargo_user CREATEUSER')), expect: { 'sql-user': 'fail' } },
  { name: 'no CREATE on the database', seed: then(compliant, () => redshift.admin(`REVOKE CREATE ON DATABASE ${N.database} FROM cargo_user`)), expect: { 'sql-database-all': 'fail' } },
  {
    // PUBLIC holds TEMP on every database by default: it must go too.
    name: 'no TEMP on the database',
    seed: then(compliant, () => redshift.admin(`REVOKE TEMP ON DATABASE ${N.database} FROM cargo_user; REVOKE TEMP ON DATABASE ${N.database} FROM PUBLIC`)),
    expect: { 'sql-database-all': 'fail' }
  },
  {
    name: 'no function role',
    seed: then(compliant, () => redshift.admin(`REVOKE ROLE ${N.functionRole} FROM cargo_user; DROP ROLE ${N.functionRole}`)),
    expect: { 'sql-function-role': 'fail' }
  },
  {
    name: 'the function role without CREATE OR REPLACE FUNCTION',
    seed: then(compliant, () => redshift.admin(`REVOKE CREATE OR REPLACE FUNCTION FROM ROLE ${N.functionRole}`)),
    expect: { 'sql-function-role': 'fail' }
  },
  { name: 'the function role not granted', seed: then(compliant, () => redshift.admin(`REVOKE ROLE ${N.functionRole} FROM cargo_user`)), expect: { 'sql-function-role': 'fail' } },
  { name: 'no USAGE on exfunc', seed: then(compliant, () => inCargo('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user')), expect: { 'sql-exfunc-usage': 'fail' } },
  {
    name: 'no CREATE OR REPLACE EXTERNAL FUNCTION',
    seed: then(compliant, () => redshift.admin(`REVOKE ROLE ${EXTERNAL_FUNCTION_ROLE} FROM cargo_user`)),
    expect: { 'sql-external-function': 'fail' }
  },
  { name: 'no USAGE on the source schema', seed: then(compliant, () => inSource(`REVOKE USAGE ON SCHEMA ${sourceSchema} FROM cargo_user`)), expect: { 'sql-source-select': 'fail' } },
  {
    name: 'one table without SELECT',
    seed: then(compliant, () => inSource(`REVOKE SELECT ON ${sourceSchema}.contacts FROM cargo_user`)),
    expect: { 'sql-source-select': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-select')?.message).toContain(`no SELECT on table ${sourceSchema}.contacts`)
  },
  {
    name: 'a view without SELECT',
    // Created after the default privileges, so it got SELECT from them: revoked here.
    seed: then(compliant, () =>
      inSource(`CREATE VIEW ${sourceSchema}.v_contacts AS SELECT id FROM ${sourceSchema}.contacts; REVOKE SELECT ON ${sourceSchema}.v_contacts FROM cargo_user`)
    ),
    expect: { 'sql-source-select': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-select')?.message).toContain('v_contacts')
  },
  {
    name: 'no default privileges for future tables',
    seed: then(compliant, () => inSource(`ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA ${sourceSchema} REVOKE SELECT ON TABLES FROM cargo_user`)),
    expect: { 'sql-source-default-privileges': 'fail' }
  },
  {
    name: 'tables of another owner, whose future tables are not covered',
    seed: then(compliant, async () => {
      await redshift.admin("CREATE USER loader PASSWORD 'Strong-Passw0rd'")
      await inSource(`GRANT USAGE, CREATE ON SCHEMA ${sourceSchema} TO loader`)
      await inSource(`CREATE TABLE ${sourceSchema}.events (id int); GRANT SELECT ON ${sourceSchema}.events TO cargo_user`, 'loader')
    }),
    expect: { 'sql-source-default-privileges': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-default-privileges')?.message).toContain('loader')
  },
  {
    name: 'tables of another owner, with default privileges FOR USER that owner',
    seed: then(compliant, async () => {
      await redshift.admin("CREATE USER loader PASSWORD 'Strong-Passw0rd'")
      await inSource(`GRANT USAGE, CREATE ON SCHEMA ${sourceSchema} TO loader`)
      await inSource(`CREATE TABLE ${sourceSchema}.events (id int); GRANT SELECT ON ${sourceSchema}.events TO cargo_user`, 'loader')
      await inSource(`ALTER DEFAULT PRIVILEGES FOR USER loader IN SCHEMA ${sourceSchema} GRANT SELECT ON TABLES TO cargo_user`)
    }),
    expect: {}
  },
  {
    name: 'source-table-owners names an owner whose future tables are not covered',
    seed: then(compliant, () => redshift.admin("CREATE USER etl PASSWORD 'Strong-Passw0rd'")),
    inputs: { 'source-table-owners': 'admin,etl' },
    expect: { 'sql-source-default-privileges': 'fail' }
  },
  // --- every indirect path ---
  {
    name: 'exfunc USAGE through PUBLIC',
    seed: then(compliant, () => inCargo('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user; GRANT USAGE ON LANGUAGE exfunc TO PUBLIC')),
    expect: {}
  },
  {
    name: 'exfunc USAGE through a group the user is in',
    seed: then(compliant, async () => {
      await redshift.admin('CREATE GROUP udf_users; ALTER GROUP udf_users ADD USER cargo_user')
      await inCargo('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user; GRANT USAGE ON LANGUAGE exfunc TO GROUP udf_users')
    }),
    expect: {}
  },
  {
    name: 'SELECT and USAGE through a group the user is in',
    seed: then(compliant, async () => {
      await redshift.admin('CREATE GROUP readers; ALTER GROUP readers ADD USER cargo_user')
      await inSource(
        `REVOKE USAGE ON SCHEMA ${sourceSchema} FROM cargo_user; REVOKE SELECT ON ALL TABLES IN SCHEMA ${sourceSchema} FROM cargo_user; ` +
          `GRANT USAGE ON SCHEMA ${sourceSchema} TO GROUP readers; GRANT SELECT ON ALL TABLES IN SCHEMA ${sourceSchema} TO GROUP readers`
      )
    }),
    expect: {}
  },
  {
    name: 'database privileges through PUBLIC (TEMP) and a group (CREATE)',
    seed: then(compliant, () =>
      redshift.admin(
        `REVOKE ALL ON DATABASE ${N.database} FROM cargo_user; GRANT TEMP ON DATABASE ${N.database} TO PUBLIC; CREATE GROUP builders; ALTER GROUP builders ADD USER cargo_user; GRANT CREATE ON DATABASE ${N.database} TO GROUP builders`
      )
    ),
    expect: {}
  },
  {
    name: 'the function role reached through a chain of five roles',
    seed: then(compliant, () =>
      redshift.admin(
        [
          `REVOKE ROLE ${N.functionRole} FROM cargo_user`,
          ...['c1', 'c2', 'c3', 'c4', 'c5'].map((r) => `CREATE ROLE ${r}`),
          'GRANT ROLE c1 TO cargo_user',
          'GRANT ROLE c2 TO ROLE c1',
          'GRANT ROLE c3 TO ROLE c2',
          'GRANT ROLE c4 TO ROLE c3',
          'GRANT ROLE c5 TO ROLE c4',
          `GRANT ROLE ${N.functionRole} TO ROLE c5`
        ].join(';\n')
      )
    ),
    expect: {}
  },
  {
    name: 'the system privilege inherited from a role granted to the function role',
    seed: then(compliant, () =>
      redshift.admin(
        `REVOKE CREATE OR REPLACE FUNCTION FROM ROLE ${N.functionRole}; CREATE ROLE udf_makers; GRANT CREATE OR REPLACE FUNCTION TO ROLE udf_makers; GRANT ROLE udf_makers TO ROLE ${N.functionRole}`
      )
    ),
    expect: {}
  },
  {
    name: 'the external-function privilege through sys:dba, three roles deep',
    seed: then(compliant, () =>
      redshift.admin(
        `REVOKE ROLE ${EXTERNAL_FUNCTION_ROLE} FROM cargo_user; CREATE ROLE e1; CREATE ROLE e2; GRANT ROLE e1 TO cargo_user; GRANT ROLE e2 TO ROLE e1; GRANT ROLE "sys:dba" TO ROLE e2`
      )
    ),
    expect: {}
  },
  {
    name: 'a scoped permission (SELECT FOR TABLES IN SCHEMA) instead of table grants and default privileges',
    seed: then(compliant, () =>
      inSource(
        `REVOKE SELECT ON ALL TABLES IN SCHEMA ${sourceSchema} FROM cargo_user; ` +
          `ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA ${sourceSchema} REVOKE SELECT ON TABLES FROM cargo_user; ` +
          `GRANT SELECT FOR TABLES IN SCHEMA ${sourceSchema} TO cargo_user`
      )
    ),
    expect: {}
  },
  {
    name: 'ownership: the Cargo user owns the source schema and a table in it',
    seed: then(compliant, () =>
      inSource(
        `REVOKE USAGE ON SCHEMA ${sourceSchema} FROM cargo_user; REVOKE SELECT ON ${sourceSchema}.accounts FROM cargo_user; ` +
          `ALTER SCHEMA ${sourceSchema} OWNER TO cargo_user; ALTER TABLE ${sourceSchema}.accounts OWNER TO cargo_user`
      )
    ),
    expect: {}
  },
  // --- where the source schema is ---
  {
    name: 'a source schema in another database, readable',
    seed: then(compliant, async () => {
      await redshift.admin('CREATE DATABASE events')
      await redshift.admin(
        "CREATE SCHEMA web; CREATE TABLE web.clicks (id int); GRANT USAGE ON SCHEMA web TO cargo_user; GRANT SELECT ON ALL TABLES IN SCHEMA web TO cargo_user; ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA web GRANT SELECT ON TABLES TO cargo_user",
        { database: 'events' }
      )
    }),
    inputs: { 'source-schemas': `${N.sourceSchema},events.web` },
    expect: {}
  },
  {
    name: 'a source schema in another database, not readable',
    seed: then(compliant, async () => {
      await redshift.admin('CREATE DATABASE events')
      await redshift.admin('CREATE SCHEMA web; CREATE TABLE web.clicks (id int)', { database: 'events' })
    }),
    inputs: { 'source-schemas': `${N.sourceSchema},events.web` },
    // Per schema: crm passes both; web fails select, so its future-tables rule is skipped (the worst verdict is kept).
    expect: { 'sql-source-select': 'fail', 'sql-source-default-privileges': 'skipped' }
  },
  {
    name: 'a missing source schema',
    seed: compliant,
    inputs: { 'source-schemas': `${sourceDb}.nothing_here` },
    expect: { 'sql-source-select': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-select')?.message).toContain('does not exist')
  },
  {
    name: 'a source schema in a missing database',
    seed: compliant,
    inputs: { 'source-schemas': 'no_such_db.crm' },
    expect: { 'sql-source-select': 'fail' },
    also: (f) => expect(f.find((x) => x.ruleId === 'sql-source-select')?.message).toContain('does not exist')
  },
  {
    name: 'a hostile table name is read, not run',
    seed: then(compliant, () =>
      inSource(`CREATE TABLE ${sourceSchema}."x'); drop table ${sourceSchema}.accounts; --" (id int); GRANT SELECT ON ${sourceSchema}."x'); drop table ${sourceSchema}.accounts; --" TO cargo_user`)
    ),
    expect: {},
    also: async () => {
      expect(await redshift.rows(`SELECT tablename FROM pg_tables WHERE schemaname = '${sourceSchema}' AND tablename = 'accounts'`, { database: sourceDb })).toHaveLength(1)
    }
  },
  // --- the session's view of the catalogue ---
  {
    name: 'a session without ACCESS SYSTEM TABLE: error naming the grant to make, never a verdict from hidden rows',
    seed: then(compliant, async () => {
      await redshift.admin("CREATE USER guard_audit PASSWORD 'Strong-Passw0rd'")
      session = 'guard_audit'
    }),
    // What the catalogue answers for itself (has_*_privilege: direct, PUBLIC, group grants) still passes.
    expect: { 'sql-function-role': 'error', 'sql-exfunc-usage': 'error', 'sql-external-function': 'error', 'sql-source-default-privileges': 'error' },
    also: (f) => {
      for (const x of f.filter((y) => y.status === 'error')) expect(x.message, x.ruleId).toContain('GRANT ACCESS SYSTEM TABLE TO ROLE cargo_guard_audit; GRANT ROLE cargo_guard_audit TO "guard_audit"')
    }
  },
  {
    name: 'a session holding ACCESS SYSTEM TABLE through a role sees everything',
    seed: then(compliant, async () => {
      await redshift.admin("CREATE USER guard_audit PASSWORD 'Strong-Passw0rd'; CREATE ROLE auditors; GRANT ACCESS SYSTEM TABLE TO ROLE auditors; GRANT ROLE auditors TO guard_audit")
      session = 'guard_audit'
    }),
    expect: {}
  }
]

describe('SQL scenarios through the CLI and the bundled action', () => {
  it('has at least 30 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30)
  })

  it.each(SCENARIOS)('$name', async (s) => {
    await s.seed()
    const want = expected(s.expect)
    const viaCli = await cli(s.inputs)
    expect(verdictsOf(viaCli.findings), viaCli.stderr).toEqual(want)
    await s.also?.(viaCli.findings)
    const statuses = Object.values(want)
    const failing = statuses.includes('error') || viaCli.findings.some((f) => f.status === 'fail' && !['sql-source-default-privileges', 'sql-external-function'].includes(f.ruleId))
    expect(viaCli.code).toBe(failing ? 1 : 0)
    // No statement the audit sent was refused by the stand-in as Redshift would refuse it.
    for (const st of redshift.statements.filter((x) => x.user !== 'admin' || x.sql.startsWith('SELECT'))) {
      expect(st.error ?? '', st.sql).not.toMatch(/not supported on Redshift tables|cannot be matched|syntax error/)
    }
    const viaAction = await action(s.inputs)
    expect(verdictsOf(viaAction.findings)).toEqual(want)
    expect(viaAction.status).toBe(viaCli.code)
  })
})

describe('remediation on the same stand-in', () => {
  it('plan -> apply -> audit clean from the guide done exactly; a second apply changes nothing', async () => {
    await seedGuideSql(redshift, N)
    const extra = { remediate: 'all', 'plan-file': join(mkdtempSync(join(tmpdir(), 'crg-sql-plan-')), 'plan.json') }
    const planned = await cli(extra, 'plan')
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stderr).toMatch(/plan written to .*: [1-9]\d* change\(s\)/)
    const applied = await cli(extra, 'apply')
    expect(applied.code, applied.stderr).toBe(0)
    const after = await cli()
    expect(verdictsOf(after.findings)).toEqual(expected({}))
    const again = await cli({ remediate: 'all' }, 'apply')
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/^0 change\(s\) made/m)
  })

  it('from nothing but the source schema: creates the database, user and grants, then audits clean', async () => {
    await seedSourceSql(redshift, N)
    // The CLI takes the password from the environment (or a file), never from a flag.
    process.env['CARGO_REDSHIFT_GUARD_DB_USER_PASSWORD'] = 'Strong-Passw0rd-2'
    const applied = await cli({ remediate: 'all' }, 'apply').finally(() => delete process.env['CARGO_REDSHIFT_GUARD_DB_USER_PASSWORD'])
    expect(applied.code, applied.stderr).toBe(0)
    expect(verdictsOf((await cli()).findings)).toEqual(expected({}))
  })
})

describe('doctor on the same stand-in', () => {
  it('every SQL read goes through as the superuser: one ok line per read (CLI and action)', async () => {
    await seedCompliantSql(redshift, N)
    const run = await cli({}, 'doctor')
    expect(run.code, run.stdout + run.stderr).toBe(1)
    const lines = run.stdout.trim().split('\n')
    expect(lines.filter((l) => l.startsWith('ok      sql')).length).toBeGreaterThanOrEqual(5)
    // STS leads nowhere in this file (see beforeAll): the one refused read, named as such.
    expect(lines.filter((l) => l.startsWith('refused'))).toEqual([expect.stringMatching(/^refused aws  sts:GetCallerIdentity — Unreachable/)])
    expect(lines).toContain('ok      aws  redshift-serverless:GetWorkgroup')
    expect(lines).toContain("ok      sql  [dev] see every identity's grants in the SVV views as admin (superuser or ACCESS SYSTEM TABLE)")
    const viaAction = await runDistActionLive({ ...inputs(), mode: 'doctor' }, {})
    expect(viaAction.stdout).toContain('ok      sql')
    expect(viaAction.stdout).toMatch(/refused aws  sts:GetCallerIdentity/)
    expect(viaAction.status).toBe(1)
  })

  it('a session without ACCESS SYSTEM TABLE: the refused line names the GRANT to make, exit 1', async () => {
    await seedCompliantSql(redshift, N)
    await redshift.admin("CREATE USER guard_audit PASSWORD 'Strong-Passw0rd'")
    session = 'guard_audit'
    const run = await cli({}, 'doctor')
    expect(run.code).toBe(1)
    const refused = run.stdout.split('\n').filter((l) => l.startsWith('refused sql'))
    expect(refused).toEqual([
      `refused sql  [dev] see every identity's grants in the SVV views as guard_audit (superuser or ACCESS SYSTEM TABLE) — the SVV_* views hide other users' grants from guard_audit; to allow it: CREATE ROLE cargo_guard_audit; GRANT ACCESS SYSTEM TABLE TO ROLE cargo_guard_audit; GRANT ROLE cargo_guard_audit TO "guard_audit";`
    ])
  })
})
