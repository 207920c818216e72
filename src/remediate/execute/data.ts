/**
 * SQL steps through the Redshift Data API: one statement per ExecuteStatement call, so CREATE
 * DATABASE never sits in a transaction block. An 'already exists' answer is done once a catalogue
 * read confirms it. The password is put in only here and scrubbed from any error.
 */
import { runSql, type DataApiTarget } from '../../collect/aws/sql.js'
import { CollectionError } from '../../collect/types.js'
import * as sql from '../sql.js'
import type { PlanStep } from '../types.js'
import { alreadyDone, changed, failure, messageOf, type ExecContext, type Executor } from './context.js'

function target(x: ExecContext, database: string): DataApiTarget {
  const c = x.plan.target.dataApi
  return {
    ...(c.workgroupName ? { workgroupName: c.workgroupName } : {}),
    ...(c.clusterIdentifier ? { clusterIdentifier: c.clusterIdentifier } : {}),
    ...(c.secretArn ? { secretArn: c.secretArn } : {}),
    ...(c.dbUser ? { dbUser: c.dbUser } : {}),
    database
  }
}

/** The catalogue check that confirms an 'already exists' answer, per kind of CREATE. */
function existenceCheck(step: PlanStep, x: ExecContext): string | undefined {
  const p = x.params
  if (step.action === 'sql-create-database') return sql.databaseExistsSql(p.database)
  if (step.action === 'sql-create-user') return sql.userExistsSql(p.dbUser)
  if (step.id === 'sql-create-function-role') return sql.roleExistsSql(p.functionRole)
  return undefined
}

function scrub(err: unknown, secret: string | undefined): unknown {
  if (!secret || !(err instanceof CollectionError) || !err.cause.message.includes(secret)) return err
  return new CollectionError({ ...err.cause, message: err.cause.message.split(secret).join('***') })
}

export const dataExecutors: Record<string, Executor> = {
  async ExecuteStatement(step, x) {
    if (typeof step.sql !== 'string' || typeof step.database !== 'string') {
      throw failure('redshift-data', 'ExecuteStatement', 'InvalidPlan', `step ${step.id} has no sql or database`)
    }
    let text = step.sql
    const password = step.needsPassword ? x.params.dbUserPassword : undefined
    if (step.needsPassword) {
      if (password === undefined) {
        throw failure('redshift-data', 'ExecuteStatement', 'MissingPassword', `step ${step.id} creates the DB user: give the db-user-password input`)
      }
      text = sql.fillPassword(text, password)
    }
    try {
      await runSql(x.ctx, x.clients.data, target(x, step.database), step.database, text)
      return changed(`ran in ${step.database}: ${step.sql}`)
    } catch (err) {
      const clean = scrub(err, password)
      const check = existenceCheck(step, x)
      if (!check || !/already exists/i.test(messageOf(clean))) throw clean
      const found = await runSql(x.ctx, x.clients.data, target(x, x.plan.target.dataApi.database), x.plan.target.dataApi.database, check)
      if (found.rows.length === 0) throw clean
      return alreadyDone(`${step.resource} exists already`)
    }
  }
}
