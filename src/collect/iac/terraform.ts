import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ConfigError } from '../../config/errors.js'
import type { Parameters } from '../../config/parameters.js'
import { parsePolicyDocument } from '../../evaluate/iam-policy.js'
import type { AccountState, IngressRule, Partition, PolicyDocument, PolicyStatement } from '../../state/types.js'
import {
  accountHint,
  displayPath,
  iamArn,
  isRecord,
  known,
  normalizeIamPath,
  normalizeProtocol,
  notKnown,
  partitionOfArn,
  partitionOfRegion,
  type Val
} from './common.js'
import { assemble, emptyModel, type IacModel, type InlineList, type Origin, type PolicyList } from './model.js'

/**
 * Reads the JSON of `terraform show -json <planfile>` (HashiCorp's documented "JSON output
 * format": format_version 1.x, resource_changes, planned_values, prior_state, configuration)
 * into the AccountState the account will have after apply.
 *
 * - Each resource's value after apply is `change.after`; `change.after_unknown` marks what
 *   only apply will tell. An unknown identifier (a new role's ARN, a new group's id) is
 *   followed through the configuration's `references` to the resource it comes from, so that
 *   `iam_roles = [aws_iam_role.cargo.arn]` still matches the role; what cannot be followed
 *   becomes an `unknown` fact at the state pointer that depends on it.
 * - Resources whose change is `delete` are absent after apply.
 * - Locations: the plan holds no line numbers, so the `.tf` files of each module's directory
 *   (local `source`, or `.terraform/modules/modules.json` for downloaded modules) are searched
 *   for the `resource "<type>" "<name>"` block.
 * - Secrets are never read: of an access key only `user`, `status` and `create_date`.
 */

export interface TerraformOptions {
  /** The plan JSON file, as named to the user (the state's source.file). */
  file: string
  params: Parameters
  /** The root module's directory, where the `.tf` files are; default: the plan file's directory. */
  baseDir?: string
  /** For relative paths; default: process.cwd(). */
  cwd?: string
  /** For access key ages; default: now. */
  now?: Date
  /** The plan's text, to point at the plan itself when a `.tf` file cannot be found. */
  planText?: string
}

interface Expression {
  constant_value?: unknown
  references?: string[]
}

interface ConfigResource {
  address: string
  expressions: Record<string, unknown>
}

interface ModuleConfig {
  /** Config path: '' for the root, else 'module.a.module.b'. */
  path: string
  dir: string | undefined
  resources: Map<string, ConfigResource>
  calls: Map<string, { expressions: Record<string, unknown>; module: ModuleConfig }>
  outputs: Map<string, Expression>
  variables: Map<string, unknown>
}

interface TfResource {
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
function stripKeys(address: string): string {
  return address.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]/g, '')
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

function asExpression(value: unknown): Expression | undefined {
  return isRecord(value) ? (value as Expression) : undefined
}

/** Whether anything at or below `path` in an after_unknown tree is unknown. */
function unknownBelow(tree: unknown, path: Array<string | number>): boolean {
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
function referenceSteps(ref: string): string[] {
  return stripKeys(ref).split('.')
}

/** The object a reference names (resource, data source, module output, variable), without the attribute. */
function referenceRoot(ref: string): string {
  const steps = referenceSteps(ref)
  if (steps[0] === 'data') return steps.slice(0, 3).join('.')
  if (steps[0] === 'var' || steps[0] === 'local' || steps[0] === 'module') return steps.slice(0, 2).join('.')
  return steps.slice(0, 2).join('.')
}

function hasAttribute(ref: string): boolean {
  const steps = referenceSteps(ref)
  if (steps[0] === 'data') return steps.length >= 4
  if (steps[0] === 'var' || steps[0] === 'local') return steps.length >= 2
  if (steps[0] === 'module') return steps.length >= 3
  return steps.length >= 3
}

/** The resource types that describe part of the Cargo setup; a plan's other resources are skipped. */
const RELEVANT = new Set([
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_user',
  'aws_iam_role_policy_attachment',
  'aws_iam_user_policy_attachment',
  'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_iam_user_policy_attachments_exclusive',
  'aws_iam_role_policy',
  'aws_iam_user_policy',
  'aws_iam_access_key',
  'aws_security_group',
  'aws_security_group_rule',
  'aws_vpc_security_group_ingress_rule',
  'aws_redshiftserverless_workgroup',
  'aws_redshiftserverless_namespace',
  'aws_redshift_cluster',
  'aws_redshift_cluster_iam_roles'
])

type Block = { file: string; line: number }

class PlanReader {
  private readonly resources = new Map<string, TfResource>()
  private readonly root: ModuleConfig
  private readonly partition: Partition
  private readonly region: string | undefined
  private readonly account: string | undefined
  /** Per module directory: `mode.type.name` -> where the block starts. */
  private readonly tfFiles = new Map<string, Map<string, Block>>()
  private readonly baseDir: string
  private readonly cwd: string
  /** `.terraform/modules/modules.json`, where `terraform init` records downloaded modules. */
  private manifest: Array<Record<string, unknown>> | undefined
  private depth = 0

  constructor(
    private readonly plan: Record<string, unknown>,
    private readonly options: TerraformOptions
  ) {
    this.cwd = options.cwd ?? process.cwd()
    this.baseDir = resolve(this.cwd, options.baseDir ?? dirname(options.file))
    const configuration = asRecord(plan['configuration'])
    this.root = this.moduleConfig(asRecord(configuration['root_module']), '', this.baseDir, [])
    this.readResources()
    this.region = options.params.region ?? this.providerRegion(configuration)
    this.account = this.findAccount()
    this.partition = partitionOfRegion(this.region) ?? partitionOfArn(options.params.cargoRoleArn) ?? 'aws'
  }

  // --- Reading the plan ----------------------------------------------------------

  private moduleConfig(node: Record<string, unknown>, path: string, dir: string | undefined, keyPath: string[]): ModuleConfig {
    const config: ModuleConfig = {
      path,
      dir,
      resources: new Map(),
      calls: new Map(),
      outputs: new Map(),
      variables: new Map()
    }
    for (const r of Array.isArray(node['resources']) ? node['resources'] : []) {
      if (!isRecord(r) || typeof r['address'] !== 'string') continue
      config.resources.set(r['address'], { address: r['address'], expressions: asRecord(r['expressions']) })
    }
    for (const [name, output] of Object.entries(asRecord(node['outputs']))) {
      const expression = asExpression(asRecord(output)['expression'])
      if (expression) config.outputs.set(name, expression)
    }
    for (const [name, variable] of Object.entries(asRecord(node['variables']))) {
      if (isRecord(variable) && 'default' in variable) config.variables.set(name, variable['default'])
    }
    for (const [name, call] of Object.entries(asRecord(node['module_calls']))) {
      if (!isRecord(call)) continue
      const childKeys = [...keyPath, name]
      const childDir = this.moduleDir(typeof call['source'] === 'string' ? call['source'] : '', dir, childKeys)
      const childPath = `${path ? `${path}.` : ''}module.${name}`
      config.calls.set(name, {
        expressions: asRecord(call['expressions']),
        module: this.moduleConfig(asRecord(call['module']), childPath, childDir, childKeys)
      })
    }
    return config
  }

  /** A module's directory: a local source beside its caller, else where `terraform init` put it. */
  private moduleDir(source: string, parentDir: string | undefined, keys: string[]): string | undefined {
    if ((source.startsWith('./') || source.startsWith('../')) && parentDir) return resolve(parentDir, source)
    if (this.manifest === undefined) {
      this.manifest = []
      try {
        const manifest = join(this.baseDir, '.terraform', 'modules', 'modules.json')
        const modules = asRecord(JSON.parse(readFileSync(manifest, 'utf8')))['Modules']
        this.manifest = (Array.isArray(modules) ? modules : []).filter(isRecord)
      } catch {
        // No manifest: a downloaded module's lines are not found; findings point at the plan.
      }
    }
    const entry = this.manifest.find((m) => m['Key'] === keys.join('.') && typeof m['Dir'] === 'string')
    return entry ? resolve(this.baseDir, String(entry['Dir'])) : undefined
  }


  private readResources(): void {
    for (const rc of Array.isArray(this.plan['resource_changes']) ? this.plan['resource_changes'] : []) {
      if (!isRecord(rc) || typeof rc['address'] !== 'string' || rc['deposed'] !== undefined) continue
      const change = asRecord(rc['change'])
      const actions = (Array.isArray(change['actions']) ? change['actions'] : []).map(String)
      const before = isRecord(change['before']) ? change['before'] : null
      const after = isRecord(change['after']) ? change['after'] : null
      const deleted = actions.includes('delete') && !actions.includes('create')
      // `forget` (a `removed` block) leaves the object in AWS, unmanaged: it is still there.
      const forgotten = actions.includes('forget') && !actions.includes('create')
      const values = deleted || forgotten ? before ?? {} : after ?? {}
      this.resources.set(rc['address'], {
        address: rc['address'],
        moduleAddress: typeof rc['module_address'] === 'string' ? rc['module_address'] : '',
        mode: rc['mode'] === 'data' ? 'data' : 'managed',
        type: String(rc['type'] ?? ''),
        name: String(rc['name'] ?? ''),
        values,
        unknown: deleted || forgotten ? {} : change['after_unknown'] ?? {},
        before: actions.includes('create') && !actions.includes('delete') ? null : before,
        deleted,
        changed: !actions.every((a) => a === 'no-op' || a === 'read'),
        isNew: actions.includes('create')
      })
    }
    // Data sources read while planning, and resources a targeted plan left out.
    const walk = (node: unknown) => {
      const m = asRecord(node)
      const moduleAddress = typeof m['address'] === 'string' ? m['address'] : ''
      for (const r of Array.isArray(m['resources']) ? m['resources'] : []) {
        if (!isRecord(r) || typeof r['address'] !== 'string' || this.resources.has(r['address'])) continue
        const address = r['address']
        this.resources.set(address, {
          address,
          moduleAddress,
          mode: r['mode'] === 'data' ? 'data' : 'managed',
          type: String(r['type'] ?? ''),
          name: String(r['name'] ?? ''),
          values: asRecord(r['values']),
          unknown: {},
          before: asRecord(r['values']),
          deleted: false,
          changed: false,
          isNew: false
        })
      }
      for (const child of Array.isArray(m['child_modules']) ? m['child_modules'] : []) walk(child)
    }
    walk(asRecord(this.plan['planned_values'])['root_module'])
    walk(asRecord(asRecord(this.plan['prior_state'])['values'])['root_module'])
  }

  private providerRegion(configuration: Record<string, unknown>): string | undefined {
    const aws = asRecord(asRecord(configuration['provider_config'])['aws'])
    const region = asExpression(asRecord(aws['expressions'])['region'])?.constant_value
    return typeof region === 'string' ? region : undefined
  }

  /** The account id: from aws_caller_identity, else any ARN of the account's own resources in the plan. */
  private findAccount(): string | undefined {
    for (const r of this.resources.values()) {
      if (r.type === 'aws_caller_identity' && typeof r.values['account_id'] === 'string') return r.values['account_id']
    }
    for (const r of this.resources.values()) {
      for (const key of ['arn', 'owner_id', 'policy_arn', 'default_iam_role_arn', 'iam_roles', 'iam_role_arns']) {
        const v = r.values[key]
        for (const item of Array.isArray(v) ? v : [v]) {
          if (key === 'owner_id' && typeof item === 'string' && /^\d{12}$/.test(item)) return item
          const hint = accountHint(item)
          if (hint) return hint
        }
      }
    }
    return undefined
  }

  // --- Configuration and references ------------------------------------------------

  private configFor(moduleAddress: string): ModuleConfig | undefined {
    let config: ModuleConfig | undefined = this.root
    const steps = stripKeys(moduleAddress).split('.').filter((s) => s !== '')
    for (let i = 0; i + 1 < steps.length && config; i += 2) config = config.calls.get(steps[i + 1] ?? '')?.module
    return config
  }

  private configResource(r: TfResource): ConfigResource | undefined {
    const local = `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`
    return this.configFor(r.moduleAddress)?.resources.get(local)
  }

  private expression(r: TfResource, attr: string): Expression | undefined {
    return asExpression(this.configResource(r)?.expressions[attr])
  }

  /** Whether the configuration sets the attribute (Optional+Computed attributes are otherwise AWS's to decide). */
  private configured(r: TfResource, attr: string): boolean {
    return this.configResource(r)?.expressions[attr] !== undefined
  }

  private findResource(moduleAddress: string, local: string): TfResource | undefined {
    const exact = this.resources.get(moduleAddress ? `${moduleAddress}.${local}` : local)
    if (exact) return exact
    // `aws_x.y` naming a counted resource: only when it has one instance.
    const base = stripKeys(local)
    const matches = [...this.resources.values()].filter(
      (r) => r.moduleAddress === moduleAddress && stripKeys(r.address.slice(moduleAddress ? moduleAddress.length + 1 : 0)) === base
    )
    return matches.length === 1 ? matches[0] : undefined
  }

  /** Instances of a module call: the one instance, when the call is not counted. */
  private childModule(scope: string, name: string): string | undefined {
    const prefix = `${scope ? `${scope}.` : ''}module.${name}`
    const instances = new Set<string>()
    for (const r of this.resources.values()) {
      if (r.moduleAddress === prefix || r.moduleAddress.startsWith(`${prefix}.`) || r.moduleAddress.startsWith(`${prefix}[`)) {
        const rest = r.moduleAddress.slice(prefix.length)
        const key = /^(\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?/.exec(rest)?.[1] ?? ''
        instances.add(prefix + key)
      }
    }
    return instances.size === 1 ? [...instances][0] : instances.size === 0 ? prefix : undefined
  }

  private parentScope(scope: string): { parent: string; call: string } | undefined {
    const m = /^(?:(.*)\.)?module\.([\w-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?$/.exec(scope)
    return m ? { parent: m[1] ?? '', call: m[2] ?? '' } : undefined
  }

  /**
   * The values an expression contributes, one per object it references (in order), or its
   * constant. Expressions that combine several objects are taken as lists of them.
   */
  private resolveExpression(scope: string, expression: Expression | undefined, what: string): Val<unknown[]> {
    if (!expression) return notKnown(`known after apply: ${what}`)
    if (expression.constant_value !== undefined) {
      const c = expression.constant_value
      return known(Array.isArray(c) ? c : [c])
    }
    const refs = (expression.references ?? []).filter(hasAttribute)
    const roots: string[] = []
    const chosen: string[] = []
    for (const ref of refs) {
      const root = referenceRoot(ref)
      if (!roots.includes(root)) {
        roots.push(root)
        chosen.push(ref)
      }
    }
    if (chosen.length === 0) return notKnown(`known after apply: ${what}`)
    const values: unknown[] = []
    for (const ref of chosen) {
      const v = this.resolveReference(scope, ref)
      if (!v.ok) return v
      if (Array.isArray(v.value)) values.push(...v.value)
      else values.push(v.value)
    }
    return known(values)
  }

  private resolveReference(scope: string, ref: string): Val<unknown> {
    if (this.depth > 20) return notKnown(`known after apply: ${ref}`)
    this.depth++
    try {
      const steps = referenceSteps(ref)
      const head = steps[0]
      if (head === 'var') {
        const name = steps[1] ?? ''
        const up = this.parentScope(scope)
        const config = this.configFor(scope)
        if (!up) {
          const d = config?.variables.get(name)
          return d !== undefined ? known(d) : notKnown(`known after apply: var.${name}`)
        }
        const call = this.configFor(up.parent)?.calls.get(up.call)
        const expression = asExpression(call?.expressions[name])
        if (!expression) {
          const d = config?.variables.get(name)
          return d !== undefined ? known(d) : notKnown(`known after apply: ${scope}.var.${name}`)
        }
        const v = this.resolveExpression(up.parent, expression, `${scope}.var.${name}`)
        return v.ok ? known(v.value.length === 1 ? v.value[0] : v.value) : v
      }
      if (head === 'module') {
        const child = this.childModule(scope, steps[1] ?? '')
        const output = steps[2] ?? ''
        if (!child) return notKnown(`known after apply: ${ref}`)
        const expression = this.configFor(child)?.outputs.get(output)
        const v = this.resolveExpression(child, expression, `${child}.${output}`)
        return v.ok ? known(v.value.length === 1 ? v.value[0] : v.value) : v
      }
      if (head === 'local' || head === 'each' || head === 'count' || head === 'path' || head === 'self' || head === 'terraform') {
        return notKnown(`known after apply: ${scope ? `${scope}.` : ''}${ref}`)
      }
      // A resource or data source: keep the instance key the reference gives, if any.
      const isData = head === 'data'
      const parts = ref.match(/(?:[^.[\]]+|\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])/g) ?? []
      const nameParts: string[] = []
      let i = 0
      const want = isData ? 3 : 2
      while (i < parts.length && nameParts.filter((p) => !p.startsWith('[')).length < want) nameParts.push(parts[i++] ?? '')
      if (parts[i]?.startsWith('[')) nameParts.push(parts[i++] ?? '')
      const local = nameParts.reduce((acc, p) => (p.startsWith('[') ? acc + p : acc ? `${acc}.${p}` : p), '')
      const resource = this.findResource(scope, local)
      const attr = parts[i]
      if (!resource || attr === undefined) return notKnown(`known after apply: ${scope ? `${scope}.` : ''}${ref}`)
      return this.attribute(resource, attr)
    } finally {
      this.depth--
    }
  }

  /** A resource's attribute after apply: its value, what can be computed of it, or what it is set from. */
  private attribute(r: TfResource, attr: string): Val<unknown> {
    if (r.deleted) return notKnown(`${r.address} is destroyed by this plan`)
    if (!unknownBelow(r.unknown, [attr]) && r.values[attr] !== undefined) return known(r.values[attr])
    const computed = this.computed(r, attr)
    if (computed !== undefined) return known(computed)
    if (r.type === 'aws_iam_policy_document' && attr === 'json') {
      const rendered = this.renderPolicyDocument(r)
      if (rendered) return known(JSON.stringify(rendered))
    }
    const expression = this.expression(r, attr)
    if (expression) {
      const v = this.resolveExpression(r.moduleAddress, expression, `${r.address}.${attr}`)
      // When it cannot be followed, say where the unknown comes from.
      return v.ok ? known(v.value.length === 1 ? v.value[0] : v.value) : v
    }
    return notKnown(`known after apply: ${r.address}.${attr}`)
  }

  /** Identifiers AWS derives from what the plan knows (an IAM ARN from its name and path), or a stand-in. */
  private computed(r: TfResource, attr: string): string | undefined {
    const name = this.knownString(r, 'name')
    const path = this.knownString(r, 'path') ?? '/'
    const iamKind = r.type === 'aws_iam_role' ? 'role' : r.type === 'aws_iam_policy' ? 'policy' : r.type === 'aws_iam_user' ? 'user' : undefined
    if (iamKind && name !== undefined) {
      if (attr === 'arn' || (iamKind === 'policy' && attr === 'id')) return iamArn(this.partition, this.account, iamKind, normalizeIamPath(path), name)
      if (attr === 'name' || attr === 'id') return name
    }
    if (r.mode === 'managed' && (attr === 'id' || attr === 'arn')) return `<known after apply: ${r.address}.${attr}>`
    return undefined
  }

  private knownString(r: TfResource, attr: string): string | undefined {
    if (unknownBelow(r.unknown, [attr])) return undefined
    const v = r.values[attr]
    return typeof v === 'string' ? v : undefined
  }

  // --- Typed attribute readers ---------------------------------------------------

  /** A string attribute: undefined when null or unset. */
  private str(r: TfResource, attr: string): Val<string> | undefined {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      if (v === null || v === undefined) return undefined
      return known(typeof v === 'string' ? v : String(v))
    }
    const v = this.attribute(r, attr)
    if (!v.ok) return v
    if (typeof v.value === 'string' || typeof v.value === 'number' || typeof v.value === 'boolean') return known(String(v.value))
    return notKnown(`known after apply: ${r.address}.${attr}`)
  }

  private bool(r: TfResource, attr: string, fallback: boolean): Val<boolean> {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      return known(typeof v === 'boolean' ? v : v === null || v === undefined ? fallback : String(v) === 'true')
    }
    if (!this.configured(r, attr)) return known(fallback)
    const v = this.attribute(r, attr)
    if (v.ok && typeof v.value === 'boolean') return known(v.value)
    if (v.ok && (v.value === 'true' || v.value === 'false')) return known(v.value === 'true')
    return v.ok ? notKnown(`known after apply: ${r.address}.${attr}`) : v
  }

  private num(r: TfResource, attr: string, fallback: number | undefined): Val<number | undefined> {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      if (v === null || v === undefined) return known(fallback)
      const n = Number(v)
      return known(Number.isFinite(n) ? n : fallback)
    }
    if (!this.configured(r, attr)) return known(fallback)
    const v = this.attribute(r, attr)
    if (v.ok && Number.isFinite(Number(v.value))) return known(Number(v.value))
    return v.ok ? notKnown(`known after apply: ${r.address}.${attr}`) : v
  }

  /**
   * A list of strings. Unknown elements are filled, in order, from the objects the
   * configuration references (`[aws_security_group.a.id]`); when they cannot all be, the
   * list is unknown.
   */
  private list(r: TfResource, attr: string): Val<string[]> | undefined {
    const raw = r.values[attr]
    const unknownTree = isRecord(r.unknown) ? r.unknown[attr] : undefined
    if (!unknownBelow(r.unknown, [attr])) {
      if (raw === null || raw === undefined) return undefined
      return known((Array.isArray(raw) ? raw : [raw]).filter((x) => x !== null).map(String))
    }
    const expression = this.expression(r, attr)
    const resolved = expression ? this.resolveExpression(r.moduleAddress, expression, `${r.address}.${attr}`) : undefined
    if (unknownTree === true || !Array.isArray(raw)) {
      if (resolved?.ok) return known(resolved.value.flat().map(String))
      return notKnown(resolved && !resolved.ok ? resolved.reason : `known after apply: ${r.address}.${attr}`)
    }
    const unknownIndexes = raw.map((_, i) => unknownBelow(unknownTree, [i])).map((u, i) => (u ? i : -1)).filter((i) => i >= 0)
    const knownValues = raw.filter((_, i) => !unknownIndexes.includes(i)).map(String)
    if (resolved?.ok) {
      // The references cover the unknown elements (and maybe some known ones): keep what is new.
      const extra = resolved.value.flat().map(String).filter((v) => !knownValues.includes(v))
      if (extra.length >= unknownIndexes.length) return known([...knownValues, ...extra.slice(0, unknownIndexes.length)])
    }
    return notKnown(resolved && !resolved.ok ? resolved.reason : `known after apply: ${r.address}.${attr}`)
  }

  private document(r: TfResource, attr: string): Val<PolicyDocument> {
    const text = this.str(r, attr)
    if (!text) return notKnown(`${r.address} has no ${attr}`)
    if (!text.ok) return text
    try {
      return known(parsePolicyDocument(text.value))
    } catch (err) {
      return notKnown(`${r.address}.${attr} is not a valid policy document: ${(err as Error).message}`)
    }
  }

  /** A policy document data source whose `json` is not known yet, from its statement blocks when they are. */
  private renderPolicyDocument(r: TfResource): PolicyDocument | undefined {
    if (unknownBelow(r.unknown, ['statement'])) return undefined
    for (const key of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
      const v = r.values[key]
      if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) return undefined
    }
    const statements: PolicyStatement[] = []
    for (const s of Array.isArray(r.values['statement']) ? r.values['statement'] : []) {
      if (!isRecord(s)) continue
      const out: PolicyStatement = { Effect: s['effect'] === 'Deny' ? 'Deny' : 'Allow' }
      if (typeof s['sid'] === 'string' && s['sid'] !== '') out.Sid = s['sid']
      const listOf = (k: string) => (Array.isArray(s[k]) && (s[k] as unknown[]).length > 0 ? (s[k] as unknown[]).map(String) : undefined)
      const actions = listOf('actions')
      if (actions) out.Action = actions
      const notActions = listOf('not_actions')
      if (notActions) out.NotAction = notActions
      const resources = listOf('resources')
      if (resources) out.Resource = resources
      const notResources = listOf('not_resources')
      if (notResources) out.NotResource = notResources
      const principals = (k: string): Record<string, string[]> | '*' | undefined => {
        const blocks = Array.isArray(s[k]) ? (s[k] as unknown[]).filter(isRecord) : []
        if (blocks.length === 0) return undefined
        const map: Record<string, string[]> = {}
        for (const b of blocks) {
          const type = String(b['type'] ?? '')
          const ids = Array.isArray(b['identifiers']) ? b['identifiers'].map(String) : []
          if (type === '*' && ids.includes('*')) return '*'
          map[type] = [...(map[type] ?? []), ...ids]
        }
        return map
      }
      const p = principals('principals')
      if (p) out.Principal = p
      const np = principals('not_principals')
      if (np) out.NotPrincipal = np
      const conditions = Array.isArray(s['condition']) ? s['condition'].filter(isRecord) : []
      if (conditions.length > 0) {
        const c: Record<string, Record<string, unknown>> = {}
        for (const cond of conditions) {
          const test = String(cond['test'] ?? '')
          c[test] = { ...(c[test] ?? {}), [String(cond['variable'] ?? '')]: Array.isArray(cond['values']) ? cond['values'].map(String) : [] }
        }
        out.Condition = c
      }
      statements.push(out)
    }
    return { Version: typeof r.values['version'] === 'string' ? r.values['version'] : '2012-10-17', Statement: statements }
  }

  // --- Locations -----------------------------------------------------------------

  private blocksIn(dir: string): Map<string, Block> {
    const cached = this.tfFiles.get(dir)
    if (cached) return cached
    const blocks = new Map<string, Block>()
    let entries: string[] = []
    try {
      entries = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()
    } catch {
      entries = []
    }
    for (const entry of entries) {
      const file = join(dir, entry)
      let text: string
      try {
        if (!statSync(file).isFile()) continue
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const m = /^\s*(resource|data)\s+"?([\w-]+)"?\s+"?([\w-]+)"?\s*\{?/.exec(line)
        const key = m ? `${m[1] === 'data' ? 'data' : 'managed'}.${m[2] ?? ''}.${m[3] ?? ''}` : undefined
        if (key && !blocks.has(key)) blocks.set(key, { file, line: i + 1 })
      })
    }
    this.tfFiles.set(dir, blocks)
    return blocks
  }

  origin(r: TfResource): Origin {
    const origin: Origin = { id: r.address, changed: r.changed }
    const dir = this.configFor(r.moduleAddress)?.dir
    const block = dir && existsSync(dir) ? this.blocksIn(dir).get(`${r.mode}.${r.type}.${r.name}`) : undefined
    if (block) {
      origin.file = displayPath(block.file, this.cwd)
      origin.line = block.line
      return origin
    }
    // No .tf file at hand: point at the resource in the plan itself.
    const text = this.options.planText
    if (text) {
      const at = text.search(new RegExp(`"address"\\s*:\\s*${JSON.stringify(r.address).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
      if (at >= 0) {
        origin.file = displayPath(resolve(this.cwd, this.options.file), this.cwd)
        origin.line = text.slice(0, at).split('\n').length
      }
    }
    return origin
  }

  /** Where a policy document written by a data source is (for a role's trust policy). */
  private documentOrigin(r: TfResource, attr: string): Origin | undefined {
    const ref = this.expression(r, attr)?.references?.find((x) => x.startsWith('data.aws_iam_policy_document.'))
    if (!ref) return undefined
    const data = this.findResource(r.moduleAddress, referenceSteps(ref).slice(0, 3).join('.'))
    return data ? this.origin(data) : undefined
  }

  // --- The model -------------------------------------------------------------------

  toModel(): IacModel {
    const model = emptyModel('terraform', this.options.file, this.partition)
    if (this.region) model.region = this.region
    if (this.account) model.accountHints.push(this.account)
    const exclusiveRolePolicies = new Map<string, { list: PolicyList; origin: Origin }>()
    for (const r of this.resources.values()) {
      if (r.mode !== 'managed' || !RELEVANT.has(r.type)) continue
      const origin = this.origin(r)
      const deleted = r.deleted
      const base = { origin, deleted }
      const beforeString = (attr: string): string | undefined =>
        r.before && typeof r.before[attr] === 'string' ? (r.before[attr] as string) : undefined
      switch (r.type) {
        case 'aws_iam_role': {
          const name = this.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`)
          const arn = this.attribute(r, 'arn')
          const trustOrigin = this.documentOrigin(r, 'assume_role_policy')
          model.roles.push({
            ...base,
            name,
            arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
            path: normalizeIamPath(r.values['path']),
            trust: this.document(r, 'assume_role_policy'),
            ...(trustOrigin ? { trustOrigin } : {}),
            ...this.heldPolicies(r),
            ...this.boundaryOf(r)
          })
          break
        }
        case 'aws_iam_policy': {
          const arn = this.attribute(r, 'arn')
          model.policies.push({
            ...base,
            name: this.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`),
            arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
            document: this.document(r, 'policy')
          })
          break
        }
        case 'aws_iam_user': {
          const arn = this.attribute(r, 'arn')
          model.users.push({
            ...base,
            name: this.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`),
            arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
            ...this.boundaryOf(r)
          })
          break
        }
        case 'aws_iam_role_policy_attachment':
        case 'aws_iam_user_policy_attachment': {
          const target = r.type === 'aws_iam_role_policy_attachment' ? 'role' : 'user'
          const prevTarget = beforeString(target)
          const prevArn = beforeString('policy_arn')
          model.attachments.push({
            ...base,
            target,
            targetName: this.str(r, target) ?? notKnown(`${r.address} names no ${target}`),
            policyArn: this.str(r, 'policy_arn') ?? notKnown(`${r.address} names no policy_arn`),
            ...(prevTarget && prevArn ? { before: { targetName: prevTarget, policyArn: prevArn } } : {})
          })
          break
        }
        case 'aws_iam_policy_attachment': {
          const policyArn = this.str(r, 'policy_arn') ?? notKnown(`${r.address} names no policy_arn`)
          const prevArn = beforeString('policy_arn')
          for (const [attr, target] of [
            ['roles', 'role'],
            ['users', 'user']
          ] as const) {
            const names = this.list(r, attr)
            const prevNames = r.before && Array.isArray(r.before[attr]) ? (r.before[attr] as unknown[]).map(String) : []
            if (names && !names.ok) {
              model.attachments.push({ ...base, target, targetName: names, policyArn })
              continue
            }
            const current = names?.value ?? []
            for (const name of new Set([...current, ...prevNames])) {
              model.attachments.push({
                origin,
                deleted: deleted || !current.includes(name),
                target,
                targetName: known(name),
                policyArn,
                ...(prevArn && prevNames.includes(name) ? { before: { targetName: name, policyArn: prevArn } } : {})
              })
            }
          }
          break
        }
        case 'aws_iam_role_policy_attachments_exclusive':
        case 'aws_iam_user_policy_attachments_exclusive': {
          const owner = this.str(r, r.type.startsWith('aws_iam_role') ? 'role_name' : 'user_name')
          const arns = this.list(r, 'policy_arns') ?? known([])
          if (owner?.ok && !deleted) exclusiveRolePolicies.set(`${r.type.startsWith('aws_iam_role') ? 'role' : 'user'}:${owner.value}`, { list: { arns, exclusive: true }, origin })
          break
        }
        case 'aws_iam_role_policy':
        case 'aws_iam_user_policy': {
          const target = r.type === 'aws_iam_role_policy' ? 'role' : 'user'
          const name = this.str(r, 'name')
          const prevTarget = beforeString(target)
          const prevName = beforeString('name')
          model.inlinePolicies.push({
            ...base,
            target,
            targetName: this.str(r, target) ?? notKnown(`${r.address} names no ${target}`),
            name: name?.ok ? name.value : `<known after apply: ${r.address}.name>`,
            document: this.document(r, 'policy'),
            ...(prevTarget && prevName ? { before: { targetName: prevTarget, name: prevName } } : {})
          })
          break
        }
        case 'aws_iam_access_key': {
          // Only these three attributes are read: never `secret`, `ses_smtp_password_v4` or the key id.
          const status = this.str(r, 'status') ?? known('Active')
          const created = this.knownString(r, 'create_date')
          model.accessKeys.push({
            ...base,
            userName: this.str(r, 'user') ?? notKnown(`${r.address} names no user`),
            status,
            ...(created ? { createdAt: created } : {}),
            isNew: r.isNew
          })
          break
        }
        case 'aws_security_group': {
          const id = this.attribute(r, 'id')
          const name = this.knownString(r, 'name')
          const vpcId = this.knownString(r, 'vpc_id')
          model.securityGroups.push({
            ...base,
            id: id.ok ? String(id.value) : `<known after apply: ${r.address}.id>`,
            ...(name ? { name } : {}),
            ...(vpcId ? { vpcId } : {}),
            ...this.inlineIngress(r)
          })
          break
        }
        case 'aws_security_group_rule': {
          if (r.values['type'] !== 'ingress') break
          const prev = r.before && r.before['type'] === 'ingress' ? this.ruleFromValues(r.before, 'rule') : undefined
          const prevGroup = beforeString('security_group_id')
          model.ingressRules.push({
            ...base,
            groupId: this.str(r, 'security_group_id') ?? notKnown(`${r.address} names no security_group_id`),
            rule: this.separateRule(r, 'rule'),
            ...(prev && prevGroup ? { before: { groupId: prevGroup, rule: prev } } : {})
          })
          break
        }
        case 'aws_vpc_security_group_ingress_rule': {
          const prev = r.before ? this.ruleFromValues(r.before, 'vpc') : undefined
          const prevGroup = beforeString('security_group_id')
          model.ingressRules.push({
            ...base,
            groupId: this.str(r, 'security_group_id') ?? notKnown(`${r.address} names no security_group_id`),
            rule: this.separateRule(r, 'vpc'),
            ...(prev && prevGroup ? { before: { groupId: prevGroup, rule: prev } } : {})
          })
          break
        }
        case 'aws_redshiftserverless_workgroup': {
          const endpoint = Array.isArray(r.values['endpoint']) ? asRecord(r.values['endpoint'][0]) : {}
          const address = !unknownBelow(r.unknown, ['endpoint']) && typeof endpoint['address'] === 'string' ? endpoint['address'] : undefined
          const endpointPort = !unknownBelow(r.unknown, ['endpoint']) && typeof endpoint['port'] === 'number' ? endpoint['port'] : undefined
          model.redshifts.push({
            ...base,
            deployment: 'serverless',
            name: this.str(r, 'workgroup_name') ?? notKnown(`${r.address} has no workgroup_name`),
            namespaceName: this.str(r, 'namespace_name') ?? notKnown(`${r.address} has no namespace_name`),
            publiclyAccessible: this.bool(r, 'publicly_accessible', false),
            // Redshift Serverless listens on 5439 unless told otherwise.
            port: endpointPort !== undefined ? known(endpointPort) : this.num(r, 'port', 5439),
            ...(address ? { address } : {}),
            securityGroupIds: this.groupIds(r, 'security_group_ids')
          })
          break
        }
        case 'aws_redshiftserverless_namespace': {
          model.namespaces.push({
            ...base,
            name: this.str(r, 'namespace_name') ?? notKnown(`${r.address} has no namespace_name`),
            iamRoles: this.computedList(r, 'iam_roles'),
            defaultIamRoleArn: this.optionalString(r, 'default_iam_role_arn'),
            dbName: this.optionalString(r, 'db_name', 'dev')
          })
          break
        }
        case 'aws_redshift_cluster': {
          const endpoint = this.knownString(r, 'dns_name')
          model.redshifts.push({
            ...base,
            deployment: 'provisioned',
            name: this.str(r, 'cluster_identifier') ?? notKnown(`known after apply: ${r.address}.cluster_identifier`),
            publiclyAccessible: this.bool(r, 'publicly_accessible', false),
            port: this.num(r, 'port', 5439),
            ...(endpoint ? { address: endpoint } : {}),
            securityGroupIds: this.groupIds(r, 'vpc_security_group_ids'),
            iamRoles: this.computedList(r, 'iam_roles'),
            defaultIamRoleArn: this.optionalString(r, 'default_iam_role_arn'),
            dbName: this.optionalString(r, 'database_name', 'dev')
          })
          break
        }
        case 'aws_redshift_cluster_iam_roles': {
          model.clusterRoles.push({
            ...base,
            clusterId: this.str(r, 'cluster_identifier') ?? notKnown(`${r.address} names no cluster_identifier`),
            iamRoles: this.list(r, 'iam_role_arns') ?? known([]),
            defaultIamRoleArn: this.optionalString(r, 'default_iam_role_arn')
          })
          break
        }
        default:
          break
      }
    }
    for (const [key, { list, origin }] of exclusiveRolePolicies) {
      const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
      const holders = kind === 'role' ? model.roles : model.users
      const holder = holders.find((h) => h.name.ok && h.name.value === name)
      if (holder) holder.managedPolicyArns = list
      else model.attachments.push(...(list.arns.ok ? list.arns.value : []).map((arn) => ({ origin, deleted: false, target: kind as 'role' | 'user', targetName: known(name), policyArn: known(arn) })))
    }
    return model
  }

  private optionalString(r: TfResource, attr: string, fallback?: string): Val<string | undefined> {
    if (unknownBelow(r.unknown, [attr]) && !this.configured(r, attr)) return known(fallback)
    const v = this.str(r, attr)
    if (!v) return known(fallback)
    return v.ok ? known(v.value === '' ? fallback : v.value) : v
  }

  /** Optional+Computed lists (a namespace's iam_roles): unset on a new resource means empty. */
  private computedList(r: TfResource, attr: string): Val<string[]> {
    if (unknownBelow(r.unknown, [attr]) && !this.configured(r, attr)) return known([])
    return this.list(r, attr) ?? known([])
  }

  private groupIds(r: TfResource, attr: string): Val<string[]> {
    if (unknownBelow(r.unknown, [attr]) && !this.configured(r, attr)) {
      return notKnown(`known after apply: ${r.address}.${attr} is not set, so AWS attaches the VPC's default security group`)
    }
    return this.list(r, attr) ?? known([])
  }

  /** managed_policy_arns / inline_policy of a role: the whole set when configured, else as last read. */
  private heldPolicies(r: TfResource): { managedPolicyArns?: PolicyList; inline?: InlineList } {
    const out: { managedPolicyArns?: PolicyList; inline?: InlineList } = {}
    const configuredArns = this.configured(r, 'managed_policy_arns')
    if (configuredArns || !unknownBelow(r.unknown, ['managed_policy_arns'])) {
      const arns = this.list(r, 'managed_policy_arns')
      if (arns) out.managedPolicyArns = { arns, exclusive: configuredArns }
    }
    const configuredInline = this.configured(r, 'inline_policy')
    if (configuredInline || !unknownBelow(r.unknown, ['inline_policy'])) {
      const raw = r.values['inline_policy']
      if (unknownBelow(r.unknown, ['inline_policy'])) {
        out.inline = { policies: notKnown(`known after apply: ${r.address}.inline_policy`), exclusive: configuredInline }
      } else if (Array.isArray(raw)) {
        const policies = raw
          .filter(isRecord)
          .filter((p) => typeof p['name'] === 'string' && p['name'] !== '')
          .map((p) => {
            let document: Val<PolicyDocument>
            try {
              document = known(parsePolicyDocument(String(p['policy'] ?? '')))
            } catch (err) {
              document = notKnown(`inline policy ${String(p['name'])} of ${r.address} is not a valid policy document: ${(err as Error).message}`)
            }
            return { name: String(p['name']), document }
          })
        out.inline = { policies: known(policies), exclusive: configuredInline }
      }
    }
    return out
  }

  private boundaryOf(r: TfResource): { boundaryArn?: Val<string> } {
    const v = this.str(r, 'permissions_boundary')
    return v && !(v.ok && v.value === '') ? { boundaryArn: v } : {}
  }

  private inlineIngress(r: TfResource): { ingress?: { rules: Val<IngressRule[]>; exclusive: boolean } } {
    const configured = this.configured(r, 'ingress')
    if (unknownBelow(r.unknown, ['ingress'])) {
      if (!configured) return {}
      return { ingress: { rules: notKnown(`known after apply: ${r.address}.ingress`), exclusive: true } }
    }
    const raw = r.values['ingress']
    if (!Array.isArray(raw)) return {}
    const rules = raw.filter(isRecord).map((b) => this.ruleFromValues(b, 'rule'))
    return { ingress: { rules: known(rules), exclusive: configured } }
  }

  /** An inbound rule from aws_security_group ingress blocks / aws_security_group_rule ('rule') or aws_vpc_security_group_ingress_rule ('vpc'). */
  private ruleFromValues(v: Record<string, unknown>, shape: 'rule' | 'vpc'): IngressRule {
    const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s) => typeof s === 'string' && s !== '').map(String) : typeof x === 'string' && x !== '' ? [x] : [])
    const protocol = normalizeProtocol(shape === 'vpc' ? v['ip_protocol'] : v['protocol'])
    const rule: IngressRule = {
      protocol,
      cidrs: strings(shape === 'vpc' ? v['cidr_ipv4'] : v['cidr_blocks']),
      ipv6Cidrs: strings(shape === 'vpc' ? v['cidr_ipv6'] : v['ipv6_cidr_blocks'])
    }
    if (protocol !== '-1') {
      const from = Number(v['from_port'])
      const to = Number(v['to_port'])
      if (v['from_port'] !== null && v['from_port'] !== undefined && Number.isFinite(from)) rule.fromPort = from
      if (v['to_port'] !== null && v['to_port'] !== undefined && Number.isFinite(to)) rule.toPort = to
    }
    const prefixLists = strings(shape === 'vpc' ? v['prefix_list_id'] : v['prefix_list_ids'])
    if (prefixLists.length > 0) rule.prefixListIds = prefixLists
    const groups = shape === 'vpc' ? strings(v['referenced_security_group_id']) : [...strings(v['security_groups']), ...strings(v['source_security_group_id'])]
    if (groups.length > 0) rule.referencedGroupIds = groups
    return rule
  }

  private separateRule(r: TfResource, shape: 'rule' | 'vpc'): Val<IngressRule> {
    const fields =
      shape === 'vpc'
        ? ['ip_protocol', 'from_port', 'to_port', 'cidr_ipv4', 'cidr_ipv6']
        : ['protocol', 'from_port', 'to_port', 'cidr_blocks', 'ipv6_cidr_blocks']
    const values = { ...r.values }
    for (const f of fields) {
      if (!unknownBelow(r.unknown, [f])) continue
      // A CIDR or port that is a plain reference to something known can still be read.
      const v = this.attribute(r, f)
      if (!v.ok) return v
      values[f] = v.value
    }
    return known(this.ruleFromValues(values, shape))
  }
}

function describeJsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * The account after apply, as described by a Terraform plan (`terraform show -json`).
 * Throws ConfigError when the JSON is not a plan.
 */
export function stateFromTerraformPlan(planJson: unknown, options: TerraformOptions): AccountState {
  if (!isRecord(planJson)) {
    throw new ConfigError([{ where: { file: options.file }, message: `is not a Terraform plan: expected a JSON object, got ${describeJsonType(planJson)}` }])
  }
  const version = planJson['format_version']
  if (typeof version !== 'string' || !/^1\.\d+/.test(version)) {
    throw new ConfigError([
      {
        where: { file: options.file, pointer: '/format_version' },
        message: `unsupported Terraform JSON format_version ${JSON.stringify(version)}: expected 1.x (from terraform show -json <planfile>)`
      }
    ])
  }
  if (!Array.isArray(planJson['resource_changes']) && !isRecord(planJson['planned_values'])) {
    throw new ConfigError([
      {
        where: { file: options.file },
        message:
          'is Terraform JSON but not a plan (no resource_changes or planned_values): run `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json`'
      }
    ])
  }
  const reader = new PlanReader(planJson, options)
  return assemble(reader.toModel(), options.params, options.now ?? new Date())
}
