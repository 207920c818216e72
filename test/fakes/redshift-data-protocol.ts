/**
 * The Redshift Data API's wire protocol, shared by the test doubles that answer it: AWS JSON 1.1
 * over `http` (`X-Amz-Target: RedshiftData.<Operation>`), connection validation, statement
 * polling, batches, pagination, cancellation, recorded calls and injected faults. What a statement
 * *does* is the backend's business (an in-memory catalogue, or PostgreSQL).
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** One result cell as the Data API types it. */
export type SqlValue = string | number | boolean | null

export interface ExecResult {
  columns: Array<{ name: string; typeName: string }>
  rows: SqlValue[][]
  hasResultSet: boolean
}

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

/** The outcome of one SQL statement; `error` is the Data API's Error text (e.g. `ERROR: ...`). */
export interface StatementOutcome {
  status: 'FINISHED' | 'FAILED' | 'ABORTED'
  error?: string
  result?: ExecResult
}

/** Runs statements; the protocol layer never looks inside SQL. */
export interface SqlBackend {
  /** The database user of a connection (creating `IAM:` users on first use, as Redshift does). */
  sessionUser(connection: Connection): Promise<string>
  /**
   * Runs the statements of one call in order. `transaction`: a batch in TRANSACTION mode (all or
   * nothing: after a failure the rest are ABORTED and the earlier ones rolled back). `failLast`: an
   * injected fault, the last statement fails with this text (and a transaction rolls back).
   */
  run(
    connection: Connection,
    user: string,
    sqls: string[],
    options: { batch: boolean; transaction: boolean; failLast?: string }
  ): Promise<StatementOutcome[]>
}

export interface DataApiOptions {
  /** The DescribeStatement poll on which a statement is seen finished (1 = the first). Default 2. */
  pollsToFinish?: number
  /** GetStatementResult rows per page. Default 1000. */
  pageSize?: number
  /** Inspect every call; return a fault to inject it. */
  intercept?: (call: FakeCall) => FakeFault | undefined | Promise<FakeFault | undefined>
}

export interface DataApiServer {
  url: string
  /** API calls per operation, e.g. calls.ExecuteStatement. */
  calls: Record<string, number>
  /** Every statement executed, in order (batch statements one entry per SQL). */
  statements: RecordedStatement[]
  /** Calls in arrival order, with their input. */
  log: FakeCall[]
  close(): Promise<void>
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
  /** A slow statement runs when its delay is over, unless cancelled first (then it never runs). */
  pending?: Promise<void>
  /** Records a slow statement cancelled before it ran. */
  recordAborted?: () => void
}

export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function cell(v: SqlValue): Record<string, unknown> {
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

/** Serves the Data API on a free loopback port in front of `backend`. */
export async function startDataApiServer(backend: SqlBackend, options: DataApiOptions = {}): Promise<DataApiServer> {
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

  const isDone = (s: StatementState, now = Date.now()) => s.cancelled || (s.polls >= pollsToFinish && now >= s.readyAt)

  const statusOf = (s: StatementState): string => {
    if (s.cancelled) return 'ABORTED'
    if (isDone(s)) return s.finalStatus
    return s.polls <= 1 ? 'SUBMITTED' : 'STARTED'
  }

  const seconds = (ms: number) => ms / 1000

  const submit = async (
    operation: 'ExecuteStatement' | 'BatchExecuteStatement',
    conn: Connection,
    sqls: string[],
    fault: FakeFault | undefined,
    executionMode?: 'TRANSACTION' | 'AUTO_COMMIT'
  ): Promise<StatementState> => {
    const id = randomUUID()
    const user = await backend.sessionUser(conn)
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
    const failLast = fault && 'fail' in fault ? fault.fail : undefined
    const batch = operation === 'BatchExecuteStatement'
    const record = (sub: SubStatement) =>
      statements.push({
        id,
        operation,
        sql: sub.sql,
        database: conn.database,
        user,
        status: sub.status,
        ...(executionMode ? { executionMode } : {}),
        ...(sub.error !== undefined ? { error: sub.error } : {})
      })
    const execute = async () => {
      const outcomes = await backend.run(conn, user, sqls, {
        batch,
        transaction: batch && executionMode !== 'AUTO_COMMIT',
        ...(failLast !== undefined ? { failLast } : {})
      })
      const subs: SubStatement[] = outcomes.map((o, i) => ({
        id: `${id}:${i + 1}`,
        sql: sqls[i]!,
        status: o.status,
        ...(o.error !== undefined ? { error: o.error } : {}),
        ...(o.result ? { result: o.result } : {})
      }))
      const failed = subs.find((s) => s.status === 'FAILED')
      if (failed) {
        state.finalStatus = 'FAILED'
        state.error = failed.error ?? 'ERROR: statement failed'
      }
      if (batch) state.subs = subs
      else if (subs[0]?.result) state.result = subs[0].result
      subs.forEach(record)
    }
    const delay = state.readyAt - now
    if (delay > 0) {
      state.pending = sleep(delay).then(async () => {
        if (!state.cancelled) await execute()
      })
      if (batch) state.subs = sqls.map((sql, i) => ({ id: `${id}:${i + 1}`, sql, status: 'ABORTED' }))
      state.recordAborted = () => sqls.forEach((sql, i) => record({ id: `${id}:${i + 1}`, sql, status: 'ABORTED' }))
    } else {
      // ExecuteStatement answers with the Id at once and the statement runs meanwhile: the Data API
      // is asynchronous, results are fetched later (Redshift Management Guide, data-api.html).
      // Running it before answering made ExecuteStatement as slow as the SQL, and the bench's
      // measured chain two calls longer than the audit's real chain of dependent calls.
      state.pending = execute()
    }
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

  const accepted = (state: StatementState, conn: Connection) => ({
    Id: state.id,
    CreatedAt: seconds(state.createdAt),
    Database: conn.database,
    ...(conn.dbUser ? { DbUser: conn.dbUser } : {}),
    ...(conn.clusterIdentifier ? { ClusterIdentifier: conn.clusterIdentifier } : {}),
    ...(conn.workgroupName ? { WorkgroupName: conn.workgroupName } : {}),
    ...(conn.secretArn ? { SecretArn: conn.secretArn } : {})
  })

  const operations: Record<string, (input: Record<string, unknown>, fault: FakeFault | undefined) => Promise<unknown>> = {
    async ExecuteStatement(input, fault) {
      const sql = str(input, 'Sql')
      if (!sql) throw new ApiError('ValidationException', 'Sql is required')
      if (Buffer.byteLength(sql) > 100 * 1024) throw new ApiError('ValidationException', 'Sql exceeds the 100 KB limit')
      if (input['Parameters'] !== undefined && (!Array.isArray(input['Parameters']) || input['Parameters'].length === 0)) {
        throw new ApiError('ValidationException', 'Parameters must contain at least 1 item')
      }
      const conn = connectionOf(input)
      return accepted(await submit('ExecuteStatement', conn, [sql], fault), conn)
    },
    async BatchExecuteStatement(input, fault) {
      const sqls = input['Sqls']
      if (!Array.isArray(sqls) || sqls.length < 1 || sqls.length > 40 || sqls.some((s) => typeof s !== 'string')) {
        throw new ApiError('ValidationException', 'Sqls must hold 1 to 40 SQL strings')
      }
      const mode = str(input, 'ExecutionMode') ?? 'TRANSACTION'
      if (mode !== 'TRANSACTION' && mode !== 'AUTO_COMMIT') throw new ApiError('ValidationException', `invalid ExecutionMode ${mode}`)
      const conn = connectionOf(input)
      return accepted(await submit('BatchExecuteStatement', conn, sqls as string[], fault, mode), conn)
    },
    async DescribeStatement(input, fault) {
      if (fault && 'delayMs' in fault) await sleep(fault.delayMs)
      const id = str(input, 'Id')
      const { state } = find(id)
      state.polls++
      const wait = input['WaitTimeSeconds']
      if (typeof wait === 'number' && wait > 0 && !isDone(state) && state.polls >= pollsToFinish) {
        // Long poll: wait for a slow statement, up to WaitTimeSeconds.
        await sleep(Math.max(0, Math.min(state.readyAt - Date.now(), wait * 1000)))
      }
      if (isDone(state)) await state.pending
      const { sub } = find(id)
      return describe(state, sub)
    },
    async GetStatementResult(input, fault) {
      if (fault && 'delayMs' in fault) await sleep(fault.delayMs)
      const id = str(input, 'Id')
      if (isDone(find(id).state)) await find(id).state.pending
      const { state, sub } = find(id)
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
          isCaseSensitive: c.typeName === 'varchar' || c.typeName === 'text' || c.typeName === 'name',
          isCurrency: false,
          isSigned: c.typeName === 'int8' || c.typeName === 'int4' || c.typeName === 'float8',
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
      // A slow statement has not run yet (see submit): it never will.
      state.cancelled = true
      state.recordAborted?.()
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
