/** Pieces several actions write their steps with. */
import type { PolicyDocument, PolicyStatement } from '../../state/types.js'
import { awsCli, POLICY_VERSION } from '../documents.js'
import type { PlanStep } from '../types.js'
import type { PlanContext } from './types.js'

export const CARGO_TAG = 'cargo-redshift-guard'

export function document(statements: PolicyStatement[]): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: statements }
}

export const json = (value: unknown) => JSON.stringify(value)

/** The API call and its CLI twin for attaching a managed policy to a role or a user. */
export function attachPolicy(entity: 'role' | 'user', name: string, policyArn: string): Pick<PlanStep, 'service' | 'operation' | 'request' | 'cli'> {
  const Entity = entity === 'role' ? 'Role' : 'User'
  return {
    service: 'iam' as const,
    operation: `Attach${Entity}Policy`,
    request: { [`${Entity}Name`]: name, PolicyArn: policyArn },
    cli: awsCli('iam', `attach-${entity}-policy`, [
      [`${entity}-name`, name],
      ['policy-arn', policyArn]
    ])
  }
}

export const NO_ROLE = 'the role does not exist and this plan does not create it (see iam-role-exists)'

export const noRedshift = (ctx: PlanContext) => `the Redshift ${ctx.target.kind} was not found`

/** The role as earlier actions left it: as read, or as this plan creates it. */
export function plannedRole(ctx: PlanContext): { name?: string; arn?: string; exists: boolean; step?: PlanStep } {
  return ctx.provided('role') ?? { exists: Boolean(ctx.state.iam.role) }
}

/**
 * Why a grant to the Cargo user cannot be planned: the user (and, for `database`, the database)
 * neither exists nor is created by this plan. undefined when nothing stands in the way.
 */
export function sqlBlocker(ctx: PlanContext, database: boolean): string | undefined {
  const userExists = ctx.provided('db-user')?.exists ?? ctx.sql.user?.exists === true
  const databaseExists = ctx.provided('database')?.exists ?? ctx.sql.database?.exists === true
  return !userExists
    ? `user ${ctx.params.target.dbUser} does not exist and this plan does not create it (see sql-user)`
    : database && !databaseExists
      ? `database ${ctx.params.target.database} does not exist and this plan does not create it (see sql-database)`
      : undefined
}

/** Ids of the steps that create the database and the user, when this plan creates them. */
export const userStepId = (ctx: PlanContext) => ctx.provided('db-user')?.step?.id
export const databaseStepId = (ctx: PlanContext) => ctx.provided('database')?.step?.id

/** A rule's `remediation.with`, as the engine filled it in. */
export function optionsOf<T>(f: { remediation: { with?: Record<string, unknown> } }): Partial<T> {
  return (f.remediation.with ?? {}) as Partial<T>
}
