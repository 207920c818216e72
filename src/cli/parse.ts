/**
 * The command line -> option values, arguments and every usage problem at once. Hand-rolled over
 * a few lines rather than node:util parseArgs: in strict mode parseArgs stops at the first
 * unknown option with a message about positionals and '--' that points nowhere useful; in loose
 * mode it guesses an unknown option's type and turns its value into an argument, a knock-on error.
 */
import { didYouMean } from '../config/did-you-mean.js'
import type { ConfigProblem } from '../json/problems.js'
import { INPUTS } from '../config/inputs.js'
import type { CommandSpec, OptionSpec } from './command.js'
import { optionsOf } from './command.js'

export interface Parsed {
  values: Record<string, string | boolean>
  args: string[]
  /** Which flag set each value, as typed (for messages). */
  flags: Record<string, string>
  problems: ConfigProblem[]
  help: boolean
}

export interface OptionHint {
  /** Other commands that accept an option of this name. */
  commandsWith: (name: string) => string[]
}

/** Why an option this command lacks was typed, when the catalogue knows better than "unknown". */
function unknownOptionMessage(name: string, command: CommandSpec<unknown>, hint: OptionHint): string {
  const actionOnly = INPUTS.filter((i) => i.only === 'action').map((i) => i.name)
  const names = optionsOf(command).flatMap((o) => [o.name, ...(o.aliases ?? [])])
  const near = didYouMean(name, [...names, ...actionOnly])
  const action = actionOnly.includes(name) ? name : near && actionOnly.includes(near) ? near : undefined
  if (action) {
    return `${action === name ? '' : `unknown option; did you mean --${action}? `}--${action} is an input of the GitHub Action only (it needs a pull request, an issue tracker or a token): the CLI does not take it`
  }
  if (name === 'mode') return 'the CLI takes the mode as its command: cargo-redshift-guard audit | plan | apply'
  const elsewhere = hint.commandsWith(name)
  if (elsewhere.length > 0) return `is an option of ${elsewhere.join(' and ')}, not of ${command.name}`
  return `unknown option${near ? `; did you mean --${near}?` : ''} (see ${command.name} --help)`
}

export function parseCommandLine(argv: readonly string[], command: CommandSpec<unknown>, hint: OptionHint): Parsed {
  const options = optionsOf(command)
  const byLong = new Map<string, OptionSpec>()
  for (const o of options) for (const n of [o.name, ...(o.aliases ?? [])]) byLong.set(n, o)
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short as string, o]))
  const out: Parsed = { values: {}, args: [], flags: {}, problems: [], help: false }
  const problem = (flag: string, message: string) => out.problems.push({ where: { input: flag }, message })
  const looksLikeOption = (token: string | undefined) => token !== undefined && token.startsWith('-') && token !== '-'

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string
    if (token === '--') {
      out.args.push(...argv.slice(i + 1))
      break
    }
    if (!looksLikeOption(token)) {
      out.args.push(token)
      continue
    }
    let name: string
    let inline: string | undefined
    let spec: OptionSpec | undefined
    let flag: string
    if (token.startsWith('--')) {
      const eq = token.indexOf('=')
      name = eq < 0 ? token.slice(2) : token.slice(2, eq)
      inline = eq < 0 ? undefined : token.slice(eq + 1)
      flag = `--${name}`
      spec = byLong.get(name)
    } else {
      name = token.slice(1, 2)
      inline = token.length > 2 ? token.slice(2).replace(/^=/, '') : undefined
      flag = `-${name}`
      spec = byShort.get(name)
      // -vh: a run of boolean short options.
      if (spec?.type === 'boolean' && inline !== undefined && [...inline].every((c) => byShort.get(c)?.type === 'boolean')) {
        for (const c of [name, ...inline]) {
          const o = byShort.get(c) as OptionSpec
          out.values[o.name] = true
          out.flags[o.name] = `-${c}`
        }
        continue
      }
    }
    if (name === 'help' || name === 'h') {
      out.help = true
      continue
    }
    if (!spec) {
      const input = INPUTS.find((x) => x.name === name)
      if (input?.secret && input.only !== 'action') {
        // Swallow the value unseen: it must not be echoed, nor be taken for an argument.
        if (inline === undefined && argv[i + 1] !== undefined && !looksLikeOption(argv[i + 1])) i++
        problem(
          flag,
          `is refused: the password is never taken on the command line, where process lists show it to every user of the machine: ` +
            `set the environment variable ${PASSWORD_ENV}, or give --${name}-file <file>`
        )
        continue
      }
      problem(flag, unknownOptionMessage(name, command, hint))
      // Its value, if it has one, belongs to it: not an argument, not another problem.
      if (inline === undefined && argv[i + 1] !== undefined && !looksLikeOption(argv[i + 1])) i++
      continue
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) {
        problem(flag, 'takes no value')
        continue
      }
      out.values[spec.name] = true
      out.flags[spec.name] = flag
      continue
    }
    let value = inline
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || looksLikeOption(next)) {
        problem(flag, `needs a value${spec.value ? ` ${spec.value}` : ''}`)
        continue
      }
      value = next
      i++
    }
    const previous = out.values[spec.name]
    out.values[spec.name] = spec.repeatable && typeof previous === 'string' ? `${previous},${value}` : value
    out.flags[spec.name] = flag
  }
  return out
}

/** Where the CLI reads the Cargo DB user's password from (besides --db-user-password-file). */
export const PASSWORD_ENV = 'CARGO_REDSHIFT_GUARD_DB_USER_PASSWORD'
