/**
 * Redshift steps, serverless and provisioned. Each attempt waits for the resource to be
 * AVAILABLE, re-reads it, writes only what is still missing, and waits for it to settle again;
 * a busy answer (ConflictException, InvalidClusterState) repeats the whole attempt.
 */
import { DescribeClustersCommand, ModifyClusterCommand, ModifyClusterIamRolesCommand, type Cluster } from '@aws-sdk/client-redshift'
import {
  GetNamespaceCommand,
  GetWorkgroupCommand,
  UpdateNamespaceCommand,
  UpdateWorkgroupCommand,
  type Namespace,
  type Workgroup
} from '@aws-sdk/client-redshift-serverless'
import { parseIamRoles } from '../../aws/redshift-iam-roles.js'
import type { PlanStep } from '../types.js'
import { alreadyDone, changed, failure, pollUntil, requestString, retryWhenBusy, type ExecContext, type Executor } from './context.js'

const SLS = 'redshift-serverless'
const serverlessBusy = (code: string) => code === 'ConflictException'
const clusterBusy = (code: string) => code === 'InvalidClusterState' || code === 'InvalidClusterStateFault'

async function namespaceWhenAvailable(x: ExecContext, step: PlanStep, name: string): Promise<Namespace> {
  const read = async () => {
    const out = await x.call(SLS, 'GetNamespace', (abortSignal) =>
      x.clients.serverless.send(new GetNamespaceCommand({ namespaceName: name }), { abortSignal })
    )
    if (!out.namespace) throw failure(SLS, 'GetNamespace', 'ResourceNotFoundException', `namespace ${name} was not returned`)
    return out.namespace
  }
  return pollUntil(x, step, `namespace ${name} to be AVAILABLE`, read, (n) => n.status === 'AVAILABLE', (n) => n.status ?? 'unknown')
}

async function workgroupWhenAvailable(x: ExecContext, step: PlanStep, name: string): Promise<Workgroup> {
  const read = async () => {
    const out = await x.call(SLS, 'GetWorkgroup', (abortSignal) =>
      x.clients.serverless.send(new GetWorkgroupCommand({ workgroupName: name }), { abortSignal })
    )
    if (!out.workgroup) throw failure(SLS, 'GetWorkgroup', 'ResourceNotFoundException', `workgroup ${name} was not returned`)
    return out.workgroup
  }
  return pollUntil(x, step, `workgroup ${name} to be AVAILABLE`, read, (w) => w.status === 'AVAILABLE', (w) => w.status ?? 'unknown')
}

async function cluster(x: ExecContext, id: string): Promise<Cluster> {
  const out = await x.call('redshift', 'DescribeClusters', (abortSignal) =>
    x.clients.redshift.send(new DescribeClustersCommand({ ClusterIdentifier: id }), { abortSignal })
  )
  const c = out.Clusters?.find((k) => k.ClusterIdentifier === id)
  if (!c) throw failure('redshift', 'DescribeClusters', 'ClusterNotFound', `cluster ${id} was not found`)
  return c
}

function clusterWhen(x: ExecContext, step: PlanStep, id: string, what: string, ready: (c: Cluster) => boolean): Promise<Cluster> {
  return pollUntil(x, step, what, () => cluster(x, id), ready, (c) => c.ClusterStatus ?? 'unknown')
}

const available = (c: Cluster) => c.ClusterStatus === 'available'

export const redshiftExecutors: Record<string, Executor> = {
  /** iamRoles is a full replacement: the fresh list, minus roles being removed, plus Cargo's role. */
  async 'redshift-serverless:UpdateNamespace'(step, x) {
    const name = requestString(step, 'namespaceName')
    const merge = step.merge
    if (merge?.kind !== 'roles') throw failure(SLS, 'UpdateNamespace', 'InvalidPlan', `step ${step.id} has no roles to merge`)
    return retryWhenBusy(x, step, serverlessBusy, async () => {
      const ns = await namespaceWhenAvailable(x, step, name)
      const raw = ns.iamRoles ?? []
      const parsed = parseIamRoles(raw)
      if (parsed.length !== raw.length) {
        throw failure(SLS, 'GetNamespace', 'UnreadableIamRoles', `namespace ${name} lists roles this tool cannot read (${raw.join('; ')}); it will not rewrite the list`)
      }
      const keep = parsed.filter((r) => r.applyStatus !== 'removing').map((r) => r.arn)
      const missing = merge.add.filter((arn) => !keep.includes(arn))
      if (missing.length === 0) return alreadyDone(`${merge.add.join(', ')} associated with ${name} already`)
      const defaultRole = ns.defaultIamRoleArn || merge.defaultIfNone
      await x.call(SLS, 'UpdateNamespace', (abortSignal) =>
        x.clients.serverless.send(new UpdateNamespaceCommand({ namespaceName: name, iamRoles: [...keep, ...missing], defaultIamRoleArn: defaultRole }), {
          abortSignal
        })
      )
      await namespaceWhenAvailable(x, step, name)
      return changed(`associated ${missing.join(', ')} with namespace ${name}, keeping ${keep.length} role(s); default role ${defaultRole}`)
    })
  },

  /** One setting per call, as the service demands. */
  async 'redshift-serverless:UpdateWorkgroup'(step, x) {
    const name = requestString(step, 'workgroupName')
    if (step.request['publiclyAccessible'] !== true) throw failure(SLS, 'UpdateWorkgroup', 'InvalidPlan', 'only publiclyAccessible: true is applied')
    return retryWhenBusy(x, step, serverlessBusy, async () => {
      const wg = await workgroupWhenAvailable(x, step, name)
      if (wg.publiclyAccessible === true) return alreadyDone(`workgroup ${name} is publicly accessible already`)
      await x.call(SLS, 'UpdateWorkgroup', (abortSignal) =>
        x.clients.serverless.send(new UpdateWorkgroupCommand({ workgroupName: name, publiclyAccessible: true }), { abortSignal })
      )
      await workgroupWhenAvailable(x, step, name)
      return changed(`workgroup ${name} made publicly accessible`)
    })
  },

  async 'redshift:ModifyClusterIamRoles'(step, x) {
    const id = requestString(step, 'ClusterIdentifier')
    const add = step.request['AddIamRoles']
    if (!Array.isArray(add) || add.some((a) => typeof a !== 'string')) throw failure('redshift', step.operation, 'InvalidPlan', 'AddIamRoles must be a list of ARNs')
    const roles = add as string[]
    const associated = (c: Cluster, arn: string) => (c.IamRoles ?? []).some((r) => r.IamRoleArn === arn && r.ApplyStatus !== 'removing')
    return retryWhenBusy(x, step, clusterBusy, async () => {
      const c = await clusterWhen(x, step, id, `cluster ${id} to be available`, available)
      const missing = roles.filter((arn) => !associated(c, arn))
      if (missing.length === 0) return alreadyDone(`${roles.join(', ')} associated with cluster ${id} already`)
      await x.call('redshift', 'ModifyClusterIamRoles', (abortSignal) =>
        x.clients.redshift.send(new ModifyClusterIamRolesCommand({ ClusterIdentifier: id, AddIamRoles: missing }), { abortSignal })
      )
      await clusterWhen(x, step, id, `the role to be in-sync on cluster ${id}`, (k) =>
        available(k) && missing.every((arn) => (k.IamRoles ?? []).some((r) => r.IamRoleArn === arn && r.ApplyStatus === 'in-sync'))
      )
      return changed(`added ${missing.join(', ')} to cluster ${id} (AddIamRoles)`)
    })
  },

  async 'redshift:ModifyCluster'(step, x) {
    const id = requestString(step, 'ClusterIdentifier')
    if (step.request['PubliclyAccessible'] !== true) throw failure('redshift', 'ModifyCluster', 'InvalidPlan', 'only PubliclyAccessible: true is applied')
    return retryWhenBusy(x, step, clusterBusy, async () => {
      const c = await clusterWhen(x, step, id, `cluster ${id} to be available`, available)
      if (c.PubliclyAccessible === true) return alreadyDone(`cluster ${id} is publicly accessible already`)
      await x.call('redshift', 'ModifyCluster', (abortSignal) =>
        x.clients.redshift.send(new ModifyClusterCommand({ ClusterIdentifier: id, PubliclyAccessible: true }), { abortSignal })
      )
      await clusterWhen(x, step, id, `cluster ${id} to be available`, available)
      return changed(`cluster ${id} made publicly accessible`)
    })
  }
}
