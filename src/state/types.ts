/**
 * The normalized account state: everything the rules judge, collected from a
 * source (live AWS, a snapshot file, or infrastructure-as-code). Plain JSON so
 * that a snapshot can be saved, diffed and validated by `policies/account-state.schema.json`.
 * It never holds a secret: no passwords, no access key ids.
 */

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov'

/** An IAM policy document, as AWS stores it, already URL-decoded and parsed. */
export interface PolicyDocument {
  Version?: string
  Id?: string
  Statement: PolicyStatement | PolicyStatement[]
}

export type StringOrList = string | string[]

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action?: StringOrList
  NotAction?: StringOrList
  Resource?: StringOrList
  NotResource?: StringOrList
  Principal?: '*' | Record<string, StringOrList>
  NotPrincipal?: '*' | Record<string, StringOrList>
  Condition?: Record<string, Record<string, unknown>>
}

/** A policy that applies to an identity (attached managed, inline, or permissions boundary). */
export interface IdentityPolicy {
  name: string
  /** Absent for inline policies. */
  arn?: string
  kind: 'customer-managed' | 'aws-managed' | 'inline'
  /** Absent when the document was not needed by any enabled rule. */
  document?: PolicyDocument
}

export interface ManagedPolicyState {
  name: string
  arn: string
  defaultVersionId?: string
  versionCount?: number
  document: PolicyDocument
}

export interface RoleState {
  name: string
  arn: string
  trustPolicy: PolicyDocument
  /** Attached managed policies and inline policies. */
  policies: IdentityPolicy[]
  permissionsBoundary?: IdentityPolicy
}

export interface AccessKeyState {
  status: 'Active' | 'Inactive' | 'Expired' | string
  createdAt?: string
  lastUsedAt?: string | null
  lastUsedService?: string | null
  /** Whole days since creation, at collection time. */
  ageDays?: number
}

export interface UserState {
  name: string
  arn: string
  policies: IdentityPolicy[]
  permissionsBoundary?: IdentityPolicy
  accessKeys: AccessKeyState[]
}

export interface IngressRule {
  /** '-1' for all traffic, otherwise 'tcp' | 'udp' | 'icmp' | a protocol number. */
  protocol: string
  fromPort?: number
  toPort?: number
  cidrs: string[]
  ipv6Cidrs: string[]
  /** Managed prefix lists the rule admits (their entries are read into prefixListCidrs). */
  prefixListIds?: string[]
  /**
   * The CIDRs of the entries of prefixListIds, once read (GetManagedPrefixListEntries): the rule
   * admits them as if listed in cidrs. Absent with prefixListIds present: the entries are not
   * known (an IaC plan names only the list), and the ingress judges say so rather than pass.
   */
  prefixListCidrs?: string[]
  /** Other security groups the rule admits: no internet address, so no rule counts them. */
  referencedGroupIds?: string[]
  description?: string
}

export interface SecurityGroupState {
  id: string
  name?: string
  vpcId?: string
  ingress: IngressRule[]
}

export interface RedshiftRoleAssociation {
  arn: string
  /** 'in-sync' | 'adding' | 'removing' ... as reported by Redshift. */
  applyStatus?: string
}

export interface RedshiftState {
  deployment: 'serverless' | 'provisioned'
  /** Workgroup name (serverless) or cluster identifier (provisioned). */
  name: string
  namespaceName?: string
  status?: string
  publiclyAccessible?: boolean
  endpoint?: { address?: string; port?: number }
  securityGroupIds: string[]
  iamRoles: RedshiftRoleAssociation[]
  defaultIamRoleArn?: string
  dbName?: string
}

export interface SqlIdentity {
  name: string
  exists: boolean
}

export interface SqlUserState extends SqlIdentity {
  superuser?: boolean
}

export interface SqlFunctionRoleState extends SqlIdentity {
  /** System privileges held by the role, upper case (e.g. 'CREATE OR REPLACE FUNCTION'). */
  systemPrivileges: string[]
  /** The role is granted to the Cargo user (directly or through another role). */
  grantedToUser: boolean
  /**
   * How the Cargo user holds CREATE OR REPLACE FUNCTION whatever the function role: 'superuser', or
   * the role (any depth, sys:dba included) or user carrying it. Absent when it does not.
   */
  userPrivilegeVia?: string
}

export interface SqlTablePrivilege {
  name: string
  select: boolean
  /** 'table' or 'view' (GRANT SELECT ON ALL TABLES IN SCHEMA covers both: r_GRANT). */
  kind?: 'table' | 'view'
  owner?: string
}

/** A user whose future tables in a source schema Cargo must read, and whether they will be readable. */
export interface SqlFutureTableOwner {
  name: string
  /** Default privileges FOR USER this owner (or a scoped permission) give the Cargo user SELECT. */
  covered: boolean
}

export interface SqlSourceSchemaState {
  database: string
  schema: string
  exists: boolean
  usage: boolean
  tables: SqlTablePrivilege[]
  /** Tables created later in the schema, by every owner in futureTableOwners, will be readable. */
  defaultSelect: boolean
  futureTableOwners?: SqlFutureTableOwner[]
  /** Names of futureTableOwners not covered, for the finding's message. */
  uncoveredOwners?: string[]
}

/** Whether the Cargo user may run CREATE [OR REPLACE] EXTERNAL FUNCTION (r_CREATE_EXTERNAL_FUNCTION). */
export interface SqlExternalFunctionState {
  allowed: boolean
  /** How: 'superuser', or the role (or user) that holds the system privilege. */
  via?: string
}

export interface SqlState {
  database: SqlIdentity
  user: SqlUserState
  /** Database privileges the user holds on the Cargo database: CREATE, TEMP, ... */
  databasePrivileges: string[]
  functionRole: SqlFunctionRoleState
  /** USAGE ON LANGUAGE exfunc, held directly, through PUBLIC or a role. */
  exfuncUsage: boolean
  sourceSchemas: SqlSourceSchemaState[]
  externalFunction: SqlExternalFunctionState
}

/** Why a part of the state could not be read. */
export interface CollectionCause {
  service: string
  operation: string
  /** The IAM action that was denied, when the failure was an access denial. */
  iamAction?: string
  code?: string
  message: string
}

export interface UnavailableFact {
  /** JSON pointer into the state; every rule that reads at, above or below it is `error`. */
  pointer: string
  cause: CollectionCause
}

/** A value an IaC plan will only know after apply. */
export interface UnknownFact {
  pointer: string
  /** e.g. 'known after apply: aws_iam_role.cargo.arn' */
  reason: string
}

/** Where the resource behind a part of the state is defined (IaC sources). */
export interface SourceLocation {
  pointer: string
  file: string
  line: number
}

export interface StateSource {
  kind: 'aws' | 'snapshot' | 'terraform' | 'cloudformation'
  collectedAt: string
  accountId?: string
  partition?: Partition
  region?: string
  /** Which kind of Redshift the account uses; decides which rules apply. */
  deployment?: 'serverless' | 'provisioned'
  /** For IaC sources: the file the state was built from. */
  file?: string
}

/**
 * The names a state was read for: what the inputs named when it was collected (or, for IaC,
 * what the plan was searched for). A rule is judged on a saved state only when the state shows
 * that it holds the subject the inputs name now (see `src/state/subject.ts`); the account and
 * region are `source.accountId` and `source.region`. A name is recorded only when the part it
 * names was read: an absent name means that part was never looked up.
 */
export interface StateSubject {
  /** The workgroup (Serverless) or cluster (provisioned) the Redshift, network and SQL facts were read from. */
  target?: { kind: 'workgroup' | 'cluster'; name: string }
  /** The role looked up by name (role-name). Absent when it was found among Redshift's roles instead. */
  roleName?: string
  /** The cross-account policy looked up by name (policy-name). Absent when found among the role's policies. */
  policyName?: string
  lambdaUser?: string
  /** The Cargo database, DB user and function role the SQL facts were read for. */
  database?: string
  dbUser?: string
  functionRole?: string
  /** Source schemas read, as database.schema. */
  sourceSchemas?: string[]
}

export interface AccountState {
  schemaVersion: 1
  source: StateSource
  /** What the state was read for; absent in snapshots saved before it was recorded. */
  subject?: StateSubject
  iam: {
    crossAccountPolicy?: ManagedPolicyState | null
    role?: RoleState | null
    lambdaUser?: UserState | null
  }
  redshift?: RedshiftState | null
  network: {
    securityGroups?: SecurityGroupState[]
  }
  sql?: Partial<SqlState>
  unavailable: UnavailableFact[]
  /** IaC sources: values known only after apply; rules reading them are `unknown`. */
  unknown?: UnknownFact[]
  /** IaC sources: where resources are defined, for annotations and SARIF. */
  locations?: SourceLocation[]
}
