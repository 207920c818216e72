/** ALL (CREATE and TEMP) on the Cargo database for the Cargo user. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import { databaseStepId, sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { RemediationAction } from './types.js'

export const sqlGrantDatabase: RemediationAction = {
  id: 'sql-grant-database',
  options: REMEDIATION_ACTION_OPTIONS['sql-grant-database'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    for (const f of findings.slice(0, 1)) {
      const missing = sqlBlocker(ctx, true)
      const held = ctx.sql.databasePrivileges ?? []
      if (ctx.sql.user?.exists && held.includes('CREATE') && (held.includes('TEMP') || held.includes('TEMPORARY'))) {
        ctx.planner.nothingToDo(f, 'the user holds CREATE and TEMP already; the rule fails for another reason')
      } else if (missing) ctx.planner.addManual(f, missing)
      else {
        ctx.sqlStep(
          {
            id: 'sql-grant-database',
            action: 'sql-grant-database',
            sql: sql.grantDatabaseSql(params.target.database, params.target.dbUser),
            database: ctx.target.dataApi.database,
            resource: `sql:database/${params.target.database}`,
            description: `Grant ALL on database ${params.target.database} to ${params.target.dbUser} (CREATE and TEMP).`,
            dependsOn: [databaseStepId(ctx), userStepId(ctx)]
          },
          [f]
        )
      }
    }
  }
}
