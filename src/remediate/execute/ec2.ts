/** EC2 steps: ingress for Cargo's addresses. A duplicate rule is done once a read shows it. */
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, type IpPermission } from '@aws-sdk/client-ec2'
import { alreadyDone, changed, codeOf, failure, type Executor } from './context.js'

function permissionsOf(request: Record<string, unknown>): IpPermission[] {
  const list = request['IpPermissions']
  if (!Array.isArray(list) || list.length === 0) throw failure('ec2', 'AuthorizeSecurityGroupIngress', 'InvalidPlan', 'IpPermissions must be a non-empty list')
  return list as IpPermission[]
}

const cidrsOf = (p: IpPermission): string[] => [
  ...(p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
  ...(p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 ? [r.CidrIpv6] : []))
]

export const ec2Executors: Record<string, Executor> = {
  async AuthorizeSecurityGroupIngress(step, x) {
    const groupId = step.request['GroupId']
    if (typeof groupId !== 'string') throw failure('ec2', step.operation, 'InvalidPlan', 'GroupId must be a string')
    const permissions = permissionsOf(step.request)
    const wanted = permissions.flatMap((p) => cidrsOf(p).map((cidr) => ({ protocol: p.IpProtocol ?? '-1', cidr })))
    try {
      await x.call('ec2', 'AuthorizeSecurityGroupIngress', (abortSignal) =>
        x.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions }), { abortSignal })
      )
      return changed(`admitted ${wanted.map((w) => w.cidr).join(', ')} (all traffic) in ${groupId}`)
    } catch (err) {
      if (codeOf(err) !== 'InvalidPermission.Duplicate') throw err
      const out = await x.call('ec2', 'DescribeSecurityGroups', (abortSignal) =>
        x.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }), { abortSignal })
      )
      const present = (out.SecurityGroups ?? []).flatMap((g) => g.IpPermissions ?? [])
      const all = wanted.every((w) => present.some((p) => (p.IpProtocol ?? '-1') === w.protocol && cidrsOf(p).includes(w.cidr)))
      if (!all) throw err
      return alreadyDone(`${wanted.map((w) => w.cidr).join(', ')} admitted in ${groupId} already`)
    }
  }
}
