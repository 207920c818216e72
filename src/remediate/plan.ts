/**
 * findings + state + parameters -> Plan. Pure: no I/O, no clock unless `now` is omitted.
 *
 * Only failing rules are planned for (and rules skipped because a failing prerequisite holds them
 * back: creating a missing role also settles its trust). A rule becomes steps only when the
 * `remediate` input names it (or says 'all'); every other failing rule lands in `manual` with the
 * reason. Every step is additive: documents are merged keeping each statement already there, a
 * namespace keeps its roles and default role, ingress is added for exactly Cargo's addresses, and
 * nothing is ever deleted, detached, revoked or narrowed. What each action adds is in ./actions/;
 * this runs them in the registry's order over one plan context.
 */
import { connectionRequest, dataApiConnection } from '../aws/data-api.js'
import type { Parameters } from '../config/parameters.js'
import { partitionOfArn } from '../state/arn.js'
import { targetOf } from '../state/target.js'
import type { Finding } from '../evaluate/types.js'
import type { AccountState } from '../state/types.js'
import { VERSION } from '../version.js'
import { ACTIONS, type PlanContext, type Provided } from './actions/index.js'
import type { SqlStepInput } from './actions/types.js'
import { stateDigest } from './digest.js'
import { Planner, type PlanInput } from './planner.js'
import { PLAN_VERSION, type Plan, type PlanStep, type PlanTarget } from './types.js'

export { allowedToFix, type PlanInput } from './planner.js'

export function planTarget(params: Pick<Parameters, 'target' | 'collect'>, state: AccountState): PlanTarget {
  const { kind, name } = targetOf(params.target, state)
  const accountId = state.source.accountId
  const namespaceName = state.redshift?.namespaceName
  return {
    kind,
    name: name ?? '',
    // Where apply acts: the region the inputs name, else the one the facts were read in.
    region: params.target.region ?? state.source.region ?? '',
    ...(accountId ? { accountId } : {}),
    partition: state.source.partition ?? partitionOfArn(params.target.cargoRoleArn ?? '') ?? 'aws',
    ...(namespaceName ? { namespaceName } : {}),
    // Where the Data API connects for SQL steps: exactly as the audit does.
    dataApi: dataApiConnection(params, params.collect.dataApiDatabase ?? state.redshift?.dbName ?? 'dev')
  }
}

/** One plan context over the planner: what actions read, add and provide to each other. */
function planContext(input: PlanInput, planner: Planner, target: PlanTarget): PlanContext {
  const { state, params } = input
  const provided = new Map<keyof Provided, unknown>()
  const add: PlanContext['add'] = (step, findings) => planner.add(step, findings)
  const sqlStep = (step: SqlStepInput, findings: Finding[]): PlanStep =>
    add(
      {
        id: step.id,
        action: step.action,
        service: 'redshift-data',
        operation: 'ExecuteStatement',
        request: { ...connectionRequest(target.dataApi), Database: step.database, Sql: step.sql },
        sql: step.sql,
        database: step.database,
        resource: step.resource,
        cli: `-- connected to database ${step.database}\n${step.sql};`,
        description: step.description,
        dependsOn: step.dependsOn ?? [],
        ...(step.needsPassword ? { needsPassword: true } : {})
      },
      findings
    )
  return {
    state,
    params,
    target,
    rules: input.rules,
    accountId: state.source.accountId ?? (state.iam.role?.arn ? state.iam.role.arn.split(':')[4] : undefined),
    planner,
    sql: state.sql ?? {},
    provide: (key, value) => void provided.set(key, value),
    provided: <K extends keyof Provided>(key: K) => provided.get(key) as Provided[K] | undefined,
    add,
    sqlStep
  }
}

/** Plans the additive changes that make the failing rules pass, in the order of the action registry. */
export function planRemediation(input: PlanInput): Plan {
  return planWithFixes(input).plan
}

/** The plan, and which of its steps fix which finding. */
export function planWithFixes(input: PlanInput): { plan: Plan; fixes: Map<Finding, PlanStep[]> } {
  const planner = new Planner(input)
  const target = planTarget(input.params, input.state)
  const ctx = planContext(input, planner, target)
  for (const action of ACTIONS) action.plan(ctx, planner.pending(action.id))
  planner.settle()
  const plan: Plan = {
    planVersion: PLAN_VERSION,
    createdAt: (input.now ?? new Date()).toISOString(),
    tool: { name: 'cargo-redshift-guard', version: VERSION },
    target,
    stateDigest: stateDigest(input.state),
    remediate: [...input.params.remediation.remediate],
    steps: planner.steps,
    manual: planner.manual
  }
  return { plan, fixes: planner.fixes }
}
