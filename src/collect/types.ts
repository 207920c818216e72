import type { AwsCaller, AwsProbe } from '../aws/call.js'
import type { Config } from '../config/load.js'
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
  | AwsProbe
  | { kind: 'sql'; database: string; purpose: string; ok: boolean; message?: string; grant?: string }

/** Counts of AWS calls, for the report's debug output and the benchmark. */
export interface CollectStats {
  total: number
  byOperation: Record<string, number>
}

/**
 * A source of the account state, as audit() picks one: the live account (run.ts collectLive)
 * or a saved state-file (./snapshot.ts). `cwd` is where relative file names are read from.
 */
export type Collector = (config: Config, needs: Needs, options: { cwd: string }) => Promise<{ state: AccountState; stats?: CollectStats }>

/** What every collector is handed. */
export interface CollectContext extends AwsCaller {
  /** What is audited and how it is read: the only parameters a collector sees. */
  params: Pick<Parameters, 'target' | 'collect'>
  needs: Needs
  /** Marks a part of the state as unreadable; rules reading it become `error`. */
  unavailable(pointer: string, cause: CollectionCause): void
  /** The state being filled in. */
  state: AccountState
  /** Told of every read tried and how it ended (doctor); absent in audits. */
  observe?: (probe: Probe) => void
  now: Date
}
