/**
 * The SQL part of the audit: which statements to run for the facts the enabled rules need, running
 * them side by side through the Data API, and turning their rows into `state.sql`.
 *
 * Each statement reads one class of objects (leader-node catalogue or system views, see
 * sql-statements.ts) and feeds a declared set of facts (FEEDS). When a statement fails, exactly the
 * facts it feeds are unavailable, with the statement's purpose and Redshift's message. Every path a
 * privilege can take is judged in sql-grants.ts, from the rows read here.
 */
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data'
import type { SourceSchema, TargetParameters } from '../../config/parameters.js'
import type {
  CollectionCause,
  SqlFutureTableOwner,
  SqlSourceSchemaState,
  SqlState,
  SqlTablePrivilege
} from '../../state/types.js'
import type { CollectContext } from '../types.js'
import { runSql, SERVICE, type Cell, type DataApiConnection } from '../../aws/data-api.js'
import { causeOf } from '../../aws/errors.js'
import {
  ACCESS_SYSTEM_TABLE,
  CREATE_EXTERNAL_FUNCTION,
  CREATE_FUNCTION,
  identityOf,
  reaches,
  roleSystemPrivileges,
  systemPrivilegeVia,
  type GrantGraph,
  type Identity
} from './sql-grants.js'
import {
  grantsSql,
  identitiesSql,
  sourceCatalogSql,
  sourceGrantsSql,
  type AuditStatement
} from './sql-statements.js'

type Row = Record<string, Cell>
type Fact = 'database' | 'user' | 'databasePrivileges' | 'functionRole' | 'exfuncUsage' | 'sourceSchemas' | 'externalFunction'
const FACTS: readonly Fact[] = ['database', 'user', 'databasePrivileges', 'functionRole', 'exfuncUsage', 'sourceSchemas', 'externalFunction']

/** Which statements each fact is read from (`source:` stands for both statements of every source database). */
export const FEEDS: Readonly<Record<Fact, readonly string[]>> = {
  database: ['identities'],
  user: ['identities'],
  databasePrivileges: ['identities', 'grants'],
  functionRole: ['identities', 'grants'],
  exfuncUsage: ['identities', 'grants'],
  externalFunction: ['identities', 'grants'],
  sourceSchemas: ['identities', 'grants', 'source:']
}

/** Source schemas per statement: keeps each statement far below the Data API's 100 KB limit. */
export const SCHEMAS_PER_STATEMENT = 50

/** The statements the wanted facts need, for the collector and for doctor. */
export function auditStatements(ctx: Pick<CollectContext, 'params' | 'needs'>, target: Pick<DataApiConnection, 'database'>): AuditStatement[] {
  const p = ctx.params.target
  const wanted = FACTS.filter((f) => ctx.needs(`/sql/${f}`))
  if (wanted.length === 0) return []
  const needs = (key: string) => wanted.some((f) => FEEDS[f].some((s) => s === key || (s === 'source:' && key.startsWith('source:'))))
  // The role graph is cluster-wide, so the grants statement can run anywhere; it runs in the Cargo
  // database when exfunc is wanted, where the per-database language privileges live, so that one
  // statement answers both (a missing Cargo database falls back to target.database: see collectSql).
  const languageHere = wanted.includes('exfuncUsage')
  const statements: AuditStatement[] = [
    {
      key: 'identities',
      purpose: `read the Cargo user, its groups and database ${p.database} from the catalogue (pg_user, pg_group, pg_database)`,
      class: 'leader-catalog',
      database: target.database,
      sql: identitiesSql(p, wanted.includes('databasePrivileges'))
    }
  ]
  if (needs('grants')) statements.push(grantsStatement(p, wanted, languageHere ? p.database : target.database, languageHere))
  if (wanted.includes('sourceSchemas')) {
    for (const [database, names] of sourceChunks(p.sourceSchemas)) {
      const list = names.join(', ')
      statements.push({
        key: `source:${database}:${list}:catalog`,
        purpose: `read tables, views and owners of ${database}.{${list}} from the catalogue (pg_namespace, pg_class)`,
        class: 'leader-catalog',
        database,
        sql: sourceCatalogSql(p.dbUser, names)
      })
      statements.push({
        key: `source:${database}:${list}:grants`,
        purpose: `read grants and default privileges on ${database}.{${list}} (SVV_SCHEMA_PRIVILEGES, SVV_RELATION_PRIVILEGES, SVV_DEFAULT_PRIVILEGES)`,
        class: 'system-views',
        database,
        sql: sourceGrantsSql(names)
      })
    }
  }
  return statements
}

function grantsStatement(p: TargetParameters, wanted: readonly Fact[], database: string, languageHere: boolean): AuditStatement {
  const databases = [...new Set([p.database, ...(wanted.includes('sourceSchemas') ? p.sourceSchemas.map((s) => s.database) : [])])]
  return {
    key: 'grants',
    purpose:
      'read roles, role grants, system privileges and database privileges (SVV_USER_GRANTS, SVV_ROLE_GRANTS, SVV_SYSTEM_PRIVILEGES, SVV_DATABASE_PRIVILEGES' +
      (languageHere ? `, and SVV_LANGUAGE_PRIVILEGES in ${database})` : ')'),
    class: 'system-views',
    database,
    sql: grantsSql({ functionRole: p.functionRole, databases, languageHere })
  }
}

function sourceChunks(schemas: SourceSchema[]): Array<[string, string[]]> {
  const byDatabase = new Map<string, string[]>()
  for (const s of schemas) byDatabase.set(s.database, [...(byDatabase.get(s.database) ?? []), s.schema])
  const chunks: Array<[string, string[]]> = []
  for (const [database, names] of byDatabase) {
    for (let i = 0; i < names.length; i += SCHEMAS_PER_STATEMENT) chunks.push([database, names.slice(i, i + SCHEMAS_PER_STATEMENT)])
  }
  return chunks
}

// ---------------------------------------------------------------------------------------------
// Reading rows.
// ---------------------------------------------------------------------------------------------

const bool = (v: Cell | undefined): boolean => v === true || v === 't' || v === 'true' || v === 1
const str = (v: Cell | undefined): string | null => (typeof v === 'string' ? v : null)

type Outcome = { ok: true; rows: Row[] } | { ok: false; cause: CollectionCause }

/** `database "x" does not exist`, as Redshift reports a connection to a missing database. */
export function missingDatabase(cause: CollectionCause, database: string): boolean {
  const m = /database "([^"]+)" does not exist/i.exec(cause.message)
  return m !== null && m[1]?.toLowerCase() === database.toLowerCase()
}

/** The role graph from the identities (leader) and grants (SVV) rows. */
export function grantGraphOf(identities: Row[], grants: Row[]): GrantGraph {
  const superusers = new Set<string>()
  const groupsOf = new Map<string, Set<string>>()
  const userRoles = new Map<string, Set<string>>()
  const roleRoles = new Map<string, Set<string>>()
  const systemPrivileges = new Map<string, Set<string>>()
  const add = (map: Map<string, Set<string>>, key: string | null, value: string | null) => {
    if (key === null || value === null) return
    const set = map.get(key) ?? new Set<string>()
    set.add(value)
    map.set(key, set)
  }
  for (const r of identities) {
    const user = str(r['user_name'])
    if (user === null) continue
    if (bool(r['superuser'])) superusers.add(user)
    add(groupsOf, user, str(r['group_name']))
  }
  for (const r of grants) {
    const kind = r['kind']
    if (kind === 'user_role') add(userRoles, str(r['a']), str(r['b']))
    else if (kind === 'role_role') add(roleRoles, str(r['a']), str(r['b']))
    else if (kind === 'system') {
      const type = str(r['a'])?.toLowerCase()
      add(systemPrivileges, type === 'role' || type === 'user' ? `${type}:${str(r['b'])}` : null, str(r['c'])?.toUpperCase() ?? null)
    }
  }
  return { superusers, groupsOf, userRoles, roleRoles, systemPrivileges }
}

/** The session user, and whether it sees every identity's rows in the SVV views. */
export function sessionVisibility(identities: Row[], graph: GrantGraph): { user: string | null; seesAll: boolean } {
  const user = str(identities[0]?.['session_user_name'])
  if (user === null) return { user, seesAll: false }
  return { user, seesAll: systemPrivilegeVia(graph, identityOf(graph, user), ACCESS_SYSTEM_TABLE) !== undefined }
}

/** The SQL that lets `sessionUser` see every identity's grants in the SVV views. */
export function visibilityGrant(sessionUser: string | null): string {
  const who = sessionUser === null ? '<data-api-user>' : `"${sessionUser.replace(/"/g, '""')}"`
  return `CREATE ROLE cargo_guard_audit; GRANT ACCESS SYSTEM TABLE TO ROLE cargo_guard_audit; GRANT ROLE cargo_guard_audit TO ${who};`
}

export function visibilityCause(sessionUser: string | null): CollectionCause {
  const who = sessionUser === null ? 'the Data API session user' : `"${sessionUser}"`
  return {
    service: SERVICE,
    operation: 'ExecuteStatement',
    code: 'CatalogNotVisible',
    message:
      `${who} is neither a superuser nor holds ACCESS SYSTEM TABLE, so the SVV_* views hide other users' grants ` +
      `(r_SVV_USER_GRANTS, r_SVV_SYSTEM_PRIVILEGES); run the audit as a superuser (data-api-secret-arn) or grant it: ${visibilityGrant(sessionUser)}`
  }
}

/** The GRANT (or sign-in change) that would let the session run a statement Redshift refused. */
function grantFor(message: string, s: AuditStatement): { grant?: string } {
  const relation = /permission denied for (?:relation|view|table) "?([^"\s]+)"?/i.exec(message)
  if (relation) {
    return {
      grant: /^(svv|svl|stl|stv|sys)_/i.test(relation[1]!)
        ? visibilityGrant(null)
        : `GRANT SELECT ON ${relation[1]} TO <data-api-user>;`
    }
  }
  const schema = /permission denied for schema "?([^"\s]+)"?/i.exec(message)
  if (schema) return { grant: `GRANT USAGE ON SCHEMA ${schema[1]} TO <data-api-user>;` }
  if (/permission denied|not authorized|must be superuser/i.test(message)) {
    return { grant: s.class === 'system-views' ? visibilityGrant(null) : 'sign the Data API in as a superuser (data-api-secret-arn)' }
  }
  return {}
}

const grantee = (type: Cell | undefined, name: Cell | undefined) => ({ type: str(type) ?? '', name: str(name) })

/** Privilege names as SVV views spell them; TEMP and TEMPORARY are one privilege (r_GRANT). */
const samePrivilege = (a: string | null, b: string) =>
  a !== null && (a === b || a === 'ALL' || a === 'ALL PRIVILEGES' || (['TEMP', 'TEMPORARY'].includes(a) && ['TEMP', 'TEMPORARY'].includes(b)))

interface Scoped {
  /** scoped permissions on the database, from the grants statement: (database, scope, privilege) reaching the user */
  database(database: string, scope: string, privilege: string): boolean
}

// ---------------------------------------------------------------------------------------------
// The collector.
// ---------------------------------------------------------------------------------------------

interface Failure {
  pointer: string
  cause: CollectionCause
}

/**
 * Fills `ctx.state.sql` through the Redshift Data API, for the facts the enabled rules need. All
 * statements start at once; each fact is computed once the statements feeding it have answered.
 * Failures become unavailable facts; it never throws.
 */
export async function collectSql(ctx: CollectContext, client: RedshiftDataClient, target: DataApiConnection): Promise<void> {
  const failures: Failure[] = []
  const wanted = FACTS.filter((f) => ctx.needs(`/sql/${f}`)).map((f) => `/sql/${f}`)
  try {
    if (wanted.length === 0) return
    const p = ctx.params.target
    const deadline = Date.now() + ctx.params.collect.timeoutSeconds * 1000
    const statements = auditStatements(ctx, target)
    const outcomes = new Map<string, Outcome>()
    const runOne = async (s: AuditStatement) => {
        try {
          const result = await runSql(ctx, client, target, s.database, s.sql, deadline)
          outcomes.set(s.key, { ok: true, rows: result.rows })
          ctx.observe?.({ kind: 'sql', database: s.database, purpose: s.purpose, ok: true })
        } catch (err) {
          const cause = causeOf(SERVICE, 'ExecuteStatement', err)
          outcomes.set(s.key, { ok: false, cause: { ...cause, message: `could not ${s.purpose}: ${cause.message}` } })
          // A source database that does not exist is a finding (the schema is missing), not a refusal.
          const missing = missingDatabase(cause, s.database)
          ctx.observe?.({ kind: 'sql', database: s.database, purpose: s.purpose, ok: missing, message: cause.message, ...(missing ? {} : grantFor(cause.message, s)) })
        }
    }
    await Promise.all(statements.map(runOne))
    // Without the Cargo database the role graph is read again where the session connects (the
    // chain grows by one statement only in that drift; exfunc is then false, as the database is missing).
    const grants = statements.find((s) => s.key === 'grants')
    const grantsOutcome = outcomes.get('grants')
    if (grants && grantsOutcome && !grantsOutcome.ok && grants.database !== target.database && missingDatabase(grantsOutcome.cause, grants.database)) {
      const wanted = FACTS.filter((f) => ctx.needs(`/sql/${f}`))
      const again = grantsStatement(p, wanted, target.database, false)
      statements.splice(statements.indexOf(grants), 1, again)
      await runOne(again)
    }
    fill(ctx, p, target, statements, outcomes, failures)
  } catch (err) {
    // Not expected: every statement handles its own failure. Keep the promise of never throwing.
    const cause = causeOf(SERVICE, 'ExecuteStatement', err)
    for (const pointer of wanted.length > 0 ? wanted : ['/sql']) failures.push({ pointer, cause })
  }
  report(ctx, failures, wanted)
}

function fill(
  ctx: CollectContext,
  p: TargetParameters,
  target: DataApiConnection,
  statements: AuditStatement[],
  outcomes: Map<string, Outcome>,
  failures: Failure[]
): void {
  const want = (f: Fact) => ctx.needs(`/sql/${f}`)
  const sql: Partial<SqlState> = (ctx.state.sql ??= {})
  const failed = (key: string): CollectionCause | undefined => {
    const o = outcomes.get(key)
    return o !== undefined && !o.ok ? o.cause : undefined
  }
  const rowsOf = (key: string): Row[] => {
    const o = outcomes.get(key)
    return o !== undefined && o.ok ? o.rows : []
  }
  const identitiesFailed = failed('identities')
  const grantsFailed = failed('grants')
  const identities = rowsOf('identities')
  const grants = rowsOf('grants')
  const graph = grantGraphOf(identities, grants)
  const session = sessionVisibility(identities, graph)
  const hidden = visibilityCause(session.user)
  if (!identitiesFailed && !grantsFailed && outcomes.has('grants')) {
    ctx.observe?.({
      kind: 'sql',
      database: target.database,
      purpose: `see every identity's grants in the SVV views as ${session.user ?? 'the session user'} (superuser or ACCESS SYSTEM TABLE)`,
      ok: session.seesAll,
      ...(session.seesAll
        ? {}
        : { message: `the SVV_* views hide other users' grants from ${session.user ?? 'the session user'}`, grant: visibilityGrant(session.user) })
    })
  }

  const userRows = identities.filter((r) => r['user_name'] === p.dbUser)
  const userExists = userRows.length > 0
  const cargo: Identity = identityOf(graph, p.dbUser)
  const databaseExists = bool(identities[0]?.['database_exists'])
  const databaseOwner = str(identities[0]?.['database_owner'])
  /** Negative verdicts the session could not fully see are errors, not drift: a grant may be hidden. */
  const judge = (pointer: string, positive: boolean) => {
    if (!positive && !session.seesAll) failures.push({ pointer, cause: hidden })
  }
  const scoped: Scoped = {
    database: (database, scope, privilege) =>
      grants.some(
        (r) =>
          r['kind'] === 'database' &&
          r['e'] === database &&
          str(r['d']) === scope &&
          samePrivilege(str(r['c']), privilege) &&
          reaches(cargo, grantee(r['a'], r['b']))
      )
  }

  const needIdentities = (f: Fact): boolean => {
    if (identitiesFailed) failures.push({ pointer: `/sql/${f}`, cause: identitiesFailed })
    return !identitiesFailed
  }
  const needGrants = (f: Fact): boolean => {
    if (!needIdentities(f)) return false
    if (grantsFailed) failures.push({ pointer: `/sql/${f}`, cause: grantsFailed })
    return !grantsFailed
  }

  if (want('database') && needIdentities('database')) sql.database = { name: p.database, exists: databaseExists }
  if (want('user') && needIdentities('user')) {
    sql.user = { name: p.dbUser, exists: userExists, ...(userExists ? { superuser: cargo.superuser } : {}) }
  }

  if (want('databasePrivileges') && needGrants('databasePrivileges')) {
    const held = (['CREATE', 'TEMP'] as const).filter((priv) => {
      if (!userExists || !databaseExists) return false
      if (cargo.superuser || databaseOwner === p.dbUser) return true
      if (bool(userRows[0]?.[`db_${priv.toLowerCase()}`])) return true
      return grants.some(
        (r) =>
          r['kind'] === 'database' &&
          r['e'] === p.database &&
          (r['d'] === null || r['d'] === 'DATABASE') &&
          samePrivilege(str(r['c']), priv) &&
          reaches(cargo, grantee(r['a'], r['b']))
      )
    })
    sql.databasePrivileges = [...held]
    if (userExists && databaseExists) judge('/sql/databasePrivileges', held.length === 2)
  }

  if (want('functionRole') && needGrants('functionRole')) {
    const exists = grants.some((r) => r['kind'] === 'role' && r['a'] === p.functionRole)
    const grantedToUser = exists && cargo.roles.has(p.functionRole)
    const systemPrivileges = exists ? roleSystemPrivileges(graph, p.functionRole, [CREATE_FUNCTION, CREATE_EXTERNAL_FUNCTION]) : []
    const via = userExists ? systemPrivilegeVia(graph, cargo, CREATE_FUNCTION) : undefined
    sql.functionRole = { name: p.functionRole, exists, systemPrivileges, grantedToUser, ...(via !== undefined ? { userPrivilegeVia: via } : {}) }
    judge('/sql/functionRole', via !== undefined || (exists && grantedToUser && systemPrivileges.includes(CREATE_FUNCTION)))
  }

  if (want('externalFunction') && needGrants('externalFunction')) {
    const via = userExists ? systemPrivilegeVia(graph, cargo, CREATE_EXTERNAL_FUNCTION) : undefined
    sql.externalFunction = { allowed: via !== undefined, ...(via !== undefined ? { via } : {}) }
    if (userExists) judge('/sql/externalFunction', via !== undefined)
  }

  if (want('exfuncUsage') && needGrants('exfuncUsage')) {
    const language = outcomes.get('grants')
    if (!databaseExists) {
      // Language privileges live in the Cargo database; without it there is nothing to hold.
      sql.exfuncUsage = false
    } else {
      const usage =
        userExists &&
        (cargo.superuser || (language?.ok ? language.rows : []).some((r) => r['kind'] === 'language' && reaches(cargo, grantee(r['a'], r['b']))))
      sql.exfuncUsage = usage
      if (userExists) judge('/sql/exfuncUsage', usage)
    }
  }

  if (want('sourceSchemas') && needGrants('sourceSchemas')) {
    fillSourceSchemas(p, statements, outcomes, cargo, userExists, scoped, sql, failures, judge)
  }
}

function fillSourceSchemas(
  p: TargetParameters,
  statements: AuditStatement[],
  outcomes: Map<string, Outcome>,
  cargo: Identity,
  userExists: boolean,
  scoped: Scoped,
  sql: Partial<SqlState>,
  failures: Failure[],
  judge: (pointer: string, positive: boolean) => void
): void {
  const results = new Map<string, SqlSourceSchemaState>()
  let failed = false
  for (const [database, names] of sourceChunks(p.sourceSchemas)) {
    const key = `source:${database}:${names.join(', ')}`
    const catalog = outcomes.get(`${key}:catalog`)
    const grantsOutcome = outcomes.get(`${key}:grants`)
    if (catalog === undefined || grantsOutcome === undefined || !statements.some((s) => s.key === `${key}:catalog`)) continue
    const causes = [catalog, grantsOutcome].flatMap((o) => (o.ok ? [] : [o.cause]))
    if (causes.length > 0) {
      if (causes.every((c) => missingDatabase(c, database))) {
        for (const schema of names) {
          results.set(`${database}.${schema}`, { database, schema, exists: false, usage: false, tables: [], defaultSelect: false })
        }
      } else {
        failed = true
        for (const cause of causes) failures.push({ pointer: '/sql/sourceSchemas', cause })
      }
      continue
    }
    const catalogRows = catalog.ok ? catalog.rows : []
    const grantRows = grantsOutcome.ok ? grantsOutcome.rows : []
    for (const schema of names) {
      results.set(`${database}.${schema}`, sourceSchemaState(p, database, schema, catalogRows, grantRows, cargo, userExists, scoped))
    }
  }
  if (failed) return
  sql.sourceSchemas = p.sourceSchemas.map((s) => results.get(`${s.database}.${s.schema}`)!).filter((s) => s !== undefined)
  sql.sourceSchemas.forEach((s, i) => {
    if (!s.exists || !userExists) return
    judge(`/sql/sourceSchemas/${i}/tables`, s.usage && s.tables.every((t) => t.select))
    judge(`/sql/sourceSchemas/${i}/defaultSelect`, s.defaultSelect)
  })
}

/** One source schema, every path considered: grants, PUBLIC, groups, roles, scoped permissions, ownership. */
export function sourceSchemaState(
  p: Pick<TargetParameters, 'dbUser' | 'sourceTableOwners'>,
  database: string,
  schema: string,
  catalogRows: Row[],
  grantRows: Row[],
  cargo: Identity,
  userExists: boolean,
  scoped: Scoped
): SqlSourceSchemaState {
  const own = catalogRows.filter((r) => r['schema_name'] === schema)
  if (own.length === 0) return { database, schema, exists: false, usage: false, tables: [], defaultSelect: false }
  const schemaOwner = str(own[0]!['schema_owner'])
  const inSchema = (r: Row) => r['a'] === schema
  const schemaGrant = (scope: string, privilege: string) =>
    grantRows.some(
      (r) =>
        r['kind'] === 'schema' &&
        inSchema(r) &&
        (r['e'] === scope || (scope === 'SCHEMA' && r['e'] === null)) &&
        samePrivilege(str(r['d']), privilege) &&
        reaches(cargo, grantee(r['b'], r['c']))
    )
  // Scoped permissions cover every object in the scope, present and future (t_scoped-permissions).
  const scopedSelect = schemaGrant('TABLES', 'SELECT') || scoped.database(database, 'TABLES', 'SELECT')
  const everything = userExists && cargo.superuser

  const usage =
    userExists &&
    (everything ||
      schemaOwner === p.dbUser ||
      bool(own[0]!['schema_usage']) ||
      schemaGrant('SCHEMA', 'USAGE') ||
      scoped.database(database, 'SCHEMAS', 'USAGE'))

  const tables: SqlTablePrivilege[] = own
    .filter((r) => typeof r['relation_name'] === 'string')
    .map((r) => {
      const name = r['relation_name'] as string
      const owner = str(r['relation_owner'])
      const select =
        userExists &&
        (everything ||
          owner === p.dbUser ||
          bool(r['relation_select']) ||
          scopedSelect ||
          grantRows.some((g) => g['kind'] === 'relation' && inSchema(g) && g['d'] === name && reaches(cargo, grantee(g['b'], g['c']))))
      return { name, select, kind: r['relation_kind'] === 'v' ? ('view' as const) : ('table' as const), ...(owner !== null ? { owner } : {}) }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

  // Default privileges apply to objects created later by the owner they name (r_ALTER_DEFAULT_PRIVILEGES),
  // so each owner whose future tables Cargo must read needs its own, unless a scoped permission covers all.
  const relationOwners = [...new Set(tables.flatMap((t) => (t.owner !== undefined ? [t.owner] : [])))].sort()
  const owners = p.sourceTableOwners.length > 0 ? p.sourceTableOwners : relationOwners.length > 0 ? relationOwners : schemaOwner !== null ? [schemaOwner] : []
  const futureTableOwners: SqlFutureTableOwner[] = owners.map((name) => ({
    name,
    covered:
      userExists &&
      (everything ||
        name === p.dbUser ||
        scopedSelect ||
        grantRows.some(
          (g) => g['kind'] === 'default' && (g['a'] === schema || g['a'] === null) && g['d'] === name && reaches(cargo, grantee(g['b'], g['c']))
        ))
  }))
  const uncoveredOwners = futureTableOwners.filter((o) => !o.covered).map((o) => o.name)
  return {
    database,
    schema,
    exists: true,
    usage,
    tables,
    defaultSelect: futureTableOwners.length > 0 && uncoveredOwners.length === 0,
    futureTableOwners,
    uncoveredOwners
  }
}

/**
 * Reports failures; when every wanted fact failed for one and the same reason (say, access denied
 * on ExecuteStatement), a single `/sql` entry says it once.
 */
function report(ctx: CollectContext, failures: Failure[], wanted: string[]): void {
  const key = (c: CollectionCause) => JSON.stringify([c.operation, c.code, c.iamAction ?? null, c.message])
  const first = failures[0]
  const everyWantedFailed = wanted.length > 1 && wanted.every((w) => failures.some((f) => f.pointer === w))
  if (first !== undefined && everyWantedFailed && failures.every((f) => key(f.cause) === key(first.cause))) {
    ctx.unavailable('/sql', first.cause)
    return
  }
  // Statements fail in any order; report in the order of the state's fields.
  const rank = (pointer: string) => {
    const i = wanted.findIndex((w) => pointer === w || pointer.startsWith(`${w}/`))
    return i < 0 ? wanted.length : i
  }
  const ordered = failures
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.pointer) - rank(b.f.pointer) || (a.f.pointer < b.f.pointer ? -1 : a.f.pointer > b.f.pointer ? 1 : a.i - b.i))
    .map(({ f }) => f)
  // One cause per fact: the first is what its rules will name.
  const seen = new Set<string>()
  for (const f of ordered) {
    if (seen.has(f.pointer)) continue
    seen.add(f.pointer)
    ctx.unavailable(f.pointer, f.cause)
  }
}
