/** Ingress for exactly Cargo's addresses, in the first security group of the workgroup or cluster. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import { judgeAdmitted } from '../../policy/ingress.js'
import { awsCli } from '../documents.js'
import { noRedshift } from './shared.js'
import type { RemediationAction } from './types.js'

export const authorizeCargoIngress: RemediationAction = {
  id: 'authorize-cargo-ingress',
  options: REMEDIATION_ACTION_OPTIONS['authorize-cargo-ingress'],
  permissions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:DescribeSecurityGroups'],
  plan(ctx, findings) {
    const redshift = ctx.state.redshift ?? undefined
    const kind = ctx.target.kind
    for (const f of findings.slice(0, 1)) {
      const groupId = redshift?.securityGroupIds[0]
      const groups = ctx.state.network.securityGroups ?? []
      if (!redshift) ctx.planner.addManual(f, noRedshift(ctx))
      else if (!groupId) ctx.planner.addManual(f, `the ${kind} has no security group to add the rule to`)
      else if (!groups.some((g) => g.id === groupId)) ctx.planner.addManual(f, `security group ${groupId} was not found in EC2`)
      else {
        const port = redshift.endpoint?.port
        const missing = ctx.params.target.cargoIps.filter((cidr) => !judgeAdmitted(groups, [cidr], port).ok)
        if (missing.length === 0) ctx.planner.nothingToDo(f, "every Cargo address is admitted already; the rule fails for another reason")
        for (const cidr of missing) {
          const v6 = cidr.includes(':')
          const permission = v6
            ? { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: cidr, Description: 'Cargo' }] }
            : { IpProtocol: '-1', IpRanges: [{ CidrIp: cidr, Description: 'Cargo' }] }
          ctx.add(
            {
              id: `authorize-cargo-ingress:${cidr}`,
              action: 'authorize-cargo-ingress',
              service: 'ec2',
              operation: 'AuthorizeSecurityGroupIngress',
              request: { GroupId: groupId, IpPermissions: [permission] },
              resource: groupId,
              cli: awsCli('ec2', 'authorize-security-group-ingress', [
                ['group-id', groupId],
                ['ip-permissions', v6 ? `IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=${cidr},Description=Cargo}]` : `IpProtocol=-1,IpRanges=[{CidrIp=${cidr},Description=Cargo}]`]
              ], ctx.target.region),
              description: `Admit Cargo's address ${cidr} (all traffic, as Cargo's guide says) in security group ${groupId}, the ${kind}'s first.`
            },
            [f]
          )
        }
      }
    }
  }
}
