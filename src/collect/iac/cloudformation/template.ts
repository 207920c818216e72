import type { Parameters } from '../../../config/parameters.js'
import type { Partition } from '../../../state/types.js'
import { ACCOUNT_PLACEHOLDER, iamArn, isRecord, normalizeIamPath, partitionOfArn, partitionOfRegion } from '../common.js'
import { cloudFormationResource, type AttributeContext } from './resources.js'
import { deepEqual, firstUnresolved, NO_ATTRIBUTE, NO_VALUE, Unresolved } from './unresolved.js'

export interface CloudFormationOptions {
  /** The template, as named to the user (the state's source.file and every location's file). */
  file: string
  /** The names the template or plan is searched for. */
  params: Pick<Parameters, 'target'>
  /** Parameter values to deploy with, over the template's Defaults. */
  parameters?: Record<string, unknown>
  now?: Date
}

export interface TemplateResource {
  id: string
  type: string
  properties: Record<string, unknown>
  condition?: string
}

/**
 * A template, indexed: its resources by logical id, and the evaluation of intrinsic functions
 * (parameters with their Defaults or given values, conditions, mappings, Ref/GetAtt of the
 * resources the Cargo setup uses). Unresolved stands where only deployment decides.
 */
export class Template {
  readonly resources = new Map<string, TemplateResource>()
  private readonly parameters: Record<string, unknown>
  private readonly mappings: Record<string, unknown>
  private readonly conditions: Record<string, unknown>
  private readonly conditionValues = new Map<string, boolean | Unresolved>()
  private readonly resolving = new Set<string>()
  readonly partition: Partition
  readonly region: string | undefined

  constructor(
    template: Record<string, unknown>,
    private readonly options: CloudFormationOptions
  ) {
    this.parameters = isRecord(template['Parameters']) ? template['Parameters'] : {}
    this.mappings = isRecord(template['Mappings']) ? template['Mappings'] : {}
    this.conditions = isRecord(template['Conditions']) ? template['Conditions'] : {}
    this.region = options.params.target.region
    this.partition = partitionOfRegion(this.region) ?? partitionOfArn(options.params.target.cargoRoleArn) ?? 'aws'
    const resources = isRecord(template['Resources']) ? template['Resources'] : {}
    for (const [id, r] of Object.entries(resources)) {
      if (!isRecord(r)) continue
      this.resources.set(id, {
        id,
        type: String(r['Type'] ?? ''),
        properties: isRecord(r['Properties']) ? r['Properties'] : {},
        ...(typeof r['Condition'] === 'string' ? { condition: r['Condition'] } : {})
      })
    }
  }

  // --- Intrinsic functions ------------------------------------------------------------

  /** Evaluates every intrinsic function in a value; Unresolved stands where deployment decides. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE)
    if (!isRecord(value)) return value
    const keys = Object.keys(value)
    if (keys.length === 1) {
      const key = keys[0] as string
      if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::')) return this.intrinsic(key, value[key])
    }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const r = this.resolve(v)
      if (r !== NO_VALUE) out[k] = r
    }
    return out
  }

  private intrinsic(name: string, arg: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(arg))
      case 'Condition': {
        const c = this.condition(String(arg))
        return c
      }
      case 'Fn::GetAtt': {
        const parts = Array.isArray(arg) ? arg.map((a) => this.resolve(a)) : String(arg).split('.')
        const [id, ...rest] = parts
        return this.getAtt(String(id), rest.map(String).join('.'))
      }
      case 'Fn::Sub':
        return this.sub(arg)
      case 'Fn::Join': {
        const [delimiter, list] = Array.isArray(arg) ? arg : []
        const items = this.resolve(list)
        const u = firstUnresolved(items)
        if (u) return u
        if (!Array.isArray(items)) return new Unresolved('Fn::Join of something that is not a list')
        return items.map((i) => String(i)).join(String(delimiter ?? ''))
      }
      case 'Fn::Select': {
        const [index, list] = Array.isArray(arg) ? arg.map((a) => this.resolve(a)) : []
        if (index instanceof Unresolved) return index
        if (list instanceof Unresolved) return list
        if (!Array.isArray(list)) return new Unresolved('Fn::Select from something that is not a list')
        return list[Number(index)] ?? new Unresolved(`Fn::Select index ${String(index)} is out of range`)
      }
      case 'Fn::Split': {
        const [delimiter, text] = Array.isArray(arg) ? arg.map((a) => this.resolve(a)) : []
        if (text instanceof Unresolved) return text
        return String(text ?? '').split(String(delimiter ?? ''))
      }
      case 'Fn::If': {
        const [cond, whenTrue, whenFalse] = Array.isArray(arg) ? arg : []
        const c = this.condition(String(cond))
        if (c instanceof Unresolved) {
          const a = this.resolve(whenTrue)
          const b = this.resolve(whenFalse)
          return deepEqual(a, b) ? a : c
        }
        return this.resolve(c ? whenTrue : whenFalse)
      }
      case 'Fn::Equals': {
        const [a, b] = Array.isArray(arg) ? arg.map((x) => this.resolve(x)) : []
        const u = firstUnresolved([a, b])
        if (u) return u
        return String(a) === String(b)
      }
      case 'Fn::Not': {
        const [c] = Array.isArray(arg) ? arg.map((x) => this.resolve(x)) : []
        return c instanceof Unresolved ? c : !c
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const values = Array.isArray(arg) ? arg.map((x) => this.resolve(x)) : []
        const decided = values.filter((v) => !(v instanceof Unresolved)).map(Boolean)
        if (name === 'Fn::And' && decided.includes(false)) return false
        if (name === 'Fn::Or' && decided.includes(true)) return true
        return firstUnresolved(values) ?? (name === 'Fn::And')
      }
      case 'Fn::FindInMap': {
        const [map, top, second, options] = Array.isArray(arg) ? arg.map((x) => this.resolve(x)) : []
        const u = firstUnresolved([map, top, second])
        if (u) return u
        const level1 = this.mappings[String(map)]
        const level2 = isRecord(level1) ? level1[String(top)] : undefined
        const found = isRecord(level2) ? level2[String(second)] : undefined
        if (found !== undefined) return this.resolve(found)
        if (isRecord(options) && options['DefaultValue'] !== undefined) return options['DefaultValue']
        return new Unresolved(`Fn::FindInMap: ${String(map)}/${String(top)}/${String(second)} is not in the template's Mappings`)
      }
      case 'Fn::Base64': {
        const v = this.resolve(arg)
        return v instanceof Unresolved ? v : Buffer.from(String(v)).toString('base64')
      }
      case 'Fn::Length': {
        const v = this.resolve(arg)
        return Array.isArray(v) ? v.length : firstUnresolved(v) ?? new Unresolved('Fn::Length of something that is not a list')
      }
      case 'Fn::ToJsonString': {
        const v = this.resolve(arg)
        return firstUnresolved(v) ?? JSON.stringify(v)
      }
      case 'Fn::ImportValue': {
        const v = this.resolve(arg)
        return new Unresolved(`known after deploy: Fn::ImportValue ${typeof v === 'string' ? v : '(computed name)'} is exported by another stack`)
      }
      default:
        return new Unresolved(`known after deploy: ${name}`)
    }
  }

  condition(name: string): boolean | Unresolved {
    const cached = this.conditionValues.get(name)
    if (cached !== undefined) return cached
    if (!(name in this.conditions)) return new Unresolved(`condition ${name} is not defined in the template`)
    if (this.resolving.has(`condition:${name}`)) return new Unresolved(`condition ${name} refers to itself`)
    this.resolving.add(`condition:${name}`)
    const v = this.resolve(this.conditions[name])
    this.resolving.delete(`condition:${name}`)
    const out = v instanceof Unresolved ? new Unresolved(`condition ${name} depends on a value known only at deploy (${v.reason})`) : Boolean(v)
    this.conditionValues.set(name, out)
    return out
  }

  private sub(arg: unknown): unknown {
    const [template, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined]
    const text = this.resolve(template)
    if (typeof text !== 'string') return firstUnresolved(text) ?? new Unresolved('Fn::Sub of something that is not a string')
    const variables = isRecord(vars) ? vars : {}
    let unresolved: Unresolved | undefined
    const out = text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`
      const name = inner.trim()
      let v: unknown
      if (name in variables) v = this.resolve(variables[name])
      else if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.')
        v = this.getAtt(name.slice(0, dot), name.slice(dot + 1))
      } else v = this.ref(name)
      if (v instanceof Unresolved || typeof v === 'object' || v === NO_VALUE) {
        unresolved ??= v instanceof Unresolved ? v : new Unresolved(`Fn::Sub: \${${name}} is not a string`)
        return whole
      }
      return String(v)
    })
    return unresolved ?? out
  }

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::NoValue':
        return NO_VALUE
      case 'AWS::Partition':
        return this.partition
      case 'AWS::AccountId':
        return ACCOUNT_PLACEHOLDER
      case 'AWS::Region':
        return this.region ?? new Unresolved('known at deploy: AWS::Region (set the region input)')
      case 'AWS::URLSuffix':
        return this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
      case 'AWS::StackName':
      case 'AWS::StackId':
      case 'AWS::NotificationARNs':
        return new Unresolved(`known at deploy: ${name}`)
      default:
        break
    }
    if (name in this.parameters) return this.parameter(name)
    if (this.resources.has(name)) return this.resourceValue(name, 'Ref')
    return new Unresolved(`Ref to ${name}, which is neither a parameter nor a resource of the template`)
  }

  private parameter(name: string): unknown {
    const spec = isRecord(this.parameters[name]) ? (this.parameters[name] as Record<string, unknown>) : {}
    const given = this.options.parameters?.[name]
    const value = given !== undefined ? given : spec['Default']
    if (value === undefined) return new Unresolved(`known at deploy: parameter ${name} has no Default`)
    const type = String(spec['Type'] ?? 'String')
    if ((type.startsWith('List<') || type === 'CommaDelimitedList') && typeof value === 'string') {
      return value.split(',').map((s) => s.trim())
    }
    return value
  }

  private getAtt(id: string, attr: string): unknown {
    if (!this.resources.has(id)) return new Unresolved(`Fn::GetAtt of ${id}, which is not a resource of the template`)
    return this.resourceValue(id, attr)
  }

  /** Ref and GetAtt of the resource types the Cargo setup uses (their table entries); other types' attributes are known only after deploy. */
  private resourceValue(id: string, attr: string): unknown {
    const r = this.resources.get(id)
    if (!r) return new Unresolved(`${id} is not a resource of the template`)
    const key = `${id}.${attr}`
    if (this.resolving.has(key)) return new Unresolved(`${key} refers to itself`)
    this.resolving.add(key)
    try {
      const read = cloudFormationResource(r.type)?.attribute
      // An attribute the reader knows may well be absent (a group's VpcId left out): that is its value.
      const value = read ? read(attr, this.attributeContext(r)) : NO_ATTRIBUTE
      if (value !== NO_ATTRIBUTE) return value
      return new Unresolved(`known after deploy: ${attr === 'Ref' ? `Ref ${id}` : `${id}.${attr}`} (${r.type})`)
    } finally {
      this.resolving.delete(key)
    }
  }

  /** What a resource type's attribute reader may ask of its resource. */
  private attributeContext(r: TemplateResource): AttributeContext {
    const id = r.id
    const prop = (name: string) => this.resolve(r.properties[name])
    const nameOr = (name: string): unknown => {
      const v = prop(name)
      return v === undefined || v === NO_VALUE ? `<name CloudFormation generates for ${id}>` : v
    }
    const arnOf = (kind: 'role' | 'policy' | 'user', nameProp: string): unknown => {
      const name = nameOr(nameProp)
      const path = prop('Path')
      if (name instanceof Unresolved) return name
      if (path instanceof Unresolved) return path
      return iamArn(this.partition, undefined, kind, normalizeIamPath(path), String(name))
    }
    return { id, prop, nameOr, arnOf }
  }
}
