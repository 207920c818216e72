import type { Config } from './config/load.js'
import type { Mode, OutputParameters, Parameters, Severity } from './config/parameters.js'
import type { RuleSet } from './config/rule-set.types.js'
import type { CollectStats, Collector, Needs } from './collect/types.js'
import { evaluate, readsOf, summarize } from './evaluate/engine.js'
import type { Finding } from './evaluate/types.js'
import type { AuditReport } from './report/types.js'
import { locateFindings } from './report/locations.js'
import { adviseFixes } from './remediate/advice.js'
import { pointersOverlap } from './json/pointer.js'
import { snapshotCollector } from './collect/snapshot.js'
import { foreignPlan } from './state/subject.js'
import { targetLabel, targetOf } from './state/target.js'
import { ConfigError } from './json/problems.js'
import type { AccountState } from './state/types.js'
import { VERSION } from './version.js'

export type { CollectStats, Collector } from './collect/types.js'

/** What an audit is doing, for a progress display. */
export type ProgressEvent =
  | { phase: 'collect'; source: string; target?: string }
  | { phase: 'evaluate'; rules: number }
  | { phase: 'done' }

export interface AuditOutcome {
  state: AccountState
  findings: Finding[]
  report: AuditReport
  /** 0 clean (or below thresholds), 1 drift or error at/above thresholds. */
  exitCode: 0 | 1
  stats?: CollectStats
}

/**
 * The pointers the enabled rules read: collectors skip everything else. Planning a
 * repair needs more than judging (e.g. a policy's version count), so plan and apply read all.
 */
export function needsOf(ruleSet: RuleSet, disabled: string[], mode: Mode = 'audit'): Needs {
  if (mode !== 'audit') return () => true
  const reads: string[] = []
  for (const rule of ruleSet.rules) {
    if (rule.enabled === false || disabled.includes(rule.id)) continue
    reads.push(...readsOf(rule))
  }
  return (pointer: string) => reads.some((read) => pointersOverlap(read, pointer))
}

const RANK: Record<Severity, number> = { notice: 1, warning: 2, error: 3 }

/** Whether the findings fail the run under fail-on and fail-on-error. */
export function exitCodeFor(findings: Finding[], outputs: Pick<OutputParameters, 'failOn' | 'failOnError'>): 0 | 1 {
  const { failOn, failOnError } = outputs
  const threshold = failOn === 'none' ? Infinity : RANK[failOn]
  const failing = findings.some(
    (f) => (f.status === 'fail' && RANK[f.severity] >= threshold) || (f.status === 'error' && failOnError)
  )
  return failing ? 1 : 0
}

export function buildReport(config: Pick<Config, 'target' | 'collect' | 'ruleSet' | 'fleetTarget'>, state: AccountState, findings: Finding[], now: Date): AuditReport {
  const summary = summarize(findings)
  // The region the facts were read in: a state-file's own, not AWS_REGION's.
  const { kind, name, region } = targetOf(config.target, state)
  const { assumeRoleArn } = config.collect
  const endpoint = state.redshift?.endpoint
  return {
    tool: { name: 'cargo-redshift-guard', version: VERSION },
    generatedAt: now.toISOString(),
    source: state.source,
    target: {
      kind,
      ...(name ? { name } : {}),
      ...(region ? { region } : {}),
      ...(state.source.accountId ? { accountId: state.source.accountId } : {})
    },
    ...(state.redshift
      ? {
          connection: {
            ...(endpoint?.address ? { host: endpoint.address } : {}),
            ...(endpoint?.port !== undefined ? { port: endpoint.port } : {}),
            database: config.target.database,
            user: config.target.dbUser,
            ...(state.iam.role?.arn ? { roleArn: state.iam.role.arn } : {})
          }
        }
      : {}),
    // Fleets (issue 13): which target of the targets file this is; the account read is source.accountId (STS).
    ...(config.fleetTarget ? { fleet: { target: config.fleetTarget.name, ...(assumeRoleArn ? { assumeRoleArn } : {}) } } : {}),
    summary,
    // Drift wins: it is known and needs fixing; has-errors / error-count say what went unchecked.
    result: summary.fail > 0 ? 'drift' : summary.error > 0 ? 'error' : 'clean',
    findings,
    rules: config.ruleSet.rules
  }
}

/** Reads the live account through the AWS SDK (credentials and endpoints from the usual chain). */
export const collectLive: Collector = async (config, needs) => {
  const { collectAwsState } = await import('./collect/aws/index.js')
  const { state, stats } = await collectAwsState(config, needs, {
    timeoutMs: config.collect.timeoutSeconds * 1000,
    maxConcurrency: config.collect.maxConcurrency
  })
  return { state, stats: { total: stats.total, byOperation: { ...stats.byOperation } } }
}

/**
 * Whether a plan or template is laid over the live account: `iac-live: auto` reads AWS only
 * when it was told where to look and credentials are at hand, so a PR check without AWS access
 * judges the plan alone instead of failing on unreadable facts.
 */
export function readsLiveWithIac(params: Pick<Parameters, 'target' | 'sources'>, env: NodeJS.ProcessEnv): boolean {
  const { iacLive } = params.sources
  if (iacLive !== 'auto') return iacLive === 'true'
  const target = Boolean(params.target.region && targetOf(params.target).named)
  const credentials = ['AWS_ACCESS_KEY_ID', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'].some((k) => Boolean(env[k]))
  return target && credentials
}

/**
 * The collector that reads the account state, if any: a saved state-file, else the live
 * account unless only a plan or template is judged. The IaC reader is not one of them: it
 * describes what a plan will change, laid over whatever this collector read.
 */
function pickCollector(
  config: Config,
  planned: boolean,
  options: { collect?: Collector; env: NodeJS.ProcessEnv; progress: (event: ProgressEvent) => void }
): Collector | undefined {
  if (config.sources.stateFile) return snapshotCollector(config.sources.stateFile)
  if (planned && !readsLiveWithIac(config, options.env)) return undefined
  const target = targetLabel(config.target)
  options.progress({ phase: 'collect', source: 'the AWS account', ...(target ? { target } : {}) })
  return options.collect ?? collectLive
}

/** collect -> evaluate -> report model. The collector is injected: live AWS or a snapshot, with a plan or template laid over. */
export async function audit(
  config: Config,
  options: { now?: Date; collect?: Collector; cwd?: string; env?: NodeJS.ProcessEnv; onProgress?: (event: ProgressEvent) => void } = {}
): Promise<AuditOutcome> {
  const progress = options.onProgress ?? (() => {})
  const now = options.now ?? new Date()
  const needs = needsOf(config.ruleSet, config.selection.disableRules, config.mode)
  const { sources } = config
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const iacFile = sources.terraformPlan ?? sources.cloudformationTemplate
  // The IaC readers load only when a plan or template is judged; the plan is read (and so
  // validated) before anything talks to AWS.
  const iac = iacFile ? await import('./collect/iac/index.js') : undefined
  const planned = iac?.loadIacState(iacFile!, config, cwd, {
    now,
    ...(sources.terraformDir ? { baseDir: sources.terraformDir } : {}),
    ...(sources.cloudformationTemplate ? { parameters: sources.cloudformationParameters } : {})
  })
  const collector = pickCollector(config, planned !== undefined, { ...(options.collect ? { collect: options.collect } : {}), env, progress })
  const collected = collector ? await collector(config, needs, { cwd }) : undefined
  let state: AccountState | undefined = collected?.state
  const stats = collected?.stats
  if (planned && state) {
    const foreign = foreignPlan(state, planned)
    const input = sources.terraformPlan ? 'terraform-plan' : 'cloudformation-template'
    if (foreign) throw new ConfigError([{ where: config.places?.[input] ?? { input }, message: `${iacFile} ${foreign}` }])
  }
  if (planned) state = state && iac ? iac.overlayState(state, planned) : planned
  if (!state) throw new Error('no state to judge')
  progress({ phase: 'evaluate', rules: config.ruleSet.rules.length })
  const evaluated = evaluate({ ruleSet: config.ruleSet, state, params: config, waivers: config.waivers, now })
  const located = locateFindings(evaluated, config.ruleSet.rules, {
    workspace: env['GITHUB_WORKSPACE'] || cwd,
    cwd,
    ...(config.places ? { inputLocations: config.places } : {})
  })
  const findings = adviseFixes({ findings: located, state, params: config, rules: config.ruleSet.rules })
  const report = buildReport(config, state, findings, now)
  progress({ phase: 'done' })
  return { state, findings, report, exitCode: exitCodeFor(findings, config.outputs), ...(stats ? { stats } : {}) }
}
