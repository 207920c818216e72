import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { readLocatedDocument } from '../config/documents.js'
import { ConfigError } from '../config/errors.js'
import { schemaProblems, shippedSchema } from '../config/schema-check.js'
import type { AccountState } from '../state/types.js'

/** Reads and validates a saved account state; problems are located like rule-set problems. */
export function readSnapshot(file: string, cwd: string = process.cwd()): AccountState {
  const doc = readLocatedDocument(resolve(cwd, file), file, 'state-file')
  const problems = schemaProblems(shippedSchema('account-state.schema.json'), doc.value, doc)
  if (problems.length > 0) throw new ConfigError(problems)
  const { $schema: _ignored, ...state } = doc.value as AccountState & { $schema?: string }
  return state as AccountState
}

export function writeSnapshot(file: string, state: AccountState, cwd: string = process.cwd()): string {
  const path = resolve(cwd, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n')
  return path
}
