/**
 * What a CLI subcommand is: a name, its options (each with its help line), its arguments, and two
 * steps. `configure` checks everything it was given and throws ConfigError with every problem;
 * `run` does the work. main() parses the command line against the command's own option list,
 * so a command accepts exactly what its help lists, and reports usage and configuration problems
 * together, in one pass, before anything is read.
 */
import type { ConfigProblem } from '../json/problems.js'
import type { RawInputs } from '../config/parameters.js'

export interface OptionSpec {
  /** The long name, without `--`. */
  name: string
  short?: string
  /** Other long names accepted for the same option (not listed in help beyond a mention). */
  aliases?: string[]
  type: 'string' | 'boolean'
  /** How the value is shown in help, e.g. `<file>`. */
  value?: string
  description: string
  default?: string
  /** The input of the catalogue (config file key, action input) this option sets. */
  input?: string
  /** Given more than once: the values are joined into one list (list inputs). */
  repeatable?: boolean
}

export interface ArgSpec {
  name: string
  description: string
  required: boolean
  /** The last argument may repeat (e.g. REPORT...). */
  variadic?: boolean
}

export interface Io {
  stdout: Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean }
  stderr: Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean }
}

/** A parsed command line, for one command. */
export interface Invocation {
  /** Option values by long name: strings, true for booleans. */
  values: Record<string, string | boolean>
  args: string[]
  /** The inputs of the catalogue given as options, located at their flag. */
  inputs: RawInputs
  io: Io
  env: NodeJS.ProcessEnv
  cwd: string
}

export interface CommandSpec<T = unknown> {
  name: string
  /** One line for the command list. */
  summary: string
  /** Paragraphs for the command's own help. */
  description: string
  args: ArgSpec[]
  /** Option groups, each with a heading, in the order help shows them. */
  optionGroups: Array<{ heading: string; options: OptionSpec[] }>
  /** Exit codes and other notes for the end of the help. */
  notes?: string
  /** Checks every input; throws ConfigError with all problems. Reads nothing remote. */
  configure(invocation: Invocation): T | Promise<T>
  run(invocation: Invocation, configured: T): Promise<number>
}

/** Lets a table hold commands whose configured values differ. */
export function defineCommand<T>(spec: CommandSpec<T>): CommandSpec<unknown> {
  return spec as unknown as CommandSpec<unknown>
}

export function optionsOf(command: CommandSpec<unknown>): OptionSpec[] {
  return command.optionGroups.flatMap((g) => g.options)
}

/** A usage problem found while parsing, reported with the configuration's problems. */
export type UsageProblem = ConfigProblem
