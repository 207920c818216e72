/**
 * The fix a report shows under each drifted finding, right for the situation:
 * - on a live account (or a snapshot of one), the exact changes the plan would make for it
 *   (`aws redshift modify-cluster …` for a cluster, `update-workgroup` for a workgroup; attach,
 *   not create, for a user that exists), whatever the remediate input says;
 * - on a Terraform plan or CloudFormation template, the change to make in the file (which
 *   resource, which attribute, which value): changing the live account behind the IaC's back
 *   would be undone by its next apply.
 * Pure: findings in, findings out.
 */
import type { Rule } from '../config/rule-set.types.js'
import { targetOf } from '../state/target.js'
import type { Finding } from '../evaluate/types.js'
import type { AccountState } from '../state/types.js'
import { planWithFixes } from './plan.js'
import type { PlanParameters } from './planner.js'

export interface AdviceInput {
  findings: Finding[]
  state: AccountState
  params: PlanParameters
  rules?: Rule[]
}

export function adviseFixes(input: AdviceInput): Finding[] {
  const kind = input.state.source.kind
  if (kind === 'terraform' || kind === 'cloudformation') {
    return input.findings.map((f) => {
      if (f.status !== 'fail') return f
      const fix = iacFix(f, kind, input)
      return fix ? { ...f, iacFix: fix } : f
    })
  }
  // Every rule and every opt-in as if allowed: the report shows the fix, apply still asks.
  let planned: ReturnType<typeof planWithFixes>
  try {
    planned = planWithFixes({
    state: input.state,
    findings: input.findings,
    params: {
      ...input.params,
      remediation: { ...input.params.remediation, remediate: ['all'], allowPublicAccess: true, dbUserPassword: input.params.remediation.dbUserPassword ?? 'given-at-apply-time' }
    },
    ...(input.rules ? { rules: input.rules } : {})
    })
  } catch {
    // Advice is extra: a state too thin to plan from leaves the rules' own fix texts.
    return input.findings
  }
  const { fixes, plan } = planned
  return input.findings.map((f) => {
    if (f.status !== 'fail') return f
    const steps = fixes.get(f)
    if (steps && steps.length > 0) return { ...f, fixSteps: steps.map((s) => ({ description: s.description, command: s.cli })) }
    // No step, for a reason the situation gives (the role is associated but still pending, the
    // policy has five versions): that reason is the fix, not the rule's generic text.
    const situational = plan.manual.find((m) => m.ruleId === f.ruleId && m.resource === f.resource && !GENERIC_REASON.test(m.reason))
    if (!situational) return f
    const reason = `${situational.reason[0]!.toUpperCase()}${situational.reason.slice(1)}.`
    return { ...f, remediation: { ...f.remediation, manual: reason } }
  })
}

/** Reasons the planner gives for any rule it has no step for: the rule's own text says more. */
const GENERIC_REASON = /^(no safe automatic fix exists|not in the remediate input|no automatic fix is known|could not be checked|the .* was not read)/

function quoteList(values: string[]): string {
  return values.map((v) => `"${v}"`).join(', ')
}

/** The change in the .tf file or template that makes the rule pass. */
function iacFix(f: Finding, kind: 'terraform' | 'cloudformation', input: AdviceInput): string | undefined {
  const { params, state } = input
  const tf = kind === 'terraform'
  const cluster = targetOf(params.target, state).deployment === 'provisioned'
  const partition = state.source.partition ?? 'aws'
  const cargo = params.target.cargoRoleArn ?? '<Cargo role ARN>'
  const role = params.target.roleName ?? state.iam.role?.name ?? '<role>'
  const at = f.source ? `In ${f.source.file}:${f.source.line}: ` : ''
  const service = /([a-z0-9-]+\.amazonaws\.com)/.exec(f.expected ?? '')?.[1]
  const lambdaUserPolicies = params.target.lambdaUserPolicyArns.length > 0 ? params.target.lambdaUserPolicyArns : [`arn:${partition}:iam::aws:policy/AWSLambda_FullAccess`]
  const text = ((): string | undefined => {
    switch (f.remediation.action) {
      case 'create-cross-account-policy':
        return tf
          ? `add a statement allowing "sts:AssumeRole" on "${cargo}" to the \`policy\` of the aws_iam_policy (e.g. a data "aws_iam_policy_document" statement with actions = ["sts:AssumeRole"] and resources = ["${cargo}"]).`
          : `add { Effect: Allow, Action: sts:AssumeRole, Resource: ${cargo} } to the PolicyDocument of the AWS::IAM::ManagedPolicy.`
      case 'create-role':
        return tf
          ? `declare resource "aws_iam_role" with name = "${role}" and an assume_role_policy trusting redshift.amazonaws.com and lambda.amazonaws.com.`
          : `declare an AWS::IAM::Role with RoleName: ${role} and an AssumeRolePolicyDocument trusting redshift.amazonaws.com and lambda.amazonaws.com.`
      case 'merge-trust-statement':
        return tf
          ? `in the assume_role_policy of aws_iam_role "${role}", add a statement with effect "Allow", actions ["sts:AssumeRole"] and principals { type = "Service", identifiers = ["${service ?? '<service>'}"] }.`
          : `in the AssumeRolePolicyDocument of role ${role}, add { Effect: Allow, Principal: { Service: ${service ?? '<service>'} }, Action: sts:AssumeRole }.`
      case 'attach-cross-account-policy':
        return tf
          ? `attach the cross-account policy to role "${role}": resource "aws_iam_role_policy_attachment" with role = "${role}" and policy_arn = the aws_iam_policy's arn (if a policy is attached already, it must allow sts:AssumeRole on "${cargo}").`
          : `add the cross-account policy to the role's ManagedPolicyArns (or the role to the ManagedPolicy's Roles); it must allow sts:AssumeRole on ${cargo}.`
      case 'attach-lambda-policies': {
        const arns = [`arn:${partition}:iam::aws:policy/AWSLambdaExecute`, `arn:${partition}:iam::aws:policy/service-role/AWSLambdaRole`]
        return tf
          ? `attach ${quoteList(arns)} to role "${role}" (one resource "aws_iam_role_policy_attachment" each, with policy_arn set to the ARN).`
          : `add ${arns.join(' and ')} to the ManagedPolicyArns of role ${role}.`
      }
      case 'associate-role':
        return tf
          ? cluster
            ? `add the role's ARN (aws_iam_role.<name>.arn) to iam_roles of the aws_redshift_cluster (or an aws_redshift_cluster_iam_roles resource).`
            : `add the role's ARN (aws_iam_role.<name>.arn) to iam_roles of the aws_redshiftserverless_namespace.`
          : cluster
            ? `add the role's ARN (!GetAtt <Role>.Arn) to IamRoles of the AWS::Redshift::Cluster.`
            : `add the role's ARN (!GetAtt <Role>.Arn) to IamRoles of the AWS::RedshiftServerless::Namespace.`
      case 'enable-public-access':
        return tf
          ? `set publicly_accessible = true on the ${cluster ? 'aws_redshift_cluster' : 'aws_redshiftserverless_workgroup'}.`
          : `set PubliclyAccessible: true on the ${cluster ? 'AWS::Redshift::Cluster' : 'AWS::RedshiftServerless::Workgroup'}.`
      case 'authorize-cargo-ingress':
        return tf
          ? `admit each of ${quoteList(params.target.cargoIps)} in the ${cluster ? 'cluster' : 'workgroup'}'s security group: resource "aws_vpc_security_group_ingress_rule" with ip_protocol = "-1" and cidr_ipv4 = the address (or an ingress block with protocol = "-1").`
          : `add to the SecurityGroupIngress of the ${cluster ? 'cluster' : 'workgroup'}'s security group { IpProtocol: -1, CidrIp: <address> } for each of ${params.target.cargoIps.join(', ')}.`
      case 'create-lambda-user':
        return tf
          ? `declare resource "aws_iam_user" with name = "${params.target.lambdaUser}" (if it is not declared) and attach ${quoteList(lambdaUserPolicies.slice(0, 1))} with resource "aws_iam_user_policy_attachment".`
          : `declare an AWS::IAM::User with UserName: ${params.target.lambdaUser} (if it is not declared) and ManagedPolicyArns including ${lambdaUserPolicies[0]}.`
      default:
        return undefined
    }
  })()
  return text ? `${at}${text[0]!.toUpperCase()}${text.slice(1)}` : undefined
}
