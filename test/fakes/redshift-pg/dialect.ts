/**
 * Reads Redshift SQL with a real SQL parser (libpg-query: PostgreSQL's own grammar and lexer, which
 * Redshift's dialect descends from) and decides, per statement, what Redshift would do with it:
 * refuse it (each refusal cites its docs page), run it on PostgreSQL as it is, or carry out a
 * Redshift-only statement (RBAC roles, system privileges, scoped permissions) on the emulation.
 *
 * Redshift-only statements PostgreSQL's grammar does not have are recognised on the lexer's tokens
 * (GRANT ROLE, GRANT <system privilege>, GRANT ... FOR TABLES IN SCHEMA); a few Redshift spellings
 * are rewritten token-wise into PostgreSQL's (TO ROLE r -> TO r, CREATEUSER -> SUPERUSER,
 * IN SCHEMA db.schema -> the grant runs in db). Whatever is still not parseable is refused.
 */
import { parse, scan } from 'libpg-query'
import { SYSTEM_PRIVILEGES } from './catalog.js'

/** A statement Redshift refuses; `message` is the Data API's Error text without the `ERROR: ` prefix. */
export class RedshiftRefusal extends Error {
  constructor(
    message: string,
    /** The AWS docs page that documents the refusal (for the stand-in's own tests and readers). */
    readonly docs: string
  ) {
    super(message)
    this.name = 'RedshiftRefusal'
  }
}

/** c_SQL_functions_leader_node_only; the text Redshift answers with. */
export const LEADER_NODE_ERROR = 'Specified types or functions (one per INFO message) not supported on Redshift tables.'

/**
 * c_SQL_functions_leader_node_only: leader-node-only functions, including the deprecated date and
 * string ones the page lists as no longer supported on compute nodes.
 */
const LEADER_NODE_FUNCTIONS = new Set([
  'current_schema', 'current_schemas', 'has_database_privilege', 'has_schema_privilege', 'has_table_privilege',
  'substr', 'factorial', 'log', 'age', 'current_time', 'current_timestamp', 'localtime', 'isfinite', 'now',
  'getbit', 'get_byte', 'set_bit', 'set_byte', 'to_ascii'
])
const LEADER_NODE_VALUE_FUNCTIONS = new Set(['SVFOP_CURRENT_SCHEMA', 'SVFOP_CURRENT_TIME', 'SVFOP_CURRENT_TIME_N', 'SVFOP_CURRENT_TIMESTAMP', 'SVFOP_CURRENT_TIMESTAMP_N', 'SVFOP_LOCALTIME', 'SVFOP_LOCALTIME_N'])

/**
 * c_unsupported-postgresql-functions: PostgreSQL functions Redshift does not support. "Some unsupported
 * functions will not return an error when run on the leader node", so they are refused only where a
 * statement runs on the compute nodes (it names a system view or a user table); the reading that
 * refuses there can never let a statement through that Redshift would fail.
 */
const UNSUPPORTED_FUNCTIONS = new Set([
  // aggregate functions
  'string_agg', 'array_agg', 'every', 'xmlagg', 'xml_agg', 'corr', 'covar_pop', 'covar_samp', 'regr_avgx', 'regr_avgy',
  'regr_count', 'regr_intercept', 'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy',
  // array functions (and operators, see usageOf)
  'array_append', 'array_cat', 'array_dims', 'array_fill', 'array_length', 'array_lower', 'array_ndims', 'array_position',
  'array_positions', 'array_prepend', 'array_remove', 'array_replace', 'array_to_string', 'array_upper', 'cardinality',
  'string_to_array', 'unnest',
  // date/time, math, set-returning and string functions the page names
  'clock_timestamp', 'justify_days', 'justify_hours', 'justify_interval', 'pg_sleep', 'transaction_timestamp', 'div', 'setseed',
  'width_bucket', 'generate_series', 'generate_subscripts', 'bit_length', 'overlay', 'convert', 'convert_from', 'convert_to',
  'encode', 'format',
  // access privilege inquiry functions beyond the three leader-node ones, comment information functions
  'has_any_column_privilege', 'has_column_privilege', 'has_foreign_data_wrapper_privilege', 'has_function_privilege',
  'has_language_privilege', 'has_sequence_privilege', 'has_server_privilege', 'has_tablespace_privilege', 'has_type_privilege',
  'pg_has_role', 'obj_description', 'col_description', 'shobj_description'
])

/** Relations that send a query to the compute nodes (c_SQL_functions_leader_node_only). */
const COMPUTE_SYSTEM_PREFIXES = ['svv_', 'svl_', 'stl_', 'stv_', 'sys_']

type Json = Record<string, unknown>
interface Token {
  start: number
  end: number
  text: string
  tokenName: string
  keywordName: string
}

export type Grantee = { kind: 'user' | 'role' | 'group' | 'public'; name: string }

export type Prepared =
  /** Run on PostgreSQL as it is (in `database` when the statement names another one). */
  | {
      kind: 'pg'
      sql: string
      ast: Json
      database?: string
      /** GRANT/REVOKE grantees as written: Redshift reads a bare name as a user, ROLE r as a role, GROUP g as a group (r_GRANT). */
      grantees?: Grantee[]
      /** ALTER DEFAULT PRIVILEGES FOR USER: these must be users (r_ALTER_DEFAULT_PRIVILEGES). */
      ownerUsers?: string[]
    }
  | { kind: 'alter-group'; sql: string; name: string; members: string[] }
  | { kind: 'create-user' | 'alter-user'; sql: string | undefined; name: string; syslog?: 'RESTRICTED' | 'UNRESTRICTED' }
  | { kind: 'create-role'; name: string }
  | { kind: 'create-group'; sql: string; name: string; members: string[] }
  | { kind: 'grant-role'; revoke: boolean; roles: string[]; grantees: Grantee[]; adminOption: boolean }
  | { kind: 'grant-system'; revoke: boolean; privileges: string[]; roles: string[] }
  | {
      kind: 'grant-scoped'
      revoke: boolean
      privileges: string[]
      objectType: 'TABLES' | 'FUNCTIONS' | 'SCHEMAS'
      schema?: string
      database?: string
      grantees: Grantee[]
    }

/** The identifier a token spells: "Quoted" keeps its case, bare words fold to lower case. */
function identOf(tok: Token | undefined): string | undefined {
  if (!tok) return undefined
  if (tok.text.startsWith('"')) return tok.text.slice(1, -1).replace(/""/g, '"')
  if (tok.tokenName === 'IDENT' || tok.keywordName !== 'NO_KEYWORD') return tok.text.toLowerCase()
  return undefined
}

const word = (tok: Token | undefined) => (tok && !tok.text.startsWith('"') ? tok.text.toUpperCase() : undefined)

/** Splits a script into statements on top-level semicolons (the lexer knows strings and comments). */
export async function splitStatements(sql: string): Promise<string[]> {
  const { tokens } = (await scan(sql)) as { tokens: Token[] }
  const out: string[] = []
  let from = 0
  for (const t of tokens) {
    if (t.text === ';') {
      if (sql.slice(from, t.start).trim()) out.push(sql.slice(from, t.start).trim())
      from = t.end
    }
  }
  if (sql.slice(from).trim()) out.push(sql.slice(from).trim())
  return out
}

async function tokensOf(sql: string): Promise<Token[]> {
  try {
    // Comments are tokens too; no statement form reads them.
    return ((await scan(sql)) as { tokens: Token[] }).tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
  } catch (err) {
    throw new RedshiftRefusal(String((err as Error).message), 'r_SQL_commands')
  }
}

/** Parses one Data API statement and decides what it is. Throws RedshiftRefusal. */
export async function prepareStatement(sqlIn: string): Promise<Prepared> {
  let tokens = await tokensOf(sqlIn)
  while (tokens.length && tokens[tokens.length - 1]!.text === ';') tokens = tokens.slice(0, -1)
  if (tokens.some((t) => t.text === ';')) {
    // The Data API's ExecuteStatement runs one statement; BatchExecuteStatement takes a list.
    throw new RedshiftRefusal('cannot insert multiple commands into a prepared statement', 'data-api')
  }
  if (tokens.length === 0) throw new RedshiftRefusal('syntax error at end of input', 'r_SQL_commands')
  const offset = tokens[0]!.start
  const sql = sqlIn.slice(offset, tokens[tokens.length - 1]!.end)
  tokens = tokens.map((t) => ({ ...t, start: t.start - offset, end: t.end - offset }))

  const head = word(tokens[0])
  if (head === 'GRANT' || head === 'REVOKE') {
    const redshiftOnly = grantOfRedshiftOnly(tokens, head === 'REVOKE')
    if (redshiftOnly) return redshiftOnly
  }
  const rewritten = rewriteForPostgres(sql, tokens)
  let ast: Json
  try {
    const parsed = (await parse(rewritten.sql)) as { stmts: Array<{ stmt: Json }> }
    if (parsed.stmts.length !== 1) throw new RedshiftRefusal('cannot insert multiple commands into a prepared statement', 'data-api')
    ast = parsed.stmts[0]!.stmt
  } catch (err) {
    if (err instanceof RedshiftRefusal) throw err
    // Refuse what the parser cannot read rather than guess (r_SQL_commands).
    throw new RedshiftRefusal(String((err as Error).message), 'r_SQL_commands')
  }

  const create = ast['CreateRoleStmt'] as Json | undefined
  if (create) {
    const name = String(create['role'])
    if (create['stmt_type'] === 'ROLESTMT_ROLE') {
      if ((create['options'] as unknown[] | undefined)?.length) {
        throw new RedshiftRefusal(`syntax error at or near "${String(name)}"`, 'r_CREATE_ROLE')
      }
      return { kind: 'create-role', name }
    }
    if (create['stmt_type'] === 'ROLESTMT_USER') {
      checkCreateUser(create, rewritten.passwordDisabled)
      return { kind: 'create-user', sql: rewritten.sql, name, ...(rewritten.syslog ? { syslog: rewritten.syslog } : {}) }
    }
    const members = ((create['options'] as Json[] | undefined) ?? [])
      .map((o) => o['DefElem'] as Json)
      .filter((d) => d['defname'] === 'rolemembers')
      .flatMap((d) => (((d['arg'] as Json)['List'] as Json)['items'] as Json[]).map((r) => String((r['RoleSpec'] as Json)['rolename'])))
    return { kind: 'create-group', sql: rewritten.sql, name, members }
  }
  const alter = ast['AlterRoleStmt'] as Json | undefined
  if (alter && word(tokens[1]) === 'USER') {
    const name = String((alter['role'] as Json)['rolename'])
    const hasOptions = ((alter['options'] as unknown[] | undefined) ?? []).length > 0
    return { kind: 'alter-user', sql: hasOptions ? rewritten.sql : undefined, name, ...(rewritten.syslog ? { syslog: rewritten.syslog } : {}) }
  }
  if (ast['GrantRoleStmt']) {
    // Redshift grants roles with GRANT ROLE r TO ...; GRANT r TO u is not its grammar (r_GRANT).
    throw new RedshiftRefusal(`syntax error at or near "TO"`, 'r_GRANT')
  }
  if (alter && word(tokens[1]) === 'GROUP') {
    const members = ((((alter['options'] as Json[] | undefined) ?? [])[0]?.['DefElem'] as Json | undefined)?.['arg'] as Json | undefined)?.['List'] as Json | undefined
    const names = ((members?.['items'] as Json[] | undefined) ?? []).map((m) => String((m['RoleSpec'] as Json)['rolename']))
    return { kind: 'alter-group', sql: rewritten.sql, name: String((alter['role'] as Json)['rolename']), members: names }
  }
  checkQuery(ast)
  const isGrant = Boolean(ast['GrantStmt']) || Boolean(ast['AlterDefaultPrivilegesStmt'])
  const ownerUsers = ((((ast['AlterDefaultPrivilegesStmt'] as Json | undefined)?.['options'] as Json[] | undefined) ?? [])
    .map((o) => o['DefElem'] as Json)
    .filter((d) => d['defname'] === 'roles')
    .flatMap((d) => (((d['arg'] as Json)['List'] as Json)['items'] as Json[]).map((r) => String((r['RoleSpec'] as Json)['rolename']))))
  return {
    kind: 'pg',
    sql: rewritten.sql,
    ast,
    ...(rewritten.database ? { database: rewritten.database } : {}),
    ...(isGrant ? { grantees: granteesAsWritten(tokens) } : {}),
    ...(ownerUsers.length ? { ownerUsers } : {})
  }
}

// ---- Redshift-only GRANT forms ----------------------------------------------------------------

function granteesFrom(tokens: Token[], i: number): { grantees: Grantee[]; next: number } {
  const grantees: Grantee[] = []
  for (;;) {
    const w = word(tokens[i])
    let kind: Grantee['kind'] = 'user'
    if (w === 'ROLE' || w === 'GROUP') {
      kind = w === 'ROLE' ? 'role' : 'group'
      i++
    } else if (w === 'PUBLIC') {
      grantees.push({ kind: 'public', name: 'public' })
      i++
      if (tokens[i]?.text === ',') {
        i++
        continue
      }
      break
    }
    const name = identOf(tokens[i])
    if (name === undefined) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 'r_GRANT')
    grantees.push({ kind, name })
    i++
    if (tokens[i]?.text !== ',') break
    i++
  }
  return { grantees, next: i }
}

function expectEnd(tokens: Token[], i: number, docs: string): void {
  if (i < tokens.length) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]!.text}"`, docs)
}

/** The system privilege spelled from tokens[i] on, longest match first. */
function systemPrivilegeAt(tokens: Token[], i: number): { privilege: string; next: number } | undefined {
  let best: { privilege: string; next: number } | undefined
  for (const p of SYSTEM_PRIVILEGES) {
    const words = p.split(' ')
    if (words.every((w, k) => word(tokens[i + k]) === w) && (!best || words.length > best.privilege.split(' ').length)) {
      best = { privilege: p, next: i + words.length }
    }
  }
  return best
}

function grantOfRedshiftOnly(tokens: Token[], revoke: boolean): Prepared | undefined {
  const toFrom = revoke ? 'FROM' : 'TO'
  // GRANT ROLE r [, ...] TO { user | ROLE r } [, ...] [WITH ADMIN OPTION] (r_GRANT, "Granting roles").
  if (word(tokens[1]) === 'ROLE') {
    const roles: string[] = []
    let i = 2
    for (;;) {
      const r = identOf(tokens[i])
      if (r === undefined) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 'r_GRANT')
      roles.push(r)
      i++
      if (tokens[i]?.text !== ',') break
      i++
    }
    if (word(tokens[i]) !== toFrom) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 'r_GRANT')
    const { grantees, next } = granteesFrom(tokens, i + 1)
    let adminOption = false
    let j = next
    if (!revoke && word(tokens[j]) === 'WITH' && word(tokens[j + 1]) === 'ADMIN' && word(tokens[j + 2]) === 'OPTION') {
      adminOption = true
      j += 3
    }
    expectEnd(tokens, j, 'r_GRANT')
    return { kind: 'grant-role', revoke, roles, grantees, adminOption }
  }
  // GRANT <system privilege> [, ...] TO ROLE r [, ...] (r_GRANT, "System permissions for RBAC").
  const first = systemPrivilegeAt(tokens, 1)
  if (first && (word(tokens[first.next]) === toFrom || tokens[first.next]?.text === ',')) {
    const privileges = [first.privilege]
    let i = first.next
    while (tokens[i]?.text === ',') {
      const p = systemPrivilegeAt(tokens, i + 1)
      if (!p) throw new RedshiftRefusal(`syntax error at or near "${tokens[i + 1]?.text ?? 'end of input'}"`, 'r_GRANT')
      privileges.push(p.privilege)
      i = p.next
    }
    if (word(tokens[i]) !== toFrom) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 'r_GRANT')
    const { grantees, next } = granteesFrom(tokens, i + 1)
    expectEnd(tokens, next, 'r_GRANT')
    const notRole = grantees.find((g) => g.kind !== 'role')
    if (notRole) {
      // r_GRANT: system permissions are granted TO ROLE only ("GRANT { system_permission } TO { ROLE role_name }").
      throw new RedshiftRefusal(
        `system permissions can only be granted to roles: ${privileges.join(', ')} ${toFrom} ${notRole.kind === 'public' ? 'PUBLIC' : `"${notRole.name}"`}`,
        'r_GRANT'
      )
    }
    return { kind: 'grant-system', revoke, privileges, roles: grantees.map((g) => g.name) }
  }
  // GRANT <privileges> FOR { TABLES | FUNCTIONS } IN { SCHEMA s [DATABASE d] | DATABASE d }, or
  // FOR SCHEMAS IN DATABASE d, TO ... (t_scoped-permissions).
  const forAt = tokens.findIndex((t) => word(t) === 'FOR')
  const onAt = tokens.findIndex((t) => word(t) === 'ON')
  if (forAt > 1 && (onAt < 0 || forAt < onAt) && ['TABLES', 'FUNCTIONS', 'SCHEMAS'].includes(word(tokens[forAt + 1]) ?? '')) {
    const privileges: string[] = []
    for (let i = 1; i < forAt; i++) {
      const w = word(tokens[i])
      if (w === ',') continue
      if (!w) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]!.text}"`, 't_scoped-permissions')
      if (w === 'PRIVILEGES' && privileges.at(-1) === 'ALL') continue
      privileges.push(w)
    }
    const objectType = word(tokens[forAt + 1]) as 'TABLES' | 'FUNCTIONS' | 'SCHEMAS'
    let i = forAt + 2
    if (word(tokens[i]) !== 'IN') throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 't_scoped-permissions')
    i++
    let schema: string | undefined
    let database: string | undefined
    if (word(tokens[i]) === 'SCHEMA') {
      schema = identOf(tokens[i + 1])
      i += 2
      if (word(tokens[i]) === 'DATABASE') {
        database = identOf(tokens[i + 1])
        i += 2
      }
    } else if (word(tokens[i]) === 'DATABASE') {
      database = identOf(tokens[i + 1])
      i += 2
    }
    if ((schema === undefined && database === undefined) || (objectType === 'SCHEMAS' && schema !== undefined)) {
      throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 't_scoped-permissions')
    }
    if (word(tokens[i]) !== toFrom) throw new RedshiftRefusal(`syntax error at or near "${tokens[i]?.text ?? 'end of input'}"`, 't_scoped-permissions')
    const { grantees, next } = granteesFrom(tokens, i + 1)
    expectEnd(tokens, next, 't_scoped-permissions')
    return {
      kind: 'grant-scoped',
      revoke,
      privileges,
      objectType,
      ...(schema !== undefined ? { schema } : {}),
      ...(database !== undefined ? { database } : {}),
      grantees
    }
  }
  return undefined
}

/** The grantee list of a GRANT/REVOKE (also inside ALTER DEFAULT PRIVILEGES): after its last TO or FROM. */
function granteesAsWritten(tokens: Token[]): Grantee[] {
  let at = -1
  tokens.forEach((t, i) => {
    if (word(t) === 'TO' || word(t) === 'FROM') at = i
  })
  return at < 0 ? [] : granteesFrom(tokens, at + 1).grantees
}

// ---- Redshift spellings PostgreSQL words differently ------------------------------------------

function rewriteForPostgres(
  sql: string,
  tokens: Token[]
): { sql: string; database?: string; passwordDisabled: boolean; syslog?: 'RESTRICTED' | 'UNRESTRICTED' } {
  const edits: Array<{ start: number; end: number; text: string }> = []
  let database: string | undefined
  let passwordDisabled = false
  let syslog: 'RESTRICTED' | 'UNRESTRICTED' | undefined
  const head = word(tokens[0])
  const second = word(tokens[1])
  if ((head === 'CREATE' || head === 'ALTER') && second === 'USER') {
    for (let i = 2; i < tokens.length; i++) {
      const w = word(tokens[i])
      if (w === 'CREATEUSER') edits.push({ start: tokens[i]!.start, end: tokens[i]!.end, text: 'SUPERUSER' })
      else if (w === 'NOCREATEUSER') edits.push({ start: tokens[i]!.start, end: tokens[i]!.end, text: 'NOSUPERUSER' })
      else if (w === 'PASSWORD' && word(tokens[i + 1]) === 'DISABLE') {
        // r_CREATE_USER: PASSWORD DISABLE (IAM-only sign-in). PostgreSQL: no password.
        edits.push({ start: tokens[i]!.start, end: tokens[i + 1]!.end, text: 'PASSWORD NULL' })
        passwordDisabled = true
      } else if (w === 'SYSLOG' && word(tokens[i + 1]) === 'ACCESS') {
        const level = word(tokens[i + 2])
        if (level !== 'RESTRICTED' && level !== 'UNRESTRICTED') {
          throw new RedshiftRefusal(`syntax error at or near "${tokens[i + 2]?.text ?? 'end of input'}"`, 'r_ALTER_USER')
        }
        syslog = level
        edits.push({ start: tokens[i]!.start, end: tokens[i + 2]!.end, text: '' })
      } else if (w === 'SESSION' && word(tokens[i + 1]) === 'TIMEOUT') {
        edits.push({ start: tokens[i]!.start, end: tokens[i + 2]!.end, text: '' })
      } else if (w === 'EXTERNALID') {
        edits.push({ start: tokens[i]!.start, end: tokens[i + 1]!.end, text: '' })
      }
    }
  }
  if (head === 'GRANT' || head === 'REVOKE' || (head === 'ALTER' && second === 'DEFAULT')) {
    for (let i = 1; i < tokens.length; i++) {
      const w = word(tokens[i])
      const prev = word(tokens[i - 1]) ?? tokens[i - 1]!.text
      // GRANT ... TO ROLE r (r_GRANT): PostgreSQL names grantees without the ROLE keyword.
      if (w === 'ROLE' && (prev === 'TO' || prev === 'FROM' || prev === ',')) edits.push({ start: tokens[i]!.start, end: tokens[i]!.end, text: '' })
      // GRANT ... ON ALL TABLES IN SCHEMA database.schema (r_GRANT; the setup guide's cross-database grant).
      if (w === 'SCHEMA' && word(tokens[i - 1]) === 'IN' && tokens[i + 2]?.text === '.' && identOf(tokens[i + 3]) !== undefined) {
        database = identOf(tokens[i + 1])
        edits.push({ start: tokens[i + 1]!.start, end: tokens[i + 2]!.end, text: '' })
      }
    }
  }
  let out = sql
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  return { sql: out, ...(database !== undefined ? { database } : {}), passwordDisabled, ...(syslog ? { syslog } : {}) }
}

/** r_CREATE_USER: PASSWORD is required, and a clear-text one must meet Redshift's rules. */
function checkCreateUser(create: Json, passwordDisabled: boolean): void {
  const options = ((create['options'] as Json[] | undefined) ?? []).map((o) => o['DefElem'] as Json)
  const password = options.find((o) => o['defname'] === 'password')
  if (!password) throw new RedshiftRefusal('syntax error at end of input: CREATE USER needs PASSWORD', 'r_CREATE_USER')
  if (passwordDisabled) return
  const p = ((password['arg'] as Json | undefined)?.['String'] as Json | undefined)?.['sval']
  if (typeof p !== 'string') return
  if (/^md5[0-9a-f]{32}$/.test(p) || /^sha256\|/.test(p)) return
  if (p.length < 8 || p.length > 64) throw new RedshiftRefusal('Password must be between 8 and 64 characters long', 'r_CREATE_USER')
  if (!/[A-Z]/.test(p)) throw new RedshiftRefusal('Password must contain an uppercase character', 'r_CREATE_USER')
  if (!/[a-z]/.test(p)) throw new RedshiftRefusal('Password must contain a lowercase character', 'r_CREATE_USER')
  if (!/[0-9]/.test(p)) throw new RedshiftRefusal('Password must contain a number', 'r_CREATE_USER')
  if (/['"\\/@ ]/.test(p)) throw new RedshiftRefusal('Password must not contain \', ", \\, /, @ or space', 'r_CREATE_USER')
}

// ---- Queries -------------------------------------------------------------------------------

interface Usage {
  /** c_unsupported-postgresql-functions: functions and operators that fail on the compute nodes. */
  unsupported: Set<string>
  leaderFunctions: Set<string>
  leaderRelations: Set<string>
  computeRelations: Set<string>
}

/** Every function call and relation a statement names, classified as Redshift runs them. */
export function usageOf(ast: unknown): Usage {
  const usage: Usage = { unsupported: new Set(), leaderFunctions: new Set(), leaderRelations: new Set(), computeRelations: new Set() }
  const ctes = new Set<string>()
  const collectCtes = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(collectCtes)
    if (!node || typeof node !== 'object') return
    for (const [k, v] of Object.entries(node)) {
      if (k === 'CommonTableExpr') ctes.add(String((v as Json)['ctename']))
      collectCtes(v)
    }
  }
  collectCtes(ast)
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node !== 'object') return
    for (const [k, v] of Object.entries(node)) {
      if (k === 'FuncCall') {
        const names = ((v as Json)['funcname'] as Json[]).map((n) => String((n['String'] as Json)['sval']).toLowerCase())
        const name = names[names.length - 1]!
        const builtin = names.length === 1 || names[0] === 'pg_catalog'
        if (LEADER_NODE_FUNCTIONS.has(name) && builtin) usage.leaderFunctions.add(name)
        if ((UNSUPPORTED_FUNCTIONS.has(name) || name.startsWith('pg_')) && builtin) usage.unsupported.add(`${name}()`)
      } else if (k === 'A_Expr') {
        const kind = String((v as Json)['kind'])
        if (kind === 'AEXPR_DISTINCT' || kind === 'AEXPR_NOT_DISTINCT') usage.unsupported.add('IS DISTINCT FROM')
        if (kind === 'AEXPR_OP_ANY' || kind === 'AEXPR_OP_ALL') usage.unsupported.add('array operator ANY/ALL')
      } else if (k === 'A_ArrayExpr' || (k === 'A_Indirection' && ((v as Json)['indirection'] as Json[]).some((x) => 'A_Indices' in x))) {
        usage.unsupported.add('array')
      } else if (k === 'SQLValueFunction') {
        const op = String((v as Json)['op'])
        if (LEADER_NODE_VALUE_FUNCTIONS.has(op)) usage.leaderFunctions.add(op.replace(/^SVFOP_/, '').replace(/_N$/, '').toLowerCase())
      } else if (k === 'RangeVar') {
        const r = v as Json
        const schema = r['schemaname'] === undefined ? undefined : String(r['schemaname']).toLowerCase()
        const rel = String(r['relname'])
        const lower = rel.toLowerCase()
        const qualified = schema ? `${schema}.${rel}` : rel
        if (!schema && ctes.has(rel)) {
          // a WITH query, not a relation
        } else if (COMPUTE_SYSTEM_PREFIXES.some((p) => lower.startsWith(p)) && (!schema || schema === 'pg_catalog')) {
          usage.computeRelations.add(qualified)
        } else if (schema === 'pg_catalog' || schema === 'information_schema' || (!schema && lower.startsWith('pg_'))) {
          usage.leaderRelations.add(qualified)
        } else {
          usage.computeRelations.add(qualified)
        }
      }
      walk(v)
    }
  }
  walk(ast)
  return usage
}

/** Refusals that need only the statement: leader-node mixing (c_SQL_functions_leader_node_only), set operations (r_UNION). */
export function checkQuery(ast: Json): void {
  const usage = usageOf(ast)
  if ((usage.leaderFunctions.size > 0 || usage.leaderRelations.size > 0) && usage.computeRelations.size > 0) {
    throw new RedshiftRefusal(LEADER_NODE_ERROR, 'c_SQL_functions_leader_node_only')
  }
  if (usage.unsupported.size > 0 && usage.computeRelations.size > 0) {
    throw new RedshiftRefusal(LEADER_NODE_ERROR, 'c_unsupported-postgresql-functions')
  }
  checkSetOperations(ast)
}

type Category = 'boolean' | 'string' | 'numeric' | undefined

/** The type category of a select-list expression where it can be told from the statement alone. */
function categoryOf(expr: Json | undefined): Category {
  if (!expr) return undefined
  const fn = expr['FuncCall'] as Json | undefined
  if (fn) {
    const names = (fn['funcname'] as Json[]).map((n) => String((n['String'] as Json)['sval']).toLowerCase())
    // r_HAS_SCHEMA_PRIVILEGE, r_HAS_TABLE_PRIVILEGE, r_HAS_DATABASE_PRIVILEGE: the return type is CHAR/VARCHAR in Redshift.
    if (/^has_(database|schema|table)_privilege$/.test(names[names.length - 1]!)) return 'string'
    return undefined
  }
  const c = expr['A_Const'] as Json | undefined
  if (c) {
    if ('boolval' in c) return 'boolean'
    if ('ival' in c || 'fval' in c) return 'numeric'
    if ('sval' in c) return undefined // an unknown-type literal adapts to the other branch, as in PostgreSQL
    return undefined
  }
  const cast = expr['TypeCast'] as Json | undefined
  if (cast) {
    const names = (((cast['typeName'] as Json)['names'] as Json[]) ?? []).map((n) => String((n['String'] as Json)['sval']).toLowerCase())
    const t = names[names.length - 1] ?? ''
    if (t === 'bool' || t === 'boolean') return 'boolean'
    if (['int2', 'int4', 'int8', 'integer', 'smallint', 'bigint', 'numeric', 'float4', 'float8'].includes(t)) return 'numeric'
    if (['text', 'varchar', 'bpchar', 'char', 'name'].includes(t)) return 'string'
    return undefined
  }
  if (expr['BoolExpr'] || expr['NullTest'] || expr['BooleanTest']) return 'boolean'
  // CASE and COALESCE take the category of their results (r_CASE_function, r_COALESCE).
  const kase = expr['CaseExpr'] as Json | undefined
  if (kase) {
    const results = [...((kase['args'] as Json[]) ?? []).map((w) => (w['CaseWhen'] as Json)['result'] as Json), kase['defresult'] as Json | undefined]
    return results.map(categoryOf).find((c) => c !== undefined)
  }
  const coalesce = expr['CoalesceExpr'] as Json | undefined
  if (coalesce) return ((coalesce['args'] as Json[]) ?? []).map(categoryOf).find((c) => c !== undefined)
  const aexpr = expr['A_Expr'] as Json | undefined
  if (aexpr && aexpr['kind'] === 'AEXPR_OP') {
    const op = String((((aexpr['name'] as Json[]) ?? [])[0]?.['String'] as Json | undefined)?.['sval'] ?? '')
    if (['=', '<>', '!=', '<', '>', '<=', '>='].includes(op)) return 'boolean'
  }
  if (expr['SubLink'] && (expr['SubLink'] as Json)['subLinkType'] === 'EXISTS_SUBLINK') return 'boolean'
  return undefined
}

/** r_UNION: "set operations don't allow implicit conversion between different categories of data types". */
function checkSetOperations(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(checkSetOperations)
  if (!node || typeof node !== 'object') return
  for (const [k, v] of Object.entries(node)) {
    if (k === 'SelectStmt' || k === 'larg' || k === 'rarg') {
      const s = v as Json
      if (s['op'] && s['op'] !== 'SETOP_NONE') {
        const leaves: Json[] = []
        const collect = (x: Json) => {
          if (x['op'] && x['op'] !== 'SETOP_NONE') {
            collect(x['larg'] as Json)
            collect(x['rarg'] as Json)
          } else leaves.push(x)
        }
        collect(s)
        const width = Math.max(...leaves.map((l) => ((l['targetList'] as unknown[]) ?? []).length))
        for (let i = 0; i < width; i++) {
          const seen = new Set<Category>()
          for (const l of leaves) {
            const target = ((l['targetList'] as Json[]) ?? [])[i]?.['ResTarget'] as Json | undefined
            const cat = categoryOf(target?.['val'] as Json | undefined)
            if (cat) seen.add(cat)
          }
          if (seen.size > 1) {
            // PostgreSQL's and Redshift's wording: "UNION types boolean and character varying cannot be matched".
            const op = String(s['op']).replace('SETOP_', '')
            const names = [...seen].map((c) => (c === 'string' ? 'character varying' : c === 'numeric' ? 'integer' : 'boolean'))
            throw new RedshiftRefusal(`${op} types ${names.join(' and ')} cannot be matched`, 'r_UNION')
          }
        }
      }
    }
    checkSetOperations(v)
  }
}
