/** The function role: created, given CREATE OR REPLACE FUNCTION, and granted to the Cargo user. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import type { PlanStep } from '../types.js'
import { sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { RemediationAction } from './types.js'

const FUNCTION_PRIVILEGE = 'CREATE OR REPLACE FUNCTION'

export const sqlFunctionRole: RemediationAction = {
  id: 'sql-function-role',
  options: REMEDIATION_ACTION_OPTIONS['sql-function-role'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const { params } = ctx
    const database = ctx.target.dataApi.database
    const name = params.target.functionRole
    for (const f of findings.slice(0, 1)) {
      const role = ctx.sql.functionRole
      if (!role) {
        ctx.planner.addManual(f, 'the function role was not read')
        continue
      }
      if (role.exists && role.systemPrivileges.includes(FUNCTION_PRIVILEGE) && role.grantedToUser) {
        ctx.planner.nothingToDo(f, 'the role exists, holds the privilege and is granted; the rule fails for another reason')
        continue
      }
      let createStep: PlanStep | undefined
      let grantStep: PlanStep | undefined
      if (!role.exists) {
        createStep = ctx.sqlStep(
          { id: 'sql-create-function-role', action: 'sql-function-role', sql: sql.createRoleSql(name), database, resource: `sql:role/${name}`, description: `Create the role ${name}.` },
          [f]
        )
      }
      if (!role.exists || !role.systemPrivileges.includes(FUNCTION_PRIVILEGE)) {
        ctx.sqlStep(
          {
            id: 'sql-grant-function-privilege',
            action: 'sql-function-role',
            sql: sql.grantFunctionPrivilegeSql(name),
            database,
            resource: `sql:role/${name}`,
            description: `Grant CREATE OR REPLACE FUNCTION to the role ${name}.`,
            dependsOn: [createStep?.id]
          },
          [f]
        )
      }
      if (!role.exists || !role.grantedToUser) {
        const missing = sqlBlocker(ctx, false)
        if (missing) ctx.planner.addManual(f, `the role cannot be granted: ${missing}`)
        else {
          grantStep = ctx.sqlStep(
            {
              id: 'sql-grant-function-role',
              action: 'sql-function-role',
              sql: sql.grantRoleSql(name, params.target.dbUser),
              database,
              resource: `sql:role/${name}`,
              description: `Grant the role ${name} to ${params.target.dbUser}.`,
              dependsOn: [createStep?.id, userStepId(ctx)]
            },
            [f]
          )
        }
      }
      ctx.provide('function-role', { ...(createStep ? { createStep } : {}), ...(grantStep ? { grantStep } : {}) })
    }
  }
}
