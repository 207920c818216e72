import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient
} from '@aws-sdk/client-redshift-data'
import type { SourceSchema } from '../../config/parameters.js'
import type { CollectionCause, SqlSourceSchemaState, SqlState } from '../../state/types.js'
import { CollectionError, type CollectContext } from '../types.js'
import { causeOf, isAccessDenied, TIMED_OUT_MESSAGE } from './errors.js'
import { quoteLiteral as lit } from './sql-text.js'

/** Where and as whom the Data API runs the audit's statements. */
export interface DataApiTarget {
  workgroupName?: string
  clusterIdentifier?: string
  secretArn?: string
  dbUser?: string
  /** db used for account-wide checks */
  database: string
}

export type Cell = string | number | boolean | null
export interface SqlResult {
  columns: string[]
  rows: Record<string, Cell>[]
}

const SERVICE = 'redshift-data'
/** Long-poll each DescribeStatement for up to this long (the SDK model has WaitTimeSeconds, 1-30). */
const DESCRIBE_WAIT_SECONDS = 2
const FIRST_POLL_MS = 50
const MAX_POLL_MS = 1000

// ---------------------------------------------------------------------------------------------
// SQL text. Every statement is a single SELECT over leader-node catalogue tables and SVV views;
// the has_*_privilege functions only ever see literals or pg_tables columns (the documented
// pattern), and each call is guarded by an EXISTS so that a missing user, database or schema
// reads as NULL instead of failing the whole statement.
// ---------------------------------------------------------------------------------------------

/** Roles `user` holds: directly, and through up to three levels of role-to-role grants. */
export function heldRolesSql(user: string): string {
  return [
    `SELECT ug.role_name FROM svv_user_grants ug WHERE ug.user_name = ${user}`,
    `SELECT g1.granted_role_name FROM svv_user_grants ug JOIN svv_role_grants g1 ON g1.role_name = ug.role_name WHERE ug.user_name = ${user}`,
    `SELECT g2.granted_role_name FROM svv_user_grants ug JOIN svv_role_grants g1 ON g1.role_name = ug.role_name JOIN svv_role_grants g2 ON g2.role_name = g1.granted_role_name WHERE ug.user_name = ${user}`,
    `SELECT g3.granted_role_name FROM svv_user_grants ug JOIN svv_role_grants g1 ON g1.role_name = ug.role_name JOIN svv_role_grants g2 ON g2.role_name = g1.granted_role_name JOIN svv_role_grants g3 ON g3.role_name = g2.granted_role_name WHERE ug.user_name = ${user}`
  ].join(' UNION ')
}

const userExistsSql = (user: string) => `EXISTS (SELECT 1 FROM pg_user WHERE usename = ${lit(user)})`
const databaseExistsSql = (db: string) => `EXISTS (SELECT 1 FROM pg_database WHERE datname = ${lit(db)})`

/**
 * Whether the session may see other identities in the SVV views: superusers and holders of
 * ACCESS SYSTEM TABLE do; anyone else sees only their own grants, which would read as drift.
 */
const SESSION_SEES_ALL_SQL =
  `(COALESCE((SELECT usesuper FROM pg_user WHERE usename = current_user), FALSE)` +
  ` OR EXISTS (SELECT 1 FROM svv_system_privileges WHERE UPPER(system_privilege) = 'ACCESS SYSTEM TABLE'` +
  ` AND ((identity_type = 'user' AND identity_name = current_user)` +
  ` OR (identity_type = 'role' AND identity_name IN (${heldRolesSql('current_user')})))))`

/** A grant to PUBLIC, to the user, or to a role the user holds, in one of the SVV privilege views. */
function grantedToUserSql(typeColumn: string, nameColumn: string, user: string): string {
  return (
    `(${typeColumn} = 'public' OR (${typeColumn} = 'user' AND ${nameColumn} = ${lit(user)})` +
    ` OR (${typeColumn} = 'role' AND ${nameColumn} IN (${heldRolesSql(lit(user))})))`
  )
}

function exfuncUsageSql(user: string): string {
  return (
    `EXISTS (SELECT 1 FROM svv_language_privileges WHERE language_name = 'exfunc' AND privilege_type = 'USAGE'` +
    ` AND ${grantedToUserSql('identity_type', 'identity_name', user)})`
  )
}

/** System privileges looked up for the function role (svv_system_privileges has no list aggregate on the leader node). */
export const FUNCTION_ROLE_PRIVILEGES = ['CREATE OR REPLACE FUNCTION', 'CREATE OR REPLACE EXTERNAL FUNCTION'] as const

export interface AccountSqlParts {
  database: boolean
  user: boolean
  databasePrivileges: boolean
  functionRole: boolean
  exfuncUsage: boolean
  /** The statement runs in the Cargo database, so the per-database exfunc check can ride along. */
  exfuncInline: boolean
}

/** The account-wide statement: one row of typed columns, one scalar sub-select each. */
export function accountSql(p: { database: string; dbUser: string; functionRole: string }, parts: AccountSqlParts): string {
  const cols: string[] = []
  const both = `${userExistsSql(p.dbUser)} AND ${databaseExistsSql(p.database)}`
  if (parts.database || parts.databasePrivileges || parts.exfuncUsage) {
    cols.push(`${databaseExistsSql(p.database)} AS database_exists`)
  }
  if (parts.user || parts.databasePrivileges) {
    cols.push(`${userExistsSql(p.dbUser)} AS user_exists`)
    cols.push(`(SELECT usesuper FROM pg_user WHERE usename = ${lit(p.dbUser)}) AS user_superuser`)
  }
  if (parts.databasePrivileges) {
    for (const priv of ['CREATE', 'TEMP']) {
      cols.push(
        `CASE WHEN ${both} THEN has_database_privilege(${lit(p.dbUser)}, ${lit(p.database)}, ${lit(priv)}) END AS db_${priv.toLowerCase()}`
      )
    }
  }
  if (parts.functionRole) {
    cols.push(`EXISTS (SELECT 1 FROM svv_roles WHERE role_name = ${lit(p.functionRole)}) AS role_exists`)
    FUNCTION_ROLE_PRIVILEGES.forEach((priv, i) => {
      cols.push(
        `EXISTS (SELECT 1 FROM svv_system_privileges WHERE identity_type = 'role' AND identity_name = ${lit(p.functionRole)}` +
          ` AND UPPER(system_privilege) = ${lit(priv)}) AS role_privilege_${i}`
      )
    })
    cols.push(`${lit(p.functionRole)} IN (${heldRolesSql(lit(p.dbUser))}) AS role_granted`)
  }
  if (parts.exfuncUsage && parts.exfuncInline) {
    cols.push(`${exfuncUsageSql(p.dbUser)} AS exfunc_usage`)
  }
  if (parts.functionRole || (parts.exfuncUsage && parts.exfuncInline)) {
    cols.push(`current_user AS session_user_name`)
    cols.push(`${SESSION_SEES_ALL_SQL} AS session_sees_all`)
  }
  return `SELECT\n  ${cols.join(',\n  ')}`
}

/** USAGE ON LANGUAGE exfunc, run in the Cargo database (language privileges are per database). */
export function exfuncSql(dbUser: string): string {
  return `SELECT\n  ${exfuncUsageSql(dbUser)} AS exfunc_usage,\n  current_user AS session_user_name,\n  ${SESSION_SEES_ALL_SQL} AS session_sees_all`
}

/** Source schemas per statement: keeps each statement far below the Data API's 100 KB limit. */
export const SCHEMAS_PER_STATEMENT = 50

/**
 * One statement per source database (per SCHEMAS_PER_STATEMENT schemas), its size independent of
 * the number of schemas. Every row is (kind, schema_name, table_name, ok, detail):
 * - 'session': ok = the session sees all identities in the SVV views, detail = current_user;
 * - 'schema': one per existing schema, ok = has_schema_privilege(user, schema, 'USAGE');
 * - 'table': one per table of pg_tables, ok = has_table_privilege(user, 'schema.table', 'SELECT');
 * - 'default': one per schema whose default privileges grant SELECT on future relations to the user
 *   (directly, through PUBLIC or a held role); a NULL schema_name is a database-wide default.
 */
export function sourceSchemasSql(dbUser: string, schemas: string[]): string {
  const user = lit(dbUser)
  const names = schemas.map(lit).join(', ')
  const text = (sql: string) => `CAST(${sql} AS VARCHAR(128))`
  const none = 'CAST(NULL AS VARCHAR(128))'
  return [
    `SELECT ${text("'session'")} AS kind, ${none} AS schema_name, ${none} AS table_name, ${SESSION_SEES_ALL_SQL} AS ok, ${text('current_user')} AS detail`,
    `SELECT ${text("'schema'")}, ${text('nspname')}, ${none},
` +
      `  CASE WHEN ${userExistsSql(dbUser)} THEN has_schema_privilege(${user}, nspname, 'USAGE') END, ${none}
` +
      `FROM pg_namespace WHERE nspname IN (${names})`,
    `SELECT ${text("'table'")}, ${text('schemaname')}, ${text('tablename')},
` +
      `  CASE WHEN ${userExistsSql(dbUser)} THEN has_table_privilege(${user}, quote_ident(schemaname) || '.' || quote_ident(tablename), 'SELECT') END, ${none}
` +
      `FROM pg_tables WHERE schemaname IN (${names})`,
    `SELECT DISTINCT ${text("'default'")}, ${text('schema_name')}, ${none}, TRUE, ${none}
` +
      `FROM svv_default_privileges WHERE (schema_name IN (${names}) OR schema_name IS NULL)` +
      ` AND object_type = 'RELATION' AND privilege_type = 'SELECT' AND ${grantedToUserSql('grantee_type', 'grantee_name', dbUser)}`
  ].join('\nUNION ALL\n')
}

// ---------------------------------------------------------------------------------------------
// Running statements.
// ---------------------------------------------------------------------------------------------

function connection(target: DataApiTarget, database: string) {
  return {
    Database: database,
    ...(target.workgroupName !== undefined ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.clusterIdentifier !== undefined ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.secretArn !== undefined ? { SecretArn: target.secretArn } : {}),
    ...(target.dbUser !== undefined ? { DbUser: target.dbUser } : {})
  }
}

/** The IAM action behind a failure to obtain database credentials, when the message points there. */
function credentialsAction(message: string, target: DataApiTarget, denied: boolean): string | undefined {
  if (/GetClusterCredentialsWithIAM/.test(message)) return 'redshift:GetClusterCredentialsWithIAM'
  if (/GetClusterCredentials/.test(message)) return 'redshift:GetClusterCredentials'
  if (/GetCredentials/.test(message)) return 'redshift-serverless:GetCredentials'
  if (/GetSecretValue/.test(message)) return 'secretsmanager:GetSecretValue'
  if (!denied || !/credential|secret/i.test(message)) return undefined
  if (target.secretArn !== undefined) return 'secretsmanager:GetSecretValue'
  if (target.workgroupName !== undefined) return 'redshift-serverless:GetCredentials'
  return target.dbUser !== undefined ? 'redshift:GetClusterCredentials' : 'redshift:GetClusterCredentialsWithIAM'
}

function dataApiCause(operation: string, err: unknown, target: DataApiTarget): CollectionCause {
  const cause = causeOf(SERVICE, operation, err)
  if (cause.message === TIMED_OUT_MESSAGE) return cause
  const denied = isAccessDenied(err) || /not authorized/i.test(cause.message)
  const action = credentialsAction(cause.message, target, denied)
  if (action !== undefined && (denied || cause.iamAction !== undefined)) cause.iamAction = action
  else if (denied && cause.iamAction === undefined) cause.iamAction = `${SERVICE}:${operation}`
  return cause
}

function cellValue(field: Field): Cell {
  if (field.isNull === true) return null
  if (field.stringValue !== undefined) return field.stringValue
  if (field.longValue !== undefined) return field.longValue
  if (field.booleanValue !== undefined) return field.booleanValue
  if (field.doubleValue !== undefined) return field.doubleValue
  return null
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs one statement through the Data API: ExecuteStatement, DescribeStatement with backoff until
 * it ends, then every page of GetStatementResult. Rows are keyed by column name. A failure of any
 * step, a FAILED or ABORTED statement, or running past `deadline` throws a CollectionError.
 */
export async function runSql(
  ctx: CollectContext,
  client: RedshiftDataClient,
  target: DataApiTarget,
  database: string,
  sql: string,
  deadline = Date.now() + ctx.params.timeoutSeconds * 1000
): Promise<SqlResult> {
  let operation = 'ExecuteStatement'
  let id: string | undefined
  try {
    const started = await ctx.call(SERVICE, operation, (signal) =>
      client.send(new ExecuteStatementCommand({ Sql: sql, ...connection(target, database) }), { abortSignal: signal })
    )
    id = started.Id
    if (id === undefined) throw new Error('ExecuteStatement returned no statement Id')
    const statementId = id

    operation = 'DescribeStatement'
    let delay = FIRST_POLL_MS
    let described: DescribeStatementResponse
    for (;;) {
      // Never long-poll past the deadline; under a second left, plain polling will do.
      const wait = Math.min(DESCRIBE_WAIT_SECONDS, Math.floor((deadline - Date.now()) / 1000))
      described = await ctx.call(SERVICE, operation, (signal) =>
        client.send(new DescribeStatementCommand({ Id: statementId, ...(wait >= 1 ? { WaitTimeSeconds: wait } : {}) }), {
          abortSignal: signal
        })
      )
      const status = described.Status
      if (status === 'FINISHED' || status === 'FAILED' || status === 'ABORTED') break
      if (Date.now() + delay > deadline) {
        await cancel(ctx, client, statementId)
        throw new CollectionError({ service: SERVICE, operation, code: 'TimeoutError', message: TIMED_OUT_MESSAGE })
      }
      await sleep(delay)
      delay = Math.min(delay * 2, MAX_POLL_MS)
    }
    if (described.Status !== 'FINISHED') {
      const failed = described.Status === 'FAILED'
      throw new CollectionError({
        service: SERVICE,
        operation: 'ExecuteStatement',
        code: failed ? 'StatementFailed' : 'StatementAborted',
        message: described.Error ?? (failed ? 'the statement failed' : 'the statement was aborted')
      })
    }
    if (described.HasResultSet === false) return { columns: [], rows: [] }

    operation = 'GetStatementResult'
    const columns: string[] = []
    const rows: Record<string, Cell>[] = []
    let nextToken: string | undefined
    do {
      const token = nextToken
      const page = await ctx.call(SERVICE, operation, (signal) =>
        client.send(new GetStatementResultCommand({ Id: statementId, ...(token !== undefined ? { NextToken: token } : {}) }), {
          abortSignal: signal
        })
      )
      if (columns.length === 0 && page.ColumnMetadata) {
        page.ColumnMetadata.forEach((c, i) => columns.push(c.label || c.name || `column_${i + 1}`))
      }
      for (const record of page.Records ?? []) {
        const row: Record<string, Cell> = {}
        record.forEach((field, i) => {
          row[columns[i] ?? `column_${i + 1}`] = cellValue(field)
        })
        rows.push(row)
      }
      nextToken = page.NextToken || undefined
    } while (nextToken !== undefined)
    return { columns, rows }
  } catch (err) {
    throw new CollectionError(dataApiCause(operation, err, target))
  }
}

/** Best effort: a statement we stop waiting for should not keep running. */
async function cancel(ctx: CollectContext, client: RedshiftDataClient, id: string): Promise<void> {
  try {
    await ctx.call(SERVICE, 'CancelStatement', (signal) => client.send(new CancelStatementCommand({ Id: id }), { abortSignal: signal }))
  } catch {
    // The deadline may already have passed; the statement then ends on its own.
  }
}

// ---------------------------------------------------------------------------------------------
// The collector.
// ---------------------------------------------------------------------------------------------

const bool = (v: Cell | undefined): boolean => v === true || v === 't' || v === 'true'

/** `database "x" does not exist`, as Redshift reports a connection to a missing database. */
function missingDatabase(cause: CollectionCause, database: string): boolean {
  const m = /database "([^"]+)" does not exist/i.exec(cause.message)
  return m !== null && m[1]?.toLowerCase() === database.toLowerCase()
}

function visibilityCause(sessionUser: Cell | undefined): CollectionCause {
  const who = typeof sessionUser === 'string' ? `"${sessionUser}"` : 'the Data API session user'
  return {
    service: SERVICE,
    operation: 'ExecuteStatement',
    code: 'CatalogNotVisible',
    message:
      `${who} is neither a superuser nor holds ACCESS SYSTEM TABLE, so the SVV_* views hide other users' grants; ` +
      `run the audit as an admin (data-api-secret-arn) or GRANT ACCESS SYSTEM TABLE to a role of ${who}`
  }
}

interface Failure {
  pointer: string
  cause: CollectionCause
}

/**
 * Fills `ctx.state.sql` through the Redshift Data API, for the facts the enabled rules need:
 * one account-wide statement in `target.database`, one in the Cargo database for the per-database
 * exfunc privilege (unless `target.database` is the Cargo database), and one per source database,
 * the latter in parallel. Failures become unavailable facts; it never throws.
 */
export async function collectSql(ctx: CollectContext, client: RedshiftDataClient, target: DataApiTarget): Promise<void> {
  const failures: Failure[] = []
  const wanted: string[] = []
  try {
    const p = ctx.params
    const want = {
      database: ctx.needs('/sql/database'),
      user: ctx.needs('/sql/user'),
      databasePrivileges: ctx.needs('/sql/databasePrivileges'),
      functionRole: ctx.needs('/sql/functionRole'),
      exfuncUsage: ctx.needs('/sql/exfuncUsage'),
      sourceSchemas: ctx.needs('/sql/sourceSchemas')
    }
    for (const [key, needed] of Object.entries(want)) if (needed) wanted.push(`/sql/${key}`)
    if (wanted.length === 0) return
    const sql: Partial<SqlState> = (ctx.state.sql ??= {})
    const deadline = Date.now() + p.timeoutSeconds * 1000
    const run = (database: string, text: string) => runSql(ctx, client, target, database, text, deadline)

    const account = async (): Promise<void> => {
      const accountWanted = want.database || want.user || want.databasePrivileges || want.functionRole || want.exfuncUsage
      if (!accountWanted) return
      const exfuncInline = target.database === p.database
      // The Cargo-database statement starts now, not after the account-wide one: it would
      // otherwise double the SQL part of the critical path. Its answer is used only if the
      // account-wide statement shows the database exists.
      const exfuncEarly =
        want.exfuncUsage && !exfuncInline
          ? run(p.database, exfuncSql(p.dbUser)).then(
              (result) => ({ ok: true as const, row: result.rows[0] ?? {} }),
              (err: unknown) => ({ ok: false as const, err })
            )
          : undefined
      const pointers = wanted.filter((w) => w !== '/sql/sourceSchemas')
      let row: Record<string, Cell>
      try {
        const result = await run(target.database, accountSql(p, { ...want, exfuncInline }))
        row = result.rows[0] ?? {}
      } catch (err) {
        const cause = causeOf(SERVICE, 'ExecuteStatement', err)
        for (const pointer of pointers) failures.push({ pointer, cause })
        return
      }
      const databaseExists = bool(row['database_exists'])
      const userExists = bool(row['user_exists'])
      if (want.database) sql.database = { name: p.database, exists: databaseExists }
      if (want.user) {
        sql.user = { name: p.dbUser, exists: userExists, ...(userExists ? { superuser: bool(row['user_superuser']) } : {}) }
      }
      if (want.databasePrivileges) {
        sql.databasePrivileges = (['CREATE', 'TEMP'] as const).filter((priv) => bool(row[`db_${priv.toLowerCase()}`]))
      }
      const seesAll = bool(row['session_sees_all'])
      if (want.functionRole) {
        if (!seesAll) failures.push({ pointer: '/sql/functionRole', cause: visibilityCause(row['session_user_name']) })
        const exists = bool(row['role_exists'])
        sql.functionRole = {
          name: p.functionRole,
          exists,
          systemPrivileges: exists ? FUNCTION_ROLE_PRIVILEGES.filter((_, i) => bool(row[`role_privilege_${i}`])) : [],
          grantedToUser: exists && bool(row['role_granted'])
        }
      }
      if (!want.exfuncUsage) return
      if (!databaseExists) {
        // Language privileges live in the Cargo database; without it there is nothing to hold.
        sql.exfuncUsage = false
        return
      }
      if (exfuncInline) {
        if (!seesAll) failures.push({ pointer: '/sql/exfuncUsage', cause: visibilityCause(row['session_user_name']) })
        sql.exfuncUsage = bool(row['exfunc_usage'])
        return
      }
      const exfunc = await exfuncEarly!
      if (!exfunc.ok) {
        failures.push({ pointer: '/sql/exfuncUsage', cause: causeOf(SERVICE, 'ExecuteStatement', exfunc.err) })
        return
      }
      if (!bool(exfunc.row['session_sees_all'])) {
        failures.push({ pointer: '/sql/exfuncUsage', cause: visibilityCause(exfunc.row['session_user_name']) })
      }
      sql.exfuncUsage = bool(exfunc.row['exfunc_usage'])
    }

    const sources = async (): Promise<void> => {
      if (!want.sourceSchemas) return
      const byDatabase = new Map<string, SourceSchema[]>()
      for (const s of p.sourceSchemas) {
        const list = byDatabase.get(s.database) ?? []
        list.push(s)
        byDatabase.set(s.database, list)
      }
      const results = new Map<string, SqlSourceSchemaState>()
      const hidden = new Set<string>()
      let hiddenCause: CollectionCause | undefined
      let failed = false
      const chunks: Array<[string, string[]]> = []
      for (const [database, schemas] of byDatabase) {
        for (let i = 0; i < schemas.length; i += SCHEMAS_PER_STATEMENT) {
          chunks.push([database, schemas.slice(i, i + SCHEMAS_PER_STATEMENT).map((s) => s.schema)])
        }
      }
      await Promise.all(
        chunks.map(async ([database, names]) => {
          let rows: Record<string, Cell>[]
          try {
            rows = (await run(database, sourceSchemasSql(p.dbUser, names))).rows
          } catch (err) {
            const cause = causeOf(SERVICE, 'ExecuteStatement', err)
            if (missingDatabase(cause, database)) {
              for (const schema of names) {
                results.set(`${database}.${schema}`, { database, schema, exists: false, usage: false, tables: [], defaultSelect: false })
              }
            } else {
              failed = true
              failures.push({ pointer: '/sql/sourceSchemas', cause })
            }
            return
          }
          const session = rows.find((r) => r['kind'] === 'session')
          const databaseWideDefault = rows.some((r) => r['kind'] === 'default' && r['schema_name'] === null)
          for (const schema of names) {
            const header = rows.find((r) => r['kind'] === 'schema' && r['schema_name'] === schema)
            const exists = header !== undefined
            const tables = rows
              .filter((r) => r['kind'] === 'table' && r['schema_name'] === schema && typeof r['table_name'] === 'string')
              .map((r) => ({ name: r['table_name'] as string, select: bool(r['ok']) }))
              .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            if (exists && !bool(session?.['ok'])) {
              hidden.add(`${database}.${schema}`)
              hiddenCause ??= visibilityCause(session?.['detail'])
            }
            results.set(`${database}.${schema}`, {
              database,
              schema,
              exists,
              usage: exists && bool(header['ok']),
              tables: exists ? tables : [],
              defaultSelect:
                exists && (databaseWideDefault || rows.some((r) => r['kind'] === 'default' && r['schema_name'] === schema))
            })
          }
        })
      )
      if (failed) return
      sql.sourceSchemas = p.sourceSchemas.map((s) => results.get(`${s.database}.${s.schema}`)!)
      sql.sourceSchemas.forEach((s, i) => {
        if (hidden.has(`${s.database}.${s.schema}`) && hiddenCause !== undefined) {
          failures.push({ pointer: `/sql/sourceSchemas/${i}/defaultSelect`, cause: hiddenCause })
        }
      })
    }

    await Promise.all([account(), sources()])
  } catch (err) {
    // Not expected: every statement handles its own failure. Keep the promise of never throwing.
    const cause = causeOf(SERVICE, 'ExecuteStatement', err)
    for (const pointer of wanted.length > 0 ? wanted : ['/sql']) failures.push({ pointer, cause })
  }
  report(ctx, failures, wanted)
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
  // Parallel statements fail in any order; report in the order of the state's fields.
  const rank = (pointer: string) => {
    const i = wanted.findIndex((w) => pointer === w || pointer.startsWith(`${w}/`))
    return i < 0 ? wanted.length : i
  }
  const ordered = failures
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.pointer) - rank(b.f.pointer) || (a.f.pointer < b.f.pointer ? -1 : a.f.pointer > b.f.pointer ? 1 : a.i - b.i))
    .map(({ f }) => f)
  const seen = new Set<string>()
  for (const f of ordered) {
    const k = `${f.pointer} ${key(f.cause)}`
    if (seen.has(k)) continue
    seen.add(k)
    ctx.unavailable(f.pointer, f.cause)
  }
}
