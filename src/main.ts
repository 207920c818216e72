import * as core from '@actions/core'
import { ConfigError } from './config/errors.js'
import { INPUTS } from './config/inputs.js'
import { loadConfig } from './config/load.js'
import type { RawInputs } from './config/parameters.js'
import { writeAuditFiles } from './outputs.js'
import { publishToGitHub } from './report/github-features.js'
import { emitAnnotations, setAuditOutputs, writeJobSummary } from './report/github-actions.js'
import { renderConsole } from './report/console.js'
import { audit } from './run.js'

/** Action inputs as raw values; empty inputs are left out so defaults and the config file apply. */
export function readActionInputs(): RawInputs {
  const raw: RawInputs = {}
  for (const spec of INPUTS) {
    if (spec.only === 'cli') continue
    const value = core.getInput(spec.name)
    // Mask before anything could print it.
    if (spec.name === 'db-user-password' && value !== '') core.setSecret(value)
    if (value !== '') raw[spec.name] = { value, where: { input: spec.name } }
  }
  return raw
}

/** Reports configuration problems where people look: one error annotation each, at the file and line when known. */
export function reportConfigError(err: ConfigError): void {
  for (const p of err.problems) {
    const place = [p.where.input && `input '${p.where.input}'`, p.where.pointer && `at ${p.where.pointer}`].filter(Boolean).join(' ')
    core.error(`${place ? `${place}: ` : ''}${p.message}`, {
      title: 'cargo-redshift-guard: configuration',
      ...(p.where.file ? { file: p.where.file } : {}),
      ...(p.where.line ? { startLine: p.where.line } : {}),
      ...(p.where.column && p.where.line ? { startColumn: p.where.column } : {})
    })
  }
  core.setFailed(`configuration is invalid (${err.problems.length} problem(s)); nothing was read or changed`)
  process.exitCode = 2
}

export async function run(): Promise<void> {
  try {
    const config = loadConfig(readActionInputs())
    const outcome = await audit(config)
    const { report } = outcome
    core.info(renderConsole(report, { color: false }))
    writeAuditFiles(config, outcome, { reportPath: config.params.reportPath })
    emitAnnotations(report)
    await writeJobSummary(report)
    setAuditOutputs(report, config.params.reportPath)
    if (config.params.sarifFile) core.setOutput('sarif-file', config.params.sarifFile)
    await publishToGitHub(report, config.params)
    if (outcome.stats) core.debug(`AWS calls: ${JSON.stringify(outcome.stats)}`)
    if (outcome.exitCode !== 0) {
      core.setFailed(
        `${report.summary.fail} rule(s) drifted, ${report.summary.error} could not be checked (fail-on: ${config.params.failOn}, fail-on-error: ${config.params.failOnError})`
      )
    }
  } catch (err) {
    if (err instanceof ConfigError) return reportConfigError(err)
    core.setFailed(`cargo-redshift-guard failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = 3
  }
}
