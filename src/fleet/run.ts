import { basename, dirname, extname, join } from 'node:path'
import pLimit from 'p-limit'
import { ConfigError } from '../json/problems.js'
import type { Config } from '../config/load.js'
import { writeSnapshot } from '../collect/snapshot.js'
import { buildFleetReport, type FleetReport } from '../report/fleet.js'
import { writeTextFile } from '../report/files.js'
import { renderJson } from '../report/json.js'
import { audit, type AuditOutcome, type Collector } from '../run.js'
import { targetOf } from '../state/target.js'
import { partitionOfRegion } from '../state/arn.js'
import type { AccountState, CollectionCause } from '../state/types.js'

/*
 * Fleets (issue 13), one job: every target audited side by side, at most max-targets-in-flight
 * at once (each with its own bound on calls in flight), each with its own credentials. One
 * target's trouble (a refused AssumeRole, a timeout, even a bug) stays in its own findings.
 */

export interface TargetRun {
  name: string
  config: Config
  outcome: AuditOutcome
}

export interface FleetRunOptions {
  maxTargetsInFlight: number
  now?: Date
  /** The collector; default live AWS (tests and the bench inject theirs). */
  collect?: Collector
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** The parts of the state a target that could not be read at all leaves unknown. */
const ACCOUNT_POINTERS = ['/source/accountId', '/iam', '/network', '/redshift', '/sql']

/** A collector that reads nothing: every fact unavailable for `cause`, so every rule is `error`. */
export function unreadableCollector(cause: CollectionCause): Collector {
  return async (config) => {
    const region = config.target.region ?? 'us-east-1'
    const state: AccountState = {
      schemaVersion: 1,
      source: { kind: 'aws', collectedAt: new Date().toISOString(), partition: partitionOfRegion(region) ?? 'aws', region },
      iam: {},
      network: {},
      unavailable: ACCOUNT_POINTERS.map((pointer) => ({ pointer, cause }))
    }
    return { state }
  }
}

export async function auditTargets(configs: Config[], options: FleetRunOptions): Promise<TargetRun[]> {
  const limit = pLimit(options.maxTargetsInFlight)
  const now = options.now ?? new Date()
  const base = {
    now,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {})
  }
  return Promise.all(
    configs.map((config) =>
      limit(async (): Promise<TargetRun> => {
        const name = config.fleetTarget?.name ?? targetOf(config.target).named?.name ?? '?'
        try {
          return { name, config, outcome: await audit(config, { ...base, ...(options.collect ? { collect: options.collect } : {}) }) }
        } catch (err) {
          if (err instanceof ConfigError) throw err
          const cause: CollectionCause = {
            service: 'cargo-redshift-guard',
            operation: 'audit',
            code: 'InternalError',
            message: `the audit of target '${name}' failed: ${err instanceof Error ? err.message : String(err)}`
          }
          return { name, config, outcome: await audit(config, { ...base, collect: unreadableCollector(cause) }) }
        }
      })
    )
  )
}

export function fleetOf(runs: TargetRun[], now: Date = new Date(), files: Map<string, string> = new Map()): FleetReport {
  return buildFleetReport(
    runs.map((r) => ({ name: r.name, report: r.outcome.report, exitCode: r.outcome.exitCode, ...(files.get(r.name) ? { file: files.get(r.name)! } : {}) })),
    now
  )
}

/** Where one target's file goes in a one-job fleet: `report.json` -> `report.<target>.json`. */
export function perTargetPath(file: string, target: string): string {
  const ext = extname(file)
  return join(dirname(file), `${basename(file, ext)}.${target}${ext}`)
}

/**
 * Writes each target's own files beside the fleet's: its JSON report (when `reports` is set) and
 * its saved state (when the target asks for one). Returns the report file of each target.
 */
export function writeTargetFiles(runs: TargetRun[], options: { reports: boolean; cwd: string }): Map<string, string> {
  const files = new Map<string, string>()
  for (const run of runs) {
    if (options.reports) {
      const path = perTargetPath(run.config.outputs.reportPath, run.name)
      writeTextFile(path, renderJson(run.outcome.report), options.cwd)
      files.set(run.name, path)
    }
    if (run.config.outputs.saveState) writeSnapshot(perTargetPath(run.config.outputs.saveState, run.name), run.outcome.state, options.cwd)
  }
  return files
}
