import { parsePolicyDocument } from '../../../policy/iam-policy.js'
import type { IngressRule, PolicyDocument } from '../../../state/types.js'
import { isRecord, known, normalizeProtocol, notKnown, type Val } from '../common.js'
import { firstUnresolved, NO_VALUE, Unresolved } from './unresolved.js'

/**
 * Typed readers over resolved template values: each turns what the intrinsic functions gave
 * into a known value, the AWS default when the property is left out, or why only deployment
 * will tell. `what` names the property in the reason (LogicalId.Property).
 */

export function val(value: unknown, what: string): Val<unknown> {
  const u = firstUnresolved(value)
  return u ? notKnown(u.reason) : value === undefined || value === NO_VALUE ? notKnown(`${what} is not set`) : known(value)
}

export function stringVal(value: unknown, what: string, fallback?: string): Val<string> {
  if ((value === undefined || value === NO_VALUE) && fallback !== undefined) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  return typeof v.value === 'object' ? notKnown(`${what} is not a string`) : known(String(v.value))
}

export function optionalStringVal(value: unknown, what: string, fallback?: string): Val<string | undefined> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = stringVal(value, what)
  return v.ok ? known(v.value) : v
}

export function listVal(value: unknown, what: string): Val<string[]> {
  if (value === undefined || value === NO_VALUE) return known([])
  const v = val(value, what)
  if (!v.ok) return v
  if (!Array.isArray(v.value)) return typeof v.value === 'string' ? known([v.value]) : notKnown(`${what} is not a list`)
  return known(v.value.map(String))
}

export function boolVal(value: unknown, what: string, fallback: boolean): Val<boolean> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  return known(v.value === true || String(v.value).toLowerCase() === 'true')
}

export function numberVal(value: unknown, what: string, fallback: number): Val<number | undefined> {
  if (value === undefined || value === NO_VALUE) return known(fallback)
  const v = val(value, what)
  if (!v.ok) return v
  const n = Number(v.value)
  return Number.isFinite(n) ? known(n) : notKnown(`${what} is not a number`)
}

export function documentVal(value: unknown, what: string): Val<PolicyDocument> {
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

export function ingressFrom(entry: unknown, what: string): Val<IngressRule> {
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

export function inlinePolicies(value: unknown, what: string): Val<Array<{ name: string; document: Val<PolicyDocument> }>> {
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
