import { createAwsCaller, type AwsCallerOptions, type CallStats } from '../../aws/call.js'
import type { AccountState, CollectionCause } from '../../state/types.js'
import type { CollectContext, Needs, Probe } from '../types.js'

export interface AwsCollectContextOptions extends AwsCallerOptions {
  now?: Date
  /** Told of every read and how it ended (doctor). */
  observe?: (probe: Probe) => void
}

export interface AwsCollectContext {
  ctx: CollectContext
  /** Live counts; `stats.snapshot()` gives a plain copy. */
  stats: CallStats & { snapshot(): CallStats }
  /** Stops the deadline timer; calls made afterwards fail as timed out. */
  dispose(): void
}

/**
 * Builds the context every AWS collector runs in: the shared bounded `call` (one deadline for
 * the whole collection, a bound on calls in flight, counts), and the state it fills in, where
 * a fact that could not be read is marked unavailable with its cause.
 */
export function createAwsCollectContext(
  params: CollectContext['params'],
  needs: Needs,
  state: AccountState,
  options: AwsCollectContextOptions
): AwsCollectContext {
  const { call, stats, dispose } = createAwsCaller(options)

  const unavailable = (pointer: string, cause: CollectionCause): void => {
    if (state.unavailable.some((u) => u.pointer === pointer)) return
    state.unavailable.push({ pointer, cause })
  }

  const ctx: CollectContext = {
    params,
    needs,
    call,
    unavailable,
    state,
    now: options.now ?? new Date(),
    ...(options.observe ? { observe: options.observe } : {})
  }
  return { ctx, stats, dispose }
}
