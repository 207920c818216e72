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
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

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

/** What a test's intercept hook may return to change how a call is answered. */
export type FakeFault =
  /** Answer with an API error (e.g. AccessDeniedException), status 400 unless given. */
  | { error: string; message: string; status?: number }
  /** ExecuteStatement / BatchExecuteStatement: the statement ends FAILED with this Error text. */
  | { fail: string }
  /** ExecuteStatement / BatchExecuteStatement: the statement needs this long to finish; other operations: answer late. */
  | { delayMs: number }

export interface FakeCall {
  operation: string
  input: Record<string, unknown>
}

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

export interface Connection {
  database: string
  workgroupName?: string
  clusterIdentifier?: string
  secretArn?: string
  dbUser?: string
}

export interface RecordedStatement {
  id: string
  operation: 'ExecuteStatement' | 'BatchExecuteStatement'
  sql: string
  database: string
  user: string
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT'
  status: 'FINISHED' | 'FAILED' | 'ABORTED'
  error?: string
}

interface SubStatement {
  id: string
  sql: string
  status: 'FINISHED' | 'FAILED' | 'ABORTED'
  error?: string
  result?: ExecResult
}

interface StatementState {
  id: string
  connection: Connection
  user: string
  sql: string
  createdAt: number
  readyAt: number
  polls: number
  cancelled: boolean
  finalStatus: 'FINISHED' | 'FAILED' | 'ABORTED'
  error?: string
  result?: ExecResult
  subs?: SubStatement[]
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT'
}

export interface FakeRedshiftDataServer {
  url: string
  catalog: FakeRedshiftCatalog
  /** API calls per operation, e.g. calls.ExecuteStatement. */
  calls: Record<string, number>
  /** Every statement executed, in order (batch statements one entry per SQL). */
  statements: RecordedStatement[]
  /** Calls in arrival order, with their input. */
  log: FakeCall[]
  close(): Promise<void>
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function cell(v: Value): Record<string, unknown> {
  if (v === null) return { isNull: true }
  if (typeof v === 'boolean') return { booleanValue: v }
  if (typeof v === 'number') return Number.isInteger(v) ? { longValue: v } : { doubleValue: v }
  return { stringValue: v }
}

function str(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new ApiError('ValidationException', `${key} must be a string`)
  return v
}

export async function startFakeRedshiftData(options: FakeRedshiftDataOptions = {}): Promise<FakeRedshiftDataServer> {
  const catalog = options.catalog ?? new FakeRedshiftCatalog()
  const pollsToFinish = Math.max(1, options.pollsToFinish ?? 2)
  const pageSize = Math.max(1, options.pageSize ?? 1000)
  const calls: Record<string, number> = {}
  const statements: RecordedStatement[] = []
  const log: FakeCall[] = []
  const store = new Map<string, StatementState>()
  let queryId = 1000

  const connectionOf = (input: Record<string, unknown>): Connection => {
    const database = str(input, 'Database')
    const workgroupName = str(input, 'WorkgroupName')
    const clusterIdentifier = str(input, 'ClusterIdentifier')
    const secretArn = str(input, 'SecretArn')
    const dbUser = str(input, 'DbUser')
    if (!database) throw new ApiError('ValidationException', 'Database is required')
    if (!workgroupName && !clusterIdentifier) {
      throw new ApiError('ValidationException', 'Either ClusterIdentifier or WorkgroupName must be provided')
    }
    if (workgroupName && clusterIdentifier) {
      throw new ApiError('ValidationException', 'ClusterIdentifier and WorkgroupName cannot both be provided')
    }
    if (workgroupName && dbUser) throw new ApiError('ValidationException', 'DbUser is not supported with WorkgroupName; use SecretArn or IAM')
    if (secretArn && dbUser) throw new ApiError('ValidationException', 'SecretArn and DbUser cannot both be provided')
    return {
      database,
      ...(workgroupName ? { workgroupName } : {}),
      ...(clusterIdentifier ? { clusterIdentifier } : {}),
      ...(secretArn ? { secretArn } : {}),
      ...(dbUser ? { dbUser } : {})
    }
  }

  const userOf = (conn: Connection): string => {
    const configured = typeof options.sessionUser === 'function' ? options.sessionUser(conn) : options.sessionUser
    const user = conn.dbUser ?? configured ?? 'admin'
    if (user.startsWith('IAM:') && !catalog.data.users[user]) catalog.addUser(user)
    return user
  }

  const isDone = (s: StatementState, now = Date.now()) => s.cancelled || (s.polls >= pollsToFinish && now >= s.readyAt)

  const statusOf = (s: StatementState): string => {
    if (s.cancelled) return 'ABORTED'
    if (isDone(s)) return s.finalStatus
    return s.polls <= 1 ? 'SUBMITTED' : 'STARTED'
  }

  const seconds = (ms: number) => ms / 1000

  const submit = (
    operation: 'ExecuteStatement' | 'BatchExecuteStatement',
    conn: Connection,
    sqls: string[],
    fault: FakeFault | undefined,
    executionMode?: 'TRANSACTION' | 'AUTO_COMMIT'
  ): StatementState => {
    const id = randomUUID()
    const user = userOf(conn)
    const now = Date.now()
    const state: StatementState = {
      id,
      connection: conn,
      user,
      sql: sqls.join('; '),
      createdAt: now,
      readyAt: now + (fault && 'delayMs' in fault ? fault.delayMs : 0),
      polls: 0,
      cancelled: false,
      finalStatus: 'FINISHED',
      ...(executionMode ? { executionMode } : {})
    }
    const record = (sql: string, status: RecordedStatement['status'], error?: string) =>
      statements.push({
        id,
        operation,
        sql,
        database: conn.database,
        user,
        status,
        ...(executionMode ? { executionMode } : {}),
        ...(error !== undefined ? { error } : {})
      })
    const failure = fault && 'fail' in fault ? fault.fail : undefined

    if (operation === 'ExecuteStatement') {
      const sql = sqls[0]!
      try {
        if (failure !== undefined) throw new SqlError(failure)
        state.result = catalog.execute(sql, { database: conn.database, user })
        record(sql, 'FINISHED')
      } catch (err) {
        state.finalStatus = 'FAILED'
        state.error = err instanceof SqlError ? `ERROR: ${err.message}` : String(err)
        record(sql, 'FAILED', state.error)
      }
      store.set(id, state)
      return state
    }

    const subs: SubStatement[] = []
    const transaction = executionMode !== 'AUTO_COMMIT'
    const snapshot = transaction ? structuredClone(catalog.data) : undefined
    let failedAt = -1
    sqls.forEach((sql, i) => {
      const sub: SubStatement = { id: `${id}:${i + 1}`, sql, status: 'FINISHED' }
      if (transaction && failedAt >= 0) sub.status = 'ABORTED'
      else {
        try {
          if (failure !== undefined && i === sqls.length - 1) throw new SqlError(failure)
          sub.result = catalog.execute(sql, { database: conn.database, user, inTransaction: transaction })
        } catch (err) {
          sub.status = 'FAILED'
          sub.error = err instanceof SqlError ? `ERROR: ${err.message}` : String(err)
          if (failedAt < 0) failedAt = i
        }
      }
      subs.push(sub)
    })
    if (failedAt >= 0) {
      if (snapshot) catalog.data = snapshot
      state.finalStatus = 'FAILED'
      state.error = subs[failedAt]!.error!
    }
    for (const sub of subs) record(sub.sql, sub.status, sub.error)
    state.subs = subs
    store.set(id, state)
    return state
  }

  const find = (id: string | undefined): { state: StatementState; sub?: SubStatement } => {
    if (!id) throw new ApiError('ValidationException', 'Id is required')
    const [base = '', n] = id.split(':')
    const state = store.get(base)
    if (!state) throw new ApiError('ResourceNotFoundException', `Query does not exist.`)
    if (n === undefined) return { state }
    const sub = state.subs?.[Number(n) - 1]
    if (!sub) throw new ApiError('ResourceNotFoundException', `Query does not exist.`)
    return { state, sub }
  }

  const describe = (state: StatementState, sub?: SubStatement) => {
    const done = isDone(state)
    const status = statusOf(state)
    const result = sub ? sub.result : state.result
    const hasResultSet = sub ? (sub.result?.hasResultSet ?? false) : state.subs ? state.subs.some((s) => s.result?.hasResultSet) : (state.result?.hasResultSet ?? false)
    const error = sub ? sub.error : state.error
    const c = state.connection
    return {
      Id: sub ? sub.id : state.id,
      Status: sub && done && !state.cancelled ? sub.status : status,
      QueryString: sub ? sub.sql : state.sql,
      Database: c.database,
      ...(c.dbUser ? { DbUser: c.dbUser } : {}),
      ...(c.clusterIdentifier ? { ClusterIdentifier: c.clusterIdentifier } : {}),
      ...(c.workgroupName ? { WorkgroupName: c.workgroupName } : {}),
      ...(c.secretArn ? { SecretArn: c.secretArn } : {}),
      CreatedAt: seconds(state.createdAt),
      UpdatedAt: seconds(Date.now()),
      Duration: done ? Math.max(0, state.readyAt - state.createdAt) * 1e6 : -1,
      HasResultSet: done && status !== 'ABORTED' ? hasResultSet : false,
      ResultRows: done && result ? result.rows.length : -1,
      ResultSize: done && result ? JSON.stringify(result.rows).length : -1,
      RedshiftPid: 1073815000,
      RedshiftQueryId: queryId++,
      ResultFormat: 'JSON',
      ...(done && error !== undefined && status !== 'ABORTED' ? { Error: error } : {}),
      ...(state.cancelled ? { Error: 'Query cancelled by the user.' } : {}),
      ...(!sub && state.subs
        ? {
            SubStatements: state.subs.map((s) => ({
              Id: s.id,
              Status: done && !state.cancelled ? s.status : status,
              QueryString: s.sql,
              CreatedAt: seconds(state.createdAt),
              UpdatedAt: seconds(Date.now()),
              Duration: done ? 0 : -1,
              HasResultSet: done ? (s.result?.hasResultSet ?? false) : false,
              ResultRows: done && s.result ? s.result.rows.length : -1,
              RedshiftQueryId: queryId++,
              ...(done && s.error !== undefined ? { Error: s.error } : {})
            }))
          }
        : {})
    }
  }

  const operations: Record<string, (input: Record<string, unknown>, fault: FakeFault | undefined) => Promise<unknown>> = {
    async ExecuteStatement(input, fault) {
      const sql = str(input, 'Sql')
      if (!sql) throw new ApiError('ValidationException', 'Sql is required')
      if (Buffer.byteLength(sql) > 100 * 1024) throw new ApiError('ValidationException', 'Sql exceeds the 100 KB limit')
      if (input['Parameters'] !== undefined && (!Array.isArray(input['Parameters']) || input['Parameters'].length === 0)) {
        throw new ApiError('ValidationException', 'Parameters must contain at least 1 item')
      }
      const conn = connectionOf(input)
      const state = submit('ExecuteStatement', conn, [sql], fault)
      return {
        Id: state.id,
        CreatedAt: seconds(state.createdAt),
        Database: conn.database,
        ...(conn.dbUser ? { DbUser: conn.dbUser } : {}),
        ...(conn.clusterIdentifier ? { ClusterIdentifier: conn.clusterIdentifier } : {}),
        ...(conn.workgroupName ? { WorkgroupName: conn.workgroupName } : {}),
        ...(conn.secretArn ? { SecretArn: conn.secretArn } : {})
      }
    },
    async BatchExecuteStatement(input, fault) {
      const sqls = input['Sqls']
      if (!Array.isArray(sqls) || sqls.length < 1 || sqls.length > 40 || sqls.some((s) => typeof s !== 'string')) {
        throw new ApiError('ValidationException', 'Sqls must hold 1 to 40 SQL strings')
      }
      const mode = str(input, 'ExecutionMode') ?? 'TRANSACTION'
      if (mode !== 'TRANSACTION' && mode !== 'AUTO_COMMIT') throw new ApiError('ValidationException', `invalid ExecutionMode ${mode}`)
      const conn = connectionOf(input)
      const state = submit('BatchExecuteStatement', conn, sqls as string[], fault, mode)
      return {
        Id: state.id,
        CreatedAt: seconds(state.createdAt),
        Database: conn.database,
        ...(conn.dbUser ? { DbUser: conn.dbUser } : {}),
        ...(conn.clusterIdentifier ? { ClusterIdentifier: conn.clusterIdentifier } : {}),
        ...(conn.workgroupName ? { WorkgroupName: conn.workgroupName } : {}),
        ...(conn.secretArn ? { SecretArn: conn.secretArn } : {})
      }
    },
    async DescribeStatement(input, fault) {
      if (fault && 'delayMs' in fault) await sleep(fault.delayMs)
      const { state, sub } = find(str(input, 'Id'))
      state.polls++
      const wait = input['WaitTimeSeconds']
      if (typeof wait === 'number' && wait > 0 && !isDone(state) && state.polls >= pollsToFinish) {
        // Long poll: wait for a slow statement, up to WaitTimeSeconds.
        await sleep(Math.max(0, Math.min(state.readyAt - Date.now(), wait * 1000)))
      }
      return describe(state, sub)
    },
    async GetStatementResult(input, fault) {
      if (fault && 'delayMs' in fault) await sleep(fault.delayMs)
      const { state, sub } = find(str(input, 'Id'))
      if (state.subs && !sub) throw new ApiError('ValidationException', 'Use the Id of a sub-statement (Id:n) to get the result of a batch')
      const status = sub && isDone(state) ? sub.status : statusOf(state)
      const result = sub ? sub.result : state.result
      if (status !== 'FINISHED' || !result?.hasResultSet) {
        throw new ApiError('ValidationException', 'Query does not have result. Please check query status with DescribeStatement.')
      }
      const token = str(input, 'NextToken')
      let offset = 0
      if (token) {
        const decoded = /^(.+)\|(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'))
        if (!decoded || decoded[1] !== (sub ? sub.id : state.id)) throw new ApiError('ValidationException', 'Invalid NextToken')
        offset = Number(decoded[2])
      }
      const page = result.rows.slice(offset, offset + pageSize)
      const next = offset + pageSize < result.rows.length ? offset + pageSize : undefined
      return {
        Records: page.map((row) => row.map(cell)),
        ColumnMetadata: result.columns.map((c) => ({
          name: c.name,
          label: c.name,
          typeName: c.typeName,
          nullable: 1,
          isCaseSensitive: c.typeName === 'varchar',
          isCurrency: false,
          isSigned: c.typeName === 'int8' || c.typeName === 'float8',
          length: 0,
          precision: c.typeName === 'varchar' ? 128 : c.typeName === 'bool' ? 1 : 19,
          scale: 0,
          schemaName: '',
          tableName: ''
        })),
        TotalNumRows: result.rows.length,
        ...(next !== undefined ? { NextToken: Buffer.from(`${sub ? sub.id : state.id}|${next}`).toString('base64') } : {})
      }
    },
    async CancelStatement(input) {
      const { state } = find(str(input, 'Id'))
      if (isDone(state)) throw new ApiError('ValidationException', `Could not cancel a query that is already in ${statusOf(state)} state.`)
      state.cancelled = true
      const last = statements.filter((s) => s.id === state.id)
      for (const s of last) s.status = 'ABORTED'
      return { Status: true }
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const send = (status: number, body: unknown, errorType?: string) => {
          const text = JSON.stringify(body)
          res.writeHead(status, {
            'Content-Type': 'application/x-amz-json-1.1',
            'Content-Length': Buffer.byteLength(text),
            'x-amzn-RequestId': randomUUID(),
            ...(errorType ? { 'x-amzn-ErrorType': errorType } : {})
          })
          res.end(text)
        }
        try {
          const target = String(req.headers['x-amz-target'] ?? '')
          const contentType = String(req.headers['content-type'] ?? '')
          if (req.method !== 'POST' || !target.startsWith('RedshiftData.')) {
            throw new ApiError('UnknownOperationException', `unknown target '${target}'`)
          }
          if (!contentType.startsWith('application/x-amz-json-1.1')) {
            throw new ApiError('SerializationException', `expected Content-Type application/x-amz-json-1.1, got '${contentType}'`)
          }
          const operation = target.slice('RedshiftData.'.length)
          const handler = operations[operation]
          if (!handler) throw new ApiError('UnknownOperationException', `the fake does not implement ${operation}`)
          calls[operation] = (calls[operation] ?? 0) + 1
          const raw = Buffer.concat(chunks).toString('utf8')
          let input: Record<string, unknown>
          try {
            input = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>)
          } catch {
            throw new ApiError('SerializationException', 'the request body is not JSON')
          }
          const call = { operation, input }
          log.push(call)
          const fault = await options.intercept?.(call)
          if (fault && 'error' in fault) throw new ApiError(fault.error, fault.message, fault.status ?? 400)
          send(200, await handler(input, fault))
        } catch (err) {
          if (err instanceof ApiError) send(err.status, { __type: err.type, message: err.message }, err.type)
          else send(500, { __type: 'InternalServerException', message: err instanceof Error ? err.message : String(err) }, 'InternalServerException')
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    catalog,
    calls,
    statements,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
}
