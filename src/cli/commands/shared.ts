/**
 * What audit, plan and apply share: the inputs of the catalogue as options, the report options,
 * the password's safe ways in, and turning an invocation into a validated Config.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, formatLocation, type ConfigProblem } from '../../json/problems.js'
import { INPUTS, type InputSpec } from '../../config/inputs.js'
import { loadConfig, type Config } from '../../config/load.js'
import type { Mode, RawInputs } from '../../config/parameters.js'
import type { Finding } from '../../evaluate/types.js'
import { unmatchedWaivers } from '../../evaluate/unmatched-waivers.js'
import type { Invocation, OptionSpec } from '../command.js'
import { PASSWORD_ENV } from '../parse.js'

/** The catalogue's inputs that the CLI takes in this mode, as --options named like them. */
export function inputOptions(mode: Mode): OptionSpec[] {
  return INPUTS.filter((i) => i.only !== 'action' && !i.secret && i.name !== 'mode' && (!i.modes || i.modes.includes(mode))).map((i) => ({
    name: i.name,
    type: 'string' as const,
    value: valueHint(i),
    description: i.description,
    ...(i.default !== undefined ? { default: i.default } : {}),
    input: i.name,
    ...(i.kind === 'list' ? { repeatable: true } : {}),
    ...(i.name === 'state-file' ? { aliases: ['state'] } : {})
  }))
}

function valueHint(i: InputSpec): string {
  if (i.kind === 'boolean') return '<true|false>'
  if (i.kind === 'number') return '<n>'
  if (i.kind === 'list') return '<a,b,...>'
  if (/file|path|plan$|template|dir|config|waivers|save-state/.test(i.name)) return '<file>'
  return '<value>'
}

export const PASSWORD_FILE_OPTION: OptionSpec = {
  name: 'db-user-password-file',
  type: 'string',
  value: '<file>',
  description: `File holding the password for creating the Cargo DB user when it is missing (a trailing newline is ignored). Or set ${PASSWORD_ENV}. Never on the command line: process lists show it.`
}

export const VERBOSE_OPTION: OptionSpec = {
  name: 'verbose',
  short: 'v',
  type: 'boolean',
  description: 'Console format: also list the rules that pass, each with what it checked (without it, only their number is shown)'
}
export const NO_COLOR_OPTION: OptionSpec = { name: 'no-color', type: 'boolean', description: 'No colour even on a terminal (NO_COLOR is honoured too)' }
export const OUTPUT_OPTION: OptionSpec = { name: 'output', short: 'o', type: 'string', value: '<file>', description: 'Write what would be printed to this file instead of stdout' }

export function formatOption(formats: readonly string[], description = 'What to print'): OptionSpec {
  return { name: 'format', short: 'f', type: 'string', value: `<${formats.join('|')}>`, description, default: formats[0] as string }
}

/** The option's value if it is one of `allowed`; a problem otherwise. */
export function checkChoice(inv: Invocation, option: string, allowed: readonly string[], problems: ConfigProblem[]): string {
  const value = inv.values[option]
  if (value === undefined) return allowed[0] as string
  if (typeof value === 'string' && allowed.includes(value)) return value
  problems.push({ where: { input: `--${option}` }, message: `'${String(value)}' is not one of ${allowed.join(', ')}` })
  return allowed[0] as string
}

/** The password from --db-user-password-file or the environment; never from argv. */
export function readPassword(inv: Invocation, problems: ConfigProblem[]): RawInputs {
  const file = inv.values['db-user-password-file']
  const fromEnv = inv.env[PASSWORD_ENV]
  if (typeof file === 'string') {
    if (fromEnv) problems.push({ where: { input: '--db-user-password-file' }, message: `give the password one way: the file or ${PASSWORD_ENV}, not both` })
    try {
      const text = readFileSync(resolve(inv.cwd, file), 'utf8').replace(/\r?\n$/, '')
      return { 'db-user-password': { value: text, where: { input: '--db-user-password-file', file } } }
    } catch (err) {
      problems.push({ where: { input: '--db-user-password-file', file }, message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` })
      return {}
    }
  }
  if (fromEnv) return { 'db-user-password': { value: fromEnv, where: { input: PASSWORD_ENV } } }
  return {}
}

/** inputs (options, password file or environment) -> Config, with every problem of the invocation. */
export function configFor(inv: Invocation, mode: Mode, extra: ConfigProblem[] = []): Config {
  const problems = [...extra]
  const raw: RawInputs = { mode: { value: mode, where: { input: 'mode' } }, ...inv.inputs }
  if (mode !== 'audit') Object.assign(raw, readPassword(inv, problems))
  try {
    const config = loadConfig(raw, inv.cwd, inv.env)
    if (problems.length > 0) throw new ConfigError(problems)
    return config
  } catch (err) {
    if (err instanceof ConfigError && problems.length > 0 && err.problems !== problems) throw new ConfigError([...problems, ...err.problems])
    throw err
  }
}

/** A waiver that mutes nothing is worth a word on stderr: its author meant it to mute something. */
export function warnUnmatchedWaivers(inv: Invocation, config: Config, findings: readonly Finding[]): void {
  for (const p of unmatchedWaivers(config.waivers, findings)) inv.io.stderr.write(`warning: ${formatLocation(p.where)}: ${p.message}\n`)
}

export const EXIT_CODES = `Exit codes: 0 no drift at or above fail-on, 1 drift or a rule that could not be checked,
2 usage or configuration error (nothing was read), 3 unexpected failure.`

export const AWS_NOTE = `AWS credentials, region and endpoints come from the usual chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_<SERVICE>, ...). Every input can also be a key of the config file
(--config, default .github/cargo-redshift-guard.yml); options given here win over the file.`
