import { ConfigError } from '../json/problems.js'
import { INPUTS } from '../config/inputs.js'
import type { Config } from '../config/load.js'
import type { RawInputs } from '../config/parameters.js'
import { findTarget, loadTargetsFile, matrixOf, readFleetInputs, targetConfig, targetConfigs } from '../config/targets.js'
import { writeReportFiles, writeTextFile } from '../report/files.js'
import { reportFormat, type ReportFormatName } from '../report/formats.js'
import type { FleetReport } from '../report/fleet.js'
import { expandReportGlobs, mergeReports, readFailInputs } from './merge.js'
import { auditTargets, fleetOf, writeTargetFiles } from './run.js'

/*
 * Fleets (issue 13) in the CLI:
 *   cargo-redshift-guard targets --targets FILE            the job matrix, as JSON on stdout
 *   cargo-redshift-guard audit --targets FILE [--target N]  one target, or all side by side
 *   cargo-redshift-guard plan|apply --targets FILE --target N
 *   cargo-redshift-guard merge REPORT... [--format F] [--output FILE]
 */

export type FleetFormat = ReportFormatName

export interface FleetCliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** What the CLI does next: exit with a code (the fleet command ran), or audit this one config. */
export type FleetCliResult = { exitCode: number } | { config: Config } | undefined

export function renderFleet(fleet: FleetReport, format: FleetFormat, color: boolean, cwd: string = process.cwd()): string {
  return reportFormat(format).fleet(fleet, { cwd, color, verbose: false })
}

/** The inputs given as flags, located at their flag (as the CLI's own loop does). */
function rawFromFlags(values: Record<string, unknown>, command: string): RawInputs {
  const raw: RawInputs = { mode: { value: command, where: { input: 'mode' } } }
  for (const spec of INPUTS) {
    const value = values[spec.name]
    if (typeof value === 'string') raw[spec.name] = { value, where: { input: `--${spec.name}` } }
  }
  if (typeof values['state'] === 'string') raw['state-file'] = { value: values['state'], where: { input: '--state' } }
  return raw
}

/**
 * Runs `targets` and `merge`, and `audit` of every target; for a run with --targets and
 * --target, gives back that target's Config for the usual audit, plan or apply. Undefined when
 * the run is not about a fleet. Configuration problems are thrown as ConfigError (exit 2).
 */
export async function runFleetCli(
  positionals: string[],
  values: Record<string, unknown>,
  io: FleetCliIo,
  options: { format: FleetFormat; color: boolean; cwd?: string }
): Promise<FleetCliResult> {
  const command = positionals[0] ?? 'audit'
  const cwd = options.cwd ?? process.cwd()
  const emit = (text: string) => {
    if (typeof values['output'] === 'string') writeTextFile(values['output'], text, cwd)
    else io.stdout.write(text)
  }
  if (command === 'merge') {
    const { failOn, failOnError } = readFailInputs(
      { failOn: values['fail-on'], failOnError: values['fail-on-error'] },
      { failOn: { input: '--fail-on' }, failOnError: { input: '--fail-on-error' } }
    )
    // The shell expands globs; quoted ones are expanded here, the same way the action does.
    const patterns = positionals.slice(1)
    if (patterns.length === 0) throw new ConfigError([{ where: { input: 'merge' }, message: 'give the per-target JSON reports to merge: cargo-redshift-guard merge REPORT...' }])
    const files = await expandReportGlobs(patterns, cwd, { input: 'merge REPORT...' })
    const { fleet, exitCode } = mergeReports(files, { failOn, failOnError, cwd })
    emit(renderFleet(fleet, options.format, options.color, cwd))
    return { exitCode }
  }
  if (command === 'targets' && positionals.length > 1) {
    throw new ConfigError([{ where: { input: 'targets' }, message: `unexpected argument '${positionals[1]}'; give the file as --targets FILE` }])
  }
  const raw = rawFromFlags(values, command === 'targets' ? 'audit' : command)
  const fleetInputs = readFleetInputs(raw)
  if (command === 'targets' && !fleetInputs) throw new ConfigError([{ where: { input: '--targets' }, message: 'give the targets file: cargo-redshift-guard targets --targets FILE' }])
  if (!fleetInputs) return undefined
  const file = loadTargetsFile(fleetInputs.targetsFile, cwd)
  if (command === 'targets') {
    // Every target is validated, so a bad one fails here, before the matrix starts.
    const configs = targetConfigs(raw, file, cwd)
    emit(JSON.stringify(matrixOf(file, configs)) + '\n')
    return { exitCode: 0 }
  }
  if (fleetInputs.target !== undefined) {
    return { config: targetConfig(raw, findTarget(file, fleetInputs.target, raw['target']?.where), cwd) }
  }
  if (command !== 'audit') {
    throw new ConfigError([{ where: raw['targets']?.where ?? { input: '--targets' }, message: `${command} changes one account at a time: give --target NAME` }])
  }
  const configs = targetConfigs(raw, file, cwd)
  const runs = await auditTargets(configs, { maxTargetsInFlight: fleetInputs.maxTargetsInFlight, cwd })
  // The CLI writes report-path only when asked: the fleet's there, each target's beside it.
  const files = writeTargetFiles(runs, { reports: Boolean(raw['report-path']), cwd })
  const fleet = fleetOf(runs, new Date(), files)
  const first = configs[0]!.outputs
  writeReportFiles(
    { fleet },
    {
      ...(raw['report-path'] ? { reportPath: first.reportPath } : {}),
      ...(first.sarifFile ? { sarifFile: first.sarifFile } : {}),
      ...(first.junitFile ? { junitFile: first.junitFile } : {})
    },
    cwd
  )
  emit(renderFleet(fleet, options.format, options.color, cwd))
  return { exitCode: runs.some((r) => r.outcome.exitCode === 1) ? 1 : 0 }
}
