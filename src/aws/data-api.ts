/**
 * Running one SQL statement through the Redshift Data API (ExecuteStatement, DescribeStatement with
 * backoff, every page of GetStatementResult), and the one description of where it connects. Shared
 * by the SQL collector, remediation and doctor.
 */
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient
} from '@aws-sdk/client-redshift-data'
import { targetOf, type TargetNames } from '../state/target.js'
import type { CollectionCause } from '../state/types.js'
import type { AwsCaller } from './call.js'
import { AwsCallError, causeOf, isAccessDenied, TIMED_OUT_MESSAGE } from './errors.js'

/**
 * Where and as whom the Data API runs statements: the audit's catalogue reads and remediation's
 * SQL steps connect the same way (a plan carries it as `target.dataApi`).
 */
export interface DataApiConnection {
  workgroupName?: string
  clusterIdentifier?: string
  secretArn?: string
  dbUser?: string
  /** The database account-wide statements run in (catalogue reads; CREATE DATABASE, CREATE USER, ...). */
  database: string
}

/** The inputs that say where the Data API connects: the target, and the collect parameters' session. */
export interface DataApiSettings {
  target: TargetNames
  collect: { dataApiSecretArn?: string | undefined; dataApiDbUser?: string | undefined }
}

/** The connection the settings describe, to `database`: built here only, for the audit and for remediation alike. */
export function dataApiConnection(settings: DataApiSettings, database: string): DataApiConnection {
  const named = targetOf(settings.target).named
  const { dataApiSecretArn, dataApiDbUser } = settings.collect
  return {
    ...(named?.kind === 'workgroup' ? { workgroupName: named.name } : {}),
    ...(named?.kind === 'cluster' ? { clusterIdentifier: named.name } : {}),
    ...(dataApiSecretArn ? { secretArn: dataApiSecretArn } : {}),
    ...(dataApiDbUser ? { dbUser: dataApiDbUser } : {}),
    database
  }
}

/** The connection's fields as ExecuteStatement names them (the database aside: each statement names its own). */
export function connectionRequest(c: DataApiConnection): Record<string, string> {
  return {
    ...(c.workgroupName ? { WorkgroupName: c.workgroupName } : {}),
    ...(c.clusterIdentifier ? { ClusterIdentifier: c.clusterIdentifier } : {}),
    ...(c.secretArn ? { SecretArn: c.secretArn } : {}),
    ...(c.dbUser ? { DbUser: c.dbUser } : {})
  }
}

export type Cell = string | number | boolean | null
export interface SqlResult {
  columns: string[]
  rows: Record<string, Cell>[]
}

export const SERVICE = 'redshift-data'
/** Long-poll each DescribeStatement for up to this long (the SDK model has WaitTimeSeconds, 1-30). */
const DESCRIBE_WAIT_SECONDS = 2
const FIRST_POLL_MS = 50
const MAX_POLL_MS = 1000

/** The IAM action behind a failure to obtain database credentials, when the message points there. */
function credentialsAction(message: string, target: DataApiConnection, denied: boolean): string | undefined {
  if (/GetClusterCredentialsWithIAM/.test(message)) return 'redshift:GetClusterCredentialsWithIAM'
  if (/GetClusterCredentials/.test(message)) return 'redshift:GetClusterCredentials'
  if (/GetCredentials/.test(message)) return 'redshift-serverless:GetCredentials'
  if (/GetSecretValue/.test(message)) return 'secretsmanager:GetSecretValue'
  if (!denied || !/credential|secret/i.test(message)) return undefined
  if (target.secretArn !== undefined) return 'secretsmanager:GetSecretValue'
  if (target.workgroupName !== undefined) return 'redshift-serverless:GetCredentials'
  return target.dbUser !== undefined ? 'redshift:GetClusterCredentials' : 'redshift:GetClusterCredentialsWithIAM'
}

function dataApiCause(operation: string, err: unknown, target: DataApiConnection): CollectionCause {
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
 * step, a FAILED or ABORTED statement, or running past `deadline` (epoch ms; without one, the
 * caller's own deadline ends it) throws an AwsCallError.
 */
export async function runSql(
  aws: AwsCaller,
  client: RedshiftDataClient,
  target: DataApiConnection,
  database: string,
  sql: string,
  deadline = Number.POSITIVE_INFINITY
): Promise<SqlResult> {
  let operation = 'ExecuteStatement'
  let id: string | undefined
  try {
    const started = await aws.call(SERVICE, operation, (signal) =>
      client.send(new ExecuteStatementCommand({ Sql: sql, Database: database, ...connectionRequest(target) }), { abortSignal: signal })
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
      described = await aws.call(SERVICE, operation, (signal) =>
        client.send(new DescribeStatementCommand({ Id: statementId, ...(wait >= 1 ? { WaitTimeSeconds: wait } : {}) }), {
          abortSignal: signal
        })
      )
      const status = described.Status
      if (status === 'FINISHED' || status === 'FAILED' || status === 'ABORTED') break
      if (Date.now() + delay > deadline) {
        await cancel(aws, client, statementId)
        throw new AwsCallError({ service: SERVICE, operation, code: 'TimeoutError', message: TIMED_OUT_MESSAGE })
      }
      await sleep(delay)
      delay = Math.min(delay * 2, MAX_POLL_MS)
    }
    if (described.Status !== 'FINISHED') {
      const failed = described.Status === 'FAILED'
      throw new AwsCallError({
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
      const page = await aws.call(SERVICE, operation, (signal) =>
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
    throw new AwsCallError(dataApiCause(operation, err, target))
  }
}

/** Best effort: a statement we stop waiting for should not keep running. */
async function cancel(aws: AwsCaller, client: RedshiftDataClient, id: string): Promise<void> {
  try {
    await aws.call(SERVICE, 'CancelStatement', (signal) => client.send(new CancelStatementCommand({ Id: id }), { abortSignal: signal }))
  } catch {
    // The deadline may already have passed; the statement then ends on its own.
  }
}

