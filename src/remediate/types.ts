/**
 * The remediation plan: an ordered list of additive changes that make failing rules pass,
 * and the fixes left to a person. Plain JSON, so that it can be written to a file, reviewed,
 * and applied later exactly as reviewed. It never holds a secret: the database password
 * appears as the placeholder `<db-user-password>` and is filled in only while applying.
 */
import type { DataApiConnection } from '../aws/data-api.js'
import type { CollectionCause } from '../state/types.js'

export const PLAN_VERSION = 1

/** Stands for the Cargo DB user's password in a plan; never the value itself. */
export const PASSWORD_PLACEHOLDER = '<db-user-password>'

export type StepService = 'iam' | 'ec2' | 'redshift' | 'redshift-serverless' | 'redshift-data'

/** What the plan is for: a plan made for one account and workgroup is refused for any other. */
export interface PlanTarget {
  kind: 'workgroup' | 'cluster'
  name: string
  region: string
  accountId?: string
  partition: string
  /** Serverless: the workgroup's namespace. */
  namespaceName?: string
  /** How the Data API connects for SQL steps: the same way the audit reads the catalogue. */
  dataApi: DataApiConnection
}

/**
 * The fresh-read merge an apply performs for steps that replace a whole document or list
 * (UpdateAssumeRolePolicy, CreatePolicyVersion, UpdateNamespace): just before the call the
 * resource is read again and only these additions are laid over what is there now, so a
 * change made meanwhile by someone else is kept, never overwritten.
 */
export type StepMerge =
  | { kind: 'statements'; add: Record<string, unknown>[] }
  | { kind: 'roles'; add: string[]; defaultIfNone: string }

export interface PlanStep {
  /** Stable and unique within the plan, e.g. `create-role`, `authorize-cargo-ingress:3.1.2.3/32`. */
  id: string
  /** The rules this step makes pass (or helps to). */
  ruleIds: string[]
  /** The rule set's remediation action id, e.g. `merge-trust-statement`. */
  action: string
  service: StepService
  /** The API operation, e.g. `CreateRole`; `ExecuteStatement` for SQL. */
  operation: string
  /**
   * The API parameters. Policy documents appear as objects (apply sends them as JSON text);
   * a SQL step's request is its Data API call, with the SQL text as in `sql`.
   */
  request: Record<string, unknown>
  /** SQL steps: the single statement, identifiers quoted; the password as `<db-user-password>`. */
  sql?: string
  /** SQL steps: the database the statement runs in. */
  database?: string
  /** What the step creates or changes: an ARN, `sg-…`, `sql:role/…`. */
  resource: string
  /** The same change by hand: an `aws …` command, or the SQL to run. */
  cli: string
  /** One or two sentences for the reviewer. */
  description: string
  /** Ids of earlier steps this one needs. */
  dependsOn: string[]
  /** Replace-type steps: what apply lays over a fresh read (see StepMerge). */
  merge?: StepMerge
  /** The step needs the db-user-password input when applied. */
  needsPassword?: boolean
}

/** A failing rule that the plan does not fix, and why. */
export interface ManualEntry {
  ruleId: string
  resource: string
  /** Why there is no step: not in `remediate`, no safe automatic fix, a missing input, ... */
  reason: string
  /** What a person can do (Markdown / SQL / CLI), when known. */
  instructions?: string
}

export interface Plan {
  planVersion: typeof PLAN_VERSION
  createdAt: string
  tool: { name: 'cargo-redshift-guard'; version: string }
  target: PlanTarget
  /**
   * sha256 (hex) of the canonical JSON of the parts of the account state the steps depend on
   * (volatile fields such as collectedAt, key ages and last use left out). Apply of a plan file
   * re-reads the account and refuses when this has changed.
   */
  stateDigest: string
  /** The rules apply was allowed to fix when the plan was made ('all' or ids). */
  remediate: string[]
  steps: PlanStep[]
  manual: ManualEntry[]
}

// ---------------------------------------------------------------------------------------------
// Applying

export type StepResult = 'changed' | 'already-done'

export interface StepOutcome {
  step: PlanStep
  result: StepResult
  /** What was done, for the log: 'created role cargo-redshift', 'already associated', ... */
  detail: string
}

export interface StepFailure {
  step: PlanStep
  cause: CollectionCause
  /** One sentence a person can act on. */
  message: string
}

/** A step apply did not run, and why: a dependency failed or was held, or the account changed under it. */
export interface HeldStep {
  step: PlanStep
  reason: string
}

export interface ApplyResult {
  done: StepOutcome[]
  /** The first step that failed (the others are in `failures`). */
  failed?: StepFailure
  /** Every step that failed; apply goes on with the steps that do not depend on them. */
  failures: StepFailure[]
  /** Steps not run (see `held` for why): a rerun of apply makes them once the cause is fixed. */
  notRun: PlanStep[]
  held: HeldStep[]
  /** Steps that changed the account (already-done ones are not counted). */
  changes: number
}

/** Progress of an apply, reported as it happens. */
export type ApplyEvent =
  | { kind: 'start'; step: PlanStep; index: number; total: number }
  | { kind: 'done'; outcome: StepOutcome; index: number; total: number }
  | { kind: 'failed'; failure: StepFailure; index: number; total: number }
  | { kind: 'held'; held: HeldStep; index: number; total: number }
  | { kind: 'wait'; step: PlanStep; message: string }
