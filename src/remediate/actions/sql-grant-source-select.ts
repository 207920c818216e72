/** USAGE on each configured source schema and SELECT on its tables, for the Cargo user. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import type { Finding } from '../../evaluate/types.js'
import type { SqlSourceSchemaState } from '../../state/types.js'
import * as sql from '../sql.js'
import { sqlBlocker, userStepId } from './shared.js'
import { DATA_API_PERMISSIONS } from './sql-create-database.js'
import type { PlanContext, RemediationAction } from './types.js'

/** The source schema a per-schema finding speaks of. */
export function schemaOf(ctx: PlanContext, f: Finding): SqlSourceSchemaState | undefined {
  return (ctx.sql.sourceSchemas ?? []).find((x) => f.resource === `sql:schema/${x.database}.${x.schema}`)
}

function grant(ctx: PlanContext, f: Finding, schema: SqlSourceSchemaState): void {
  const user = ctx.params.target.dbUser
  const where = `${schema.database}.${schema.schema}`
  const lacking = schema.tables.filter((t) => !t.select).length
  if (!schema.usage) {
    ctx.sqlStep(
      {
        id: `sql-grant-schema-usage:${where}`,
        action: 'sql-grant-source-select',
        sql: sql.grantSchemaUsageSql(schema.schema, user),
        database: schema.database,
        resource: `sql:schema/${where}`,
        description: `Grant USAGE on schema ${where} to ${user}.`,
        dependsOn: [userStepId(ctx)]
      },
      [f]
    )
  }
  if (lacking > 0) {
    ctx.sqlStep(
      {
        id: `sql-grant-select:${where}`,
        action: 'sql-grant-source-select',
        sql: sql.grantSelectAllTablesSql(schema.schema, user),
        database: schema.database,
        resource: `sql:schema/${where}`,
        description: `Grant SELECT on every table of ${where} to ${user} (${lacking} table(s) lack it).`,
        dependsOn: [userStepId(ctx)]
      },
      [f]
    )
  }
  if (schema.usage && lacking === 0) ctx.planner.nothingToDo(f, 'USAGE and SELECT are held already; the rule fails for another reason')
}

export const sqlGrantSourceSelect: RemediationAction = {
  id: 'sql-grant-source-select',
  options: REMEDIATION_ACTION_OPTIONS['sql-grant-source-select'],
  permissions: [...DATA_API_PERMISSIONS],
  plan(ctx, findings) {
    for (const f of findings) {
      const schema = schemaOf(ctx, f)
      const missing = sqlBlocker(ctx, false)
      if (!schema) ctx.planner.addManual(f, 'the schema is not in the collected state')
      else if (!schema.exists) ctx.planner.addManual(f, `schema ${schema.database}.${schema.schema} does not exist; this tool never creates source schemas`)
      else if (missing) ctx.planner.addManual(f, missing)
      else grant(ctx, f, schema)
    }
  }
}
