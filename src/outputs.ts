import type { Config } from './config/load.js'
import type { AuditOutcome } from './run.js'
import { writeSnapshot } from './collect/snapshot.js'
import { writeReportFiles } from './report/files.js'

/** Files every entry point writes after an audit: the JSON report and, when asked, SARIF, JUnit and the state snapshot. */
export function writeAuditFiles(config: Pick<Config, 'outputs'>, outcome: AuditOutcome, options: { reportPath?: string; cwd?: string }): void {
  const params = config.outputs
  const cwd = options.cwd ?? process.cwd()
  writeReportFiles(
    { report: outcome.report },
    {
      ...(options.reportPath ? { reportPath: options.reportPath } : {}),
      ...(params.sarifFile ? { sarifFile: params.sarifFile } : {}),
      ...(params.junitFile ? { junitFile: params.junitFile } : {})
    },
    cwd
  )
  if (params.saveState) writeSnapshot(params.saveState, outcome.state, cwd)
}
