import type {
  AccessKeyState,
  IdentityPolicy,
  IngressRule,
  ManagedPolicyState,
  RedshiftRoleAssociation,
  RedshiftState,
  RoleState,
  SecurityGroupState,
  SqlExternalFunctionState,
  SqlFunctionRoleState,
  SqlFutureTableOwner,
  SqlSourceSchemaState,
  SqlState,
  SqlTablePrivilege,
  SqlUserState,
  UserState
} from './types.js'

/**
 * The one list of the facts an AccountState holds, read by the three places that must agree on
 * them: the IaC model (what a plan or template says of each fact), the overlay (which facts only
 * the live account can fill in) and the state digest a remediation plan is checked against.
 *
 * Each table is typed over every key of its state type, so a fact added to `types.ts` does not
 * compile until it says here how a plan gives it and whether the digest holds it; and the
 * test `iac-facts.test.ts` checks the code against the table (a `plan` fact the IaC model
 * leaves silently absent, a digest fact missing from the digest, a rule reading a fact no
 * plan can give, all fail it).
 */

/** How a plan or template gives a fact. */
export type IacSource =
  /** The IaC model reads it from the plan or template, or marks it `unknown` there. */
  | 'plan'
  /** Only the account knows it: absent from the IaC model; the overlay takes the live value for the same resource. */
  | 'live'
  /** Neither: no rule may rely on it on a plan (`why` says why its absence is harmless). */
  | 'none'

export interface Fact {
  iac: IacSource
  /** Absent when the resource has none (a role without a permissions boundary), rather than unknown. */
  optional?: true
  /** Why a `live` or `none` fact is so. */
  why?: string
  /** Left absent by the plan, it is taken from the live resource when the overlay has the same one. */
  fill?: true
  /** The facts of the object, or of each element of the list. */
  of?: FactTable<object>
}

/** A fact directly under a part: also says whether the remediation plan's digest holds it. */
export interface PartFact extends Fact {
  /** `true`, or why a change to it cannot make a filed remediation plan stale. */
  digest: true | string
}

export type FactTable<T> = { readonly [K in keyof Required<T>]: Fact }
export type PartFacts<T> = { readonly [K in keyof Required<T>]: PartFact }

const plan: Fact = { iac: 'plan' }
const planOptional: Fact = { iac: 'plan', optional: true }
const inDigest: PartFact = { iac: 'plan', digest: true }
const optionalInDigest: PartFact = { iac: 'plan', optional: true, digest: true }

const POLICY_FACTS: FactTable<IdentityPolicy> = {
  name: plan,
  arn: planOptional,
  kind: plan,
  // The IaC model marks a document it cannot tell (an AWS managed policy it has no copy of) unknown.
  document: planOptional
}

const ACCESS_KEY_FACTS: FactTable<AccessKeyState> = {
  status: plan,
  createdAt: planOptional,
  lastUsedAt: { iac: 'none', optional: true, why: 'no rule reads it; only the account records last use' },
  lastUsedService: { iac: 'none', optional: true, why: 'no rule reads it; only the account records last use' },
  ageDays: plan
}

const INGRESS_FACTS: FactTable<IngressRule> = {
  protocol: plan,
  fromPort: planOptional,
  toPort: planOptional,
  cidrs: plan,
  ipv6Cidrs: plan,
  prefixListIds: planOptional,
  prefixListCidrs: { iac: 'none', optional: true, why: 'the entries belong to the prefix list, not the group: read from the account only' },
  referencedGroupIds: planOptional,
  description: { iac: 'none', optional: true, why: 'no rule reads it; descriptions are for people' }
}

const ROLE_ASSOCIATION_FACTS: FactTable<RedshiftRoleAssociation> = {
  arn: plan,
  applyStatus: {
    iac: 'none',
    optional: true,
    why: 'Redshift reports an association in progress only once it exists; absent reads as in effect (roleAssociated)'
  }
}

export const REDSHIFT_FACTS: PartFacts<RedshiftState> = {
  deployment: inDigest,
  name: inDigest,
  // Only Serverless has one; the overlay takes the live one when the plan does not name it.
  namespaceName: { iac: 'plan', optional: true, fill: true, digest: true },
  status: { iac: 'live', optional: true, fill: true, why: 'a plan holds no status', digest: 'MODIFYING/AVAILABLE comes and goes by itself' },
  publiclyAccessible: inDigest,
  endpoint: {
    iac: 'plan',
    digest: true,
    of: { address: { iac: 'live', optional: true, fill: true, why: 'AWS assigns the address at create' }, port: plan } satisfies FactTable<
      NonNullable<RedshiftState['endpoint']>
    >
  },
  securityGroupIds: inDigest,
  iamRoles: { iac: 'plan', digest: true, of: ROLE_ASSOCIATION_FACTS },
  defaultIamRoleArn: optionalInDigest,
  dbName: optionalInDigest
}

export const ROLE_FACTS: PartFacts<RoleState> = {
  name: inDigest,
  arn: inDigest,
  trustPolicy: inDigest,
  policies: { iac: 'plan', digest: true, of: POLICY_FACTS },
  permissionsBoundary: { iac: 'plan', optional: true, digest: true, of: POLICY_FACTS }
}

export const CROSS_ACCOUNT_POLICY_FACTS: PartFacts<ManagedPolicyState> = {
  name: inDigest,
  arn: inDigest,
  defaultVersionId: { iac: 'none', optional: true, why: 'no rule reads it; AWS numbers versions at apply', digest: true },
  versionCount: { iac: 'none', optional: true, why: 'no rule reads it; AWS numbers versions at apply', digest: true },
  document: inDigest
}

export const LAMBDA_USER_FACTS: PartFacts<UserState> = {
  name: inDigest,
  arn: inDigest,
  // The user's policies matter to the steps by which they are, not by what they say.
  policies: { iac: 'plan', digest: true, of: POLICY_FACTS },
  permissionsBoundary: { iac: 'plan', optional: true, of: POLICY_FACTS, digest: 'no step reads or changes the Lambda user\'s boundary' },
  accessKeys: {
    iac: 'plan',
    of: ACCESS_KEY_FACTS,
    digest: 'no step touches access keys; their ages and last use change by themselves'
  }
}

export const SECURITY_GROUP_FACTS: PartFacts<SecurityGroupState> = {
  id: inDigest,
  name: { iac: 'plan', optional: true, digest: 'no step reads it; a group is known by its id' },
  vpcId: optionalInDigest,
  ingress: { iac: 'plan', digest: true, of: INGRESS_FACTS }
}

const SQL = 'SQL grants inside Redshift: no Terraform resource or CloudFormation type describes them'
const sql: PartFact = { iac: 'live', why: SQL, digest: true }

export const SQL_FACTS: PartFacts<SqlState> = {
  database: { ...sql, of: { name: sql, exists: sql } },
  user: { ...sql, of: { name: sql, exists: sql, superuser: { ...sql, optional: true } } satisfies FactTable<SqlUserState> },
  databasePrivileges: sql,
  functionRole: {
    ...sql,
    of: { name: sql, exists: sql, systemPrivileges: sql, grantedToUser: sql, userPrivilegeVia: { ...sql, optional: true } } satisfies FactTable<SqlFunctionRoleState>
  },
  exfuncUsage: sql,
  externalFunction: { ...sql, of: { allowed: sql, via: { ...sql, optional: true } } satisfies FactTable<SqlExternalFunctionState> },
  sourceSchemas: {
    ...sql,
    of: {
      database: sql,
      schema: sql,
      exists: sql,
      usage: sql,
      tables: {
        ...sql,
        of: { name: sql, select: sql, kind: { ...sql, optional: true }, owner: { ...sql, optional: true } } satisfies FactTable<SqlTablePrivilege>
      },
      defaultSelect: sql,
      futureTableOwners: { ...sql, optional: true, of: { name: sql, covered: sql } satisfies FactTable<SqlFutureTableOwner> },
      uncoveredOwners: { ...sql, optional: true }
    } satisfies FactTable<SqlSourceSchemaState>
  }
}

/**
 * The parts of the state. The overlay takes them one by one, in this order (Redshift first: the
 * security groups that matter are the ones it will have), replacing or keeping each whole.
 * `list`: the part is a list of objects, each with the `facts`. A part whose `iac` is `live`
 * is described by no plan: the IaC model marks it unknown as `what` "not described".
 */
export const STATE_PARTS = [
  { pointer: '/redshift', iac: 'plan', facts: REDSHIFT_FACTS },
  { pointer: '/iam/role', iac: 'plan', facts: ROLE_FACTS },
  { pointer: '/iam/crossAccountPolicy', iac: 'plan', facts: CROSS_ACCOUNT_POLICY_FACTS },
  { pointer: '/iam/lambdaUser', iac: 'plan', facts: LAMBDA_USER_FACTS },
  { pointer: '/network/securityGroups', iac: 'plan', list: true, facts: SECURITY_GROUP_FACTS },
  { pointer: '/sql', iac: 'live', what: 'SQL grants inside Redshift', facts: SQL_FACTS }
] as const satisfies ReadonlyArray<{
  pointer: string
  iac: 'plan' | 'live'
  list?: boolean
  what?: string
  facts: Readonly<Record<string, PartFact>>
}>

export type StatePart = (typeof STATE_PARTS)[number]
export type StatePartPointer = StatePart['pointer']

/**
 * The value of a part as the digest holds it: the facts marked `digest: true`, each through
 * `shape` when given (to sort lists whose order means nothing, or drop what AWS edits).
 */
export function digestFacts<T extends object>(
  value: T,
  facts: PartFacts<T>,
  shape: { [K in keyof T]?: (v: NonNullable<T[K]>) => unknown } = {}
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, fact] of Object.entries(facts) as Array<[keyof T & string, PartFact]>) {
    if (fact.digest !== true) continue
    const v = value[key]
    const f = shape[key]
    out[key] = f && v !== undefined && v !== null ? f(v as NonNullable<T[typeof key]>) : v
  }
  return out
}

/** The keys of a part's facts the overlay takes from the live resource when the plan leaves them absent. */
export function filledFromLive<T>(facts: FactTable<T>): Array<keyof T & string> {
  return (Object.entries(facts) as Array<[keyof T & string, Fact]>).filter(([, f]) => f.fill === true).map(([k]) => k)
}
