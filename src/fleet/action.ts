import * as core from '@actions/core'
import { ConfigError } from '../config/errors.js'
import type { Config } from '../config/load.js'
import type { RawInputs } from '../config/parameters.js'
import { findTarget, loadTargetsFile, matrixOf, readFleetInputs, targetConfig, targetConfigs } from '../config/targets.js'
import { writeTextFile } from '../outputs.js'
import { planAnnotations } from '../report/github-actions.js'
import { publishToGitHub } from '../report/github-features.js'
import { renderFleetConsole, renderFleetJson, renderFleetJUnit, renderFleetMarkdown, renderFleetSarif, type FleetReport } from '../report/fleet.js'
import { renderJson } from '../report/json.js'
import { renderMarkdown } from '../report/markdown.js'
import { writeSnapshot } from '../state/snapshot.js'
import { expandReportGlobs, mergeReports, readFailInputs } from './merge.js'
import { auditTargets, fleetOf, perTargetPath } from './run.js'

/*
 * Fleets (issue 13) in the action:
 *   mode: targets            output `matrix` from the targets file, for strategy.matrix
 *   targets + target         that one target's Config, for the usual audit, plan or apply
 *   targets, no target       every target audited in this job, side by side
 *   mode: merge + reports    one fleet report from per-target JSON reports (globs)
 */

/** `done` when the fleet ran here; a Config for one target; undefined when the run is not a fleet's. */
export async function runFleetAction(raw: RawInputs, cwd: string = process.cwd()): Promise<'done' | Config | undefined> {
  const mode = typeof raw['mode']?.value === 'string' ? raw['mode'].value.trim() : 'audit'
  if (mode === 'merge') {
    await mergeMode(raw, cwd)
    return 'done'
  }
  const forTargets: RawInputs = mode === 'targets' ? { ...raw, mode: { value: 'audit', where: raw['mode']!.where } } : raw
  const fleetInputs = readFleetInputs(forTargets)
  if (!fleetInputs) {
    if (mode === 'targets') throw new ConfigError([{ where: { input: 'targets' }, message: "mode 'targets' needs the targets file: set the input targets" }])
    return undefined
  }
  const file = loadTargetsFile(fleetInputs.targetsFile, cwd)
  if (mode === 'targets') {
    const matrix = JSON.stringify(matrixOf(file, targetConfigs(forTargets, file, cwd)))
    core.info(`matrix: ${matrix}`)
    core.setOutput('matrix', matrix)
    return 'done'
  }
  if (fleetInputs.target !== undefined) return targetConfig(raw, findTarget(file, fleetInputs.target, raw['target']?.where), cwd)
  if (mode !== 'audit') {
    throw new ConfigError([{ where: { input: 'target' }, message: `mode '${mode}' changes one account at a time: set target (one job per target, e.g. from mode: targets)` }])
  }
  const configs = targetConfigs(raw, file, cwd)
  const runs = await auditTargets(configs, { maxTargetsInFlight: fleetInputs.maxTargetsInFlight, cwd })
  const files = new Map<string, string>()
  for (const run of runs) {
    const path = perTargetPath(run.config.params.reportPath, run.name)
    writeTextFile(path, renderJson(run.outcome.report), cwd)
    files.set(run.name, path)
    if (run.config.params.saveState) writeSnapshot(perTargetPath(run.config.params.saveState, run.name), run.outcome.state, cwd)
  }
  const fleet = fleetOf(runs, new Date(), files)
  const first = configs[0]!.params
  await publishFleet(fleet, { reportPath: first.reportPath, ...(first.sarifFile ? { sarifFile: first.sarifFile } : {}), ...(first.junitFile ? { junitFile: first.junitFile } : {}) }, cwd)
  // The drift issue and the PR comment stay per target: each has its own marker and title.
  for (const run of runs) await publishToGitHub(run.outcome.report, run.config.params, targetBody(run.outcome.report))
  const failing = runs.filter((r) => r.outcome.exitCode === 1).map((r) => r.name)
  if (failing.length > 0) core.setFailed(`target(s) ${failing.join(', ')} drifted or could not be checked (under each target's fail-on and fail-on-error)`)
  return 'done'
}

/** A target's drift issue or PR comment: its name and the account read, then its report. */
function targetBody(report: FleetReport['entries'][number]['report']): string {
  const account = report.source.accountId ?? 'not read'
  return `**Target:** \`${report.fleet?.target ?? '?'}\` · account read: ${account}\n\n${renderMarkdown(report)}`
}

async function mergeMode(raw: RawInputs, cwd: string): Promise<void> {
  const list = raw['reports']?.value
  const patterns = (typeof list === 'string' ? list.split(/[\n,]/) : Array.isArray(list) ? list.map(String) : []).map((p) => p.trim()).filter(Boolean)
  const { failOn, failOnError } = readFailInputs(
    { failOn: raw['fail-on']?.value, failOnError: raw['fail-on-error']?.value },
    { failOn: raw['fail-on']?.where ?? { input: 'fail-on' }, failOnError: raw['fail-on-error']?.where ?? { input: 'fail-on-error' } }
  )
  const files = await expandReportGlobs(patterns, cwd, raw['reports']?.where ?? { input: 'reports' })
  const { fleet, exitCode } = mergeReports(files, { failOn, failOnError, cwd })
  const text = (name: string) => (typeof raw[name]?.value === 'string' && (raw[name]!.value as string).trim() !== '' ? (raw[name]!.value as string).trim() : undefined)
  const sarifFile = text('sarif-file')
  const junitFile = text('junit-file')
  await publishFleet(fleet, { reportPath: text('report-path') ?? 'cargo-redshift-guard-report.json', ...(sarifFile ? { sarifFile } : {}), ...(junitFile ? { junitFile } : {}) }, cwd)
  if (exitCode === 1) {
    const failing = fleet.entries.filter((e) => e.exitCode === 1).map((e) => e.name)
    core.setFailed(`target(s) ${failing.join(', ')} drifted or could not be checked (fail-on: ${failOn}, fail-on-error: ${failOnError})`)
  }
}

/** The fleet's files, log, annotations (named by target), job summary and outputs. */
async function publishFleet(fleet: FleetReport, files: { reportPath: string; sarifFile?: string; junitFile?: string }, cwd: string): Promise<void> {
  core.info(renderFleetConsole(fleet, { color: false }))
  writeTextFile(files.reportPath, renderFleetJson(fleet), cwd)
  if (files.sarifFile) writeTextFile(files.sarifFile, JSON.stringify(renderFleetSarif(fleet, { ruleSetRoot: cwd }), null, 2) + '\n', cwd)
  if (files.junitFile) writeTextFile(files.junitFile, renderFleetJUnit(fleet), cwd)
  emitFleetAnnotations(fleet)
  if (process.env['GITHUB_STEP_SUMMARY']) {
    const markdown = renderFleetMarkdown(fleet)
    // GitHub rejects a step summary over 1 MiB: the table and the drifted rules come first.
    const bounded = markdown.length > 900_000 ? `${markdown.slice(0, 900_000)}\n\n…truncated: see the JSON report.\n` : markdown
    await core.summary.addRaw(bounded).write()
  }
  core.setOutput('status', fleet.result)
  core.setOutput('drift-count', fleet.summary.fail)
  core.setOutput('error-count', fleet.summary.errorRules)
  core.setOutput('pass-count', fleet.summary.pass)
  core.setOutput('report-path', files.reportPath)
  if (files.sarifFile) core.setOutput('sarif-file', files.sarifFile)
}

/**
 * GitHub keeps 10 annotations per level per step: targets take turns (each one's most urgent
 * first), so one badly drifted target cannot crowd the others out; a note counts the rest.
 */
function emitFleetAnnotations(fleet: FleetReport): void {
  const levels = { error: [] as string[][], warning: [] as string[][], notice: [] as string[][] }
  const perTarget = fleet.entries.map((e) => planAnnotations(e.report).map((a) => ({ level: a.level, title: `[${e.name}] ${a.properties.title ?? ''}`, message: a.message })))
  for (let i = 0; perTarget.some((list) => i < list.length); i++) {
    for (const list of perTarget) {
      const a = list[i]
      if (a) levels[a.level].push([a.title, a.message])
    }
  }
  for (const level of ['error', 'warning', 'notice'] as const) {
    const all = levels[level]
    const shown = all.length > 10 ? all.slice(0, 9) : all
    for (const [title, message] of shown) core[level](message!, { title: title! })
    if (all.length > shown.length) core[level](`${all.length - shown.length} more ${level} annotation(s) across the fleet: see the job summary`, { title: 'cargo-redshift-guard: more findings' })
  }
}
