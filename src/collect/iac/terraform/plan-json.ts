import type { Parameters } from '../../../config/parameters.js'
import { isRecord } from '../common.js'

/**
 * The JSON of `terraform show -json <planfile>` as the reader holds it: the configuration
 * tree (expressions and references), each resource's values after apply with what only apply
 * will tell, and the pure helpers over addresses and `after_unknown` trees.
 */

export interface TerraformOptions {
  /** The plan JSON file, as named to the user (the state's source.file). */
  file: string
  /** The names the template or plan is searched for. */
  params: Pick<Parameters, 'target'>
  /** The root module's directory, where the `.tf` files are; default: the plan file's directory. */
  baseDir?: string
  /** For relative paths; default: process.cwd(). */
  cwd?: string
  /** For access key ages; default: now. */
  now?: Date
  /** The plan's text, to point at the plan itself when a `.tf` file cannot be found. */
  planText?: string
}

export interface Expression {
  constant_value?: unknown
  references?: string[]
}

export interface ConfigResource {
  address: string
  expressions: Record<string, unknown>
}

export interface ModuleConfig {
  /** Config path: '' for the root, else 'module.a.module.b'. */
  path: string
  dir: string | undefined
  resources: Map<string, ConfigResource>
  calls: Map<string, { expressions: Record<string, unknown>; module: ModuleConfig }>
  outputs: Map<string, Expression>
  variables: Map<string, unknown>
}

export interface TfResource {
  address: string
  /** Module instance address: '' or 'module.a["x"].module.b'. */
  moduleAddress: string
  mode: 'managed' | 'data'
  type: string
  name: string
  /** Values after apply (or, for a deleted resource, before). */
  values: Record<string, unknown>
  /** after_unknown. */
  unknown: unknown
  before: Record<string, unknown> | null
  deleted: boolean
  changed: boolean
  isNew: boolean
}


/** Strips instance keys: module.a["x"].aws_iam_role.b[0] -> module.a.aws_iam_role.b */
export function stripKeys(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g, '')
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

export function asExpression(value: unknown): Expression | undefined {
  return isRecord(value) ? (value as Expression) : undefined
}

/** Whether anything at or below `path` in an after_unknown tree is unknown. */
export function unknownBelow(tree: unknown, path: Array<string | number>): boolean {
  let node = tree
  for (const key of path) {
    if (node === true) return true
    if (Array.isArray(node) && typeof key === 'number') node = node[key]
    else if (isRecord(node) && typeof key === 'string') node = node[key]
    else return false
  }
  const any = (n: unknown): boolean => n === true || (Array.isArray(n) ? n.some(any) : isRecord(n) ? Object.values(n).some(any) : false)
  return any(node)
}

/** Splits a reference into its steps: 'module.a["x"].out' -> ['module', 'a', '["x"]'...] without keys. */
export function referenceSteps(ref: string): string[] {
  return stripKeys(ref).split('.')
}

/** The object a reference names (resource, data source, module output, variable), without the attribute. */
export function referenceRoot(ref: string): string {
  const steps = referenceSteps(ref)
  if (steps[0] === 'data') return steps.slice(0, 3).join('.')
  if (steps[0] === 'var' || steps[0] === 'local' || steps[0] === 'module') return steps.slice(0, 2).join('.')
  return steps.slice(0, 2).join('.')
}

export function hasAttribute(ref: string): boolean {
  const steps = referenceSteps(ref)
  if (steps[0] === 'data') return steps.length >= 4
  if (steps[0] === 'var' || steps[0] === 'local') return steps.length >= 2
  if (steps[0] === 'module') return steps.length >= 3
  return steps.length >= 3
}

/** A string attribute whose value the plan already knows. */
export function knownString(r: TfResource, attr: string): string | undefined {
  if (unknownBelow(r.unknown, [attr])) return undefined
  const v = r.values[attr]
  return typeof v === 'string' ? v : undefined
}
