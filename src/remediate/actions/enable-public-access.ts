/** Public accessibility of the workgroup or cluster: opt-in, only when allow-public-access is true. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import { awsCli } from '../documents.js'
import { noRedshift } from './shared.js'
import type { RemediationAction } from './types.js'

export const enablePublicAccess: RemediationAction = {
  id: 'enable-public-access',
  options: REMEDIATION_ACTION_OPTIONS['enable-public-access'],
  permissions: ['redshift-serverless:UpdateWorkgroup', 'redshift:ModifyCluster'],
  plan(ctx, findings) {
    const redshift = ctx.state.redshift ?? undefined
    const region = ctx.target.region
    for (const f of findings.slice(0, 1)) {
      if (!redshift) ctx.planner.addManual(f, noRedshift(ctx))
      else if (!ctx.params.remediation.allowPublicAccess) {
        ctx.planner.addManual(
          f,
          'allow-public-access is false: making Redshift publicly accessible opens its endpoint to the internet (the security groups still filter it), so apply does it only when allow-public-access is true'
        )
      } else if (ctx.target.kind === 'workgroup') {
        ctx.add(
          {
            id: 'enable-public-access',
            action: 'enable-public-access',
            service: 'redshift-serverless',
            operation: 'UpdateWorkgroup',
            request: { workgroupName: redshift.name, publiclyAccessible: true },
            resource: `redshift-serverless:workgroup/${redshift.name}`,
            cli: awsCli('redshift-serverless', 'update-workgroup', [
              ['workgroup-name', redshift.name],
              ['publicly-accessible', true]
            ], region),
            description: `Make workgroup ${redshift.name} publicly accessible (apply does so only with allow-public-access: true). Only this one setting changes.`
          },
          [f]
        )
      } else {
        ctx.add(
          {
            id: 'enable-public-access',
            action: 'enable-public-access',
            service: 'redshift',
            operation: 'ModifyCluster',
            request: { ClusterIdentifier: redshift.name, PubliclyAccessible: true },
            resource: `redshift:cluster/${redshift.name}`,
            cli: awsCli('redshift', 'modify-cluster', [
              ['cluster-identifier', redshift.name],
              ['publicly-accessible', true]
            ], region),
            description: `Make cluster ${redshift.name} publicly accessible (apply does so only with allow-public-access: true).`
          },
          [f]
        )
      }
    }
  }
}
