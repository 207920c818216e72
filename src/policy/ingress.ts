import ipaddr from 'ipaddr.js'
import type { IngressRule, SecurityGroupState } from '../state/types.js'

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number]

function parseNetwork(cidr: string): Network | undefined {
  try {
    return ipaddr.parseCIDR(cidr)
  } catch {
    return undefined
  }
}

/** True when every address of `inner` lies in `outer` (same address family). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseNetwork(outer)
  const i = parseNetwork(inner)
  if (!o || !i || o[0].kind() !== i[0].kind()) return false
  return o[1] <= i[1] && i[0].match(o)
}

function prefixLength(cidr: string): number | undefined {
  return parseNetwork(cidr)?.[1]
}

function familyOf(cidr: string): 'IPv4' | 'IPv6' {
  return parseNetwork(cidr)?.[0].kind() === 'ipv6' ? 'IPv6' : 'IPv4'
}

/**
 * Whether a rule lets TCP traffic reach `port`. All traffic ('-1', or any
 * protocol other than tcp/udp/icmp/icmpv6, which EC2 treats as all ports)
 * always does; an unknown port is only reached by rules open on every port.
 */
export function reachesPort(rule: IngressRule, port: number | undefined): boolean {
  const protocol = rule.protocol.toLowerCase()
  if (protocol === '-1' || protocol === 'all') return true
  if (protocol !== 'tcp' && protocol !== '6') return !['udp', '17', 'icmp', '1', 'icmpv6', '58'].includes(protocol)
  const from = rule.fromPort ?? -1
  const to = rule.toPort ?? -1
  if (from === -1 && to === -1) return true
  if (port === undefined) return from <= 0 && to >= 65535
  return from <= port && port <= to
}

/**
 * The address ranges a rule admits: its CIDRs and, once read, the entries of its managed prefix
 * lists ("a prefix list is a set of one or more CIDR blocks": Amazon VPC User Guide, Managed
 * prefix lists; a security group rule may name one as its source).
 */
function rangesOf(rule: IngressRule): string[] {
  return [...rule.cidrs, ...rule.ipv6Cidrs, ...(rule.prefixListCidrs ?? [])]
}

/** Prefix lists a rule admits whose entries are not known (an IaC plan names only the list). */
function unreadPrefixLists(rule: IngressRule): string[] {
  return rule.prefixListIds && rule.prefixListCidrs === undefined ? rule.prefixListIds : []
}

function describeRule(group: SecurityGroupState, rule: IngressRule): string {
  const what = rule.protocol === '-1' ? 'all traffic' : `${rule.protocol} ${rule.fromPort ?? '*'}-${rule.toPort ?? '*'}`
  const lists = rule.prefixListIds ?? []
  const listed = lists.length === 0 ? [] : [`prefix list ${lists.join(', ')} (${rule.prefixListCidrs === undefined ? 'entries not read' : rule.prefixListCidrs.join(', ') || 'no entries'})`]
  const from = [...rule.cidrs, ...rule.ipv6Cidrs, ...listed].join(', ') || 'no address range'
  return `${group.id}: ${what} from ${from}`
}

export interface IngressVerdict {
  ok: boolean
  problems: string[]
}

/** Each Cargo CIDR must be wholly inside a rule's CIDR that reaches the port. */
export function judgeAdmitted(groups: SecurityGroupState[], cidrs: string[], port: number | undefined): IngressVerdict {
  const problems: string[] = []
  if (groups.length === 0) problems.push('the Redshift endpoint has no security group')
  for (const cidr of cidrs) {
    const admitted = groups.some((g) =>
      g.ingress.some((r) => reachesPort(r, port) && rangesOf(r).some((c) => cidrContains(c, cidr)))
    )
    if (!admitted && groups.length > 0) {
      const portText = port === undefined ? 'the endpoint (port unknown: only rules open on every port count)' : `port ${port}`
      problems.push(`${cidr} is not admitted to ${portText}`)
    }
  }
  if (problems.length > 0 && groups.length > 0) {
    const present = groups.flatMap((g) => g.ingress.map((r) => describeRule(g, r)))
    problems.push(`inbound rules present: ${present.length > 0 ? present.join('; ') : 'none'}`)
  }
  return { ok: problems.length === 0, problems }
}

/** Rules reaching the port from a range that holds a Cargo CIDR but is wider than it. */
export function judgeNotWider(groups: SecurityGroupState[], cidrs: string[], port: number | undefined): IngressVerdict {
  const problems: string[] = []
  for (const group of groups) {
    for (const rule of group.ingress) {
      if (!reachesPort(rule, port)) continue
      // Entries not known: the list may hold 0.0.0.0/0, so this is never a pass.
      const unread = unreadPrefixLists(rule)
      if (unread.length > 0 && cidrs.length > 0) problems.push(`${describeRule(group, rule)}: the entries of ${unread.join(', ')} were not read, so it may be wider than ${cidrs.join(', ')}`)
      for (const range of rangesOf(rule)) {
        const widened = cidrs.filter((c) => cidrContains(range, c) && (prefixLength(range) ?? 0) < (prefixLength(c) ?? 0))
        if (widened.length > 0) problems.push(`${describeRule(group, rule)} is wider than ${widened.join(', ')}`)
        // The whole internet of the other family (::/0 beside IPv4 CIDRs) contains none of them,
        // yet opens the endpoint wider than Cargo's IPs on a dual-stack network, which is what
        // the rule is about.
        else if (prefixLength(range) === 0 && cidrs.length > 0) problems.push(`${describeRule(group, rule)} opens the port to the whole ${familyOf(range)} internet, wider than ${cidrs.join(', ')}`)
      }
    }
  }
  return { ok: problems.length === 0, problems }
}
