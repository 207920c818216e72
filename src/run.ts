import type { Config } from './config/load.js'
import type { Mode, Parameters, Severity } from './config/parameters.js'
import type { RuleSet } from './config/rule-set.types.js'
import type { Needs } from './collect/types.js'
import { deploymentOf } from './config/rule-values.js'
import { evaluate, readsOf, summarize } from './evaluate/engine.js'
import type { Finding } from './evaluate/types.js'
import type { AuditReport } from './report/types.js'
import { locateFindings } from './report/locations.js'
import { adviseFixes } from './remediate/advice.js'
import { pointersOverlap } from './state/pointer.js'
import { readSnapshot } from './collect/snapshot.js'
import { foreignPlan, foreignState } from './state/subject.js'
import { ConfigError } from './config/errors.js'
import type { AccountState } from './state/types.js'
import { VERSION } from './version.js'

/** Counts of AWS calls, for the report's debug output and the benchmark. */
export interface CollectStats {
  total: number
  byOperation: Record<string, number>
}

/** What an audit is doing, for a progress display. */
export type ProgressEvent =
  | { phase: 'collect'; source: string; target?: string }
  | { phase: 'evaluate'; rules: number }
  | { phase: 'done' }

export type Collector = (config: Config, needs: Needs) => Promise<{ state: AccountState; stats?: CollectStats }>

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
export function exitCodeFor(findings: Finding[], config: { params: Pick<Parameters, 'failOn' | 'failOnError'> }): 0 | 1 {
  const { failOn, failOnError } = config.params
  const threshold = failOn === 'none' ? Infinity : RANK[failOn]
  const failing = findings.some(
    (f) => (f.status === 'fail' && RANK[f.severity] >= threshold) || (f.status === 'error' && failOnError)
  )
  return failing ? 1 : 0
}

export function buildReport(config: Config, state: AccountState, findings: Finding[], now: Date): AuditReport {
  const { params } = config
  const summary = summarize(findings)
  const deployment = deploymentOf(state, params)
  const name = params.workgroup ?? params.clusterIdentifier ?? state.redshift?.name
  // The region the facts were read in: a state-file's own, not AWS_REGION's.
  const region = state.source.region ?? params.region
  const endpoint = state.redshift?.endpoint
  return {
    tool: { name: 'cargo-redshift-guard', version: VERSION },
    generatedAt: now.toISOString(),
    source: state.source,
    target: {
      kind: deployment === 'provisioned' ? 'cluster' : 'workgroup',
      ...(name ? { name } : {}),
      ...(region ? { region } : {}),
      ...(state.source.accountId ? { accountId: state.source.accountId } : {})
    },
    ...(state.redshift
      ? {
          connection: {
            ...(endpoint?.address ? { host: endpoint.address } : {}),
            ...(endpoint?.port !== undefined ? { port: endpoint.port } : {}),
            database: params.database,
            user: params.dbUser,
            ...(state.iam.role?.arn ? { roleArn: state.iam.role.arn } : {})
          }
        }
      : {}),
    // Fleets (issue 13): which target of the targets file this is; the account read is source.accountId (STS).
    ...(config.fleetTarget ? { fleet: { target: config.fleetTarget.name, ...(params.assumeRoleArn ? { assumeRoleArn: params.assumeRoleArn } : {}) } } : {}),
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
  const { state, stats } = await collectAwsState(config.params, needs, {
    timeoutMs: config.params.timeoutSeconds * 1000,
    maxConcurrency: config.params.maxConcurrency
  })
  return { state, stats: { total: stats.total, byOperation: { ...stats.byOperation } } }
}

/** collect -> evaluate -> report model. The collector is injected: live AWS, a snapshot, or IaC. */
/**
 * Whether a plan or template is laid over the live account: `iac-live: auto` reads AWS only
 * when it was told where to look and credentials are at hand, so a PR check without AWS access
 * judges the plan alone instead of failing on unreadable facts.
 */
export function readsLiveWithIac(params: Parameters, env: NodeJS.ProcessEnv): boolean {
  if (params.iacLive !== 'auto') return params.iacLive === 'true'
  const target = Boolean(params.region && (params.workgroup || params.clusterIdentifier))
  const credentials = ['AWS_ACCESS_KEY_ID', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'].some((k) => Boolean(env[k]))
  return target && credentials
}

/**
 * A state-file read in another region, or for another workgroup or cluster, than the inputs
 * name can show nothing about them: the run is refused (exit 2) naming the input and what the
 * state was read for. Narrower mismatches (role, user, database...) make only the rules on
 * them `error` (src/state/subject.ts), so the rest of the state is still judged.
 */
function refuseForeignState(config: Config, state: AccountState, file: string): void {
  const places = config.places
  // Without places (a Config built in code) every region counts as given.
  const regionGiven = places === undefined || places['region'] !== undefined
  const foreign = foreignState(state, config.params, file, regionGiven)
  if (foreign.length > 0) {
    throw new ConfigError(foreign.map((f) => ({ where: places?.[f.input] ?? { input: f.input }, message: f.message })))
  }
}

export async function audit(
  config: Config,
  options: { now?: Date; collect?: Collector; cwd?: string; env?: NodeJS.ProcessEnv; onProgress?: (event: ProgressEvent) => void } = {}
): Promise<AuditOutcome> {
  const progress = options.onProgress ?? (() => {})
  const now = options.now ?? new Date()
  const needs = needsOf(config.ruleSet, config.params.disableRules, config.params.mode)
  const { params } = config
  const cwd = options.cwd ?? process.cwd()
  const iacFile = params.terraformPlan ?? params.cloudformationTemplate
  // The IaC readers load only when a plan or template is judged; the plan is read (and so
  // validated) before anything talks to AWS.
  const iac = iacFile ? await import('./collect/iac/index.js') : undefined
  const planned = iac?.loadIacState(iacFile!, params, cwd, {
    now,
    ...(params.terraformDir ? { baseDir: params.terraformDir } : {}),
    ...(params.cloudformationTemplate ? { parameters: params.cloudformationParameters } : {})
  })
  let state: AccountState | undefined
  let stats: CollectStats | undefined
  if (params.stateFile) {
    state = readSnapshot(params.stateFile, cwd)
    refuseForeignState(config, state, params.stateFile)
  } else if (!planned || readsLiveWithIac(params, options.env ?? process.env)) {
    const name = params.workgroup ?? params.clusterIdentifier
    progress({
      phase: 'collect',
      source: 'the AWS account',
      ...(name ? { target: `${params.workgroup ? 'workgroup' : 'cluster'} ${name}${params.region ? `, ${params.region}` : ''}` } : {})
    })
    const collect = options.collect ?? collectLive
    const collected = await collect(config, needs)
    state = collected.state
    stats = collected.stats
  }
  if (planned && state) {
    const foreign = foreignPlan(state, planned)
    const input = params.terraformPlan ? 'terraform-plan' : 'cloudformation-template'
    if (foreign) throw new ConfigError([{ where: config.places?.[input] ?? { input }, message: `${iacFile} ${foreign}` }])
  }
  if (planned) state = state && iac ? iac.overlayState(state, planned) : planned
  if (!state) throw new Error('no state to judge')
  progress({ phase: 'evaluate', rules: config.ruleSet.rules.length })
  const evaluated = evaluate({ ruleSet: config.ruleSet, state, params: config.params, waivers: config.waivers, now })
  const env = options.env ?? process.env
  const located = locateFindings(evaluated, config.ruleSet.rules, {
    workspace: env['GITHUB_WORKSPACE'] || cwd,
    cwd,
    ...(config.places ? { inputLocations: config.places } : {})
  })
  const findings = adviseFixes({ findings: located, state, params, rules: config.ruleSet.rules })
  const report = buildReport(config, state, findings, now)
  progress({ phase: 'done' })
  return { state, findings, report, exitCode: exitCodeFor(findings, config), ...(stats ? { stats } : {}) }
}
