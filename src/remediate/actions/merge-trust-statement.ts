/** Trust for a service, added to the role's trust policy keeping every statement there. */
import { REMEDIATION_ACTION_OPTIONS } from '../../config/remediation-actions.js'
import type { Finding } from '../../evaluate/types.js'
import { awsCli, conditionalTrustKeys, statementsOf, trusts, trustStatement, withStatements } from '../documents.js'
import { trustedServiceOf } from './create-role.js'
import { json, NO_ROLE } from './shared.js'
import type { RemediationAction } from './types.js'

export const mergeTrustStatement: RemediationAction = {
  id: 'merge-trust-statement',
  options: REMEDIATION_ACTION_OPTIONS['merge-trust-statement'],
  permissions: ['iam:UpdateAssumeRolePolicy', 'iam:GetRole'],
  plan(ctx, findings) {
    if (findings.length === 0) return
    const role = ctx.state.iam.role
    if (!role) {
      for (const f of findings) ctx.planner.addManual(f, NO_ROLE)
      return
    }
    const wanted: Array<{ f: Finding; service: string }> = []
    for (const f of findings) {
      const service = trustedServiceOf(ctx, f)
      const keys = service ? conditionalTrustKeys(role.trustPolicy, service).join(', ') : ''
      if (!service) ctx.planner.addManual(f, 'the rule names no trustsService, so the statement to add is unknown')
      else if (trusts(role.trustPolicy, service)) ctx.planner.nothingToDo(f, `the trust policy already allows ${service}; the rule fails for another reason`)
      else if (keys !== '') {
        ctx.planner.addManual(
          f,
          `the trust policy allows ${service} only under a condition (${keys}); an unconditional statement beside it would lift that restriction, so this tool adds none: check that ${service} meets the condition when it assumes the role, or change the statement yourself`
        )
      } else wanted.push({ f, service })
    }
    const merged = withStatements(role.trustPolicy, wanted.map((w) => trustStatement(w.service)))
    const fixable = wanted.filter((w) => {
      if (trusts(merged, w.service)) return true
      ctx.planner.addManual(w.f, `even with the statement added, the trust policy would not let ${w.service} assume the role (a Deny stands in the way); this tool never removes statements`)
      return false
    })
    if (fixable.length === 0) return
    const add = fixable.map((w) => trustStatement(w.service))
    const doc = withStatements(role.trustPolicy, add)
    ctx.add(
      {
        id: 'merge-trust-statement',
        action: 'merge-trust-statement',
        service: 'iam',
        operation: 'UpdateAssumeRolePolicy',
        request: { RoleName: role.name, PolicyDocument: doc },
        resource: role.arn,
        cli: awsCli('iam', 'update-assume-role-policy', [
          ['role-name', role.name],
          ['policy-document', json(doc)]
        ]),
        description: `Add trust for ${fixable.map((w) => w.service).join(' and ')} to role ${role.name}, keeping its ${statementsOf(role.trustPolicy).length} existing statement(s).`,
        merge: { kind: 'statements', add: add as unknown as Record<string, unknown>[] }
      },
      fixable.map((w) => w.f)
    )
  }
}
