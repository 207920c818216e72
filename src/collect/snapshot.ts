import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { readLocatedDocument } from '../json/located-document.js'
import { ConfigError } from '../json/problems.js'
import { schemaProblems } from '../json/schema-check.js'
import { shippedSchema } from '../config/policy-files.js'
import type { Config } from '../config/load.js'
import { foreignState } from '../state/subject.js'
import type { AccountState } from '../state/types.js'
import type { Collector } from './types.js'

/** Reads and validates a saved account state; problems are located like rule-set problems. */
export function readSnapshot(file: string, cwd: string = process.cwd()): AccountState {
  const doc = readLocatedDocument(resolve(cwd, file), file, 'state-file')
  const problems = schemaProblems(shippedSchema('account-state.schema.json'), doc.value, doc)
  if (problems.length > 0) throw new ConfigError(problems)
  const { $schema: _ignored, ...state } = doc.value as AccountState & { $schema?: string }
  return state as AccountState
}

/**
 * The state-file as a collector. A state-file read in another region, or for another workgroup
 * or cluster, than the inputs name can show nothing about them: the run is refused (exit 2)
 * naming the input and what the state was read for. Narrower mismatches (role, user,
 * database...) make only the rules on them `error` (src/state/subject.ts), so the rest of the
 * state is still judged.
 */
export function snapshotCollector(file: string): Collector {
  return async (config, _needs, { cwd }) => {
    const state = readSnapshot(file, cwd)
    refuseForeignState(config, state, file)
    return { state }
  }
}

function refuseForeignState(config: Config, state: AccountState, file: string): void {
  const places = config.places
  // Without places (a Config built in code) every region counts as given.
  const regionGiven = places === undefined || places['region'] !== undefined
  const foreign = foreignState(state, config.target, file, regionGiven)
  if (foreign.length > 0) {
    throw new ConfigError(foreign.map((f) => ({ where: places?.[f.input] ?? { input: f.input }, message: f.message })))
  }
}

export function writeSnapshot(file: string, state: AccountState, cwd: string = process.cwd()): string {
  const path = resolve(cwd, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n')
  return path
}
