import { parsePointer, pointerContains } from '../json/pointer.js'
import { didYouMean } from './did-you-mean.js'
import { readPolicyJson } from './policy-files.js'
import { placeholdersIn } from './placeholders.js'

/**
 * Whether a pointer names a place the account state can hold, judged by the shipped
 * account-state schema (policies/account-state.schema.json), which every collector's output,
 * every snapshot and every IaC model is validated against.
 *
 * A rule whose `given` says `/iam/rol` would otherwise read "nothing found" in every account and
 * report drift that is a typo; a `${item.groupId}` would print "(not set)". Both are mistakes in
 * the rule file, so they are configuration errors, located in it, before anything is read.
 *
 * Only what the schema closes is refused: where it leaves a part open (no `properties`, or
 * `additionalProperties` not false) every pointer below is accepted.
 */

type Schema = Record<string, unknown> | boolean

/** What a segment may be at a place of the schema: the schemas it leads to, or why none. */
type Step = { next: Schema[] } | { open: true } | { unknown: string[]; list: boolean }

const ARRAY_INDEX = /^(0|[1-9]\d*|\*|-)$/

let rootSchema: Record<string, unknown> | undefined
function stateSchema(): Record<string, unknown> {
  rootSchema ??= readPolicyJson('account-state.schema.json')
  return rootSchema
}

/** A local `$ref` (`#/$defs/x`) resolved; anything else is left open (accepted). */
function deref(schema: Schema, root: Record<string, unknown>, seen = 0): Schema {
  if (typeof schema === 'boolean' || seen > 16) return schema
  const ref = schema['$ref']
  if (typeof ref !== 'string') return schema
  if (!ref.startsWith('#/')) return true
  let node: unknown = root
  for (const segment of parsePointer(ref.slice(1))) node = (node as Record<string, unknown> | undefined)?.[segment]
  return node && typeof node === 'object' ? deref(node as Schema, root, seen + 1) : true
}

/** The alternatives a schema stands for (oneOf / anyOf branches, e.g. `null` or an object). */
function alternatives(schema: Schema, root: Record<string, unknown>): Schema[] {
  const resolved = deref(schema, root)
  if (typeof resolved === 'boolean') return [resolved]
  const branches = [...((resolved['oneOf'] as Schema[] | undefined) ?? []), ...((resolved['anyOf'] as Schema[] | undefined) ?? [])]
  if (branches.length === 0) return [resolved]
  return branches.flatMap((b) => alternatives(b, root))
}

function step(schema: Schema, segment: string, root: Record<string, unknown>): Step {
  const next: Schema[] = []
  const fields: string[] = []
  let structured = false
  let list = false
  for (const alt of alternatives(schema, root)) {
    if (alt === false) continue
    if (alt === true) return { open: true }
    const type = alt['type']
    if (type === 'null' || type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') {
      structured = true
      continue
    }
    const properties = alt['properties'] as Record<string, Schema> | undefined
    const items = alt['items'] as Schema | undefined
    if (type === 'array' || items !== undefined) {
      structured = true
      list = true
      if (ARRAY_INDEX.test(segment)) next.push(items ?? true)
      continue
    }
    if (!properties && !alt['patternProperties'] && alt['additionalProperties'] === undefined) return { open: true }
    structured = true
    if (properties && Object.hasOwn(properties, segment)) {
      next.push(properties[segment]!)
      continue
    }
    const patterns = Object.entries((alt['patternProperties'] as Record<string, Schema> | undefined) ?? {})
    const matched = patterns.filter(([pattern]) => new RegExp(pattern, 'u').test(segment))
    if (matched.length > 0) {
      next.push(...matched.map(([, s]) => s))
      continue
    }
    // JSON Schema's default: fields beyond `properties` are allowed unless additionalProperties is false.
    const additional = (alt['additionalProperties'] as Schema | undefined) ?? true
    if (additional !== false) {
      next.push(additional)
      continue
    }
    fields.push(...Object.keys(properties ?? {}))
  }
  if (next.length > 0) return { next }
  return structured ? { unknown: [...new Set(fields)], list } : { open: true }
}

/**
 * Why `pointer` (`*` allowed for one array element or field, as in `reads`) can name nothing in
 * any account state; undefined when it can.
 */
export function statePointerProblem(pointer: string, root: Record<string, unknown> = stateSchema()): string | undefined {
  const walked = walk(pointer, root)
  return 'problem' in walked ? walked.problem : undefined
}

/** Why `each: true` cannot judge the elements at `given`: the schema holds no list there. */
function notAList(given: string, root: Record<string, unknown>): string | undefined {
  const walked = walk(given, root)
  if ('problem' in walked || walked.places === 'open') return undefined
  const alts = walked.places.flatMap((p) => alternatives(p, root))
  const list = alts.some((a) => a === true || (typeof a === 'object' && (a['type'] === undefined || a['type'] === 'array' || (Array.isArray(a['type']) && a['type'].includes('array')) || a['items'] !== undefined)))
  if (list) return undefined
  const types = [...new Set(alts.map((a) => (typeof a === 'object' ? String(a['type']) : String(a))))]
  return `'each: true' judges the elements of a list, but ${given} holds ${types.join(' or ')}`
}

/** The schemas a pointer leads to ('open' once it passes a part the schema leaves open), or why none. */
function walk(pointer: string, root: Record<string, unknown>): { places: Schema[] | 'open' } | { problem: string } {
  let segments: string[]
  try {
    segments = parsePointer(pointer)
  } catch (err) {
    return { problem: (err as Error).message }
  }
  let places: Schema[] = [root]
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    const parent = i === 0 ? '/' : `/${segments.slice(0, i).join('/')}`
    const results = places.map((p) => step(p, segment, root))
    if (results.some((r) => 'open' in r)) return { places: 'open' }
    const next = results.flatMap((r) => ('next' in r ? r.next : []))
    if (next.length === 0) {
      const fields = [...new Set(results.flatMap((r) => ('unknown' in r ? r.unknown : [])))]
      const list = results.some((r) => 'list' in r && r.list)
      if (fields.length === 0 && list) return { problem: `${parent} is a list, so '${segment}' is no element of it (an element is /0, /1, … or /* for each)` }
      if (fields.length === 0) return { problem: `${parent} holds no fields or elements, so '${segment}' cannot be below it` }
      const near = didYouMean(segment, fields)
      return { problem: `'${segment}' is not a field of ${parent} (fields: ${fields.join(', ')})${near ? `; did you mean '${near}'?` : ''}` }
    }
    places = next
  }
  return { places }
}

/** A problem with one part of a rule, named by the rule's field (e.g. `given`, `reads/1`, `resource`). */
export interface RulePointerProblem {
  field: string
  message: string
}

/**
 * Every pointer a rule uses that names nothing the account state can hold: `given`, each of
 * `reads`, each `${state:/…}` placeholder, and for `each` rules each `${item.…}` field (a field of
 * the elements at `given`).
 */
export function rulePointerProblems(rule: Record<string, unknown>, root: Record<string, unknown> = stateSchema()): RulePointerProblem[] {
  const problems: RulePointerProblem[] = []
  const given = typeof rule['given'] === 'string' ? rule['given'] : undefined
  const givenProblem = given === undefined ? undefined : statePointerProblem(given, root)
  if (given !== undefined && givenProblem) problems.push({ field: 'given', message: `given ${given} names nothing the account state can hold: ${givenProblem}` })
  const listProblem = given !== undefined && !givenProblem && rule['each'] === true ? notAList(given, root) : undefined
  if (listProblem) problems.push({ field: 'each', message: listProblem })
  const reads = Array.isArray(rule['reads']) ? (rule['reads'] as unknown[]) : []
  reads.forEach((read, i) => {
    if (typeof read !== 'string') return
    const problem = statePointerProblem(read, root)
    if (problem) problems.push({ field: `reads/${i}`, message: `reads ${read} names nothing the account state can hold: ${problem}` })
    // A read outside `given` would let an unreadable `given` go unnoticed: the rule would judge
    // what was never read instead of being `error`.
    else if (given !== undefined && !givenProblem && !pointerContains(given, read)) {
      problems.push({ field: `reads/${i}`, message: `reads ${read} is not below given ${given}: reads name the parts of given the verdict depends on` })
    }
  })
  if (given !== undefined && !givenProblem && rule['then'] && typeof rule['then'] === 'object') {
    const base = rule['each'] === true ? `${given}/*` : given
    for (const message of schemaFieldProblems(rule['then'] as Record<string, unknown>, base, root)) problems.push({ field: 'then', message })
  }
  for (const [field, value] of Object.entries(rule)) {
    if (field === 'id' || field === 'source' || field === 'given' || field === 'reads') continue
    for (const name of placeholdersIn(value)) {
      if (name.startsWith('state:')) {
        const pointer = name.slice('state:'.length)
        const problem = statePointerProblem(pointer, root)
        if (problem) problems.push({ field, message: `placeholder \${${name}} names nothing the account state can hold: ${problem}` })
      } else if (name.startsWith('item.')) {
        if (rule['each'] !== true) {
          problems.push({ field, message: `placeholder \${${name}} names a field of the element judged, but the rule has no 'each: true'` })
        } else if (given !== undefined && !givenProblem) {
          const path = name.slice('item.'.length).split('.')
          const problem = statePointerProblem(`${given}/*/${path.join('/')}`, root)
          if (problem) problems.push({ field, message: `placeholder \${${name}} names no field of the elements at ${given}: ${problem}` })
        }
      }
    }
  }
  return problems
}

const SAME_PLACE = ['allOf', 'anyOf', 'oneOf'] as const

/**
 * Field names a rule's `then` requires or constrains (`properties`, `required`, and below them
 * `items` / `contains`) that the state cannot hold at that place: `publiclyAccesible` for
 * `publiclyAccessible`. JSON Schema ignores a property the value lacks, so such a rule can never
 * fail; it would pass in every account.
 */
function schemaFieldProblems(then: Record<string, unknown>, pointer: string, root: Record<string, unknown>): string[] {
  const out: string[] = []
  const properties = then['properties']
  const fields = new Set<string>([
    ...(properties && typeof properties === 'object' ? Object.keys(properties) : []),
    ...(Array.isArray(then['required']) ? (then['required'] as unknown[]).filter((k): k is string => typeof k === 'string') : [])
  ])
  for (const field of fields) {
    if (field.includes('${')) continue
    const place = `${pointer}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`
    const problem = statePointerProblem(place, root)
    if (problem) {
      out.push(`then names ${pointer === '' ? '' : pointer}/${field}, which the account state cannot hold: ${problem}; a schema on a field that is never there never fails`)
      continue
    }
    const sub = properties && typeof properties === 'object' ? (properties as Record<string, unknown>)[field] : undefined
    if (sub && typeof sub === 'object') out.push(...schemaFieldProblems(sub as Record<string, unknown>, place, root))
  }
  for (const key of ['items', 'contains'] as const) {
    const sub = then[key]
    if (sub && typeof sub === 'object' && !Array.isArray(sub)) out.push(...schemaFieldProblems(sub as Record<string, unknown>, `${pointer}/*`, root))
  }
  for (const key of SAME_PLACE) {
    const subs = then[key]
    if (Array.isArray(subs)) for (const sub of subs) if (sub && typeof sub === 'object') out.push(...schemaFieldProblems(sub as Record<string, unknown>, pointer, root))
  }
  for (const key of ['not', 'if', 'then', 'else'] as const) {
    const sub = then[key]
    if (sub && typeof sub === 'object') out.push(...schemaFieldProblems(sub as Record<string, unknown>, pointer, root))
  }
  return out
}
