import * as core from '@actions/core'
import { ConfigError } from '../json/problems.js'
import type { Config } from '../config/load.js'
import type { RawInputs } from '../config/parameters.js'
import { findTarget, loadTargetsFile, matrixOf, readFleetInputs, targetConfig, targetConfigs } from '../config/targets.js'
import { publishFleet } from '../report/fleet-github.js'
import { publishToGitHub } from '../report/github-features.js'
import { expandReportGlobs, mergeReports, readFailInputs } from './merge.js'
import { auditTargets, fleetOf, writeTargetFiles } from './run.js'

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
  const files = writeTargetFiles(runs, { reports: true, cwd })
  const fleet = fleetOf(runs, new Date(), files)
  const first = configs[0]!.outputs
  await publishFleet(fleet, { reportPath: first.reportPath, ...(first.sarifFile ? { sarifFile: first.sarifFile } : {}), ...(first.junitFile ? { junitFile: first.junitFile } : {}) }, cwd)
  // The drift issue and the PR comment stay per target: each has its own marker and title.
  const issues = []
  for (const run of runs) issues.push(`${run.name}: ${await publishToGitHub(run.outcome.report, run.config.github)}`)
  core.setOutput('drift-issue', issues.join(', '))
  const failing = runs.filter((r) => r.outcome.exitCode === 1).map((r) => r.name)
  if (failing.length > 0) core.setFailed(`target(s) ${failing.join(', ')} drifted or could not be checked (under each target's fail-on and fail-on-error)`)
  return 'done'
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
