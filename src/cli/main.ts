/**
 * The CLI: pick the command, parse the command line against that command's own options, check
 * every input, then run. Usage and configuration problems are reported together, each naming its
 * flag or file:line, before anything is read (exit 2).
 */
import { ConfigError, formatLocation, type ConfigProblem } from '../json/problems.js'
import { inputSpec } from '../config/inputs.js'
import type { RawInputs } from '../config/parameters.js'
import { VERSION } from '../version.js'
import { optionsOf, type CommandSpec, type Invocation, type Io } from './command.js'
import { COMMANDS } from './commands/index.js'
import { commandHelp, generalHelp } from './help.js'
import { didYouMean } from '../config/did-you-mean.js'
import { parseCommandLine } from './parse.js'

function reportProblems(io: Io, problems: ConfigProblem[], command: CommandSpec<unknown> | undefined): number {
  for (const p of problems) {
    // An input named by the configuration (e.g. a missing one) is a --flag here.
    const input = p.where.input
    const flagged = input && !p.where.file && inputSpec(input) ? { ...p.where, input: `--${input}` } : p.where
    const where = formatLocation(flagged)
    io.stderr.write(`error: ${where ? `${where}: ` : ''}${p.message}\n`)
  }
  io.stderr.write(`Nothing was read or changed. Run 'cargo-redshift-guard ${command ? `${command.name} ` : ''}--help' for usage.\n`)
  return 2
}

export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  context: { env?: NodeJS.ProcessEnv; cwd?: string } = {}
): Promise<number> {
  const env = context.env ?? process.env
  const cwd = context.cwd ?? process.cwd()
  const first = argv[0]
  const named = first !== undefined && !first.startsWith('-')
  if (!named && argv.includes('--version')) {
    io.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (!named && (first === '--help' || first === '-h' || argv.length === 1 && first === 'help')) {
    io.stdout.write(generalHelp(COMMANDS))
    return 0
  }
  if (first === 'help') {
    const topic = COMMANDS.find((c) => c.name === argv[1])
    io.stdout.write(topic ? commandHelp(topic) : generalHelp(COMMANDS))
    return 0
  }
  const command = named ? COMMANDS.find((c) => c.name === first) : COMMANDS[0]
  if (!command) {
    const near = didYouMean(first as string, COMMANDS.map((c) => c.name))
    io.stderr.write(
      `error: unknown command '${first}'${near ? ` (did you mean '${near}'?)` : ''}. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.\n` +
        "Run 'cargo-redshift-guard --help' for usage.\n"
    )
    return 2
  }
  const parsed = parseCommandLine(named ? argv.slice(1) : argv, command, {
    commandsWith: (name) => COMMANDS.filter((c) => c !== command && optionsOf(c).some((o) => o.name === name)).map((c) => c.name)
  })
  if (parsed.help) {
    io.stdout.write(commandHelp(command))
    return 0
  }
  const problems = [...parsed.problems]
  const maxArgs = command.args.at(-1)?.variadic ? Infinity : command.args.length
  if (parsed.args.length > maxArgs) {
    const extra = parsed.args.slice(maxArgs)
    const near = maxArgs === 0 && !named ? didYouMean(extra[0] as string, COMMANDS.map((c) => c.name)) : undefined
    const hint = near === extra[0] ? `; the command comes first: cargo-redshift-guard ${near} [options]` : near ? `; did you mean the command '${near}'?` : ''
    problems.push({
      where: {},
      message: `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `'${a}'`).join(' ')}${hint} (${command.name} takes ${maxArgs === 0 ? 'none' : command.args.map((a) => a.name).join(' ')})`
    })
  }
  const inputs: RawInputs = {}
  for (const o of optionsOf(command)) {
    const value = parsed.values[o.name]
    if (o.input && typeof value === 'string') inputs[o.input] = { value, where: { input: parsed.flags[o.name] ?? `--${o.name}` } }
  }
  const invocation: Invocation = { values: parsed.values, args: parsed.args.slice(0, maxArgs), inputs, io, env, cwd }

  let configured: unknown
  try {
    configured = await command.configure(invocation)
  } catch (err) {
    if (!(err instanceof ConfigError)) return unexpected(io, err)
    problems.push(...err.problems)
  }
  if (problems.length > 0) return reportProblems(io, problems, command)
  try {
    return await command.run(invocation, configured)
  } catch (err) {
    if (err instanceof ConfigError) return reportProblems(io, err.problems, command)
    return unexpected(io, err)
  }
}

function unexpected(io: Io, err: unknown): number {
  io.stderr.write(`cargo-redshift-guard failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  return 3
}
