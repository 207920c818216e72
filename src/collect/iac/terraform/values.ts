import { parsePolicyDocument } from '../../../policy/iam-policy.js'
import type { IngressRule, PolicyDocument } from '../../../state/types.js'
import { isRecord, known, normalizeProtocol, notKnown, type Val } from '../common.js'
import type { InlineList, PolicyList } from '../model.js'
import { unknownBelow, type TfResource } from './plan-json.js'
import type { PlanIndex } from './plan-index.js'

/**
 * Typed readers of a resource's attributes after apply. Each says what AWS will hold: a known
 * value, the provider's default when the configuration leaves an attribute unset, or why only
 * apply will tell (following the configuration's references where the plan has no value).
 */
export class TerraformValues {
  constructor(private readonly index: PlanIndex) {}


  /** A string attribute: undefined when null or unset. */
  str(r: TfResource, attr: string): Val<string> | undefined {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      if (v === null || v === undefined) return undefined
      return known(typeof v === 'string' ? v : String(v))
    }
    const v = this.index.attribute(r, attr)
    if (!v.ok) return v
    if (typeof v.value === 'string' || typeof v.value === 'number' || typeof v.value === 'boolean') return known(String(v.value))
    return notKnown(`known after apply: ${r.address}.${attr}`)
  }

  bool(r: TfResource, attr: string, fallback: boolean): Val<boolean> {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      return known(typeof v === 'boolean' ? v : v === null || v === undefined ? fallback : String(v) === 'true')
    }
    if (!this.index.configured(r, attr)) return known(fallback)
    const v = this.index.attribute(r, attr)
    if (v.ok && typeof v.value === 'boolean') return known(v.value)
    if (v.ok && (v.value === 'true' || v.value === 'false')) return known(v.value === 'true')
    return v.ok ? notKnown(`known after apply: ${r.address}.${attr}`) : v
  }

  num(r: TfResource, attr: string, fallback: number | undefined): Val<number | undefined> {
    if (!unknownBelow(r.unknown, [attr])) {
      const v = r.values[attr]
      if (v === null || v === undefined) return known(fallback)
      const n = Number(v)
      return known(Number.isFinite(n) ? n : fallback)
    }
    if (!this.index.configured(r, attr)) return known(fallback)
    const v = this.index.attribute(r, attr)
    if (v.ok && Number.isFinite(Number(v.value))) return known(Number(v.value))
    return v.ok ? notKnown(`known after apply: ${r.address}.${attr}`) : v
  }

  /**
   * A list of strings. Unknown elements are filled, in order, from the objects the
   * configuration references (`[aws_security_group.a.id]`); when they cannot all be, the
   * list is unknown.
   */
  list(r: TfResource, attr: string): Val<string[]> | undefined {
    const raw = r.values[attr]
    const unknownTree = isRecord(r.unknown) ? r.unknown[attr] : undefined
    if (!unknownBelow(r.unknown, [attr])) {
      if (raw === null || raw === undefined) return undefined
      return known((Array.isArray(raw) ? raw : [raw]).filter((x) => x !== null).map(String))
    }
    const expression = this.index.expression(r, attr)
    const resolved = expression ? this.index.resolveExpression(r.moduleAddress, expression, `${r.address}.${attr}`) : undefined
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

  document(r: TfResource, attr: string): Val<PolicyDocument> {
    const text = this.str(r, attr)
    if (!text) return notKnown(`${r.address} has no ${attr}`)
    if (!text.ok) return text
    try {
      return known(parsePolicyDocument(text.value))
    } catch (err) {
      return notKnown(`${r.address}.${attr} is not a valid policy document: ${(err as Error).message}`)
    }
  }


  optionalString(r: TfResource, attr: string, fallback?: string): Val<string | undefined> {
    if (unknownBelow(r.unknown, [attr]) && !this.index.configured(r, attr)) return known(fallback)
    const v = this.str(r, attr)
    if (!v) return known(fallback)
    return v.ok ? known(v.value === '' ? fallback : v.value) : v
  }

  /** Optional+Computed lists (a namespace's iam_roles): unset on a new resource means empty. */
  computedList(r: TfResource, attr: string): Val<string[]> {
    if (unknownBelow(r.unknown, [attr]) && !this.index.configured(r, attr)) return known([])
    return this.list(r, attr) ?? known([])
  }

  groupIds(r: TfResource, attr: string): Val<string[]> {
    if (unknownBelow(r.unknown, [attr]) && !this.index.configured(r, attr)) {
      return notKnown(`known after apply: ${r.address}.${attr} is not set, so AWS attaches the VPC's default security group`)
    }
    return this.list(r, attr) ?? known([])
  }

  /** managed_policy_arns / inline_policy of a role: the whole set when configured, else as last read. */
  heldPolicies(r: TfResource): { managedPolicyArns?: PolicyList; inline?: InlineList } {
    const out: { managedPolicyArns?: PolicyList; inline?: InlineList } = {}
    const configuredArns = this.index.configured(r, 'managed_policy_arns')
    if (configuredArns || !unknownBelow(r.unknown, ['managed_policy_arns'])) {
      const arns = this.list(r, 'managed_policy_arns')
      if (arns) out.managedPolicyArns = { arns, exclusive: configuredArns }
    }
    const configuredInline = this.index.configured(r, 'inline_policy')
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

  boundaryOf(r: TfResource): { boundaryArn?: Val<string> } {
    const v = this.str(r, 'permissions_boundary')
    return v && !(v.ok && v.value === '') ? { boundaryArn: v } : {}
  }

  inlineIngress(r: TfResource): { ingress?: { rules: Val<IngressRule[]>; exclusive: boolean } } {
    const configured = this.index.configured(r, 'ingress')
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
  ruleFromValues(v: Record<string, unknown>, shape: 'rule' | 'vpc'): IngressRule {
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

  separateRule(r: TfResource, shape: 'rule' | 'vpc'): Val<IngressRule> {
    const fields =
      shape === 'vpc'
        ? ['ip_protocol', 'from_port', 'to_port', 'cidr_ipv4', 'cidr_ipv6']
        : ['protocol', 'from_port', 'to_port', 'cidr_blocks', 'ipv6_cidr_blocks']
    const values = { ...r.values }
    for (const f of fields) {
      if (!unknownBelow(r.unknown, [f])) continue
      // A CIDR or port that is a plain reference to something known can still be read.
      const v = this.index.attribute(r, f)
      if (!v.ok) return v
      values[f] = v.value
    }
    return known(this.ruleFromValues(values, shape))
  }
}
