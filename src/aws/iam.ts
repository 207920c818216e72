/**
 * IAM reads that both the collectors and remediation make: the managed policies attached to a
 * role or a user, every page. The collector turns them into state; an apply checks, just before
 * attaching, whether the policy is attached already.
 */
import { ListAttachedRolePoliciesCommand, ListAttachedUserPoliciesCommand, type AttachedPolicy, type IAMClient } from '@aws-sdk/client-iam'
import { paginate, type AwsCaller } from './call.js'

/** ListAttachedRolePolicies or ListAttachedUserPolicies, every page (one counted call per page). */
export function listAttachedPolicies(aws: AwsCaller, iam: IAMClient, kind: 'role' | 'user', name: string): Promise<AttachedPolicy[]> {
  return paginate(async (marker) => {
    if (kind === 'role') {
      const out = await aws.call('iam', 'ListAttachedRolePolicies', (abortSignal) =>
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, ...(marker ? { Marker: marker } : {}) }), { abortSignal })
      )
      return { items: out.AttachedPolicies, next: out.IsTruncated ? out.Marker : undefined }
    }
    const out = await aws.call('iam', 'ListAttachedUserPolicies', (abortSignal) =>
      iam.send(new ListAttachedUserPoliciesCommand({ UserName: name, ...(marker ? { Marker: marker } : {}) }), { abortSignal })
    )
    return { items: out.AttachedPolicies, next: out.IsTruncated ? out.Marker : undefined }
  })
}
