import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Config } from './config/load.js'
import type { AuditOutcome } from './run.js'
import { renderJson } from './report/json.js'
import { writeSnapshot } from './state/snapshot.js'

export function writeTextFile(file: string, text: string, cwd: string = process.cwd()): string {
  const path = resolve(cwd, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  return path
}

/** Files every entry point writes after an audit: the JSON report and, when asked, the state snapshot. */
export function writeAuditFiles(config: Config, outcome: AuditOutcome, options: { reportPath?: string; cwd?: string }): void {
  if (options.reportPath) writeTextFile(options.reportPath, renderJson(outcome.report), options.cwd)
  if (config.params.saveState) writeSnapshot(config.params.saveState, outcome.state, options.cwd)
}
