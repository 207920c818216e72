/**
 * The SQL the audit sends to Redshift, one builder per statement.
 *
 * Redshift runs a query on the leader node alone only when it reads nothing but catalogue tables
 * (pg_*); a query that reads a system view (svv_*, svl_*, stl_*, stv_*, sys_*) or a user table goes to
 * the compute nodes, where the leader-node-only functions (has_*_privilege, current_schema, ...) fail
 * with "Specified types or functions (one per INFO message) not supported on Redshift tables"
 * (c_SQL_functions_leader_node_only, r_HAS_TABLE_PRIVILEGE). So every statement here belongs to one
 * class and reads only objects of that class, checked by `statementClassOf` in the unit tests.
 *
 * Set operations only combine columns of one type category (r_UNION: no implicit conversion between
 * categories), so every UNION ALL branch casts each column to VARCHAR; booleans never meet a UNION.
 */
import { queryText as lit } from '../../aws/sql-text.js'
import { ACCESS_SYSTEM_TABLE, CREATE_EXTERNAL_FUNCTION, CREATE_FUNCTION } from './sql-grants.js'

export type StatementClass = 'leader-catalog' | 'system-views'

/** Catalogue tables and functions that run on the leader node only. */
export const LEADER_NODE_ONLY: readonly string[] = [
  'pg_user',
  'pg_group',
  'pg_database',
  'pg_namespace',
  'pg_class',
  'has_database_privilege',
  'has_schema_privilege',
  'has_table_privilege'
]
/** System views: they run on the compute nodes and refuse the leader-node-only functions. */
export const SYSTEM_VIEWS: readonly string[] = [
  'svv_user_grants',
  'svv_role_grants',
  'svv_roles',
  'svv_system_privileges',
  'svv_database_privileges',
  'svv_language_privileges',
  'svv_schema_privileges',
  'svv_relation_privileges',
  'svv_default_privileges'
]

/** Which class a statement's text belongs to, judged by the objects it names; 'mixed' is a defect. */
export function statementClassOf(sql: string): StatementClass | 'mixed' | 'none' {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? [])
  const leader = LEADER_NODE_ONLY.some((w) => words.has(w)) || [...words].some((w) => /^pg_/.test(w))
  const views = SYSTEM_VIEWS.some((w) => words.has(w)) || [...words].some((w) => /^(svv|svl|stl|stv|sys)_/.test(w))
  if (leader && views) return 'mixed'
  return leader ? 'leader-catalog' : views ? 'system-views' : 'none'
}

/** A statement the audit runs: its text, where, and what it is for (named in every error it causes). */
export interface AuditStatement {
  key: string
  purpose: string
  class: StatementClass
  database: string
  sql: string
}

const text = (sql: string, length = 128) => `CAST(${sql} AS VARCHAR(${length}))`
const none = text('NULL')

/** UNION ALL of branches whose columns are all VARCHAR: (kind, a, b, c, d, e). */
function rows(branches: Array<{ kind: string; cols: string[]; from: string }>): string {
  return branches
    .map(({ kind, cols, from }, i) => {
      const padded = [...cols, ...Array(5 - cols.length).fill('NULL')].map((c) => (c === 'NULL' ? none : text(c)))
      const names = ['a', 'b', 'c', 'd', 'e']
      const select = [`${text(lit(kind), 32)}${i === 0 ? ' AS kind' : ''}`, ...padded.map((c, j) => (i === 0 ? `${c} AS ${names[j]}` : c))]
      return `SELECT ${select.join(', ')}\nFROM ${from}`
    })
    .join('\nUNION ALL\n')
}

/**
 * Leader node: the Cargo user and the session user (superuser flag, groups from pg_group), the
 * Cargo database and its owner, and has_database_privilege for CREATE and TEMP (it covers grants to
 * the user, PUBLIC and groups). Each has_* call is guarded so a missing user or database reads NULL.
 */
export function identitiesSql(p: { database: string; dbUser: string }, databasePrivileges = true): string {
  const user = lit(p.dbUser)
  const db = lit(p.database)
  const both = `EXISTS (SELECT 1 FROM pg_user WHERE usename = ${user}) AND EXISTS (SELECT 1 FROM pg_database WHERE datname = ${db})`
  return [
    'SELECT u.usename AS user_name, u.usesuper AS superuser, g.groname AS group_name,',
    '  current_user AS session_user_name,',
    `  EXISTS (SELECT 1 FROM pg_database WHERE datname = ${db}) AS database_exists,`,
    `  (SELECT o.usename FROM pg_database d JOIN pg_user o ON o.usesysid = d.datdba WHERE d.datname = ${db}) AS database_owner` +
      (databasePrivileges
        ? `,\n  CASE WHEN ${both} THEN has_database_privilege(${user}, ${db}, 'CREATE') END AS db_create,` +
          `\n  CASE WHEN ${both} THEN has_database_privilege(${user}, ${db}, 'TEMP') END AS db_temp`
        : ''),
    'FROM pg_user u LEFT JOIN pg_group g ON u.usesysid = ANY (g.grolist)',
    `WHERE u.usename = ${user} OR u.usename = current_user`
  ].join('\n')
}

export const AUDITED_SYSTEM_PRIVILEGES = [CREATE_FUNCTION, CREATE_EXTERNAL_FUNCTION, ACCESS_SYSTEM_TABLE] as const

/**
 * System views, cluster-wide: roles granted to users (SVV_USER_GRANTS) and to roles
 * (SVV_ROLE_GRANTS), whether the function role exists (SVV_ROLES), the system privileges the audit
 * looks for (SVV_SYSTEM_PRIVILEGES), database privileges and scoped permissions on the Cargo and
 * source databases (SVV_DATABASE_PRIVILEGES); with `languageHere`, USAGE on exfunc in this database
 * (SVV_LANGUAGE_PRIVILEGES is per database, so the statement then runs in the Cargo database).
 */
export function grantsSql(p: { functionRole: string; databases: string[]; languageHere: boolean }): string {
  const privileges = AUDITED_SYSTEM_PRIVILEGES.map(lit).join(', ')
  const databases = p.databases.map(lit).join(', ')
  const branches = [
    { kind: 'user_role', cols: ['user_name', 'role_name'], from: 'svv_user_grants' },
    { kind: 'role_role', cols: ['role_name', 'granted_role_name'], from: 'svv_role_grants' },
    { kind: 'role', cols: ['role_name'], from: `svv_roles WHERE role_name = ${lit(p.functionRole)}` },
    {
      kind: 'system',
      cols: ['identity_type', 'identity_name', 'UPPER(system_privilege)'],
      from: `svv_system_privileges WHERE UPPER(system_privilege) IN (${privileges})`
    },
    {
      kind: 'database',
      cols: ['identity_type', 'identity_name', 'UPPER(privilege_type)', 'UPPER(privilege_scope)', 'database_name'],
      from: `svv_database_privileges WHERE database_name IN (${databases})`
    }
  ]
  if (p.languageHere) branches.push(languageBranch())
  return rows(branches)
}

function languageBranch() {
  return {
    kind: 'language',
    cols: ['identity_type', 'identity_name'],
    from: `svv_language_privileges WHERE language_name = 'exfunc' AND UPPER(privilege_type) = 'USAGE'`
  }
}

/**
 * Leader node, in a source database: each schema with its owner and has_schema_privilege USAGE, and
 * each table and view in it (pg_class relkind r, v, m) with its owner and has_table_privilege SELECT.
 * A schema without relations is one row with NULL relation columns; a missing schema is no row.
 */
export function sourceCatalogSql(dbUser: string, schemas: string[]): string {
  const user = lit(dbUser)
  const names = schemas.map(lit).join(', ')
  const userExists = `EXISTS (SELECT 1 FROM pg_user WHERE usename = ${user})`
  return [
    'SELECT n.nspname AS schema_name, so.usename AS schema_owner,',
    `  CASE WHEN ${userExists} THEN has_schema_privilege(${user}, n.nspname, 'USAGE') END AS schema_usage,`,
    '  c.relname AS relation_name, c.relkind AS relation_kind, ro.usename AS relation_owner,',
    `  CASE WHEN c.oid IS NOT NULL AND ${userExists} THEN has_table_privilege(${user}, c.oid, 'SELECT') END AS relation_select`,
    'FROM pg_namespace n',
    'LEFT JOIN pg_user so ON so.usesysid = n.nspowner',
    "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'v', 'm')",
    'LEFT JOIN pg_user ro ON ro.usesysid = c.relowner',
    `WHERE n.nspname IN (${names})`
  ].join('\n')
}

/**
 * System views, in a source database: schema privileges and scoped permissions on the schemas
 * (SVV_SCHEMA_PRIVILEGES), SELECT grants on their relations (SVV_RELATION_PRIVILEGES), and default
 * privileges for SELECT on relations created later, per owner (SVV_DEFAULT_PRIVILEGES; a NULL
 * schema is a default for the whole database).
 */
export function sourceGrantsSql(schemas: string[]): string {
  const names = schemas.map(lit).join(', ')
  return rows([
    {
      kind: 'schema',
      cols: ['namespace_name', 'identity_type', 'identity_name', 'UPPER(privilege_type)', 'UPPER(privilege_scope)'],
      from: `svv_schema_privileges WHERE namespace_name IN (${names})`
    },
    {
      kind: 'relation',
      cols: ['namespace_name', 'identity_type', 'identity_name', 'relation_name'],
      from: `svv_relation_privileges WHERE namespace_name IN (${names}) AND UPPER(privilege_type) = 'SELECT'`
    },
    {
      kind: 'default',
      cols: ['schema_name', 'grantee_type', 'grantee_name', 'owner_name'],
      from:
        `svv_default_privileges WHERE (schema_name IN (${names}) OR schema_name IS NULL)` +
        ` AND UPPER(object_type) = 'RELATION' AND UPPER(privilege_type) = 'SELECT'`
    }
  ])
}
