/** Cargo's IAM role, created when missing; trusted by Redshift and by every service an open trust rule names. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import type { Finding } from '../../evaluate/types.js'
import { awsCli, trustStatement } from '../documents.js'
import { CARGO_TAG, document, json } from './shared.js'
import type { PlanContext, RemediationAction } from './types.js'

/** The service a trust rule wants trusted: its `remediation.with.service`, else its `then.trustsService`. */
export function trustedServiceOf(ctx: PlanContext, f: Finding): string | undefined {
  const given = f.remediation.with?.['service']
  if (typeof given === 'string') return given
  const service = ctx.rules?.find((r) => r.id === f.ruleId)?.then['trustsService']
  return typeof service === 'string' ? service : undefined
}

interface CreateRoleOptions {
  /** Services the new role always trusts, besides those open trust rules name. */
  trustedBy?: string[]
}

export const createRole: RemediationAction = {
  id: 'create-role',
  options: REMEDIATION_ACTION_OPTIONS['create-role'],
  permissions: ['iam:CreateRole', 'iam:GetRole'],
  plan(ctx, findings) {
    const role = ctx.state.iam.role
    const roleName = role?.name ?? ctx.params.target.roleName
    const provided = { ...(roleName ? { name: roleName } : {}), ...(role?.arn ? { arn: role.arn } : {}), exists: Boolean(role) }
    ctx.provide('role', provided)
    if (role !== null) return
    for (const f of findings.slice(0, 1)) {
      if (!roleName) ctx.planner.addManual(f, 'set the role-name input to let apply create the role')
      else if (!ctx.accountId) ctx.planner.addManual(f, 'the account id is unknown (sts:GetCallerIdentity failed), so the role ARN cannot be known')
      else {
        const trustFindings = ctx.planner.pending('merge-trust-statement').filter((t) => trustedServiceOf(ctx, t) !== undefined)
        const base = (f.remediation.with as CreateRoleOptions | undefined)?.trustedBy ?? ['redshift.amazonaws.com']
        const services = [...new Set([...base, ...trustFindings.map((t) => trustedServiceOf(ctx, t) as string)])]
        const trust = document(services.map(trustStatement))
        const arn = `arn:${ctx.target.partition}:iam::${ctx.accountId}:role/${roleName}`
        const step = ctx.add(
          {
            id: 'create-role',
            action: 'create-role',
            service: 'iam',
            operation: 'CreateRole',
            request: { RoleName: roleName, AssumeRolePolicyDocument: trust, Description: `Cargo on Redshift (${CARGO_TAG})` },
            resource: arn,
            cli: awsCli('iam', 'create-role', [
              ['role-name', roleName],
              ['assume-role-policy-document', json(trust)]
            ]),
            description: `Create the role ${roleName}, trusted by ${services.join(' and ')} to sts:AssumeRole.`
          },
          [f, ...trustFindings]
        )
        ctx.provide('role', { name: roleName, arn, exists: true, step })
      }
    }
  }
}
