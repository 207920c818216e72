/** Where a bad value came from: an action input, a CLI flag, or a place in a file. */
export interface ConfigLocation {
  /** Action input or CLI flag name, e.g. `cargo-role-arn`. */
  input?: string
  file?: string
  line?: number
  column?: number
  /** JSON pointer inside the file's document. */
  pointer?: string
}

export function formatLocation(where: ConfigLocation): string {
  const parts: string[] = []
  if (where.file) {
    let place = where.file
    if (where.line !== undefined) place += `:${where.line}`
    if (where.line !== undefined && where.column !== undefined) place += `:${where.column}`
    parts.push(place)
  }
  if (where.pointer !== undefined) parts.push(`at ${where.pointer === '' ? '/' : where.pointer}`)
  if (where.input) parts.push(`input '${where.input}'`)
  return parts.join(' ')
}

export interface ConfigProblem {
  where: ConfigLocation
  message: string
}

/**
 * A usage or configuration problem found before any AWS call. Carries every
 * problem found, not just the first, so one run tells the user all they must fix.
 */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${formatLocation(p.where)}: ${p.message}`.replace(/^: /, '')).join('\n'))
    this.name = 'ConfigError'
    this.problems = problems
  }
}
