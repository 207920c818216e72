/**
 * The Redshift stand-in itself (test/fakes/redshift-pg): the Data API protocol through the real SDK
 * client, the emulated catalogue for Cargo's setup guide done exactly, every documented refusal
 * (each with an accepted counterpart, so a refusal that fires on everything fails a test), the
 * documented visibility, groups, role chains, default roles, scoped permissions, and clean start/stop.
 */
import { existsSync } from 'node:fs'
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type Field
} from '@aws-sdk/client-redshift-data'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { FakeFault } from '../fakes/redshift-data-protocol.js'
import { LEADER_NODE_ERROR, startRedshiftStandIn, type RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'

let standIn: RedshiftStandIn
let client: RedshiftDataClient
let fault: ((operation: string) => FakeFault | undefined) | undefined

beforeAll(async () => {
  standIn = await startRedshiftStandIn({ pollsToFinish: 2, pageSize: 2, intercept: (call) => fault?.(call.operation) })
  client = new RedshiftDataClient({
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1
  })
})

afterAll(async () => {
  client?.destroy()
  await standIn?.close()
})

beforeEach(async () => {
  fault = undefined
  await standIn.reset()
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function value(f: Field): unknown {
  if (f.isNull) return null
  return f.stringValue ?? f.longValue ?? f.booleanValue ?? f.doubleValue
}

/** Runs one statement through the Data API as `user` (DbUser on a provisioned cluster); resolves to rows or the Error text. */
async function dataApi(sql: string, o: { database?: string; user?: string } = {}): Promise<{ rows?: Array<Record<string, unknown>>; error?: string }> {
  const { Id } = await client.send(
    new ExecuteStatementCommand({ ClusterIdentifier: 'cargo-cluster', Database: o.database ?? 'dev', Sql: sql, ...(o.user ? { DbUser: o.user } : {}) })
  )
  for (;;) {
    const d = await client.send(new DescribeStatementCommand({ Id }))
    if (d.Status === 'FAILED' || d.Status === 'ABORTED') return { error: d.Error ?? d.Status }
    if (d.Status === 'FINISHED') {
      if (!d.HasResultSet) return { rows: [] }
      const rows: Array<Record<string, unknown>> = []
      let NextToken: string | undefined
      do {
        const page = await client.send(new GetStatementResultCommand({ Id, NextToken }))
        const names = (page.ColumnMetadata ?? []).map((c) => c.name!)
        for (const record of page.Records ?? []) rows.push(Object.fromEntries(record.map((f, i) => [names[i], value(f)])))
        NextToken = page.NextToken
      } while (NextToken)
      return { rows }
    }
    await sleep(5)
  }
}

/** Cargo's setup guide (shared/seed/cargo-redshift-setup.md), statement by statement, plus a source database it reads. */
async function seedGuide(): Promise<void> {
  await standIn.admin(`CREATE DATABASE sales_db`)
  await standIn.admin(`CREATE USER loader PASSWORD 'Loader12345'`)
  await standIn.admin(
    `CREATE SCHEMA crm AUTHORIZATION loader;
     CREATE TABLE crm.orders (id int, amount numeric);
     CREATE VIEW crm.orders_view AS SELECT id FROM crm.orders`,
    { database: 'sales_db' }
  )
  await standIn.admin(`CREATE DATABASE cargo_db`)
  await standIn.admin(
    `-- Create the user
     CREATE USER cargo_user WITH PASSWORD 'Strong1234';
     -- Grant to the user permissions on the database Cargo will use
     GRANT ALL ON DATABASE cargo_db TO cargo_user;
     -- Allow the user to create functions
     CREATE ROLE cargo_create_replace_function;
     GRANT CREATE OR REPLACE FUNCTION TO ROLE cargo_create_replace_function;
     GRANT ROLE cargo_create_replace_function TO cargo_user;
     -- For the computed column feature
     GRANT USAGE ON LANGUAGE exfunc TO cargo_user;
     -- Cargo user may needs to access data outside the 'cargo_db' database.
     GRANT SELECT ON ALL TABLES IN SCHEMA sales_db.crm TO cargo_user;`,
    { database: 'cargo_db' }
  )
}

describe('start and stop', () => {
  it('runs PostgreSQL in a temporary directory that close() removes, with nothing left running', async () => {
    const other = await startRedshiftStandIn()
    expect(existsSync(other.clusterDir)).toBe(true)
    expect((await other.rows(`SELECT current_database() AS db, current_user AS me`))[0]).toEqual({ db: 'dev', me: 'admin' })
    await other.close()
    expect(existsSync(other.clusterDir)).toBe(false)
    await expect(fetch(other.url, { method: 'POST' })).rejects.toThrow()
  })

  it('listens on a unix socket only: the server has no TCP address', async () => {
    expect(await standIn.rows(`SHOW listen_addresses`, { user: 'rdsdb' })).toEqual([{ listen_addresses: '' }])
  })
})

describe('Data API protocol', () => {
  it('answers the SDK: polling, typed cells and pagination', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        WorkgroupName: 'cargo-wg',
        Database: 'dev',
        Sql: `SELECT n, n % 2 = 0 AS even, 'row ' || n AS label, NULL::text AS nothing FROM generate_series(1, 5) n ORDER BY n`
      })
    )
    const first = await client.send(new DescribeStatementCommand({ Id }))
    expect(first.Status).toBe('SUBMITTED')
    const second = await client.send(new DescribeStatementCommand({ Id }))
    expect(second.Status).toBe('FINISHED')
    expect(second.ResultRows).toBe(5)
    const page1 = await client.send(new GetStatementResultCommand({ Id }))
    expect(page1.Records).toHaveLength(2)
    expect(page1.Records![0]).toEqual([{ longValue: 1 }, { booleanValue: false }, { stringValue: 'row 1' }, { isNull: true }])
    expect(page1.ColumnMetadata!.map((c) => [c.name, c.typeName])).toEqual([
      ['n', 'int4'],
      ['even', 'bool'],
      ['label', 'varchar'],
      ['nothing', 'varchar']
    ])
    const page2 = await client.send(new GetStatementResultCommand({ Id, NextToken: page1.NextToken }))
    const page3 = await client.send(new GetStatementResultCommand({ Id, NextToken: page2.NextToken }))
    expect([...page2.Records!, ...page3.Records!].map((r) => r[0]!.longValue)).toEqual([3, 4, 5])
    expect(page3.NextToken).toBeUndefined()
    expect(standIn.calls['GetStatementResult']).toBe(3)
  })

  it('a TRANSACTION batch is all or nothing; AUTO_COMMIT keeps what ran', async () => {
    const batch = async (ExecutionMode: 'TRANSACTION' | 'AUTO_COMMIT') => {
      const { Id } = await client.send(
        new BatchExecuteStatementCommand({
          WorkgroupName: 'cargo-wg',
          Database: 'dev',
          ExecutionMode,
          Sqls: [`CREATE TABLE kept_${ExecutionMode.toLowerCase()} (id int)`, `GRANT SELECT ON nowhere TO admin`]
        })
      )
      await client.send(new DescribeStatementCommand({ Id }))
      return client.send(new DescribeStatementCommand({ Id }))
    }
    const tx = await batch('TRANSACTION')
    expect(tx.Status).toBe('FAILED')
    expect(tx.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED'])
    expect(tx.Error).toMatch(/^ERROR: relation "nowhere" does not exist/)
    const auto = await batch('AUTO_COMMIT')
    expect(auto.Status).toBe('FAILED')
    const tables = await standIn.rows(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'kept_%'`)
    expect(tables).toEqual([{ tablename: 'kept_auto_commit' }])
  })

  it('injects faults, cancels a slow statement, records calls and statements', async () => {
    fault = (op) => (op === 'ExecuteStatement' ? { delayMs: 300 } : undefined)
    const { Id } = await client.send(new ExecuteStatementCommand({ WorkgroupName: 'cargo-wg', Database: 'dev', Sql: 'CREATE TABLE never_made (id int)' }))
    await client.send(new CancelStatementCommand({ Id }))
    expect((await client.send(new DescribeStatementCommand({ Id }))).Status).toBe('ABORTED')
    await sleep(500)
    // A cancelled statement never ran (Redshift rolls it back).
    expect(await standIn.rows(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'never_made'`)).toEqual([{ n: 0 }])
    fault = (op) => (op === 'ExecuteStatement' ? { delayMs: 200 } : undefined)
    expect(await dataApi(`SELECT 'late' AS v`)).toEqual({ rows: [{ v: 'late' }] })
    fault = (op) => (op === 'ExecuteStatement' ? { error: 'AccessDeniedException', message: 'not authorized to perform: redshift-data:ExecuteStatement' } : undefined)
    await expect(client.send(new ExecuteStatementCommand({ WorkgroupName: 'cargo-wg', Database: 'dev', Sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'AccessDeniedException'
    })
    fault = (op) => (op === 'ExecuteStatement' ? { fail: 'ERROR: injected' } : undefined)
    expect(await dataApi('SELECT 1')).toEqual({ error: 'ERROR: injected' })
    expect(standIn.statements.map((s) => s.status)).toEqual(['ABORTED', 'FINISHED', 'FAILED'])
    expect(standIn.log.filter((c) => c.operation === 'ExecuteStatement')).toHaveLength(4)
  })

  it('creates an IAM: user on first use and runs as it; a missing database fails the statement', async () => {
    expect(await dataApi('SELECT current_user AS me', { user: 'IAM:alice' })).toEqual({ rows: [{ me: 'IAM:alice' }] })
    expect((await dataApi('SELECT 1', { database: 'nowhere_db' })).error).toBe('ERROR: database "nowhere_db" does not exist')
  })
})

describe("the setup guide, done exactly: each emulated view's rows", () => {
  beforeEach(seedGuide)

  it('svv_user_info, svv_roles, svv_user_grants, svv_system_privileges', async () => {
    const users = await standIn.rows(`SELECT user_name, createdb, superuser, syslog_access FROM svv_user_info WHERE user_name = 'cargo_user'`)
    expect(users).toEqual([{ user_name: 'cargo_user', createdb: false, superuser: false, syslog_access: 'RESTRICTED' }])
    expect(await standIn.rows(`SELECT role_name, role_owner FROM svv_roles WHERE role_name NOT LIKE 'sys:%'`)).toEqual([
      { role_name: 'cargo_create_replace_function', role_owner: 'admin' }
    ])
    expect(await standIn.rows(`SELECT user_name, role_name, admin_option FROM svv_user_grants`)).toEqual([
      { user_name: 'cargo_user', role_name: 'cargo_create_replace_function', admin_option: false }
    ])
    expect(await standIn.rows(`SELECT system_privilege, identity_type FROM svv_system_privileges WHERE identity_name = 'cargo_create_replace_function'`)).toEqual([
      { system_privilege: 'CREATE OR REPLACE FUNCTION', identity_type: 'role' }
    ])
  })

  it('svv_database_privileges and svv_language_privileges', async () => {
    expect(
      await standIn.rows(`SELECT privilege_type, identity_type FROM svv_database_privileges WHERE database_name = 'cargo_db' AND identity_name = 'cargo_user' ORDER BY 1`)
    ).toEqual([
      { privilege_type: 'CREATE', identity_type: 'user' },
      { privilege_type: 'TEMP', identity_type: 'user' }
    ])
    expect(await standIn.rows(`SELECT identity_name, identity_type, privilege_type FROM svv_language_privileges WHERE language_name = 'exfunc'`, { database: 'cargo_db' })).toEqual([
      { identity_name: 'cargo_user', identity_type: 'user', privilege_type: 'USAGE' }
    ])
    // Not in a database the grant was not made in: languages are per database.
    expect(await standIn.rows(`SELECT * FROM svv_language_privileges WHERE language_name = 'exfunc'`, { database: 'sales_db' })).toEqual([])
  })

  it('the cross-database grant reached the source schema: tables and views, in svv_relation_privileges and has_table_privilege', async () => {
    expect(
      await standIn.rows(`SELECT relation_name, privilege_type, identity_name FROM svv_relation_privileges WHERE namespace_name = 'crm' ORDER BY 1`, { database: 'sales_db' })
    ).toEqual([
      { relation_name: 'orders', privilege_type: 'SELECT', identity_name: 'cargo_user' },
      { relation_name: 'orders_view', privilege_type: 'SELECT', identity_name: 'cargo_user' }
    ])
    const { rows } = await dataApi(`SELECT has_table_privilege('cargo_user', 'crm.orders_view', 'select') AS can`, { database: 'sales_db' })
    expect(rows).toEqual([{ can: true }])
    // The guide grants no USAGE on the schema: PostgreSQL's own answer, as Redshift's.
    expect((await dataApi(`SELECT has_schema_privilege('cargo_user', 'crm', 'usage') AS can`, { database: 'sales_db' })).rows).toEqual([{ can: false }])
  })

  it('the same rows through the Data API as the Cargo user: it sees its own identities only', async () => {
    const { rows } = await dataApi(`SELECT user_name, role_name FROM svv_user_grants`, { user: 'cargo_user', database: 'cargo_db' })
    expect(rows).toEqual([{ user_name: 'cargo_user', role_name: 'cargo_create_replace_function' }])
  })
})

describe('refusals, each against an accepted neighbour', () => {
  beforeEach(seedGuide)

  it('c_SQL_functions_leader_node_only: leader-node functions or pg_* tables with svv/stl/sys views or user tables', async () => {
    for (const sql of [
      `SELECT has_database_privilege(user_name, 'cargo_db', 'create') FROM svv_user_info`,
      `SELECT u.usename FROM pg_user u JOIN svv_user_grants g ON g.user_name = u.usename`,
      `SELECT has_table_privilege('cargo_user', 'crm.orders', 'select') FROM crm.orders`,
      `SELECT current_schema() FROM crm.orders`,
      `SELECT 1 FROM svv_roles WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_namespace)`,
      `SELECT now() FROM stl_query`
    ]) {
      expect(await dataApi(sql, { database: 'sales_db' }), sql).toEqual({ error: `ERROR: ${LEADER_NODE_ERROR}` })
    }
    for (const sql of [
      `SELECT has_database_privilege('cargo_user', 'cargo_db', 'create') AS ok`,
      `SELECT usename FROM pg_user WHERE usename = 'cargo_user'`,
      `SELECT user_name FROM svv_user_info WHERE user_name = 'cargo_user'`,
      `SELECT count(*) AS n FROM crm.orders`,
      `WITH pg_like AS (SELECT 1 AS x) SELECT x FROM pg_like`
    ]) {
      expect((await dataApi(sql, { database: 'sales_db' })).error, sql).toBeUndefined()
    }
  })

  it('r_UNION: a set operation across type categories', async () => {
    expect(
      (await dataApi(`SELECT has_schema_privilege('cargo_user', 'crm', 'usage') AS ok UNION ALL SELECT true`, { database: 'sales_db' })).error
    ).toMatch(/^ERROR: UNION types .* cannot be matched/)
    expect((await dataApi(`SELECT 1 AS x UNION ALL SELECT 'a' = 'a'`)).error).toMatch(/^ERROR: UNION types/)
    expect(
      (await dataApi(`SELECT CASE WHEN true THEN has_schema_privilege('cargo_user', 'crm', 'usage') END AS ok UNION ALL SELECT false`, { database: 'sales_db' })).error
    ).toBe('ERROR: UNION types character varying and boolean cannot be matched')
    expect((await dataApi(`SELECT CAST('x' AS VARCHAR) AS v UNION ALL SELECT CAST(has_schema_privilege('cargo_user', 'crm', 'usage') AS VARCHAR)`, { database: 'sales_db' })).error).toBeUndefined()
    expect((await dataApi(`SELECT true AS ok UNION ALL SELECT 1 = 1`)).rows).toEqual([{ ok: true }, { ok: true }])
  })

  it('r_GRANT: system privileges go to roles only', async () => {
    expect((await dataApi(`GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO cargo_user`)).error).toMatch(/system permissions can only be granted to roles/)
    expect((await dataApi(`GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO PUBLIC`)).error).toMatch(/system permissions can only be granted to roles/)
    expect((await dataApi(`GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE cargo_user`)).error).toBe('ERROR: role "cargo_user" does not exist')
    expect((await dataApi(`GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE cargo_create_replace_function`)).error).toBeUndefined()
  })

  it('r_CREATE_ROLE: a role cannot take the name of a user, nor the reserved sys: prefix', async () => {
    expect((await dataApi(`CREATE ROLE cargo_user`)).error).toMatch(/a user named "cargo_user" already exists/)
    expect((await dataApi(`CREATE ROLE "sys:mine"`)).error).toMatch(/reserved prefix/)
    expect((await dataApi(`CREATE ROLE cargo_reader`)).error).toBeUndefined()
  })

  it('roles are granted with GRANT ROLE, to users and roles; not to groups', async () => {
    await standIn.admin(`CREATE GROUP analysts`)
    expect((await dataApi(`GRANT cargo_create_replace_function TO cargo_user`)).error).toMatch(/syntax error/)
    expect((await dataApi(`GRANT ROLE cargo_create_replace_function TO GROUP analysts`)).error).toMatch(/syntax error/)
    expect((await dataApi(`GRANT ROLE nowhere TO cargo_user`)).error).toBe('ERROR: role "nowhere" does not exist')
  })

  it('r_GRANT: a bare grantee is a user, ROLE r a role, GROUP g a group', async () => {
    await standIn.admin(`CREATE GROUP analysts`)
    expect((await dataApi(`GRANT USAGE ON LANGUAGE exfunc TO cargo_create_replace_function`)).error).toMatch(/user "cargo_create_replace_function" does not exist/)
    expect((await dataApi(`GRANT USAGE ON LANGUAGE exfunc TO analysts`)).error).toMatch(/user "analysts" does not exist/)
    expect((await dataApi(`GRANT USAGE ON LANGUAGE exfunc TO ROLE analysts`)).error).toMatch(/role "analysts" does not exist/)
    expect((await dataApi(`GRANT USAGE ON LANGUAGE exfunc TO GROUP cargo_user`)).error).toMatch(/group "cargo_user" does not exist/)
    expect((await dataApi(`ALTER GROUP cargo_create_replace_function ADD USER cargo_user`)).error).toMatch(/group "cargo_create_replace_function" does not exist/)
    expect((await dataApi(`ALTER DEFAULT PRIVILEGES FOR USER analysts GRANT SELECT ON TABLES TO cargo_user`)).error).toMatch(/user "analysts" does not exist/)
    for (const sql of [
      `GRANT USAGE ON LANGUAGE exfunc TO ROLE cargo_create_replace_function, GROUP analysts, cargo_user, PUBLIC`,
      `ALTER GROUP analysts ADD USER cargo_user`,
      `ALTER DEFAULT PRIVILEGES FOR USER loader GRANT SELECT ON TABLES TO ROLE cargo_create_replace_function`
    ]) {
      expect((await dataApi(sql)).error, sql).toBeUndefined()
    }
  })

  it('Redshift-only DDL needs a superuser or the system privilege (sys:secadmin holds CREATE ROLE and CREATE USER)', async () => {
    const asLoader = (sql: string) => dataApi(sql, { user: 'loader' })
    expect((await asLoader(`CREATE ROLE loader_role`)).error).toMatch(/permission denied/)
    expect((await asLoader(`CREATE USER helper PASSWORD 'Helper12345'`)).error).toMatch(/permission denied/)
    expect((await asLoader(`GRANT CREATE OR REPLACE FUNCTION TO ROLE cargo_create_replace_function`)).error).toMatch(/permission denied/)
    await standIn.admin(`GRANT ROLE "sys:secadmin" TO loader`)
    expect((await asLoader(`CREATE ROLE loader_role`)).error).toBeUndefined()
    expect((await asLoader(`CREATE USER helper PASSWORD 'Helper12345'`)).error).toBeUndefined()
    expect(await standIn.rows(`SELECT role_owner FROM svv_roles WHERE role_name = 'loader_role'`)).toEqual([{ role_owner: 'loader' }])
  })

  it('what the parser cannot read, and two statements in one ExecuteStatement', async () => {
    expect((await dataApi(`SELEC 1`)).error).toMatch(/^ERROR: syntax error at or near "SELEC"/)
    expect((await dataApi(`SELECT 1; SELECT 2`)).error).toBe('ERROR: cannot insert multiple commands into a prepared statement')
    expect((await dataApi(`SELECT 1;`)).rows).toEqual([{ '?column?': 1 }])
  })

  it("r_CREATE_USER: Redshift's password rules and PASSWORD DISABLE", async () => {
    expect((await dataApi(`CREATE USER weak PASSWORD 'short'`)).error).toMatch(/between 8 and 64/)
    expect((await dataApi(`CREATE USER nopass`)).error).toMatch(/PASSWORD/)
    expect((await dataApi(`CREATE USER iam_only PASSWORD DISABLE`)).error).toBeUndefined()
    expect((await dataApi(`CREATE USER boss PASSWORD 'Boss12345' CREATEUSER`)).error).toBeUndefined()
    expect(await standIn.rows(`SELECT usesuper FROM pg_user WHERE usename = 'boss'`)).toEqual([{ usesuper: true }])
  })
})

describe('visibility (c_visibility-of-data)', () => {
  beforeEach(seedGuide)

  it('without ACCESS SYSTEM TABLE a user sees only its own rows; with it, through a role, everything', async () => {
    await standIn.admin(`CREATE USER auditor PASSWORD 'Audit12345'; CREATE ROLE other_role; GRANT ROLE other_role TO loader`)
    const seen = async () => ({
      users: (await standIn.rows(`SELECT user_name FROM svv_user_info ORDER BY 1`, { user: 'auditor' })).map((r) => r['user_name']),
      grants: (await standIn.rows(`SELECT user_name FROM svv_user_grants ORDER BY 1`, { user: 'auditor' })).map((r) => r['user_name']),
      roles: (await standIn.rows(`SELECT role_name FROM svv_roles WHERE role_name NOT LIKE 'sys:%' ORDER BY 1`, { user: 'auditor' })).map((r) => r['role_name']),
      relations: await standIn.rows(`SELECT relation_name FROM svv_relation_privileges`, { user: 'auditor', database: 'sales_db' })
    })
    expect(await seen()).toEqual({ users: ['auditor'], grants: [], roles: [], relations: [] })
    await standIn.admin(`CREATE ROLE auditing; GRANT ACCESS SYSTEM TABLE TO ROLE auditing; CREATE ROLE audit_team; GRANT ROLE auditing TO ROLE audit_team; GRANT ROLE audit_team TO auditor`)
    const all = await seen()
    expect(all.users).toEqual(expect.arrayContaining(['admin', 'auditor', 'cargo_user', 'loader']))
    expect(all.grants).toEqual(['auditor', 'cargo_user', 'loader'])
    expect(all.roles).toEqual(['audit_team', 'auditing', 'cargo_create_replace_function', 'other_role'])
    expect(all.relations).toHaveLength(2)
  })

  it('SYSLOG ACCESS UNRESTRICTED (r_ALTER_USER) lets a user see every row', async () => {
    await standIn.admin(`CREATE USER reader PASSWORD 'Reader12345'`)
    const cargoRows = `SELECT user_name FROM svv_user_grants`
    expect(await standIn.rows(cargoRows, { user: 'reader' })).toEqual([])
    await standIn.admin(`ALTER USER reader SYSLOG ACCESS UNRESTRICTED`)
    expect(await standIn.rows(cargoRows, { user: 'reader' })).toEqual([{ user_name: 'cargo_user' }])
    expect(await standIn.rows(`SELECT syslog_access FROM svv_user_info WHERE user_name = 'reader'`)).toEqual([{ syslog_access: 'UNRESTRICTED' }])
    await standIn.admin(`ALTER USER reader SYSLOG ACCESS RESTRICTED`)
    expect(await standIn.rows(cargoRows, { user: 'reader' })).toEqual([])
  })

  it('the default role sys:monitor carries ACCESS SYSTEM TABLE', async () => {
    await standIn.admin(`CREATE USER watcher PASSWORD 'Watch12345'; GRANT ROLE "sys:monitor" TO watcher`)
    const rows = await standIn.rows(`SELECT user_name FROM svv_user_info WHERE user_name = 'cargo_user'`, { user: 'watcher' })
    expect(rows).toEqual([{ user_name: 'cargo_user' }])
  })
})

describe('groups, role chains, default roles, scoped permissions, default privileges', () => {
  beforeEach(seedGuide)

  it('a group: members, grants to the group, pg_group lists groups only', async () => {
    await standIn.admin(`CREATE GROUP udf_users; ALTER GROUP udf_users ADD USER loader`)
    await standIn.admin(`GRANT USAGE ON LANGUAGE exfunc TO GROUP udf_users`, { database: 'cargo_db' })
    expect(await standIn.rows(`SELECT identity_name, identity_type FROM svv_language_privileges WHERE language_name = 'exfunc' ORDER BY 1`, { database: 'cargo_db' })).toEqual([
      { identity_name: 'cargo_user', identity_type: 'user' },
      { identity_name: 'udf_users', identity_type: 'group' }
    ])
    expect(await standIn.rows(`SELECT has_language_privilege('loader', 'exfunc', 'usage') AS can`, { database: 'cargo_db' })).toEqual([{ can: true }])
    expect(await standIn.rows(`SELECT groname, array_length(grolist, 1) AS members FROM pg_group`)).toEqual([{ groname: 'udf_users', members: 1 }])
  })

  it('a role chain five deep: privileges and system privileges flow through it; the views list direct edges', async () => {
    await standIn.admin(
      `CREATE ROLE r1; CREATE ROLE r2; CREATE ROLE r3; CREATE ROLE r4; CREATE ROLE r5;
       GRANT ROLE r5 TO ROLE r4; GRANT ROLE r4 TO ROLE r3; GRANT ROLE r3 TO ROLE r2; GRANT ROLE r2 TO ROLE r1; GRANT ROLE r1 TO loader;
       GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE r5`
    )
    await standIn.admin(`CREATE TABLE crm.secrets (id int); GRANT SELECT ON crm.secrets TO ROLE r5`, { database: 'sales_db' })
    expect(await standIn.rows(`SELECT has_table_privilege('loader', 'crm.secrets', 'select') AS can`, { database: 'sales_db' })).toEqual([{ can: true }])
    expect(await standIn.rows(`SELECT role_name, granted_role_name FROM svv_role_grants WHERE role_name LIKE 'r_' ORDER BY 1`)).toEqual([
      { role_name: 'r1', granted_role_name: 'r2' },
      { role_name: 'r2', granted_role_name: 'r3' },
      { role_name: 'r3', granted_role_name: 'r4' },
      { role_name: 'r4', granted_role_name: 'r5' }
    ])
    expect(await standIn.rows(`SELECT identity_name FROM svv_system_privileges WHERE system_privilege = 'CREATE OR REPLACE EXTERNAL FUNCTION' AND identity_name LIKE 'r_'`)).toEqual([
      { identity_name: 'r5' }
    ])
    expect(await standIn.rows(`SELECT identity_name, identity_type FROM svv_relation_privileges WHERE relation_name = 'secrets'`, { database: 'sales_db' })).toEqual([
      { identity_name: 'r5', identity_type: 'role' }
    ])
  })

  it('r_roles-default: sys:dba holds CREATE OR REPLACE (EXTERNAL) FUNCTION and inherits sys:operator', async () => {
    const dba = await standIn.rows(`SELECT system_privilege FROM svv_system_privileges WHERE identity_name = 'sys:dba' ORDER BY 1`)
    expect(dba.map((r) => r['system_privilege'])).toEqual(expect.arrayContaining(['CREATE OR REPLACE EXTERNAL FUNCTION', 'CREATE OR REPLACE FUNCTION']))
    expect(dba.map((r) => r['system_privilege'])).not.toContain('ACCESS SYSTEM TABLE')
    expect(await standIn.rows(`SELECT granted_role_name FROM svv_role_grants WHERE role_name = 'sys:dba'`)).toEqual([{ granted_role_name: 'sys:operator' }])
    expect((await standIn.rows(`SELECT role_name FROM svv_roles WHERE role_name LIKE 'sys:%' ORDER BY 1`)).map((r) => r['role_name'])).toEqual([
      'sys:dba',
      'sys:monitor',
      'sys:operator',
      'sys:secadmin',
      'sys:superuser'
    ])
  })

  it('t_scoped-permissions: GRANT ... FOR TABLES IN SCHEMA ... DATABASE, in svv_schema_privileges; REVOKE removes it', async () => {
    await standIn.admin(`GRANT SELECT FOR TABLES IN SCHEMA crm DATABASE sales_db TO cargo_user`, { database: 'cargo_db' })
    const scoped = `SELECT namespace_name, privilege_type, identity_name, privilege_scope FROM svv_schema_privileges WHERE privilege_scope <> 'SCHEMA'`
    expect(await standIn.rows(scoped, { database: 'sales_db' })).toEqual([
      { namespace_name: 'crm', privilege_type: 'SELECT', identity_name: 'cargo_user', privilege_scope: 'TABLES' }
    ])
    expect(await standIn.rows(scoped, { database: 'cargo_db' })).toEqual([])
    await standIn.admin(`REVOKE SELECT FOR TABLES IN SCHEMA crm DATABASE sales_db FROM cargo_user`)
    expect(await standIn.rows(scoped, { database: 'sales_db' })).toEqual([])
    await expect(standIn.admin(`GRANT SELECT FOR TABLES IN SCHEMA nowhere DATABASE sales_db TO cargo_user`)).rejects.toThrow(/schema "nowhere" does not exist/)
  })

  it('t_scoped-permissions are enforced on current and future relations, and stay out of SVV_RELATION_PRIVILEGES', async () => {
    await standIn.admin(`CREATE USER analyst PASSWORD 'Analyst12345'`)
    const can = (table: string) =>
      standIn.rows(`SELECT has_table_privilege('analyst', 'crm.${table}', 'select') AS can`, { database: 'sales_db' }).then((r) => r[0]!['can'])
    const listed = () => standIn.rows(`SELECT relation_name FROM svv_relation_privileges WHERE identity_name = 'analyst' ORDER BY 1`, { database: 'sales_db' })
    await standIn.admin(`GRANT SELECT FOR TABLES IN SCHEMA crm DATABASE sales_db TO analyst`)
    expect(await can('orders')).toBe(true)
    expect(await can('orders_view')).toBe(true)
    await standIn.admin(`CREATE TABLE crm.later (id int)`, { database: 'sales_db', user: 'loader' })
    expect(await can('later')).toBe(true)
    expect(await listed()).toEqual([])
    await standIn.admin(`GRANT SELECT ON crm.orders TO analyst`, { database: 'sales_db' })
    expect(await listed()).toEqual([{ relation_name: 'orders' }])
    await standIn.admin(`REVOKE SELECT FOR TABLES IN SCHEMA crm DATABASE sales_db FROM analyst`)
    expect([await can('orders'), await can('orders_view'), await can('later')]).toEqual([true, false, false])
    await standIn.admin(`GRANT SELECT FOR TABLES IN DATABASE sales_db TO analyst`)
    expect(await can('later')).toBe(true)
    expect(await listed()).toEqual([{ relation_name: 'orders' }])
  })

  it('t_scoped-permissions: FOR TABLES IN DATABASE is listed in SVV_DATABASE_PRIVILEGES, from any database', async () => {
    await standIn.admin(`GRANT SELECT FOR TABLES IN DATABASE sales_db TO ROLE cargo_create_replace_function`)
    const rows = `SELECT database_name, privilege_type, identity_name, identity_type, privilege_scope FROM svv_database_privileges WHERE privilege_scope <> 'DATABASE'`
    const expected = [
      { database_name: 'sales_db', privilege_type: 'SELECT', identity_name: 'cargo_create_replace_function', identity_type: 'role', privilege_scope: 'TABLES' }
    ]
    expect(await standIn.rows(rows, { database: 'cargo_db' })).toEqual(expected)
    expect(await standIn.rows(rows, { database: 'sales_db' })).toEqual(expected)
    expect(await standIn.rows(`SELECT DISTINCT privilege_scope FROM svv_database_privileges WHERE identity_name = 'cargo_user'`)).toEqual([{ privilege_scope: 'DATABASE' }])
    await standIn.admin(`REVOKE SELECT FOR TABLES IN DATABASE sales_db FROM ROLE cargo_create_replace_function`)
    expect(await standIn.rows(rows)).toEqual([])
  })

  it('r_ALTER_DEFAULT_PRIVILEGES FOR USER: listed per owner, and effective for that owner only', async () => {
    await standIn.admin(`ALTER DEFAULT PRIVILEGES FOR USER loader IN SCHEMA crm GRANT SELECT ON TABLES TO cargo_user`, { database: 'sales_db' })
    expect(
      await standIn.rows(`SELECT schema_name, object_type, owner_name, privilege_type, grantee_name, grantee_type FROM svv_default_privileges`, { database: 'sales_db' })
    ).toEqual([{ schema_name: 'crm', object_type: 'RELATION', owner_name: 'loader', privilege_type: 'SELECT', grantee_name: 'cargo_user', grantee_type: 'user' }])
    await standIn.admin(`CREATE TABLE crm.by_loader (id int)`, { database: 'sales_db', user: 'loader' })
    await standIn.admin(`CREATE TABLE crm.by_admin (id int)`, { database: 'sales_db' })
    const can = await standIn.rows(
      `SELECT has_table_privilege('cargo_user', 'crm.by_loader', 'select') AS loader_table, has_table_privilege('cargo_user', 'crm.by_admin', 'select') AS admin_table`,
      { database: 'sales_db' }
    )
    expect(can).toEqual([{ loader_table: true, admin_table: false }])
  })

  it('reset() forgets everything but the cluster itself', async () => {
    await standIn.reset()
    expect(await standIn.rows(`SELECT datname FROM pg_database WHERE datname NOT LIKE 'template%' ORDER BY 1`)).toEqual([{ datname: 'dev' }, { datname: 'postgres' }])
    expect(await standIn.rows(`SELECT count(*)::int AS n FROM svv_user_info WHERE user_name = 'cargo_user'`)).toEqual([{ n: 0 }])
    expect(standIn.statements).toEqual([])
  })
})
