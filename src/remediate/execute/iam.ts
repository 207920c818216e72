/**
 * IAM steps. Create* answering EntityAlreadyExists is done once a read confirms the entity;
 * documents are merged onto a fresh read, so a statement added meanwhile is kept.
 */
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  UpdateAssumeRolePolicyCommand,
  type AttachedPolicy
} from '@aws-sdk/client-iam'
import { listAttachedPolicies } from '../../aws/iam.js'
import { parsePolicyDocument } from '../../policy/iam-policy.js'
import type { PolicyDocument, PolicyStatement } from '../../state/types.js'
import { canonicalJson } from '../digest.js'
import { allowsAssumeRole, serviceOfTrustStatement, statementsOf, trusts, withStatements } from '../documents.js'
import type { PlanStep } from '../types.js'
import { alreadyDone, changed, codeOf, failure, requestString, type ExecContext, type ExecResult, type Executor } from './context.js'

const doc = (step: PlanStep, key: string): string => {
  const v = step.request[key]
  if (typeof v !== 'object' || v === null) throw failure(step.service, step.operation, 'InvalidPlan', `step ${step.id}: request.${key} must be a policy document`)
  return JSON.stringify(v)
}

const alreadyExists = (err: unknown) => ['EntityAlreadyExists', 'EntityAlreadyExistsException'].includes(codeOf(err))

function additions(step: PlanStep): PolicyStatement[] {
  if (step.merge?.kind !== 'statements') throw failure('iam', step.operation, 'InvalidPlan', `step ${step.id} has no statements to merge`)
  return step.merge.add as unknown as PolicyStatement[]
}

function has(document: PolicyDocument, statement: PolicyStatement): boolean {
  const key = canonicalJson(statement)
  return statementsOf(document).some((s) => canonicalJson(s) === key)
}

function attachedTo(x: ExecContext, kind: 'role' | 'user', name: string): Promise<AttachedPolicy[]> {
  return listAttachedPolicies(x, x.clients.iam, kind, name)
}

/**
 * Creates an IAM entity; when it exists already (another apply, or a person, was first) that
 * counts as done once a re-read confirms it is there.
 */
async function createOrConfirm(
  x: ExecContext,
  what: string,
  create: { operation: string; send: (abortSignal: AbortSignal) => Promise<unknown> },
  reread: { operation: string; send: (abortSignal: AbortSignal) => Promise<unknown> },
  createdDetail = `created ${what}`
): Promise<ExecResult> {
  try {
    await x.call('iam', create.operation, create.send)
    return changed(createdDetail)
  } catch (err) {
    if (!alreadyExists(err)) throw err
    await x.call('iam', reread.operation, reread.send)
    return alreadyDone(`${what} exists already`)
  }
}

export const iamExecutors: Record<string, Executor> = {
  async CreatePolicy(step, x) {
    const name = requestString(step, 'PolicyName')
    return createOrConfirm(
      x,
      `policy ${name}`,
      {
        operation: 'CreatePolicy',
        send: (abortSignal) =>
          x.clients.iam.send(
            new CreatePolicyCommand({
              PolicyName: name,
              PolicyDocument: doc(step, 'PolicyDocument'),
              ...(typeof step.request['Description'] === 'string' ? { Description: step.request['Description'] } : {})
            }),
            { abortSignal }
          )
      },
      { operation: 'GetPolicy', send: (abortSignal) => x.clients.iam.send(new GetPolicyCommand({ PolicyArn: step.resource }), { abortSignal }) }
    )
  },

  async CreatePolicyVersion(step, x) {
    const arn = requestString(step, 'PolicyArn')
    const add = additions(step)
    const policy = await x.call('iam', 'GetPolicy', (abortSignal) => x.clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }), { abortSignal }))
    const versionId = policy.Policy?.DefaultVersionId ?? 'v1'
    const version = await x.call('iam', 'GetPolicyVersion', (abortSignal) =>
      x.clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), { abortSignal })
    )
    // The new version replaces the old as default: without the current document there is
    // nothing to keep, and writing the Cargo statement alone would drop the customer's.
    const current = version.PolicyVersion?.Document
    if (current === undefined) throw failure('iam', 'GetPolicyVersion', 'MalformedResponse', `no document for ${arn} ${versionId}; nothing was changed`)
    const fresh = parsePolicyDocument(current)
    const missing = add.filter((s) => {
      const resource = typeof s.Resource === 'string' ? s.Resource : undefined
      return !has(fresh, s) && !(resource && allowsAssumeRole(fresh, resource))
    })
    if (missing.length === 0) return alreadyDone(`the default version ${versionId} of ${arn} allows it already`)
    const merged = withStatements(fresh, missing)
    try {
      const out = await x.call('iam', 'CreatePolicyVersion', (abortSignal) =>
        x.clients.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(merged), SetAsDefault: true }), {
          abortSignal
        })
      )
      return changed(
        `new default version ${out.PolicyVersion?.VersionId ?? ''} of ${arn}: ${statementsOf(fresh).length} statement(s) kept, ${missing.length} added`
      )
    } catch (err) {
      if (codeOf(err) === 'LimitExceeded' || codeOf(err) === 'LimitExceededException') {
        throw failure('iam', 'CreatePolicyVersion', 'LimitExceeded', `policy ${arn} has 5 versions, the most IAM keeps; this tool never deletes one: delete an old non-default version, then plan again`)
      }
      throw err
    }
  },

  async CreateRole(step, x) {
    const name = requestString(step, 'RoleName')
    return createOrConfirm(
      x,
      `role ${name}`,
      {
        operation: 'CreateRole',
        send: (abortSignal) =>
          x.clients.iam.send(
            new CreateRoleCommand({
              RoleName: name,
              AssumeRolePolicyDocument: doc(step, 'AssumeRolePolicyDocument'),
              ...(typeof step.request['Description'] === 'string' ? { Description: step.request['Description'] } : {})
            }),
            { abortSignal }
          )
      },
      { operation: 'GetRole', send: (abortSignal) => x.clients.iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal }) }
    )
  },

  async UpdateAssumeRolePolicy(step, x) {
    const name = requestString(step, 'RoleName')
    const add = additions(step)
    const role = await x.call('iam', 'GetRole', (abortSignal) => x.clients.iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal }))
    // UpdateAssumeRolePolicy replaces the whole document: without the current one, stop.
    const current = role.Role?.AssumeRolePolicyDocument
    if (current === undefined) throw failure('iam', 'GetRole', 'MalformedResponse', `no trust policy returned for ${name}; nothing was changed`)
    const fresh = parsePolicyDocument(current)
    const missing = add.filter((s) => {
      const service = serviceOfTrustStatement(s as unknown as Record<string, unknown>)
      return !has(fresh, s) && !(service && trusts(fresh, service))
    })
    if (missing.length === 0) return alreadyDone(`role ${name} trusts ${add.map((s) => serviceOfTrustStatement(s as unknown as Record<string, unknown>)).join(' and ')} already`)
    const merged = withStatements(fresh, missing)
    await x.call('iam', 'UpdateAssumeRolePolicy', (abortSignal) =>
      x.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: JSON.stringify(merged) }), {
        abortSignal
      })
    )
    return changed(`trust policy of ${name}: ${statementsOf(fresh).length} statement(s) kept, ${missing.length} added`)
  },

  async AttachRolePolicy(step, x) {
    const name = requestString(step, 'RoleName')
    const arn = requestString(step, 'PolicyArn')
    if ((await attachedTo(x, 'role', name)).some((a) => a.PolicyArn === arn)) return alreadyDone(`${arn} is attached to ${name} already`)
    await x.call('iam', 'AttachRolePolicy', (abortSignal) =>
      x.clients.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }), { abortSignal })
    )
    return changed(`attached ${arn} to role ${name}`)
  },

  async CreateUser(step, x) {
    const name = requestString(step, 'UserName')
    return createOrConfirm(
      x,
      `user ${name}`,
      { operation: 'CreateUser', send: (abortSignal) => x.clients.iam.send(new CreateUserCommand({ UserName: name }), { abortSignal }) },
      { operation: 'GetUser', send: (abortSignal) => x.clients.iam.send(new GetUserCommand({ UserName: name }), { abortSignal }) },
      `created user ${name} (no access key: that stays manual)`
    )
  },

  async AttachUserPolicy(step, x) {
    const name = requestString(step, 'UserName')
    const arn = requestString(step, 'PolicyArn')
    if ((await attachedTo(x, 'user', name)).some((a) => a.PolicyArn === arn)) return alreadyDone(`${arn} is attached to ${name} already`)
    await x.call('iam', 'AttachUserPolicy', (abortSignal) =>
      x.clients.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }), { abortSignal })
    )
    return changed(`attached ${arn} to user ${name}`)
  }
}
