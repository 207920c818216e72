/**
 * The plan and apply modes, shared by the CLI and the action.
 *
 * plan:  collect -> evaluate -> plan -> write the plan (JSON and Markdown).
 * apply: refuse on pull-request events (before any AWS call) -> collect -> evaluate ->
 *        (plan file: refuse unless the account and the steps are what the plan was made from,
 *        or, once the account changed, make only the steps whose change is still the reviewed
 *        one (resume.ts); else plan now) -> apply step by step -> collect + evaluate again. The
 *        exit code is the re-verification's (1 also when a step failed or was held back); a
 *        refusal is exit 2 with nothing changed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from './json/problems.js'
import type { Config } from './config/load.js'
import { audit, collectLive, type AuditOutcome, type Collector } from './run.js'
import { pointersOverlap } from './json/pointer.js'
import { writeTextFile } from './report/files.js'
import { applyPlan, PlanError, validatePlan, type PollOptions, type SettledStep } from './remediate/apply.js'
import { canonicalJson, stateDigest } from './remediate/digest.js'
import { renderPlanMarkdown } from './remediate/markdown.js'
import { planRemediation, planTarget } from './remediate/plan.js'
import { resumePlan } from './remediate/resume.js'
import type { ApplyEvent, ApplyResult, Plan } from './remediate/types.js'

export const DEFAULT_PLAN_FILE = 'cargo-redshift-guard-plan.json'

/**
 * Events on which apply refuses to run: code under review must not change an account. Every
 * event a pull request raises counts, not only `pull_request`: reviews and review comments run
 * on the pull request's merge ref (GitHub Docs, "Events that trigger workflows":
 * pull_request_review, pull_request_review_comment), and merge_group on the merge queue's ref of
 * pull requests not yet merged.
 */
export const REFUSED_EVENTS = ['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment', 'merge_group']

/** Why apply refuses to run on this event, if it does (then before any AWS call, nothing changed). */
export function applyRefusal(event: string | undefined): string | undefined {
  if (!event || !REFUSED_EVENTS.includes(event)) return undefined
  return `apply refuses to run on '${event}' events: changes to an AWS account are never made from a pull request. Run it from workflow_dispatch (or another trusted trigger) after review.`
}

export interface RemediationOptions {
  /** How to read the account; default the live collector. */
  collect?: Collector
  /**
   * The entry point's environment (the CLI's, or the action's process.env): its
   * GITHUB_EVENT_NAME decides the pull-request refusal of apply. Given by the entry point,
   * which knows where it runs; nothing below reads process.env for it.
   */
  env?: NodeJS.ProcessEnv
  now?: Date
  cwd?: string
  /** apply: every step as it starts, ends or waits. */
  onEvent?: (event: ApplyEvent) => void
  /** apply: the plan about to be applied, once every check has passed. */
  onPlan?: (plan: Plan) => void
  poll?: Partial<PollOptions>
}

/** The Markdown twin of a plan file: `x.json` -> `x.md`, anything else -> `x.md` appended. */
export function markdownPathFor(planPath: string): string {
  return planPath.endsWith('.json') ? `${planPath.slice(0, -5)}.md` : `${planPath}.md`
}

const VERSION_COUNT = '/iam/crossAccountPolicy/versionCount'

/**
 * The audit's collector, also reading what the planner needs beyond the rules: how many versions
 * the cross-account policy has (IAM keeps five; a sixth cannot be added).
 */
export function remediationCollector(base: Collector = collectLive): Collector {
  return (config, needs, options) =>
    base(config, (pointer) => needs(pointer) || (needs('/iam/crossAccountPolicy') && pointersOverlap(VERSION_COUNT, pointer)), options)
}

/**
 * `remediate` must name rules of the rule set: a misspelt id would otherwise leave a rule
 * unfixed without a word. Thrown before anything is read, as a configuration error (exit 2).
 */
export function checkRemediateIds(config: Config): void {
  const known = new Set(config.ruleSet.rules.map((r) => r.id))
  const unknown = config.remediation.remediate.filter((id) => id !== 'all' && !known.has(id))
  if (unknown.length > 0) {
    throw new ConfigError([{ where: { input: 'remediate' }, message: `unknown rule id(s): ${unknown.join(', ')}` }])
  }
}

function auditFor(config: Config, options: RemediationOptions): Promise<AuditOutcome> {
  return audit(config, {
    collect: remediationCollector(options.collect),
    ...(options.now ? { now: options.now } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {})
  })
}

export function makePlan(config: Config, outcome: AuditOutcome, now?: Date): Plan {
  return planRemediation({
    state: outcome.state,
    findings: outcome.findings,
    params: config,
    rules: config.ruleSet.rules,
    ...(now ? { now } : {})
  })
}

export interface PlanOutcome {
  audit: AuditOutcome
  plan: Plan
  markdown: string
  /** Where the plan and its Markdown twin were written. */
  planPath: string
  markdownPath: string
  /** 0: the plan was made (drift is its content, not a failure). */
  exitCode: 0
}

/** mode plan: audit, plan, write `plan-file` (default cargo-redshift-guard-plan.json) and its `.md` twin. */
export async function runPlan(config: Config, options: RemediationOptions = {}): Promise<PlanOutcome> {
  checkRemediateIds(config)
  const outcome = await auditFor(config, options)
  const plan = makePlan(config, outcome, options.now)
  const markdown = renderPlanMarkdown(plan)
  const planPath = config.remediation.planFile ?? DEFAULT_PLAN_FILE
  const markdownPath = markdownPathFor(planPath)
  writeTextFile(planPath, JSON.stringify(plan, null, 2) + '\n', options.cwd)
  writeTextFile(markdownPath, markdown, options.cwd)
  return { audit: outcome, plan, markdown, planPath, markdownPath, exitCode: 0 }
}

export interface ApplyOutcome {
  /** 0 every rule passes after apply; 1 drift remains or a step failed; 2 refused, nothing changed. */
  exitCode: 0 | 1 | 2
  /** Why apply refused; nothing was changed. */
  refused?: string
  /** The plan applied (from the file, or made now). */
  plan?: Plan
  before?: AuditOutcome
  result?: ApplyResult
  /** The re-verification: collect + evaluate after the changes. */
  after?: AuditOutcome
}

function readPlanFile(file: string, cwd: string): Plan {
  const path = resolve(cwd, file)
  if (!existsSync(path)) throw new PlanError(`plan file ${file} does not exist (run plan first, or leave plan-file empty to plan and apply in one go)`)
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new PlanError(`plan file ${file} is not JSON: ${(err as Error).message}`)
  }
  return validatePlan(value)
}

/**
 * mode apply. With `plan-file`: applies exactly that plan, after checking that the account is
 * still what the plan was made from (state digest) and that these inputs plan the very same
 * steps (so an edited plan, or one made with other inputs, is refused). When the account changed
 * (an earlier apply of the plan stopped midway, or someone else acted), each step is judged on
 * its own (resume.ts): made ones count as done, unchanged ones are made, changed ones are held
 * back with what depends on them. Without: plans and applies in one go.
 */
export async function runApply(config: Config, options: RemediationOptions & { env: NodeJS.ProcessEnv }): Promise<ApplyOutcome> {
  const cwd = options.cwd ?? process.cwd()
  const refused = applyRefusal(options.env['GITHUB_EVENT_NAME'])
  if (refused) return { exitCode: 2, refused }
  checkRemediateIds(config)
  const params = config
  if (params.sources.stateFile) {
    return { exitCode: 2, refused: 'apply changes the live account, so it cannot work from state-file; remove state-file' }
  }
  let filed: Plan | undefined
  if (params.remediation.planFile) {
    try {
      filed = readPlanFile(params.remediation.planFile, cwd)
    } catch (err) {
      if (err instanceof PlanError) return { exitCode: 2, refused: err.message }
      throw err
    }
    const want = planTarget(params, { schemaVersion: 1, source: { kind: 'aws', collectedAt: '' }, iam: {}, network: {}, unavailable: [] })
    if (filed.target.kind !== want.kind || filed.target.name !== want.name || filed.target.region !== want.region) {
      return {
        exitCode: 2,
        refused: `the plan is for ${filed.target.kind} ${filed.target.name} in ${filed.target.region}, but these inputs name ${want.kind} ${want.name} in ${want.region}`
      }
    }
  }

  const before = await auditFor(config, options)
  let plan: Plan
  let settled: Map<string, SettledStep> | undefined
  if (filed) {
    if (filed.target.accountId && before.state.source.accountId && filed.target.accountId !== before.state.source.accountId) {
      return { exitCode: 2, before, refused: `the plan is for account ${filed.target.accountId}, but these credentials reach account ${before.state.source.accountId}` }
    }
    const now = planRemediation({
      state: before.state,
      findings: before.findings,
      params: { ...params, remediation: { ...params.remediation, remediate: filed.remediate } },
      rules: config.ruleSet.rules
    })
    if (canonicalJson(now.target) !== canonicalJson(filed.target)) {
      return {
        exitCode: 2,
        before,
        refused: 'the plan file names another target or Data API connection than these inputs give (was it edited, or made with other inputs?). Nothing was changed: run plan again with the same inputs.'
      }
    }
    if (stateDigest(before.state) === filed.stateDigest) {
      // The account is as reviewed: the inputs must plan the very steps of the file.
      if (canonicalJson(now.steps) !== canonicalJson(filed.steps)) {
        return {
          exitCode: 2,
          before,
          refused:
            'the plan file lists other steps than these inputs give for this account (was it edited, or made with other inputs, e.g. role-name, allow-public-access or db-user-password?). Nothing was changed: run plan again with the same inputs.'
        }
      }
    } else {
      // The account changed, often by an earlier apply of this very plan: judge each step by what it depends on.
      const resumed = resumePlan(filed, now, before.findings)
      const held = [...resumed.settled].filter(([, s]) => s.kind === 'held')
      if (resumed.toMake === 0 && held.length > 0) {
        return {
          exitCode: 2,
          before,
          refused:
            `the account changed since the plan was made, where its steps act, so the reviewed plan may no longer be right:\n` +
            held.map(([id, s]) => `  ${id}: ${(s as { reason: string }).reason}`).join('\n') +
            '\nNothing was changed: run plan again and review the new plan.'
        }
      }
      settled = resumed.settled
    }
    plan = filed
  } else {
    plan = makePlan(config, before, options.now)
  }
  const toMake = plan.steps.filter((s) => !settled?.has(s.id))
  if (toMake.some((s) => s.needsPassword) && params.remediation.dbUserPassword === undefined) {
    return { exitCode: 2, before, plan, refused: 'the plan creates the DB user but no db-user-password was given. Nothing was changed.' }
  }

  options.onPlan?.(plan)
  let result: ApplyResult
  const { createAwsClients } = await import('./aws/clients.js')
  const { targetCredentials } = await import('./aws/credentials.js')
  const region = plan.target.region || (params.target.region as string)
  // A fleet target's changes are made with its assumed role, like its reads.
  const credentials = targetCredentials(params.collect, region)
  const clients = createAwsClients(region, credentials ? { credentials } : {})
  try {
    result = await applyPlan(plan, {
      params,
      clients,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.poll ? { poll: options.poll } : {}),
      ...(settled ? { settled } : {})
    })
  } finally {
    clients.destroy()
    credentials?.destroy()
  }
  const after = await auditFor(config, options)
  const exitCode: 0 | 1 = after.exitCode === 1 || result.failures.length > 0 || result.held.length > 0 ? 1 : 0
  return { exitCode, plan, before, result, after }
}
