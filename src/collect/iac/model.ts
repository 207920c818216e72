import type { TargetParameters } from '../../config/parameters.js'
import { targetOf } from '../../state/target.js'
import { evaluatePolicies } from '../../policy/iam-policy.js'
import { cidrContains } from '../../policy/ingress.js'
import type {
  AccessKeyState,
  AccountState,
  IdentityPolicy,
  IngressRule,
  ManagedPolicyState,
  Partition,
  PolicyDocument,
  RedshiftState,
  RoleState,
  SecurityGroupState,
  SourceLocation,
  UnknownFact,
  UserState
} from '../../state/types.js'
import { accountHint, awsManagedDocument, fillAccount, nameOfArn, notDescribedReason, policyKind, type Val } from './common.js'
import { STATE_PARTS } from '../../state/facts.js'
import { subjectOf } from '../../state/subject.js'

/**
 * The resources of a Terraform plan or CloudFormation template that matter to Cargo, in one
 * shape: each reader translates its format into this model, and `assemble` turns the model
 * into the AccountState the rules judge (the account as it will be after apply). Matching
 * resources to the Cargo setup, the "not described" and "known after apply" facts and the
 * source locations are decided here, once for both formats.
 */

/** Where a resource is defined. `file`/`line` are absent when the definition was not found on disk. */
export interface Origin {
  /** Terraform address or CloudFormation logical id. */
  id: string
  file?: string
  line?: number
  /** The change creates, updates or replaces it (Terraform); templates have no diff. */
  changed: boolean
}

interface Item {
  origin: Origin
  /** Absent after apply (Terraform `delete`). */
  deleted: boolean
}

export interface PolicyList {
  arns: Val<string[]>
  /** Configured on the resource, so it is the whole list (else: the list as last read, before this change). */
  exclusive: boolean
}

export interface InlineList {
  policies: Val<Array<{ name: string; document: Val<PolicyDocument> }>>
  exclusive: boolean
}

export interface IacRole extends Item {
  name: Val<string>
  arn: string
  path: string
  trust: Val<PolicyDocument>
  /** Where the trust policy is written, when apart from the role (a policy document data source). */
  trustOrigin?: Origin
  managedPolicyArns?: PolicyList
  inline?: InlineList
  boundaryArn?: Val<string>
}

export interface IacPolicy extends Item {
  name: Val<string>
  arn: string
  document: Val<PolicyDocument>
}

export interface IacUser extends Item {
  name: Val<string>
  arn: string
  managedPolicyArns?: PolicyList
  inline?: InlineList
  boundaryArn?: Val<string>
}

/** A managed policy attached to a role or user by a resource of its own. */
export interface IacAttachment extends Item {
  target: 'role' | 'user'
  targetName: Val<string>
  policyArn: Val<string>
  /** What the resource attached before this change (it is detached by the change). */
  before?: { targetName: string; policyArn: string }
}

/** An inline policy written by a resource of its own. */
export interface IacInline extends Item {
  target: 'role' | 'user'
  targetName: Val<string>
  name: string
  document: Val<PolicyDocument>
  before?: { targetName: string; name: string }
}

export interface IacAccessKey extends Item {
  userName: Val<string>
  status: Val<string>
  createdAt?: string
  /** Created by this change: it will be fresh after apply. */
  isNew: boolean
  /** Why the key's age cannot be told from the IaC. */
  ageUnknown?: string
}

export interface IacSecurityGroup extends Item {
  id: string
  name?: string
  vpcId?: string
  ingress?: { rules: Val<IngressRule[]>; exclusive: boolean }
}

export interface IacIngress extends Item {
  groupId: Val<string>
  rule: Val<IngressRule>
  before?: { groupId: string; rule: IngressRule }
}

export interface IacRedshift extends Item {
  deployment: 'serverless' | 'provisioned'
  name: Val<string>
  namespaceName?: Val<string>
  publiclyAccessible: Val<boolean>
  port: Val<number | undefined>
  address?: string
  securityGroupIds: Val<string[]>
  /** Provisioned clusters hold their roles themselves. */
  iamRoles?: Val<string[]>
  defaultIamRoleArn?: Val<string | undefined>
  dbName?: Val<string | undefined>
  status?: string
}

export interface IacNamespace extends Item {
  name: Val<string>
  iamRoles: Val<string[]>
  defaultIamRoleArn?: Val<string | undefined>
  dbName?: Val<string | undefined>
}

/** aws_redshift_cluster_iam_roles: the cluster's whole role list, managed apart from the cluster. */
export interface IacClusterRoles extends Item {
  clusterId: Val<string>
  iamRoles: Val<string[]>
  defaultIamRoleArn?: Val<string | undefined>
}

export interface IacModel {
  kind: 'terraform' | 'cloudformation'
  /** The plan or template, as named to the user. */
  file: string
  partition: Partition
  region?: string
  /** Account ids read from ARNs of the account's own resources. */
  accountHints: string[]
  roles: IacRole[]
  policies: IacPolicy[]
  users: IacUser[]
  attachments: IacAttachment[]
  inlinePolicies: IacInline[]
  accessKeys: IacAccessKey[]
  securityGroups: IacSecurityGroup[]
  ingressRules: IacIngress[]
  redshifts: IacRedshift[]
  namespaces: IacNamespace[]
  clusterRoles: IacClusterRoles[]
}

export function emptyModel(kind: IacModel['kind'], file: string, partition: Partition): IacModel {
  return {
    kind,
    file,
    partition,
    accountHints: [],
    roles: [],
    policies: [],
    users: [],
    attachments: [],
    inlinePolicies: [],
    accessKeys: [],
    securityGroups: [],
    ingressRules: [],
    redshifts: [],
    namespaces: [],
    clusterRoles: []
  }
}

/** Two ingress rules admit the same traffic from the same places. */
export function sameIngress(a: IngressRule, b: IngressRule): boolean {
  const key = (r: IngressRule) =>
    JSON.stringify([
      r.protocol,
      r.protocol === '-1' ? null : r.fromPort ?? null,
      r.protocol === '-1' ? null : r.toPort ?? null,
      [...r.cidrs].sort(),
      [...r.ipv6Cidrs].sort(),
      [...(r.prefixListIds ?? [])].sort(),
      [...(r.referencedGroupIds ?? [])].sort()
    ])
  return key(a) === key(b)
}

const EMPTY_DOCUMENT: PolicyDocument = { Statement: [] }

class Assembler {
  readonly unknown: UnknownFact[] = []
  readonly locations: SourceLocation[] = []
  private readonly what: string

  constructor(
    private readonly model: IacModel,
    private readonly params: TargetParameters,
    private readonly now: Date,
    private readonly account: string | undefined
  ) {
    this.what = model.file
  }

  private mark(pointer: string, reason: string): void {
    if (!this.unknown.some((u) => u.pointer === pointer && u.reason === reason)) this.unknown.push({ pointer, reason })
  }

  private locate(pointer: string, origin: Origin | undefined): void {
    if (!origin || origin.file === undefined || origin.line === undefined) return
    if (this.locations.some((l) => l.pointer === pointer)) return
    this.locations.push({ pointer, file: origin.file, line: origin.line })
  }

  private notDescribed(pointer: string, what: string, plural = false): void {
    this.mark(pointer, notDescribedReason(what, this.what, plural))
  }

  private value<T>(v: Val<T>, pointer: string): T | undefined {
    if (v.ok) return v.value
    this.mark(pointer, v.reason)
    return undefined
  }

  build(): AccountState {
    const { params, model } = this
    const named = targetOf(params).named
    const deployment = named ? (named.kind === 'cluster' ? 'provisioned' : 'serverless') : undefined
    const state: AccountState = {
      schemaVersion: 1,
      source: {
        kind: model.kind,
        collectedAt: this.now.toISOString(),
        partition: model.partition,
        ...(model.region ? { region: model.region } : {}),
        ...(deployment ? { deployment } : {}),
        file: model.file
      },
      // The plan is searched for the names the inputs give.
      subject: subjectOf(params),
      iam: {},
      network: {},
      unavailable: []
    }
    const redshift = this.redshift()
    if (redshift !== undefined) state.redshift = redshift
    const role = this.role(redshift ?? undefined)
    if (role !== undefined) state.iam.role = role
    const policy = this.crossAccountPolicy(role ?? undefined)
    if (policy !== undefined) state.iam.crossAccountPolicy = policy
    const user = this.lambdaUser()
    if (user !== undefined) state.iam.lambdaUser = user
    const groups = this.securityGroups(redshift)
    if (groups !== undefined) state.network.securityGroups = groups
    // The parts no plan describes (SQL grants live inside the database): left absent and
    // `unknown`, so their rules are neither passed nor failed on a plan; overlaid on the live
    // account, the live part replaces this.
    for (const part of STATE_PARTS) {
      if (part.iac !== 'live') continue
      this.mark(part.pointer, notDescribedReason(part.what, model.kind === 'terraform' ? 'a Terraform plan' : 'a CloudFormation template', true))
    }

    if (this.account) state.source.accountId = this.account
    state.unknown = this.unknown
    state.locations = this.locations
    return state
  }

  // --- Redshift --------------------------------------------------------------

  private redshift(): RedshiftState | null | undefined {
    const { params, model } = this
    const named = targetOf(params).named
    const wanted = named?.name
    const kindName = named?.kind ?? 'workgroup'
    const deployment = kindName === 'cluster' ? 'provisioned' : 'serverless'
    let candidates = model.redshifts.filter((r) => r.deployment === deployment)
    if (!named) candidates = model.redshifts
    const found = wanted === undefined ? (candidates.length === 1 ? candidates[0] : undefined) : candidates.find((r) => r.name.ok && r.name.value === wanted)
    if (!found) {
      const unnamed = candidates.find((r) => !r.name.ok)
      if (unnamed && !unnamed.name.ok) this.mark('/redshift', unnamed.name.reason)
      else this.notDescribed('/redshift', wanted === undefined ? 'the Redshift workgroup or cluster' : `Redshift ${kindName} '${wanted}'`)
      return undefined
    }
    if (found.deleted) return null
    this.locate('/redshift', found.origin)
    const name = found.name.ok ? found.name.value : wanted ?? ''
    const state: RedshiftState = { deployment: found.deployment, name, securityGroupIds: [], iamRoles: [] }
    if (found.namespaceName?.ok) state.namespaceName = found.namespaceName.value
    if (found.status) state.status = found.status
    const pub = this.value(found.publiclyAccessible, '/redshift/publiclyAccessible')
    if (pub !== undefined) state.publiclyAccessible = pub
    const port = this.value(found.port, '/redshift/endpoint/port')
    if (port !== undefined || found.address !== undefined) {
      state.endpoint = { ...(found.address !== undefined ? { address: found.address } : {}), ...(port !== undefined ? { port } : {}) }
    }
    // No rule reads the id list itself: what depends on it is the groups' rules.
    if (found.securityGroupIds.ok) state.securityGroupIds = found.securityGroupIds.value
    else this.mark('/network/securityGroups', found.securityGroupIds.reason)

    let roles: Val<string[]> | undefined
    let defaultRole: Val<string | undefined> | undefined
    let dbName: Val<string | undefined> | undefined
    let rolesOrigin: Origin | undefined
    if (found.deployment === 'serverless') {
      const nsName = found.namespaceName
      const ns = nsName?.ok ? model.namespaces.find((n) => n.name.ok && n.name.value === nsName.value) : undefined
      if (nsName && !nsName.ok) {
        this.mark('/redshift/iamRoles', nsName.reason)
      } else if (!ns) {
        this.notDescribed('/redshift/iamRoles', `namespace '${nsName?.ok ? nsName.value : '?'}' of workgroup '${name}'`)
      } else if (ns.deleted) {
        this.mark('/redshift/iamRoles', `namespace '${nsName?.ok ? nsName.value : '?'}' is destroyed by ${this.what}`)
      } else {
        roles = ns.iamRoles
        defaultRole = ns.defaultIamRoleArn
        dbName = ns.dbName
        rolesOrigin = ns.origin
      }
    } else {
      roles = found.iamRoles
      defaultRole = found.defaultIamRoleArn
      dbName = found.dbName
      rolesOrigin = found.origin
      const managed = model.clusterRoles.find((c) => !c.deleted && c.clusterId.ok && c.clusterId.value === name)
      if (managed) {
        roles = managed.iamRoles
        if (managed.defaultIamRoleArn) defaultRole = managed.defaultIamRoleArn
        rolesOrigin = managed.origin
      }
    }
    if (roles) {
      const list = this.value(roles, '/redshift/iamRoles')
      if (list) state.iamRoles = [...new Set(list)].map((arn) => ({ arn }))
      this.locate('/redshift/iamRoles', rolesOrigin)
    }
    if (defaultRole) {
      const arn = this.value(defaultRole, '/redshift/defaultIamRoleArn')
      if (arn) state.defaultIamRoleArn = arn
      this.locate('/redshift/defaultIamRoleArn', rolesOrigin)
    }
    if (dbName) {
      const db = this.value(dbName, '/redshift/dbName')
      if (db) state.dbName = db
    }
    return state
  }

  // --- IAM -----------------------------------------------------------------------

  /** The policies a role or user holds after apply, with their documents where the IaC or the catalogue has them. */
  private identityPolicies(
    target: 'role' | 'user',
    name: string,
    holder: { managedPolicyArns?: PolicyList; inline?: InlineList } | undefined,
    base: string
  ): IdentityPolicy[] {
    const pointer = `${base}/policies`
    const arns: string[] = []
    const origins = new Map<string, Origin>()
    const attachments = this.model.attachments.filter((a) => a.target === target)
    if (holder?.managedPolicyArns) {
      const list = this.value(holder.managedPolicyArns.arns, pointer) ?? []
      const detached = holder.managedPolicyArns.exclusive
        ? new Set<string>()
        : new Set(attachments.filter((a) => a.before && a.before.targetName === name).map((a) => a.before!.policyArn))
      for (const arn of list) if (!detached.has(arn)) arns.push(arn)
    }
    for (const a of attachments) {
      if (a.deleted) continue
      if (!a.targetName.ok) {
        this.mark(pointer, a.targetName.reason)
        continue
      }
      if (a.targetName.value !== name) continue
      const arn = this.value(a.policyArn, pointer)
      if (arn === undefined) continue
      arns.push(arn)
      origins.set(arn, a.origin)
    }
    const policies: IdentityPolicy[] = []
    for (const arn of [...new Set(arns)]) {
      const index = policies.length
      const entry: IdentityPolicy = { name: nameOfArn(arn), arn, kind: policyKind(arn) }
      policies.push(entry)
      this.locate(`${pointer}/${index}`, origins.get(arn))
      const own = this.model.policies.find((p) => !p.deleted && p.arn === arn)
      if (own) {
        if (own.name.ok) entry.name = own.name.value
        const doc = this.value(own.document, `${pointer}/${index}/document`)
        if (doc) entry.document = doc
      } else if (target === 'role') {
        // The role's permissions are judged on every document (iam-role-cross-account-attached);
        // the user's rule reads ARNs only, as the live collector does.
        const doc = entry.kind === 'aws-managed' ? awsManagedDocument(arn) : undefined
        if (doc) entry.document = doc
        else {
          const kind = entry.kind === 'aws-managed' ? 'AWS managed policy' : 'policy'
          this.mark(`${pointer}/${index}/document`, notDescribedReason(`the document of ${kind} ${arn}`, this.what))
        }
      }
    }
    const inline: Array<{ name: string; document: Val<PolicyDocument>; origin?: Origin }> = []
    const inlineWriters = this.model.inlinePolicies.filter((p) => p.target === target)
    if (holder?.inline) {
      const list = this.value(holder.inline.policies, pointer) ?? []
      const removed = holder.inline.exclusive
        ? new Set<string>()
        : new Set(inlineWriters.filter((p) => p.before && p.before.targetName === name).map((p) => p.before!.name))
      for (const p of list) if (!removed.has(p.name)) inline.push(p)
    }
    for (const p of inlineWriters) {
      if (p.deleted) continue
      if (!p.targetName.ok) {
        this.mark(pointer, p.targetName.reason)
        continue
      }
      if (p.targetName.value !== name) continue
      const at = inline.findIndex((q) => q.name === p.name)
      const item = { name: p.name, document: p.document, origin: p.origin }
      if (at >= 0) inline[at] = item
      else inline.push(item)
    }
    for (const p of inline) {
      const index = policies.length
      const entry: IdentityPolicy = { name: p.name, kind: 'inline' }
      policies.push(entry)
      this.locate(`${pointer}/${index}`, p.origin)
      const doc = this.value(p.document, `${pointer}/${index}/document`)
      if (doc) entry.document = doc
    }
    return policies
  }

  private boundary(arn: Val<string> | undefined, pointer: string, withDocument: boolean): IdentityPolicy | undefined {
    if (!arn) return undefined
    const value = this.value(arn, pointer)
    if (!value) return undefined
    const entry: IdentityPolicy = { name: nameOfArn(value), arn: value, kind: policyKind(value) }
    if (withDocument) {
      const own = this.model.policies.find((p) => !p.deleted && p.arn === value)
      const doc = own ? this.value(own.document, `${pointer}/document`) : awsManagedDocument(value)
      if (doc) entry.document = doc
      else if (!own) this.mark(`${pointer}/document`, notDescribedReason(`the document of permissions boundary ${value}`, this.what))
    }
    return entry
  }

  private findRole(redshift: RedshiftState | undefined): IacRole | undefined {
    const { params, model } = this
    if (params.roleName) return model.roles.find((r) => r.name.ok && r.name.value === params.roleName)
    // As the live collector does without role-name: a role associated with Redshift,
    // preferring the one whose own policies allow sts:AssumeRole on Cargo's role.
    const associated = new Set((redshift?.iamRoles ?? []).map((r) => r.arn))
    const candidates = model.roles.filter((r) => associated.has(r.arn))
    if (candidates.length <= 1 || !params.cargoRoleArn) return candidates[0]
    const cargoRoleArn = params.cargoRoleArn
    return (
      candidates.find((r) => {
        const name = r.name.ok ? r.name.value : ''
        const docs = this.model.attachments
          .filter((a) => !a.deleted && a.target === 'role' && a.targetName.ok && a.targetName.value === name && a.policyArn.ok)
          .flatMap((a) => this.model.policies.filter((p) => a.policyArn.ok && p.arn === a.policyArn.value && p.document.ok))
          .map((p) => ({ name: p.arn, document: (p.document as { ok: true; value: PolicyDocument }).value }))
        return evaluatePolicies(docs, { action: 'sts:AssumeRole', resource: cargoRoleArn }).decision === 'allow'
      }) ?? candidates[0]
    )
  }

  private role(redshift: RedshiftState | undefined): RoleState | null | undefined {
    const { params } = this
    const found = this.findRole(redshift)
    const roleName = found?.name.ok ? found.name.value : params.roleName
    if (found?.deleted) return null
    if (!found) {
      if (!roleName) {
        this.mark('/iam/role', `role-name is not set and no role described by ${this.what} is associated with Redshift`)
        return undefined
      }
      // Policies attached here to a role defined elsewhere: kept for the overlay, which lays
      // them over the live role; on their own they cannot say what the role is.
      const policies = this.identityPolicies('role', roleName, undefined, '/iam/role')
      this.notDescribed('/iam/role', `IAM role '${roleName}'`)
      if (policies.length === 0) return undefined
      return { name: roleName, arn: '', trustPolicy: EMPTY_DOCUMENT, policies }
    }
    this.locate('/iam/role', found.origin)
    const name = found.name.ok ? found.name.value : roleName ?? ''
    const trust = this.value(found.trust, '/iam/role/trustPolicy') ?? EMPTY_DOCUMENT
    this.locate('/iam/role/trustPolicy', found.trustOrigin)
    const role: RoleState = {
      name,
      arn: found.arn,
      trustPolicy: trust,
      policies: this.identityPolicies('role', name, found, '/iam/role')
    }
    const boundary = this.boundary(found.boundaryArn, '/iam/role/permissionsBoundary', true)
    if (boundary) role.permissionsBoundary = boundary
    return role
  }

  private crossAccountPolicy(role: RoleState | undefined): ManagedPolicyState | null | undefined {
    const { params, model } = this
    const pointer = '/iam/crossAccountPolicy'
    let found: IacPolicy | undefined
    if (params.policyName) {
      found = model.policies.find((p) => p.name.ok && p.name.value === params.policyName)
      if (!found) {
        this.notDescribed(pointer, `IAM policy '${params.policyName}'`)
        return undefined
      }
    } else {
      if (!role || role.arn === '') {
        this.mark(pointer, `the cross-account policy is looked for among the role's policies, and the role is not known from ${this.what}`)
        return undefined
      }
      const cargoRoleArn = params.cargoRoleArn
      if (!cargoRoleArn) {
        this.mark(pointer, 'set policy-name or cargo-role-arn: without either, the cross-account policy cannot be recognised')
        return undefined
      }
      const attached = role.policies.filter((p) => p.kind === 'customer-managed' && p.arn)
      let unreadable = false
      for (const p of attached) {
        if (!p.document) {
          unreadable = true
          continue
        }
        const decision = evaluatePolicies([{ name: p.name, document: p.document }], { action: 'sts:AssumeRole', resource: cargoRoleArn }).decision
        if (decision === 'allow' || (decision === 'conditional' && !found)) {
          found = model.policies.find((q) => !q.deleted && q.arn === p.arn)
          if (decision === 'allow' && found) break
        }
      }
      if (!found) {
        if (unreadable) this.mark(pointer, notDescribedReason(`the documents of some policies attached to '${role.name}'`, this.what, true))
        return unreadable ? undefined : null
      }
    }
    if (found.deleted) return null
    this.locate(pointer, found.origin)
    const document = this.value(found.document, `${pointer}/document`) ?? EMPTY_DOCUMENT
    return { name: found.name.ok ? found.name.value : nameOfArn(found.arn), arn: found.arn, document }
  }

  private lambdaUser(): UserState | null | undefined {
    const name = this.params.lambdaUser
    if (!name) return undefined
    const found = this.model.users.find((u) => u.name.ok && u.name.value === name)
    if (!found) {
      this.notDescribed('/iam/lambdaUser', `IAM user '${name}'`)
      return undefined
    }
    if (found.deleted) return null
    this.locate('/iam/lambdaUser', found.origin)
    const user: UserState = {
      name,
      arn: found.arn,
      policies: this.identityPolicies('user', name, found, '/iam/lambdaUser'),
      accessKeys: this.accessKeys(name)
    }
    const boundary = this.boundary(found.boundaryArn, '/iam/lambdaUser/permissionsBoundary', false)
    if (boundary) user.permissionsBoundary = boundary
    return user
  }

  private accessKeys(userName: string): AccessKeyState[] {
    const pointer = '/iam/lambdaUser/accessKeys'
    const keys: AccessKeyState[] = []
    let described = false
    for (const key of this.model.accessKeys) {
      if (!key.userName.ok) {
        this.mark(pointer, key.userName.reason)
        continue
      }
      if (key.userName.value !== userName) continue
      described = true
      if (key.deleted) continue
      const index = keys.length
      const status = this.value(key.status, pointer)
      const state: AccessKeyState = { status: status ?? 'Unknown' }
      if (key.isNew) state.ageDays = 0
      else if (key.ageUnknown) this.mark(`${pointer}/${index}/ageDays`, key.ageUnknown)
      else if (key.createdAt) {
        state.createdAt = key.createdAt
        const created = Date.parse(key.createdAt)
        if (Number.isFinite(created)) state.ageDays = Math.max(0, Math.floor((this.now.getTime() - created) / 86_400_000))
      }
      keys.push(state)
      this.locate(index === 0 ? pointer : `${pointer}/${index}`, key.origin)
    }
    // Keys are often made by hand (the guide pastes one into Cargo): no key resource
    // means the IaC does not say, not that there is none.
    if (!described) this.notDescribed(pointer, `the access keys of IAM user '${userName}'`, true)
    return keys
  }

  // --- Network -------------------------------------------------------------------

  private securityGroups(redshift: RedshiftState | null | undefined): SecurityGroupState[] | undefined {
    const pointer = '/network/securityGroups'
    if (redshift === null) return undefined
    let ids = redshift?.securityGroupIds
    if (!ids) {
      // Which groups Redshift uses is told elsewhere; the groups and rules described here are
      // kept for the overlay, which lays them over the groups the live Redshift uses.
      ids = [...new Set([
        ...this.model.securityGroups.filter((g) => !g.deleted).map((g) => g.id),
        ...this.model.ingressRules.filter((r) => !r.deleted && r.groupId.ok).map((r) => (r.groupId as { value: string }).value)
      ])]
      if (ids.length === 0) return undefined
      this.notDescribed(pointer, 'which security groups Redshift uses')
    }
    const groups: SecurityGroupState[] = []
    const candidates: Array<{ origin: Origin; admitsCargo: boolean; unknown?: boolean }> = []
    const admitsCargo = (rules: IngressRule[]) =>
      rules.some((r) => this.params.cargoIps.some((ip) => [...r.cidrs, ...r.ipv6Cidrs].some((c) => cidrContains(c, ip))))
    for (const id of ids) {
      const group = this.model.securityGroups.find((g) => g.id === id)
      if (group?.deleted) continue
      const rules: IngressRule[] = []
      let complete = true
      if (group?.ingress) {
        const list = this.value(group.ingress.rules, pointer)
        if (!list) candidates.push({ origin: group.origin, admitsCargo: false, unknown: true })
        if (list) {
          const removed = group.ingress.exclusive
            ? []
            : this.model.ingressRules.filter((r) => r.before && r.before.groupId === id).map((r) => r.before!.rule)
          for (const r of list) if (!removed.some((x) => sameIngress(x, r))) rules.push(r)
          if (group.ingress.exclusive) candidates.push({ origin: group.origin, admitsCargo: admitsCargo(list) })
        }
      } else if (!group) {
        complete = false
      }
      let ownRules = 0
      for (const r of this.model.ingressRules) {
        if (r.deleted) continue
        if (!r.groupId.ok) {
          this.mark(pointer, r.groupId.reason)
          continue
        }
        if (r.groupId.value !== id) continue
        ownRules++
        const rule = this.value(r.rule, pointer)
        if (!rule) {
          candidates.push({ origin: r.origin, admitsCargo: false, unknown: true })
          continue
        }
        if (!rules.some((x) => sameIngress(x, rule))) rules.push(rule)
        candidates.push({ origin: { ...r.origin }, admitsCargo: admitsCargo([rule]) })
      }
      if (!group && ownRules === 0) {
        this.notDescribed(pointer, `security group ${id}`)
        continue
      }
      const index = groups.length
      const state: SecurityGroupState = { id, ingress: rules }
      if (group?.name) state.name = group.name
      if (group?.vpcId) state.vpcId = group.vpcId
      groups.push(state)
      if (group) this.locate(`${pointer}/${index}`, group.origin)
      if (!complete) this.mark(pointer, `${notDescribedReason(`security group ${id}`, this.what)}: its other inbound rules are unknown`)
    }
    // Findings on the groups point at the inbound rule most likely at stake: one this change
    // touches, one whose values are unknown, one admitting Cargo's IPs; else the first group.
    const score = (c: { origin: Origin; admitsCargo: boolean; unknown?: boolean }) =>
      (c.origin.changed ? 2 : 0) + (c.unknown ? 1 : 0) + (c.admitsCargo ? 1 : 0)
    const best = [...candidates].sort((a, b) => score(b) - score(a))[0]
    const firstGroup = ids.map((id) => this.model.securityGroups.find((g) => g.id === id)).find((g) => g && !g.deleted)
    this.locate(pointer, best && score(best) > 0 ? best.origin : firstGroup?.origin ?? best?.origin)
    return groups
  }
}

/** The account as it will be after apply, as far as the IaC describes it. */
export function assemble(model: IacModel, params: TargetParameters, now: Date = new Date()): AccountState {
  const account = accountOf(model)
  // ARNs computed without the account (a role created by this change) get it now, before
  // they are compared with ARNs the IaC spells out.
  return new Assembler(account ? fillAccount(model, account) : model, params, now, account).build()
}

/** The account id, from any ARN of the account's own resources the IaC spells out. */
function accountOf(model: IacModel): string | undefined {
  const hints = [...model.accountHints]
  for (const r of model.roles) hints.push(r.arn)
  for (const p of model.policies) hints.push(p.arn)
  for (const u of model.users) hints.push(u.arn)
  for (const a of model.attachments) if (a.policyArn.ok) hints.push(a.policyArn.value)
  for (const r of [...model.redshifts, ...model.namespaces, ...model.clusterRoles]) {
    if (r.iamRoles?.ok) hints.push(...r.iamRoles.value)
    if (r.defaultIamRoleArn?.ok && r.defaultIamRoleArn.value) hints.push(r.defaultIamRoleArn.value)
  }
  for (const h of hints) {
    const account = /^\d{12}$/.test(h) ? h : accountHint(h)
    if (account) return account
  }
  return undefined
}
