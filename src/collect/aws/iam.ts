import { nameOfArn, policyKind } from '../../state/arn.js'
import {
  GetAccessKeyLastUsedCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  type AccessKeyMetadata,
  type AttachedPolicy,
  type IAMClient,
  type Policy
} from '@aws-sdk/client-iam'
import { evaluatePolicies, parsePolicyDocument, type Decision } from '../../policy/iam-policy.js'
import type {
  AccessKeyState,
  CollectionCause,
  IdentityPolicy,
  ManagedPolicyState,
  Partition,
  PolicyDocument,
  RoleState,
  UserState
} from '../../state/types.js'
import { causeFrom, isMissing, paginate } from '../../aws/call.js'
import { AwsCallError } from '../../aws/errors.js'
import { listAttachedPolicies } from '../../aws/iam.js'
import type { CollectContext } from '../types.js'

/** A part of a resource that could not be read; `pointer` is relative to the resource. */
export interface Gap {
  pointer: string
  cause: CollectionCause
}

/** What reading one resource gave: the resource, the fact that it does not exist, or why it could not be read. */
export type ReadResult<T> =
  | { kind: 'found'; value: T; gaps: Gap[] }
  | { kind: 'missing' }
  | { kind: 'unreadable'; cause: CollectionCause }

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** Starts observing a promise at once, so a failure never becomes an unhandled rejection. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error })
  )
}

const EMPTY_POLICY: PolicyDocument = { Statement: [] }


function parseDocument(text: string | undefined, service: string, operation: string): PolicyDocument {
  // AWS always returns the document; an answer without one is not "a policy that allows nothing".
  if (text === undefined) {
    throw new AwsCallError({ service, operation, code: 'MalformedResponse', message: 'the answer held no policy document' })
  }
  try {
    return parsePolicyDocument(text)
  } catch (err) {
    throw new AwsCallError({
      service,
      operation,
      code: 'MalformedPolicyDocument',
      message: err instanceof Error ? err.message : String(err)
    })
  }
}

/** A role being read: its ARN and attached list arrive before the whole result. */
export interface RoleRead {
  /** The role's ARN once GetRole answers; undefined when it failed. */
  arn: Promise<string | undefined>
  /** ListAttachedRolePolicies, every page; undefined when it failed (or the role is missing). */
  attached: Promise<AttachedPolicy[] | undefined>
  result: Promise<ReadResult<RoleState>>
}

/** A managed policy's metadata and default version's document. */
export interface ManagedPolicyRead {
  policy: Policy
  document: PolicyDocument
}

/**
 * Reads IAM for the collectors. Each managed policy's metadata and default document is
 * read once per collection however many identities it is attached to (memoized by ARN).
 */
export class IamReader {
  private readonly policies = new Map<string, Promise<Policy | null>>()
  private readonly documents = new Map<string, Promise<ManagedPolicyRead>>()

  constructor(
    private readonly ctx: CollectContext,
    private readonly iam: IAMClient,
    readonly partition: Partition
  ) {}

  /** GetPolicy; `null` when the policy does not exist. */
  getPolicy(arn: string): Promise<Policy | null> {
    let p = this.policies.get(arn)
    if (!p) {
      p = this.ctx
        .call('iam', 'GetPolicy', (abortSignal) => this.iam.send(new GetPolicyCommand({ PolicyArn: arn }), { abortSignal }))
        .then(
          (out) => out.Policy ?? null,
          (err: unknown) => {
            if (isMissing(err)) return null
            throw err
          }
        )
      this.policies.set(arn, p)
    }
    return p
  }

  /** GetPolicy then GetPolicyVersion of the default version. A missing policy throws (NoSuchEntity). */
  managedDocument(arn: string): Promise<ManagedPolicyRead> {
    let p = this.documents.get(arn)
    if (!p) {
      p = (async () => {
        const policy = await this.getPolicy(arn)
        if (!policy) {
          throw new AwsCallError({
            service: 'iam',
            operation: 'GetPolicy',
            code: 'NoSuchEntity',
            message: `policy ${arn} does not exist`
          })
        }
        const versionId = policy.DefaultVersionId ?? 'v1'
        const out = await this.ctx.call('iam', 'GetPolicyVersion', (abortSignal) =>
          this.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), { abortSignal })
        )
        return { policy, document: parseDocument(out.PolicyVersion?.Document, 'iam', 'GetPolicyVersion') }
      })()
      this.documents.set(arn, p)
    }
    return p
  }

  /** ListPolicyVersions, every page: how many versions the policy has (at most 5 in IAM). */
  async versionCount(arn: string): Promise<number> {
    const versions = await paginate(async (marker) => {
      const out = await this.ctx.call('iam', 'ListPolicyVersions', (abortSignal) =>
        this.iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, ...(marker ? { Marker: marker } : {}) }), {
          abortSignal
        })
      )
      return { items: out.Versions, next: out.IsTruncated ? out.Marker : undefined }
    })
    return versions.length
  }

  /** ListPolicies Scope=Local, every page, looking for a customer-managed policy by name (any path). */
  async findLocalPolicyArn(name: string): Promise<string | undefined> {
    let found: string | undefined
    await paginate(async (marker) => {
      const out = await this.ctx.call('iam', 'ListPolicies', (abortSignal) =>
        this.iam.send(new ListPoliciesCommand({ Scope: 'Local', ...(marker ? { Marker: marker } : {}) }), { abortSignal })
      )
      found ??= out.Policies?.find((p) => p.PolicyName === name)?.Arn
      return { items: [], next: found === undefined && out.IsTruncated ? out.Marker : undefined }
    })
    return found
  }

  /**
   * Reads a role: GetRole (trust policy), and in parallel with it the attached and inline
   * policy lists, then every policy document (when `documents`) and the permissions
   * boundary. The longest chain is ListAttachedRolePolicies -> GetPolicy -> GetPolicyVersion.
   * `arn` and `attached` resolve as soon as GetRole / the attached list answer, so that
   * dependent lookups need not wait for the documents.
   */
  readRole(name: string, opts: { documents: boolean; boundaryDocument: boolean }): RoleRead {
    const getRole = settle(
      this.ctx.call('iam', 'GetRole', (abortSignal) => this.iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal }))
    )
    const attached = settle(listAttachedPolicies(this.ctx, this.iam, 'role', name))
    const inline = settle(
      paginate(async (marker) => {
        const out = await this.ctx.call('iam', 'ListRolePolicies', (abortSignal) =>
          this.iam.send(new ListRolePoliciesCommand({ RoleName: name, ...(marker ? { Marker: marker } : {}) }), {
            abortSignal
          })
        )
        return { items: out.PolicyNames, next: out.IsTruncated ? out.Marker : undefined }
      })
    )
    const result = (async (): Promise<ReadResult<RoleState>> => {
      const role = await getRole
      if (!role.ok) {
        if (isMissing(role.error)) return { kind: 'missing' }
        return { kind: 'unreadable', cause: causeFrom(role.error, 'iam', 'GetRole') }
      }
      const r = role.value.Role
      const gaps: Gap[] = []
      let trustPolicy = EMPTY_POLICY
      try {
        trustPolicy = parseDocument(r?.AssumeRolePolicyDocument, 'iam', 'GetRole')
      } catch (err) {
        gaps.push({ pointer: '/trustPolicy', cause: causeFrom(err, 'iam', 'GetRole') })
      }
      const getInline = (policyName: string): Promise<PolicyDocument> =>
        this.ctx
          .call('iam', 'GetRolePolicy', (abortSignal) =>
            this.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }), { abortSignal })
          )
          .then((out) => parseDocument(out.PolicyDocument, 'iam', 'GetRolePolicy'))
      const [policies, boundary] = await Promise.all([
        this.identityPolicies('Role', attached, inline, getInline, () => opts.documents, gaps),
        this.boundary(r?.PermissionsBoundary?.PermissionsBoundaryArn, opts.boundaryDocument, gaps)
      ])
      const value: RoleState = {
        name: r?.RoleName ?? name,
        arn: r?.Arn ?? '',
        trustPolicy,
        policies,
        ...(boundary ? { permissionsBoundary: boundary } : {})
      }
      return { kind: 'found', value, gaps }
    })()
    return {
      arn: getRole.then((r) => (r.ok ? r.value.Role?.Arn : undefined)),
      attached: attached.then((a) => (a.ok ? a.value : undefined)),
      result
    }
  }

  /**
   * Reads a user: GetUser, the attached and inline policy lists and the access keys in
   * parallel; then documents of customer-managed and inline policies (when `documents`)
   * and each key's last use (when `lastUsed`). Access key ids never leave this function.
   */
  async readUser(
    name: string,
    opts: { documents: boolean; lastUsed: boolean; now: Date }
  ): Promise<ReadResult<UserState>> {
    const getUser = settle(
      this.ctx.call('iam', 'GetUser', (abortSignal) => this.iam.send(new GetUserCommand({ UserName: name }), { abortSignal }))
    )
    const attached = settle(listAttachedPolicies(this.ctx, this.iam, 'user', name))
    const inline = settle(
      paginate(async (marker) => {
        const out = await this.ctx.call('iam', 'ListUserPolicies', (abortSignal) =>
          this.iam.send(new ListUserPoliciesCommand({ UserName: name, ...(marker ? { Marker: marker } : {}) }), {
            abortSignal
          })
        )
        return { items: out.PolicyNames, next: out.IsTruncated ? out.Marker : undefined }
      })
    )
    const keys = settle(
      paginate(async (marker) => {
        const out = await this.ctx.call('iam', 'ListAccessKeys', (abortSignal) =>
          this.iam.send(new ListAccessKeysCommand({ UserName: name, ...(marker ? { Marker: marker } : {}) }), {
            abortSignal
          })
        )
        return { items: out.AccessKeyMetadata, next: out.IsTruncated ? out.Marker : undefined }
      })
    )
    const user = await getUser
    if (!user.ok) {
      if (isMissing(user.error)) return { kind: 'missing' }
      return { kind: 'unreadable', cause: causeFrom(user.error, 'iam', 'GetUser') }
    }
    const u = user.value.User
    const gaps: Gap[] = []
    const getInline = (policyName: string): Promise<PolicyDocument> =>
      this.ctx
        .call('iam', 'GetUserPolicy', (abortSignal) =>
          this.iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }), { abortSignal })
        )
        .then((out) => parseDocument(out.PolicyDocument, 'iam', 'GetUserPolicy'))
    // AWS managed documents are public and large; only customer-managed and inline ones are read.
    const wantDocument = (kind: IdentityPolicy['kind']): boolean => opts.documents && kind !== 'aws-managed'
    const [policies, boundary, accessKeys] = await Promise.all([
      this.identityPolicies('User', attached, inline, getInline, wantDocument, gaps),
      this.boundary(u?.PermissionsBoundary?.PermissionsBoundaryArn, opts.documents, gaps, wantDocument),
      this.accessKeys(keys, opts, gaps)
    ])
    const value: UserState = {
      name: u?.UserName ?? name,
      arn: u?.Arn ?? '',
      policies,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
      accessKeys
    }
    return { kind: 'found', value, gaps }
  }

  private async identityPolicies(
    entity: 'Role' | 'User',
    attachedP: Promise<Settled<AttachedPolicy[]>>,
    inlineP: Promise<Settled<string[]>>,
    getInline: (name: string) => Promise<PolicyDocument>,
    wantDocument: (kind: IdentityPolicy['kind']) => boolean,
    gaps: Gap[]
  ): Promise<IdentityPolicy[]> {
    const [attached, inline] = await Promise.all([attachedP, inlineP])
    const policies: IdentityPolicy[] = []
    const fetches: Promise<void>[] = []
    if (attached.ok) {
      for (const a of attached.value) {
        if (!a.PolicyArn) continue
        const arn = a.PolicyArn
        const entry: IdentityPolicy = { name: a.PolicyName ?? nameOfArn(arn), arn, kind: policyKind(arn) }
        const index = policies.push(entry) - 1
        if (wantDocument(entry.kind)) {
          fetches.push(
            this.managedDocument(arn).then(
              (read) => {
                entry.document = read.document
              },
              (err: unknown) => {
                gaps.push({ pointer: `/policies/${index}/document`, cause: causeFrom(err, 'iam', 'GetPolicyVersion') })
              }
            )
          )
        }
      }
    }
    if (inline.ok) {
      for (const name of inline.value) {
        const entry: IdentityPolicy = { name, kind: 'inline' }
        const index = policies.push(entry) - 1
        if (wantDocument('inline')) {
          fetches.push(
            getInline(name).then(
              (document) => {
                entry.document = document
              },
              (err: unknown) => {
                gaps.push({ pointer: `/policies/${index}/document`, cause: causeFrom(err, 'iam', 'GetPolicy') })
              }
            )
          )
        }
      }
    }
    // A partial list would read as "not attached": the whole list is then unavailable.
    if (!attached.ok) gaps.push({ pointer: '/policies', cause: causeFrom(attached.error, 'iam', `ListAttached${entity}Policies`) })
    else if (!inline.ok) gaps.push({ pointer: '/policies', cause: causeFrom(inline.error, 'iam', `List${entity}Policies`) })
    await Promise.all(fetches)
    return policies
  }

  private async boundary(
    arn: string | undefined,
    withDocument: boolean,
    gaps: Gap[],
    wantDocument: (kind: IdentityPolicy['kind']) => boolean = () => true
  ): Promise<IdentityPolicy | undefined> {
    if (!arn) return undefined
    const entry: IdentityPolicy = { name: nameOfArn(arn), arn, kind: policyKind(arn) }
    if (withDocument && wantDocument(entry.kind)) {
      try {
        entry.document = (await this.managedDocument(arn)).document
      } catch (err) {
        gaps.push({ pointer: '/permissionsBoundary/document', cause: causeFrom(err, 'iam', 'GetPolicyVersion') })
      }
    }
    return entry
  }

  private async accessKeys(
    keysP: Promise<Settled<AccessKeyMetadata[]>>,
    opts: { lastUsed: boolean; now: Date },
    gaps: Gap[]
  ): Promise<AccessKeyState[]> {
    const keys = await keysP
    if (!keys.ok) {
      gaps.push({ pointer: '/accessKeys', cause: causeFrom(keys.error, 'iam', 'ListAccessKeys') })
      return []
    }
    const sorted = [...keys.value].sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))
    return Promise.all(
      sorted.map(async (key, index) => {
        const state: AccessKeyState = { status: key.Status ?? 'Unknown' }
        if (key.CreateDate) {
          state.createdAt = key.CreateDate.toISOString()
          state.ageDays = Math.max(0, Math.floor((opts.now.getTime() - key.CreateDate.getTime()) / 86_400_000))
        }
        if (opts.lastUsed && key.AccessKeyId) {
          const keyId = key.AccessKeyId
          try {
            const out = await this.ctx.call('iam', 'GetAccessKeyLastUsed', (abortSignal) =>
              this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }), { abortSignal })
            )
            const used = out.AccessKeyLastUsed
            state.lastUsedAt = used?.LastUsedDate ? used.LastUsedDate.toISOString() : null
            const service = used?.ServiceName
            state.lastUsedService = service && service !== 'N/A' ? service : null
          } catch (err) {
            // The cause may quote the request; keep the key id out of it.
            const cause = causeFrom(err, 'iam', 'GetAccessKeyLastUsed')
            const clean = { ...cause, message: cause.message.split(keyId).join('<access key>') }
            gaps.push({ pointer: `/accessKeys/${index}/lastUsedAt`, cause: clean })
            gaps.push({ pointer: `/accessKeys/${index}/lastUsedService`, cause: clean })
          }
        }
        return state
      })
    )
  }
}

// ---------------------------------------------------------------------------
// Collectors: each writes its part of ctx.state and marks what it could not read.

function writeGaps(ctx: CollectContext, base: string, gaps: Gap[]): void {
  for (const gap of gaps) ctx.unavailable(`${base}${gap.pointer}`, gap.cause)
}

/** The role being collected, for the collectors that depend on it. */
export type RoleOutcome = RoleRead

/** Reads the Cargo role by name into `/iam/role` (`null` when it does not exist). */
export function collectRole(ctx: CollectContext, reader: IamReader, roleName: string): RoleOutcome {
  const read = reader.readRole(roleName, {
    documents: ctx.needs('/iam/role/policies'),
    boundaryDocument: ctx.needs('/iam/role/permissionsBoundary')
  })
  return {
    ...read,
    result: read.result.then((result) => {
      writeRole(ctx, result)
      return result
    })
  }
}

function writeRole(ctx: CollectContext, result: ReadResult<RoleState>): void {
  if (result.kind === 'found') {
    ctx.state.iam.role = result.value
    writeGaps(ctx, '/iam/role', result.gaps)
  } else if (result.kind === 'missing') {
    ctx.state.iam.role = null
  } else {
    ctx.unavailable('/iam/role', result.cause)
  }
}

function settledOutcome(result: ReadResult<RoleState>, attached?: AttachedPolicy[]): RoleOutcome {
  return {
    arn: Promise.resolve(result.kind === 'found' ? result.value.arn : undefined),
    attached: Promise.resolve(attached),
    result: Promise.resolve(result)
  }
}

/**
 * Without role-name: the Cargo role is one of the roles associated with Redshift. Each
 * candidate is read (in parallel); the one whose attached customer-managed policies allow
 * sts:AssumeRole on the Cargo role wins ('allow' before 'conditional'), else the only
 * candidate, else none (`null`).
 */
export async function discoverRole(
  ctx: CollectContext,
  reader: IamReader,
  candidateArns: string[]
): Promise<RoleOutcome> {
  const names = [...new Set(candidateArns.map(nameOfArn))]
  const reads = names.map((name) =>
    reader.readRole(name, { documents: true, boundaryDocument: ctx.needs('/iam/role/permissionsBoundary') })
  )
  const results = await Promise.all(reads.map((r) => r.result))
  let chosen: number | undefined
  const cargoRoleArn = ctx.params.target.cargoRoleArn
  if (cargoRoleArn) {
    let best: Decision | undefined
    results.forEach((read, i) => {
      if (read.kind !== 'found') return
      const docs = read.value.policies
        .filter((p) => p.kind !== 'aws-managed' && p.document)
        .map((p) => ({ name: p.name, document: p.document as PolicyDocument }))
      const decision = evaluatePolicies(docs, { action: 'sts:AssumeRole', resource: cargoRoleArn }).decision
      if (decision === 'allow' && best !== 'allow') {
        best = 'allow'
        chosen = i
      } else if (decision === 'conditional' && best === undefined) {
        best = 'conditional'
        chosen = i
      }
    })
  }
  if (chosen === undefined && results.length === 1) chosen = 0
  const result = chosen === undefined ? undefined : results[chosen]
  if (chosen === undefined || !result) {
    const unreadable = results.find((r) => r.kind === 'unreadable')
    const none: ReadResult<RoleState> = unreadable ?? { kind: 'missing' }
    writeRole(ctx, none)
    return settledOutcome(none)
  }
  writeRole(ctx, result)
  return settledOutcome(result, await reads[chosen]?.attached)
}

/**
 * Finds and reads the cross-account policy into `/iam/crossAccountPolicy`.
 *
 * With policy-name, the cheapest correct lookup: the role's attached list (read anyway,
 * in parallel with GetRole) gives the exact ARN, path included, when the policy is attached;
 * otherwise the ARN is built with the default path `/` from the account id (from the role
 * ARN or STS, whichever arrives first) and read with GetPolicy; only if that says
 * NoSuchEntity (the policy may live under another path) is the account's customer-managed
 * list (ListPolicies Scope=Local) scanned for the name. So one GetPolicy in the usual
 * cases, and an account-wide list only when the named policy is not where it should be.
 *
 * Without policy-name: the role's attached customer-managed policy whose document allows
 * sts:AssumeRole on the Cargo role ARN, judged by the IAM evaluator ('allow' preferred over
 * 'conditional'); `null` when none does.
 */
export async function collectCrossAccountPolicy(
  ctx: CollectContext,
  reader: IamReader,
  deps: { role: Promise<RoleOutcome | undefined>; accountId: Promise<string | undefined> }
): Promise<void> {
  const pointer = '/iam/crossAccountPolicy'
  const policyName = ctx.params.target.policyName
  let arn: string | undefined
  if (policyName) {
    const outcome = await deps.role
    const [attached, accountId] = await Promise.all([outcome?.attached, deps.accountId])
    const attachedArn = attached?.find((a) => a.PolicyName === policyName)?.PolicyArn
    if (attachedArn) arn = attachedArn
    else if (accountId) arn = `arn:${reader.partition}:iam::${accountId}:policy/${policyName}`
    else {
      ctx.unavailable(pointer, {
        service: 'sts',
        operation: 'GetCallerIdentity',
        message: `the account id is unknown (neither the role ARN nor STS gave it), so policy ${policyName} cannot be looked up`
      })
      return
    }
    try {
      let policy = await reader.getPolicy(arn)
      if (!policy && !attachedArn) {
        const found = await reader.findLocalPolicyArn(policyName)
        if (found) {
          arn = found
          policy = await reader.getPolicy(found)
        }
      }
      if (!policy) {
        ctx.state.iam.crossAccountPolicy = null
        return
      }
    } catch (err) {
      ctx.unavailable(pointer, causeFrom(err, 'iam', 'GetPolicy'))
      return
    }
  } else {
    const outcome = await deps.role
    const result = await outcome?.result
    if (!result || result.kind === 'missing') {
      // No role, so no policy attached to it: nothing in this account is recognisably Cargo's.
      ctx.state.iam.crossAccountPolicy = null
      return
    }
    if (result.kind === 'unreadable') {
      ctx.unavailable(pointer, result.cause)
      return
    }
    const attached = await outcome?.attached
    if (!attached) {
      const gap = result.gaps.find((g) => g.pointer === '/policies')
      ctx.unavailable(
        pointer,
        gap?.cause ?? { service: 'iam', operation: 'ListAttachedRolePolicies', message: 'attached policies unknown' }
      )
      return
    }
    const cargoRoleArn = ctx.params.target.cargoRoleArn
    if (!cargoRoleArn) {
      ctx.unavailable(pointer, {
        service: 'config',
        operation: 'cargo-role-arn',
        message: 'set policy-name or cargo-role-arn: without either, the cross-account policy cannot be recognised'
      })
      return
    }
    const candidates = attached.filter((a) => a.PolicyArn && policyKind(a.PolicyArn) === 'customer-managed')
    const reads = await Promise.all(candidates.map((a) => settle(reader.managedDocument(a.PolicyArn as string))))
    let best: { arn: string; decision: Decision } | undefined
    let failure: unknown
    reads.forEach((read, i) => {
      const candidateArn = candidates[i]?.PolicyArn as string
      if (!read.ok) {
        failure ??= read.error
        return
      }
      const { decision } = evaluatePolicies([{ name: nameOfArn(candidateArn), document: read.value.document }], {
        action: 'sts:AssumeRole',
        resource: cargoRoleArn
      })
      if (decision === 'allow' && best?.decision !== 'allow') best = { arn: candidateArn, decision }
      else if (decision === 'conditional' && !best) best = { arn: candidateArn, decision }
    })
    if (!best) {
      // An unreadable candidate might have been the one: say so rather than "none".
      if (failure !== undefined) ctx.unavailable(pointer, causeFrom(failure, 'iam', 'GetPolicyVersion'))
      else ctx.state.iam.crossAccountPolicy = null
      return
    }
    arn = best.arn
  }

  const wantCount = ctx.needs(`${pointer}/versionCount`)
  const [doc, count] = await Promise.all([
    settle(reader.managedDocument(arn)),
    wantCount ? settle(reader.versionCount(arn)) : Promise.resolve(undefined)
  ])
  if (!doc.ok) {
    if (isMissing(doc.error)) ctx.state.iam.crossAccountPolicy = null
    else ctx.unavailable(pointer, causeFrom(doc.error, 'iam', 'GetPolicyVersion'))
    return
  }
  const state: ManagedPolicyState = {
    name: doc.value.policy.PolicyName ?? nameOfArn(arn),
    arn,
    document: doc.value.document,
    ...(doc.value.policy.DefaultVersionId ? { defaultVersionId: doc.value.policy.DefaultVersionId } : {})
  }
  if (count) {
    if (count.ok) state.versionCount = count.value
    else ctx.unavailable(`${pointer}/versionCount`, causeFrom(count.error, 'iam', 'ListPolicyVersions'))
  }
  ctx.state.iam.crossAccountPolicy = state
}

/** Reads the Lambda user into `/iam/lambdaUser` (`null` when it does not exist). */
export async function collectLambdaUser(ctx: CollectContext, reader: IamReader): Promise<void> {
  const name = ctx.params.target.lambdaUser
  if (!name) return
  const result = await reader.readUser(name, {
    documents: ctx.needs('/iam/lambdaUser/policies/*/document'),
    lastUsed: ctx.needs('/iam/lambdaUser/accessKeys/*/lastUsedAt'),
    now: ctx.now
  })
  if (result.kind === 'found') {
    ctx.state.iam.lambdaUser = result.value
    writeGaps(ctx, '/iam/lambdaUser', result.gaps)
  } else if (result.kind === 'missing') {
    ctx.state.iam.lambdaUser = null
  } else {
    ctx.unavailable('/iam/lambdaUser', result.cause)
  }
}
