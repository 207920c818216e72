/**
 * SQL steps through the Redshift Data API: one statement per ExecuteStatement call, so CREATE
 * DATABASE never sits in a transaction block. An 'already exists' answer is done once a catalogue
 * read confirms it. The password is put in only here and scrubbed from any error.
 */
import { runSql, type DataApiConnection } from '../../aws/data-api.js'
import { AwsCallError } from '../../aws/errors.js'
import * as sql from '../sql.js'
import type { PlanStep } from '../types.js'
import { alreadyDone, changed, failure, messageOf, type ExecContext, type Executor } from './context.js'

/** The connection exactly as the step's request names it (what the reviewer saw). */
function target(step: PlanStep): DataApiConnection {
  const r = step.request
  const text = (key: string): string | undefined => (typeof r[key] === 'string' && r[key] !== '' ? (r[key] as string) : undefined)
  const workgroupName = text('WorkgroupName')
  const clusterIdentifier = text('ClusterIdentifier')
  const secretArn = text('SecretArn')
  const dbUser = text('DbUser')
  const database = text('Database')
  if ((!workgroupName && !clusterIdentifier) || database !== step.database || r['Sql'] !== step.sql) {
    throw failure('redshift-data', 'ExecuteStatement', 'InvalidPlan', `step ${step.id}: the request must name the workgroup or cluster, and the step's database and SQL`)
  }
  return {
    ...(workgroupName ? { workgroupName } : {}),
    ...(clusterIdentifier ? { clusterIdentifier } : {}),
    ...(secretArn ? { secretArn } : {}),
    ...(dbUser ? { dbUser } : {}),
    database: step.database as string
  }
}

/** The catalogue check that confirms an 'already exists' answer, per kind of CREATE. */
function existenceCheck(step: PlanStep, x: ExecContext): string | undefined {
  const p = x.params
  if (step.action === 'sql-create-database') return sql.databaseExistsSql(p.target.database)
  if (step.action === 'sql-create-user') return sql.userExistsSql(p.target.dbUser)
  if (step.id === 'sql-create-function-role') return sql.roleExistsSql(p.target.functionRole)
  return undefined
}

function scrub(err: unknown, secret: string | undefined): unknown {
  if (!secret || !(err instanceof AwsCallError) || !err.cause.message.includes(secret)) return err
  return new AwsCallError({ ...err.cause, message: err.cause.message.split(secret).join('***') })
}

export const dataExecutors: Record<string, Executor> = {
  async ExecuteStatement(step, x) {
    if (typeof step.sql !== 'string' || typeof step.database !== 'string') {
      throw failure('redshift-data', 'ExecuteStatement', 'InvalidPlan', `step ${step.id} has no sql or database`)
    }
    let text = step.sql
    const password = step.needsPassword ? x.params.remediation.dbUserPassword : undefined
    if (step.needsPassword) {
      if (password === undefined) {
        throw failure('redshift-data', 'ExecuteStatement', 'MissingPassword', `step ${step.id} creates the DB user: give the db-user-password input`)
      }
      text = sql.fillPassword(text, password)
    }
    const connection = target(step)
    // Each statement, and the check after it, gets the audit's timeout of its own.
    const deadline = () => Date.now() + x.params.collect.timeoutSeconds * 1000
    try {
      await runSql(x, x.clients.data, connection, step.database, text, deadline())
      return changed(`ran in ${step.database}: ${step.sql}`)
    } catch (err) {
      const clean = scrub(err, password)
      const check = existenceCheck(step, x)
      if (!check || !/already exists/i.test(messageOf(clean))) throw clean
      const found = await runSql(x, x.clients.data, connection, step.database, check, deadline())
      if (found.rows.length === 0) throw clean
      return alreadyDone(`${step.resource} exists already`)
    }
  }
}
