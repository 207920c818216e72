/**
 * findings + state + parameters -> Plan. Pure: no I/O, no clock unless `now` is omitted.
 *
 * Only failing rules are planned for (and rules skipped because a failing prerequisite holds them
 * back: creating a missing role also settles its trust). A rule becomes steps only when the
 * `remediate` input names it (or says 'all'); every other failing rule lands in `manual` with the
 * reason. Every step is additive: documents are merged keeping each statement already there, a
 * namespace keeps its roles and default role, ingress is added for exactly Cargo's addresses, and
 * nothing is ever deleted, detached, revoked or narrowed.
 */
import type { Parameters } from '../config/parameters.js'
import { partitionOfArn } from '../state/arn.js'
import type { Rule } from '../config/rule-set.types.js'
import { deploymentOf } from '../evaluate/engine.js'
import { judgeAdmitted } from '../evaluate/ingress.js'
import type { Finding } from '../evaluate/types.js'
import type { AccountState, PolicyDocument, PolicyStatement, SqlSourceSchemaState } from '../state/types.js'
import { VERSION } from '../version.js'
import { stateDigest } from './digest.js'
import {
  allowsAssumeRole,
  awsCli,
  crossAccountStatement,
  POLICY_VERSION,
  statementsOf,
  trusts,
  trustStatement,
  withStatements
} from './documents.js'
import * as sql from './sql.js'
import { PLAN_VERSION, type DataApiConnection, type ManualEntry, type Plan, type PlanStep, type PlanTarget } from './types.js'

export interface PlanInput {
  state: AccountState
  findings: Finding[]
  params: Parameters
  /** The rule set, to read a custom trust rule's service; the built-in ids are known without it. */
  rules?: Rule[]
  now?: Date
}

/** Services of the built-in trust rules, for when the rule set is not given. */
const TRUST_SERVICE_OF: Record<string, string> = {
  'iam-role-trusts-redshift': 'redshift.amazonaws.com',
  'iam-role-trusts-lambda': 'lambda.amazonaws.com'
}

const CARGO_TAG = 'cargo-redshift-guard'
const FUNCTION_PRIVILEGE = 'CREATE OR REPLACE FUNCTION'
const PREREQUISITE = /^prerequisite (\S+) did not pass \(/

/** Whether the remediate input lets apply fix this rule. */
export function allowedToFix(remediate: string[], ruleId: string): boolean {
  return remediate.includes('all') || remediate.includes(ruleId)
}

/** Where the Data API connects for SQL steps: exactly as the audit does. */
export function dataApiConnection(params: Parameters, state: AccountState): DataApiConnection {
  return {
    ...(params.workgroup ? { workgroupName: params.workgroup } : {}),
    ...(params.clusterIdentifier ? { clusterIdentifier: params.clusterIdentifier } : {}),
    ...(params.dataApiSecretArn ? { secretArn: params.dataApiSecretArn } : {}),
    ...(params.dataApiDbUser ? { dbUser: params.dataApiDbUser } : {}),
    database: params.dataApiDatabase ?? state.redshift?.dbName ?? 'dev'
  }
}

export function planTarget(params: Parameters, state: AccountState): PlanTarget {
  const deployment = deploymentOf(state, params)
  const accountId = state.source.accountId
  const namespaceName = state.redshift?.namespaceName
  return {
    kind: deployment === 'provisioned' ? 'cluster' : 'workgroup',
    name: params.workgroup ?? params.clusterIdentifier ?? state.redshift?.name ?? '',
    region: params.region ?? state.source.region ?? '',
    ...(accountId ? { accountId } : {}),
    partition: state.source.partition ?? partitionOfArn(params.cargoRoleArn ?? '') ?? 'aws',
    ...(namespaceName ? { namespaceName } : {}),
    dataApi: dataApiConnection(params, state)
  }
}

class Planner {
  readonly steps: PlanStep[] = []
  readonly manual: ManualEntry[] = []
  /** The steps planned for each finding: what a report shows as the exact fix. */
  readonly fixes = new Map<Finding, PlanStep[]>()
  private readonly claimed = new Set<Finding>()
  private readonly openCache = new Map<Finding, boolean>()

  constructor(private readonly input: PlanInput) {}

  get state(): AccountState {
    return this.input.state
  }
  get params(): Parameters {
    return this.input.params
  }

  /** A failing finding, or one skipped because a prerequisite that is itself open held it back. */
  isOpen(f: Finding, depth = 0): boolean {
    const cached = this.openCache.get(f)
    if (cached !== undefined) return cached
    let open = f.status === 'fail'
    if (f.status === 'skipped' && depth < 20) {
      const id = PREREQUISITE.exec(f.message)?.[1]
      if (id) {
        const prerequisites = this.input.findings.filter((p) => p.ruleId === id)
        const relevant = prerequisites.length > 1 ? prerequisites.filter((p) => p.resource === f.resource) : prerequisites
        open = relevant.some((p) => this.isOpen(p, depth + 1))
      }
    }
    this.openCache.set(f, open)
    return open
  }

  allowed(f: Finding): boolean {
    return allowedToFix(this.params.remediate, f.ruleId)
  }

  /** Open, allowed, unclaimed findings whose remediation is `action`. */
  pending(action: string): Finding[] {
    return this.input.findings.filter(
      (f) => f.remediation.action === action && !this.claimed.has(f) && this.isOpen(f) && this.allowed(f)
    )
  }

  claim(findings: Finding[], step?: PlanStep): void {
    for (const f of findings) {
      this.claimed.add(f)
      if (step && !step.ruleIds.includes(f.ruleId)) step.ruleIds.push(f.ruleId)
    }
  }

  addManual(f: Finding, reason: string, instructions: string | undefined = f.remediation.manual): void {
    this.claimed.add(f)
    if (this.manual.some((m) => m.ruleId === f.ruleId && m.resource === f.resource && m.reason === reason)) return
    this.manual.push({ ruleId: f.ruleId, resource: f.resource, reason, ...(instructions ? { instructions } : {}) })
  }

  /**
   * The state shows nothing to add for this finding. A failing rule then fails for a reason no
   * step can address (said in `manual`); a rule merely held back by a prerequisite is explained
   * by the prerequisite's own entry.
   */
  nothingToDo(f: Finding, reason: string): void {
    if (f.status === 'fail') this.addManual(f, reason)
    else this.claimed.add(f)
  }

  add(step: Omit<PlanStep, 'ruleIds' | 'dependsOn'> & { dependsOn?: Array<string | undefined> }, findings: Finding[]): PlanStep {
    if (this.steps.some((s) => s.id === step.id)) throw new Error(`duplicate plan step id ${step.id}`)
    const full: PlanStep = {
      ...step,
      ruleIds: [],
      dependsOn: [...new Set((step.dependsOn ?? []).filter((d): d is string => d !== undefined))]
    }
    this.steps.push(full)
    this.claim(findings, full)
    for (const f of findings) this.fixes.set(f, [...(this.fixes.get(f) ?? []), full])
    return full
  }

  /** Findings that are open but not fixed by a step and not yet explained: every one gets a reason. */
  settle(): void {
    for (const f of this.input.findings) {
      if (this.claimed.has(f)) continue
      if (f.status === 'error') {
        this.addManual(f, `could not be checked, so no fix is planned: ${f.message}`, f.howToCheck)
        continue
      }
      if (!this.isOpen(f)) continue
      if (!f.remediation.action) this.addManual(f, 'no safe automatic fix exists: this one needs a person')
      else if (!this.allowed(f)) {
        this.addManual(f, `not in the remediate input: add '${f.ruleId}' (or 'all') to let apply fix it (${f.remediation.action})`)
      } else this.addManual(f, `no automatic fix is known for action '${f.remediation.action}'`)
    }
    const order = new Map(this.input.findings.map((f, i) => [`${f.ruleId}\u0000${f.resource}`, i]))
    this.manual.sort((a, b) => (order.get(`${a.ruleId}\u0000${a.resource}`) ?? 0) - (order.get(`${b.ruleId}\u0000${b.resource}`) ?? 0))
  }
}

function document(statements: PolicyStatement[]): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: statements }
}

const json = (value: unknown) => JSON.stringify(value)

/** The API call and its CLI twin for attaching a managed policy to a role or a user. */
function attachPolicy(entity: 'role' | 'user', name: string, policyArn: string): Pick<PlanStep, 'service' | 'operation' | 'request' | 'cli'> {
  const Entity = entity === 'role' ? 'Role' : 'User'
  return {
    service: 'iam' as const,
    operation: `Attach${Entity}Policy`,
    request: { [`${Entity}Name`]: name, PolicyArn: policyArn },
    cli: awsCli('iam', `attach-${entity}-policy`, [
      [`${entity}-name`, name],
      ['policy-arn', policyArn]
    ])
  }
}

/**
 * Plans the additive changes that make the failing rules pass. Step order: cross-account policy,
 * role, trust, attachments, namespace/cluster association, public access, ingress, Lambda user,
 * then SQL (CREATE DATABASE alone, then users and roles, then grants).
 */
export function planRemediation(input: PlanInput): Plan {
  return planWithFixes(input).plan
}

/** The plan, and which of its steps fix which finding. */
export function planWithFixes(input: PlanInput): { plan: Plan; fixes: Map<Finding, PlanStep[]> } {
  const { state, params } = input
  const p = new Planner(input)
  const target = planTarget(params, state)
  const { partition, region } = target
  const accountId = state.source.accountId ?? (state.iam.role?.arn ? state.iam.role.arn.split(':')[4] : undefined)
  const redshift = state.redshift ?? undefined
  const serverless = target.kind === 'workgroup'
  const awsManaged = (name: string) => `arn:${partition}:iam::aws:policy/${name}`

  // --- 1. The cross-account policy ---------------------------------------------------------------
  let policyArn = state.iam.crossAccountPolicy?.arn
  let policyStep: PlanStep | undefined
  for (const f of p.pending('create-cross-account-policy').slice(0, 1)) {
    const policy = state.iam.crossAccountPolicy
    const cargo = params.cargoRoleArn
    if (!cargo) p.addManual(f, "input 'cargo-role-arn' is not set")
    else if (policy === undefined) p.addManual(f, 'the cross-account policy was not read')
    else if (policy === null) {
      if (!params.policyName) {
        p.addManual(f, "set the policy-name input to let apply create the policy (the name is yours to choose)")
      } else if (!accountId) {
        p.addManual(f, 'the account id is unknown (sts:GetCallerIdentity failed), so the policy ARN cannot be known')
      } else {
        const doc = document([crossAccountStatement(cargo)])
        policyArn = `arn:${partition}:iam::${accountId}:policy/${params.policyName}`
        policyStep = p.add(
          {
            id: 'create-cross-account-policy',
            action: 'create-cross-account-policy',
            service: 'iam',
            operation: 'CreatePolicy',
            request: { PolicyName: params.policyName, PolicyDocument: doc, Description: `Lets Redshift assume Cargo's role (${CARGO_TAG})` },
            resource: policyArn,
            cli: awsCli('iam', 'create-policy', [
              ['policy-name', params.policyName],
              ['policy-document', json(doc)]
            ]),
            description: `Create the customer-managed policy ${params.policyName} allowing sts:AssumeRole on Cargo's role ${cargo}.`
          },
          [f]
        )
      }
    } else {
      const existing = statementsOf(policy.document)
      const cargoStatement = crossAccountStatement(cargo, existing)
      const doc = withStatements(policy.document, [cargoStatement])
      if (!allowsAssumeRole(doc, cargo)) {
        p.addManual(
          f,
          `even with Cargo's statement added, policy ${policy.name} would not allow sts:AssumeRole on ${cargo}: a Deny or a condition in it stands in the way, and this tool never removes or edits statements`
        )
      } else if ((policy.versionCount ?? 0) >= 5) {
        p.addManual(
          f,
          `policy ${policy.name} already has ${policy.versionCount} versions, the most IAM keeps, and this tool never deletes one. Delete an old non-default version (aws iam delete-policy-version --policy-arn ${policy.arn} --version-id <vN>), then plan again`
        )
      } else {
        policyStep = p.add(
          {
            id: 'create-cross-account-policy',
            action: 'create-cross-account-policy',
            service: 'iam',
            operation: 'CreatePolicyVersion',
            request: { PolicyArn: policy.arn, PolicyDocument: doc, SetAsDefault: true },
            resource: policy.arn,
            cli: awsCli('iam', 'create-policy-version', [
              ['policy-arn', policy.arn],
              ['policy-document', json(doc)],
              ['set-as-default', true]
            ]),
            description:
              `Add a new default version to policy ${policy.name}: its ${existing.length} existing statement(s) unchanged, plus one allowing sts:AssumeRole on ${cargo}.` +
              (policy.versionCount === undefined ? ' (Its version count was not read: IAM refuses a sixth version.)' : ` It has ${policy.versionCount} version(s); no version is deleted.`),
            merge: { kind: 'statements', add: [cargoStatement as unknown as Record<string, unknown>] }
          },
          [f]
        )
      }
    }
  }

  // --- 2. The role ------------------------------------------------------------------------------
  const role = state.iam.role
  const roleName = role?.name ?? params.roleName
  let roleArn = role?.arn || undefined
  let roleStep: PlanStep | undefined
  const serviceOf = (f: Finding): string | undefined => {
    const rule = input.rules?.find((r) => r.id === f.ruleId)
    const service = rule?.then['trustsService']
    return typeof service === 'string' ? service : TRUST_SERVICE_OF[f.ruleId]
  }
  if (role === null) {
    for (const f of p.pending('create-role').slice(0, 1)) {
      if (!roleName) p.addManual(f, 'set the role-name input to let apply create the role')
      else if (!accountId) p.addManual(f, 'the account id is unknown (sts:GetCallerIdentity failed), so the role ARN cannot be known')
      else {
        const trustFindings = p.pending('merge-trust-statement').filter((t) => serviceOf(t) !== undefined)
        const services = [...new Set(['redshift.amazonaws.com', ...trustFindings.map((t) => serviceOf(t) as string)])]
        const trust = document(services.map(trustStatement))
        roleArn = `arn:${partition}:iam::${accountId}:role/${roleName}`
        roleStep = p.add(
          {
            id: 'create-role',
            action: 'create-role',
            service: 'iam',
            operation: 'CreateRole',
            request: { RoleName: roleName, AssumeRolePolicyDocument: trust, Description: `Cargo on Redshift (${CARGO_TAG})` },
            resource: roleArn,
            cli: awsCli('iam', 'create-role', [
              ['role-name', roleName],
              ['assume-role-policy-document', json(trust)]
            ]),
            description: `Create the role ${roleName}, trusted by ${services.join(' and ')} to sts:AssumeRole.`
          },
          [f, ...trustFindings]
        )
      }
    }
  }
  const roleWillExist = Boolean(role) || roleStep !== undefined
  const noRole = 'the role does not exist and this plan does not create it (see iam-role-exists)'

  // --- 3. Trust -----------------------------------------------------------------------------------
  const trustFindings = p.pending('merge-trust-statement')
  if (trustFindings.length > 0) {
    if (!role) for (const f of trustFindings) p.addManual(f, noRole)
    else {
      const wanted: Array<{ f: Finding; service: string }> = []
      for (const f of trustFindings) {
        const service = serviceOf(f)
        if (!service) p.addManual(f, 'the rule names no trustsService, so the statement to add is unknown')
        else if (trusts(role.trustPolicy, service)) p.nothingToDo(f, `the trust policy already allows ${service}; the rule fails for another reason`)
        else wanted.push({ f, service })
      }
      const merged = withStatements(role.trustPolicy, wanted.map((w) => trustStatement(w.service)))
      const fixable = wanted.filter((w) => {
        if (trusts(merged, w.service)) return true
        p.addManual(w.f, `even with the statement added, the trust policy would not let ${w.service} assume the role (a Deny stands in the way); this tool never removes statements`)
        return false
      })
      if (fixable.length > 0) {
        const add = fixable.map((w) => trustStatement(w.service))
        const doc = withStatements(role.trustPolicy, add)
        p.add(
          {
            id: 'merge-trust-statement',
            action: 'merge-trust-statement',
            service: 'iam',
            operation: 'UpdateAssumeRolePolicy',
            request: { RoleName: role.name, PolicyDocument: doc },
            resource: role.arn,
            cli: awsCli('iam', 'update-assume-role-policy', [
              ['role-name', role.name],
              ['policy-document', json(doc)]
            ]),
            description: `Add trust for ${fixable.map((w) => w.service).join(' and ')} to role ${role.name}, keeping its ${statementsOf(role.trustPolicy).length} existing statement(s).`,
            merge: { kind: 'statements', add: add as unknown as Record<string, unknown>[] }
          },
          fixable.map((w) => w.f)
        )
      }
    }
  }

  // --- 4. Attachments -----------------------------------------------------------------------------
  const attached = (arn: string) => Boolean(role?.policies.some((x) => x.arn === arn))
  for (const f of p.pending('attach-cross-account-policy').slice(0, 1)) {
    if (!roleWillExist || !roleName || !roleArn) p.addManual(f, noRole)
    else if (!policyArn) p.addManual(f, 'there is no cross-account policy to attach, and this plan does not create one (see iam-cross-account-policy)')
    else if (attached(policyArn)) {
      if (policyStep) p.claim([f], policyStep)
      else p.addManual(f, `policy ${policyArn} is attached but does not allow sts:AssumeRole on Cargo's role (see iam-cross-account-policy)`)
    } else {
      p.add(
        {
          id: 'attach-cross-account-policy',
          action: 'attach-cross-account-policy',
          ...attachPolicy('role', roleName, policyArn),
          resource: roleArn,
          description: `Attach the cross-account policy ${policyArn} to role ${roleName}.`,
          dependsOn: [roleStep?.id, policyStep?.id]
        },
        [f]
      )
    }
  }
  for (const f of p.pending('attach-lambda-policies').slice(0, 1)) {
    if (!roleWillExist || !roleName || !roleArn) {
      p.addManual(f, noRole)
      continue
    }
    const missing = [awsManaged('AWSLambdaExecute'), awsManaged('service-role/AWSLambdaRole')].filter((arn) => !attached(arn))
    if (missing.length === 0) p.nothingToDo(f, 'both Lambda policies are attached already; the rule fails for another reason')
    for (const arn of missing) {
      const name = arn.slice(arn.lastIndexOf('/') + 1)
      p.add(
        {
          id: `attach-lambda-policy:${name}`,
          action: 'attach-lambda-policies',
          ...attachPolicy('role', roleName, arn),
          resource: roleArn,
          description: `Attach the AWS managed policy ${name} to role ${roleName}.`,
          dependsOn: [roleStep?.id]
        },
        [f]
      )
    }
  }

  // --- 5. Association with the namespace / cluster ------------------------------------------------
  const noRedshift = `the Redshift ${target.kind} was not found`
  for (const f of p.pending('associate-role').slice(0, 1)) {
    if (!redshift) p.addManual(f, noRedshift)
    else if (!roleWillExist || !roleArn) p.addManual(f, noRole)
    else {
      const present = redshift.iamRoles.find((r) => r.arn === roleArn)
      if (present) {
        p.addManual(f, `the role is associated, with applyStatus '${present.applyStatus ?? 'unknown'}': wait until it is in-sync and audit again`)
      } else if (serverless) {
        const namespaceName = redshift.namespaceName
        if (!namespaceName) p.addManual(f, 'the workgroup names no namespace')
        else {
          const roles = [...redshift.iamRoles.map((r) => r.arn), roleArn]
          const defaultRole = redshift.defaultIamRoleArn ?? roleArn
          p.add(
            {
              id: 'associate-role',
              action: 'associate-role',
              service: 'redshift-serverless',
              operation: 'UpdateNamespace',
              request: { namespaceName, iamRoles: roles, defaultIamRoleArn: defaultRole },
              resource: `redshift-serverless:namespace/${namespaceName}`,
              cli: awsCli('redshift-serverless', 'update-namespace', [
                ['namespace-name', namespaceName],
                ['iam-roles', roles],
                ['default-iam-role-arn', defaultRole]
              ], region),
              description:
                `Associate role ${roleArn} with namespace ${namespaceName}, keeping its ${redshift.iamRoles.length} role(s)` +
                (redshift.defaultIamRoleArn ? ` and its default role ${redshift.defaultIamRoleArn}.` : `; it becomes the default role, as there is none.`) +
                ' iamRoles is a full replacement, so apply re-reads the namespace first and keeps any role added meanwhile.',
              dependsOn: [roleStep?.id],
              merge: { kind: 'roles', add: [roleArn], defaultIfNone: roleArn }
            },
            [f]
          )
        }
      } else {
        p.add(
          {
            id: 'associate-role',
            action: 'associate-role',
            service: 'redshift',
            operation: 'ModifyClusterIamRoles',
            request: { ClusterIdentifier: redshift.name, AddIamRoles: [roleArn] },
            resource: `redshift:cluster/${redshift.name}`,
            cli: awsCli('redshift', 'modify-cluster-iam-roles', [
              ['cluster-identifier', redshift.name],
              ['add-iam-roles', [roleArn]]
            ], region),
            description: `Add role ${roleArn} to cluster ${redshift.name} (AddIamRoles: the roles there stay).`,
            dependsOn: [roleStep?.id]
          },
          [f]
        )
      }
    }
  }

  // --- 6. Public accessibility (opt-in) -------------------------------------------------------------
  for (const f of p.pending('enable-public-access').slice(0, 1)) {
    if (!redshift) p.addManual(f, noRedshift)
    else if (!params.allowPublicAccess) {
      p.addManual(
        f,
        'allow-public-access is false: making Redshift publicly accessible opens its endpoint to the internet (the security groups still filter it), so apply does it only when allow-public-access is true'
      )
    } else if (serverless) {
      p.add(
        {
          id: 'enable-public-access',
          action: 'enable-public-access',
          service: 'redshift-serverless',
          operation: 'UpdateWorkgroup',
          request: { workgroupName: redshift.name, publiclyAccessible: true },
          resource: `redshift-serverless:workgroup/${redshift.name}`,
          cli: awsCli('redshift-serverless', 'update-workgroup', [
            ['workgroup-name', redshift.name],
            ['publicly-accessible', true]
          ], region),
          description: `Make workgroup ${redshift.name} publicly accessible (allow-public-access is true). Only this one setting changes.`
        },
        [f]
      )
    } else {
      p.add(
        {
          id: 'enable-public-access',
          action: 'enable-public-access',
          service: 'redshift',
          operation: 'ModifyCluster',
          request: { ClusterIdentifier: redshift.name, PubliclyAccessible: true },
          resource: `redshift:cluster/${redshift.name}`,
          cli: awsCli('redshift', 'modify-cluster', [
            ['cluster-identifier', redshift.name],
            ['publicly-accessible', true]
          ], region),
          description: `Make cluster ${redshift.name} publicly accessible (allow-public-access is true).`
        },
        [f]
      )
    }
  }

  // --- 7. Ingress for Cargo's addresses ------------------------------------------------------------
  for (const f of p.pending('authorize-cargo-ingress').slice(0, 1)) {
    const groupId = redshift?.securityGroupIds[0]
    const groups = state.network.securityGroups ?? []
    if (!redshift) p.addManual(f, noRedshift)
    else if (!groupId) p.addManual(f, `the ${target.kind} has no security group to add the rule to`)
    else if (!groups.some((g) => g.id === groupId)) p.addManual(f, `security group ${groupId} was not found in EC2`)
    else {
      const port = redshift.endpoint?.port
      const missing = params.cargoIps.filter((cidr) => !judgeAdmitted(groups, [cidr], port).ok)
      if (missing.length === 0) p.nothingToDo(f, "every Cargo address is admitted already; the rule fails for another reason")
      for (const cidr of missing) {
        const v6 = cidr.includes(':')
        const permission = v6
          ? { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: cidr, Description: 'Cargo' }] }
          : { IpProtocol: '-1', IpRanges: [{ CidrIp: cidr, Description: 'Cargo' }] }
        p.add(
          {
            id: `authorize-cargo-ingress:${cidr}`,
            action: 'authorize-cargo-ingress',
            service: 'ec2',
            operation: 'AuthorizeSecurityGroupIngress',
            request: { GroupId: groupId, IpPermissions: [permission] },
            resource: groupId,
            cli: awsCli('ec2', 'authorize-security-group-ingress', [
              ['group-id', groupId],
              ['ip-permissions', v6 ? `IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=${cidr},Description=Cargo}]` : `IpProtocol=-1,IpRanges=[{CidrIp=${cidr},Description=Cargo}]`]
            ], region),
            description: `Admit Cargo's address ${cidr} (all traffic, as Cargo's guide says) in security group ${groupId}, the ${target.kind}'s first.`
          },
          [f]
        )
      }
    }
  }

  // --- 8. The Lambda user ------------------------------------------------------------------------------
  for (const f of p.pending('create-lambda-user').slice(0, 1)) {
    const user = state.iam.lambdaUser
    const name = params.lambdaUser
    const accepted = params.lambdaUserPolicyArns.length > 0 ? params.lambdaUserPolicyArns : [awsManaged('AWSLambda_FullAccess')]
    const policy = accepted[0] as string
    const userArn = user?.arn || (accountId ? `arn:${partition}:iam::${accountId}:user/${name}` : `iam:user/${name}`)
    if (user === undefined) {
      p.addManual(f, 'the Lambda user was not read')
      continue
    }
    let createStep: PlanStep | undefined
    if (user === null) {
      createStep = p.add(
        {
          id: 'create-lambda-user',
          action: 'create-lambda-user',
          service: 'iam',
          operation: 'CreateUser',
          request: { UserName: name },
          resource: userArn,
          cli: awsCli('iam', 'create-user', [['user-name', name]]),
          description: `Create the IAM user ${name} for Cargo's Lambda functions. No access key is created: that stays a manual step.`
        },
        [f]
      )
    }
    if (!user || !user.policies.some((x) => x.arn !== undefined && accepted.includes(x.arn))) {
      p.add(
        {
          id: 'attach-lambda-user-policy',
          action: 'create-lambda-user',
          ...attachPolicy('user', name, policy),
          resource: userArn,
          description: `Attach ${policy} to the user ${name}.`,
          dependsOn: [createStep?.id]
        },
        [f]
      )
    } else if (!createStep) p.nothingToDo(f, 'the user exists with an accepted policy; the rule fails for another reason')
  }

  // --- 9. SQL ------------------------------------------------------------------------------------------
  const s = state.sql ?? {}
  const dataApi = target.dataApi
  const sqlStep = (
    step: { id: string; action: string; sql: string; database: string; resource: string; description: string; dependsOn?: Array<string | undefined>; needsPassword?: boolean },
    findings: Finding[]
  ): PlanStep =>
    p.add(
      {
        id: step.id,
        action: step.action,
        service: 'redshift-data',
        operation: 'ExecuteStatement',
        request: { ...connectionRequest(dataApi), Database: step.database, Sql: step.sql },
        sql: step.sql,
        database: step.database,
        resource: step.resource,
        cli: `-- connected to database ${step.database}\n${step.sql};`,
        description: step.description,
        dependsOn: step.dependsOn ?? [],
        ...(step.needsPassword ? { needsPassword: true } : {})
      },
      findings
    )

  let databaseStep: PlanStep | undefined
  for (const f of p.pending('sql-create-database').slice(0, 1)) {
    if (dataApi.database === params.database) {
      p.addManual(f, `the Data API connects to ${params.database} itself, which does not exist; set data-api-database to another database (e.g. dev)`)
    } else {
      databaseStep = sqlStep(
        {
          id: 'sql-create-database',
          action: 'sql-create-database',
          sql: sql.createDatabaseSql(params.database),
          database: dataApi.database,
          resource: `sql:database/${params.database}`,
          description: `Create the database ${params.database}, on its own (CREATE DATABASE cannot run inside a transaction).`
        },
        [f]
      )
    }
  }
  const databaseWillExist = s.database?.exists === true || databaseStep !== undefined

  let userStep: PlanStep | undefined
  for (const f of p.pending('sql-create-user').slice(0, 1)) {
    if (s.user?.exists) {
      p.addManual(f, `user ${params.dbUser} is a superuser; this tool never narrows privileges (ALTER USER ${params.dbUser} NOCREATEUSER by hand, if that is intended)`)
    } else if (params.dbUserPassword === undefined) {
      p.addManual(f, 'no db-user-password was given, so apply does not create the user (pass it as a secret; it is never written to the plan)')
    } else {
      userStep = sqlStep(
        {
          id: 'sql-create-user',
          action: 'sql-create-user',
          sql: sql.createUserSql(params.dbUser),
          database: dataApi.database,
          resource: `sql:user/${params.dbUser}`,
          description: `Create the database user ${params.dbUser} (not a superuser) with the password given in db-user-password.`,
          needsPassword: true
        },
        [f]
      )
    }
  }
  const userWillExist = s.user?.exists === true || userStep !== undefined
  const needs = (database: boolean): string | undefined =>
    !userWillExist
      ? `user ${params.dbUser} does not exist and this plan does not create it (see sql-user)`
      : database && !databaseWillExist
        ? `database ${params.database} does not exist and this plan does not create it (see sql-database)`
        : undefined

  for (const f of p.pending('sql-grant-database').slice(0, 1)) {
    const missing = needs(true)
    const held = s.databasePrivileges ?? []
    if (s.user?.exists && held.includes('CREATE') && (held.includes('TEMP') || held.includes('TEMPORARY'))) {
      p.nothingToDo(f, 'the user holds CREATE and TEMP already; the rule fails for another reason')
    } else if (missing) p.addManual(f, missing)
    else {
      sqlStep(
        {
          id: 'sql-grant-database',
          action: 'sql-grant-database',
          sql: sql.grantDatabaseSql(params.database, params.dbUser),
          database: dataApi.database,
          resource: `sql:database/${params.database}`,
          description: `Grant ALL on database ${params.database} to ${params.dbUser} (CREATE and TEMP).`,
          dependsOn: [databaseStep?.id, userStep?.id]
        },
        [f]
      )
    }
  }

  for (const f of p.pending('sql-function-role').slice(0, 1)) {
    const role = s.functionRole
    const name = params.functionRole
    if (!role) {
      p.addManual(f, 'the function role was not read')
      continue
    }
    if (role.exists && role.systemPrivileges.includes(FUNCTION_PRIVILEGE) && role.grantedToUser) {
      p.nothingToDo(f, 'the role exists, holds the privilege and is granted; the rule fails for another reason')
      continue
    }
    let createRole: PlanStep | undefined
    if (!role.exists) {
      createRole = sqlStep(
        {
          id: 'sql-create-function-role',
          action: 'sql-function-role',
          sql: sql.createRoleSql(name),
          database: dataApi.database,
          resource: `sql:role/${name}`,
          description: `Create the role ${name}.`
        },
        [f]
      )
    }
    if (!role.exists || !role.systemPrivileges.includes(FUNCTION_PRIVILEGE)) {
      sqlStep(
        {
          id: 'sql-grant-function-privilege',
          action: 'sql-function-role',
          sql: sql.grantFunctionPrivilegeSql(name),
          database: dataApi.database,
          resource: `sql:role/${name}`,
          description: `Grant CREATE OR REPLACE FUNCTION to the role ${name}.`,
          dependsOn: [createRole?.id]
        },
        [f]
      )
    }
    if (!role.exists || !role.grantedToUser) {
      const missing = needs(false)
      if (missing) p.addManual(f, `the role cannot be granted: ${missing}`)
      else {
        sqlStep(
          {
            id: 'sql-grant-function-role',
            action: 'sql-function-role',
            sql: sql.grantRoleSql(name, params.dbUser),
            database: dataApi.database,
            resource: `sql:role/${name}`,
            description: `Grant the role ${name} to ${params.dbUser}.`,
            dependsOn: [createRole?.id, userStep?.id]
          },
          [f]
        )
      }
    }
  }

  for (const f of p.pending('sql-grant-exfunc').slice(0, 1)) {
    const missing = needs(true)
    if (s.user?.exists && s.exfuncUsage === true) p.nothingToDo(f, 'the user may use exfunc already; the rule fails for another reason')
    else if (missing) p.addManual(f, missing)
    else {
      sqlStep(
        {
          id: 'sql-grant-exfunc',
          action: 'sql-grant-exfunc',
          sql: sql.grantExfuncSql(params.dbUser),
          database: params.database,
          resource: `sql:database/${params.database}`,
          description: `Grant USAGE ON LANGUAGE exfunc to ${params.dbUser}, in database ${params.database} (language privileges are per database).`,
          dependsOn: [databaseStep?.id, userStep?.id]
        },
        [f]
      )
    }
  }

  const schemaOf = (f: Finding): SqlSourceSchemaState | undefined =>
    (s.sourceSchemas ?? []).find((x) => f.resource === `sql:schema/${x.database}.${x.schema}`)
  for (const f of p.pending('sql-grant-source-select')) {
    const schema = schemaOf(f)
    const missing = needs(false)
    if (!schema) p.addManual(f, 'the schema is not in the collected state')
    else if (!schema.exists) p.addManual(f, `schema ${schema.database}.${schema.schema} does not exist; this tool never creates source schemas`)
    else if (missing) p.addManual(f, missing)
    else {
      const where = `${schema.database}.${schema.schema}`
      if (!schema.usage) {
        sqlStep(
          {
            id: `sql-grant-schema-usage:${where}`,
            action: 'sql-grant-source-select',
            sql: sql.grantSchemaUsageSql(schema.schema, params.dbUser),
            database: schema.database,
            resource: `sql:schema/${where}`,
            description: `Grant USAGE on schema ${where} to ${params.dbUser}.`,
            dependsOn: [userStep?.id]
          },
          [f]
        )
      }
      if (schema.tables.some((t) => !t.select)) {
        sqlStep(
          {
            id: `sql-grant-select:${where}`,
            action: 'sql-grant-source-select',
            sql: sql.grantSelectAllTablesSql(schema.schema, params.dbUser),
            database: schema.database,
            resource: `sql:schema/${where}`,
            description: `Grant SELECT on every table of ${where} to ${params.dbUser} (${schema.tables.filter((t) => !t.select).length} table(s) lack it).`,
            dependsOn: [userStep?.id]
          },
          [f]
        )
      }
      if (schema.usage && !schema.tables.some((t) => !t.select)) p.nothingToDo(f, 'USAGE and SELECT are held already; the rule fails for another reason')
    }
  }

  for (const f of p.pending('sql-default-privileges')) {
    const schema = schemaOf(f)
    const missing = needs(false)
    const uncovered = schema?.uncoveredOwners ?? []
    if (!schema) p.addManual(f, 'the schema is not in the collected state')
    else if (!schema.exists) p.addManual(f, `schema ${schema.database}.${schema.schema} does not exist`)
    else if (schema.uncoveredOwners === undefined && !schema.defaultSelect) {
      p.addManual(f, `the owners of future tables in ${schema.database}.${schema.schema} are not in the state; run ALTER DEFAULT PRIVILEGES FOR USER <owner> IN SCHEMA ${schema.schema} GRANT SELECT ON TABLES TO ${params.dbUser} for each`)
    } else if (s.user?.exists && (schema.defaultSelect || uncovered.length === 0)) {
      p.nothingToDo(f, 'default privileges cover the owners of new tables already; the rule fails for another reason')
    } else if (missing) p.addManual(f, missing)
    else {
      const where = `${schema.database}.${schema.schema}`
      for (const owner of uncovered) {
        sqlStep(
          {
            id: `sql-default-privileges:${where}:${owner}`,
            action: 'sql-default-privileges',
            sql: sql.defaultSelectSql(owner, schema.schema, params.dbUser),
            database: schema.database,
            resource: `sql:schema/${where}`,
            description: `Make tables ${owner} creates later in ${where} readable by ${params.dbUser} (default privileges FOR USER ${owner}; needs a superuser session or ${owner} itself).`,
            dependsOn: [userStep?.id]
          },
          [f]
        )
      }
    }
  }

  for (const f of p.pending('sql-grant-external-function').slice(0, 1)) {
    const role = s.functionRole
    const name = params.functionRole
    const missing = needs(false)
    const planned = (id: string) => p.steps.find((step) => step.id === id)
    const createRole = planned('sql-create-function-role')
    const grantRole = planned('sql-grant-function-role')
    if (s.externalFunction?.allowed === true) p.nothingToDo(f, 'the user may create external functions already; the rule fails for another reason')
    else if (!(role?.exists || createRole) || !(role?.grantedToUser || grantRole)) {
      p.addManual(f, `the function role ${name} must exist and be granted to ${params.dbUser} first (see sql-function-role)`)
    } else if (missing) p.addManual(f, missing)
    else {
      sqlStep(
        {
          id: 'sql-grant-external-function',
          action: 'sql-grant-external-function',
          sql: sql.grantExternalFunctionPrivilegeSql(name),
          database: dataApi.database,
          resource: `sql:user/${params.dbUser}`,
          description: `Grant CREATE OR REPLACE EXTERNAL FUNCTION to the role ${name}, which ${params.dbUser} holds (Lambda UDFs need it).`,
          dependsOn: [createRole?.id, grantRole?.id]
        },
        [f]
      )
    }
  }

  p.settle()
  const plan: Plan = {
    planVersion: PLAN_VERSION,
    createdAt: (input.now ?? new Date()).toISOString(),
    tool: { name: 'cargo-redshift-guard', version: VERSION },
    target,
    stateDigest: stateDigest(state),
    remediate: [...params.remediate],
    steps: p.steps,
    manual: p.manual
  }
  return { plan, fixes: p.fixes }
}

/** The Data API connection fields as ExecuteStatement names them. */
export function connectionRequest(c: DataApiConnection): Record<string, string> {
  return {
    ...(c.workgroupName ? { WorkgroupName: c.workgroupName } : {}),
    ...(c.clusterIdentifier ? { ClusterIdentifier: c.clusterIdentifier } : {}),
    ...(c.secretArn ? { SecretArn: c.secretArn } : {}),
    ...(c.dbUser ? { DbUser: c.dbUser } : {})
  }
}
