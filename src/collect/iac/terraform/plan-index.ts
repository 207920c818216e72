import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Partition } from '../../../state/types.js'
import { accountHint, iamArn, isRecord, known, normalizeIamPath, notKnown, partitionOfArn, partitionOfRegion, type Val } from '../common.js'
import {
  asExpression,
  asRecord,
  hasAttribute,
  knownString,
  referenceRoot,
  referenceSteps,
  stripKeys,
  unknownBelow,
  type ConfigResource,
  type Expression,
  type ModuleConfig,
  type TerraformOptions,
  type TfResource
} from './plan-json.js'
import { renderPolicyDocument } from './policy-document.js'

/**
 * The plan, indexed: every resource by address (resource_changes first, then planned_values
 * and prior_state for data sources and resources a targeted plan left out), the configuration
 * tree per module, and the following of references from an unknown attribute to the object it
 * is set from. What a resource's attribute will be after apply is answered here (`attribute`).
 */
export class PlanIndex {
  readonly resources = new Map<string, TfResource>()
  private readonly root: ModuleConfig
  readonly partition: Partition
  readonly region: string | undefined
  readonly account: string | undefined
  private readonly baseDir: string
  readonly cwd: string
  /** `.terraform/modules/modules.json`, where `terraform init` records downloaded modules. */
  private manifest: Array<Record<string, unknown>> | undefined
  private depth = 0

  constructor(
    private readonly plan: Record<string, unknown>,
    readonly options: TerraformOptions
  ) {
    this.cwd = options.cwd ?? process.cwd()
    this.baseDir = resolve(this.cwd, options.baseDir ?? dirname(options.file))
    const configuration = asRecord(plan['configuration'])
    this.root = this.moduleConfig(asRecord(configuration['root_module']), '', this.baseDir, [])
    this.readResources()
    this.region = options.params.target.region ?? this.providerRegion(configuration)
    this.account = this.findAccount()
    this.partition = partitionOfRegion(this.region) ?? partitionOfArn(options.params.target.cargoRoleArn) ?? 'aws'
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

  configFor(moduleAddress: string): ModuleConfig | undefined {
    let config: ModuleConfig | undefined = this.root
    const steps = stripKeys(moduleAddress).split('.').filter((s) => s !== '')
    for (let i = 0; i + 1 < steps.length && config; i += 2) config = config.calls.get(steps[i + 1] ?? '')?.module
    return config
  }

  private configResource(r: TfResource): ConfigResource | undefined {
    const local = `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`
    return this.configFor(r.moduleAddress)?.resources.get(local)
  }

  expression(r: TfResource, attr: string): Expression | undefined {
    return asExpression(this.configResource(r)?.expressions[attr])
  }

  /** Whether the configuration sets the attribute (Optional+Computed attributes are otherwise AWS's to decide). */
  configured(r: TfResource, attr: string): boolean {
    return this.configResource(r)?.expressions[attr] !== undefined
  }

  findResource(moduleAddress: string, local: string): TfResource | undefined {
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
  resolveExpression(scope: string, expression: Expression | undefined, what: string): Val<unknown[]> {
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
  attribute(r: TfResource, attr: string): Val<unknown> {
    if (r.deleted) return notKnown(`${r.address} is destroyed by this plan`)
    if (!unknownBelow(r.unknown, [attr]) && r.values[attr] !== undefined) return known(r.values[attr])
    const computed = this.computed(r, attr)
    if (computed !== undefined) return known(computed)
    if (r.type === 'aws_iam_policy_document' && attr === 'json') {
      const rendered = renderPolicyDocument(r)
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
    const name = knownString(r, 'name')
    const path = knownString(r, 'path') ?? '/'
    const iamKind = r.type === 'aws_iam_role' ? 'role' : r.type === 'aws_iam_policy' ? 'policy' : r.type === 'aws_iam_user' ? 'user' : undefined
    if (iamKind && name !== undefined) {
      if (attr === 'arn' || (iamKind === 'policy' && attr === 'id')) return iamArn(this.partition, this.account, iamKind, normalizeIamPath(path), name)
      if (attr === 'name' || attr === 'id') return name
    }
    if (r.mode === 'managed' && (attr === 'id' || attr === 'arn')) return `<known after apply: ${r.address}.${attr}>`
    return undefined
  }
}
