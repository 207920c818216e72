/**
 * Running one SQL statement through the Redshift Data API (ExecuteStatement, DescribeStatement with
 * backoff, every page of GetStatementResult). Shared by the SQL collector, remediation and doctor.
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
import type { CollectionCause } from '../../state/types.js'
import { CollectionError, type CollectContext } from '../types.js'
import { causeOf, isAccessDenied, TIMED_OUT_MESSAGE } from './errors.js'

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

export const SERVICE = 'redshift-data'
/** Long-poll each DescribeStatement for up to this long (the SDK model has WaitTimeSeconds, 1-30). */
const DESCRIBE_WAIT_SECONDS = 2
const FIRST_POLL_MS = 50
const MAX_POLL_MS = 1000

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

