import type { Parameters } from '../config/parameters.js'
import type { AccountState, CollectionCause } from '../state/types.js'

/**
 * State pointers the enabled rules read. Collectors skip work no rule needs:
 * `needs('/sql')` is true when any enabled rule reads `/sql` or anything below it.
 */
export interface Needs {
  (pointer: string): boolean
}

/** What every collector is handed. */
export interface CollectContext {
  params: Parameters
  needs: Needs
  /** Runs an AWS call under the shared concurrency bound and overall deadline, counting it. */
  call<T>(service: string, operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>
  /** Marks a part of the state as unreadable; rules reading it become `error`. */
  unavailable(pointer: string, cause: CollectionCause): void
  /** The state being filled in. */
  state: AccountState
  now: Date
}

/**
 * An AWS call that failed, already mapped to what a user should read:
 * service, operation, and the IAM action when access was denied.
 */
export class CollectionError extends Error {
  override readonly cause: CollectionCause
  constructor(cause: CollectionCause) {
    super(`${cause.service}:${cause.operation}: ${cause.message}`)
    this.name = 'CollectionError'
    this.cause = cause
  }
}
