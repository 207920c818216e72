/** Default privileges so tables created later in a source schema are readable by the Cargo user. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import * as sql from '../sql.js'
import { sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import { schemaOf } from './sql-grant-source-select.js'
import type { RemediationAction } from './types.js'

export const sqlDefaultPrivileges: RemediationAction = {
  id: 'sql-default-privileges',
  options: REMEDIATION_ACTION_OPTIONS['sql-default-privileges'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const user = ctx.params.target.dbUser
    for (const f of findings) {
      const schema = schemaOf(ctx, f)
      const missing = sqlBlocker(ctx, false)
      const uncovered = schema?.uncoveredOwners ?? []
      if (!schema) ctx.planner.addManual(f, 'the schema is not in the collected state')
      else if (!schema.exists) ctx.planner.addManual(f, `schema ${schema.database}.${schema.schema} does not exist`)
      else if (schema.uncoveredOwners === undefined && !schema.defaultSelect) {
        ctx.planner.addManual(f, `the owners of future tables in ${schema.database}.${schema.schema} are not in the state; run ALTER DEFAULT PRIVILEGES FOR USER <owner> IN SCHEMA ${schema.schema} GRANT SELECT ON TABLES TO ${user} for each`)
      } else if (ctx.sql.user?.exists && (schema.defaultSelect || uncovered.length === 0)) {
        ctx.planner.nothingToDo(f, 'default privileges cover the owners of new tables already; the rule fails for another reason')
      } else if (missing) ctx.planner.addManual(f, missing)
      else {
        const where = `${schema.database}.${schema.schema}`
        // Default privileges apply only to objects created by the owner they name (r_ALTER_DEFAULT_PRIVILEGES).
        for (const owner of uncovered) {
          ctx.sqlStep(
            {
              id: `sql-default-privileges:${where}:${owner}`,
              action: 'sql-default-privileges',
              sql: sql.defaultSelectSql(owner, schema.schema, user),
              database: schema.database,
              resource: `sql:schema/${where}`,
              description: `Make tables ${owner} creates later in ${where} readable by ${user} (default privileges FOR USER ${owner}; needs a superuser session or ${owner} itself).`,
              dependsOn: [userStepId(ctx)]
            },
            [f]
          )
        }
      }
    }
  }
}
