/** Help texts, made from the command table: each command's help lists exactly the options it accepts. */
import { VERSION } from '../version.js'
import type { CommandSpec, OptionSpec } from './command.js'

const BIN = 'cargo-redshift-guard'

/** Wraps text to `width` columns, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line)
      line = w
    } else line = line ? `${line} ${w}` : w
  }
  if (line) lines.push(line)
  return lines.join(`\n${' '.repeat(indent)}`)
}

function optionLabel(o: OptionSpec): string {
  const long = `--${o.name}${o.value ? ` ${o.value}` : ''}`
  return o.short ? `-${o.short}, ${long}` : `    ${long}`
}

function optionLines(options: OptionSpec[]): string {
  // One column for every group, so that a command's help reads as one table; longer labels wrap.
  const labelWidth = 34
  return options
    .map((o) => {
      const label = optionLabel(o)
      const text =
        o.description +
        (o.default !== undefined ? ` (default: ${o.default})` : '') +
        (o.aliases?.length ? ` Also --${o.aliases.join(', --')}.` : '')
      const pad = label.length + 2 > labelWidth ? `\n  ${' '.repeat(labelWidth)}` : ' '.repeat(labelWidth - label.length)
      return `  ${label}${pad}${wrap(text, 100 - labelWidth, labelWidth + 2)}`
    })
    .join('\n')
}

export function generalHelp(commands: ReadonlyArray<CommandSpec<unknown>>): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${wrap(c.summary, 96 - width, width + 2)}`).join('\n')
  return `${BIN} ${VERSION}: audit (and additively repair) an AWS account's setup for Cargo on Amazon Redshift.

Usage: ${BIN} [command] [options]

Commands:
${list}

Without a command, ${BIN} runs ${commands[0]?.name}. '${BIN} <command> --help' lists the options of that command.

  -h, --help     this help (after a command: that command's help)
      --version  the version
`
}

export function commandHelp(command: CommandSpec<unknown>): string {
  const args = command.args.map((a) => (a.required ? ` ${a.name}` : ` [${a.name}]`) + (a.variadic ? '...' : '')).join('')
  const parts = [`Usage: ${BIN} ${command.name}${args} [options]`, '', command.description.split('\n\n').map((p) => wrap(p, 100, 0)).join('\n\n')]
  if (command.args.length > 0) {
    parts.push('', 'Arguments:', ...command.args.map((a) => `  ${a.name}  ${a.description}`))
  }
  for (const group of command.optionGroups) parts.push('', `${group.heading}:`, optionLines(group.options))
  parts.push('', `  -h, --help  this help`)
  if (command.notes) parts.push('', command.notes)
  return parts.join('\n') + '\n'
}
