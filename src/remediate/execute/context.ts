/**
 * What every step executor is handed, and the shared helpers: error codes, bounded polling with
 * backoff, and retrying a whole read-check-write attempt when the service says it is busy.
 */
import type { AwsCall } from '../../aws/call.js'
import type { AwsClients } from '../../aws/clients.js'
import { AwsCallError } from '../../aws/errors.js'
import type { Parameters } from '../../config/parameters.js'
import type { Plan, PlanStep, StepResult } from '../types.js'

export interface PollOptions {
  /** First wait between two reads, in milliseconds. */
  firstMs: number
  /** Longest wait between two reads. */
  maxMs: number
  /** Give up waiting for a resource after this long. */
  timeoutMs: number
  /** How many times a busy (ConflictException / InvalidClusterState) call is retried. */
  conflictRetries: number
}

export const DEFAULT_POLL: PollOptions = { firstMs: 1000, maxMs: 15_000, timeoutMs: 15 * 60_000, conflictRetries: 6 }

export interface ExecContext {
  plan: Plan
  params: Pick<Parameters, 'target' | 'collect' | 'remediation'>
  clients: AwsClients
  /** Bounds, counts and maps every AWS call (errors become AwsCallError). */
  call: AwsCall
  poll: PollOptions
  /** Tells the log that the step is waiting (for a resource to settle, or to retry). */
  waiting(step: PlanStep, message: string): void
  sleep(ms: number): Promise<void>
}

export interface ExecResult {
  result: StepResult
  detail: string
}

export type Executor = (step: PlanStep, x: ExecContext) => Promise<ExecResult>

/** The error code of a failed call: the IAM/EC2 code, or the SDK error's name. */
export function codeOf(err: unknown): string {
  if (err instanceof AwsCallError) return err.cause.code ?? ''
  const e = err as { name?: unknown; Code?: unknown } | null
  if (typeof e?.Code === 'string') return e.Code
  return typeof e?.name === 'string' ? e.name : ''
}

export function messageOf(err: unknown): string {
  if (err instanceof AwsCallError) return err.cause.message
  return err instanceof Error ? err.message : String(err)
}

/** A string field of a step's request; a plan without it is refused, not guessed at. */
export function requestString(step: PlanStep, key: string): string {
  const v = step.request[key]
  if (typeof v !== 'string' || v === '') throw failure(step.service, step.operation, 'InvalidPlan', `step ${step.id}: request.${key} must be a string`)
  return v
}

export const changed = (detail: string): ExecResult => ({ result: 'changed', detail })
export const alreadyDone = (detail: string): ExecResult => ({ result: 'already-done', detail })

/** A failure of our own making (not an AWS error), in the same shape as an AWS call's. */
export function failure(service: string, operation: string, code: string, message: string): AwsCallError {
  return new AwsCallError({ service, operation, code, message })
}

/** Reads until `ready`, waiting firstMs, 2x, 4x ... up to maxMs between reads, for at most timeoutMs. */
export async function pollUntil<T>(
  x: ExecContext,
  step: PlanStep,
  what: string,
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  describe: (value: T) => string
): Promise<T> {
  const deadline = Date.now() + x.poll.timeoutMs
  let delay = x.poll.firstMs
  for (;;) {
    const value = await read()
    if (ready(value)) return value
    if (Date.now() + delay > deadline) {
      throw failure(step.service, step.operation, 'Timeout', `${what} did not happen within ${Math.round(x.poll.timeoutMs / 1000)}s (last seen: ${describe(value)})`)
    }
    x.waiting(step, `waiting for ${what} (now: ${describe(value)})`)
    await x.sleep(delay)
    delay = Math.min(delay * 2, x.poll.maxMs)
  }
}

/**
 * Runs `attempt` (which re-reads, checks and writes) again when the service answers that the
 * resource is busy, after waiting; at most `conflictRetries` times.
 */
export async function retryWhenBusy<T>(x: ExecContext, step: PlanStep, busy: (code: string) => boolean, attempt: () => Promise<T>): Promise<T> {
  let delay = x.poll.firstMs
  for (let tries = 0; ; tries++) {
    try {
      return await attempt()
    } catch (err) {
      const code = codeOf(err)
      if (!busy(code) || tries >= x.poll.conflictRetries) throw err
      x.waiting(step, `${code}: another operation is running; trying again`)
      await x.sleep(delay)
      delay = Math.min(delay * 2, x.poll.maxMs)
    }
  }
}
