import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient
} from '@aws-sdk/client-redshift-data'
import { afterEach, describe, expect, it } from 'vitest'
import { collectSql, type DataApiTarget } from '../../src/collect/aws/sql.js'
import type { CollectContext } from '../../src/collect/types.js'
import type { Parameters } from '../../src/config/parameters.js'
import type { AccountState, SqlState, UnavailableFact } from '../../src/state/types.js'
import {
  FakeRedshiftCatalog,
  startFakeRedshiftData,
  type FakeRedshiftDataOptions,
  type FakeRedshiftDataServer
} from '../fakes/redshift-data-server.js'

/** Only what the SQL collector reads; Parameters grows with other features, hence Partial and a cast below. */
const BASE_PARAMS: Partial<Parameters> = {
  mode: 'audit',
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
  rules: [],
  disableRules: [],
  failOn: 'error',
  failOnError: false,
  reportPath: 'report.json',
  timeoutSeconds: 30,
  maxConcurrency: 8
}

const TARGET: DataApiTarget = { workgroupName: 'cargo-wg', database: 'dev' }

/** Everything Cargo's setup page asks for, plus a readable source schema. */
function compliantCatalog(): FakeRedshiftCatalog {
  return new FakeRedshiftCatalog()
    .addDatabase('cargo_db')
    .addUser('cargo_user')
    .grantDatabase('cargo_db', ['CREATE', 'TEMP'], 'cargo_user')
    .addRole('cargo_fn', { systemPrivileges: ['CREATE OR REPLACE FUNCTION'] })
    .grantRole('cargo_fn', 'cargo_user')
    .grantLanguage('cargo_db', 'exfunc', 'cargo_user')
    .addDatabase('sales_db')
    .addSchema('sales_db', 'crm')
    .addTable('sales_db', 'crm', 'accounts')
    .addTable('sales_db', 'crm', 'contacts')
    .grantSchema('sales_db', 'crm', ['USAGE'], 'cargo_user')
    .grantTable('sales_db', 'crm', 'accounts', ['SELECT'], 'cargo_user')
    .grantTable('sales_db', 'crm', 'contacts', ['SELECT'], 'cargo_user')
    .addDefaultPrivilege('sales_db', 'crm', { grantee: 'cargo_user' })
}

const COMPLIANT_SQL: SqlState = {
  database: { name: 'cargo_db', exists: true },
  user: { name: 'cargo_user', exists: true, superuser: false },
  databasePrivileges: ['CREATE', 'TEMP'],
  functionRole: { name: 'cargo_fn', exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: true },
  exfuncUsage: true,
  sourceSchemas: [
    {
      database: 'sales_db',
      schema: 'crm',
      exists: true,
      usage: true,
      tables: [
        { name: 'accounts', select: true },
        { name: 'contacts', select: true }
      ],
      defaultSelect: true
    }
  ]
}

interface TestContext {
  ctx: CollectContext
  state: AccountState
  unavailable: UnavailableFact[]
  calls: string[]
}

function makeContext(params: Partial<Parameters> = {}, needs: (pointer: string) => boolean = () => true): TestContext {
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
    params: { ...BASE_PARAMS, ...params } as Parameters,
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

let server: FakeRedshiftDataServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(catalog: FakeRedshiftCatalog, options: Omit<FakeRedshiftDataOptions, 'catalog'> = {}) {
  server = await startFakeRedshiftData({ catalog, pollsToFinish: 2, ...options })
  const client = new RedshiftDataClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1
  })
  return { server, client }
}

async function audit(
  catalog: FakeRedshiftCatalog,
  params: Partial<Parameters> = {},
  options: Omit<FakeRedshiftDataOptions, 'catalog'> & { target?: DataApiTarget; needs?: (p: string) => boolean } = {}
) {
  const { target = TARGET, needs, ...serverOptions } = options
  const { server, client } = await start(catalog, serverOptions)
  const t = makeContext(params, needs)
  await collectSql(t.ctx, client, target)
  return { ...t, server, sql: t.state.sql ?? {} }
}

describe('collectSql against the fake Data API', () => {
  it('reads a compliant catalogue into every SqlState field with three statements', async () => {
    const { sql, unavailable, server } = await audit(compliantCatalog())
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
    // Account-wide in 'dev', exfunc in cargo_db, one per source database.
    expect(server.calls['ExecuteStatement']).toBe(3)
    expect(server.statements.map((s) => s.database).sort()).toEqual(['cargo_db', 'dev', 'sales_db'])
    expect(server.statements.every((s) => s.status === 'FINISHED')).toBe(true)
    expect(server.calls['BatchExecuteStatement']).toBeUndefined()
  })

  it('folds the exfunc check into the account statement when the Data API database is the Cargo database', async () => {
    const { sql, unavailable, server } = await audit(compliantCatalog(), {}, { target: { ...TARGET, database: 'cargo_db' } })
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
    expect(server.calls['ExecuteStatement']).toBe(2)
  })

  it('sends each statement through ctx.call and polls DescribeStatement until FINISHED', async () => {
    const { calls, server } = await audit(compliantCatalog(), {}, { pollsToFinish: 3 })
    expect(new Set(calls)).toEqual(
      new Set(['redshift-data:ExecuteStatement', 'redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'])
    )
    expect(server.calls['DescribeStatement']).toBe(9)
    expect(calls.filter((c) => c.endsWith('DescribeStatement'))).toHaveLength(9)
    const describes = server.log.filter((c) => c.operation === 'DescribeStatement')
    expect(describes.every((c) => c.input['WaitTimeSeconds'] === 2)).toBe(true)
  })

  it('waits for a slow statement with backoff and long polls', async () => {
    const { sql, unavailable } = await audit(compliantCatalog(), {}, {
      intercept: ({ operation }) => (operation === 'ExecuteStatement' ? { delayMs: 300 } : undefined)
    })
    expect(unavailable).toEqual([])
    expect(sql).toEqual(COMPLIANT_SQL)
  })

  describe('each drifted fact alone', () => {
    type Drift = [string, (c: FakeRedshiftCatalog) => FakeRedshiftCatalog, Partial<SqlState>, Partial<Parameters>?]
    const drifts: Drift[] = [
      [
        'no Cargo database',
        () => {
          const c = compliantCatalog()
          delete c.data.databases['cargo_db']
          return c
        },
        { database: { name: 'cargo_db', exists: false }, databasePrivileges: [], exfuncUsage: false }
      ],
      [
        'no Cargo user',
        (c) => c.dropUser('cargo_user'),
        {
          user: { name: 'cargo_user', exists: false },
          databasePrivileges: [],
          functionRole: { ...COMPLIANT_SQL.functionRole, grantedToUser: false },
          exfuncUsage: false,
          sourceSchemas: [
            {
              ...COMPLIANT_SQL.sourceSchemas[0]!,
              usage: false,
              tables: [
                { name: 'accounts', select: false },
                { name: 'contacts', select: false }
              ],
              defaultSelect: false
            }
          ]
        }
      ],
      [
        'a superuser Cargo user',
        (c) => {
          c.data.users['cargo_user']!.superuser = true
          return c
        },
        { user: { name: 'cargo_user', exists: true, superuser: true } }
      ],
      [
        'no CREATE on the database (TEMP through PUBLIC)',
        (c) => c.revokeDatabase('cargo_db', ['CREATE', 'TEMP'], 'cargo_user'),
        { databasePrivileges: ['TEMP'] }
      ],
      [
        'neither CREATE nor TEMP',
        (c) => c.revokeDatabase('cargo_db', ['CREATE', 'TEMP'], 'cargo_user').revokeDatabase('cargo_db', ['TEMP'], { public: true }),
        { databasePrivileges: [] }
      ],
      [
        'CREATE only',
        (c) => c.revokeDatabase('cargo_db', ['TEMP'], 'cargo_user').revokeDatabase('cargo_db', ['TEMP'], { public: true }),
        { databasePrivileges: ['CREATE'] }
      ],
      [
        'no function role',
        (c) => {
          delete c.data.roles['cargo_fn']
          c.data.userRoles = []
          c.data.systemPrivileges = []
          return c
        },
        { functionRole: { name: 'cargo_fn', exists: false, systemPrivileges: [], grantedToUser: false } }
      ],
      [
        'a function role without the system privilege',
        (c) => {
          c.data.systemPrivileges = []
          return c
        },
        { functionRole: { ...COMPLIANT_SQL.functionRole, systemPrivileges: [] } }
      ],
      [
        'a function role with only CREATE OR REPLACE EXTERNAL FUNCTION',
        (c) => {
          c.data.systemPrivileges = []
          return c.grantSystemPrivilege('CREATE OR REPLACE EXTERNAL FUNCTION', { role: 'cargo_fn' })
        },
        { functionRole: { ...COMPLIANT_SQL.functionRole, systemPrivileges: ['CREATE OR REPLACE EXTERNAL FUNCTION'] } }
      ],
      [
        'the function role not granted to the user',
        (c) => {
          c.data.userRoles = []
          return c
        },
        { functionRole: { ...COMPLIANT_SQL.functionRole, grantedToUser: false } }
      ],
      [
        'exfunc USAGE missing',
        (c) => {
          c.db('cargo_db').languageGrants = c.db('cargo_db').languageGrants.filter((g) => g.language !== 'exfunc')
          return c
        },
        { exfuncUsage: false }
      ],
      [
        'exfunc USAGE granted in another database only',
        (c) => {
          c.db('cargo_db').languageGrants = c.db('cargo_db').languageGrants.filter((g) => g.language !== 'exfunc')
          return c.grantLanguage('dev', 'exfunc', 'cargo_user')
        },
        { exfuncUsage: false }
      ],
      [
        'source schema missing',
        (c) => {
          delete c.db('sales_db').schemas['crm']
          return c
        },
        { sourceSchemas: [{ database: 'sales_db', schema: 'crm', exists: false, usage: false, tables: [], defaultSelect: false }] }
      ],
      [
        'source database missing',
        (c) => {
          delete c.data.databases['sales_db']
          return c
        },
        { sourceSchemas: [{ database: 'sales_db', schema: 'crm', exists: false, usage: false, tables: [], defaultSelect: false }] }
      ],
      [
        'no USAGE on the source schema',
        (c) => {
          c.schema('sales_db', 'crm').grants = []
          return c
        },
        { sourceSchemas: [{ ...COMPLIANT_SQL.sourceSchemas[0]!, usage: false }] }
      ],
      [
        'one table without SELECT',
        (c) => {
          c.table('sales_db', 'crm', 'contacts').grants = []
          return c
        },
        {
          sourceSchemas: [
            {
              ...COMPLIANT_SQL.sourceSchemas[0]!,
              tables: [
                { name: 'accounts', select: true },
                { name: 'contacts', select: false }
              ]
            }
          ]
        }
      ],
      [
        'no default privileges for future tables',
        (c) => {
          c.schema('sales_db', 'crm').defaultPrivileges = []
          return c
        },
        { sourceSchemas: [{ ...COMPLIANT_SQL.sourceSchemas[0]!, defaultSelect: false }] }
      ],
      [
        'default privileges granted to another user',
        (c) => {
          c.schema('sales_db', 'crm').defaultPrivileges = []
          return c.addUser('someone').addDefaultPrivilege('sales_db', 'crm', { grantee: 'someone' })
        },
        { sourceSchemas: [{ ...COMPLIANT_SQL.sourceSchemas[0]!, defaultSelect: false }] }
      ],
      [
        'an empty source schema',
        (c) => {
          c.schema('sales_db', 'crm').tables = {}
          return c
        },
        { sourceSchemas: [{ ...COMPLIANT_SQL.sourceSchemas[0]!, tables: [] }] }
      ]
    ]

    it.each(drifts)('%s', async (_name, drift, expected, params) => {
      const { sql, unavailable } = await audit(drift(compliantCatalog()), params ?? {})
      expect(unavailable).toEqual([])
      expect(sql).toEqual({ ...COMPLIANT_SQL, ...expected })
    })

    it('sends the exfunc statement alongside the account-wide one; a missing Cargo database makes it false, not unavailable', async () => {
      const c = compliantCatalog()
      delete c.data.databases['cargo_db']
      const { server, sql, unavailable } = await audit(c)
      // Three statements, none waiting on another: dev (account-wide), cargo_db (exfunc, fails), sales_db.
      expect(server.calls['ExecuteStatement']).toBe(3)
      expect(sql.database).toEqual({ name: 'cargo_db', exists: false })
      expect(sql.exfuncUsage).toBe(false)
      expect(unavailable.filter((u) => u.pointer === '/sql/exfuncUsage')).toEqual([])
    })
  })

  describe('privileges held through PUBLIC and roles', () => {
    it('counts a role granted through nested roles', async () => {
      const c = compliantCatalog()
      c.data.userRoles = []
      c.addRole('outer').addRole('middle').grantRole('outer', 'cargo_user').grantRole('middle', { role: 'outer' })
      c.grantRole('cargo_fn', { role: 'middle' })
      const { sql, unavailable } = await audit(c)
      expect(unavailable).toEqual([])
      expect(sql.functionRole).toEqual(COMPLIANT_SQL.functionRole)
    })

    it('looks three role grants deep, not further', async () => {
      const c = compliantCatalog()
      c.data.userRoles = []
      c.addRole('r1').addRole('r2').addRole('r3').addRole('r4')
      c.grantRole('r1', 'cargo_user').grantRole('r2', { role: 'r1' }).grantRole('r3', { role: 'r2' }).grantRole('cargo_fn', { role: 'r3' })
      expect((await audit(c)).sql.functionRole?.grantedToUser).toBe(true)
      await server?.close()
      c.data.roleRoles = c.data.roleRoles.filter((g) => g.granted !== 'cargo_fn')
      c.grantRole('r4', { role: 'r3' }).grantRole('cargo_fn', { role: 'r4' })
      expect((await audit(c)).sql.functionRole?.grantedToUser).toBe(false)
    })

    it('counts exfunc USAGE granted to PUBLIC', async () => {
      const c = compliantCatalog()
      c.db('cargo_db').languageGrants = c.db('cargo_db').languageGrants.filter((g) => g.language !== 'exfunc')
      c.grantLanguage('cargo_db', 'exfunc', { public: true })
      expect((await audit(c)).sql.exfuncUsage).toBe(true)
    })

    it('counts exfunc USAGE granted to a role the user holds', async () => {
      const c = compliantCatalog()
      c.db('cargo_db').languageGrants = c.db('cargo_db').languageGrants.filter((g) => g.language !== 'exfunc')
      c.addRole('udf_users').grantRole('udf_users', 'cargo_user').grantLanguage('cargo_db', 'exfunc', { role: 'udf_users' })
      expect((await audit(c)).sql.exfuncUsage).toBe(true)
    })

    it('counts table SELECT and default privileges through a role and PUBLIC', async () => {
      const c = compliantCatalog()
      const crm = c.schema('sales_db', 'crm')
      crm.grants = [{ grantee: 'public', privilege: 'USAGE' }]
      crm.defaultPrivileges = []
      c.table('sales_db', 'crm', 'accounts').grants = []
      c.addRole('readers').grantRole('readers', 'cargo_user').grantTable('sales_db', 'crm', 'accounts', ['SELECT'], { role: 'readers' })
      c.addDefaultPrivilege('sales_db', 'crm', { grantee: { role: 'readers' } })
      const { sql } = await audit(c)
      expect(sql.sourceSchemas).toEqual(COMPLIANT_SQL.sourceSchemas)
    })
  })

  describe('source schemas', () => {
    function twoDatabases(): FakeRedshiftCatalog {
      return compliantCatalog()
        .addSchema('sales_db', 'billing')
        .addTable('sales_db', 'billing', 'invoices')
        .addDatabase('events_db')
        .addSchema('events_db', 'web')
        .addTable('events_db', 'web', 'clicks')
        .grantSchema('events_db', 'web', ['USAGE'], 'cargo_user')
        .grantTable('events_db', 'web', 'clicks', ['SELECT'], 'cargo_user')
    }
    const schemas = [
      { database: 'events_db', schema: 'web' },
      { database: 'sales_db', schema: 'crm' },
      { database: 'sales_db', schema: 'billing' }
    ]

    it('runs one statement per source database, in parallel, and keeps the parameter order', async () => {
      const { sql, unavailable, server } = await audit(twoDatabases(), { sourceSchemas: schemas })
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas).toEqual([
        { database: 'events_db', schema: 'web', exists: true, usage: true, tables: [{ name: 'clicks', select: true }], defaultSelect: false },
        COMPLIANT_SQL.sourceSchemas[0],
        {
          database: 'sales_db',
          schema: 'billing',
          exists: true,
          usage: false,
          tables: [{ name: 'invoices', select: false }],
          defaultSelect: false
        }
      ])
      // Account, exfunc, events_db, sales_db: the two sales_db schemas share one statement.
      expect(server.calls['ExecuteStatement']).toBe(4)
      expect(server.statements.filter((s) => s.database === 'sales_db')).toHaveLength(1)
    })

    it('pages through GetStatementResult', async () => {
      const c = compliantCatalog()
      const names = Array.from({ length: 9 }, (_, i) => `t${i}`)
      for (const n of names) c.addTable('sales_db', 'crm', n).grantTable('sales_db', 'crm', n, ['SELECT'], 'cargo_user')
      c.table('sales_db', 'crm', 't4').grants = []
      const { sql, unavailable, server } = await audit(c, {}, { pageSize: 2 })
      expect(unavailable).toEqual([])
      const tables = sql.sourceSchemas?.[0]?.tables ?? []
      expect(tables.map((t) => t.name)).toEqual(['accounts', 'contacts', ...names])
      expect(tables.filter((t) => !t.select).map((t) => t.name)).toEqual(['t4'])
      // session + schema + 11 tables + default = 14 rows over pages of 2 = 7 pages; account and exfunc have one row each.
      expect(server.calls['GetStatementResult']).toBe(9)
      expect(sql.user).toEqual(COMPLIANT_SQL.user)
    })

    it('counts database-wide default privileges (ALTER DEFAULT PRIVILEGES without IN SCHEMA)', async () => {
      const c = compliantCatalog()
      c.schema('sales_db', 'crm').defaultPrivileges = []
      c.addDefaultPrivilege('sales_db', null, { grantee: 'cargo_user' })
      expect((await audit(c)).sql.sourceSchemas).toEqual(COMPLIANT_SQL.sourceSchemas)
    })

    it('splits many schemas of one database into statements under the 100 KB limit', async () => {
      const c = compliantCatalog()
      const long = (i: number) => `s${String(i).padStart(3, '0')}_${'x'.repeat(120)}`
      const many = Array.from({ length: 120 }, (_, i) => ({ database: 'sales_db', schema: long(i) }))
      for (const s of many.slice(0, 60)) c.addSchema('sales_db', s.schema).grantSchema('sales_db', s.schema, ['USAGE'], 'cargo_user')
      const { sql, unavailable, server } = await audit(c, { sourceSchemas: many })
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas?.map((s) => [s.exists, s.usage])).toEqual(many.map((_, i) => [i < 60, i < 60]))
      expect(server.statements.filter((s) => s.database === 'sales_db')).toHaveLength(3)
      expect(Math.max(...server.statements.map((s) => Buffer.byteLength(s.sql)))).toBeLessThan(40_000)
    })

    it('sets an empty list without a statement when no source schema is configured', async () => {
      const { sql, server } = await audit(compliantCatalog(), { sourceSchemas: [] })
      expect(sql.sourceSchemas).toEqual([])
      expect(server.calls['ExecuteStatement']).toBe(2)
    })

    it('quotes names that need it (tables with quotes and upper case)', async () => {
      const c = compliantCatalog()
      c.schema('sales_db', 'crm').tables = {}
      c.addTable('sales_db', 'crm', 'it\'s "odd"').grantTable('sales_db', 'crm', 'it\'s "odd"', ['SELECT'], 'cargo_user')
      const { sql, unavailable } = await audit(c)
      expect(unavailable).toEqual([])
      expect(sql.sourceSchemas?.[0]?.tables).toEqual([{ name: 'it\'s "odd"', select: true }])
    })
  })

  it('quotes parameter values as literals (a user name with a quote and a backslash)', async () => {
    const name = "o'hara\\x"
    const c = compliantCatalog().addUser(name).grantRole('cargo_fn', name).grantLanguage('cargo_db', 'exfunc', name)
    const { sql, unavailable, server } = await audit(c, { dbUser: name })
    expect(unavailable).toEqual([])
    expect(sql.user).toEqual({ name, exists: true, superuser: false })
    expect(sql.functionRole?.grantedToUser).toBe(true)
    expect(sql.exfuncUsage).toBe(true)
    expect(server.statements.every((s) => s.status === 'FINISHED')).toBe(true)
  })

  describe('needs', () => {
    it('runs nothing when no rule reads /sql', async () => {
      const { state, server } = await audit(compliantCatalog(), {}, { needs: () => false })
      expect(state.sql).toBeUndefined()
      expect(server.calls).toEqual({})
    })

    it('fills only what is needed', async () => {
      const { sql, server } = await audit(compliantCatalog(), {}, { needs: (p) => p === '/sql/user' })
      expect(sql).toEqual({ user: COMPLIANT_SQL.user })
      expect(server.calls['ExecuteStatement']).toBe(1)
      expect(server.statements[0]!.sql).not.toMatch(/svv_|has_/)
    })

    it('skips source schemas when they are not needed', async () => {
      const { sql, server } = await audit(compliantCatalog(), {}, { needs: (p) => p !== '/sql/sourceSchemas' })
      expect(sql.sourceSchemas).toBeUndefined()
      expect(server.statements.map((s) => s.database).sort()).toEqual(['cargo_db', 'dev'])
    })
  })

  describe('failures are verdicts', () => {
    it('reports access denied on ExecuteStatement once for /sql with the IAM action', async () => {
      const { sql, unavailable } = await audit(compliantCatalog(), {}, {
        intercept: ({ operation }) =>
          operation === 'ExecuteStatement'
            ? { error: 'AccessDeniedException', message: 'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized' }
            : undefined
      })
      expect(sql).toEqual({})
      expect(unavailable).toEqual([
        {
          pointer: '/sql',
          cause: {
            service: 'redshift-data',
            operation: 'ExecuteStatement',
            iamAction: 'redshift-data:ExecuteStatement',
            code: 'AccessDeniedException',
            message: 'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized'
          }
        }
      ])
    })

    it('names redshift-serverless:GetCredentials when temporary credentials are denied', async () => {
      const message =
        'User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: redshift-serverless:GetCredentials on resource: arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/abc'
      const { unavailable } = await audit(compliantCatalog(), {}, {
        intercept: ({ operation }) => (operation === 'ExecuteStatement' ? { error: 'ValidationException', message } : undefined)
      })
      expect(unavailable).toHaveLength(1)
      expect(unavailable[0]!.pointer).toBe('/sql')
      expect(unavailable[0]!.cause).toMatchObject({ iamAction: 'redshift-serverless:GetCredentials', code: 'ValidationException' })
    })

    it('names redshift:GetClusterCredentials for a provisioned cluster with DbUser', async () => {
      const { unavailable } = await audit(compliantCatalog(), {}, {
        target: { clusterIdentifier: 'cargo-cluster', dbUser: 'admin', database: 'dev' },
        intercept: ({ operation }) =>
          operation === 'ExecuteStatement' ? { error: 'AccessDeniedException', message: 'Not authorized to get credentials of cluster cargo-cluster' } : undefined
      })
      expect(unavailable.map((u) => [u.pointer, u.cause.iamAction])).toEqual([['/sql', 'redshift:GetClusterCredentials']])
    })

    it('marks only the source schemas when their statement is denied', async () => {
      const { sql, unavailable } = await audit(compliantCatalog(), {}, {
        intercept: ({ operation, input }) =>
          operation === 'ExecuteStatement' && input['Database'] === 'sales_db'
            ? { error: 'AccessDeniedException', message: 'denied' }
            : undefined
      })
      expect(unavailable.map((u) => [u.pointer, u.cause.iamAction])).toEqual([['/sql/sourceSchemas', 'redshift-data:ExecuteStatement']])
      const { sourceSchemas, ...rest } = COMPLIANT_SQL
      void sourceSchemas
      expect(sql).toEqual(rest)
    })

    it('reports a denied DescribeStatement with its own action', async () => {
      const { unavailable } = await audit(compliantCatalog(), { sourceSchemas: [] }, {
        intercept: ({ operation }) => (operation === 'DescribeStatement' ? { error: 'AccessDeniedException', message: 'nope' } : undefined)
      })
      expect(unavailable.map((u) => u.cause.iamAction)).toEqual(
        expect.arrayContaining(['redshift-data:DescribeStatement'])
      )
      expect(new Set(unavailable.map((u) => u.cause.operation))).toEqual(new Set(['DescribeStatement']))
    })

    it('turns a FAILED account statement into unavailable account facts with the error text', async () => {
      const { sql, unavailable } = await audit(compliantCatalog(), {}, {
        intercept: ({ operation, input }) =>
          operation === 'ExecuteStatement' && input['Database'] === 'dev' ? { fail: 'permission denied for relation svv_roles' } : undefined
      })
      const cause = {
        service: 'redshift-data',
        operation: 'ExecuteStatement',
        code: 'StatementFailed',
        message: 'ERROR: permission denied for relation svv_roles'
      }
      expect(unavailable).toEqual(
        ['/sql/database', '/sql/user', '/sql/databasePrivileges', '/sql/functionRole', '/sql/exfuncUsage'].map((pointer) => ({ pointer, cause }))
      )
      expect(sql).toEqual({ sourceSchemas: COMPLIANT_SQL.sourceSchemas })
    })

    it('marks exfuncUsage alone when the Cargo database statement fails', async () => {
      const { sql, unavailable } = await audit(compliantCatalog(), {}, {
        intercept: ({ operation, input }) =>
          operation === 'ExecuteStatement' && input['Database'] === 'cargo_db' ? { fail: 'connection refused' } : undefined
      })
      expect(unavailable.map((u) => [u.pointer, u.cause.message])).toEqual([['/sql/exfuncUsage', 'ERROR: connection refused']])
      const { exfuncUsage, ...rest } = COMPLIANT_SQL
      void exfuncUsage
      expect(sql).toEqual(rest)
    })

    it('gives up at the audit timeout and cancels the statement', async () => {
      const { unavailable, server } = await audit(compliantCatalog(), { timeoutSeconds: 1, sourceSchemas: [] }, {
        needs: (p) => p === '/sql/user',
        intercept: ({ operation }) => (operation === 'ExecuteStatement' ? { delayMs: 10_000 } : undefined)
      })
      expect(unavailable).toEqual([
        {
          pointer: '/sql/user',
          cause: { service: 'redshift-data', operation: 'DescribeStatement', code: 'TimeoutError', message: 'timed out after the audit timeout' }
        }
      ])
      expect(server.calls['CancelStatement']).toBe(1)
      expect(server.statements[0]!.status).toBe('ABORTED')
    })

    it('maps an aborted call to the audit timeout', async () => {
      const { server: s, client } = await start(compliantCatalog())
      void s
      const t = makeContext({ sourceSchemas: [] }, (p) => p === '/sql/user')
      t.ctx.call = async (_service, _operation, fn) => {
        const controller = new AbortController()
        controller.abort()
        return fn(controller.signal)
      }
      await collectSql(t.ctx, client, TARGET)
      expect(t.unavailable).toHaveLength(1)
      expect(t.unavailable[0]!.cause).toMatchObject({ operation: 'ExecuteStatement', message: 'timed out after the audit timeout' })
    })

    it('never throws, even when ctx.call itself does', async () => {
      const { client } = await start(compliantCatalog())
      const t = makeContext()
      t.ctx.call = async () => {
        throw new Error('boom')
      }
      await expect(collectSql(t.ctx, client, TARGET)).resolves.toBeUndefined()
      expect(t.unavailable.map((u) => u.pointer)).toEqual(['/sql'])
      expect(t.unavailable[0]!.cause.message).toBe('boom')
    })
  })

  describe('a session that cannot see other identities in the SVV views', () => {
    function withAuditor(c: FakeRedshiftCatalog) {
      return c.addUser('auditor')
    }

    it('marks role, exfunc and default-privilege facts unavailable instead of reporting drift', async () => {
      const { sql, unavailable } = await audit(withAuditor(compliantCatalog()), {}, { sessionUser: 'auditor' })
      expect(unavailable.map((u) => u.pointer)).toEqual(['/sql/functionRole', '/sql/exfuncUsage', '/sql/sourceSchemas/0/defaultSelect'])
      expect(unavailable[0]!.cause).toMatchObject({ code: 'CatalogNotVisible' })
      expect(unavailable[0]!.cause.message).toContain('"auditor"')
      // Facts that do not depend on SVV visibility are still read.
      expect(sql.user).toEqual(COMPLIANT_SQL.user)
      expect(sql.databasePrivileges).toEqual(['CREATE', 'TEMP'])
      expect(sql.sourceSchemas?.[0]?.tables).toEqual(COMPLIANT_SQL.sourceSchemas[0]!.tables)
    })

    it('trusts a session holding ACCESS SYSTEM TABLE through a role', async () => {
      const c = withAuditor(compliantCatalog())
        .addRole('catalog_readers', { systemPrivileges: ['ACCESS SYSTEM TABLE'] })
        .grantRole('catalog_readers', 'auditor')
      const { sql, unavailable } = await audit(c, {}, { sessionUser: 'auditor' })
      expect(unavailable).toEqual([])
      expect(sql).toEqual(COMPLIANT_SQL)
    })
  })
})

describe('the fake Data API', () => {
  async function exec(client: RedshiftDataClient, sql: string, database = 'dev') {
    const { Id } = await client.send(new ExecuteStatementCommand({ Sql: sql, Database: database, WorkgroupName: 'wg' }))
    for (;;) {
      const d = await client.send(new DescribeStatementCommand({ Id: Id! }))
      if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d
    }
  }

  it('moves statements SUBMITTED → STARTED → FINISHED and returns typed cells', async () => {
    const { client } = await start(new FakeRedshiftCatalog(), { pollsToFinish: 3 })
    const { Id } = await client.send(
      new ExecuteStatementCommand({ Sql: "SELECT 1 AS n, 'x' AS s, TRUE AS b, NULL AS z", Database: 'dev', WorkgroupName: 'wg' })
    )
    const statuses: string[] = []
    for (let i = 0; i < 3; i++) statuses.push((await client.send(new DescribeStatementCommand({ Id: Id! }))).Status!)
    expect(statuses).toEqual(['SUBMITTED', 'STARTED', 'FINISHED'])
    const d = await client.send(new DescribeStatementCommand({ Id: Id! }))
    expect(d.CreatedAt).toBeInstanceOf(Date)
    const r = await client.send(new GetStatementResultCommand({ Id: Id! }))
    expect(r.Records).toEqual([[{ longValue: 1 }, { stringValue: 'x' }, { booleanValue: true }, { isNull: true }]])
    expect(r.ColumnMetadata?.map((c) => c.name)).toEqual(['n', 's', 'b', 'z'])
  })

  it('requires a workgroup or cluster', async () => {
    const { client } = await start(new FakeRedshiftCatalog())
    await expect(client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', Database: 'dev' }))).rejects.toMatchObject({
      name: 'ValidationException'
    })
  })

  it("fails has_*_privilege on unknown identities, as Redshift does", async () => {
    const { client } = await start(new FakeRedshiftCatalog())
    const d = await exec(client, "SELECT has_database_privilege('ghost', 'dev', 'CREATE')")
    expect(d.Status).toBe('FAILED')
    expect(d.Error).toBe('ERROR: user "ghost" does not exist')
  })

  it('fails unknown SQL with a clear error and refuses two statements in one', async () => {
    const { client } = await start(new FakeRedshiftCatalog())
    expect((await exec(client, 'VACUUM')).Error).toMatch(/does not support this statement/)
    expect((await exec(client, "SELECT 1; DROP TABLE x")).Error).toMatch(/multiple commands/)
  })

  it("executes Cargo's setup statements, with quoted identifiers, then audits compliant", async () => {
    const c = new FakeRedshiftCatalog()
      .addDatabase('sales_db')
      .addSchema('sales_db', 'crm')
      .addTable('sales_db', 'crm', 'accounts')
      .addTable('sales_db', 'crm', 'contacts')
    const { client, server } = await start(c)
    expect((await exec(client, 'CREATE DATABASE "cargo_db"')).Status).toBe('FINISHED')
    const setup = [
      `CREATE USER "cargo_user" PASSWORD 'Str0ngPassw0rd'`,
      'GRANT ALL ON DATABASE "cargo_db" TO "cargo_user"',
      'CREATE ROLE "cargo_fn"',
      'GRANT CREATE OR REPLACE FUNCTION TO ROLE "cargo_fn"',
      'GRANT ROLE "cargo_fn" TO "cargo_user"'
    ]
    const { Id } = await client.send(new BatchExecuteStatementCommand({ Sqls: setup, Database: 'dev', WorkgroupName: 'wg' }))
    let d = await client.send(new DescribeStatementCommand({ Id: Id! }))
    d = await client.send(new DescribeStatementCommand({ Id: Id! }))
    expect(d.Status).toBe('FINISHED')
    expect(d.SubStatements?.map((s) => s.Id)).toEqual(setup.map((_, i) => `${Id}:${i + 1}`))
    expect((await exec(client, 'GRANT USAGE ON LANGUAGE exfunc TO cargo_user', 'cargo_db')).Status).toBe('FINISHED')
    for (const sql of [
      'GRANT USAGE ON SCHEMA crm TO cargo_user',
      'GRANT SELECT ON ALL TABLES IN SCHEMA sales_db.crm TO cargo_user',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA crm GRANT SELECT ON TABLES TO cargo_user'
    ]) {
      expect((await exec(client, sql, 'sales_db')).Status).toBe('FINISHED')
    }
    const t = makeContext()
    await collectSql(t.ctx, client, TARGET)
    expect(t.unavailable).toEqual([])
    expect(t.state.sql).toEqual(COMPLIANT_SQL)
    expect(server.statements.filter((s) => s.operation === 'BatchExecuteStatement')).toHaveLength(5)
  })

  it('answers already-existing objects with Redshift-like errors', async () => {
    const c = new FakeRedshiftCatalog().addDatabase('cargo_db').addUser('cargo_user').addRole('cargo_fn')
    const { client } = await start(c)
    expect((await exec(client, 'CREATE DATABASE cargo_db')).Error).toBe('ERROR: database "cargo_db" already exists')
    expect((await exec(client, "CREATE USER cargo_user PASSWORD 'Str0ngPassw0rd'")).Error).toBe('ERROR: user "cargo_user" already exists')
    expect((await exec(client, 'CREATE ROLE cargo_fn')).Error).toBe('ERROR: role "cargo_fn" already exists')
    expect((await exec(client, 'GRANT ROLE cargo_fn TO nobody')).Error).toBe('ERROR: user "nobody" does not exist')
    expect((await exec(client, 'GRANT USAGE ON SCHEMA nowhere TO cargo_user')).Error).toBe('ERROR: schema "nowhere" does not exist')
    expect((await exec(client, "CREATE USER weak PASSWORD 'short'")).Status).toBe('FAILED')
  })

  it('rejects CREATE DATABASE inside a TRANSACTION batch and rolls the batch back', async () => {
    const { client, server } = await start(new FakeRedshiftCatalog())
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        Sqls: ['CREATE ROLE r1', 'CREATE DATABASE cargo_db', 'CREATE ROLE r2'],
        Database: 'dev',
        WorkgroupName: 'wg'
      })
    )
    await client.send(new DescribeStatementCommand({ Id: Id! }))
    const d = await client.send(new DescribeStatementCommand({ Id: Id! }))
    expect(d.Status).toBe('FAILED')
    expect(d.Error).toBe('ERROR: CREATE DATABASE cannot run inside a transaction block')
    expect(d.SubStatements?.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED', 'ABORTED'])
    expect(server.catalog.data.roles['r1']).toBeUndefined()

    const auto = await client.send(
      new BatchExecuteStatementCommand({
        Sqls: ['CREATE DATABASE cargo_db', 'CREATE ROLE r1'],
        Database: 'dev',
        WorkgroupName: 'wg',
        ExecutionMode: 'AUTO_COMMIT'
      })
    )
    await client.send(new DescribeStatementCommand({ Id: auto.Id! }))
    expect((await client.send(new DescribeStatementCommand({ Id: auto.Id! }))).Status).toBe('FINISHED')
    expect(server.catalog.data.databases['cargo_db']).toBeDefined()
    expect(server.catalog.data.roles['r1']).toBeDefined()
  })
})
