import type { Parameters } from '../config/parameters.js'
import type { AccountState, CollectionCause } from '../state/types.js'

/**
 * State pointers the enabled rules read. Collectors skip work no rule needs:
 * `needs('/sql')` is true when any enabled rule reads `/sql` or anything below it.
 */
export interface Needs {
  (pointer: string): boolean
}

/**
 * One read the audit tried, as `doctor` reports it: an AWS call, or a SQL statement (or the
 * session's view of the catalogue). `ok: false` carries why, and what would allow it.
 */
export type Probe =
  | { kind: 'aws'; service: string; operation: string; ok: boolean; cause?: CollectionCause }
  | { kind: 'sql'; database: string; purpose: string; ok: boolean; message?: string; grant?: string }

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
  /** Told of every read tried and how it ended (doctor); absent in audits. */
  observe?: (probe: Probe) => void
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
