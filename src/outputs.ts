import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Config } from './config/load.js'
import type { AuditOutcome } from './run.js'
import { renderJson } from './report/json.js'
import { renderJUnit } from './report/junit.js'
import { renderSarif } from './report/sarif.js'
import { writeSnapshot } from './collect/snapshot.js'

export function writeTextFile(file: string, text: string, cwd: string = process.cwd()): string {
  const path = resolve(cwd, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  return path
}

/** Files every entry point writes after an audit: the JSON report and, when asked, SARIF, JUnit and the state snapshot. */
export function writeAuditFiles(config: Config, outcome: AuditOutcome, options: { reportPath?: string; cwd?: string }): void {
  const { params } = config
  const cwd = options.cwd ?? process.cwd()
  if (options.reportPath) writeTextFile(options.reportPath, renderJson(outcome.report), cwd)
  if (params.sarifFile) writeTextFile(params.sarifFile, JSON.stringify(renderSarif(outcome.report, { ruleSetRoot: cwd }), null, 2) + '\n', cwd)
  if (params.junitFile) writeTextFile(params.junitFile, renderJUnit(outcome.report), cwd)
  if (params.saveState) writeSnapshot(params.saveState, outcome.state, cwd)
}
