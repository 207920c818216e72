import { pointerContains } from '../json/pointer.js'
import { describeTarget, kindOf, targetOf, type NamedTarget as Target } from './target.js'
import type { AccountState, StateSubject } from './types.js'

/**
 * What a state is about, and whether it is about what the inputs name now.
 *
 * A saved state (and an IaC plan laid over one) holds facts read for particular names: a
 * role, a Lambda user, a database... Judged later with other inputs, those facts say nothing
 * about the names the inputs give, so a rule on them must not pass. The reading that can
 * never pass wrongly: a subject is confirmed only by evidence in the state itself, either
 * the fact's own name (the role read is named so) or the name recorded in `subject` when it
 * was read (a role looked up and not found). No evidence is no confirmation.
 */

export type SubjectPart = keyof StateSubject

/**
 * The names a state can be about, as the inputs give them: the members of the config's target
 * parameters this module reads, spelt out so that the state layer sits below config.
 */
export interface SubjectNames {
  region?: string
  workgroup?: string
  clusterIdentifier?: string
  roleName?: string
  policyName?: string
  lambdaUser: string
  database: string
  dbUser: string
  functionRole: string
  sourceSchemas: readonly { database: string; schema: string }[]
}

/** The names the inputs give, as a collector records them; `read` says which parts were read at all. */
export function subjectOf(params: SubjectNames, read: (part: SubjectPart) => boolean = () => true): StateSubject {
  const subject: StateSubject = {}
  const target = targetOf(params).named
  if (target && read('target')) subject.target = target
  if (params.roleName && read('roleName')) subject.roleName = params.roleName
  if (params.policyName && read('policyName')) subject.policyName = params.policyName
  if (read('lambdaUser')) subject.lambdaUser = params.lambdaUser
  if (read('database')) subject.database = params.database
  if (read('dbUser')) subject.dbUser = params.dbUser
  if (read('functionRole')) subject.functionRole = params.functionRole
  if (params.sourceSchemas.length > 0 && read('sourceSchemas')) {
    subject.sourceSchemas = params.sourceSchemas.map((s) => `${s.database}.${s.schema}`)
  }
  return subject
}


/** A part of the state whose subject the inputs name but the state does not show. */
export interface UnconfirmedSubject {
  /** The pointers whose facts are about another subject (or an unknown one): rules reading them are `error`. */
  pointers: string[]
  /** The input that names the subject, e.g. `role-name`. */
  input: string
  /** One sentence: what the state holds instead, or that it holds nothing to tell. */
  message: string
  /** What the state shows instead (e.g. `holds role cargo-redshift`), when it shows another subject rather than none. */
  instead?: string
}

/**
 * IAM user, role and policy names "are not distinguished by case" (IAM API Reference,
 * CreateRole / CreateUser / CreatePolicy, RoleName / UserName / PolicyName): a role read as
 * cargo-redshift is the role Cargo-Redshift names. SQL names reach here folded to lower case, and
 * workgroup and cluster names are lower case only.
 */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function nameOf(fact: unknown): string | undefined {
  if (fact === null || typeof fact !== 'object') return undefined
  const name = (fact as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}

interface NamedPart {
  what: string
  input: string
  wanted: string | undefined
  /** The name of the fact itself, when the state holds it. */
  held: string | undefined
  /** The name recorded as looked up. */
  recorded: string | undefined
  pointers: string[]
}

function confirm(part: NamedPart): UnconfirmedSubject | undefined {
  const { what, input, wanted, held, recorded, pointers } = part
  if (wanted === undefined) return undefined // the inputs name nothing: the state's own subject is judged
  const inputText = `(input '${input}')`
  const other = (instead: string): UnconfirmedSubject => ({ pointers, input, instead, message: `the snapshot ${instead}, not ${wanted} ${inputText}` })
  if (held !== undefined && !sameName(held, wanted)) return other(`holds ${what} ${held}`)
  if (recorded !== undefined && !sameName(recorded, wanted)) return other(`was read for ${what} ${recorded}`)
  if (held === undefined && recorded === undefined) {
    return {
      pointers,
      input,
      message: `the snapshot does not show ${what} ${wanted} ${inputText}: it holds no ${what} by that name and records no look-up of one; save a new snapshot with these inputs`
    }
  }
  return undefined
}

const TARGET_POINTERS = ['/redshift', '/network', '/sql']

/** The target the state shows: the Redshift fact itself, else the recorded look-up; the kind alone from source.deployment. */
function heldTarget(state: AccountState): { held?: Target; recorded?: Target; kind?: Target['kind'] } {
  const r = state.redshift
  const held: Target | undefined =
    r && typeof r === 'object' ? { kind: kindOf(r.deployment), name: r.name } : undefined
  const recorded = state.subject?.target
  const deployment = state.source.deployment
  const kind = held?.kind ?? recorded?.kind ?? (deployment ? kindOf(deployment) : undefined)
  return { ...(held ? { held } : {}), ...(recorded ? { recorded } : {}), ...(kind ? { kind } : {}) }
}

function confirmTarget(state: AccountState, params: SubjectNames): UnconfirmedSubject | undefined {
  const wanted = targetOf(params).named
  if (!wanted) return undefined
  const input = wanted.kind === 'workgroup' ? 'workgroup' : 'cluster-identifier'
  const inputText = `(input '${input}')`
  const { held, recorded, kind } = heldTarget(state)
  const differs = (t: Target) => t.kind !== wanted.kind || !sameName(t.name, wanted.name)
  const other = (instead: string): UnconfirmedSubject => ({
    pointers: TARGET_POINTERS,
    input,
    instead,
    message: `the snapshot ${instead}, not ${describeTarget(wanted)} ${inputText}`
  })
  if (held && differs(held)) return other(`holds ${describeTarget(held)}`)
  if (recorded && differs(recorded)) return other(`was read for ${describeTarget(recorded)}`)
  if (!held && !recorded && kind && kind !== wanted.kind) return other(`was read for a ${kind}`)
  if (!held && !recorded) {
    return {
      pointers: TARGET_POINTERS,
      input,
      message: `the snapshot does not show ${describeTarget(wanted)} ${inputText}: it holds no Redshift ${wanted.kind} and records no look-up of one; save a new snapshot with these inputs`
    }
  }
  return undefined
}

/**
 * Every part of the state whose subject differs from, or cannot be shown to be, what the
 * inputs name. Pure; the engine makes the rules that read these parts `error`.
 * The region is not here: a state holds one region's facts, so a state of another region is
 * refused as a whole (`foreignState`), where it is known whether the region was an input.
 */
export function unconfirmedSubjects(state: AccountState, params: SubjectNames): UnconfirmedSubject[] {
  const subject = state.subject ?? {}
  const sql = state.sql ?? {}
  const viaRole = !params.policyName && !subject.policyName
  const parts: NamedPart[] = [
    {
      what: 'role',
      input: 'role-name',
      wanted: params.roleName,
      held: nameOf(state.iam.role),
      recorded: subject.roleName,
      // Without a policy name, the cross-account policy was found among this role's policies.
      pointers: viaRole ? ['/iam/role', '/iam/crossAccountPolicy'] : ['/iam/role']
    },
    {
      what: 'policy',
      input: 'policy-name',
      wanted: params.policyName,
      held: nameOf(state.iam.crossAccountPolicy),
      recorded: subject.policyName,
      pointers: ['/iam/crossAccountPolicy']
    },
    {
      what: 'user',
      input: 'lambda-user',
      wanted: params.lambdaUser,
      held: nameOf(state.iam.lambdaUser),
      recorded: subject.lambdaUser,
      pointers: ['/iam/lambdaUser']
    },
    {
      what: 'database',
      input: 'database',
      wanted: params.database,
      held: nameOf(sql.database),
      recorded: subject.database,
      // Privileges on the database and the exfunc grant (which lives in it) are about it too.
      pointers: ['/sql/database', '/sql/databasePrivileges', '/sql/exfuncUsage']
    },
    {
      what: 'database user',
      input: 'db-user',
      wanted: params.dbUser,
      held: nameOf(sql.user),
      recorded: subject.dbUser,
      // Every grant the SQL facts record is a grant to this user.
      pointers: [
        '/sql/user',
        '/sql/databasePrivileges',
        '/sql/functionRole/grantedToUser',
        '/sql/functionRole/userPrivilegeVia',
        '/sql/exfuncUsage',
        '/sql/externalFunction',
        '/sql/sourceSchemas'
      ]
    },
    {
      what: 'database role',
      input: 'function-role',
      wanted: params.functionRole,
      held: nameOf(sql.functionRole),
      recorded: subject.functionRole,
      pointers: ['/sql/functionRole']
    }
  ]
  // A part that could not be read at all is already `error` through `unavailable`, with the
  // more useful cause (the denied action); only a contradiction is worth saying over it.
  const unreadable = (pointer: string) => state.unavailable.some((u) => pointerContains(u.pointer, pointer))
  const keep = (u: UnconfirmedSubject | undefined): u is UnconfirmedSubject => u !== undefined && (u.instead !== undefined || !unreadable(u.pointers[0]!))
  return [confirmTarget(state, params), ...parts.map(confirm)].filter(keep)
}

/** A whole-state mismatch, refused before judging: the input and what the state was read for. */
export interface ForeignState {
  input: string
  message: string
}

/**
 * Whether the state as a whole is for another region or target than the inputs name. Such a
 * state can prove nothing about them, so the run is refused (a configuration error) rather
 * than judged. `regionGiven`: the region came from an input or the config file (a region
 * taken from AWS_REGION does not name the state; the state's own region is reported).
 */
export function foreignState(state: AccountState, params: SubjectNames, file: string, regionGiven: boolean): ForeignState[] {
  const out: ForeignState[] = []
  if (params.region && regionGiven) {
    if (!state.source.region) {
      out.push({ input: 'region', message: `is ${params.region}, but the state-file ${file} does not record the region it was read in, so it cannot show that region's facts` })
    } else if (state.source.region !== params.region) {
      out.push({ input: 'region', message: `is ${params.region}, but the state-file ${file} was read in ${state.source.region}` })
    }
  }
  const target = confirmTarget(state, params)
  if (target?.instead) {
    out.push({ input: target.input, message: `names ${describeTarget(targetOf(params).named!)}, but the state-file ${file} ${target.instead}` })
  }
  return out
}

/**
 * Whether an IaC plan names another account than the state it is laid over (the plan's account
 * comes from the ARNs of the account's own resources it spells out). The region is not compared:
 * the plan's region is the region input when there is one, so it says nothing of its own.
 */
export function foreignPlan(state: AccountState, planned: AccountState): string | undefined {
  const a = state.source.accountId
  const b = planned.source.accountId
  if (a && b && a !== b) return `describes account ${b}, but the state it is laid over is of account ${a}`
  return undefined
}
