import { filledFromLive, REDSHIFT_FACTS, STATE_PARTS, type StatePartPointer } from '../../state/facts.js'
import { pointersOverlap, resolvePointer } from '../../json/pointer.js'
import type { AccountState, IdentityPolicy, RoleState, SecurityGroupState, StateSubject, UnknownFact, UserState } from '../../state/types.js'
import { accountHint, containsPlaceholder, fillAccount, liveCanTell } from './common.js'
import { sameIngress } from './model.js'

/**
 * Lays the state an IaC change describes over the live account: the account as it will be
 * after apply.
 *
 * The parts of the state (cross-account policy, role, Lambda user, Redshift, security
 * groups, SQL) are taken one by one:
 * - a part the IaC defines (it has a location at the part's pointer, or the change destroys
 *   it) replaces the live one; what the IaC merely does not say about it (the document of an
 *   AWS managed policy, access keys made by hand, a namespace defined elsewhere) is filled in
 *   from the live part when it is the same resource;
 * - a part the IaC only adds to (policies attached to a role defined elsewhere, inbound rules
 *   added to a group defined elsewhere) is the live part plus those additions;
 * - a part the IaC does not describe is the live one.
 * Unknowns and locations come from the IaC (minus the unknowns the live account settles);
 * live `unavailable` facts are kept only where the live value is kept.
 */
export function overlayState(live: AccountState, planned: AccountState): AccountState {
  const account = live.source.accountId ?? liveAccount(live)
  if (account && containsPlaceholder(planned)) planned = fillAccount(planned, account)
  return new Overlay(live, planned).run()
}

function liveAccount(live: AccountState): string | undefined {
  for (const arn of [live.iam.role?.arn, live.iam.lambdaUser?.arn, live.iam.crossAccountPolicy?.arn]) {
    const a = accountHint(arn)
    if (a) return a
  }
  return undefined
}

/** The parts, in the order they are taken (src/state/facts.ts). */
const PARTS: readonly StatePartPointer[] = STATE_PARTS.map((p) => p.pointer)
type Part = StatePartPointer

function under(pointer: string, part: string): boolean {
  return pointer === part || pointer.startsWith(`${part}/`)
}

class Overlay {
  private readonly out: AccountState
  private readonly unknown: UnknownFact[] = []
  private readonly keepLive = new Set<string>()
  /** Pointers below a replaced part where the live value was kept, with their unavailable facts. */
  private readonly liveBelow: string[] = []

  constructor(
    private readonly live: AccountState,
    private readonly planned: AccountState
  ) {
    this.out = structuredClone(live)
  }

  private defines(pointer: string): boolean {
    return (this.planned.locations ?? []).some((l) => l.pointer === pointer)
  }

  private plannedUnknown(part: string): UnknownFact[] {
    return (this.planned.unknown ?? []).filter((u) => under(u.pointer, part))
  }

  private liveSays(part: string): boolean {
    return resolvePointer(this.live, part) !== undefined || this.live.unavailable.some((u) => pointersOverlap(u.pointer, part))
  }

  run(): AccountState {
    const { out, planned } = this
    out.source = {
      ...this.live.source,
      kind: planned.source.kind,
      ...(planned.source.file ? { file: planned.source.file } : {}),
      ...(planned.source.deployment ? { deployment: planned.source.deployment } : {})
    }
    if (!out.source.partition && planned.source.partition) out.source.partition = planned.source.partition
    if (!out.source.region && planned.source.region) out.source.region = planned.source.region
    if (!out.source.accountId && planned.source.accountId) out.source.accountId = planned.source.accountId

    // Redshift first: the security groups that matter are the ones it will have.
    for (const part of PARTS) this.part(part)
    out.unavailable = this.live.unavailable.filter((u) => {
      const part = PARTS.find((p) => under(u.pointer, p))
      if (!part || this.keepLive.has(part)) return true
      return this.liveBelow.some((p) => under(u.pointer, p) || under(p, u.pointer))
    })
    out.unknown = this.unknown
    out.locations = [...(planned.locations ?? [])]
    const subject = this.subject()
    if (subject) out.subject = subject
    else delete out.subject
    return out
  }

  /**
   * What the result was read for, part by part: a part the IaC replaced was searched for in the
   * plan under the inputs' names; a part kept from the live state (or snapshot) is what that
   * state was read for. A live state that records nothing leaves its parts to show by name.
   */
  private subject(): StateSubject | undefined {
    const partOf: Record<keyof StateSubject, Part> = {
      target: '/redshift',
      roleName: '/iam/role',
      policyName: '/iam/crossAccountPolicy',
      lambdaUser: '/iam/lambdaUser',
      database: '/sql',
      dbUser: '/sql',
      functionRole: '/sql',
      sourceSchemas: '/sql'
    }
    const out: Record<string, unknown> = {}
    for (const [key, part] of Object.entries(partOf) as [keyof StateSubject, Part][]) {
      const side = this.keepLive.has(part) ? this.live.subject : this.planned.subject
      const value = side?.[key]
      if (value !== undefined) out[key] = structuredClone(value)
    }
    return this.live.subject || this.planned.subject ? (out as StateSubject) : undefined
  }

  private part(part: Part): void {
    const plannedValue = resolvePointer(this.planned, part)
    const markers = this.plannedUnknown(part)
    if (plannedValue === undefined) {
      // Not described by the IaC: the live account says.
      this.keepLive.add(part)
      const settled = this.liveSays(part)
      this.unknown.push(...markers.filter((m) => !(settled && liveCanTell(m.reason))))
      return
    }
    if (part === '/network/securityGroups') return this.securityGroups(markers)
    const defined = plannedValue === null || this.defines(part)
    if (!defined) return this.addTo(part, markers)
    const value = structuredClone(plannedValue)
    this.set(part, value)
    const remaining = [...markers]
    const settle = (pointer: string) => {
      for (let i = remaining.length - 1; i >= 0; i--) {
        const m = remaining[i]!
        if (under(m.pointer, pointer) && liveCanTell(m.reason)) remaining.splice(i, 1)
      }
    }
    if (value !== null) {
      if (part === '/iam/role') this.fillRole(value as RoleState, settle)
      if (part === '/iam/lambdaUser') this.fillUser(value as UserState, settle)
      if (part === '/redshift') this.fillRedshift(settle)
    }
    this.unknown.push(...remaining)
  }

  private set(part: Part, value: unknown): void {
    const { out } = this
    switch (part) {
      case '/iam/crossAccountPolicy':
        out.iam.crossAccountPolicy = value as NonNullable<AccountState['iam']['crossAccountPolicy']> | null
        break
      case '/iam/role':
        out.iam.role = value as RoleState | null
        break
      case '/iam/lambdaUser':
        out.iam.lambdaUser = value as UserState | null
        break
      case '/redshift':
        out.redshift = value as NonNullable<AccountState['redshift']> | null
        break
      case '/network/securityGroups':
        out.network.securityGroups = value as SecurityGroupState[]
        break
      case '/sql':
        out.sql = value as NonNullable<AccountState['sql']>
        break
    }
  }

  /** Documents the IaC does not carry (AWS managed policies, policies defined elsewhere), from the live account. */
  private fillDocuments(policies: IdentityPolicy[], base: string, settle: (pointer: string) => void): void {
    const liveDocs = new Map<string, IdentityPolicy['document']>()
    const collect = (list: IdentityPolicy[] | undefined) => {
      for (const p of list ?? []) if (p.arn && p.document) liveDocs.set(p.arn, p.document)
    }
    collect(this.live.iam.role?.policies)
    collect(this.live.iam.lambdaUser?.policies)
    const cap = this.live.iam.crossAccountPolicy
    if (cap) liveDocs.set(cap.arn, cap.document)
    policies.forEach((p, i) => {
      if (p.document || !p.arn) return
      const doc = liveDocs.get(p.arn)
      if (doc) {
        p.document = structuredClone(doc)
        settle(`${base}/${i}/document`)
      }
    })
  }

  private fillRole(role: RoleState, settle: (pointer: string) => void): void {
    this.fillDocuments(role.policies, '/iam/role/policies', settle)
    const liveBoundary = this.live.iam.role?.permissionsBoundary
    if (role.permissionsBoundary && !role.permissionsBoundary.document && liveBoundary?.arn === role.permissionsBoundary.arn) {
      const doc = liveBoundary?.document
      if (doc) {
        role.permissionsBoundary.document = structuredClone(doc)
        settle('/iam/role/permissionsBoundary')
      }
    }
  }

  private fillUser(user: UserState, settle: (pointer: string) => void): void {
    this.fillDocuments(user.policies, '/iam/lambdaUser/policies', settle)
    const liveUser = this.live.iam.lambdaUser
    const keysUnknown = (this.planned.unknown ?? []).some((u) => under(u.pointer, '/iam/lambdaUser/accessKeys') && liveCanTell(u.reason))
    // Keys made by hand, or whose age only the account knows: the live user's keys.
    if (keysUnknown && liveUser && liveUser.name === user.name) {
      user.accessKeys = structuredClone(liveUser.accessKeys)
      settle('/iam/lambdaUser/accessKeys')
      this.liveBelow.push('/iam/lambdaUser/accessKeys')
    }
  }

  private fillRedshift(settle: (pointer: string) => void): void {
    const mine = this.out.redshift
    const theirs = this.live.redshift
    if (!mine || !theirs || theirs.name !== mine.name || theirs.deployment !== mine.deployment) return
    if (mine.endpoint?.address === undefined && theirs.endpoint?.address !== undefined) {
      mine.endpoint = { ...(mine.endpoint ?? {}), address: theirs.endpoint.address }
    }
    // The facts a plan leaves to the account (the status; a namespace named elsewhere).
    for (const key of filledFromLive(REDSHIFT_FACTS)) {
      if (!mine[key] && theirs[key]) (mine as unknown as Record<string, unknown>)[key] = theirs[key]
    }
    // The namespace (or the role list) is defined elsewhere: the live association stands.
    const rolesFromLive = (this.planned.unknown ?? []).some((u) => u.pointer === '/redshift/iamRoles' && liveCanTell(u.reason))
    if (rolesFromLive) {
      mine.iamRoles = structuredClone(theirs.iamRoles)
      if (theirs.defaultIamRoleArn) mine.defaultIamRoleArn = theirs.defaultIamRoleArn
      if (theirs.dbName && !mine.dbName) mine.dbName = theirs.dbName
      settle('/redshift/iamRoles')
      this.liveBelow.push('/redshift/iamRoles', '/redshift/defaultIamRoleArn', '/redshift/dbName')
    }
  }

  /** The IaC adds to a resource defined elsewhere (policies attached to a role it does not create). */
  private addTo(part: Part, markers: UnknownFact[]): void {
    this.keepLive.add(part)
    const settled = this.liveSays(part)
    this.unknown.push(...markers.filter((m) => !(settled && liveCanTell(m.reason))))
    if (part !== '/iam/role' && part !== '/iam/lambdaUser') return
    const holder = (part === '/iam/role' ? this.out.iam.role : this.out.iam.lambdaUser) as RoleState | UserState | null | undefined
    const added = (resolvePointer(this.planned, part) as RoleState | UserState).policies
    if (!holder) return
    for (const p of added) {
      const exists = holder.policies.some((q) => (p.arn ? q.arn === p.arn : q.kind === 'inline' && q.name === p.name))
      if (!exists) holder.policies.push(structuredClone(p))
    }
    this.fillDocuments(holder.policies, `${part}/policies`, () => {})
  }

  private securityGroups(markers: UnknownFact[]): void {
    const planned = this.planned.network.securityGroups ?? []
    const liveGroups = this.live.network.securityGroups
    const ids = this.out.redshift?.securityGroupIds ?? planned.map((g) => g.id)
    const groups: SecurityGroupState[] = []
    let usedLive = false
    for (const id of ids) {
      const index = planned.findIndex((g) => g.id === id)
      const mine = index >= 0 ? planned[index] : undefined
      const theirs = liveGroups?.find((g) => g.id === id)
      if (mine && this.defines(`/network/securityGroups/${index}`)) {
        groups.push(structuredClone(mine))
      } else if (mine) {
        // Inbound rules added to a group defined elsewhere.
        const merged = structuredClone(theirs ?? mine)
        if (theirs) {
          usedLive = true
          for (const r of mine.ingress) if (!merged.ingress.some((x) => sameIngress(x, r))) merged.ingress.push(structuredClone(r))
        }
        groups.push(merged)
      } else if (theirs) {
        usedLive = true
        groups.push(structuredClone(theirs))
      }
    }
    this.out.network.securityGroups = groups
    if (usedLive) this.keepLive.add('/network/securityGroups')
    const settled = liveGroups !== undefined || this.live.unavailable.some((u) => pointersOverlap(u.pointer, '/network/securityGroups'))
    this.unknown.push(...markers.filter((m) => !(settled && liveCanTell(m.reason))))
  }
}
