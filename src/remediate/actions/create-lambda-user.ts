/** The IAM user for Cargo's Lambda functions, with an accepted policy attached. No access key: that stays manual. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import { awsCli } from '../documents.js'
import type { PlanStep } from '../types.js'
import { attachPolicy } from './shared.js'
import type { RemediationAction } from './types.js'

export const createLambdaUser: RemediationAction = {
  id: 'create-lambda-user',
  options: REMEDIATION_ACTION_OPTIONS['create-lambda-user'],
  permissions: ['iam:CreateUser', 'iam:AttachUserPolicy', 'iam:GetUser', 'iam:ListAttachedUserPolicies'],
  plan(ctx, findings) {
    const { params, accountId } = ctx
    const { partition } = ctx.target
    for (const f of findings.slice(0, 1)) {
      const user = ctx.state.iam.lambdaUser
      const name = params.target.lambdaUser
      const accepted = params.target.lambdaUserPolicyArns.length > 0 ? params.target.lambdaUserPolicyArns : [`arn:${partition}:iam::aws:policy/AWSLambda_FullAccess`]
      const policy = accepted[0] as string
      const userArn = user?.arn || (accountId ? `arn:${partition}:iam::${accountId}:user/${name}` : `iam:user/${name}`)
      if (user === undefined) {
        ctx.planner.addManual(f, 'the Lambda user was not read')
        continue
      }
      let createStep: PlanStep | undefined
      if (user === null) {
        createStep = ctx.add(
          {
            id: 'create-lambda-user',
            action: 'create-lambda-user',
            service: 'iam',
            operation: 'CreateUser',
            request: { UserName: name },
            resource: userArn,
            cli: awsCli('iam', 'create-user', [['user-name', name]]),
            description: `Create the IAM user ${name} for Cargo's Lambda functions. No access key is created: that stays a manual step.`
          },
          [f]
        )
      }
      if (!user || !user.policies.some((x) => x.arn !== undefined && accepted.includes(x.arn))) {
        ctx.add(
          {
            id: 'attach-lambda-user-policy',
            action: 'create-lambda-user',
            ...attachPolicy('user', name, policy),
            resource: userArn,
            description: `Attach ${policy} to the user ${name}.`,
            dependsOn: [createStep?.id]
          },
          [f]
        )
      } else if (!createStep) ctx.planner.nothingToDo(f, 'the user exists with an accepted policy; the rule fails for another reason')
    }
  }
}
