import type { AccountState, StateSource } from './types.js'

/** A state with nothing collected yet, for collectors to fill in. */
export function emptyState(source: Partial<StateSource> = {}): AccountState {
  return {
    schemaVersion: 1,
    source: { kind: 'aws', collectedAt: new Date(0).toISOString(), ...source },
    iam: {},
    network: {},
    unavailable: []
  }
}
