/** The cross-account policy attached to Cargo's role. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import { attachPolicy, NO_ROLE, plannedRole } from './shared.js'
import type { RemediationAction } from './types.js'

export const attachCrossAccountPolicy: RemediationAction = {
  id: 'attach-cross-account-policy',
  options: REMEDIATION_ACTION_OPTIONS['attach-cross-account-policy'],
  permissions: ['iam:AttachRolePolicy', 'iam:ListAttachedRolePolicies'],
  plan(ctx, findings) {
    const role = plannedRole(ctx)
    const policy = ctx.provided('cross-account-policy')
    const policyArn = policy?.arn
    for (const f of findings.slice(0, 1)) {
      if (!role.exists || !role.name || !role.arn) ctx.planner.addManual(f, NO_ROLE)
      else if (!policyArn) ctx.planner.addManual(f, 'there is no cross-account policy to attach, and this plan does not create one (see iam-cross-account-policy)')
      else if (ctx.state.iam.role?.policies.some((x) => x.arn === policyArn)) {
        if (policy?.step) ctx.planner.claim([f], policy.step)
        else ctx.planner.addManual(f, `policy ${policyArn} is attached but does not allow sts:AssumeRole on Cargo's role (see iam-cross-account-policy)`)
      } else {
        ctx.add(
          {
            id: 'attach-cross-account-policy',
            action: 'attach-cross-account-policy',
            ...attachPolicy('role', role.name, policyArn),
            resource: role.arn,
            description: `Attach the cross-account policy ${policyArn} to role ${role.name}.`,
            dependsOn: [role.step?.id, policy?.step?.id]
          },
          [f]
        )
      }
    }
  }
}
