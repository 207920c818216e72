/**
 * `${name}` placeholders in rules: parameters (`${roleName}`), values from the
 * state (`${state:/redshift/endpoint/port}`) and, for rules with `each`, fields
 * of the element judged (`${item.schema}`). A string that is exactly one
 * placeholder takes the value with its type (a list stays a list); inside
 * longer text the value is written out. ajv-errors' own templates (`${0/name}`)
 * start with a digit and are left alone.
 */
const PLACEHOLDER = /\$\{(state:[^}]*|[A-Za-z][\w.]*)\}/g
const WHOLE = /^\$\{(state:[^}]*|[A-Za-z][\w.]*)\}$/

export interface PlaceholderScope {
  /** Resolves a name; undefined when it has no value. */
  lookup(name: string): unknown
}

export function placeholdersIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(PLACEHOLDER)) found.add(m[1]!)
  } else if (Array.isArray(value)) {
    for (const v of value) placeholdersIn(v, found)
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      placeholdersIn(k, found)
      placeholdersIn(v, found)
    }
  }
  return found
}

export function renderText(text: string, scope: PlaceholderScope): string {
  return text.replace(PLACEHOLDER, (_, name: string) => display(scope.lookup(name)))
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '(not set)'
  if (Array.isArray(value)) return value.map((v) => display(v)).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Fills placeholders in a JSON value; a missing whole-string value becomes null. */
export function fill(value: unknown, scope: PlaceholderScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value)
    if (whole) return scope.lookup(whole[1]!) ?? null
    return value.includes('${') ? renderText(value, scope) : value
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, scope))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = fill(v, scope)
    return out
  }
  return value
}
