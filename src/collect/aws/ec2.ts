import { DescribeSecurityGroupsCommand, GetManagedPrefixListEntriesCommand, type EC2Client, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2'
import type { IngressRule, SecurityGroupState } from '../../state/types.js'
import type { CollectContext } from '../types.js'
import { causeFrom, paginate } from '../../aws/call.js'

/**
 * One IpPermission as an IngressRule. Protocol '-1' is all traffic (ports dropped: EC2
 * ignores them); absent ports or -1 mean every port and are left out.
 */
export function ingressRule(p: IpPermission): IngressRule {
  const protocol = p.IpProtocol ?? '-1'
  const port = (n: number | undefined): number | undefined => (protocol === '-1' || n === undefined || n === -1 ? undefined : n)
  const fromPort = port(p.FromPort)
  const toPort = port(p.ToPort)
  const prefixListIds = (p.PrefixListIds ?? []).flatMap((x) => (x.PrefixListId ? [x.PrefixListId] : []))
  const referencedGroupIds = (p.UserIdGroupPairs ?? []).flatMap((x) => (x.GroupId ? [x.GroupId] : []))
  // Rule descriptions are free text people type (sometimes a ticket, sometimes worse); no rule
  // judges them, so they stay out of the state and of every snapshot and report.
  return {
    protocol,
    ...(fromPort !== undefined ? { fromPort } : {}),
    ...(toPort !== undefined ? { toPort } : {}),
    cidrs: (p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
    ipv6Cidrs: (p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 ? [r.CidrIpv6] : [])),
    ...(prefixListIds.length > 0 ? { prefixListIds } : {}),
    ...(referencedGroupIds.length > 0 ? { referencedGroupIds } : {})
  }
}

export function securityGroupState(g: SecurityGroup): SecurityGroupState {
  return {
    id: g.GroupId ?? '',
    ...(g.GroupName !== undefined ? { name: g.GroupName } : {}),
    ...(g.VpcId !== undefined ? { vpcId: g.VpcId } : {}),
    ingress: (g.IpPermissions ?? []).map(ingressRule)
  }
}

/**
 * DescribeSecurityGroups for exactly the Redshift endpoint's groups into
 * `/network/securityGroups`, in the order Redshift lists them. A `group-id` filter (not
 * GroupIds) so that one deleted group does not fail the whole call; a group Redshift names
 * but EC2 no longer has is simply absent.
 */
export async function collectSecurityGroups(ctx: CollectContext, ec2: EC2Client, groupIds: string[]): Promise<void> {
  const ids = [...new Set(groupIds)]
  if (ids.length === 0) {
    ctx.state.network.securityGroups = []
    return
  }
  try {
    const groups = await paginate(async (token) => {
      const out = await ctx.call('ec2', 'DescribeSecurityGroups', (abortSignal) =>
        ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [{ Name: 'group-id', Values: ids }],
            ...(token ? { NextToken: token } : {})
          }),
          { abortSignal }
        )
      )
      return { items: out.SecurityGroups, next: out.NextToken }
    })
    const byId = new Map(groups.map((g) => [g.GroupId, g]))
    ctx.state.network.securityGroups = ids.flatMap((id) => {
      const g = byId.get(id)
      return g ? [securityGroupState(g)] : []
    })
  } catch (err) {
    ctx.unavailable('/network/securityGroups', causeFrom(err, 'ec2', 'DescribeSecurityGroups'))
    return
  }
  await collectPrefixListEntries(ctx, ec2, ctx.state.network.securityGroups)
}

/**
 * The entries of the managed prefix lists the groups' rules admit, into each rule's
 * prefixListCidrs: a rule open to a prefix list holding 0.0.0.0/0 is open to the internet. Only
 * when a rule names one, so accounts without prefix lists make no extra call. A list that cannot
 * be read makes the groups unreadable: the ingress rules could not be judged whole.
 */
async function collectPrefixListEntries(ctx: CollectContext, ec2: EC2Client, groups: SecurityGroupState[]): Promise<void> {
  const ids = [...new Set(groups.flatMap((g) => g.ingress.flatMap((r) => r.prefixListIds ?? [])))]
  if (ids.length === 0) return
  try {
    const entries = new Map<string, string[]>()
    await Promise.all(
      ids.map(async (id) => {
        const items = await paginate(async (token) => {
          const out = await ctx.call('ec2', 'GetManagedPrefixListEntries', (abortSignal) =>
            ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, ...(token ? { NextToken: token } : {}) }), { abortSignal })
          )
          return { items: out.Entries, next: out.NextToken }
        })
        entries.set(id, items.flatMap((e) => (e.Cidr ? [e.Cidr] : [])))
      })
    )
    for (const rule of groups.flatMap((g) => g.ingress)) {
      if (rule.prefixListIds) rule.prefixListCidrs = rule.prefixListIds.flatMap((id) => entries.get(id) ?? [])
    }
  } catch (err) {
    ctx.unavailable('/network/securityGroups', causeFrom(err, 'ec2', 'GetManagedPrefixListEntries'))
  }
}
