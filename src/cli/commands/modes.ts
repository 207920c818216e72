/** The three modes of the action as commands: audit (read-only), plan and apply. */
import { ConfigError, type ConfigProblem } from '../../json/problems.js'
import { readFleetInputs } from '../../config/targets.js'
import type { Config } from '../../config/load.js'
import { writeAuditFiles } from '../../outputs.js'
import { writeTextFile } from '../../report/files.js'
import { REPORT_FORMAT_NAMES, reportFormat } from '../../report/formats.js'
import type { AuditReport } from '../../report/types.js'
import { audit } from '../../run.js'
import { defineCommand, type Invocation } from '../command.js'
import { terminalProgress } from '../progress.js'
import {
  AWS_NOTE,
  checkChoice,
  configFor,
  EXIT_CODES,
  formatOption,
  inputOptions,
  NO_COLOR_OPTION,
  OUTPUT_OPTION,
  PASSWORD_FILE_OPTION,
  readPassword,
  VERBOSE_OPTION,
  warnUnmatchedWaivers
} from './shared.js'

/** Where `plan` writes by default; kept here so that `--help` needs no remediation code loaded. */
const DEFAULT_PLAN_FILE = 'cargo-redshift-guard-plan.json'

const REPORT_FORMATS = REPORT_FORMAT_NAMES
const PLAN_FORMATS = ['markdown', 'json'] as const

interface Configured {
  /** Undefined with --targets: the fleet code reads the targets file (fleetRun). */
  config?: Config
  format: string
}

function configure(inv: Invocation, mode: 'audit' | 'plan' | 'apply', formats: readonly string[]): Configured {
  const problems: ConfigProblem[] = []
  const format = checkChoice(inv, 'format', formats, problems)
  // --target or --max-targets-in-flight without --targets: the fleet's own checks say why.
  if (!inv.inputs['targets'] && (inv.inputs['target'] || inv.inputs['max-targets-in-flight'])) {
    try {
      readFleetInputs(inv.inputs)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
    }
  }
  // A fleet run (--targets) gets each target's config from the targets file, in fleetRun.
  if (inv.inputs['targets']) {
    if (problems.length > 0) throw new ConfigError(problems)
    return { format }
  }
  return { config: configFor(inv, mode, problems), format }
}

/**
 * --targets FILE (issue 13, src/fleet/cli.ts): with --target, that target's Config for the usual
 * run; without, audit of every target, whose exit code is returned.
 */
async function fleetRun(inv: Invocation, mode: 'audit' | 'plan' | 'apply', format: string): Promise<{ exitCode: number } | { config: Config }> {
  const { runFleetCli } = await import('../../fleet/cli.js')
  const values: Record<string, unknown> = { ...inv.values }
  if (typeof values['state-file'] === 'string') values['state'] = values['state-file']
  if (mode !== 'audit') {
    const problems: ConfigProblem[] = []
    const password = readPassword(inv, problems)['db-user-password']?.value
    if (problems.length > 0) throw new ConfigError(problems)
    if (typeof password === 'string') values['db-user-password'] = password
  }
  const out = await runFleetCli([mode], values, inv.io as FleetIo, { format: format as FleetFormat, color: colorFor(inv), cwd: inv.cwd })
  if (!out) throw new Error('--targets given, but the fleet run did not take it')
  return out
}

type FleetIo = Parameters<typeof import('../../fleet/cli.js').runFleetCli>[2]
type FleetFormat = Parameters<typeof import('../../fleet/cli.js').runFleetCli>[3]['format']

function colorFor(inv: Invocation): boolean {
  return Boolean(inv.io.stdout.isTTY) && !inv.values['no-color'] && !inv.env['NO_COLOR']
}

/** The config to run with: the one configured, or the fleet target's; or the fleet's exit code. */
async function configOf(inv: Invocation, mode: 'audit' | 'plan' | 'apply', configured: Configured): Promise<Config | number> {
  if (configured.config) return configured.config
  const out = await fleetRun(inv, mode, configured.format)
  return 'exitCode' in out ? out.exitCode : out.config
}

function render(report: AuditReport, format: string, inv: Invocation): string {
  return reportFormat(format).report(report, { cwd: inv.cwd, color: colorFor(inv), verbose: Boolean(inv.values['verbose']) })
}

function emitter(inv: Invocation): (text: string) => void {
  return (text) => {
    const output = inv.values['output']
    if (typeof output === 'string') writeTextFile(output, text, inv.cwd)
    else inv.io.stdout.write(text)
  }
}

/** The CLI writes report-path only when asked; the action always does. */
const filesFor = (inv: Invocation, config: Config) => (inv.inputs['report-path'] ? { reportPath: config.outputs.reportPath } : {})

export const auditCommand = defineCommand<Configured>({
  name: 'audit',
  summary: 'read the account (or a state file, Terraform plan or CloudFormation template) and judge every rule; read-only (the default command)',
  description:
    'Reads the account (or judges a saved state, a Terraform plan or a CloudFormation template) and judges every rule of the rule set. Changes nothing.',
  args: [],
  optionGroups: [
    { heading: 'Report', options: [formatOption(REPORT_FORMATS), OUTPUT_OPTION, VERBOSE_OPTION, NO_COLOR_OPTION] },
    { heading: 'Inputs (the GitHub Action\'s input names; also keys of the config file)', options: inputOptions('audit') }
  ],
  notes: `${EXIT_CODES}\n${AWS_NOTE}`,
  configure: (inv) => configure(inv, 'audit', REPORT_FORMATS),
  async run(inv, configured) {
    const config = await configOf(inv, 'audit', configured)
    if (typeof config === 'number') return config
    const { format } = configured
    // A terminal sees what the audit is doing while AWS answers (stderr: stdout is the report).
    const progress = terminalProgress(inv.io.stderr)
    const outcome = await audit(config, { cwd: inv.cwd, env: inv.env, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) }).finally(() =>
      progress.stop()
    )
    emitter(inv)(render(outcome.report, format, inv))
    warnUnmatchedWaivers(inv, config, outcome.findings)
    writeAuditFiles(config, outcome, filesFor(inv, config))
    return outcome.exitCode
  }
})

export const planCommand = defineCommand<Configured>({
  name: 'plan',
  summary: 'audit, then write the additive changes that would fix the rules named in --remediate, for review',
  description:
    `Audits, then writes the additive changes that would make the rules named in --remediate pass to --plan-file (default ${DEFAULT_PLAN_FILE}) and a Markdown twin beside it, and prints the plan. Changes nothing.`,
  args: [],
  optionGroups: [
    { heading: 'Output', options: [formatOption(PLAN_FORMATS, 'How to print the plan'), OUTPUT_OPTION] },
    { heading: 'Inputs (the GitHub Action\'s input names; also keys of the config file)', options: [...inputOptions('plan'), PASSWORD_FILE_OPTION] }
  ],
  notes: `Exit codes: 0 the plan was written (drift is its content), 2 usage or configuration error, 3 unexpected failure.\n${AWS_NOTE}`,
  configure: (inv) => configure(inv, 'plan', PLAN_FORMATS),
  async run(inv, configured) {
    const config = await configOf(inv, 'plan', configured)
    if (typeof config === 'number') return config
    const { format } = configured
    const { runPlan } = await import('../../plan-apply.js')
    const out = await runPlan(config, { cwd: inv.cwd })
    emitter(inv)(format === 'json' ? JSON.stringify(out.plan, null, 2) + '\n' : out.markdown)
    inv.io.stderr.write(`plan written to ${out.planPath} and ${out.markdownPath}: ${out.plan.steps.length} change(s), ${out.plan.manual.length} left to a person\n`)
    warnUnmatchedWaivers(inv, config, out.audit.findings)
    writeAuditFiles(config, out.audit, filesFor(inv, config))
    return out.exitCode
  }
})

export const applyCommand = defineCommand<Configured>({
  name: 'apply',
  summary: 'apply a reviewed plan (--plan-file), or plan and apply in one go; then audit again',
  description: [
    'With --plan-file: applies exactly that reviewed plan. Steps already made (by an earlier apply that stopped midway, or by hand) count as done; a step whose subject changed since the review is held back, with what depends on it, and the others are made. Without --plan-file: plans and applies in one go.',
    'A failed step holds back only the steps that depend on it. Then the account is audited again; the exit code is that audit\'s. Refused on the events a pull request raises (pull_request, pull_request_target, pull_request_review, pull_request_review_comment, merge_group).'
  ].join('\n\n'),
  args: [],
  optionGroups: [
    { heading: 'Report (of the audit after the changes)', options: [formatOption(REPORT_FORMATS), OUTPUT_OPTION, VERBOSE_OPTION, NO_COLOR_OPTION] },
    { heading: 'Inputs (the GitHub Action\'s input names; also keys of the config file)', options: [...inputOptions('apply'), PASSWORD_FILE_OPTION] }
  ],
  notes: `Exit codes: 0 every rule passes after the changes, 1 drift remains, a change failed or was held back,
2 usage or configuration error, or apply refused (nothing was changed), 3 unexpected failure.\n${AWS_NOTE}`,
  configure: (inv) => configure(inv, 'apply', REPORT_FORMATS),
  async run(inv, configured) {
    const config = await configOf(inv, 'apply', configured)
    if (typeof config === 'number') return config
    const { format } = configured
    const { runApply } = await import('../../plan-apply.js')
    const { describeEvent } = await import('../../remediate/apply.js')
    const { renderPlanMarkdown } = await import('../../remediate/markdown.js')
    const err = inv.io.stderr
    let announced = false
    const out = await runApply(config, {
      cwd: inv.cwd,
      env: inv.env,
      // Planned in one go: show what is about to change before it changes.
      onPlan: (plan) => {
        if (!config.remediation.planFile) err.write(renderPlanMarkdown(plan))
      },
      onEvent: (event) => {
        if (!announced && event.kind !== 'wait') {
          announced = true
          err.write(`applying ${event.total} change(s)\n`)
        }
        err.write(describeEvent(event) + '\n')
      }
    })
    if (out.refused) {
      err.write(`error: ${out.refused}\n`)
      return out.exitCode
    }
    if (out.result) {
      const r = out.result
      err.write(
        `${r.changes} change(s) made, ${r.done.length - r.changes} already in place` +
          (r.failures.length > 0 ? `; failed: ${r.failures.map((f) => f.step.id).join(', ')}` : '') +
          (r.held.length > 0 ? `; ${r.held.length} not run` : '') +
          (r.failures.length + r.held.length > 0 ? ' (apply the same plan again once the cause is fixed)' : '') +
          '\n'
      )
    }
    if (out.after) {
      emitter(inv)(render(out.after.report, format, inv))
      warnUnmatchedWaivers(inv, config, out.after.findings)
      writeAuditFiles(config, out.after, filesFor(inv, config))
    }
    return out.exitCode
  }
})
