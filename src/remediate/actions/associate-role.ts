/** Cargo's role associated with the serverless namespace or the cluster, keeping the roles there. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import type { Finding } from '../../evaluate/types.js'
import type { RedshiftState } from '../../state/types.js'
import { awsCli } from '../documents.js'
import { NO_ROLE, noRedshift, plannedRole } from './shared.js'
import type { PlanContext, RemediationAction } from './types.js'

function associateWithNamespace(ctx: PlanContext, f: Finding, redshift: RedshiftState, roleArn: string, roleStep: string | undefined): void {
  const namespaceName = redshift.namespaceName
  if (!namespaceName) {
    ctx.planner.addManual(f, 'the workgroup names no namespace')
    return
  }
  const roles = [...redshift.iamRoles.map((r) => r.arn), roleArn]
  const defaultRole = redshift.defaultIamRoleArn ?? roleArn
  ctx.add(
    {
      id: 'associate-role',
      action: 'associate-role',
      service: 'redshift-serverless',
      operation: 'UpdateNamespace',
      request: { namespaceName, iamRoles: roles, defaultIamRoleArn: defaultRole },
      resource: `redshift-serverless:namespace/${namespaceName}`,
      cli: awsCli('redshift-serverless', 'update-namespace', [
        ['namespace-name', namespaceName],
        ['iam-roles', roles],
        ['default-iam-role-arn', defaultRole]
      ], ctx.target.region),
      description:
        `Associate role ${roleArn} with namespace ${namespaceName}, keeping its ${redshift.iamRoles.length} role(s)` +
        (redshift.defaultIamRoleArn ? ` and its default role ${redshift.defaultIamRoleArn}.` : `; it becomes the default role, as there is none.`) +
        ' iamRoles is a full replacement, so apply re-reads the namespace first and keeps any role added meanwhile.',
      dependsOn: [roleStep],
      merge: { kind: 'roles', add: [roleArn], defaultIfNone: roleArn }
    },
    [f]
  )
}

function associateWithCluster(ctx: PlanContext, f: Finding, redshift: RedshiftState, roleArn: string, roleStep: string | undefined): void {
  ctx.add(
    {
      id: 'associate-role',
      action: 'associate-role',
      service: 'redshift',
      operation: 'ModifyClusterIamRoles',
      request: { ClusterIdentifier: redshift.name, AddIamRoles: [roleArn] },
      resource: `redshift:cluster/${redshift.name}`,
      cli: awsCli('redshift', 'modify-cluster-iam-roles', [
        ['cluster-identifier', redshift.name],
        ['add-iam-roles', [roleArn]]
      ], ctx.target.region),
      description: `Add role ${roleArn} to cluster ${redshift.name} (AddIamRoles: the roles there stay).`,
      dependsOn: [roleStep]
    },
    [f]
  )
}

export const associateRole: RemediationAction = {
  id: 'associate-role',
  options: REMEDIATION_ACTION_OPTIONS['associate-role'],
  permissions: [
    'iam:PassRole',
    'redshift-serverless:GetNamespace',
    'redshift-serverless:UpdateNamespace',
    'redshift:DescribeClusters',
    'redshift:ModifyClusterIamRoles'
  ],
  plan(ctx, findings) {
    const redshift = ctx.state.redshift ?? undefined
    const role = plannedRole(ctx)
    for (const f of findings.slice(0, 1)) {
      if (!redshift) ctx.planner.addManual(f, noRedshift(ctx))
      else if (!role.exists || !role.arn) ctx.planner.addManual(f, NO_ROLE)
      else {
        const present = redshift.iamRoles.find((r) => r.arn === role.arn)
        if (present) {
          ctx.planner.addManual(f, `the role is associated, with applyStatus '${present.applyStatus ?? 'unknown'}': wait until it is in-sync and audit again`)
        } else if (ctx.target.kind === 'workgroup') associateWithNamespace(ctx, f, redshift, role.arn, role.step?.id)
        else associateWithCluster(ctx, f, redshift, role.arn, role.step?.id)
      }
    }
  }
}
