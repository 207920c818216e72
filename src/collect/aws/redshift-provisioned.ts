import { DescribeClustersCommand, type Cluster, type RedshiftClient } from '@aws-sdk/client-redshift'
import type { RedshiftState } from '../../state/types.js'
import type { CollectContext } from '../types.js'
import { causeFrom, isMissing } from '../../aws/call.js'
import type { RedshiftOutcome } from './redshift-serverless.js'

export function clusterState(c: Cluster, identifier: string): RedshiftState {
  const address = c.Endpoint?.Address
  const port = c.Endpoint?.Port
  return {
    deployment: 'provisioned',
    name: c.ClusterIdentifier ?? identifier,
    ...(c.ClusterStatus !== undefined ? { status: c.ClusterStatus } : {}),
    ...(c.PubliclyAccessible !== undefined ? { publiclyAccessible: c.PubliclyAccessible } : {}),
    ...(address !== undefined || port !== undefined
      ? { endpoint: { ...(address !== undefined ? { address } : {}), ...(port !== undefined ? { port } : {}) } }
      : {}),
    securityGroupIds: (c.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    iamRoles: (c.IamRoles ?? []).flatMap((r) =>
      r.IamRoleArn ? [{ arn: r.IamRoleArn, ...(r.ApplyStatus ? { applyStatus: r.ApplyStatus } : {}) }] : []
    ),
    ...(c.DefaultIamRoleArn ? { defaultIamRoleArn: c.DefaultIamRoleArn } : {}),
    ...(c.DBName ? { dbName: c.DBName } : {})
  }
}

/** DescribeClusters by identifier (one call, no account-wide listing) into `/redshift`. */
export async function collectProvisioned(
  ctx: CollectContext,
  client: RedshiftClient,
  clusterIdentifier: string
): Promise<RedshiftOutcome> {
  let cluster: Cluster | undefined
  try {
    const out = await ctx.call('redshift', 'DescribeClusters', (abortSignal) =>
      client.send(new DescribeClustersCommand({ ClusterIdentifier: clusterIdentifier }), { abortSignal })
    )
    cluster = out.Clusters?.find((c) => c.ClusterIdentifier === clusterIdentifier) ?? out.Clusters?.[0]
  } catch (err) {
    const cause = causeFrom(err, 'redshift', 'DescribeClusters')
    if (isMissing(err)) {
      ctx.state.redshift = null
      return { kind: 'missing', cause: { ...cause, message: `cluster '${clusterIdentifier}' was not found` } }
    }
    ctx.unavailable('/redshift', cause)
    return { kind: 'unreadable', cause }
  }
  if (!cluster) {
    ctx.state.redshift = null
    return {
      kind: 'missing',
      cause: { service: 'redshift', operation: 'DescribeClusters', message: `cluster '${clusterIdentifier}' was not found` }
    }
  }
  const state = clusterState(cluster, clusterIdentifier)
  ctx.state.redshift = state
  return { kind: 'found', state }
}
