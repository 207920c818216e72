import { LineCounter, parseDocument, isMap, isScalar, type Document, type ScalarTag, type CollectionTag } from 'yaml'
import { ConfigError } from '../../config/errors.js'
import type { Parameters } from '../../config/parameters.js'
import { parsePolicyDocument } from '../../evaluate/iam-policy.js'
import type { AccountState, IngressRule, Partition, PolicyDocument } from '../../state/types.js'
import {
  accountOnlyReason,
  ACCOUNT_PLACEHOLDER,
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
import { assemble, emptyModel, type IacModel, type Origin } from './model.js'

/**
 * Reads a CloudFormation template (JSON, or YAML with the short-form tags `!Ref`, `!GetAtt`,
 * `!Sub`, ...) into the AccountState the account will have once the stack is deployed.
 *
 * Intrinsic functions are evaluated inside the template: parameters take their Default (or a
 * value given in `options.parameters`), conditions and mappings are evaluated, `!Ref`/`!GetAtt`
 * of the resources the Cargo setup uses give their names and ARNs (an ARN's account id, when
 * the template does not spell it, is a placeholder the overlay fills in). What only deployment
 * can tell (`!ImportValue`, an EIP's address, a parameter without Default) is `unknown`.
 * Findings point at the line of each resource's logical id.
 */

export interface CloudFormationOptions {
  /** The template, as named to the user (the state's source.file and every location's file). */
  file: string
  params: Parameters
  /** Parameter values to deploy with, over the template's Defaults. */
  parameters?: Record<string, unknown>
  now?: Date
}

/** Short form -> long form. `!GetAtt a.b` is the one whose scalar form needs splitting. */
const INTRINSICS: Array<[string, string]> = [
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ['!GetAtt', 'Fn::GetAtt'],
  ['!Sub', 'Fn::Sub'],
  ['!Join', 'Fn::Join'],
  ['!If', 'Fn::If'],
  ['!Select', 'Fn::Select'],
  ['!Split', 'Fn::Split'],
  ['!ImportValue', 'Fn::ImportValue'],
  ['!FindInMap', 'Fn::FindInMap'],
  ['!Base64', 'Fn::Base64'],
  ['!Equals', 'Fn::Equals'],
  ['!Not', 'Fn::Not'],
  ['!And', 'Fn::And'],
  ['!Or', 'Fn::Or'],
  ['!GetAZs', 'Fn::GetAZs'],
  ['!Cidr', 'Fn::Cidr'],
  ['!Transform', 'Fn::Transform'],
  ['!Length', 'Fn::Length'],
  ['!ToJsonString', 'Fn::ToJsonString']
]

/** The yaml package's custom tags for CloudFormation's short forms, each in scalar, sequence and mapping form. */
export const CLOUDFORMATION_TAGS: Array<ScalarTag | CollectionTag> = INTRINSICS.flatMap(([tag, name]) => {
  const scalar: ScalarTag = {
    tag,
    identify: () => false,
    resolve: (text: string) => {
      if (name === 'Fn::GetAtt') {
        const dot = text.indexOf('.')
        return { [name]: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)] }
      }
      return { [name]: text }
    }
  }
  const seq: CollectionTag = {
    tag,
    collection: 'seq',
    identify: () => false,
    resolve: (node) => ({ [name]: node.toJSON() })
  }
  const map: CollectionTag = {
    tag,
    collection: 'map',
    identify: () => false,
    resolve: (node) => ({ [name]: node.toJSON() })
  }
  return [scalar, seq, map]
})

/** A value only deployment will tell. */
class Unresolved {
  constructor(readonly reason: string) {}
}

/** `Ref: AWS::NoValue`: the property or element is left out. */
const NO_VALUE = Symbol('AWS::NoValue')

function firstUnresolved(value: unknown): Unresolved | undefined {
  if (value instanceof Unresolved) return value
  if (Array.isArray(value)) {
    for (const v of value) {
      const u = firstUnresolved(v)
      if (u) return u
    }
  } else if (isRecord(value)) {
    for (const v of Object.values(value)) {
      const u = firstUnresolved(v)
      if (u) return u
    }
  }
  return undefined
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

interface TemplateResource {
  id: string
  type: string
  properties: Record<string, unknown>
  condition?: string
}

class Template {
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
    this.region = options.params.region
    this.partition = partitionOfRegion(this.region) ?? partitionOfArn(options.params.cargoRoleArn) ?? 'aws'
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

  /** Ref and GetAtt of the resource types the Cargo setup uses; other types' attributes are known only after deploy. */
  private resourceValue(id: string, attr: string): unknown {
    const r = this.resources.get(id)
    if (!r) return new Unresolved(`${id} is not a resource of the template`)
    const key = `${id}.${attr}`
    if (this.resolving.has(key)) return new Unresolved(`${key} refers to itself`)
    this.resolving.add(key)
    try {
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
      const symbolic = `<known after deploy: ${id}.${attr}>`
      switch (r.type) {
        case 'AWS::IAM::Role':
          if (attr === 'Ref') return nameOr('RoleName')
          if (attr === 'Arn') return arnOf('role', 'RoleName')
          break
        case 'AWS::IAM::ManagedPolicy':
          if (attr === 'Ref' || attr === 'PolicyArn') return arnOf('policy', 'ManagedPolicyName')
          break
        case 'AWS::IAM::User':
          if (attr === 'Ref') return nameOr('UserName')
          if (attr === 'Arn') return arnOf('user', 'UserName')
          break
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::InstanceProfile':
          if (attr === 'Ref' || attr === 'Arn') return symbolic
          break
        case 'AWS::EC2::SecurityGroup':
          if (attr === 'Ref' || attr === 'GroupId') return `<known after deploy: ${id}.GroupId>`
          if (attr === 'VpcId') return prop('VpcId')
          break
        case 'AWS::RedshiftServerless::Namespace':
          if (attr === 'Ref' || attr === 'Namespace.NamespaceName') return prop('NamespaceName')
          if (attr === 'Namespace.NamespaceArn' || attr === 'Namespace.NamespaceId') return symbolic
          break
        case 'AWS::RedshiftServerless::Workgroup':
          if (attr === 'Ref' || attr === 'Workgroup.WorkgroupName') return prop('WorkgroupName')
          if (attr === 'Workgroup.Endpoint.Port') return prop('Port') ?? 5439
          if (attr === 'Workgroup.WorkgroupArn' || attr === 'Workgroup.WorkgroupId') return symbolic
          break
        case 'AWS::Redshift::Cluster':
          if (attr === 'Ref') return nameOr('ClusterIdentifier')
          if (attr === 'Endpoint.Port') return prop('Port') ?? 5439
          break
        default:
          break
      }
      return new Unresolved(`known after deploy: ${attr === 'Ref' ? `Ref ${id}` : `${id}.${attr}`} (${r.type})`)
    } finally {
      this.resolving.delete(key)
    }
  }
}

// --- Typed readers over resolved values ---------------------------------------------------

function val(value: unknown, what: string): Val<unknown> {
  const u = firstUnresolved(value)
  return u ? notKnown(u.reason) : value === undefined || value === NO_VALUE ? notKnown(`${what} is not set`) : known(value)
}

function stringVal(value: unknown, what: string, fallback?: string): Val<string> {
  if ((value === undefined || value === NO_VALUE) && fallback !== undefined) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  return typeof v.value === 'object' ? notKnown(`${what} is not a string`) : known(String(v.value))
}

function optionalStringVal(value: unknown, what: string, fallback?: string): Val<string | undefined> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = stringVal(value, what)
  return v.ok ? known(v.value) : v
}

function listVal(value: unknown, what: string): Val<string[]> {
  if (value === undefined || value === NO_VALUE) return known([])
  const v = val(value, what)
  if (!v.ok) return v
  if (!Array.isArray(v.value)) return typeof v.value === 'string' ? known([v.value]) : notKnown(`${what} is not a list`)
  return known(v.value.map(String))
}

function boolVal(value: unknown, what: string, fallback: boolean): Val<boolean> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  return known(v.value === true || String(v.value).toLowerCase() === 'true')
}

function numberVal(value: unknown, what: string, fallback: number): Val<number | undefined> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  const n = Number(v.value)
  return Number.isFinite(n) ? known(n) : notKnown(`${what} is not a number`)
}

function documentVal(value: unknown, what: string): Val<PolicyDocument> {
  const v = val(value, what)
  if (!v.ok) return v
  if (typeof v.value === 'string') {
    try {
      return known(parsePolicyDocument(v.value))
    } catch (err) {
      return notKnown(`${what} is not a valid policy document: ${(err as Error).message}`)
    }
  }
  return isRecord(v.value) ? known(v.value as unknown as PolicyDocument) : notKnown(`${what} is not a policy document`)
}

function ingressFrom(entry: unknown, what: string): Val<IngressRule> {
  const v = val(entry, what)
  if (!v.ok) return v
  if (!isRecord(v.value)) return notKnown(`${what} is not an object`)
  const e = v.value
  const protocol = normalizeProtocol(e['IpProtocol'])
  const rule: IngressRule = {
    protocol,
    cidrs: typeof e['CidrIp'] === 'string' ? [e['CidrIp']] : [],
    ipv6Cidrs: typeof e['CidrIpv6'] === 'string' ? [e['CidrIpv6']] : []
  }
  if (protocol !== '-1') {
    if (e['FromPort'] !== undefined && Number.isFinite(Number(e['FromPort']))) rule.fromPort = Number(e['FromPort'])
    if (e['ToPort'] !== undefined && Number.isFinite(Number(e['ToPort']))) rule.toPort = Number(e['ToPort'])
  }
  if (typeof e['SourcePrefixListId'] === 'string') rule.prefixListIds = [e['SourcePrefixListId']]
  if (typeof e['SourceSecurityGroupId'] === 'string') rule.referencedGroupIds = [e['SourceSecurityGroupId']]
  return known(rule)
}

function inlinePolicies(value: unknown, what: string): Val<Array<{ name: string; document: Val<PolicyDocument> }>> {
  if (value === undefined || value === NO_VALUE) return known([])
  if (value instanceof Unresolved) return notKnown(value.reason)
  if (!Array.isArray(value)) return notKnown(`${what} is not a list`)
  const out: Array<{ name: string; document: Val<PolicyDocument> }> = []
  for (const p of value) {
    if (!isRecord(p)) return notKnown(`${what}: an entry is not an object`)
    const name = stringVal(p['PolicyName'], `${what} PolicyName`)
    if (!name.ok) return name
    out.push({ name: name.value, document: documentVal(p['PolicyDocument'], `${what} ${name.value}`) })
  }
  return known(out)
}

// --- Parsing and locations ----------------------------------------------------------------------

function syntaxError(file: string, message: string, line?: number, column?: number): ConfigError {
  return new ConfigError([{ where: { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) }, message }])
}

/** Parses a template; every problem is a ConfigError at file:line:column. */
export function parseTemplate(text: string, file: string): { template: Record<string, unknown>; lineOf: (logicalId: string) => number | undefined } {
  if (text.trim() === '') throw syntaxError(file, 'is empty', 1, 1)
  const lineCounter = new LineCounter()
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, customTags: CLOUDFORMATION_TAGS, uniqueKeys: true })
  const json = text.trimStart().startsWith('{')
  let value: unknown
  if (doc.errors.length > 0) {
    // A JSON template indented with tabs is not YAML, but it is JSON.
    if (json) {
      try {
        value = JSON.parse(text)
      } catch (err) {
        const m = /position (\d+)/.exec((err as Error).message)
        const at = m ? lineCounter.linePos(Number(m[1])) : undefined
        throw syntaxError(file, `JSON syntax: ${(err as Error).message}`, at?.line, at?.col)
      }
    } else {
      const e = doc.errors[0]!
      const pos = lineCounter.linePos(e.pos[0])
      throw syntaxError(file, `YAML syntax: ${e.message.split('\n')[0]}`, pos.line, pos.col)
    }
  } else {
    value = doc.toJS({ maxAliasCount: 100 })
  }
  if (!isRecord(value)) throw syntaxError(file, 'is not a CloudFormation template: expected a mapping at the top', 1, 1)
  const resourcesNode = doc.errors.length === 0 ? doc.get('Resources', true) : undefined
  const lineOf = (logicalId: string): number | undefined => {
    if (isMap(resourcesNode)) {
      for (const pair of resourcesNode.items) {
        if (isScalar(pair.key) && String(pair.key.value) === logicalId && pair.key.range) {
          return lineCounter.linePos(pair.key.range[0]).line
        }
      }
    }
    // Fallback for templates the YAML parser refused: the first `"LogicalId":` after "Resources".
    const start = text.search(/"Resources"\s*:/)
    if (start < 0) return undefined
    const at = text.slice(start).search(new RegExp(`"${logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`))
    return at < 0 ? undefined : text.slice(0, start + at).split('\n').length
  }
  return { template: value, lineOf }
}

/**
 * Parameter values CloudFormation itself would refuse: a name the template does not declare, or a
 * value outside its AllowedValues (each element, for list types). Both fail a stack deployment
 * ("Parameters: [X] do not exist in the template"; "Parameter 'X' must be one of AllowedValues"),
 * so judging the template with them would describe an account that can never exist.
 * See https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
 */
function parameterProblems(template: Record<string, unknown>, given: Record<string, unknown>): string[] {
  const declared = isRecord(template['Parameters']) ? template['Parameters'] : {}
  const problems: string[] = []
  for (const [name, value] of Object.entries(given)) {
    const spec = declared[name]
    if (!isRecord(spec)) {
      const names = Object.keys(declared)
      problems.push(`parameter '${name}' is not declared in the template (${names.length > 0 ? `it declares ${names.join(', ')}` : 'it declares none'})`)
      continue
    }
    const allowed = Array.isArray(spec['AllowedValues']) ? spec['AllowedValues'].map(String) : undefined
    if (!allowed) continue
    const type = String(spec['Type'] ?? 'String')
    const items = (type.startsWith('List<') || type === 'CommaDelimitedList') && typeof value === 'string' ? value.split(',').map((v) => v.trim()) : [String(value)]
    for (const item of items) {
      if (!allowed.includes(item)) problems.push(`parameter '${name}': '${item}' is not one of its AllowedValues (${allowed.join(', ')})`)
    }
  }
  return problems
}

/**
 * The account after the stack is deployed, as described by a CloudFormation template.
 * Throws ConfigError (with file:line) when the text is not a template.
 */
export function stateFromCloudFormation(templateText: string, options: CloudFormationOptions): AccountState {
  const { template, lineOf } = parseTemplate(templateText, options.file)
  if (!isRecord(template['Resources'])) {
    throw syntaxError(options.file, 'is not a CloudFormation template: it has no Resources mapping', 1, 1)
  }
  const given = parameterProblems(template, options.parameters ?? {})
  if (given.length > 0) throw new ConfigError(given.map((message) => ({ where: { input: 'cloudformation-parameters' }, message })))
  const t = new Template(template, options)
  const model: IacModel = emptyModel('cloudformation', options.file, t.partition)
  if (t.region) model.region = t.region
  for (const r of t.resources.values()) {
    const line = lineOf(r.id)
    const origin: Origin = { id: r.id, file: options.file, changed: false, ...(line !== undefined ? { line } : {}) }
    let skipReason: string | undefined
    if (r.condition) {
      const c = t.condition(r.condition)
      if (c === false) continue
      if (c instanceof Unresolved) skipReason = `${r.id} exists only if ${c.reason}`
    }
    // A resource that may or may not be created: everything it says is unknown.
    const p = (name: string): unknown => (skipReason ? new Unresolved(skipReason) : t.resolve(r.properties[name]))
    const ref = (attr: string): unknown => (skipReason ? new Unresolved(skipReason) : t.resolve(attr === 'Ref' ? { Ref: r.id } : { 'Fn::GetAtt': [r.id, attr] }))
    const what = (prop: string) => `${r.id}.${prop}`
    const base = { origin, deleted: false }
    const symbolicString = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback)
    switch (r.type) {
      case 'AWS::IAM::Role': {
        const name = ref('Ref')
        model.roles.push({
          ...base,
          name: stringVal(name, what('RoleName')),
          arn: symbolicString(ref('Arn'), `<known after deploy: ${r.id}.Arn>`),
          path: normalizeIamPath(p('Path')),
          trust: documentVal(p('AssumeRolePolicyDocument'), what('AssumeRolePolicyDocument')),
          managedPolicyArns: { arns: listVal(p('ManagedPolicyArns'), what('ManagedPolicyArns')), exclusive: true },
          inline: { policies: inlinePolicies(p('Policies'), what('Policies')), exclusive: true },
          ...(p('PermissionsBoundary') !== undefined ? { boundaryArn: stringVal(p('PermissionsBoundary'), what('PermissionsBoundary')) } : {})
        })
        break
      }
      case 'AWS::IAM::ManagedPolicy': {
        const arn = ref('Ref')
        const name = p('ManagedPolicyName')
        model.policies.push({
          ...base,
          name: name === undefined ? known(symbolicString(arn, r.id).split('/').pop() ?? r.id) : stringVal(name, what('ManagedPolicyName')),
          arn: symbolicString(arn, `<known after deploy: ${r.id}.PolicyArn>`),
          document: documentVal(p('PolicyDocument'), what('PolicyDocument'))
        })
        for (const [prop, target] of [
          ['Roles', 'role'],
          ['Users', 'user']
        ] as const) {
          const names = listVal(p(prop), what(prop))
          const policyArn = stringVal(arn, what('Ref'))
          if (!names.ok) model.attachments.push({ ...base, target, targetName: names, policyArn })
          else for (const n of names.value) model.attachments.push({ ...base, target, targetName: known(n), policyArn })
        }
        break
      }
      case 'AWS::IAM::Policy': {
        const name = stringVal(p('PolicyName'), what('PolicyName'))
        const document = documentVal(p('PolicyDocument'), what('PolicyDocument'))
        for (const [prop, target] of [
          ['Roles', 'role'],
          ['Users', 'user']
        ] as const) {
          const names = listVal(p(prop), what(prop))
          const policyName = name.ok ? name.value : r.id
          if (!names.ok) model.inlinePolicies.push({ ...base, target, targetName: names, name: policyName, document })
          else for (const n of names.value) model.inlinePolicies.push({ ...base, target, targetName: known(n), name: policyName, document })
        }
        break
      }
      case 'AWS::IAM::User': {
        model.users.push({
          ...base,
          name: stringVal(ref('Ref'), what('UserName')),
          arn: symbolicString(ref('Arn'), `<known after deploy: ${r.id}.Arn>`),
          managedPolicyArns: { arns: listVal(p('ManagedPolicyArns'), what('ManagedPolicyArns')), exclusive: true },
          inline: { policies: inlinePolicies(p('Policies'), what('Policies')), exclusive: true },
          ...(p('PermissionsBoundary') !== undefined ? { boundaryArn: stringVal(p('PermissionsBoundary'), what('PermissionsBoundary')) } : {})
        })
        break
      }
      case 'AWS::IAM::AccessKey': {
        // Status only: a template holds no secret, and the key's age is known only in the account.
        model.accessKeys.push({
          ...base,
          userName: stringVal(p('UserName'), what('UserName')),
          status: stringVal(p('Status'), what('Status'), 'Active'),
          isNew: false,
          ageUnknown: accountOnlyReason(`the age of access key ${r.id}`, 'a template records no creation date')
        })
        break
      }
      case 'AWS::EC2::SecurityGroup': {
        const ingress = p('SecurityGroupIngress')
        const rules: Val<IngressRule[]> = (() => {
          if (ingress === undefined) return known([])
          if (ingress instanceof Unresolved) return notKnown(ingress.reason)
          if (!Array.isArray(ingress)) return notKnown(`${what('SecurityGroupIngress')} is not a list`)
          const out: IngressRule[] = []
          for (const e of ingress) {
            const rule = ingressFrom(e, what('SecurityGroupIngress'))
            if (!rule.ok) return rule
            out.push(rule.value)
          }
          return known(out)
        })()
        const name = p('GroupName')
        const vpcId = p('VpcId')
        model.securityGroups.push({
          ...base,
          id: symbolicString(ref('GroupId'), `<known after deploy: ${r.id}.GroupId>`),
          ...(typeof name === 'string' ? { name } : {}),
          ...(typeof vpcId === 'string' ? { vpcId } : {}),
          ingress: { rules, exclusive: true }
        })
        break
      }
      case 'AWS::EC2::SecurityGroupIngress': {
        const props: Record<string, unknown> = {}
        for (const k of ['IpProtocol', 'FromPort', 'ToPort', 'CidrIp', 'CidrIpv6', 'SourcePrefixListId', 'SourceSecurityGroupId', 'Description']) {
          const v = p(k)
          if (v !== undefined && v !== NO_VALUE) props[k] = v
        }
        model.ingressRules.push({
          ...base,
          groupId: stringVal(p('GroupId'), what('GroupId')),
          rule: ingressFrom(props, r.id)
        })
        break
      }
      case 'AWS::RedshiftServerless::Workgroup': {
        const groups = p('SecurityGroupIds')
        model.redshifts.push({
          ...base,
          deployment: 'serverless',
          name: stringVal(p('WorkgroupName'), what('WorkgroupName')),
          namespaceName: stringVal(p('NamespaceName'), what('NamespaceName')),
          publiclyAccessible: boolVal(p('PubliclyAccessible'), what('PubliclyAccessible'), false),
          port: numberVal(p('Port'), what('Port'), 5439),
          securityGroupIds:
            groups === undefined
              ? notKnown(`known after deploy: ${what('SecurityGroupIds')} is not set, so AWS attaches the VPC's default security group`)
              : listVal(groups, what('SecurityGroupIds'))
        })
        break
      }
      case 'AWS::RedshiftServerless::Namespace': {
        model.namespaces.push({
          ...base,
          name: stringVal(p('NamespaceName'), what('NamespaceName')),
          iamRoles: listVal(p('IamRoles'), what('IamRoles')),
          defaultIamRoleArn: optionalStringVal(p('DefaultIamRoleArn'), what('DefaultIamRoleArn')),
          dbName: optionalStringVal(p('DbName'), what('DbName'), 'dev')
        })
        break
      }
      case 'AWS::Redshift::Cluster': {
        const groups = p('VpcSecurityGroupIds')
        model.redshifts.push({
          ...base,
          deployment: 'provisioned',
          name: stringVal(ref('Ref'), what('ClusterIdentifier')),
          publiclyAccessible: boolVal(p('PubliclyAccessible'), what('PubliclyAccessible'), false),
          port: numberVal(p('Port'), what('Port'), 5439),
          securityGroupIds:
            groups === undefined
              ? notKnown(`known after deploy: ${what('VpcSecurityGroupIds')} is not set, so AWS attaches the VPC's default security group`)
              : listVal(groups, what('VpcSecurityGroupIds')),
          iamRoles: listVal(p('IamRoles'), what('IamRoles')),
          defaultIamRoleArn: optionalStringVal(p('DefaultIamRoleArn'), what('DefaultIamRoleArn')),
          dbName: optionalStringVal(p('DBName'), what('DBName'), 'dev')
        })
        break
      }
      default:
        break
    }
  }
  return assemble(model, options.params, options.now ?? new Date())
}
