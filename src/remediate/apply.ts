/**
 * Applies a plan step by step, in order, reporting each change as it happens. A step whose
 * change is already there (EntityAlreadyExists, InvalidPermission.Duplicate, 'already exists',
 * or a fresh read showing it) counts as done, not as a change. A failed step holds back only the
 * steps that depend on it (dependsOn, transitively); the others still run. The result says what
 * was done, what failed and what did not run and why, and a rerun makes the rest.
 */
import { causeFrom, createAwsCaller } from '../aws/call.js'
import type { AwsClients } from '../aws/clients.js'
import type { Parameters } from '../config/parameters.js'
import { describeCause } from '../evaluate/engine.js'
import { DEFAULT_POLL, type ExecContext, type Executor, type PollOptions } from './execute/context.js'
import { dataExecutors } from './execute/data.js'
import { ec2Executors } from './execute/ec2.js'
import { iamExecutors } from './execute/iam.js'
import { redshiftExecutors } from './execute/redshift.js'
import {
  PLAN_VERSION,
  type ApplyEvent,
  type ApplyResult,
  type HeldStep,
  type Plan,
  type PlanStep,
  type StepFailure,
  type StepOutcome
} from './types.js'

export type { PollOptions } from './execute/context.js'

const EXECUTORS: Record<string, Executor> = {
  ...Object.fromEntries(Object.entries(iamExecutors).map(([op, fn]) => [`iam:${op}`, fn])),
  ...Object.fromEntries(Object.entries(ec2Executors).map(([op, fn]) => [`ec2:${op}`, fn])),
  ...redshiftExecutors,
  ...Object.fromEntries(Object.entries(dataExecutors).map(([op, fn]) => [`redshift-data:${op}`, fn]))
}

/** A plan file that cannot be applied as it is. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlanError'
  }
}

/** The operations apply knows how to make, as `service:Operation`. */
export const KNOWN_OPERATIONS = Object.keys(EXECUTORS).sort()

/** Checks a plan's shape (a file may come from anywhere): version, unique ids, known operations, dependencies earlier. */
export function validatePlan(value: unknown): Plan {
  const fail = (message: string): never => {
    throw new PlanError(message)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the plan is not a JSON object')
  const plan = value as Partial<Plan>
  if (plan.planVersion !== PLAN_VERSION) fail(`planVersion is ${JSON.stringify(plan.planVersion)}; this version applies planVersion ${PLAN_VERSION}`)
  if (typeof plan.stateDigest !== 'string' || !/^[0-9a-f]{64}$/.test(plan.stateDigest)) fail('stateDigest is missing or not a sha256')
  const t = plan.target
  if (!t || typeof t.name !== 'string' || typeof t.region !== 'string' || (t.kind !== 'workgroup' && t.kind !== 'cluster') || typeof t.dataApi?.database !== 'string') {
    fail('target is missing or incomplete')
  }
  if (!Array.isArray(plan.steps) || !Array.isArray(plan.manual) || !Array.isArray(plan.remediate)) fail('steps, manual and remediate must be lists')
  const seen = new Set<string>()
  for (const [i, step] of (plan.steps as unknown[]).entries()) {
    const s = step as Partial<PlanStep>
    const where = `step ${i + 1}${typeof s?.id === 'string' ? ` (${s.id})` : ''}`
    if (typeof s !== 'object' || s === null || typeof s.id !== 'string') fail(`${where}: not a step`)
    if (seen.has(s.id as string)) fail(`${where}: the id is used twice`)
    if (typeof s.request !== 'object' || s.request === null) fail(`${where}: request is missing`)
    if (!Array.isArray(s.dependsOn) || s.dependsOn.some((d) => !seen.has(d))) fail(`${where}: dependsOn must name earlier steps`)
    if (!EXECUTORS[`${s.service}:${s.operation}`]) fail(`${where}: ${s.service}:${s.operation} is not an operation apply makes`)
    seen.add(s.id as string)
  }
  return plan as Plan
}

export interface ApplyOptions {
  params: Pick<Parameters, 'target' | 'collect' | 'remediation'>
  clients: AwsClients
  /** Told of every step as it starts, ends or waits. */
  onEvent?: (event: ApplyEvent) => void
  poll?: Partial<PollOptions>
  /** Overall time limit for the apply; default 15 minutes or the timeout input, whichever is longer. */
  timeoutMs?: number
  sleep?: (ms: number) => Promise<void>
  /**
   * Steps settled before applying (a resumed plan file, see resume.ts): 'done' ones are reported
   * as in place without a call, 'held' ones are not run, nor is anything that depends on them.
   */
  settled?: ReadonlyMap<string, SettledStep>
}

export type SettledStep = { kind: 'done'; detail: string } | { kind: 'held'; reason: string }

function failureMessage(step: PlanStep, cause: StepFailure['cause']): string {
  return `${step.id}: ${describeCause(cause)}${cause.iamAction ? ` — allow ${cause.iamAction} to the identity running apply` : ''}`
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  validatePlan(plan)
  const { params } = options
  const poll: PollOptions = { ...DEFAULT_POLL, ...options.poll }
  const timeoutMs = options.timeoutMs ?? Math.max(params.collect.timeoutSeconds * 1000, 15 * 60_000)
  const { call, dispose } = createAwsCaller({ timeoutMs, maxConcurrency: params.collect.maxConcurrency })
  const emit = (event: ApplyEvent) => {
    try {
      options.onEvent?.(event)
    } catch {
      // A logger's failure must not stop an apply halfway.
    }
  }
  const x: ExecContext = {
    plan,
    params,
    clients: options.clients,
    call,
    poll,
    waiting: (step, message) => emit({ kind: 'wait', step, message }),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  }
  const done: StepOutcome[] = []
  const failures: StepFailure[] = []
  const held: HeldStep[] = []
  /** Steps that did not happen, and why, for the steps that depend on them. */
  const missing = new Map<string, string>()
  const total = plan.steps.length
  try {
    for (const [index, step] of plan.steps.entries()) {
      const settled = options.settled?.get(step.id)
      if (settled?.kind === 'done') {
        const outcome: StepOutcome = { step, result: 'already-done', detail: settled.detail }
        done.push(outcome)
        emit({ kind: 'done', outcome, index, total })
        continue
      }
      const blocker = step.dependsOn.find((d) => missing.has(d))
      const reason = settled?.kind === 'held' ? settled.reason : blocker ? `needs ${blocker}, which ${missing.get(blocker)}` : undefined
      if (reason !== undefined) {
        const h: HeldStep = { step, reason }
        held.push(h)
        missing.set(step.id, 'did not run')
        emit({ kind: 'held', held: h, index, total })
        continue
      }
      emit({ kind: 'start', step, index, total })
      try {
        const executor = EXECUTORS[`${step.service}:${step.operation}`] as Executor
        const outcome: StepOutcome = { step, ...(await executor(step, x)) }
        done.push(outcome)
        emit({ kind: 'done', outcome, index, total })
      } catch (err) {
        const cause = causeFrom(err, step.service, step.operation)
        const secret = params.remediation.dbUserPassword
        if (secret && cause.message.includes(secret)) cause.message = cause.message.split(secret).join('***')
        const failure: StepFailure = { step, cause, message: failureMessage(step, cause) }
        failures.push(failure)
        missing.set(step.id, 'failed')
        emit({ kind: 'failed', failure, index, total })
      }
    }
  } finally {
    dispose()
  }
  return {
    done,
    ...(failures[0] ? { failed: failures[0] } : {}),
    failures,
    notRun: held.map((h) => h.step),
    held,
    changes: done.filter((d) => d.result === 'changed').length
  }
}

/** One line per event, for a terminal or the Actions log. Never holds the password (the plan does not). */
export function describeEvent(event: ApplyEvent): string {
  switch (event.kind) {
    case 'start':
      return `[${event.index + 1}/${event.total}] ${event.step.id}: ${event.step.service}:${event.step.operation} …`
    case 'done':
      return `[${event.index + 1}/${event.total}] ${event.outcome.result === 'changed' ? 'changed' : 'already in place'}: ${event.outcome.detail}`
    case 'failed':
      return `[${event.index + 1}/${event.total}] FAILED ${event.failure.message}`
    case 'held':
      return `[${event.index + 1}/${event.total}] not run ${event.held.step.id}: ${event.held.reason}`
    case 'wait':
      return `    ${event.step.id}: ${event.message}`
  }
}
