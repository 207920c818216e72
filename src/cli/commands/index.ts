/**
 * The CLI's commands. A command is one entry here: its own options, arguments, help and run
 * (see ../command.ts). The first is the default when no command is named.
 */
import type { CommandSpec } from '../command.js'
import { doctorCommand } from './doctor.js'
import { mergeCommand, targetsCommand } from './fleet.js'
import { applyCommand, auditCommand, planCommand } from './modes.js'
import { explainCommand, listRulesCommand } from './rules.js'

export const COMMANDS: ReadonlyArray<CommandSpec<unknown>> = [
  auditCommand,
  planCommand,
  applyCommand,
  doctorCommand,
  listRulesCommand,
  explainCommand,
  targetsCommand,
  mergeCommand
]
