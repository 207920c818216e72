/**
 * The stand-in's reading of Redshift SQL (test/fakes/redshift-pg/dialect.ts), without a database:
 * which statements are refused before PostgreSQL sees them, and how Redshift-only statements are read.
 */
import { describe, expect, it } from 'vitest'
import { LEADER_NODE_ERROR, prepareStatement, splitStatements } from '../fakes/redshift-pg/dialect.js'

const refusal = (sql: string) =>
  prepareStatement(sql).then(
    () => undefined,
    (err: Error & { docs?: string }) => ({ message: err.message, docs: err.docs })
  )

describe('leader-node-only functions and catalogue (c_SQL_functions_leader_node_only)', () => {
  it.each([
    `SELECT has_table_privilege('u', 't', 'select') FROM svv_relation_privileges`,
    `SELECT 1 FROM pg_user u JOIN svv_user_grants g ON g.user_name = u.usename`,
    `SELECT current_schema FROM my_table`,
    `SELECT x FROM (SELECT has_schema_privilege('u', 's', 'usage') AS x) q, stl_query`,
    `SELECT 1 FROM information_schema.tables, sys_query_history`
  ])('refuses %s', async (sql) => {
    expect(await refusal(sql)).toEqual({ message: LEADER_NODE_ERROR, docs: 'c_SQL_functions_leader_node_only' })
  })

  it.each([
    `SELECT has_table_privilege('u', 't', 'select')`,
    `SELECT has_table_privilege('u', c.oid, 'select') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`,
    `SELECT role_name FROM svv_roles UNION ALL SELECT user_name FROM svv_user_grants`,
    `WITH pg_x AS (SELECT 1 AS a) SELECT a FROM pg_x, my_table`
  ])('accepts %s', async (sql) => {
    expect(await refusal(sql)).toBeUndefined()
  })
})

describe('PostgreSQL functions Redshift does not support (c_unsupported-postgresql-functions)', () => {
  it.each([
    `SELECT string_agg(role_name, ',') FROM svv_roles`,
    `SELECT n FROM my_table, generate_series(1, 3) n`,
    `SELECT 1 FROM svv_user_grants WHERE user_id = ANY (ARRAY[1, 2])`,
    `SELECT 1 FROM my_table WHERE a IS DISTINCT FROM b`,
    `SELECT pg_get_userbyid(1) FROM svv_roles`
  ])('refuses on the compute nodes: %s', async (sql) => {
    expect(await refusal(sql)).toEqual({ message: LEADER_NODE_ERROR, docs: 'c_unsupported-postgresql-functions' })
  })

  it.each([
    `SELECT u.usename FROM pg_user u JOIN pg_group g ON u.usesysid = ANY (g.grolist)`,
    `SELECT (t).f FROM my_table t`,
    `SELECT UPPER(privilege_type), CAST(identity_name AS VARCHAR(128)) FROM svv_schema_privileges WHERE namespace_name IN ('a')`
  ])('accepts %s', async (sql) => {
    expect(await refusal(sql)).toBeUndefined()
  })
})

describe('Redshift-only statements', () => {
  it('reads GRANT ROLE, system privileges and scoped permissions', async () => {
    expect(await prepareStatement(`GRANT ROLE a, "B" TO u, ROLE r WITH ADMIN OPTION`)).toEqual({
      kind: 'grant-role',
      revoke: false,
      roles: ['a', 'B'],
      grantees: [
        { kind: 'user', name: 'u' },
        { kind: 'role', name: 'r' }
      ],
      adminOption: true
    })
    expect(await prepareStatement(`GRANT CREATE OR REPLACE FUNCTION, ACCESS SYSTEM TABLE TO ROLE r`)).toEqual({
      kind: 'grant-system',
      revoke: false,
      privileges: ['CREATE OR REPLACE FUNCTION', 'ACCESS SYSTEM TABLE'],
      roles: ['r']
    })
    expect(await prepareStatement(`REVOKE SELECT FOR TABLES IN SCHEMA s DATABASE d FROM GROUP g`)).toMatchObject({
      kind: 'grant-scoped',
      revoke: true,
      privileges: ['SELECT'],
      objectType: 'TABLES',
      schema: 's',
      database: 'd',
      grantees: [{ kind: 'group', name: 'g' }]
    })
  })

  it('rewrites Redshift spellings PostgreSQL words differently, and keeps how grantees were written', async () => {
    expect(await prepareStatement(`GRANT SELECT ON ALL TABLES IN SCHEMA sales.crm TO ROLE r`)).toMatchObject({
      kind: 'pg',
      sql: 'GRANT SELECT ON ALL TABLES IN SCHEMA crm TO  r',
      database: 'sales',
      grantees: [{ kind: 'role', name: 'r' }]
    })
    expect(await prepareStatement(`CREATE USER boss PASSWORD 'Boss12345' CREATEUSER`)).toMatchObject({ kind: 'create-user', sql: `CREATE USER boss PASSWORD 'Boss12345' SUPERUSER` })
    expect(await prepareStatement(`ALTER USER u SYSLOG ACCESS UNRESTRICTED`)).toEqual({ kind: 'alter-user', sql: undefined, name: 'u', syslog: 'UNRESTRICTED' })
  })

  it('refuses what Redshift refuses or the parser cannot read', async () => {
    expect((await refusal(`GRANT CREATE OR REPLACE FUNCTION TO u`))?.docs).toBe('r_GRANT')
    expect((await refusal(`GRANT r TO u`))?.docs).toBe('r_GRANT')
    expect((await refusal(`SELECT has_schema_privilege('u', 's', 'usage') UNION SELECT true`))?.docs).toBe('r_UNION')
    expect((await refusal(`CREATE USER u PASSWORD 'weak'`))?.docs).toBe('r_CREATE_USER')
    expect((await refusal(`SELECT FROM WHERE`))?.docs).toBe('r_SQL_commands')
    expect((await refusal(`SELECT 1; SELECT 2`))?.message).toBe('cannot insert multiple commands into a prepared statement')
  })

  it('splits a script on top-level semicolons only', async () => {
    expect(await splitStatements(`SELECT ';' AS a; -- c;\nSELECT 2;`)).toEqual([`SELECT ';' AS a`, `-- c;\nSELECT 2`])
  })
})
