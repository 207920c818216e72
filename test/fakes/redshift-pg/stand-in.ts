/**
 * A Redshift Data API stand-in on a real PostgreSQL: the shared Data API protocol
 * (../redshift-data-protocol.ts) in front of a throwaway PostgreSQL cluster (./cluster.ts) that
 * carries Redshift's catalogue (./catalog.ts) and reads Redshift's dialect (./dialect.ts).
 *
 * Statements run as the session's database user on a real PostgreSQL session, so users, groups,
 * grants, default privileges, has_*_privilege and the pg_* catalogue answer as PostgreSQL does;
 * the svv_* views, RBAC roles, system privileges and scoped permissions are the emulation's; and
 * what Redshift documents as refused is refused before it reaches PostgreSQL.
 */
import type pg from 'pg'
import {
  startDataApiServer,
  type Connection,
  type DataApiOptions,
  type DataApiServer,
  type ExecResult,
  type SqlBackend,
  type SqlValue,
  type StatementOutcome
} from '../redshift-data-protocol.js'
import { GROUP_COMMENT, ROLE_COMMENT, SYSLOG_UNRESTRICTED_ROLE, SYSPRV_PREFIX, TEMPLATE_SETUP_SQL, globalSetupSql, quoteIdent, quoteLiteral } from './catalog.js'
import { BOOTSTRAP_USER, startPgCluster, type PgCluster } from './cluster.js'
import { RedshiftRefusal, prepareStatement, splitStatements, type Grantee, type Prepared } from './dialect.js'

export type { Connection, ExecResult, FakeCall, FakeFault, RecordedStatement } from '../redshift-data-protocol.js'
export { LEADER_NODE_ERROR, RedshiftRefusal } from './dialect.js'

/** The superuser the Data API session runs as unless told otherwise (the cluster's admin user). */
export const ADMIN_USER = 'admin'
/** Redshift's default database. */
export const DEFAULT_DATABASE = 'dev'

export interface RedshiftStandInOptions extends DataApiOptions {
  /**
   * The database user a connection runs as. Default: DbUser when given, else 'admin' (a superuser).
   * An `IAM:` user that does not exist yet is created, as Redshift does for IAM identities.
   */
  sessionUser?: string | ((connection: Connection) => string)
}

export interface RedshiftStandIn extends DataApiServer {
  /** The cluster's temporary directory (socket and data); gone after close(). */
  readonly clusterDir: string
  /**
   * Runs a Redshift-dialect script (statements separated by `;`) as the superuser `admin`, or as
   * `user`, through the same dialect and refusals as the Data API. Throws on the first failure.
   */
  admin(sql: string, options?: { database?: string; user?: string }): Promise<ExecResult[]>
  /** Rows of one query, as objects (for tests' assertions). */
  rows(sql: string, options?: { database?: string; user?: string }): Promise<Array<Record<string, SqlValue>>>
  /** Back to a fresh cluster state: only `dev`, `admin` and the default roles; recorded calls cleared. */
  reset(): Promise<void>
  /** Stops the HTTP server and the PostgreSQL cluster and removes its files. */
  close(): Promise<void>
}

class StatementError extends Error {}

/** A per-key queue: statements of one (database, user) session never interleave with a batch's transaction. */
class Sessions {
  private clients = new Map<string, Promise<pg.Client>>()
  private locks = new Map<string, Promise<unknown>>()
  constructor(private readonly cluster: PgCluster) {}

  client(database: string, user: string): Promise<pg.Client> {
    const key = `${database}\u0000${user}`
    let c = this.clients.get(key)
    if (!c) {
      c = (async () => {
        const client = this.cluster.client(database, user)
        client.on('error', () => this.clients.delete(key))
        try {
          await client.connect()
        } catch (err) {
          this.clients.delete(key)
          throw err
        }
        return client
      })()
      this.clients.set(key, c)
    }
    return c
  }

  exclusive<T>(database: string, user: string, fn: () => Promise<T>): Promise<T> {
    const key = `${database}\u0000${user}`
    const prev = this.locks.get(key) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    this.locks.set(key, next.catch(() => undefined))
    return next
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()]
    this.clients.clear()
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.end().catch(() => undefined)))
  }
}

/** t_scoped-permissions: what ALL means per scope, and the privileges each accepts. */
const SCOPED_PRIVILEGES: Record<'TABLES' | 'FUNCTIONS' | 'SCHEMAS', string[]> = {
  TABLES: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER', 'TRUNCATE'],
  FUNCTIONS: ['EXECUTE', 'ALTER', 'DROP'],
  SCHEMAS: ['CREATE', 'USAGE', 'ALTER', 'DROP']
}

export async function startRedshiftStandIn(options: RedshiftStandInOptions = {}): Promise<RedshiftStandIn> {
  const cluster = await startPgCluster()
  const sessions = new Sessions(cluster)
  const typeNames = new Map<number, string>()

  const bootstrap = async (database = 'postgres') => sessions.client(database, BOOTSTRAP_USER)

  const initialise = async () => {
    const c = await bootstrap()
    for (const sql of globalSetupSql()) await c.query(sql)
    await c.query(`CREATE USER ${quoteIdent(ADMIN_USER)} SUPERUSER CREATEDB`)
    await c.query(`CREATE DATABASE ${quoteIdent(DEFAULT_DATABASE)} OWNER ${quoteIdent(ADMIN_USER)}`)
  }

  try {
    const t1 = await bootstrap('template1')
    await t1.query(TEMPLATE_SETUP_SQL)
    for (const row of (await t1.query('SELECT oid, typname FROM pg_type')).rows as Array<{ oid: string; typname: string }>) {
      typeNames.set(Number(row.oid), row.typname)
    }
    await sessions.closeAll() // template1 must have no sessions for CREATE DATABASE to copy it
    await initialise()
  } catch (err) {
    await sessions.closeAll()
    await cluster.stop()
    throw err
  }

  /** Runs SQL on a session and types the cells as the Data API does (rows as arrays: column names may repeat). */
  const query = async (c: pg.Client, sql: string): Promise<ExecResult> => {
    const r = await c.query({ text: sql, rowMode: 'array' })
    const fields = r.fields ?? []
    const types = fields.map((f) => typeNames.get(f.dataTypeID) ?? 'varchar')
    const rows = ((r.rows ?? []) as Array<Array<string | null>>).map((row) =>
      fields.map((_, i): SqlValue => {
        const v = row[i] ?? null
        if (v === null) return null
        const t = types[i]
        if (t === 'bool') return v === 't'
        if (t === 'int2' || t === 'int4' || t === 'int8' || t === 'oid' || t === 'float4' || t === 'float8' || t === 'numeric') return Number(v)
        return v
      })
    )
    return {
      columns: fields.map((f, i) => ({ name: f.name, typeName: types[i] === 'text' ? 'varchar' : types[i]! })),
      rows,
      hasResultSet: fields.length > 0
    }
  }

  const roleInfo = async (name: string): Promise<{ type: string; superuser: boolean } | undefined> => {
    const c = await bootstrap()
    const r = await c.query(
      `SELECT rolcanlogin, rolsuper, shobj_description(oid, 'pg_authid') AS note FROM pg_roles WHERE rolname = $1`,
      [name]
    )
    const row = r.rows[0] as { rolcanlogin: string; rolsuper: string; note: string | null } | undefined
    if (!row) return undefined
    const note = row.note ?? ''
    const type = row.rolcanlogin === 't' ? 'user' : note.startsWith(ROLE_COMMENT) ? 'role' : note === GROUP_COMMENT ? 'group' : 'internal'
    return { type, superuser: row.rolsuper === 't' }
  }

  const holds = async (user: string, privilege: string): Promise<boolean> => {
    const c = await bootstrap()
    const r = await c.query(`SELECT pg_has_role($1, $2, 'MEMBER') AS ok`, [user, SYSPRV_PREFIX + privilege])
    return (r.rows[0] as { ok: string }).ok === 't'
  }

  /**
   * The session that carries out an emulated statement: the user's own when a superuser (so that a
   * batch stays one transaction), the bootstrap superuser's when the user holds the system privilege
   * Redshift asks for, else refused.
   */
  const privileged = async (session: pg.Client, database: string, user: string, privilege: string | undefined, docs: string) => {
    const me = await roleInfo(user)
    if (me?.superuser) return session
    if (privilege && (await holds(user, privilege))) return bootstrap(database)
    throw new RedshiftRefusal(`permission denied: only a superuser${privilege ? ` or a holder of ${privilege}` : ''} can do this (${docs})`, docs)
  }

  const grantee = async (g: Grantee, docs: string): Promise<string> => {
    if (g.kind === 'public') return 'PUBLIC'
    const info = await roleInfo(g.name)
    if (!info || info.type === 'internal') throw new RedshiftRefusal(`${g.kind} "${g.name}" does not exist`, docs)
    if (info.type !== g.kind) throw new RedshiftRefusal(`${g.kind} "${g.name}" does not exist (it is a ${info.type})`, docs)
    return quoteIdent(g.name)
  }

  /**
   * An explicit GRANT on relations that a scoped permission had already granted makes that grant the
   * user's own: it stops being hidden from SVV_RELATION_PRIVILEGES and survives the scope's REVOKE.
   */
  const adoptScopedGrants = async (ast: Record<string, unknown>, c: pg.Client, db: string, user: string) => {
    const g = ast['GrantStmt'] as Record<string, unknown> | undefined
    if (!g || g['is_grant'] !== true || g['objtype'] !== 'OBJECT_TABLE') return
    type Node = Record<string, Record<string, unknown>>
    const privileges = ((g['privileges'] as Node[] | undefined) ?? []).map((x) => String(x['AccessPriv']!['priv_name']).toUpperCase())
    const grantees = ((g['grantees'] as Node[] | undefined) ?? []).map((x) =>
      x['RoleSpec']!['roletype'] === 'ROLESPEC_PUBLIC' ? '0' : `(SELECT oid FROM pg_roles WHERE rolname = ${quoteLiteral(String(x['RoleSpec']!['rolename']))})`
    )
    const objects = (g['objects'] as Node[] | undefined) ?? []
    const relations =
      g['targtype'] === 'ACL_TARGET_ALL_IN_SCHEMA'
        ? `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN (${objects.map((o) => quoteLiteral(String(o['String']!['sval']))).join(', ')})`
        : objects
            .map((o) => {
              const r = o['RangeVar']!
              const name = r['schemaname'] ? `${quoteIdent(String(r['schemaname']))}.${quoteIdent(String(r['relname']))}` : quoteIdent(String(r['relname']))
              return `SELECT to_regclass(${quoteLiteral(name)})::oid`
            })
            .join(' UNION ALL ')
    if (!relations || grantees.length === 0) return
    const me = await roleInfo(user)
    const admin = me?.superuser ? c : await bootstrap(db)
    await admin.query(
      `DELETE FROM pg_catalog.rs_scope_materialized WHERE relid IN (${relations}) AND grantee IN (${grantees.join(', ')})` +
        (privileges.length && !privileges.includes('ALL') ? ` AND privilege IN (${privileges.map(quoteLiteral).join(', ')})` : '')
    )
  }

  const execute = async (p: Prepared, session: pg.Client, database: string, user: string): Promise<ExecResult> => {
    const none: ExecResult = { columns: [], rows: [], hasResultSet: false }
    switch (p.kind) {
      case 'pg': {
        for (const g of p.grantees ?? []) await grantee(g, 'r_GRANT')
        for (const owner of p.ownerUsers ?? []) await grantee({ kind: 'user', name: owner }, 'r_ALTER_DEFAULT_PRIVILEGES')
        const db = p.database ?? database
        const c = db !== database ? await sessions.client(db, user) : session
        const result = await query(c, p.sql)
        await adoptScopedGrants(p.ast, c, db, user)
        return result
      }
      case 'create-user':
      case 'alter-user': {
        // A user may change its own password; everything else needs a superuser or CREATE/ALTER USER (r_ALTER_USER).
        const own = p.kind === 'alter-user' && p.name === user && p.syslog === undefined
        const c = own ? session : await privileged(session, database, user, p.kind === 'create-user' ? 'CREATE USER' : 'ALTER USER', `r_${p.kind === 'create-user' ? 'CREATE' : 'ALTER'}_USER`)
        if (p.sql !== undefined) await c.query(p.sql)
        if (p.syslog !== undefined) {
          // SYSLOG ACCESS (r_CREATE_USER): UNRESTRICTED users see every row of the system views (c_visibility-of-data).
          const role = quoteIdent(SYSLOG_UNRESTRICTED_ROLE)
          await c.query(p.syslog === 'UNRESTRICTED' ? `GRANT ${role} TO ${quoteIdent(p.name)}` : `REVOKE ${role} FROM ${quoteIdent(p.name)}`)
        }
        return none
      }
      case 'alter-group': {
        // r_ALTER_GROUP: the group must be a group, its members users.
        await grantee({ kind: 'group', name: p.name }, 'r_ALTER_GROUP')
        for (const m of p.members) await grantee({ kind: 'user', name: m }, 'r_ALTER_GROUP')
        await session.query(p.sql)
        return none
      }
      case 'create-group': {
        const c = await privileged(session, database, user, undefined, 'r_CREATE_GROUP')
        for (const m of p.members) await grantee({ kind: 'user', name: m }, 'r_CREATE_GROUP')
        await c.query(p.sql)
        await c.query(`COMMENT ON ROLE ${quoteIdent(p.name)} IS ${quoteLiteral(GROUP_COMMENT)}`)
        return none
      }
      case 'create-role': {
        // r_roles-default: the sys: prefix is reserved; ds: names are datasharing's.
        if (/^(sys|ds):/i.test(p.name)) throw new RedshiftRefusal(`role name "${p.name}" uses a reserved prefix (sys: or ds:)`, 'r_roles-default')
        const existing = await roleInfo(p.name)
        // r_CREATE_ROLE: a role cannot share its name with an existing user (or group, or role).
        if (existing?.type === 'user') throw new RedshiftRefusal(`a user named "${p.name}" already exists; a role cannot have the name of a user`, 'r_CREATE_ROLE')
        if (existing) throw new RedshiftRefusal(`role "${p.name}" already exists`, 'r_CREATE_ROLE')
        const c = await privileged(session, database, user, 'CREATE ROLE', 'r_CREATE_ROLE')
        await c.query(`CREATE ROLE ${quoteIdent(p.name)} NOLOGIN`)
        await c.query(`COMMENT ON ROLE ${quoteIdent(p.name)} IS ${quoteLiteral(ROLE_COMMENT + user)}`)
        return none
      }
      case 'grant-role': {
        for (const r of p.roles) {
          const info = await roleInfo(r)
          if (info?.type !== 'role') throw new RedshiftRefusal(`role "${r}" does not exist`, 'r_GRANT')
        }
        const targets: string[] = []
        for (const g of p.grantees) {
          if (g.kind === 'group' || g.kind === 'public') {
            throw new RedshiftRefusal(`syntax error at or near "${g.kind === 'group' ? 'GROUP' : 'PUBLIC'}": roles are granted to users and roles`, 'r_GRANT')
          }
          targets.push(await grantee(g, 'r_GRANT'))
        }
        const me = await roleInfo(user)
        // A superuser grants any role; others need the role WITH ADMIN OPTION, which PostgreSQL checks itself.
        const c = me?.superuser ? session : (await holds(user, 'CREATE ROLE')) ? await bootstrap(database) : session
        const roles = p.roles.map(quoteIdent).join(', ')
        await c.query(
          p.revoke ? `REVOKE ${roles} FROM ${targets.join(', ')}` : `GRANT ${roles} TO ${targets.join(', ')}${p.adminOption ? ' WITH ADMIN OPTION' : ''}`
        )
        return none
      }
      case 'grant-system': {
        for (const r of p.roles) {
          const info = await roleInfo(r)
          // r_GRANT: system permissions go TO ROLE; a user or group of that name is not a role.
          if (info?.type !== 'role') throw new RedshiftRefusal(`role "${r}" does not exist`, 'r_GRANT')
        }
        const c = await privileged(session, database, user, undefined, 'r_GRANT')
        const privs = p.privileges.map((x) => quoteIdent(SYSPRV_PREFIX + x)).join(', ')
        const roles = p.roles.map(quoteIdent).join(', ')
        await c.query(p.revoke ? `REVOKE ${privs} FROM ${roles}` : `GRANT ${privs} TO ${roles}`)
        return none
      }
      case 'grant-scoped': {
        const db = p.database ?? database
        const c0 = await privileged(session, database, user, undefined, 't_scoped-permissions')
        const c = db === database ? c0 : await sessions.client(db, user)
        if (p.schema !== undefined) {
          const s = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [p.schema])
          if (s.rowCount === 0) throw new RedshiftRefusal(`schema "${p.schema}" does not exist`, 't_scoped-permissions')
        }
        const all = SCOPED_PRIVILEGES[p.objectType]
        const privileges = p.privileges.includes('ALL') ? all : p.privileges
        const bad = privileges.find((priv) => !all.includes(priv))
        if (bad) throw new RedshiftRefusal(`invalid privilege type ${bad} for ${p.objectType}`, 't_scoped-permissions')
        const grantees: number[] = []
        for (const g of p.grantees) {
          await grantee(g, 't_scoped-permissions')
          grantees.push(g.kind === 'public' ? 0 : Number((await c.query('SELECT oid FROM pg_roles WHERE rolname = $1', [g.name])).rows[0].oid))
        }
        if (p.schema !== undefined) {
          for (const oid of grantees) {
            for (const priv of privileges) {
              await c.query(
                p.revoke
                  ? `DELETE FROM pg_catalog.rs_scoped_permissions WHERE scope = 'SCHEMA' AND object_type = $1 AND schema_name = $2 AND privilege_type = $3 AND grantee = $4`
                  : `INSERT INTO pg_catalog.rs_scoped_permissions (scope, object_type, schema_name, privilege_type, grantee) VALUES ('SCHEMA', $1, $2, $3, $4) ON CONFLICT DO NOTHING`,
                [p.objectType, p.schema, priv, oid]
              )
            }
          }
          await c.query('SELECT pg_catalog.rs_apply_scopes()')
          return none
        }
        // Database-wide: kept in the database's shared comment, which SVV_DATABASE_PRIVILEGES reads from any database.
        const current = (await c.query(`SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = $1`, [db])).rows[0] as
          | { note: string | null }
          | undefined
        if (!current) throw new RedshiftRefusal(`database "${db}" does not exist`, 't_scoped-permissions')
        type Entry = { object_type: string; privilege_type: string; grantee: number }
        let entries: Entry[] = current.note?.startsWith('[') ? (JSON.parse(current.note) as Entry[]) : []
        for (const oid of grantees) {
          for (const priv of privileges) {
            const same = (e: Entry) => e.object_type === p.objectType && e.privilege_type === priv && e.grantee === oid
            if (p.revoke) entries = entries.filter((e) => !same(e))
            else if (!entries.some(same)) entries.push({ object_type: p.objectType, privilege_type: priv, grantee: oid })
          }
        }
        await c0.query(`COMMENT ON DATABASE ${quoteIdent(db)} IS ${entries.length ? quoteLiteral(JSON.stringify(entries)) : 'NULL'}`)
        await c.query('SELECT pg_catalog.rs_apply_scopes()')
        return none
      }
    }
  }

  const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

  /** One statement on a session: parse, refuse or run. Throws StatementError with the Data API's Error text. */
  const runOne = async (sql: string, session: pg.Client, database: string, user: string): Promise<ExecResult> => {
    try {
      const prepared = await prepareStatement(sql)
      return await execute(prepared, session, database, user)
    } catch (err) {
      throw new StatementError(`ERROR: ${message(err)}`)
    }
  }

  const sessionUser = async (conn: Connection): Promise<string> => {
    const configured = typeof options.sessionUser === 'function' ? options.sessionUser(conn) : options.sessionUser
    const user = conn.dbUser ?? configured ?? ADMIN_USER
    if (user.startsWith('IAM:') && !(await roleInfo(user))) {
      // Redshift creates a database user for an IAM identity on its first sign-in (generating-iam-credentials).
      await (await bootstrap()).query(`CREATE USER ${quoteIdent(user)}`).catch(() => undefined)
    }
    return user
  }

  const runStatements = async (
    database: string,
    user: string,
    sqls: string[],
    opts: { batch: boolean; transaction: boolean; failLast?: string }
  ): Promise<StatementOutcome[]> => {
    let session: pg.Client
    try {
      session = await sessions.client(database, user)
    } catch (err) {
      return sqls.map((_, i) => (i === 0 ? { status: 'FAILED', error: `ERROR: ${message(err)}` } : { status: 'ABORTED' }))
    }
    return sessions.exclusive(database, user, async () => {
      const out: StatementOutcome[] = []
      if (opts.transaction) await session.query('BEGIN')
      let failed = false
      for (let i = 0; i < sqls.length; i++) {
        if (failed && (opts.transaction || !opts.batch)) {
          out.push({ status: 'ABORTED' })
          continue
        }
        try {
          if (opts.failLast !== undefined && i === sqls.length - 1) throw new StatementError(opts.failLast)
          out.push({ status: 'FINISHED', result: await runOne(sqls[i]!, session, database, user) })
        } catch (err) {
          failed = true
          out.push({ status: 'FAILED', error: message(err) })
          if (opts.transaction) await session.query('ROLLBACK').catch(() => undefined)
        }
      }
      if (opts.transaction && !failed) {
        try {
          await session.query('COMMIT')
        } catch (err) {
          return sqls.map((_, i) => (i === sqls.length - 1 ? { status: 'FAILED', error: `ERROR: ${message(err)}` } : { status: 'ABORTED' }))
        }
      }
      return out
    })
  }

  const backend: SqlBackend = {
    sessionUser,
    run: (conn, user, sqls, opts) => runStatements(conn.database, user, sqls, opts)
  }
  const server = await startDataApiServer(backend, options)
  const closeServer = server.close

  const admin = async (sql: string, o: { database?: string; user?: string } = {}): Promise<ExecResult[]> => {
    const database = o.database ?? DEFAULT_DATABASE
    const user = o.user ?? ADMIN_USER
    const results: ExecResult[] = []
    for (const statement of await splitStatements(sql)) {
      const [outcome] = await runStatements(database, user, [statement], { batch: false, transaction: false })
      if (outcome!.status !== 'FINISHED') throw new Error(`${outcome!.error ?? outcome!.status} (in: ${statement})`)
      results.push(outcome!.result!)
    }
    return results
  }

  return Object.assign(server, {
    clusterDir: cluster.socketDir,
    admin,
    async rows(sql: string, o: { database?: string; user?: string } = {}) {
      const results = await admin(sql, o)
      const r = results[results.length - 1]!
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i] ?? null])))
    },
    async reset() {
      await sessions.closeAll()
      const c = await bootstrap()
      const dbs = (await c.query(`SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')`)).rows as Array<{ datname: string }>
      for (const d of dbs) await c.query(`DROP DATABASE ${quoteIdent(d.datname)} WITH (FORCE)`)
      const roles = (await c.query(`SELECT rolname FROM pg_roles WHERE rolname <> $1 AND rolname NOT LIKE 'pg\\_%'`, [BOOTSTRAP_USER])).rows as Array<{ rolname: string }>
      if (roles.length) await c.query(`DROP ROLE ${roles.map((r) => quoteIdent(r.rolname)).join(', ')}`)
      await initialise()
      for (const k of Object.keys(server.calls)) delete server.calls[k]
      server.statements.length = 0
      server.log.length = 0
    },
    async close() {
      await closeServer()
      await sessions.closeAll()
      await cluster.stop()
    }
  })
}
