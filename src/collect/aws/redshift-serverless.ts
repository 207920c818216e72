import {
  GetNamespaceCommand,
  GetWorkgroupCommand,
  type Namespace,
  type RedshiftServerlessClient,
  type Workgroup
} from '@aws-sdk/client-redshift-serverless'
import { causeFrom, isMissing } from '../../aws/call.js'
import { parseIamRoles } from '../../aws/redshift-iam-roles.js'
import type { CollectionCause, RedshiftState } from '../../state/types.js'
import type { CollectContext } from '../types.js'

/** What reading the workgroup or cluster gave; the dependent collectors (security groups, SQL) start from it. */
export type RedshiftOutcome =
  | { kind: 'found'; state: RedshiftState }
  /** `cause` says what was not found, for the facts that cannot be read without it. */
  | { kind: 'missing'; cause: CollectionCause }
  | { kind: 'unreadable'; cause: CollectionCause }

function workgroupState(w: Workgroup, name: string): RedshiftState {
  const port = w.endpoint?.port ?? w.port
  const endpoint =
    w.endpoint?.address !== undefined || port !== undefined
      ? { ...(w.endpoint?.address !== undefined ? { address: w.endpoint.address } : {}), ...(port !== undefined ? { port } : {}) }
      : undefined
  return {
    deployment: 'serverless',
    name: w.workgroupName ?? name,
    ...(w.namespaceName !== undefined ? { namespaceName: w.namespaceName } : {}),
    ...(w.status !== undefined ? { status: w.status } : {}),
    ...(w.publiclyAccessible !== undefined ? { publiclyAccessible: w.publiclyAccessible } : {}),
    ...(endpoint ? { endpoint } : {}),
    securityGroupIds: w.securityGroupIds ?? [],
    iamRoles: []
  }
}

function applyNamespace(state: RedshiftState, n: Namespace): void {
  state.iamRoles = parseIamRoles(n.iamRoles)
  if (n.defaultIamRoleArn) state.defaultIamRoleArn = n.defaultIamRoleArn
  if (n.dbName) state.dbName = n.dbName
}

/** The namespace facts GetNamespace gives; unavailable together when it fails. */
const NAMESPACE_POINTERS = ['/redshift/iamRoles', '/redshift/defaultIamRoleArn', '/redshift/dbName']

/**
 * GetWorkgroup, then GetNamespace (when `namespace`), into `/redshift`. The workgroup's
 * state is written as soon as GetWorkgroup answers, before the namespace is read, and
 * `onWorkgroup` is told, so that the security groups can be read alongside GetNamespace.
 */
export async function collectServerless(
  ctx: CollectContext,
  client: RedshiftServerlessClient,
  workgroupName: string,
  opts: { namespace: boolean; onWorkgroup?: (outcome: RedshiftOutcome) => void }
): Promise<RedshiftOutcome> {
  const done = (outcome: RedshiftOutcome): RedshiftOutcome => {
    opts.onWorkgroup?.(outcome)
    return outcome
  }
  let workgroup: Workgroup | undefined
  try {
    const out = await ctx.call('redshift-serverless', 'GetWorkgroup', (abortSignal) =>
      client.send(new GetWorkgroupCommand({ workgroupName }), { abortSignal })
    )
    workgroup = out.workgroup
  } catch (err) {
    const cause = causeFrom(err, 'redshift-serverless', 'GetWorkgroup')
    if (isMissing(err)) {
      ctx.state.redshift = null
      return done({ kind: 'missing', cause: { ...cause, message: `workgroup '${workgroupName}' was not found` } })
    }
    ctx.unavailable('/redshift', cause)
    return done({ kind: 'unreadable', cause })
  }
  if (!workgroup) {
    ctx.state.redshift = null
    return done({
      kind: 'missing',
      cause: { service: 'redshift-serverless', operation: 'GetWorkgroup', message: `workgroup '${workgroupName}' was not found` }
    })
  }
  const state = workgroupState(workgroup, workgroupName)
  ctx.state.redshift = state
  const outcome: RedshiftOutcome = { kind: 'found', state }
  opts.onWorkgroup?.(outcome)

  const namespaceName = workgroup.namespaceName
  if (!opts.namespace) return outcome
  if (!namespaceName) {
    const cause = { service: 'redshift-serverless', operation: 'GetWorkgroup', message: `workgroup '${workgroupName}' names no namespace` }
    for (const p of NAMESPACE_POINTERS) ctx.unavailable(p, cause)
    return outcome
  }
  try {
    const out = await ctx.call('redshift-serverless', 'GetNamespace', (abortSignal) =>
      client.send(new GetNamespaceCommand({ namespaceName }), { abortSignal })
    )
    if (!out.namespace) throw new Error(`GetNamespace returned no namespace for '${namespaceName}'`)
    applyNamespace(state, out.namespace)
  } catch (err) {
    const cause = causeFrom(err, 'redshift-serverless', 'GetNamespace')
    const why = isMissing(err) ? { ...cause, message: `namespace '${namespaceName}' of workgroup '${workgroupName}' was not found` } : cause
    for (const p of NAMESPACE_POINTERS) ctx.unavailable(p, why)
  }
  return outcome
}
