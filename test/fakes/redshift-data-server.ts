/**
 * A protocol-level fake of the Redshift Data API for end-to-end tests.
 *
 * moto cannot serve redshift-data to SDK v3 (its timestamps are ISO strings and its statements never
 * finish), so this is a small `http` server that speaks AWS JSON 1.1 (`X-Amz-Target:
 * RedshiftData.<Operation>`), in front of an in-memory model of a Redshift catalogue.
 *
 * Statements are not matched against canned answers: SELECTs are parsed and evaluated by a small
 * SQL engine over virtual catalogue tables (pg_database, pg_user, pg_namespace, pg_tables and the
 * svv_* privilege views) with Redshift's has_*_privilege functions, which fail on unknown
 * identities just as Redshift does. The DDL and GRANT statements of Cargo's setup are executed
 * against the model, with Redshift-like errors.
 */
import {
  startDataApiServer,
  type Connection,
  type DataApiServer,
  type FakeCall,
  type FakeFault,
  type SqlBackend,
  type StatementOutcome
} from './redshift-data-protocol.js'

export type { Connection, FakeCall, FakeFault, RecordedStatement } from './redshift-data-protocol.js'

// =============================================================================================
// Errors
// =============================================================================================

/** A SQL error: the statement ends FAILED with this text as its `Error`. */
export class SqlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SqlError'
  }
}

// =============================================================================================
// Tokens
// =============================================================================================

type Tok =
  | { t: 'id'; v: string } // unquoted identifier or keyword, folded to lower case
  | { t: 'qid'; v: string } // "quoted identifier"
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'op'; v: string }
  | { t: 'eof' }

function tokenize(sql: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) throw new SqlError('unterminated /* comment')
      i = end + 2
      continue
    }
    if (c === "'") {
      // Redshift reads '' and backslash escapes inside literals.
      let v = ''
      i++
      for (;;) {
        if (i >= sql.length) throw new SqlError('unterminated quoted string')
        const ch = sql[i]!
        if (ch === '\\') {
          const nx = sql[i + 1]
          if (nx === undefined) throw new SqlError('unterminated quoted string')
          v += nx === 'n' ? '\n' : nx === 't' ? '\t' : nx === 'r' ? '\r' : nx
          i += 2
        } else if (ch === "'") {
          if (sql[i + 1] === "'") {
            v += "'"
            i += 2
          } else {
            i++
            break
          }
        } else {
          v += ch
          i++
        }
      }
      out.push({ t: 'str', v })
      continue
    }
    if (c === '"') {
      let v = ''
      i++
      for (;;) {
        if (i >= sql.length) throw new SqlError('unterminated quoted identifier')
        const ch = sql[i]!
        if (ch === '"') {
          if (sql[i + 1] === '"') {
            v += '"'
            i += 2
          } else {
            i++
            break
          }
        } else {
          v += ch
          i++
        }
      }
      if (v === '') throw new SqlError('zero-length delimited identifier')
      // Redshift folds quoted identifiers too unless enable_case_sensitive_identifier is on.
      out.push({ t: 'qid', v: v.toLowerCase() })
      continue
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(sql.slice(i))!
      out.push({ t: 'num', v: Number(m[0]) })
      i += m[0].length
      continue
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!
      out.push({ t: 'id', v: m[0].toLowerCase() })
      i += m[0].length
      continue
    }
    const two = sql.slice(i, i + 2)
    if (['||', '::', '<>', '!=', '<=', '>='].includes(two)) {
      out.push({ t: 'op', v: two })
      i += 2
      continue
    }
    if ('(),.;=<>*+-'.includes(c)) {
      out.push({ t: 'op', v: c })
      i++
      continue
    }
    throw new SqlError(`syntax error at or near "${c}"`)
  }
  out.push({ t: 'eof' })
  return out
}

function describeTok(tok: Tok): string {
  switch (tok.t) {
    case 'eof':
      return 'end of input'
    case 'str':
      return `"'${tok.v}'"`
    default:
      return `"${String(tok.v)}"`
  }
}

const RESERVED = new Set([
  'all', 'and', 'as', 'asc', 'by', 'case', 'cast', 'desc', 'distinct', 'else', 'end', 'exists', 'false', 'from', 'group', 'in',
  'inner', 'is', 'join', 'left', 'not', 'null', 'on', 'or', 'order', 'select', 'then', 'to', 'true', 'union', 'when', 'where',
  'with', 'grant'
])

class Cursor {
  pos = 0
  constructor(readonly toks: Tok[]) {}
  peek(offset = 0): Tok {
    return this.toks[Math.min(this.pos + offset, this.toks.length - 1)]!
  }
  next(): Tok {
    const tok = this.peek()
    if (tok.t !== 'eof') this.pos++
    return tok
  }
  isKw(word: string, offset = 0): boolean {
    const tok = this.peek(offset)
    return tok.t === 'id' && tok.v === word
  }
  acceptKw(...words: string[]): boolean {
    if (!words.every((w, i) => this.isKw(w, i))) return false
    this.pos += words.length
    return true
  }
  expectKw(...words: string[]): void {
    for (const w of words) {
      if (!this.acceptKw(w)) throw this.syntaxError()
    }
  }
  isOp(op: string): boolean {
    const tok = this.peek()
    return tok.t === 'op' && tok.v === op
  }
  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false
    this.pos++
    return true
  }
  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.syntaxError()
  }
  /** A name: an unquoted non-reserved word or a quoted identifier. */
  ident(): string {
    const tok = this.peek()
    if (tok.t === 'qid' || (tok.t === 'id' && !RESERVED.has(tok.v))) {
      this.pos++
      return tok.v
    }
    throw this.syntaxError()
  }
  isIdent(): boolean {
    const tok = this.peek()
    return tok.t === 'qid' || (tok.t === 'id' && !RESERVED.has(tok.v))
  }
  atEnd(): boolean {
    return this.peek().t === 'eof'
  }
  expectEnd(): void {
    if (!this.atEnd()) throw this.syntaxError()
  }
  syntaxError(): SqlError {
    return new SqlError(`syntax error at or near ${describeTok(this.peek())}`)
  }
}

// =============================================================================================
// SELECT: syntax tree and parser
// =============================================================================================

type Value = string | number | boolean | null

type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'col'; table?: string; name: string }
  | { k: 'current_user' }
  | { k: 'func'; name: string; args: Expr[] }
  | { k: 'cast'; e: Expr; type: string }
  | { k: 'exists'; q: Query }
  | { k: 'sub'; q: Query }
  | { k: 'in'; e: Expr; q?: Query; list?: Expr[]; not: boolean }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'isnull'; e: Expr; not: boolean }
  | { k: 'case'; whens: Array<[Expr, Expr]>; else?: Expr }

interface FromItem {
  table: string
  alias: string
  on?: Expr
}

interface Select {
  distinct: boolean
  items: Array<{ e: Expr; alias?: string } | { star: true }>
  from: FromItem[]
  where?: Expr
}

interface Query {
  selects: Select[]
  /** ops[i] joins selects[i] and selects[i + 1]. */
  ops: Array<'UNION' | 'UNION ALL'>
  orderBy: Array<{ key: number | string; desc: boolean }>
}

function parseQuery(c: Cursor): Query {
  const selects = [parseSelect(c)]
  const ops: Query['ops'] = []
  while (c.acceptKw('union')) {
    ops.push(c.acceptKw('all') ? 'UNION ALL' : 'UNION')
    selects.push(parseSelect(c))
  }
  const orderBy: Query['orderBy'] = []
  if (c.acceptKw('order', 'by')) {
    do {
      const tok = c.peek()
      let key: number | string
      if (tok.t === 'num') {
        c.next()
        key = tok.v
      } else key = c.ident()
      const desc = c.acceptKw('desc')
      if (!desc) c.acceptKw('asc')
      orderBy.push({ key, desc })
    } while (c.acceptOp(','))
  }
  return { selects, ops, orderBy }
}

function parseSelect(c: Cursor): Select {
  c.expectKw('select')
  const distinct = c.acceptKw('distinct')
  const items: Select['items'] = []
  do {
    if (c.acceptOp('*')) {
      items.push({ star: true })
      continue
    }
    const e = parseExpr(c)
    let alias: string | undefined
    if (c.acceptKw('as')) alias = c.ident()
    else if (c.isIdent()) alias = c.ident()
    items.push(alias !== undefined ? { e, alias } : { e })
  } while (c.acceptOp(','))
  const from: FromItem[] = []
  if (c.acceptKw('from')) {
    from.push(parseFromItem(c))
    for (;;) {
      if (c.acceptOp(',')) from.push(parseFromItem(c))
      else if (c.acceptKw('join') || c.acceptKw('inner', 'join')) {
        const item = parseFromItem(c)
        c.expectKw('on')
        item.on = parseExpr(c)
        from.push(item)
      } else break
    }
  }
  const where = c.acceptKw('where') ? parseExpr(c) : undefined
  return { distinct, items, from, ...(where !== undefined ? { where } : {}) }
}

function parseFromItem(c: Cursor): FromItem {
  let table = c.ident()
  if (c.acceptOp('.')) {
    const schema = table
    table = c.ident()
    if (schema !== 'pg_catalog' && schema !== 'public') throw new SqlError(`relation "${schema}.${table}" does not exist`)
  }
  let alias = table
  if (c.acceptKw('as')) alias = c.ident()
  else if (c.isIdent()) alias = c.ident()
  return { table, alias }
}

function parseExpr(c: Cursor): Expr {
  let l = parseAnd(c)
  while (c.acceptKw('or')) l = { k: 'bin', op: 'OR', l, r: parseAnd(c) }
  return l
}

function parseAnd(c: Cursor): Expr {
  let l = parseNot(c)
  while (c.acceptKw('and')) l = { k: 'bin', op: 'AND', l, r: parseNot(c) }
  return l
}

function parseNot(c: Cursor): Expr {
  if (c.acceptKw('not')) return { k: 'not', e: parseNot(c) }
  return parseComparison(c)
}

function parseComparison(c: Cursor): Expr {
  const l = parseConcat(c)
  for (const op of ['=', '<>', '!=', '<', '>', '<=', '>=']) {
    if (c.acceptOp(op)) return { k: 'bin', op: op === '!=' ? '<>' : op, l, r: parseConcat(c) }
  }
  if (c.acceptKw('is')) {
    const not = c.acceptKw('not')
    c.expectKw('null')
    return { k: 'isnull', e: l, not }
  }
  const not = c.isKw('not') && c.isKw('in', 1)
  if (not) c.next()
  if (c.acceptKw('in')) {
    c.expectOp('(')
    if (c.isKw('select')) {
      const q = parseQuery(c)
      c.expectOp(')')
      return { k: 'in', e: l, q, not }
    }
    const list = [parseExpr(c)]
    while (c.acceptOp(',')) list.push(parseExpr(c))
    c.expectOp(')')
    return { k: 'in', e: l, list, not }
  }
  return l
}

function parseConcat(c: Cursor): Expr {
  let l = parsePostfix(c)
  while (c.acceptOp('||')) l = { k: 'bin', op: '||', l, r: parsePostfix(c) }
  return l
}

function parseType(c: Cursor): string {
  const words: string[] = []
  while (c.peek().t === 'id' && !c.isKw('as')) words.push((c.next() as { v: string }).v)
  if (words.length === 0) throw c.syntaxError()
  if (c.acceptOp('(')) {
    do {
      if (c.next().t !== 'num') throw c.syntaxError()
    } while (c.acceptOp(','))
    c.expectOp(')')
  }
  return words.join(' ')
}

function parsePostfix(c: Cursor): Expr {
  let e = parsePrimary(c)
  while (c.acceptOp('::')) e = { k: 'cast', e, type: parseType(c) }
  return e
}

function parsePrimary(c: Cursor): Expr {
  const tok = c.peek()
  if (tok.t === 'str') {
    c.next()
    return { k: 'lit', v: tok.v }
  }
  if (tok.t === 'num') {
    c.next()
    return { k: 'lit', v: tok.v }
  }
  if (tok.t === 'op' && tok.v === '-') {
    c.next()
    const n = c.next()
    if (n.t !== 'num') throw c.syntaxError()
    return { k: 'lit', v: -n.v }
  }
  if (tok.t === 'op' && tok.v === '(') {
    c.next()
    if (c.isKw('select')) {
      const q = parseQuery(c)
      c.expectOp(')')
      return { k: 'sub', q }
    }
    const e = parseExpr(c)
    c.expectOp(')')
    return e
  }
  if (tok.t === 'id') {
    switch (tok.v) {
      case 'true':
      case 'false':
        c.next()
        return { k: 'lit', v: tok.v === 'true' }
      case 'null':
        c.next()
        return { k: 'lit', v: null }
      case 'current_user':
      case 'session_user':
        c.next()
        return { k: 'current_user' }
      case 'exists': {
        c.next()
        c.expectOp('(')
        const q = parseQuery(c)
        c.expectOp(')')
        return { k: 'exists', q }
      }
      case 'cast': {
        c.next()
        c.expectOp('(')
        const e = parseExpr(c)
        c.expectKw('as')
        const type = parseType(c)
        c.expectOp(')')
        return { k: 'cast', e, type }
      }
      case 'case': {
        c.next()
        const whens: Array<[Expr, Expr]> = []
        while (c.acceptKw('when')) {
          const cond = parseExpr(c)
          c.expectKw('then')
          whens.push([cond, parseExpr(c)])
        }
        if (whens.length === 0) throw c.syntaxError()
        const otherwise = c.acceptKw('else') ? parseExpr(c) : undefined
        c.expectKw('end')
        return { k: 'case', whens, ...(otherwise !== undefined ? { else: otherwise } : {}) }
      }
    }
  }
  if (c.isIdent()) {
    const first = c.ident()
    if (c.acceptOp('(')) {
      const args: Expr[] = []
      if (!c.acceptOp(')')) {
        do args.push(parseExpr(c))
        while (c.acceptOp(','))
        c.expectOp(')')
      }
      return { k: 'func', name: first, args }
    }
    if (c.acceptOp('.')) return { k: 'col', table: first, name: c.ident() }
    return { k: 'col', name: first }
  }
  throw c.syntaxError()
}

// =============================================================================================
// Catalogue model
// =============================================================================================

/** 'public', 'user:<name>' or 'role:<name>'. */
type GranteeKey = string

export type GranteeSpec = string | { role: string } | { public: true }

function granteeKey(spec: GranteeSpec): GranteeKey {
  if (typeof spec === 'string') return `user:${spec}`
  return 'role' in spec ? `role:${spec.role}` : 'public'
}

function granteeParts(key: GranteeKey): { type: 'user' | 'role' | 'public'; name: string } {
  if (key === 'public') return { type: 'public', name: 'public' }
  const [type, ...rest] = key.split(':')
  return { type: type as 'user' | 'role', name: rest.join(':') }
}

interface TableData {
  owner: string
  grants: Array<{ grantee: GranteeKey; privilege: string }>
}

interface DefaultPrivilege {
  owner: string
  grantee: GranteeKey
  objectType: 'RELATION' | 'FUNCTION' | 'PROCEDURE'
  privilege: string
}

interface SchemaData {
  owner: string
  grants: Array<{ grantee: GranteeKey; privilege: string }>
  tables: Record<string, TableData>
  defaultPrivileges: DefaultPrivilege[]
}

interface DatabaseData {
  owner: string
  grants: Array<{ grantee: GranteeKey; privilege: string }>
  languageGrants: Array<{ language: string; grantee: GranteeKey; privilege: string }>
  schemas: Record<string, SchemaData>
  /** Default privileges without IN SCHEMA: they apply in every schema. */
  defaultPrivileges: DefaultPrivilege[]
}

interface CatalogData {
  nextId: number
  databases: Record<string, DatabaseData>
  users: Record<string, { id: number; superuser: boolean; createdb: boolean; passwordSet: boolean }>
  roles: Record<string, { id: number; owner: string }>
  /** System privileges per identity key ('user:x' / 'role:x'). */
  systemPrivileges: Array<{ grantee: GranteeKey; privilege: string }>
  userRoles: Array<{ user: string; role: string }>
  /** `GRANT ROLE granted TO ROLE role`. */
  roleRoles: Array<{ role: string; granted: string }>
}

const LANGUAGES = ['sql', 'plpgsql', 'plpythonu', 'exfunc', 'mlfunc']
const DATABASE_PRIVILEGES = ['CREATE', 'TEMP', 'USAGE', 'ALTER']
const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE', 'ALTER']
const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES', 'DROP', 'ALTER', 'TRUNCATE']
/** Redshift's system privileges (GRANT <privilege> TO ROLE ...). */
const SYSTEM_PRIVILEGES = [
  'CREATE USER', 'ALTER USER', 'DROP USER', 'CREATE SCHEMA', 'DROP SCHEMA', 'ALTER DEFAULT PRIVILEGES', 'ACCESS CATALOG',
  'ACCESS SYSTEM TABLE', 'CREATE TABLE', 'ALTER TABLE', 'DROP TABLE', 'CREATE OR REPLACE FUNCTION',
  'CREATE OR REPLACE EXTERNAL FUNCTION', 'DROP FUNCTION', 'CREATE OR REPLACE PROCEDURE', 'DROP PROCEDURE',
  'CREATE OR REPLACE VIEW', 'DROP VIEW', 'CREATE MODEL', 'DROP MODEL', 'CREATE DATASHARE', 'ALTER DATASHARE',
  'DROP DATASHARE', 'CREATE LIBRARY', 'DROP LIBRARY', 'CREATE ROLE', 'DROP ROLE', 'TRUNCATE TABLE', 'VACUUM', 'ANALYZE',
  'CANCEL', 'IGNORE RLS', 'EXPLAIN RLS', 'EXPLAIN MASKING'
]

function newSchema(owner: string, publicUsage: boolean): SchemaData {
  return {
    owner,
    grants: publicUsage ? [{ grantee: 'public', privilege: 'USAGE' }, { grantee: 'public', privilege: 'CREATE' }] : [],
    tables: {},
    defaultPrivileges: []
  }
}

function newDatabase(owner: string, publicTemp: boolean): DatabaseData {
  return {
    owner,
    // Redshift: "users are granted permission to create temporary tables by their automatic membership in PUBLIC".
    grants: publicTemp ? [{ grantee: 'public', privilege: 'TEMP' }] : [],
    languageGrants: [
      { language: 'sql', grantee: 'public', privilege: 'USAGE' },
      { language: 'plpgsql', grantee: 'public', privilege: 'USAGE' }
    ],
    schemas: {
      public: newSchema('rdsdb', true),
      pg_catalog: newSchema('rdsdb', true),
      information_schema: newSchema('rdsdb', true)
    },
    defaultPrivileges: []
  }
}

function addUnique<T>(list: T[], item: T): void {
  if (!list.some((x) => JSON.stringify(x) === JSON.stringify(item))) list.push(item)
}

export interface SessionInfo {
  database: string
  user: string
  /** Statements of a TRANSACTION batch run inside a transaction block. */
  inTransaction?: boolean
}

export interface ExecResult {
  columns: Array<{ name: string; typeName: string }>
  rows: Value[][]
  hasResultSet: boolean
}

type Row = Record<string, Value>

interface Scope {
  frame: Map<string, Row>
  parent?: Scope
}

/**
 * The in-memory Redshift catalogue. Tests seed it with the builder methods, the server executes
 * statements against it, and tests inspect it afterwards.
 */
export class FakeRedshiftCatalog {
  data: CatalogData

  constructor() {
    this.data = { nextId: 100, databases: {}, users: {}, roles: {}, systemPrivileges: [], userRoles: [], roleRoles: [] }
    this.addUser('rdsdb', { superuser: true })
    this.addUser('admin', { superuser: true })
    this.addDatabase('dev', { owner: 'admin' })
  }

  // ---- seeding ---------------------------------------------------------------------------

  addDatabase(name: string, opts: { owner?: string; publicTemp?: boolean } = {}): this {
    if (this.data.databases[name]) throw new SqlError(`database "${name}" already exists`)
    this.data.databases[name] = newDatabase(opts.owner ?? 'admin', opts.publicTemp ?? true)
    return this
  }

  addUser(name: string, opts: { superuser?: boolean; createdb?: boolean } = {}): this {
    if (this.data.users[name]) throw new SqlError(`user "${name}" already exists`)
    this.data.users[name] = { id: this.data.nextId++, superuser: opts.superuser ?? false, createdb: opts.createdb ?? false, passwordSet: true }
    return this
  }

  /** DROP USER, after revoking everything granted to it (Redshift refuses to drop a user with grants). */
  dropUser(name: string): this {
    this.requireUser(name)
    const key = `user:${name}`
    const d = this.data
    delete d.users[name]
    d.userRoles = d.userRoles.filter((g) => g.user !== name)
    d.systemPrivileges = d.systemPrivileges.filter((g) => g.grantee !== key)
    for (const db of Object.values(d.databases)) {
      db.grants = db.grants.filter((g) => g.grantee !== key)
      db.languageGrants = db.languageGrants.filter((g) => g.grantee !== key)
      db.defaultPrivileges = db.defaultPrivileges.filter((g) => g.grantee !== key && g.owner !== name)
      for (const s of Object.values(db.schemas)) {
        s.grants = s.grants.filter((g) => g.grantee !== key)
        s.defaultPrivileges = s.defaultPrivileges.filter((g) => g.grantee !== key && g.owner !== name)
        for (const t of Object.values(s.tables)) t.grants = t.grants.filter((g) => g.grantee !== key)
      }
    }
    return this
  }

  addRole(name: string, opts: { owner?: string; systemPrivileges?: string[] } = {}): this {
    if (this.data.roles[name]) throw new SqlError(`role "${name}" already exists`)
    this.data.roles[name] = { id: this.data.nextId++, owner: opts.owner ?? 'admin' }
    for (const p of opts.systemPrivileges ?? []) this.grantSystemPrivilege(p, { role: name })
    return this
  }

  grantSystemPrivilege(privilege: string, to: GranteeSpec): this {
    addUnique(this.data.systemPrivileges, { grantee: granteeKey(to), privilege: privilege.toUpperCase() })
    return this
  }

  /** GRANT ROLE role TO user, or TO ROLE other when `to` is `{ role }`. */
  grantRole(role: string, to: string | { role: string }): this {
    if (typeof to === 'string') addUnique(this.data.userRoles, { user: to, role })
    else addUnique(this.data.roleRoles, { role: to.role, granted: role })
    return this
  }

  grantDatabase(database: string, privileges: string[], to: GranteeSpec): this {
    const db = this.db(database)
    for (const p of privileges) addUnique(db.grants, { grantee: granteeKey(to), privilege: normalizePrivilege(p) })
    return this
  }

  revokeDatabase(database: string, privileges: string[], from: GranteeSpec): this {
    const db = this.db(database)
    const key = granteeKey(from)
    const privs = privileges.map(normalizePrivilege)
    db.grants = db.grants.filter((g) => !(g.grantee === key && privs.includes(g.privilege)))
    return this
  }

  grantLanguage(database: string, language: string, to: GranteeSpec): this {
    addUnique(this.db(database).languageGrants, { language, grantee: granteeKey(to), privilege: 'USAGE' })
    return this
  }

  addSchema(database: string, schema: string, opts: { owner?: string } = {}): this {
    const db = this.db(database)
    if (db.schemas[schema]) throw new SqlError(`schema "${schema}" already exists`)
    db.schemas[schema] = newSchema(opts.owner ?? 'admin', false)
    return this
  }

  grantSchema(database: string, schema: string, privileges: string[], to: GranteeSpec): this {
    const s = this.schema(database, schema)
    for (const p of privileges) addUnique(s.grants, { grantee: granteeKey(to), privilege: p.toUpperCase() })
    return this
  }

  addTable(database: string, schema: string, table: string, opts: { owner?: string } = {}): this {
    const s = this.schema(database, schema)
    if (s.tables[table]) throw new SqlError(`relation "${table}" already exists`)
    const owner = opts.owner ?? 'admin'
    s.tables[table] = { owner, grants: [] }
    // Default privileges of the creating owner apply to the new table.
    for (const d of [...s.defaultPrivileges, ...this.db(database).defaultPrivileges]) {
      if (d.objectType === 'RELATION' && d.owner === owner) addUnique(s.tables[table]!.grants, { grantee: d.grantee, privilege: d.privilege })
    }
    return this
  }

  grantTable(database: string, schema: string, table: string, privileges: string[], to: GranteeSpec): this {
    const t = this.table(database, schema, table)
    for (const p of privileges) addUnique(t.grants, { grantee: granteeKey(to), privilege: p.toUpperCase() })
    return this
  }

  addDefaultPrivilege(
    database: string,
    schema: string | null,
    grant: { grantee: GranteeSpec; owner?: string; privilege?: string; objectType?: DefaultPrivilege['objectType'] }
  ): this {
    const list = schema === null ? this.db(database).defaultPrivileges : this.schema(database, schema).defaultPrivileges
    addUnique(list, {
      owner: grant.owner ?? 'admin',
      grantee: granteeKey(grant.grantee),
      objectType: grant.objectType ?? 'RELATION',
      privilege: (grant.privilege ?? 'SELECT').toUpperCase()
    })
    return this
  }

  // ---- lookups ----------------------------------------------------------------------------

  db(name: string): DatabaseData {
    const db = this.data.databases[name]
    if (!db) throw new SqlError(`database "${name}" does not exist`)
    return db
  }

  schema(database: string, schema: string): SchemaData {
    const s = this.db(database).schemas[schema]
    if (!s) throw new SqlError(`schema "${schema}" does not exist`)
    return s
  }

  table(database: string, schema: string, table: string): TableData {
    const t = this.schema(database, schema).tables[table]
    if (!t) throw new SqlError(`relation "${schema}.${table}" does not exist`)
    return t
  }

  private requireUser(name: string): void {
    if (!this.data.users[name]) throw new SqlError(`user "${name}" does not exist`)
  }

  private requireRole(name: string): void {
    if (!this.data.roles[name]) throw new SqlError(`role "${name}" does not exist`)
  }

  requireGrantee(key: GranteeKey): void {
    const g = granteeParts(key)
    if (g.type === 'user') this.requireUser(g.name)
    if (g.type === 'role') this.requireRole(g.name)
  }

  /** Every role the user holds, through any depth of role-to-role grants. */
  heldRoles(user: string): string[] {
    const held = new Set(this.data.userRoles.filter((g) => g.user === user).map((g) => g.role))
    let grew = true
    while (grew) {
      grew = false
      for (const g of this.data.roleRoles) {
        if (held.has(g.role) && !held.has(g.granted)) {
          held.add(g.granted)
          grew = true
        }
      }
    }
    return [...held]
  }

  /** The grantee keys that give `user` a privilege: the user, PUBLIC and every role held. */
  principals(user: string): GranteeKey[] {
    return [`user:${user}`, 'public', ...this.heldRoles(user).map((r) => `role:${r}`)]
  }

  isSuperuser(user: string): boolean {
    return this.data.users[user]?.superuser === true
  }

  hasSystemPrivilege(user: string, privilege: string): boolean {
    const keys = this.principals(user).filter((k) => k !== 'public')
    return this.data.systemPrivileges.some((p) => p.privilege === privilege && keys.includes(p.grantee))
  }

  /** Superusers and holders of ACCESS SYSTEM TABLE see every identity in the SVV views. */
  seesAll(user: string): boolean {
    return this.isSuperuser(user) || this.hasSystemPrivilege(user, 'ACCESS SYSTEM TABLE')
  }

  private holds(user: string, grants: Array<{ grantee: GranteeKey; privilege: string }>, privilege: string, owner?: string): boolean {
    if (this.isSuperuser(user) || owner === user) return true
    const keys = this.principals(user)
    return grants.some((g) => g.privilege === privilege && keys.includes(g.grantee))
  }

  hasDatabasePrivilege(user: string, database: string, privilege: string): boolean {
    this.requireUser(user)
    const db = this.db(database)
    const p = normalizePrivilege(privilege)
    if (!['CREATE', 'TEMP'].includes(p)) throw new SqlError(`unrecognized privilege type: "${privilege}"`)
    return this.holds(user, db.grants, p, db.owner)
  }

  hasSchemaPrivilege(user: string, database: string, schema: string, privilege: string): boolean {
    this.requireUser(user)
    const s = this.schema(database, schema)
    const p = privilege.toUpperCase()
    if (!['USAGE', 'CREATE'].includes(p)) throw new SqlError(`unrecognized privilege type: "${privilege}"`)
    return this.holds(user, s.grants, p, s.owner)
  }

  hasTablePrivilege(user: string, database: string, qualified: string, privilege: string): boolean {
    this.requireUser(user)
    const p = privilege.toUpperCase()
    if (!TABLE_PRIVILEGES.includes(p)) throw new SqlError(`unrecognized privilege type: "${privilege}"`)
    const parts = splitQualified(qualified)
    let schema = 'public'
    let table: string
    if (parts.length === 1) table = parts[0]!
    else if (parts.length === 2) [schema, table] = parts as [string, string]
    else if (parts.length === 3 && parts[0] === database) [, schema, table] = parts as [string, string, string]
    else throw new SqlError(`relation "${qualified}" does not exist`)
    const t = this.db(database).schemas[schema]?.tables[table]
    if (!t) throw new SqlError(`relation "${qualified}" does not exist`)
    return this.holds(user, t.grants, p, t.owner)
  }

  // ---- virtual catalogue tables -------------------------------------------------------------

  private identityId(key: GranteeKey): number {
    const g = granteeParts(key)
    if (g.type === 'user') return this.data.users[g.name]?.id ?? -1
    if (g.type === 'role') return this.data.roles[g.name]?.id ?? -1
    return 0
  }

  private privilegeRows(
    grants: Array<{ grantee: GranteeKey; privilege: string }>,
    extra: Row,
    visible: (key: GranteeKey) => boolean
  ): Row[] {
    return grants
      .filter((g) => visible(g.grantee))
      .map((g) => {
        const who = granteeParts(g.grantee)
        return {
          ...extra,
          privilege_type: g.privilege,
          identity_id: this.identityId(g.grantee),
          identity_name: who.name,
          identity_type: who.type,
          admin_option: false
        }
      })
  }

  tableRows(name: string, session: SessionInfo): Row[] {
    const d = this.data
    const db = this.db(session.database)
    const all = this.seesAll(session.user)
    const mine = new Set(this.principals(session.user))
    const held = new Set(this.heldRoles(session.user))
    const visible = (key: GranteeKey) => all || mine.has(key)
    switch (name) {
      case 'pg_database':
        return Object.keys(d.databases).map((datname) => ({ datname, datdba: d.users[d.databases[datname]!.owner]?.id ?? 1 }))
      case 'pg_user':
        return Object.entries(d.users).map(([usename, u]) => ({
          usename,
          usesysid: u.id,
          usecreatedb: u.createdb || u.superuser,
          usesuper: u.superuser,
          passwd: '********'
        }))
      case 'svv_roles':
        return Object.entries(d.roles)
          .filter(([role, r]) => all || held.has(role) || r.owner === session.user)
          .map(([role_name, r]) => ({ role_id: r.id, role_name, role_owner: r.owner, external_id: null }))
      case 'svv_user_grants':
        return d.userRoles
          .filter((g) => all || g.user === session.user)
          .map((g) => ({
            user_id: d.users[g.user]?.id ?? -1,
            user_name: g.user,
            role_id: d.roles[g.role]?.id ?? -1,
            role_name: g.role,
            admin_option: false
          }))
      case 'svv_role_grants':
        return d.roleRoles
          .filter((g) => all || held.has(g.role))
          .map((g) => ({
            role_id: d.roles[g.role]?.id ?? -1,
            role_name: g.role,
            granted_role_id: d.roles[g.granted]?.id ?? -1,
            granted_role_name: g.granted
          }))
      case 'svv_system_privileges':
        return d.systemPrivileges
          .filter((p) => visible(p.grantee))
          .map((p) => {
            const who = granteeParts(p.grantee)
            return { system_privilege: p.privilege, identity_id: this.identityId(p.grantee), identity_name: who.name, identity_type: who.type }
          })
      case 'svv_database_privileges':
        return Object.entries(d.databases).flatMap(([database_name, x]) =>
          this.privilegeRows(
            x.grants.map((g) => ({ ...g, privilege: g.privilege === 'TEMP' ? 'TEMP' : g.privilege })),
            { database_name },
            visible
          )
        )
      case 'svv_language_privileges':
        return db.languageGrants
          .filter((g) => visible(g.grantee))
          .map((g) => {
            const who = granteeParts(g.grantee)
            return {
              language_name: g.language,
              privilege_type: g.privilege,
              identity_id: this.identityId(g.grantee),
              identity_name: who.name,
              identity_type: who.type,
              admin_option: false
            }
          })
      case 'svv_schema_privileges':
        return Object.entries(db.schemas).flatMap(([namespace_name, s]) => this.privilegeRows(s.grants, { namespace_name }, visible))
      case 'svv_relation_privileges':
        return Object.entries(db.schemas).flatMap(([namespace_name, s]) =>
          Object.entries(s.tables).flatMap(([relation_name, t]) => this.privilegeRows(t.grants, { namespace_name, relation_name }, visible))
        )
      case 'svv_default_privileges': {
        const rows = (schema_name: string | null, list: DefaultPrivilege[]) =>
          list
            .filter((p) => visible(p.grantee) || p.owner === session.user)
            .map((p) => {
              const who = granteeParts(p.grantee)
              return {
                schema_name,
                object_type: p.objectType,
                owner_id: d.users[p.owner]?.id ?? -1,
                owner_name: p.owner,
                owner_type: 'user',
                privilege_type: p.privilege,
                grantee_id: this.identityId(p.grantee),
                grantee_name: who.name,
                grantee_type: who.type,
                admin_option: false
              }
            })
        return [...rows(null, db.defaultPrivileges), ...Object.entries(db.schemas).flatMap(([s, x]) => rows(s, x.defaultPrivileges))]
      }
      case 'pg_namespace':
        return Object.entries(db.schemas).map(([nspname, s]) => ({ nspname, nspowner: d.users[s.owner]?.id ?? 1 }))
      case 'pg_tables':
        return Object.entries(db.schemas).flatMap(([schemaname, s]) =>
          Object.entries(s.tables).map(([tablename, t]) => ({
            schemaname,
            tablename,
            tableowner: t.owner,
            tablespace: null,
            hasindexes: false,
            hasrules: false,
            hastriggers: false
          }))
        )
      default:
        throw new SqlError(`relation "${name}" does not exist`)
    }
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Runs one SQL statement for a session; throws SqlError as Redshift would fail it. */
  execute(sql: string, session: SessionInfo): ExecResult {
    if (!this.data.databases[session.database]) throw new SqlError(`database "${session.database}" does not exist`)
    if (!this.data.users[session.user]) throw new SqlError(`user "${session.user}" does not exist`)
    const toks = tokenize(sql)
    // Trailing semicolons are fine; a second statement is not (Redshift prepares one statement).
    while (toks.length >= 2 && toks[toks.length - 2]!.t === 'op' && (toks[toks.length - 2] as { v: string }).v === ';') {
      toks.splice(toks.length - 2, 1)
    }
    if (toks.some((t) => t.t === 'op' && t.v === ';')) throw new SqlError('cannot insert multiple commands into a prepared statement')
    const c = new Cursor(toks)
    if (c.isKw('select')) {
      const q = parseQuery(c)
      c.expectEnd()
      const out = new Evaluator(this, session).query(q)
      return { ...out, hasResultSet: true }
    }
    new Ddl(this, session, c).run()
    return { columns: [], rows: [], hasResultSet: false }
  }
}

function normalizePrivilege(p: string): string {
  const up = p.toUpperCase()
  return up === 'TEMPORARY' ? 'TEMP' : up
}

/** Splits `a.b` / `"a.x".b` into its (folded) parts, as has_table_privilege reads its argument. */
function splitQualified(text: string): string[] {
  const toks = tokenize(text)
  const parts: string[] = []
  const c = new Cursor(toks)
  for (;;) {
    const tok = c.next()
    if (tok.t === 'id' || tok.t === 'qid') parts.push(tok.v)
    else throw new SqlError(`invalid name syntax`)
    if (c.atEnd()) return parts
    c.expectOp('.')
  }
}

const PLAIN_IDENT = /^[a-z_][a-z0-9_$]*$/

function quoteIdentSql(s: string): string {
  return PLAIN_IDENT.test(s) && !RESERVED.has(s) ? s : `"${s.replace(/"/g, '""')}"`
}

// =============================================================================================
// SELECT evaluation
// =============================================================================================

function truthy(v: Value): boolean {
  return v === true
}

function typeNameOf(values: Value[], declared?: string): string {
  if (declared !== undefined) {
    const d = declared.toLowerCase()
    if (d.startsWith('bool')) return 'bool'
    if (d.startsWith('varchar') || d.startsWith('character varying') || d === 'text') return 'varchar'
    if (d.startsWith('int') || d === 'bigint') return 'int8'
    return d
  }
  const v = values.find((x) => x !== null)
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int8' : 'float8'
  return 'varchar'
}

class Evaluator {
  constructor(
    private readonly catalog: FakeRedshiftCatalog,
    private readonly session: SessionInfo
  ) {}

  query(q: Query, outer?: Scope): { columns: ExecResult['columns']; rows: Value[][] } {
    let names: string[] | undefined
    let declared: Array<string | undefined> = []
    let rows: Value[][] = []
    q.selects.forEach((s, i) => {
      const part = this.select(s, outer)
      if (names === undefined) {
        names = part.names
        declared = part.declared
      } else if (part.names.length !== names.length) {
        throw new SqlError('each UNION query must have the same number of columns')
      }
      rows = rows.concat(part.rows)
      if (i > 0 && q.ops[i - 1] === 'UNION') rows = dedupe(rows)
    })
    const columns = (names ?? []).map((name, i) => ({ name, typeName: typeNameOf(rows.map((r) => r[i] ?? null), declared[i]) }))
    if (q.orderBy.length > 0) {
      const keys = q.orderBy.map((o) => {
        const index = typeof o.key === 'number' ? o.key - 1 : columns.findIndex((c) => c.name === o.key)
        if (index < 0 || index >= columns.length) throw new SqlError(`ORDER BY position ${String(o.key)} is not in select list`)
        return { index, desc: o.desc }
      })
      rows.sort((a, b) => {
        for (const k of keys) {
          const x = a[k.index] ?? null
          const y = b[k.index] ?? null
          if (x === y) continue
          // NULLs sort last ascending, as in Redshift.
          const cmp = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1
          return k.desc ? -cmp : cmp
        }
        return 0
      })
    }
    return { columns, rows }
  }

  private select(s: Select, outer?: Scope): { names: string[]; declared: Array<string | undefined>; rows: Value[][] } {
    // FROM: nested loops, filtering each JOIN by its ON.
    let frames: Array<Map<string, Row>> = [new Map()]
    for (const item of s.from) {
      const tableRows = this.catalog.tableRows(item.table, this.session)
      const next: Array<Map<string, Row>> = []
      for (const frame of frames) {
        if ([...frame.keys()].includes(item.alias)) throw new SqlError(`table name "${item.alias}" specified more than once`)
        for (const row of tableRows) {
          const f = new Map(frame).set(item.alias, row)
          if (item.on === undefined || truthy(this.expr(item.on, { frame: f, ...(outer ? { parent: outer } : {}) }))) next.push(f)
        }
      }
      frames = next
    }
    const scopes = frames.map((frame) => ({ frame, ...(outer ? { parent: outer } : {}) }) as Scope)
    const kept = s.where === undefined ? scopes : scopes.filter((scope) => truthy(this.expr(s.where!, scope)))

    const names: string[] = []
    const declared: Array<string | undefined> = []
    for (const item of s.items) {
      if ('star' in item) {
        const cols = s.from.flatMap((f) => Object.keys(this.catalog.tableRows(f.table, this.session)[0] ?? {}))
        names.push(...cols)
        declared.push(...cols.map(() => undefined))
      } else {
        names.push(item.alias ?? defaultName(item.e))
        declared.push(item.e.k === 'cast' ? item.e.type : undefined)
      }
    }
    let rows = kept.map((scope) =>
      s.items.flatMap((item) => {
        if ('star' in item) return [...scope.frame.values()].flatMap((r) => Object.values(r))
        return [this.expr(item.e, scope)]
      })
    )
    if (s.distinct) rows = dedupe(rows)
    return { names, declared, rows }
  }

  private column(e: { table?: string; name: string }, scope: Scope): Value {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (e.table !== undefined) {
        const row = s.frame.get(e.table)
        if (row) {
          if (!(e.name in row)) throw new SqlError(`column ${e.table}.${e.name} does not exist`)
          return row[e.name] ?? null
        }
        continue
      }
      const hits = [...s.frame.values()].filter((row) => e.name in row)
      if (hits.length > 1) throw new SqlError(`column reference "${e.name}" is ambiguous`)
      if (hits.length === 1) return hits[0]![e.name] ?? null
    }
    if (e.table !== undefined) throw new SqlError(`missing FROM-clause entry for table "${e.table}"`)
    throw new SqlError(`column "${e.name}" does not exist`)
  }

  expr(e: Expr, scope: Scope): Value {
    switch (e.k) {
      case 'lit':
        return e.v
      case 'col':
        return this.column(e, scope)
      case 'current_user':
        return this.session.user
      case 'cast': {
        const v = this.expr(e.e, scope)
        if (v === null) return null
        const t = e.type.toLowerCase()
        if (t.startsWith('bool')) return v === true || v === 't' || v === 'true' || v === 1
        if (t.startsWith('int') || t === 'bigint') return Number(v)
        if (t.startsWith('varchar') || t.startsWith('character') || t === 'text' || t === 'name') return String(v)
        return v
      }
      case 'exists':
        return this.query(e.q, scope).rows.length > 0
      case 'sub': {
        const out = this.query(e.q, scope)
        if (out.columns.length !== 1) throw new SqlError('subquery must return only one column')
        if (out.rows.length > 1) throw new SqlError('more than one row returned by a subquery used as an expression')
        return out.rows[0]?.[0] ?? null
      }
      case 'in': {
        const v = this.expr(e.e, scope)
        if (v === null) return null
        let values: Value[]
        if (e.q) {
          const out = this.query(e.q, scope)
          if (out.columns.length !== 1) throw new SqlError('subquery has too many columns')
          values = out.rows.map((r) => r[0] ?? null)
        } else values = (e.list ?? []).map((x) => this.expr(x, scope))
        const found = values.some((x) => x === v)
        if (found) return !e.not
        if (values.includes(null)) return null
        return e.not
      }
      case 'not': {
        const v = this.expr(e.e, scope)
        return v === null ? null : !truthy(v)
      }
      case 'isnull': {
        const isNull = this.expr(e.e, scope) === null
        return e.not ? !isNull : isNull
      }
      case 'case': {
        for (const [cond, then] of e.whens) if (truthy(this.expr(cond, scope))) return this.expr(then, scope)
        return e.else ? this.expr(e.else, scope) : null
      }
      case 'bin': {
        if (e.op === 'AND') {
          const l = this.expr(e.l, scope)
          if (l === false) return false
          const r = this.expr(e.r, scope)
          if (r === false) return false
          return l === null || r === null ? null : true
        }
        if (e.op === 'OR') {
          const l = this.expr(e.l, scope)
          if (l === true) return true
          const r = this.expr(e.r, scope)
          if (r === true) return true
          return l === null || r === null ? null : false
        }
        const l = this.expr(e.l, scope)
        const r = this.expr(e.r, scope)
        if (l === null || r === null) return null
        switch (e.op) {
          case '||':
            return String(l) + String(r)
          case '=':
            return l === r
          case '<>':
            return l !== r
          case '<':
            return l < r
          case '>':
            return l > r
          case '<=':
            return l <= r
          case '>=':
            return l >= r
        }
        throw new SqlError(`operator does not exist: ${e.op}`)
      }
      case 'func':
        return this.func(e.name, e.args.map((a) => this.expr(a, scope)))
    }
  }

  private func(name: string, args: Value[]): Value {
    const text = (i: number): string => {
      const v = args[i]
      if (typeof v !== 'string') throw new SqlError(`function ${name} expects text for argument ${i + 1}`)
      return v
    }
    const arity = (n: number) => {
      if (args.length !== n) throw new SqlError(`function ${name} with ${args.length} arguments does not exist`)
    }
    switch (name) {
      case 'has_database_privilege':
        arity(3)
        if (args.some((a) => a === null)) return null
        return this.catalog.hasDatabasePrivilege(text(0), text(1), text(2))
      case 'has_schema_privilege':
        arity(3)
        if (args.some((a) => a === null)) return null
        return this.catalog.hasSchemaPrivilege(text(0), this.session.database, text(1), text(2))
      case 'has_table_privilege':
        arity(3)
        if (args.some((a) => a === null)) return null
        return this.catalog.hasTablePrivilege(text(0), this.session.database, text(1), text(2))
      case 'quote_ident':
        arity(1)
        return args[0] === null ? null : quoteIdentSql(text(0))
      case 'upper':
        arity(1)
        return args[0] === null ? null : text(0).toUpperCase()
      case 'lower':
        arity(1)
        return args[0] === null ? null : text(0).toLowerCase()
      case 'coalesce':
        return args.find((a) => a !== null) ?? null
      default:
        throw new SqlError(`function ${name}(${args.map(() => 'unknown').join(', ')}) does not exist`)
    }
  }
}

function defaultName(e: Expr): string {
  if (e.k === 'col') return e.name
  if (e.k === 'func') return e.name
  if (e.k === 'cast') return defaultName(e.e)
  if (e.k === 'exists') return 'exists'
  if (e.k === 'current_user') return 'current_user'
  return '?column?'
}

function dedupe(rows: Value[][]): Value[][] {
  const seen = new Set<string>()
  return rows.filter((r) => {
    const k = JSON.stringify(r)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

// =============================================================================================
// DDL and GRANT
// =============================================================================================

class Ddl {
  constructor(
    private readonly catalog: FakeRedshiftCatalog,
    private readonly session: SessionInfo,
    private readonly c: Cursor
  ) {}

  private get d(): CatalogData {
    return this.catalog.data
  }

  private requireSuperuser(what: string): void {
    if (!this.catalog.isSuperuser(this.session.user)) throw new SqlError(`permission denied to ${what}`)
  }

  run(): void {
    const c = this.c
    if (c.acceptKw('create')) {
      if (c.acceptKw('database')) return this.createDatabase()
      if (c.acceptKw('user')) return this.createUser()
      if (c.acceptKw('role')) return this.createRole()
      if (c.acceptKw('schema')) return this.createSchema()
      if (c.acceptKw('table')) return this.createTable()
      throw c.syntaxError()
    }
    if (c.acceptKw('grant')) return this.grant()
    if (c.acceptKw('alter', 'default', 'privileges')) return this.alterDefaultPrivileges()
    throw new SqlError(`the fake Redshift does not support this statement: syntax error at or near ${describeTok(c.peek())}`)
  }

  private createDatabase(): void {
    if (this.session.inTransaction) throw new SqlError('CREATE DATABASE cannot run inside a transaction block')
    const name = this.c.ident()
    let owner = this.session.user
    if (this.c.acceptKw('with') || this.c.isKw('owner')) {
      this.c.expectKw('owner')
      this.c.acceptOp('=')
      owner = this.c.ident()
    }
    this.c.expectEnd()
    const u = this.d.users[this.session.user]
    if (!u?.superuser && !u?.createdb) throw new SqlError('permission denied to create database')
    if (this.d.databases[name]) throw new SqlError(`database "${name}" already exists`)
    if (!this.d.users[owner]) throw new SqlError(`user "${owner}" does not exist`)
    this.d.databases[name] = newDatabase(owner, true)
  }

  private createUser(): void {
    const c = this.c
    const name = c.ident()
    c.acceptKw('with')
    let superuser = false
    let createdb = false
    let sawPassword = false
    while (!c.atEnd()) {
      if (c.acceptKw('password')) {
        sawPassword = true
        if (c.acceptKw('disable')) continue
        const tok = c.next()
        if (tok.t !== 'str') throw c.syntaxError()
        checkPassword(tok.v)
      } else if (c.acceptKw('createdb')) createdb = true
      else if (c.acceptKw('nocreatedb')) createdb = false
      else if (c.acceptKw('createuser')) superuser = true
      else if (c.acceptKw('nocreateuser')) superuser = false
      else if (c.acceptKw('connection', 'limit')) {
        if (!c.acceptKw('unlimited') && c.next().t !== 'num') throw c.syntaxError()
      } else throw c.syntaxError()
    }
    if (!sawPassword) throw new SqlError('syntax error: CREATE USER needs PASSWORD')
    this.requireSuperuser('create user')
    if (this.d.users[name]) throw new SqlError(`user "${name}" already exists`)
    this.d.users[name] = { id: this.d.nextId++, superuser, createdb, passwordSet: true }
  }

  private createRole(): void {
    const name = this.c.ident()
    this.c.expectEnd()
    if (!this.catalog.isSuperuser(this.session.user) && !this.catalog.hasSystemPrivilege(this.session.user, 'CREATE ROLE')) {
      throw new SqlError('permission denied to create role')
    }
    if (this.d.roles[name]) throw new SqlError(`role "${name}" already exists`)
    this.d.roles[name] = { id: this.d.nextId++, owner: this.session.user }
  }

  private createSchema(): void {
    const ifNotExists = this.c.acceptKw('if', 'not', 'exists')
    const name = this.c.ident()
    let owner = this.session.user
    if (this.c.acceptKw('authorization')) owner = this.c.ident()
    this.c.expectEnd()
    const db = this.catalog.db(this.session.database)
    if (db.schemas[name]) {
      if (ifNotExists) return
      throw new SqlError(`schema "${name}" already exists`)
    }
    db.schemas[name] = newSchema(owner, false)
  }

  private createTable(): void {
    const c = this.c
    const ifNotExists = c.acceptKw('if', 'not', 'exists')
    let schema = 'public'
    let table = c.ident()
    if (c.acceptOp('.')) {
      schema = table
      table = c.ident()
    }
    // Column definitions are not modelled; skip the balanced parentheses.
    c.expectOp('(')
    let depth = 1
    while (depth > 0) {
      const tok = c.next()
      if (tok.t === 'eof') throw c.syntaxError()
      if (tok.t === 'op' && tok.v === '(') depth++
      if (tok.t === 'op' && tok.v === ')') depth--
    }
    c.expectEnd()
    const s = this.catalog.schema(this.session.database, schema)
    if (s.tables[table]) {
      if (ifNotExists) return
      throw new SqlError(`relation "${table}" already exists`)
    }
    this.catalog.addTable(this.session.database, schema, table, { owner: this.session.user })
  }

  /** Privilege words up to ON or TO, comma separated: `SELECT, INSERT` or `CREATE OR REPLACE FUNCTION`. */
  private privilegeList(): string[] {
    const c = this.c
    const list: string[] = []
    let words: string[] = []
    for (;;) {
      if (c.isKw('on') || c.isKw('to') || c.atEnd()) break
      if (c.acceptOp(',')) {
        list.push(words.join(' '))
        words = []
        continue
      }
      const tok = c.next()
      if (tok.t !== 'id') throw new SqlError(`syntax error at or near ${describeTok(tok)}`)
      words.push(tok.v.toUpperCase())
    }
    if (words.length > 0) list.push(words.join(' '))
    if (list.length === 0 || list.some((w) => w === '')) throw c.syntaxError()
    return list
  }

  private grantees(): GranteeKey[] {
    const c = this.c
    const out: GranteeKey[] = []
    do {
      if (c.acceptKw('public')) out.push('public')
      else if (c.acceptKw('role')) out.push(`role:${c.ident()}`)
      else if (c.acceptKw('group')) throw new SqlError('the fake Redshift does not model groups')
      else out.push(`user:${c.ident()}`)
    } while (c.acceptOp(','))
    c.acceptKw('with', 'grant', 'option')
    c.expectEnd()
    for (const g of out) this.catalog.requireGrantee(g)
    return out
  }

  private grant(): void {
    const c = this.c
    if (c.acceptKw('role')) {
      const roles = [c.ident()]
      while (c.acceptOp(',')) roles.push(c.ident())
      c.expectKw('to')
      const to = this.grantees()
      for (const role of roles) {
        if (!this.d.roles[role]) throw new SqlError(`role "${role}" does not exist`)
      }
      this.requireSuperuser('grant role')
      for (const role of roles) {
        for (const g of to) {
          const who = granteeParts(g)
          if (who.type === 'public') throw new SqlError('cannot grant a role to PUBLIC')
          if (who.type === 'user') addUnique(this.d.userRoles, { user: who.name, role })
          else {
            if (who.name === role || this.catalogHeldByRole(role).includes(who.name)) {
              throw new SqlError(`granting role "${role}" to role "${who.name}" would create a cycle`)
            }
            addUnique(this.d.roleRoles, { role: who.name, granted: role })
          }
        }
      }
      return
    }
    const privileges = this.privilegeList()
    if (c.acceptKw('to')) {
      // System privileges.
      for (const p of privileges) {
        if (!SYSTEM_PRIVILEGES.includes(p)) throw new SqlError(`syntax error at or near "${p.split(' ')[0]!.toLowerCase()}"`)
      }
      const to = this.grantees()
      this.requireSuperuser('grant system privileges')
      for (const g of to) {
        if (g === 'public') throw new SqlError('system privileges cannot be granted to PUBLIC')
        for (const p of privileges) addUnique(this.d.systemPrivileges, { grantee: g, privilege: p })
      }
      return
    }
    c.expectKw('on')
    if (c.acceptKw('database')) {
      const dbs = [c.ident()]
      while (c.acceptOp(',')) dbs.push(c.ident())
      c.expectKw('to')
      const to = this.grantees()
      const privs = expandPrivileges(privileges, ['CREATE', 'TEMP'], DATABASE_PRIVILEGES)
      for (const name of dbs) {
        const db = this.catalog.db(name)
        if (!this.catalog.isSuperuser(this.session.user) && db.owner !== this.session.user) {
          throw new SqlError(`permission denied for database ${name}`)
        }
        for (const g of to) for (const p of privs) addUnique(db.grants, { grantee: g, privilege: p })
      }
      return
    }
    if (c.acceptKw('language')) {
      const language = c.ident()
      c.expectKw('to')
      const to = this.grantees()
      if (!LANGUAGES.includes(language)) throw new SqlError(`language "${language}" does not exist`)
      const privs = expandPrivileges(privileges, ['USAGE'], ['USAGE'])
      this.requireSuperuser('grant usage on a language')
      const db = this.catalog.db(this.session.database)
      for (const g of to) for (const p of privs) addUnique(db.languageGrants, { language, grantee: g, privilege: p })
      return
    }
    if (c.acceptKw('schema')) {
      const schemas = [this.schemaName()]
      while (c.acceptOp(',')) schemas.push(this.schemaName())
      c.expectKw('to')
      const to = this.grantees()
      const privs = expandPrivileges(privileges, ['USAGE', 'CREATE'], SCHEMA_PRIVILEGES)
      for (const name of schemas) {
        const s = this.catalog.schema(this.session.database, name)
        this.requireOwner(s.owner, `schema ${name}`)
        for (const g of to) for (const p of privs) addUnique(s.grants, { grantee: g, privilege: p })
      }
      return
    }
    if (c.acceptKw('all', 'tables', 'in', 'schema')) {
      const schemas = [this.schemaName()]
      while (c.acceptOp(',')) schemas.push(this.schemaName())
      c.expectKw('to')
      const to = this.grantees()
      const privs = expandPrivileges(privileges, TABLE_PRIVILEGES, TABLE_PRIVILEGES)
      for (const name of schemas) {
        const s = this.catalog.schema(this.session.database, name)
        for (const [tname, t] of Object.entries(s.tables)) {
          this.requireOwner(t.owner, `relation ${tname}`)
          for (const g of to) for (const p of privs) addUnique(t.grants, { grantee: g, privilege: p })
        }
      }
      return
    }
    c.acceptKw('table')
    const targets: Array<[string, string]> = []
    do {
      let schema = 'public'
      let table = c.ident()
      if (c.acceptOp('.')) {
        schema = table
        table = c.ident()
      }
      targets.push([schema, table])
    } while (c.acceptOp(','))
    c.expectKw('to')
    const to = this.grantees()
    const privs = expandPrivileges(privileges, TABLE_PRIVILEGES, TABLE_PRIVILEGES)
    for (const [schema, table] of targets) {
      const t = this.catalog.table(this.session.database, schema, table)
      this.requireOwner(t.owner, `relation ${table}`)
      for (const g of to) for (const p of privs) addUnique(t.grants, { grantee: g, privilege: p })
    }
  }

  private catalogHeldByRole(role: string): string[] {
    const held = new Set(this.d.roleRoles.filter((g) => g.role === role).map((g) => g.granted))
    let grew = true
    while (grew) {
      grew = false
      for (const g of this.d.roleRoles) {
        if (held.has(g.role) && !held.has(g.granted)) {
          held.add(g.granted)
          grew = true
        }
      }
    }
    return [...held]
  }

  /** `s` or `db.s`, where db must be the session's database. */
  private schemaName(): string {
    const first = this.c.ident()
    if (!this.c.acceptOp('.')) return first
    const second = this.c.ident()
    if (first !== this.session.database) {
      throw new SqlError(`cross-database reference to database "${first}" is not supported`)
    }
    return second
  }

  private requireOwner(owner: string, what: string): void {
    if (owner !== this.session.user && !this.catalog.isSuperuser(this.session.user)) throw new SqlError(`permission denied for ${what}`)
  }

  private alterDefaultPrivileges(): void {
    const c = this.c
    let owners = [this.session.user]
    let schemas: string[] | null = null
    if (c.acceptKw('for', 'user')) {
      owners = [c.ident()]
      while (c.acceptOp(',')) owners.push(c.ident())
    }
    if (c.acceptKw('in', 'schema')) {
      schemas = [c.ident()]
      while (c.acceptOp(',')) schemas.push(c.ident())
    }
    c.expectKw('grant')
    const privileges = this.privilegeList()
    c.expectKw('on')
    let objectType: DefaultPrivilege['objectType']
    if (c.acceptKw('tables')) objectType = 'RELATION'
    else if (c.acceptKw('functions')) objectType = 'FUNCTION'
    else if (c.acceptKw('procedures')) objectType = 'PROCEDURE'
    else throw c.syntaxError()
    c.expectKw('to')
    const to = this.grantees()
    const privs = expandPrivileges(privileges, objectType === 'RELATION' ? TABLE_PRIVILEGES : ['EXECUTE'], [...TABLE_PRIVILEGES, 'EXECUTE'])
    for (const o of owners) {
      if (!this.d.users[o]) throw new SqlError(`user "${o}" does not exist`)
      if (o !== this.session.user) this.requireSuperuser('alter default privileges for another user')
    }
    const db = this.catalog.db(this.session.database)
    const lists = schemas === null ? [db.defaultPrivileges] : schemas.map((s) => this.catalog.schema(this.session.database, s).defaultPrivileges)
    for (const list of lists) {
      for (const owner of owners) for (const g of to) for (const p of privs) addUnique(list, { owner, grantee: g, objectType, privilege: p })
    }
  }
}

function expandPrivileges(list: string[], all: string[], allowed: string[]): string[] {
  const out: string[] = []
  for (const p of list) {
    if (p === 'ALL' || p === 'ALL PRIVILEGES') out.push(...all)
    else {
      const n = normalizePrivilege(p)
      if (!allowed.includes(n)) throw new SqlError(`invalid privilege type ${p}`)
      out.push(n)
    }
  }
  return [...new Set(out)]
}

/** Redshift: 8-64 characters with an upper-case letter, a lower-case letter and a digit (or an md5/sha256 hash). */
function checkPassword(p: string): void {
  if (/^md5[0-9a-f]{32}$/.test(p) || /^sha256\|/.test(p)) return
  if (p.length < 8 || p.length > 64) throw new SqlError('Password must be between 8 and 64 characters long')
  if (!/[A-Z]/.test(p)) throw new SqlError('Password must contain an uppercase character')
  if (!/[a-z]/.test(p)) throw new SqlError('Password must contain a lowercase character')
  if (!/[0-9]/.test(p)) throw new SqlError('Password must contain a number')
  if (/['"\\/@ ]/.test(p)) throw new SqlError('Password must not contain \', ", \\, /, @ or space')
}

// =============================================================================================
// The Data API server
// =============================================================================================


export interface FakeRedshiftDataOptions {
  catalog?: FakeRedshiftCatalog
  /** The DescribeStatement poll on which a statement is seen finished (1 = the first). Default 2. */
  pollsToFinish?: number
  /** GetStatementResult rows per page. Default 1000. */
  pageSize?: number
  /**
   * The database user a connection runs as. Default: DbUser when given, else 'admin'. An `IAM:`
   * user that does not exist yet is created, as Redshift does for IAM identities.
   */
  sessionUser?: string | ((connection: Connection) => string)
  /** Inspect every call; return a fault to inject it. */
  intercept?: (call: FakeCall) => FakeFault | undefined | Promise<FakeFault | undefined>
}

export interface FakeRedshiftDataServer extends DataApiServer {
  catalog: FakeRedshiftCatalog
}

export async function startFakeRedshiftData(options: FakeRedshiftDataOptions = {}): Promise<FakeRedshiftDataServer> {
  const catalog = options.catalog ?? new FakeRedshiftCatalog()
  const message = (err: unknown) => (err instanceof SqlError ? `ERROR: ${err.message}` : String(err))
  const backend: SqlBackend = {
    async sessionUser(conn) {
      const configured = typeof options.sessionUser === 'function' ? options.sessionUser(conn) : options.sessionUser
      const user = conn.dbUser ?? configured ?? 'admin'
      if (user.startsWith('IAM:') && !catalog.data.users[user]) catalog.addUser(user)
      return user
    },
    async run(conn, user, sqls, { batch, transaction, failLast }) {
      if (!batch) {
        try {
          if (failLast !== undefined) throw new SqlError(failLast)
          return [{ status: 'FINISHED', result: catalog.execute(sqls[0]!, { database: conn.database, user }) }]
        } catch (err) {
          return [{ status: 'FAILED', error: message(err) }]
        }
      }
      const snapshot = transaction ? structuredClone(catalog.data) : undefined
      let failed = false
      const out: StatementOutcome[] = sqls.map((sql, i) => {
        if (transaction && failed) return { status: 'ABORTED' }
        try {
          if (failLast !== undefined && i === sqls.length - 1) throw new SqlError(failLast)
          return { status: 'FINISHED', result: catalog.execute(sql, { database: conn.database, user, inTransaction: transaction }) }
        } catch (err) {
          failed = true
          return { status: 'FAILED', error: message(err) }
        }
      })
      if (failed && snapshot) catalog.data = snapshot
      return out
    }
  }
  const server = await startDataApiServer(backend, {
    ...(options.pollsToFinish !== undefined ? { pollsToFinish: options.pollsToFinish } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
    ...(options.intercept ? { intercept: options.intercept } : {})
  })
  return Object.assign(server, { catalog })
}
