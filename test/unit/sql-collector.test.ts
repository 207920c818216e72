/**
 * The SQL collector against a mocked Data API (aws-sdk-client-mock): the rows each statement would
 * return are produced from a small model of a Redshift account, so these tests judge how rows
 * become facts (every privilege path, visibility, failures) and that no statement mixes classes.
 * The same scenarios run on real PostgreSQL in test/e2e.
 */
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type Field
} from '@aws-sdk/client-redshift-data'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { collectSql } from '../../src/collect/aws/sql.js'
import { statementClassOf } from '../../src/collect/aws/sql-statements.js'
import type { CollectContext, Probe } from '../../src/collect/types.js'
import type { AccountState, SqlState } from '../../src/state/types.js'
import { makeParameters } from '../fixtures/parameters.js'

type Cell = string | boolean | null
type Row = Record<string, Cell>

interface Grant {
  type: 'user' | 'group' | 'role' | 'public'
  name: string | null
}
interface Relation {
  schema: string
  name: string
  kind: 'r' | 'v'
  owner: string
  select?: Grant[]
}
/** A Redshift account as the catalogue and the SVV views would show it to a superuser. */
interface Model {
  session: string
  superusers: string[]
  users: string[]
  groups: Record<string, string[]>
  userRoles: Array<[string, string]>
  roleRoles: Array<[string, string]>
  roles: string[]
  systemPrivileges: Array<[Grant['type'], string, string]>
  databases: Record<string, { owner: string; privileges: Array<[Grant, string, string]> }>
  exfunc: Grant[]
  schemas: Record<string, { owner: string; usage: Grant[]; scopedSelect?: Grant[] }>
  relations: Relation[]
  defaults: Array<{ schema: string | null; owner: string; grantee: Grant }>
  failing?: Record<string, string>
}

/** The guide, exactly: database, user, ALL on it, the function role, exfunc, SELECT on one schema. */
function guide(): Model {
  return {
    session: 'admin',
    superusers: ['admin'],
    users: ['admin', 'cargo_user', 'etl'],
    groups: {},
    userRoles: [['cargo_user', 'cargo_create_replace_function']],
    roleRoles: [],
    roles: ['cargo_create_replace_function'],
    systemPrivileges: [['role', 'cargo_create_replace_function', 'CREATE OR REPLACE FUNCTION']],
    databases: {
      cargo_db: { owner: 'admin', privileges: [[{ type: 'user', name: 'cargo_user' }, 'CREATE', 'DATABASE'], [{ type: 'user', name: 'cargo_user' }, 'TEMP', 'DATABASE']] },
      analytics: { owner: 'admin', privileges: [] }
    },
    exfunc: [{ type: 'user', name: 'cargo_user' }],
    schemas: { public: { owner: 'admin', usage: [{ type: 'user', name: 'cargo_user' }] } },
    relations: [
      { schema: 'public', name: 'accounts', kind: 'r', owner: 'etl', select: [{ type: 'user', name: 'cargo_user' }] },
      { schema: 'public', name: 'orders', kind: 'r', owner: 'etl', select: [{ type: 'user', name: 'cargo_user' }] }
    ],
    defaults: []
  }
}

const reach = (m: Model, user: string, g: Grant): boolean => {
  if (g.type === 'public') return true
  if (g.type === 'user') return g.name === user
  if (g.type === 'group') return (m.groups[g.name!] ?? []).includes(user)
  // roles at any depth
  const held = new Set(m.userRoles.filter(([u]) => u === user).map(([, r]) => r))
  for (let grew = true; grew; ) {
    grew = false
    for (const [r, granted] of m.roleRoles) if (held.has(r) && !held.has(granted)) (held.add(granted), (grew = true))
  }
  return held.has(g.name!)
}

/** Rows per statement, told apart by the objects it reads. */
function rowsFor(m: Model, sql: string, database: string): Row[] {
  const fail = Object.entries(m.failing ?? {}).find(([needle]) => sql.includes(needle))
  if (fail) throw Object.assign(new Error(fail[1]), { statementError: fail[1] })
  if (!(database in m.databases)) throw Object.assign(new Error(`database "${database}" does not exist`), { statementError: `database "${database}" does not exist` })
  const names = (re: RegExp) => [...sql.matchAll(re)].map((x) => x[1]!)
  if (sql.includes('pg_group')) {
    const cargo = 'cargo_user'
    const db = m.databases['cargo_db']
    return m.users
      .filter((u) => u === cargo || u === m.session)
      .flatMap((u) => {
        const groups = Object.entries(m.groups).filter(([, members]) => members.includes(u)).map(([g]) => g)
        return (groups.length > 0 ? groups : [null]).map((g) => ({
          user_name: u,
          superuser: m.superusers.includes(u),
          group_name: g,
          session_user_name: m.session,
          database_exists: db !== undefined,
          database_owner: db?.owner ?? null,
          // has_database_privilege sees direct, PUBLIC and group grants
          db_create: u === cargo && db ? db.privileges.some(([g2, p, s]) => s === 'DATABASE' && p === 'CREATE' && g2.type !== 'role' && reach(m, cargo, g2)) : null,
          db_temp: u === cargo && db ? db.privileges.some(([g2, p, s]) => s === 'DATABASE' && p === 'TEMP' && g2.type !== 'role' && reach(m, cargo, g2)) : null
        }))
      })
  }
  const sees = m.superusers.includes(m.session) || reach(m, m.session, { type: 'role', name: 'auditor' })
  const visible = (type: string, name: string | null) => sees || (type === 'user' && name === m.session)
  const out: Row[] = []
  const push = (kind: string, ...cols: Array<string | null>) => {
    const [a = null, b = null, c = null, d = null, e = null] = cols
    out.push({ kind, a, b, c, d, e })
  }
  if (sql.includes('svv_user_grants')) {
    for (const [u, r] of m.userRoles) if (visible('user', u)) push('user_role', u, r)
    for (const [r, g] of m.roleRoles) if (sees) push('role_role', r, g)
    if (sees) for (const r of m.roles) if (sql.includes(`role_name = '${r}'`)) push('role', r)
    for (const [t, n, p] of m.systemPrivileges) if (visible(t, n)) push('system', t, n, p)
    for (const [db, d] of Object.entries(m.databases)) {
      for (const [g, p, s] of d.privileges) if (visible(g.type, g.name)) push('database', g.type, g.name, p, s, db)
    }
  }
  if (sql.includes('svv_language_privileges')) for (const g of m.exfunc) if (visible(g.type, g.name)) push('language', g.type, g.name)
  if (sql.includes('pg_namespace')) {
    const wanted = names(/'([^']+)'/g)
    return Object.entries(m.schemas)
      .filter(([s]) => wanted.includes(s))
      .flatMap(([s, info]): Row[] => {
        const rels = m.relations.filter((r) => r.schema === s)
        const base = { schema_name: s, schema_owner: info.owner, schema_usage: info.usage.some((g) => g.type !== 'role' && reach(m, 'cargo_user', g)) }
        if (rels.length === 0) return [{ ...base, relation_name: null, relation_kind: null, relation_owner: null, relation_select: null }]
        return rels.map((r) => ({
          ...base,
          relation_name: r.name,
          relation_kind: r.kind,
          relation_owner: r.owner,
          relation_select: (r.select ?? []).some((g) => g.type !== 'role' && reach(m, 'cargo_user', g))
        }))
      })
  }
  if (sql.includes('svv_schema_privileges')) {
    for (const [s, info] of Object.entries(m.schemas)) {
      for (const g of info.usage) if (visible(g.type, g.name)) push('schema', s, g.type, g.name, 'USAGE', 'SCHEMA')
      for (const g of info.scopedSelect ?? []) if (visible(g.type, g.name)) push('schema', s, g.type, g.name, 'SELECT', 'TABLES')
    }
    for (const r of m.relations) for (const g of r.select ?? []) if (visible(g.type, g.name)) push('relation', r.schema, g.type, g.name, r.name)
    for (const d of m.defaults) if (visible(d.grantee.type, d.grantee.name)) push('default', d.schema, d.grantee.type, d.grantee.name, d.owner)
  }
  return out
}

function field(v: Cell): Field {
  if (v === null) return { isNull: true }
  if (typeof v === 'boolean') return { booleanValue: v }
  return { stringValue: v }
}

const data = mockClient(RedshiftDataClient)
let model: Model
let executed: Array<{ sql: string; database: string }>

beforeEach(() => {
  data.reset()
  model = guide()
  executed = []
  const results = new Map<string, Row[] | Error>()
  data.on(ExecuteStatementCommand).callsFake((input: { Sql: string; Database: string }) => {
    const id = `s${executed.length}`
    executed.push({ sql: input.Sql, database: input.Database })
    try {
      results.set(id, rowsFor(model, input.Sql, input.Database))
    } catch (err) {
      results.set(id, err as Error)
    }
    return { Id: id }
  })
  data.on(DescribeStatementCommand).callsFake((input: { Id: string }) => {
    const r = results.get(input.Id)
    return r instanceof Error ? { Status: 'FAILED', Error: r.message } : { Status: 'FINISHED', HasResultSet: true }
  })
  data.on(GetStatementResultCommand).callsFake((input: { Id: string }) => {
    const rows = results.get(input.Id) as Row[]
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : []
    return { ColumnMetadata: columns.map((name) => ({ name, label: name })), Records: rows.map((r) => columns.map((c) => field(r[c] ?? null))) }
  })
})

let probes: Probe[] = []
async function collect(params: Record<string, unknown> = {}, database = 'dev'): Promise<AccountState> {
  probes = []
  model.databases['dev'] ??= { owner: 'admin', privileges: [] }
  const state = { unavailable: [] } as unknown as AccountState
  const ctx: CollectContext = {
    params: makeParameters({ sourceSchemas: [{ database: 'analytics', schema: 'public' }], ...params }),
    needs: (p) => p.startsWith('/sql') || '/sql'.startsWith(p),
    call: (_s, _o, fn) => fn(new AbortController().signal),
    unavailable: (pointer, cause) => state.unavailable.push({ pointer, cause }),
    state,
    now: new Date(),
    observe: (probe) => probes.push(probe)
  }
  await collectSql(ctx, new RedshiftDataClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), { workgroupName: 'wg', database })
  return state
}
const sqlOf = (s: AccountState) => s.sql as SqlState

describe('SQL collector (mocked Data API)', () => {
  it('the guide done exactly: every grant rule holds; external functions are not allowed', async () => {
    const s = await collect()
    expect(s.unavailable).toEqual([])
    const q = sqlOf(s)
    expect(q.database).toEqual({ name: 'cargo_db', exists: true })
    expect(q.user).toEqual({ name: 'cargo_user', exists: true, superuser: false })
    expect(q.databasePrivileges).toEqual(['CREATE', 'TEMP'])
    expect(q.functionRole).toMatchObject({ exists: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION'], grantedToUser: true, userPrivilegeVia: 'cargo_create_replace_function' })
    expect(q.exfuncUsage).toBe(true)
    expect(q.externalFunction).toEqual({ allowed: false })
    expect(q.sourceSchemas[0]).toMatchObject({ exists: true, usage: true, defaultSelect: false, uncoveredOwners: ['etl'] })
    expect(q.sourceSchemas[0]!.tables.every((t) => t.select)).toBe(true)
  })

  it('never mixes leader-node catalogue and system views in one statement, and runs them side by side', async () => {
    await collect()
    expect(executed.length).toBeGreaterThanOrEqual(4)
    for (const e of executed) expect(['leader-catalog', 'system-views'], e.sql).toContain(statementClassOf(e.sql))
    // Every UNION ALL branch casts its columns to VARCHAR: no set operation across type categories.
    for (const e of executed.filter((x) => x.sql.includes('UNION ALL'))) {
      for (const branch of e.sql.split('UNION ALL')) {
        const cols = branch.slice(branch.indexOf('SELECT') + 6, branch.indexOf('\nFROM')).split(/,(?![^(]*\))/)
        for (const c of cols) expect(c.trim(), branch).toMatch(/^CAST\(.* AS VARCHAR\(\d+\)\)( AS \w+)?$/)
      }
    }
  })

  it('counts a grant to PUBLIC and a grant to a group the user is in', async () => {
    model.exfunc = [{ type: 'group', name: 'cargo_group' }]
    model.groups = { cargo_group: ['cargo_user'] }
    model.databases['cargo_db']!.privileges = [[{ type: 'public', name: null }, 'CREATE', 'DATABASE'], [{ type: 'group', name: 'cargo_group' }, 'TEMP', 'DATABASE']]
    const q = sqlOf(await collect())
    expect(q.exfuncUsage).toBe(true)
    expect(q.databasePrivileges).toEqual(['CREATE', 'TEMP'])
  })

  it('follows roles five deep, for object grants and system privileges', async () => {
    model.userRoles = [['cargo_user', 'r1']]
    model.roleRoles = [['r1', 'r2'], ['r2', 'r3'], ['r3', 'r4'], ['r4', 'cargo_create_replace_function'], ['cargo_create_replace_function', 'r5']]
    model.roles.push('r1', 'r2', 'r3', 'r4', 'r5')
    model.systemPrivileges = [['role', 'r5', 'CREATE OR REPLACE FUNCTION'], ['role', 'r5', 'CREATE OR REPLACE EXTERNAL FUNCTION']]
    model.exfunc = [{ type: 'role', name: 'r4' }]
    model.relations[1]!.select = [{ type: 'role', name: 'r3' }]
    const q = sqlOf(await collect())
    expect(q.functionRole).toMatchObject({ grantedToUser: true, systemPrivileges: ['CREATE OR REPLACE FUNCTION', 'CREATE OR REPLACE EXTERNAL FUNCTION'] })
    expect(q.externalFunction).toEqual({ allowed: true, via: 'r5' })
    expect(q.exfuncUsage).toBe(true)
    expect(q.sourceSchemas[0]!.tables.find((t) => t.name === 'orders')!.select).toBe(true)
  })

  it('a role cycle ends the walk', async () => {
    model.roleRoles = [['cargo_create_replace_function', 'x'], ['x', 'cargo_create_replace_function']]
    const q = sqlOf(await collect())
    expect(q.functionRole.grantedToUser).toBe(true)
  })

  it("counts sys:dba's documented privileges (r_roles-default)", async () => {
    model.userRoles = [['cargo_user', 'sys:dba']]
    model.roles = []
    model.systemPrivileges = []
    const q = sqlOf(await collect())
    expect(q.functionRole).toMatchObject({ exists: false, userPrivilegeVia: 'sys:dba' })
    expect(q.externalFunction).toEqual({ allowed: true, via: 'sys:dba' })
  })

  it('a view without SELECT fails, a view with it passes', async () => {
    model.relations.push({ schema: 'public', name: 'v_sales', kind: 'v', owner: 'etl' })
    const q = sqlOf(await collect())
    expect(q.sourceSchemas[0]!.tables).toContainEqual({ name: 'v_sales', select: false, kind: 'view', owner: 'etl' })
  })

  it('judges default privileges per owner; a scoped permission covers every owner', async () => {
    model.relations.push({ schema: 'public', name: 'events', kind: 'r', owner: 'loader', select: [{ type: 'public', name: null }] })
    model.users.push('loader')
    model.defaults = [{ schema: 'public', owner: 'etl', grantee: { type: 'user', name: 'cargo_user' } }]
    let q = sqlOf(await collect())
    expect(q.sourceSchemas[0]).toMatchObject({
      defaultSelect: false,
      futureTableOwners: [
        { name: 'etl', covered: true },
        { name: 'loader', covered: false }
      ],
      uncoveredOwners: ['loader']
    })
    q = sqlOf(await collect({ sourceTableOwners: ['etl'] }))
    expect(q.sourceSchemas[0]).toMatchObject({ defaultSelect: true, uncoveredOwners: [] })
    model.schemas['public']!.scopedSelect = [{ type: 'user', name: 'cargo_user' }]
    q = sqlOf(await collect())
    expect(q.sourceSchemas[0]).toMatchObject({ defaultSelect: true, uncoveredOwners: [] })
  })

  it('a source schema in a missing database, and a missing schema, read as not existing', async () => {
    const q = sqlOf(await collect({ sourceSchemas: [{ database: 'nowhere', schema: 'public' }, { database: 'analytics', schema: 'gone' }] }))
    expect(q.sourceSchemas).toEqual([
      { database: 'nowhere', schema: 'public', exists: false, usage: false, tables: [], defaultSelect: false },
      { database: 'analytics', schema: 'gone', exists: false, usage: false, tables: [], defaultSelect: false }
    ])
  })

  it('a session without ACCESS SYSTEM TABLE: negative facts are errors naming the grant to make', async () => {
    model.session = 'auditor_user'
    model.users.push('auditor_user')
    const s = await collect()
    const pointers = s.unavailable.map((u) => u.pointer)
    expect(pointers.sort()).toEqual(['/sql/exfuncUsage', '/sql/externalFunction', '/sql/functionRole', '/sql/sourceSchemas/0/defaultSelect'])
    // What the catalogue answers (has_*_privilege sees direct, PUBLIC and group grants) needs no SVV view.
    expect(pointers).not.toContain('/sql/databasePrivileges')
    expect(pointers).not.toContain('/sql/sourceSchemas/0/tables')
    for (const u of s.unavailable) expect(u.cause.message).toContain('GRANT ACCESS SYSTEM TABLE TO ROLE')
    // doctor's line for it names the grant to make
    expect(probes.filter((p) => !p.ok)).toEqual([
      expect.objectContaining({ kind: 'sql', grant: expect.stringContaining('GRANT ROLE cargo_guard_audit TO "auditor_user"') })
    ])
  })

  it('the same session with ACCESS SYSTEM TABLE through a role sees everything', async () => {
    model.session = 'auditor_user'
    model.users.push('auditor_user')
    model.userRoles.push(['auditor_user', 'auditor'])
    model.systemPrivileges.push(['role', 'auditor', 'ACCESS SYSTEM TABLE'])
    const s = await collect()
    expect(s.unavailable).toEqual([])
  })

  it('a failed statement makes exactly the facts it feeds unavailable, naming its purpose and the message', async () => {
    model.failing = { svv_user_grants: 'permission denied for relation svv_user_grants' }
    const s = await collect()
    const pointers = s.unavailable.map((u) => u.pointer).sort()
    expect(pointers).toEqual(['/sql/databasePrivileges', '/sql/exfuncUsage', '/sql/externalFunction', '/sql/functionRole', '/sql/sourceSchemas'])
    expect(s.unavailable[0]!.cause.message).toMatch(/^could not read roles, role grants.*: permission denied for relation svv_user_grants$/)
    expect(sqlOf(s).database.exists).toBe(true)
    expect(sqlOf(s).user.exists).toBe(true)
    expect(probes.find((p) => !p.ok)).toMatchObject({ kind: 'sql', database: 'cargo_db', message: 'permission denied for relation svv_user_grants', grant: expect.stringContaining('ACCESS SYSTEM TABLE') })
  })

  it('a hostile identifier stays inside its literal', async () => {
    await collect({ dbUser: "x'; DROP TABLE t; --" })
    for (const e of executed) expect(e.sql).not.toMatch(/'x'; DROP/)
  })
})
