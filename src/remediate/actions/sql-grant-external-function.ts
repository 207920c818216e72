/** CREATE OR REPLACE EXTERNAL FUNCTION (for Lambda UDFs) on the function role the Cargo user holds. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import { sqlBlocker } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { RemediationAction } from './types.js'

export const sqlGrantExternalFunction: RemediationAction = {
  id: 'sql-grant-external-function',
  options: REMEDIATION_ACTION_OPTIONS['sql-grant-external-function'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    const name = params.target.functionRole
    // The function role as sql-function-role leaves it: created and granted by this plan, or already so.
    const { createStep, grantStep } = ctx.provided('function-role') ?? {}
    for (const f of findings.slice(0, 1)) {
      const role = ctx.sql.functionRole
      const missing = sqlBlocker(ctx, false)
      if (ctx.sql.externalFunction?.allowed === true) ctx.planner.nothingToDo(f, 'the user may create external functions already; the rule fails for another reason')
      else if (!(role?.exists || createStep) || !(role?.grantedToUser || grantStep)) {
        ctx.planner.addManual(f, `the function role ${name} must exist and be granted to ${params.target.dbUser} first (see sql-function-role)`)
      } else if (missing) ctx.planner.addManual(f, missing)
      else {
        ctx.sqlStep(
          {
            id: 'sql-grant-external-function',
            action: 'sql-grant-external-function',
            sql: sql.grantExternalFunctionPrivilegeSql(name),
            database: ctx.target.dataApi.database,
            resource: `sql:user/${params.target.dbUser}`,
            description: `Grant CREATE OR REPLACE EXTERNAL FUNCTION to the role ${name}, which ${params.target.dbUser} holds (Lambda UDFs need it).`,
            dependsOn: [createStep?.id, grantStep?.id]
          },
          [f]
        )
      }
    }
  }
}
