/** The managed policies the rule expects on Cargo's role (its `remediation.with.policies`), attached when missing. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import { attachPolicy, NO_ROLE, optionsOf, plannedRole } from './shared.js'
import type { RemediationAction } from './types.js'

interface AttachLambdaPoliciesOptions {
  /** ARNs of the managed policies to attach: the same ones the rule's `then` expects. */
  policies: string[]
}

export const attachLambdaPolicies: RemediationAction = {
  id: 'attach-lambda-policies',
  options: REMEDIATION_ACTION_OPTIONS['attach-lambda-policies'],
  permissions: ['iam:AttachRolePolicy', 'iam:ListAttachedRolePolicies'],
  plan(ctx, findings) {
    const role = plannedRole(ctx)
    for (const f of findings.slice(0, 1)) {
      if (!role.exists || !role.name || !role.arn) {
        ctx.planner.addManual(f, NO_ROLE)
        continue
      }
      const wanted = optionsOf<AttachLambdaPoliciesOptions>(f).policies ?? []
      if (wanted.length === 0) {
        ctx.planner.addManual(f, "the rule's remediation names no policies (remediation.with.policies), so what to attach is unknown")
        continue
      }
      const missing = wanted.filter((arn) => !ctx.state.iam.role?.policies.some((x) => x.arn === arn))
      if (missing.length === 0) ctx.planner.nothingToDo(f, 'both Lambda policies are attached already; the rule fails for another reason')
      for (const arn of missing) {
        const name = arn.slice(arn.lastIndexOf('/') + 1)
        ctx.add(
          {
            id: `attach-lambda-policy:${name}`,
            action: 'attach-lambda-policies',
            ...attachPolicy('role', role.name, arn),
            resource: role.arn,
            description: `Attach the AWS managed policy ${name} to role ${role.name}.`,
            dependsOn: [role.step?.id]
          },
          [f]
        )
      }
    }
  }
}
