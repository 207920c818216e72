/** The Cargo database, created on its own (CREATE DATABASE cannot run inside a transaction). */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import type { PlanStep } from '../types.js'
import type { RemediationAction } from './types.js'

export const DATA_API_PERMISSIONS = [
  'redshift-data:ExecuteStatement',
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult'
] as const

export const sqlCreateDatabase: RemediationAction = {
  id: 'sql-create-database',
  options: REMEDIATION_ACTION_OPTIONS['sql-create-database'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    const dataApi = ctx.target.dataApi
    let step: PlanStep | undefined
    for (const f of findings.slice(0, 1)) {
      if (dataApi.database === params.target.database) {
        ctx.planner.addManual(f, `the Data API connects to ${params.target.database} itself, which does not exist; set data-api-database to another database (e.g. dev)`)
      } else {
        step = ctx.sqlStep(
          {
            id: 'sql-create-database',
            action: 'sql-create-database',
            sql: sql.createDatabaseSql(params.target.database),
            database: dataApi.database,
            resource: `sql:database/${params.target.database}`,
            description: `Create the database ${params.target.database}, on its own (CREATE DATABASE cannot run inside a transaction).`
          },
          [f]
        )
      }
    }
    ctx.provide('database', { exists: ctx.sql.database?.exists === true || step !== undefined, ...(step ? { step } : {}) })
  }
}
