import { parseArgs } from 'node:util'
import { ConfigError, formatLocation } from '../config/errors.js'
import { INPUTS } from '../config/inputs.js'
import { loadConfig, type Config } from '../config/load.js'
import type { RawInputs } from '../config/parameters.js'
import { writeAuditFiles, writeTextFile } from '../outputs.js'
import { renderConsole } from '../report/console.js'
import { renderJson } from '../report/json.js'
import { renderJUnit } from '../report/junit.js'
import { renderMarkdown } from '../report/markdown.js'
import { renderSarif } from '../report/sarif.js'
import type { AuditReport } from '../report/types.js'
import { terminalProgress } from './progress.js'
import { audit } from '../run.js'
import { VERSION } from '../version.js'

/** Where `plan` writes by default; kept here so that `--help` needs no remediation code loaded. */
const DEFAULT_PLAN_FILE = 'cargo-redshift-guard-plan.json'

const FORMATS = ['console', 'json', 'markdown', 'sarif', 'junit'] as const
type Format = (typeof FORMATS)[number]
const COMMANDS = ['audit', 'plan', 'apply', 'doctor'] as const

/** Flags that only the CLI has, or short spellings of inputs. */
const CLI_FLAGS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  state: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
} as const

function usage(): string {
  const width = Math.max(...INPUTS.map((i) => i.name.length)) + 4
  const inputs = INPUTS.filter((i) => i.name !== 'mode')
    .map((i) => `  --${i.name.padEnd(width)}${i.description}${i.default ? ` (default: ${i.default})` : ''}`)
    .join('\n')
  return `cargo-redshift-guard ${VERSION}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit|plan|apply|doctor] [options]
       cargo-redshift-guard targets --targets FILE
       cargo-redshift-guard merge REPORT... [--format F] [--output FILE] [--fail-on S]

Commands:
  audit   read the account and judge every rule (default; read-only)
  plan    audit, then write the additive changes that would fix the rules named in --remediate
          to --plan-file (default ${DEFAULT_PLAN_FILE}) and a Markdown twin, and print it
  apply   with --plan-file: apply exactly that reviewed plan (refused if the account changed
          since); without: plan and apply in one go. Then audit again; the exit code is that
          audit's. Refused on pull_request / pull_request_target events.
  doctor  try every read the enabled rules need (AWS calls and SQL statements) with these
          credentials; one line per read: ok, or refused with the IAM action or SQL GRANT to allow it
  targets print the targets file's job matrix, {"include":[{"target":...}]}, for strategy.matrix
  merge   one fleet report (target x result) from per-target JSON reports; exit 1 when any
          target drifts (fail-on, fail-on-error), 2 when a report is unreadable or a target repeats
  With --targets FILE: --target NAME audits (plans, applies) that target; without --target,
  audit runs every target side by side (at most --max-targets-in-flight at once).

Options:
  -f, --format <${FORMATS.join('|')}>  what to print (default: console)
  -o, --output <file>     write the formatted report to a file instead of stdout
      --state <file>      same as --state-file: judge a saved account state, read no AWS
  -v, --verbose           show details for passing rules too
      --no-color          no colour even on a terminal (NO_COLOR is honoured too)
  -h, --help              this help
      --version           the version

Inputs (the same names as the GitHub Action's inputs and the config file's keys):
${inputs}

Exit codes: 0 no drift at or above fail-on (plan: the plan was written), 1 drift or a rule that
could not be checked (apply: after the changes, or a change failed), 2 usage or configuration
error, or apply refused (stale plan, pull-request event): nothing was changed, 3 unexpected failure.
AWS credentials, region and endpoints come from the usual chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_<SERVICE>, ...).
`
}

function render(report: AuditReport, format: Format, color: boolean, verbose: boolean): string {
  if (format === 'json') return renderJson(report)
  if (format === 'markdown') return renderMarkdown(report)
  if (format === 'sarif') return JSON.stringify(renderSarif(report, { ruleSetRoot: process.cwd() }), null, 2) + '\n'
  if (format === 'junit') return renderJUnit(report)
  return renderConsole(report, { color, verbose })
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { ...CLI_FLAGS }
  for (const spec of INPUTS) if (spec.only !== 'action' && spec.name !== 'mode') options[spec.name] = { type: 'string' }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\nRun with --help for usage.\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values['help']) {
    io.stdout.write(usage())
    return 0
  }
  if (values['version']) {
    io.stdout.write(`${VERSION}\n`)
    return 0
  }
  // --- fleets (issue 13): `targets`, `merge` and --targets FILE live in src/fleet/cli.ts.
  let fleetConfig: Config | undefined
  if (['targets', 'merge'].includes(positionals[0] ?? '') || ['targets', 'target', 'max-targets-in-flight'].some((flag) => typeof values[flag] === 'string')) {
    const format = (values['format'] ?? 'console') as Format
    if (!FORMATS.includes(format)) {
      io.stderr.write(`error: --format '${String(format)}' is not one of ${FORMATS.join(', ')}\n`)
      return 2
    }
    const color = Boolean((io.stdout as NodeJS.WriteStream).isTTY) && !values['no-color'] && !process.env['NO_COLOR']
    try {
      const { runFleetCli } = await import('../fleet/cli.js')
      const fleet = await runFleetCli(positionals, values, io, { format, color })
      if (fleet && 'exitCode' in fleet) return fleet.exitCode
      fleetConfig = fleet?.config
    } catch (err) {
      return failed(err, io)
    }
  }
  // --- end fleets
  const command = positionals[0] ?? 'audit'
  if (!(COMMANDS as readonly string[]).includes(command) || positionals.length > 1) {
    io.stderr.write(`error: unknown command '${positionals.join(' ')}'; expected one of ${COMMANDS.join(', ')}\n`)
    return 2
  }
  const format = (values['format'] ?? 'console') as Format
  if (!FORMATS.includes(format)) {
    io.stderr.write(`error: --format '${String(format)}' is not one of ${FORMATS.join(', ')}\n`)
    return 2
  }
  const raw: RawInputs = { mode: { value: command, where: { input: 'mode' } } }
  for (const spec of INPUTS) {
    const value = values[spec.name]
    if (typeof value === 'string') raw[spec.name] = { value, where: { input: `--${spec.name}` } }
  }
  if (typeof values['state'] === 'string') raw['state-file'] = { value: values['state'], where: { input: '--state' } }

  try {
    const config = fleetConfig ?? loadConfig(raw)
    const color = Boolean((io.stdout as NodeJS.WriteStream).isTTY) && !values['no-color'] && !process.env['NO_COLOR']
    const emit = (text: string) => {
      if (typeof values['output'] === 'string') writeTextFile(values['output'], text)
      else io.stdout.write(text)
    }
    // The CLI writes report-path only when asked; the action always does.
    const files = raw['report-path'] ? { reportPath: config.params.reportPath } : {}
    if (config.params.mode === 'plan') {
      const { runPlan } = await import('../remediate/command.js')
      const out = await runPlan(config)
      emit(format === 'json' ? JSON.stringify(out.plan, null, 2) + '\n' : out.markdown)
      io.stderr.write(`plan written to ${out.planPath} and ${out.markdownPath}: ${out.plan.steps.length} change(s), ${out.plan.manual.length} left to a person\n`)
      writeAuditFiles(config, out.audit, files)
      return out.exitCode
    }
    if (config.params.mode === 'doctor') {
      const { runDoctor } = await import('../doctor/index.js')
      const out = await runDoctor(config)
      emit(out.text)
      return out.exitCode
    }
    if (config.params.mode === 'apply') {
      const { runApply } = await import('../remediate/command.js')
      const { describeEvent } = await import('../remediate/apply.js')
      const { renderPlanMarkdown } = await import('../remediate/markdown.js')
      let announced = false
      const out = await runApply(config, {
        // Planned in one go: show what is about to change before it changes.
        onPlan: (plan) => {
          if (!config.params.planFile) io.stderr.write(renderPlanMarkdown(plan))
        },
        onEvent: (event) => {
          if (!announced && event.kind === 'start') {
            announced = true
            io.stderr.write(`applying ${event.total} change(s)\n`)
          }
          io.stderr.write(describeEvent(event) + '\n')
        }
      })
      if (out.refused) {
        io.stderr.write(`error: ${out.refused}\n`)
        return out.exitCode
      }
      if (out.result) {
        const r = out.result
        io.stderr.write(
          `${r.changes} change(s) made, ${r.done.length - r.changes} already in place` +
            (r.failed ? `; stopped at ${r.failed.step.id} (${r.notRun.length} not run: apply again once it is fixed)` : '') +
            '\n'
        )
      }
      if (out.after) {
        emit(render(out.after.report, format, color, Boolean(values['verbose'])))
        writeAuditFiles(config, out.after, files)
      }
      return out.exitCode
    }
    // A terminal sees what the audit is doing while AWS answers (stderr: stdout is the report).
    const progress = terminalProgress(io.stderr as NodeJS.WriteStream)
    const outcome = await audit(config, progress.onProgress ? { onProgress: progress.onProgress } : {}).finally(() => progress.stop())
    emit(render(outcome.report, format, color, Boolean(values['verbose'])))
    writeAuditFiles(config, outcome, files)
    return outcome.exitCode
  } catch (err) {
    return failed(err, io)
  }
}

/** Exit 2 with every configuration problem at its place, or 3 for a failure of the tool itself. */
function failed(err: unknown, io: { stderr: NodeJS.WritableStream }): 2 | 3 {
  if (err instanceof ConfigError) {
    for (const p of err.problems) io.stderr.write(`error: ${formatLocation(p.where)}: ${p.message}\n`)
    io.stderr.write('Nothing was read or changed. Run with --help for usage.\n')
    return 2
  }
  io.stderr.write(`cargo-redshift-guard failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return 3
}

