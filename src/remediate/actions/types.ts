/**
 * A remediation action: what a rule's `remediation.action` names. Like Cloud Custodian's action
 * classes, each declares the options its rule may give (`remediation.with`, checked when the rule
 * set loads against src/config/remediation-actions.ts, which the config layer owns) and the IAM
 * actions apply needs to carry its steps out.
 */
import type { RemediationActionId } from '../../config/remediation-actions.js'
import type { Rule } from '../../config/rule-set.types.js'
import type { Finding } from '../../evaluate/types.js'
import type { AccountState, SqlState } from '../../state/types.js'
import type { NewStep, PlanParameters, Planner } from '../planner.js'
import type { PlanStep, PlanTarget } from '../types.js'

/**
 * What one action makes available to the ones after it. `exists` says the thing is there already
 * or this plan creates it (`step`, which later steps then depend on).
 */
export interface Provided {
  /** The cross-account policy, as it is or as planned. */
  'cross-account-policy': { arn?: string; step?: PlanStep }
  /** Cargo's IAM role. */
  role: { name?: string; arn?: string; exists: boolean; step?: PlanStep }
  /** The Cargo database. */
  database: { exists: boolean; step?: PlanStep }
  /** The Cargo database user. */
  'db-user': { exists: boolean; step?: PlanStep }
  /** The function role, and its grant to the user. */
  'function-role': { createStep?: PlanStep; grantStep?: PlanStep }
}

export interface PlanContext {
  readonly state: AccountState
  readonly params: PlanParameters
  readonly target: PlanTarget
  readonly rules: Rule[] | undefined
  /** The account id, from the state or the role's ARN. */
  readonly accountId: string | undefined
  readonly planner: Planner
  /** Records a fact for the actions after this one. */
  provide<K extends keyof Provided>(key: K, value: Provided[K]): void
  /** A fact an earlier action provided; undefined when no earlier action ran. */
  provided<K extends keyof Provided>(key: K): Provided[K] | undefined
  /** Adds a step (see Planner.add). */
  add(step: NewStep, findings: Finding[]): PlanStep
  /** SQL steps run through the Data API the audit used. */
  sqlStep(step: SqlStepInput, findings: Finding[]): PlanStep
  /** The collected SQL facts ({} when none were read). */
  readonly sql: Partial<SqlState>
}

export interface SqlStepInput {
  id: string
  action: string
  sql: string
  database: string
  resource: string
  description: string
  dependsOn?: Array<string | undefined>
  needsPassword?: boolean
}

export interface RemediationAction {
  /** The id a rule's `remediation.action` names; also the `action` of the steps it plans. */
  readonly id: RemediationActionId
  /** JSON Schema of the rule's `remediation.with` (an object), from the rule language's catalogue. */
  readonly options: Record<string, unknown>
  /** IAM actions apply needs for its steps (each is in policies/permissions/remediate.json). */
  readonly permissions: readonly string[]
  /** Plans the steps (or manual entries) for the open findings naming this action. */
  plan(ctx: PlanContext, findings: Finding[]): void
}
