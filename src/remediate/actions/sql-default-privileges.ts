/** Default privileges so tables created later in a source schema are readable by the Cargo user. */
import * as sql from '../sql.js'
import { sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import { schemaOf } from './sql-grant-source-select.js'
import type { RemediationAction } from './types.js'

export const sqlDefaultPrivileges: RemediationAction = {
  id: 'sql-default-privileges',
  options: { type: 'object', additionalProperties: false, properties: {} },
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    const user = ctx.params.dbUser
    for (const f of findings) {
      const schema = schemaOf(ctx, f)
      const missing = sqlBlocker(ctx, false)
      if (!schema) ctx.planner.addManual(f, 'the schema is not in the collected state')
      else if (!schema.exists) ctx.planner.addManual(f, `schema ${schema.database}.${schema.schema} does not exist`)
      else if (ctx.sql.user?.exists && schema.defaultSelect) ctx.planner.nothingToDo(f, 'default privileges cover new tables already; the rule fails for another reason')
      else if (missing) ctx.planner.addManual(f, missing)
      else {
        const where = `${schema.database}.${schema.schema}`
        ctx.sqlStep(
          {
            id: `sql-default-privileges:${where}`,
            action: 'sql-default-privileges',
            sql: sql.defaultSelectSql(schema.schema, user),
            database: schema.database,
            resource: `sql:schema/${where}`,
            description: `Make tables created later in ${where} readable by ${user}. Default privileges cover tables created by the Data API session's user; tables other users create need ALTER DEFAULT PRIVILEGES FOR USER <owner> by that owner or a superuser.`,
            dependsOn: [userStepId(ctx)]
          },
          [f]
        )
      }
    }
  }
}
