import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import * as core from '@actions/core'
import { ConfigError, formatLocation } from './json/problems.js'
import { INPUTS } from './config/inputs.js'
import { loadConfig, type Config } from './config/load.js'
import { unmatchedWaivers } from './evaluate/unmatched-waivers.js'
import type { Finding } from './evaluate/types.js'
import type { RawInputs } from './config/parameters.js'
import { writeAuditFiles } from './outputs.js'
import { publishToGitHub } from './report/github-features.js'
import { emitAnnotations, setAuditOutputs, writeConfigErrorSummary, writeJobSummary } from './report/github-actions.js'
import { renderConsole } from './report/console.js'
import { statusLine } from './report/markdown.js'
import type { AuditReport } from './report/types.js'
import { audit, type AuditOutcome } from './run.js'

/**
 * Action inputs as raw values. Empty inputs are left out so that defaults and the config file
 * apply, and so are inputs equal to their action.yml default: the runner passes a declared
 * default as if the workflow had given it, which would otherwise hide the config file's value.
 */
export function readActionInputs(): RawInputs {
  const raw: RawInputs = {}
  for (const spec of INPUTS) {
    if (spec.only === 'cli') continue
    const value = core.getInput(spec.name)
    // Mask every secret before anything could print it.
    if (spec.secret && value !== '') core.setSecret(value)
    if (value !== '' && value !== spec.default) raw[spec.name] = { value, where: { input: spec.name } }
  }
  return raw
}

/** A waiver that mutes nothing gets a warning at its line: its author meant it to mute something. */
function warnUnmatchedWaivers(config: Config, findings: Finding[]): void {
  for (const p of unmatchedWaivers(config.waivers, findings)) {
    core.warning(p.message, {
      title: 'cargo-redshift-guard: waiver',
      ...(p.where.file ? { file: p.where.file } : {}),
      ...(p.where.line ? { startLine: p.where.line } : {})
    })
  }
}

/** Reports configuration problems where people look: one error annotation each, at the file and line when known, and the job summary. */
export async function reportConfigError(err: ConfigError): Promise<void> {
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
  try {
    await writeConfigErrorSummary(err.problems.map((p) => ({ place: formatLocation(p.where), message: p.message })))
  } catch (summaryError) {
    core.warning(`could not write the job summary: ${(summaryError as Error).message}`)
  }
}

/** The verdict in one line, then the long report folded (the log stays readable on a long run). */
function logReport(report: AuditReport): void {
  core.info(statusLine(report).replace(/`/g, ''))
  core.startGroup(`Full report: ${report.findings.length} finding(s)`)
  core.info(renderConsole(report, { color: false }))
  core.endGroup()
}

/**
 * What every mode publishes after its audit (or the audit after apply): the waiver warnings,
 * the report in the log, the files, annotations, the job summary (with the mode's own
 * Markdown after it), the outputs, and the PR comment and drift issue.
 */
async function publishAudit(config: Config, outcome: AuditOutcome, extra: { log?: () => void; summary?: string } = {}): Promise<void> {
  const { report } = outcome
  warnUnmatchedWaivers(config, outcome.findings)
  logReport(report)
  extra.log?.()
  writeAuditFiles(config, outcome, { reportPath: config.outputs.reportPath })
  emitAnnotations(report)
  await writeJobSummary(report, extra.summary ?? '')
  setAuditOutputs(report, config.outputs.reportPath)
  if (config.outputs.sarifFile) core.setOutput('sarif-file', config.outputs.sarifFile)
  core.setOutput('drift-issue', await publishToGitHub(report, config.github))
}

/** mode plan: audit, write the plan (JSON and Markdown), put it in the job summary; output plan-path. */
async function runPlanMode(config: Config): Promise<void> {
  const { runPlan } = await import('./plan-apply.js')
  const out = await runPlan(config)
  await publishAudit(config, out.audit, {
    log: () => {
      core.startGroup(`Plan: ${out.plan.steps.length} change(s)`)
      core.info(out.markdown)
      core.endGroup()
    },
    summary: `\n${out.markdown}`
  })
  core.setOutput('plan-path', out.planPath)
  // Nothing is applied in plan mode: the number of changes the plan holds, for a workflow to
  // skip the approval when there is nothing to approve.
  core.setOutput('planned-changes', out.plan.steps.length)
  core.notice(`plan written to ${out.planPath}: ${out.plan.steps.length} change(s), ${out.plan.manual.length} left to a person`, {
    title: 'cargo-redshift-guard: plan'
  })
}

/** mode apply: apply the reviewed plan (or plan now), log each change, audit again; output changes-applied. */
async function runApplyMode(config: Config): Promise<void> {
  const { runApply } = await import('./plan-apply.js')
  const { describeEvent } = await import('./remediate/apply.js')
  const { renderApplyMarkdown, renderPlanMarkdown } = await import('./remediate/markdown.js')
  const out = await runApply(config, {
    // The action's own environment: GITHUB_EVENT_NAME refuses pull-request events.
    env: process.env,
    onPlan: (plan) => core.info(renderPlanMarkdown(plan)),
    onEvent: (event) => core.info(describeEvent(event))
  })
  core.setOutput('changes-applied', out.result?.changes ?? 0)
  if (out.refused) {
    core.setOutput('drift-issue', 'none')
    core.setFailed(`apply refused: ${out.refused}`)
    process.exitCode = 2
    return
  }
  const after = out.after
  if (!after || !out.result || !out.plan) throw new Error('apply ended without a result')
  const { report } = after
  await publishAudit(config, after, { summary: `\n${renderApplyMarkdown(out.result)}\n${renderPlanMarkdown(out.plan)}` })
  for (const f of out.result.failures) core.error(f.message, { title: 'cargo-redshift-guard: apply step failed' })
  for (const h of out.result.held) core.warning(`${h.step.id} not run: ${h.reason}`, { title: 'cargo-redshift-guard: apply step not run' })
  if (out.exitCode !== 0) {
    core.setFailed(
      `after ${out.result.changes} change(s): ${report.summary.fail} rule(s) still drifted, ${report.summary.error} could not be checked` +
        (out.result.failures.length > 0 ? `; ${out.result.failures.map((f) => f.step.id).join(', ')} failed` : '') +
        (out.result.held.length > 0 ? `; ${out.result.held.length} change(s) did not run` : '')
    )
  }
}

/**
 * The runner creates the files behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY before a step starts,
 * and @actions/core refuses to write to one that is missing. A runner stand-in (act, a local
 * harness) that only names them would turn every output into a crash; creating an empty file
 * where one is named but absent costs nothing on a real runner, where they exist.
 */
function ensureRunnerFiles(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV', 'GITHUB_STATE']) {
    const file = env[name]
    if (!file || existsSync(file)) continue
    try {
      mkdirSync(dirname(file), { recursive: true })
      closeSync(openSync(file, 'a'))
    } catch {
      // Left to @actions/core, which says which file it could not write.
    }
  }
}

export async function run(): Promise<void> {
  ensureRunnerFiles()
  try {
    const raw = readActionInputs()
    // --- fleets (issue 13): targets files, mode targets and mode merge (src/fleet/action.ts).
    const { runFleetAction } = await import('./fleet/action.js')
    const fleet = await runFleetAction(raw)
    if (fleet === 'done') return
    const config = fleet ?? loadConfig(raw)
    // --- end fleets
    if (config.mode === 'plan') return await runPlanMode(config)
    if (config.mode === 'apply') return await runApplyMode(config)
    if (config.mode === 'doctor') {
      const { runDoctor } = await import('./doctor/index.js')
      const out = await runDoctor(config)
      core.info(out.text)
      if (out.exitCode !== 0) core.setFailed('doctor: some reads the rules need were refused (see the lines above)')
      return
    }
    const outcome = await audit(config)
    const { report } = outcome
    await publishAudit(config, outcome)
    if (outcome.stats) core.debug(`AWS calls: ${JSON.stringify(outcome.stats)}`)
    if (outcome.exitCode !== 0) {
      core.setFailed(
        `${report.summary.fail} rule(s) drifted, ${report.summary.error} could not be checked (fail-on: ${config.outputs.failOn}, fail-on-error: ${config.outputs.failOnError})`
      )
    }
  } catch (err) {
    // Always set, so a workflow can read it whatever happened.
    core.setOutput('drift-issue', 'none')
    if (err instanceof ConfigError) return await reportConfigError(err)
    core.setFailed(`cargo-redshift-guard failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exitCode = 3
  }
}
