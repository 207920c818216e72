/** The Cargo database user (never a superuser), with the password given only at apply time. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import type { PlanStep } from '../types.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { RemediationAction } from './types.js'

export const sqlCreateUser: RemediationAction = {
  id: 'sql-create-user',
  options: REMEDIATION_ACTION_OPTIONS['sql-create-user'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    let step: PlanStep | undefined
    for (const f of findings.slice(0, 1)) {
      if (ctx.sql.user?.exists) {
        ctx.planner.addManual(f, `user ${params.target.dbUser} is a superuser; this tool never narrows privileges (ALTER USER ${params.target.dbUser} NOCREATEUSER by hand, if that is intended)`)
      } else if (params.remediation.dbUserPassword === undefined) {
        ctx.planner.addManual(f, 'no db-user-password was given, so apply does not create the user (pass it as a secret; it is never written to the plan)')
      } else {
        step = ctx.sqlStep(
          {
            id: 'sql-create-user',
            action: 'sql-create-user',
            sql: sql.createUserSql(params.target.dbUser),
            database: ctx.target.dataApi.database,
            resource: `sql:user/${params.target.dbUser}`,
            description: `Create the database user ${params.target.dbUser} (not a superuser) with the password given in db-user-password.`,
            needsPassword: true
          },
          [f]
        )
      }
    }
    ctx.provide('db-user', { exists: ctx.sql.user?.exists === true || step !== undefined, ...(step ? { step } : {}) })
  }
}
