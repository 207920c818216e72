/** The customer-managed policy letting Redshift assume Cargo's role: created, or given a new version with Cargo's statement. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import type { Finding } from '../../evaluate/types.js'
import type { ManagedPolicyState } from '../../state/types.js'
import { allowsAssumeRole, awsCli, crossAccountStatement, statementsOf, withStatements } from '../documents.js'
import { CARGO_TAG, document, json } from './shared.js'
import type { PlanContext, RemediationAction } from './types.js'

function createPolicy(ctx: PlanContext, f: Finding, cargo: string): void {
  const { params, accountId } = ctx
  if (!params.target.policyName) {
    ctx.planner.addManual(f, 'set the policy-name input to let apply create the policy (the name is yours to choose)')
    return
  }
  if (!accountId) {
    ctx.planner.addManual(f, 'the account id is unknown (sts:GetCallerIdentity failed), so the policy ARN cannot be known')
    return
  }
  const doc = document([crossAccountStatement(cargo)])
  const arn = `arn:${ctx.target.partition}:iam::${accountId}:policy/${params.target.policyName}`
  const step = ctx.add(
    {
      id: 'create-cross-account-policy',
      action: 'create-cross-account-policy',
      service: 'iam',
      operation: 'CreatePolicy',
      request: { PolicyName: params.target.policyName, PolicyDocument: doc, Description: `Lets Redshift assume Cargo's role (${CARGO_TAG})` },
      resource: arn,
      cli: awsCli('iam', 'create-policy', [
        ['policy-name', params.target.policyName],
        ['policy-document', json(doc)]
      ]),
      description: `Create the customer-managed policy ${params.target.policyName} allowing sts:AssumeRole on Cargo's role ${cargo}.`
    },
    [f]
  )
  ctx.provide('cross-account-policy', { arn, step })
}

function addPolicyVersion(ctx: PlanContext, f: Finding, cargo: string, policy: ManagedPolicyState): void {
  const existing = statementsOf(policy.document)
  const cargoStatement = crossAccountStatement(cargo, existing)
  const doc = withStatements(policy.document, [cargoStatement])
  if (!allowsAssumeRole(doc, cargo)) {
    ctx.planner.addManual(
      f,
      `even with Cargo's statement added, policy ${policy.name} would not allow sts:AssumeRole on ${cargo}: a Deny or a condition in it stands in the way, and this tool never removes or edits statements`
    )
  } else if ((policy.versionCount ?? 0) >= 5) {
    ctx.planner.addManual(
      f,
      `policy ${policy.name} already has ${policy.versionCount} versions, the most IAM keeps, and this tool never deletes one. Delete an old non-default version (aws iam delete-policy-version --policy-arn ${policy.arn} --version-id <vN>), then plan again`
    )
  } else {
    const step = ctx.add(
      {
        id: 'create-cross-account-policy',
        action: 'create-cross-account-policy',
        service: 'iam',
        operation: 'CreatePolicyVersion',
        request: { PolicyArn: policy.arn, PolicyDocument: doc, SetAsDefault: true },
        resource: policy.arn,
        cli: awsCli('iam', 'create-policy-version', [
          ['policy-arn', policy.arn],
          ['policy-document', json(doc)],
          ['set-as-default', true]
        ]),
        description:
          `Add a new default version to policy ${policy.name}: its ${existing.length} existing statement(s) unchanged, plus one allowing sts:AssumeRole on ${cargo}.` +
          (policy.versionCount === undefined ? ' (Its version count was not read: IAM refuses a sixth version.)' : ` It has ${policy.versionCount} version(s); no version is deleted.`),
        merge: { kind: 'statements', add: [cargoStatement as unknown as Record<string, unknown>] }
      },
      [f]
    )
    ctx.provide('cross-account-policy', { arn: policy.arn, step })
  }
}

export const createCrossAccountPolicy: RemediationAction = {
  id: 'create-cross-account-policy',
  options: REMEDIATION_ACTION_OPTIONS['create-cross-account-policy'],
  permissions: ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
  plan(ctx, findings) {
    const policy = ctx.state.iam.crossAccountPolicy
    ctx.provide('cross-account-policy', { ...(policy?.arn ? { arn: policy.arn } : {}) })
    for (const f of findings.slice(0, 1)) {
      const cargo = ctx.params.target.cargoRoleArn
      if (!cargo) ctx.planner.addManual(f, "input 'cargo-role-arn' is not set")
      else if (policy === undefined) ctx.planner.addManual(f, 'the cross-account policy was not read')
      else if (policy === null) createPolicy(ctx, f, cargo)
      else addPolicyVersion(ctx, f, cargo, policy)
    }
  }
}
