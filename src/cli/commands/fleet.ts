/** The fleet commands (issue 13; the work is in src/fleet/cli.ts): targets and merge. */
import { ConfigError, type ConfigProblem } from '../../json/problems.js'
import { defineCommand, type Invocation } from '../command.js'
import { checkChoice, formatOption, inputOptions, NO_COLOR_OPTION, OUTPUT_OPTION } from './shared.js'

const FORMATS = ['console', 'json', 'markdown', 'sarif', 'junit'] as const

async function fleet(inv: Invocation, positionals: string[], format: string): Promise<number> {
  const { runFleetCli } = await import('../../fleet/cli.js')
  type Io = Parameters<typeof runFleetCli>[2]
  type Format = Parameters<typeof runFleetCli>[3]['format']
  const color = Boolean(inv.io.stdout.isTTY) && !inv.values['no-color'] && !inv.env['NO_COLOR']
  const out = await runFleetCli(positionals, { ...inv.values }, inv.io as Io, { format: format as Format, color, cwd: inv.cwd })
  if (!out || !('exitCode' in out)) throw new Error(`${positionals[0]} ended without an exit code`)
  return out.exitCode
}

export const targetsCommand = defineCommand<null>({
  name: 'targets',
  summary: 'print the targets file\'s job matrix, {"include":[{"target":...}]}, for strategy.matrix',
  description:
    'Reads --targets FILE, checks every target (so a bad one fails here, before the matrix starts) and prints the job matrix as JSON: {"include":[{"target":...}]}, for a workflow\'s strategy.matrix. Inputs given here are the defaults under every target.',
  args: [],
  optionGroups: [
    { heading: 'Output', options: [OUTPUT_OPTION] },
    { heading: 'Inputs (the GitHub Action\'s input names)', options: inputOptions('audit').filter((o) => !['target', 'max-targets-in-flight'].includes(o.name)) }
  ],
  notes: 'Exit codes: 0 the matrix was printed, 2 the targets file or an input is wrong, 3 unexpected failure.',
  configure(inv) {
    if (!inv.inputs['targets']) {
      throw new ConfigError([{ where: { input: '--targets' }, message: 'give the targets file: cargo-redshift-guard targets --targets FILE' }])
    }
    return null
  },
  run: (inv) => fleet(inv, ['targets'], 'json')
})

export const mergeCommand = defineCommand<{ format: string }>({
  name: 'merge',
  summary: 'one fleet report (target x result) from per-target JSON reports',
  description:
    'Merges the JSON reports of a fleet\'s targets (each job\'s report-path) into one fleet report. Quoted globs (\'reports/**/*.json\') are expanded as the action expands them.',
  args: [{ name: 'REPORT', description: 'a per-target JSON report, or a glob of them', required: true, variadic: true }],
  optionGroups: [
    { heading: 'Output', options: [formatOption(FORMATS), OUTPUT_OPTION, NO_COLOR_OPTION] },
    { heading: 'Thresholds', options: inputOptions('audit').filter((o) => o.name === 'fail-on' || o.name === 'fail-on-error') }
  ],
  notes: 'Exit codes: 0 no target drifts at or above fail-on, 1 a target drifts (or could not be checked, with fail-on-error), 2 a report is unreadable or two reports claim the same target, 3 unexpected failure.',
  configure(inv) {
    const problems: ConfigProblem[] = []
    const format = checkChoice(inv, 'format', FORMATS, problems)
    if (inv.args.length === 0) problems.push({ where: { input: 'REPORT' }, message: 'give the per-target JSON reports to merge: cargo-redshift-guard merge REPORT...' })
    if (problems.length > 0) throw new ConfigError(problems)
    return { format }
  },
  run: (inv, { format }) => fleet(inv, ['merge', ...inv.args], format)
})
