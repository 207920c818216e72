/**
 * collectSql through the real Redshift Data API client against the Redshift stand-in on a real
 * PostgreSQL (test/fakes/redshift-pg): every statement the audit sends must be one Redshift accepts
 * (the stand-in refuses leader-node functions next to system views, set operations across type
 * categories, ...), and every fact must come out right for each path a grant can take.
 */
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { DataApiConnection as DataApiTarget } from '../../src/aws/data-api.js'
import { collectSql } from '../../src/collect/aws/sql.js'
import { statementClassOf } from '../../src/collect/aws/sql-statements.js'
import type { CollectContext } from '../../src/collect/types.js'
import { makeParameters, type CollectorOverrides } from '../fixtures/parameters.js'
import type { AccountState, SqlSourceSchemaState, SqlState, UnavailableFact } from '../../src/state/types.js'
import { startRedshiftStandIn, type FakeCall, type FakeFault, type RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'

/** Only what the SQL collector reads: its target and collect parameters. */
const BASE_PARAMS: CollectorOverrides = {
  cargoIps: [],
  region: 'us-east-1',
  workgroup: 'cargo-wg',
  lambdaUser: 'cargo_lambda',
  lambdaUserPolicyArns: [],
  accessKeyMaxAgeDays: 90,
  database: 'cargo_db',
  dbUser: 'cargo_user',
  functionRole: 'cargo_fn',
  sourceSchemas: [{ database: 'sales_db', schema: 'crm' }],
  sourceTableOwners: [],
  timeoutSeconds: 30,
  maxConcurrency: 8
}

const TARGET: DataApiTarget = { workgroupName: 'cargo-wg', database: 'dev' }

let redshift: RedshiftStandIn
let intercept: ((call: FakeCall) => FakeFault | undefined) | undefined
let sessionUser: string | undefined

beforeAll(async () => {
  redshift = await startRedshiftStandIn({ pollsToFinish: 2, intercept: (call) => intercept?.(call), sessionUser: () => sessionUser ?? 'admin' })
}, 60_000)
afterAll(async () => {
  await redshift?.close()
})
beforeEach(async () => {
  intercept = undefined
  sessionUser = undefined
  await redshift.reset()
})

/** Everything Cargo's setup page asks for, plus a readable source schema whose future tables are covered. */
async function compliant(): Promise<void> {
  await redshift.admin('CREATE DATABASE cargo_db; CREATE DATABASE sales_db')
  await redshift.admin(
    [
      "CREATE USER cargo_user PASSWORD 'Strong-Passw0rd'",
      'GRANT CREATE, TEMP ON DATABASE cargo_db TO cargo_user',
      'CREATE ROLE cargo_fn',
      'GRANT CREATE OR REPLACE FUNCTION TO ROLE cargo_fn',
      'GRANT ROLE cargo_fn TO cargo_user'
    ].join(';\n')
  )
  await redshift.admin('GRANT USAGE ON LANGUAGE exfunc TO cargo_user', { database: 'cargo_db' })
  await redshift.admin(
    [
      'CREATE SCHEMA crm',
      'CREATE TABLE crm.accounts (id int)',
      'CREATE TABLE crm.contacts (id int)',
      'GRANT USAGE ON SCHEMA crm TO cargo_user',
      'GRANT SELECT ON crm.accounts TO cargo_user',
      'GRANT SELECT ON crm.contacts TO cargo_user',
      'ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm GRANT SELECT ON TABLES TO cargo_user'
    ].join(';\n'),
    { database: 'sales_db' }
  )
}
const sales = (sql: string) => redshift.admin(sql, { database: 'sales_db' })

const COMPLIANT_SCHEMA: SqlSourceSchemaState = {
  database: 'sales_db',
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

const COMPLIANT_SQL: SqlState = {
  database: { name: 'cargo_db', exists: true },
  user: { name: 'cargo_user', exists: true, superuser: false },
  databasePrivileges: ['CREATE', 'TEMP'],
  functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: true, userPrivilegeVia: 'cargo_fn' },
  exfuncUsage: true,
  externalFunction: { allowed: false },
  sourceSchemas: [COMPLIANT_SCHEMA]
}

interface TestContext {
  ctx: CollectContext
  state: AccountState
  unavailable: UnavailableFact[]
  calls: string[]
}

function makeContext(params: CollectorOverrides = {}, needs: (pointer: string) => boolean = () => true): TestContext {
  const state: AccountState = {
    schemaVersion: 1,
    source: { kind: 'aws', collectedAt: new Date(0).toISOString() },
    iam: {},
    network: {},
    unavailable: []
  }
  const unavailable: UnavailableFact[] = []
  const calls: string[] = []
  const ctx: CollectContext = {
    params: makeParameters({ ...BASE_PARAMS, ...params }),
    needs,
    async call(service, operation, fn) {
      calls.push(`${service}:${operation}`)
      return fn(new AbortController().signal)
    },
    unavailable(pointer, cause) {
      unavailable.push({ pointer, cause })
      state.unavailable.push({ pointer, cause })
    },
    state,
    now: new Date(0)
  }
  return { ctx, state, unavailable, calls }
}

function client(): RedshiftDataClient {
  return new RedshiftDataClient({
    endpoint: redshift.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1
  })
}

async function audit(params: CollectorOverrides = {}, options: { target?: DataApiTarget; needs?: (p: string) => boolean } = {}) {
  redshift.statements.length = 0
  redshift.log.length = 0
  for (const k of Object.keys(redshift.calls)) delete redshift.calls[k]
  const t = makeContext(params, options.needs)
  await collectSql(t.ctx, client(), options.target ?? TARGET)
  // Redshift would have accepted every statement: none was refused by the stand-in.
  for (const s of redshift.statements) expect(s.error ?? '', s.sql).not.toMatch(/not supported on Redshift tables|cannot be matched|syntax error/)
  return { ...t, sql: t.state.sql ?? {} }
}

describe('collectSql against the Redshift stand-in', () => {
  it('reads a compliant account into every SqlState field, statements of one class each, side by side', async () => {
    await compliant()
    const { sql, unavailable } = await audit()
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
    // identities in 'dev', grants with exfunc in cargo_db, catalogue + grants in sales_db.
    expect(redshift.calls['ExecuteStatement']).toBe(4)
    expect(redshift.statements.map((s) => s.database).sort()).toEqual(['cargo_db', 'dev', 'sales_db', 'sales_db'])
    expect(redshift.statements.every((s) => s.status === 'FINISHED')).toBe(true)
    for (const s of redshift.statements) expect(['leader-catalog', 'system-views']).toContain(statementClassOf(s.sql))
    // Every ExecuteStatement was sent before the first GetStatementResult: no statement waits on another.
    const firstResult = redshift.log.findIndex((c) => c.operation === 'GetStatementResult')
    const lastExecute = redshift.log.map((c) => c.operation).lastIndexOf('ExecuteStatement')
    expect(lastExecute).toBeLessThan(firstResult)
    expect(redshift.calls['BatchExecuteStatement']).toBeUndefined()
  })

  it('folds the exfunc check into the grants statement when the Data API database is the Cargo database', async () => {
    await compliant()
    const { sql, unavailable } = await audit({}, { target: { ...TARGET, database: 'cargo_db' } })
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
    expect(redshift.calls['ExecuteStatement']).toBe(4)
  })

  it('sends each statement through ctx.call and polls DescribeStatement until FINISHED', async () => {
    await compliant()
    const { calls } = await audit()
    expect(new Set(calls)).toEqual(new Set(['redshift-data:ExecuteStatement', 'redshift-data:DescribeStatement', 'redshift-data:GetStatementResult']))
    expect(redshift.calls['DescribeStatement']).toBe(8)
    expect(calls.filter((c) => c.endsWith('DescribeStatement'))).toHaveLength(8)
    const describes = redshift.log.filter((c) => c.operation === 'DescribeStatement')
    expect(describes.every((c) => c.input['WaitTimeSeconds'] === 2)).toBe(true)
  })

  it('waits for a slow statement with backoff and long polls', async () => {
    await compliant()
    intercept = ({ operation }) => (operation === 'ExecuteStatement' ? { delayMs: 300 } : undefined)
    const { sql, unavailable } = await audit()
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
  })

  describe('each drifted fact alone', () => {
    type Drift = [string, () => Promise<unknown>, Partial<SqlState>, CollectorOverrides?]
    const schema = (patch: Partial<SqlSourceSchemaState>): Partial<SqlState> => ({ sourceSchemas: [{ ...COMPLIANT_SCHEMA, ...patch }] })
    const drifts: Drift[] = [
      ['no Cargo database', () => Promise.resolve(), { database: { name: 'other_db', exists: false }, databasePrivileges: [], exfuncUsage: false }, { database: 'other_db' }],
      [
        'no Cargo user',
        () => Promise.resolve(),
        {
          user: { name: 'nobody', exists: false },
          databasePrivileges: [],
          functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: false },
          exfuncUsage: false,
          sourceSchemas: [
            {
              ...COMPLIANT_SCHEMA,
              usage: false,
              tables: COMPLIANT_SCHEMA.tables.map((t) => ({ ...t, select: false })),
              defaultSelect: false,
              futureTableOwners: [{ name: 'admin', covered: false }],
              uncoveredOwners: ['admin']
            }
          ]
        },
        { dbUser: 'nobody' }
      ],
      [
        'a superuser Cargo user',
        () => redshift.admin('ALTER USER cargo_user CREATEUSER'),
        { user: { name: 'cargo_user', exists: true, superuser: true }, functionRole: { ...COMPLIANT_SQL.functionRole, userPrivilegeVia: 'superuser' }, externalFunction: { allowed: true, via: 'superuser' } }
      ],
      ['no CREATE on the database (TEMP through PUBLIC)', () => redshift.admin('REVOKE CREATE, TEMP ON DATABASE cargo_db FROM cargo_user; GRANT TEMP ON DATABASE cargo_db TO PUBLIC'), { databasePrivileges: ['TEMP'] }],
      ['neither CREATE nor TEMP', () => redshift.admin('REVOKE CREATE, TEMP ON DATABASE cargo_db FROM cargo_user; REVOKE TEMP ON DATABASE cargo_db FROM PUBLIC'), { databasePrivileges: [] }],
      ['CREATE only', () => redshift.admin('REVOKE TEMP ON DATABASE cargo_db FROM cargo_user; REVOKE TEMP ON DATABASE cargo_db FROM PUBLIC'), { databasePrivileges: ['CREATE'] }],
      [
        'no function role',
        () => redshift.admin('REVOKE ROLE cargo_fn FROM cargo_user; DROP ROLE cargo_fn'),
        { functionRole: { name: 'cargo_fn', exists: false, systemPrivileges: [], grantedToUser: false } }
      ],
      [
        'a function role without the system privilege',
        () => redshift.admin('REVOKE CREATE OR REPLACE FUNCTION FROM ROLE cargo_fn'),
        { functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: [], grantedToUser: true } }
      ],
      [
        'a function role with only CREATE OR REPLACE EXTERNAL FUNCTION',
        () => redshift.admin('REVOKE CREATE OR REPLACE FUNCTION FROM ROLE cargo_fn; GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE cargo_fn'),
        {
          functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE EXTERNAL FUNCTION'], grantedToUser: true },
          externalFunction: { allowed: true, via: 'cargo_fn' }
        }
      ],
      [
        'the function role not granted to the user',
        () => redshift.admin('REVOKE ROLE cargo_fn FROM cargo_user'),
        { functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: false } }
      ],
      ['exfunc USAGE missing', () => redshift.admin('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user', { database: 'cargo_db' }), { exfuncUsage: false }],
      [
        'exfunc USAGE granted in another database only',
        async () => {
          await redshift.admin('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user', { database: 'cargo_db' })
          await redshift.admin('GRANT USAGE ON LANGUAGE exfunc TO cargo_user', { database: 'sales_db' })
        },
        { exfuncUsage: false }
      ],
      [
        'source schema missing',
        () => Promise.resolve(),
        { sourceSchemas: [{ database: 'sales_db', schema: 'gone', exists: false, usage: false, tables: [], defaultSelect: false }] },
        { sourceSchemas: [{ database: 'sales_db', schema: 'gone' }] }
      ],
      [
        'source database missing',
        () => Promise.resolve(),
        { sourceSchemas: [{ database: 'nowhere_db', schema: 'crm', exists: false, usage: false, tables: [], defaultSelect: false }] },
        { sourceSchemas: [{ database: 'nowhere_db', schema: 'crm' }] }
      ],
      ['no USAGE on the source schema', () => sales('REVOKE USAGE ON SCHEMA crm FROM cargo_user'), schema({ usage: false })],
      [
        'one table without SELECT',
        () => sales('REVOKE SELECT ON crm.contacts FROM cargo_user'),
        schema({ tables: [COMPLIANT_SCHEMA.tables[0]!, { ...COMPLIANT_SCHEMA.tables[1]!, select: false }] })
      ],
      [
        'a view without SELECT',
        () => sales('CREATE VIEW crm.v_accounts AS SELECT id FROM crm.accounts; REVOKE SELECT ON crm.v_accounts FROM cargo_user'),
        schema({ tables: [...COMPLIANT_SCHEMA.tables, { name: 'v_accounts', select: false, kind: 'view', owner: 'admin' }] })
      ],
      [
        'no default privileges for future tables',
        () => sales('ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm REVOKE SELECT ON TABLES FROM cargo_user'),
        schema({ defaultSelect: false, futureTableOwners: [{ name: 'admin', covered: false }], uncoveredOwners: ['admin'] })
      ],
      [
        'default privileges granted to another user',
        async () => {
          await redshift.admin("CREATE USER someone PASSWORD 'Strong-Passw0rd'")
          await sales(
            'ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm REVOKE SELECT ON TABLES FROM cargo_user; ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm GRANT SELECT ON TABLES TO someone'
          )
        },
        schema({ defaultSelect: false, futureTableOwners: [{ name: 'admin', covered: false }], uncoveredOwners: ['admin'] })
      ],
      [
        'tables of another owner, whose future tables are not covered',
        async () => {
          await redshift.admin("CREATE USER loader PASSWORD 'Strong-Passw0rd'")
          await sales('GRANT USAGE, CREATE ON SCHEMA crm TO loader')
          await redshift.admin('CREATE TABLE crm.events (id int); GRANT SELECT ON crm.events TO cargo_user', { database: 'sales_db', user: 'loader' })
        },
        schema({
          tables: [COMPLIANT_SCHEMA.tables[0]!, COMPLIANT_SCHEMA.tables[1]!, { name: 'events', select: true, kind: 'table', owner: 'loader' }],
          defaultSelect: false,
          futureTableOwners: [
            { name: 'admin', covered: true },
            { name: 'loader', covered: false }
          ],
          uncoveredOwners: ['loader']
        })
      ],
      [
        'an empty source schema (its owner makes the future tables)',
        () => sales('DROP TABLE crm.accounts; DROP TABLE crm.contacts'),
        schema({ tables: [] })
      ]
    ]

    it.each(drifts)('%s', async (_name, drift, expected, params) => {
      await compliant()
      await drift()
      const { sql, unavailable } = await audit(params ?? {})
      expect(unavailable).toEqual([])
      expect(sql).toEqual({ ...COMPLIANT_SQL, ...expected })
    })

    it('sends the exfunc statement alongside the others; a missing Cargo database makes it false, not unavailable', async () => {
      await compliant()
      const { sql, unavailable } = await audit({ database: 'missing_db' })
      // identities in dev, grants in missing_db (fails: read again in dev), two in sales_db.
      expect(redshift.calls['ExecuteStatement']).toBe(5)
      expect(unavailable).toEqual([])
      expect(sql.functionRole).toEqual(COMPLIANT_SQL.functionRole)
      expect(sql.database).toEqual({ name: 'missing_db', exists: false })
      expect(sql.exfuncUsage).toBe(false)
      expect(unavailable.filter((u) => u.pointer === '/sql/exfuncUsage')).toEqual([])
    })
  })

  describe('every path a privilege can take', () => {
    it('counts a role granted through nested roles', async () => {
      await compliant()
      await redshift.admin('REVOKE ROLE cargo_fn FROM cargo_user; CREATE ROLE outer_r; CREATE ROLE middle_r; GRANT ROLE outer_r TO cargo_user; GRANT ROLE middle_r TO ROLE outer_r; GRANT ROLE cargo_fn TO ROLE middle_r')
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.functionRole).toEqual(COMPLIANT_SQL.functionRole)
    })

    it('follows role grants at any depth (five here), with no fixed hop count', async () => {
      await compliant()
      await redshift.admin(
        [
          'REVOKE ROLE cargo_fn FROM cargo_user',
          ...['r1', 'r2', 'r3', 'r4', 'r5'].map((r) => `CREATE ROLE ${r}`),
          'GRANT ROLE r1 TO cargo_user',
          'GRANT ROLE r2 TO ROLE r1',
          'GRANT ROLE r3 TO ROLE r2',
          'GRANT ROLE r4 TO ROLE r3',
          'GRANT ROLE r5 TO ROLE r4',
          'GRANT ROLE cargo_fn TO ROLE r5'
        ].join(';\n')
      )
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.functionRole?.grantedToUser).toBe(true)
    })

    it('counts a system privilege the function role inherits from a role granted to it', async () => {
      await compliant()
      await redshift.admin('REVOKE CREATE OR REPLACE FUNCTION FROM ROLE cargo_fn; CREATE ROLE udf_makers; GRANT CREATE OR REPLACE FUNCTION TO ROLE udf_makers; GRANT ROLE udf_makers TO ROLE cargo_fn')
      const { sql } = await audit()
      expect(sql.functionRole).toEqual({ ...COMPLIANT_SQL.functionRole, userPrivilegeVia: 'udf_makers' })
    })

    it('counts the documented default role sys:dba (r_roles-default) for both function privileges', async () => {
      await compliant()
      await redshift.admin('REVOKE ROLE cargo_fn FROM cargo_user; GRANT ROLE "sys:dba" TO cargo_user')
      const { sql } = await audit()
      expect(sql.functionRole).toEqual({ name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: false, userPrivilegeVia: 'sys:dba' })
      expect(sql.externalFunction).toEqual({ allowed: true, via: 'sys:dba' })
    })

    it('counts exfunc USAGE granted to PUBLIC', async () => {
      await compliant()
      await redshift.admin('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user; GRANT USAGE ON LANGUAGE exfunc TO PUBLIC', { database: 'cargo_db' })
      expect((await audit()).sql.exfuncUsage).toBe(true)
    })

    it('counts exfunc USAGE granted to a group the user is in', async () => {
      await compliant()
      await redshift.admin('CREATE GROUP udf_users; ALTER GROUP udf_users ADD USER cargo_user')
      await redshift.admin('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user; GRANT USAGE ON LANGUAGE exfunc TO GROUP udf_users', { database: 'cargo_db' })
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.exfuncUsage).toBe(true)
    })

    it('counts exfunc USAGE granted to a role the user holds', async () => {
      await compliant()
      await redshift.admin('CREATE ROLE udf_users; GRANT ROLE udf_users TO cargo_user')
      await redshift.admin('REVOKE USAGE ON LANGUAGE exfunc FROM cargo_user; GRANT USAGE ON LANGUAGE exfunc TO ROLE udf_users', { database: 'cargo_db' })
      expect((await audit()).sql.exfuncUsage).toBe(true)
    })

    it('counts table SELECT through a role, default privileges through a group, and schema USAGE through PUBLIC', async () => {
      await compliant()
      await redshift.admin('CREATE ROLE readers; GRANT ROLE readers TO cargo_user; CREATE GROUP future_readers; ALTER GROUP future_readers ADD USER cargo_user')
      await sales(
        [
          'REVOKE USAGE ON SCHEMA crm FROM cargo_user',
          'GRANT USAGE ON SCHEMA crm TO PUBLIC',
          'REVOKE SELECT ON crm.accounts FROM cargo_user',
          'GRANT SELECT ON crm.accounts TO ROLE readers',
          'ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm REVOKE SELECT ON TABLES FROM cargo_user',
          'ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm GRANT SELECT ON TABLES TO GROUP future_readers'
        ].join(';\n')
      )
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas).toEqual(COMPLIANT_SQL.sourceSchemas)
    })

    it('counts a scoped permission (GRANT SELECT FOR TABLES IN SCHEMA) for every table and every owner', async () => {
      await compliant()
      await sales(
        [
          'REVOKE SELECT ON crm.accounts FROM cargo_user',
          'REVOKE SELECT ON crm.contacts FROM cargo_user',
          'ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm REVOKE SELECT ON TABLES FROM cargo_user',
          'GRANT SELECT FOR TABLES IN SCHEMA crm TO cargo_user'
        ].join(';\n')
      )
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas).toEqual(COMPLIANT_SQL.sourceSchemas)
    })

    it('counts ownership: the Cargo user owns the schema and its tables', async () => {
      await compliant()
      await sales('REVOKE USAGE ON SCHEMA crm FROM cargo_user; ALTER SCHEMA crm OWNER TO cargo_user; ALTER TABLE crm.accounts OWNER TO cargo_user')
      await sales('REVOKE SELECT ON crm.accounts FROM cargo_user')
      const { sql } = await audit()
      const crm = sql.sourceSchemas?.[0]
      expect(crm?.usage).toBe(true)
      expect(crm?.tables.find((t) => t.name === 'accounts')).toEqual({ name: 'accounts', select: true, kind: 'table', owner: 'cargo_user' })
    })

    it('judges future tables of the owners given in source-table-owners', async () => {
      await compliant()
      await redshift.admin("CREATE USER loader PASSWORD 'Strong-Passw0rd'")
      const { sql } = await audit({ sourceTableOwners: ['loader'] })
      expect(sql.sourceSchemas?.[0]).toMatchObject({ defaultSelect: false, futureTableOwners: [{ name: 'loader', covered: false }], uncoveredOwners: ['loader'] })
      await sales('ALTER DEFAULT PRIVILEGES FOR USER loader IN SCHEMA crm GRANT SELECT ON TABLES TO cargo_user')
      expect((await audit({ sourceTableOwners: ['loader'] })).sql.sourceSchemas?.[0]).toMatchObject({ defaultSelect: true, uncoveredOwners: [] })
    })

    it('counts database-wide default privileges (ALTER DEFAULT PRIVILEGES without IN SCHEMA)', async () => {
      await compliant()
      await sales('ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA crm REVOKE SELECT ON TABLES FROM cargo_user; ALTER DEFAULT PRIVILEGES FOR USER admin GRANT SELECT ON TABLES TO cargo_user')
      expect((await audit()).sql.sourceSchemas).toEqual(COMPLIANT_SQL.sourceSchemas)
    })
  })

  describe('source schemas', () => {
    async function twoDatabases(): Promise<void> {
      await compliant()
      await sales('CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int)')
      await redshift.admin('CREATE DATABASE events_db')
      await redshift.admin(
        'CREATE SCHEMA web; CREATE TABLE web.clicks (id int); GRANT USAGE ON SCHEMA web TO cargo_user; GRANT SELECT ON web.clicks TO cargo_user',
        { database: 'events_db' }
      )
    }
    const schemas = [
      { database: 'events_db', schema: 'web' },
      { database: 'sales_db', schema: 'crm' },
      { database: 'sales_db', schema: 'billing' }
    ]

    it('runs two statements per source database, in parallel, and keeps the parameter order', async () => {
      await twoDatabases()
      const { sql, unavailable } = await audit({ sourceSchemas: schemas })
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas).toEqual([
        {
          database: 'events_db',
          schema: 'web',
          exists: true,
          usage: true,
          tables: [{ name: 'clicks', select: true, kind: 'table', owner: 'admin' }],
          defaultSelect: false,
          futureTableOwners: [{ name: 'admin', covered: false }],
          uncoveredOwners: ['admin']
        },
        COMPLIANT_SCHEMA,
        {
          database: 'sales_db',
          schema: 'billing',
          exists: true,
          usage: false,
          tables: [{ name: 'invoices', select: false, kind: 'table', owner: 'admin' }],
          defaultSelect: false,
          futureTableOwners: [{ name: 'admin', covered: false }],
          uncoveredOwners: ['admin']
        }
      ])
      // identities, grants (with exfunc), 2 x events_db, 2 x sales_db: the two sales_db schemas share their statements.
      expect(redshift.calls['ExecuteStatement']).toBe(6)
      expect(redshift.statements.filter((s) => s.database === 'sales_db')).toHaveLength(2)
    })

    it('pages through GetStatementResult', async () => {
      const paged = await startRedshiftStandIn({ pollsToFinish: 1, pageSize: 2 })
      const main = redshift
      try {
        redshift = paged
        await compliant()
        const names = Array.from({ length: 9 }, (_, i) => `t${i}`)
        await sales(names.map((n) => `CREATE TABLE crm.${n} (id int); GRANT SELECT ON crm.${n} TO cargo_user`).join(';\n'))
        await sales('REVOKE SELECT ON crm.t4 FROM cargo_user')
        const { sql, unavailable } = await audit()
        expect(unavailable).toEqual([])
        const tables = sql.sourceSchemas?.[0]?.tables ?? []
        expect(tables.map((t) => t.name)).toEqual(['accounts', 'contacts', ...names])
        expect(tables.filter((t) => !t.select).map((t) => t.name)).toEqual(['t4'])
        expect(sql.user).toEqual(COMPLIANT_SQL.user)
        // The 11 relations of crm come in 6 pages of 2.
        const catalogue = paged.statements.find((s) => s.sql.includes('pg_namespace'))!
        expect(paged.log.filter((c) => c.operation === 'GetStatementResult' && c.input['Id'] === catalogue.id)).toHaveLength(6)
      } finally {
        redshift = main
        await paged.close()
      }
    }, 60_000)

    it('splits many schemas of one database into statements under the 100 KB limit', async () => {
      await compliant()
      // 60 bytes: PostgreSQL keeps 63 of an identifier (Redshift 127), and 120 of them still need three statements.
      const long = (i: number) => `s${String(i).padStart(3, '0')}_${'x'.repeat(55)}`
      const many = Array.from({ length: 120 }, (_, i) => ({ database: 'sales_db', schema: long(i) }))
      await sales(many.slice(0, 60).map((s) => `CREATE SCHEMA ${s.schema}; GRANT USAGE ON SCHEMA ${s.schema} TO cargo_user`).join(';\n'))
      const { sql, unavailable } = await audit({ sourceSchemas: many })
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas?.map((s) => [s.exists, s.usage])).toEqual(many.map((_, i) => [i < 60, i < 60]))
      expect(redshift.statements.filter((s) => s.database === 'sales_db')).toHaveLength(6)
      expect(Math.max(...redshift.statements.map((s) => Buffer.byteLength(s.sql)))).toBeLessThan(40_000)
    })

    it('sets an empty list without a statement when no source schema is configured', async () => {
      await compliant()
      const { sql } = await audit({ sourceSchemas: [] })
      expect(sql.sourceSchemas).toEqual([])
      expect(redshift.calls['ExecuteStatement']).toBe(2)
    })

    it('reads names that need quoting (tables with quotes and upper case)', async () => {
      await compliant()
      await sales(`DROP TABLE crm.accounts; DROP TABLE crm.contacts; CREATE TABLE crm."it's ""odd""" (id int); GRANT SELECT ON crm."it's ""odd""" TO cargo_user`)
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas?.[0]?.tables).toEqual([{ name: 'it\'s "odd"', select: true, kind: 'table', owner: 'admin' }])
    })
  })

  it('quotes parameter values as literals (a hostile user name with a quote and a backslash)', async () => {
    await compliant()
    const name = "o'hara\\x"
    await redshift.admin(`CREATE USER "o'hara\\x" PASSWORD 'Strong-Passw0rd'; GRANT ROLE cargo_fn TO "o'hara\\x"`)
    await redshift.admin(`GRANT USAGE ON LANGUAGE exfunc TO "o'hara\\x"`, { database: 'cargo_db' })
    const { sql, unavailable } = await audit({ dbUser: name })
    expect(unavailable).toEqual([])
    expect(sql.user).toEqual({ name, exists: true, superuser: false })
    expect(sql.functionRole?.grantedToUser).toBe(true)
    expect(sql.exfuncUsage).toBe(true)
    expect(redshift.statements.every((s) => s.status === 'FINISHED')).toBe(true)
  })

  describe('needs', () => {
    it('runs nothing when no rule reads /sql', async () => {
      await compliant()
      const { state } = await audit({}, { needs: () => false })
      expect(state.sql).toBeUndefined()
      expect(redshift.calls).toEqual({})
    })

    it('fills only what is needed', async () => {
      await compliant()
      const { sql } = await audit({}, { needs: (p) => p === '/sql/user' })
      expect(sql).toEqual({ user: COMPLIANT_SQL.user })
      expect(redshift.calls['ExecuteStatement']).toBe(1)
      expect(redshift.statements[0]!.sql).not.toMatch(/svv_|has_/)
    })

    it('skips source schemas when they are not needed', async () => {
      await compliant()
      const { sql } = await audit({}, { needs: (p) => p !== '/sql/sourceSchemas' })
      expect(sql.sourceSchemas).toBeUndefined()
      expect(redshift.statements.map((s) => s.database).sort()).toEqual(['cargo_db', 'dev'])
    })
  })

  describe('failures are verdicts', () => {
    it('reports access denied on ExecuteStatement once for /sql with the IAM action', async () => {
      await compliant()
      intercept = ({ operation }) =>
        operation === 'ExecuteStatement' ? { error: 'AccessDeniedException', message: 'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized' } : undefined
      const { sql, unavailable } = await audit()
      expect(sql).toEqual({})
      expect(unavailable).toEqual([
        {
          pointer: '/sql',
          cause: {
            service: 'redshift-data',
            operation: 'ExecuteStatement',
            iamAction: 'redshift-data:ExecuteStatement',
            code: 'AccessDeniedException',
            message: expect.stringMatching(/^could not read the Cargo user.*: User: arn:aws:sts::123456789012:assumed-role\/ci\/x is not authorized$/)
          }
        }
      ])
    })

    it('names redshift-serverless:GetCredentials when temporary credentials are denied', async () => {
      await compliant()
      const message =
        'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: redshift-serverless:GetCredentials on resource: arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/abc'
      intercept = ({ operation }) => (operation === 'ExecuteStatement' ? { error: 'ValidationException', message } : undefined)
      const { unavailable } = await audit()
      expect(unavailable).toHaveLength(1)
      expect(unavailable[0]!.pointer).toBe('/sql')
      expect(unavailable[0]!.cause).toMatchObject({ iamAction: 'redshift-serverless:GetCredentials', code: 'ValidationException' })
    })

    it('names redshift:GetClusterCredentials for a provisioned cluster with DbUser', async () => {
      await compliant()
      intercept = ({ operation }) =>
        operation === 'ExecuteStatement' ? { error: 'AccessDeniedException', message: 'Not authorized to get credentials of cluster cargo-cluster' } : undefined
      const { unavailable } = await audit({}, { target: { clusterIdentifier: 'cargo-cluster', dbUser: 'admin', database: 'dev' } })
      expect(unavailable.map((u) => [u.pointer, u.cause.iamAction])).toEqual([['/sql', 'redshift:GetClusterCredentials']])
    })

    it('marks only the source schemas when their statements are denied', async () => {
      await compliant()
      intercept = ({ operation, input }) =>
        operation === 'ExecuteStatement' && input['Database'] === 'sales_db' ? { error: 'AccessDeniedException', message: 'denied' } : undefined
      const { sql, unavailable } = await audit()
      expect(unavailable.map((u) => [u.pointer, u.cause.iamAction])).toEqual([['/sql/sourceSchemas', 'redshift-data:ExecuteStatement']])
      const { sourceSchemas, ...rest } = COMPLIANT_SQL
      void sourceSchemas
      expect(sql).toEqual(rest)
    })

    it('reports a denied DescribeStatement with its own action', async () => {
      await compliant()
      intercept = ({ operation }) => (operation === 'DescribeStatement' ? { error: 'AccessDeniedException', message: 'nope' } : undefined)
      const { unavailable } = await audit({ sourceSchemas: [] })
      expect(unavailable.map((u) => u.cause.iamAction)).toEqual(expect.arrayContaining(['redshift-data:DescribeStatement']))
      expect(new Set(unavailable.map((u) => u.cause.operation))).toEqual(new Set(['DescribeStatement']))
    })

    it('a FAILED statement makes exactly the facts it feeds unavailable, naming its purpose and the error text', async () => {
      await compliant()
      intercept = ({ operation, input }) =>
        operation === 'ExecuteStatement' && String(input['Sql']).includes('svv_user_grants') ? { fail: 'ERROR: permission denied for relation svv_roles' } : undefined
      const { sql, unavailable } = await audit()
      const cause = {
        service: 'redshift-data',
        operation: 'ExecuteStatement',
        code: 'StatementFailed',
        message: expect.stringMatching(/^could not read roles, role grants, system privileges and database privileges .*: ERROR: permission denied for relation svv_roles$/)
      }
      expect(unavailable).toEqual(['/sql/databasePrivileges', '/sql/functionRole', '/sql/exfuncUsage', '/sql/sourceSchemas', '/sql/externalFunction'].map((pointer) => ({ pointer, cause })))
      expect(sql).toEqual({ database: COMPLIANT_SQL.database, user: COMPLIANT_SQL.user })
    })

    it('a failing Cargo-database statement (grants and exfunc) leaves the catalogue facts readable', async () => {
      await compliant()
      intercept = ({ operation, input }) =>
        operation === 'ExecuteStatement' && input['Database'] === 'cargo_db' ? { fail: 'ERROR: connection refused' } : undefined
      const { sql, unavailable } = await audit()
      expect(unavailable.map((u) => u.pointer)).toEqual(['/sql/databasePrivileges', '/sql/functionRole', '/sql/exfuncUsage', '/sql/sourceSchemas', '/sql/externalFunction'])
      expect(unavailable[0]!.cause.message).toBe(
        'could not read roles, role grants, system privileges and database privileges (SVV_USER_GRANTS, SVV_ROLE_GRANTS, SVV_SYSTEM_PRIVILEGES, SVV_DATABASE_PRIVILEGES, and SVV_LANGUAGE_PRIVILEGES in cargo_db): ERROR: connection refused'
      )
      expect(sql).toEqual({ database: COMPLIANT_SQL.database, user: COMPLIANT_SQL.user })
    })

    it('gives up at the audit timeout and cancels the statement', async () => {
      await compliant()
      intercept = ({ operation }) => (operation === 'ExecuteStatement' ? { delayMs: 10_000 } : undefined)
      const { unavailable } = await audit({ timeoutSeconds: 1, sourceSchemas: [] }, { needs: (p) => p === '/sql/user' })
      expect(unavailable).toEqual([
        {
          pointer: '/sql/user',
          cause: {
            service: 'redshift-data',
            operation: 'DescribeStatement',
            code: 'TimeoutError',
            message: expect.stringMatching(/^could not read the Cargo user.*: timed out after the audit timeout$/)
          }
        }
      ])
      expect(redshift.calls['CancelStatement']).toBe(1)
      expect(redshift.statements[0]!.status).toBe('ABORTED')
    })

    it('maps an aborted call to the audit timeout', async () => {
      await compliant()
      const t = makeContext({ sourceSchemas: [] }, (p) => p === '/sql/user')
      t.ctx.call = async (_service, _operation, fn) => {
        const controller = new AbortController()
        controller.abort()
        return fn(controller.signal)
      }
      await collectSql(t.ctx, client(), TARGET)
      expect(t.unavailable).toHaveLength(1)
      expect(t.unavailable[0]!.cause).toMatchObject({ operation: 'ExecuteStatement', message: expect.stringMatching(/timed out after the audit timeout$/) })
    })

    it('never throws, even when ctx.call itself does', async () => {
      await compliant()
      const t = makeContext()
      t.ctx.call = async () => {
        throw new Error('boom')
      }
      await expect(collectSql(t.ctx, client(), TARGET)).resolves.toBeUndefined()
      expect(t.unavailable.map((u) => u.pointer)).toEqual(['/sql'])
      expect(t.unavailable[0]!.cause.message).toMatch(/: boom$/)
    })
  })

  describe('a session that cannot see other identities in the SVV views', () => {
    async function withAuditor(): Promise<void> {
      await compliant()
      await redshift.admin("CREATE USER auditor PASSWORD 'Strong-Passw0rd'")
    }

    it('marks facts it cannot see as unavailable, naming the grant to make, instead of reporting drift', async () => {
      await withAuditor()
      sessionUser = 'auditor'
      const { sql, unavailable } = await audit()
      expect(unavailable.map((u) => u.pointer)).toEqual(['/sql/functionRole', '/sql/exfuncUsage', '/sql/sourceSchemas/0/defaultSelect', '/sql/externalFunction'])
      expect(unavailable[0]!.cause).toMatchObject({ code: 'CatalogNotVisible' })
      expect(unavailable[0]!.cause.message).toContain('"auditor"')
      expect(unavailable[0]!.cause.message).toContain('GRANT ACCESS SYSTEM TABLE TO ROLE cargo_guard_audit; GRANT ROLE cargo_guard_audit TO "auditor"')
      // Facts the catalogue answers (has_*_privilege sees direct, PUBLIC and group grants) are still read.
      expect(sql.user).toEqual(COMPLIANT_SQL.user)
      expect(sql.databasePrivileges).toEqual(['CREATE', 'TEMP'])
      expect(sql.sourceSchemas?.[0]?.tables).toEqual(COMPLIANT_SCHEMA.tables)
    })

    it('trusts a session holding ACCESS SYSTEM TABLE through a role', async () => {
      await withAuditor()
      await redshift.admin('CREATE ROLE catalog_readers; GRANT ACCESS SYSTEM TABLE TO ROLE catalog_readers; GRANT ROLE catalog_readers TO auditor')
      sessionUser = 'auditor'
      const { sql, unavailable } = await audit()
      expect(unavailable).toEqual([])
      expect(sql).toEqual(COMPLIANT_SQL)
    })
  })
})
