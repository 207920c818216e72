/** USAGE ON LANGUAGE exfunc for the Cargo user, in the Cargo database (language privileges are per database). */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import { databaseStepId, sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { RemediationAction } from './types.js'

export const sqlGrantExfunc: RemediationAction = {
  id: 'sql-grant-exfunc',
  options: REMEDIATION_ACTION_OPTIONS['sql-grant-exfunc'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    for (const f of findings.slice(0, 1)) {
      const missing = sqlBlocker(ctx, true)
      if (ctx.sql.user?.exists && ctx.sql.exfuncUsage === true) ctx.planner.nothingToDo(f, 'the user may use exfunc already; the rule fails for another reason')
      else if (missing) ctx.planner.addManual(f, missing)
      else {
        ctx.sqlStep(
          {
            id: 'sql-grant-exfunc',
            action: 'sql-grant-exfunc',
            sql: sql.grantExfuncSql(params.target.dbUser),
            database: params.target.database,
            resource: `sql:database/${params.target.database}`,
            description: `Grant USAGE ON LANGUAGE exfunc to ${params.target.dbUser}, in database ${params.target.database} (language privileges are per database).`,
            dependsOn: [databaseStepId(ctx), userStepId(ctx)]
          },
          [f]
        )
      }
    }
  }
}
