import type { IngressRule } from '../../../state/types.js'
import { accountOnlyReason, known, normalizeIamPath, notKnown, type Val } from '../common.js'
import { emptyModel, type IacModel, type Origin } from '../model.js'
import type { CloudFormationOptions, Template, TemplateResource } from './template.js'
import { NO_ATTRIBUTE, NO_VALUE, Unresolved } from './unresolved.js'
import { boolVal, documentVal, ingressFrom, inlinePolicies, listVal, numberVal, optionalStringVal, stringVal } from './values.js'

/**
 * The CloudFormation resource types the Cargo setup uses, one entry each (the way a registry
 * maps a resource type to its handlers): what `Ref`/`Fn::GetAtt` of it give inside the
 * template (`attribute`), and what it contributes to the IaC model (`read`). A template's
 * other types are skipped, and their attributes are known only after deploy.
 */

/** What an attribute reader may ask of its resource. */
export interface AttributeContext {
  id: string
  /** A property, resolved. */
  prop: (name: string) => unknown
  /** A name property, or the stand-in for the name CloudFormation generates. */
  nameOr: (name: string) => unknown
  /** The IAM ARN of a role, policy or user from its name property and Path. */
  arnOf: (kind: 'role' | 'policy' | 'user', nameProp: string) => unknown
}

/** The attribute's value (possibly undefined), or NO_ATTRIBUTE when the type has no such attribute here. */
type AttributeReader = (attr: string, ctx: AttributeContext) => unknown

export interface ReadContext {
  model: IacModel
  base: { origin: Origin; deleted: boolean }
  /** A property, resolved (Unresolved throughout when the resource may not be created). */
  p: (name: string) => unknown
  /** Ref (attr 'Ref') or Fn::GetAtt of this resource. */
  ref: (attr: string) => unknown
  /** LogicalId.Property, to name a property in a reason. */
  what: (prop: string) => string
}

type ResourceReader = (r: TemplateResource, ctx: ReadContext) => void

export interface CloudFormationResourceType {
  attribute?: AttributeReader
  read?: ResourceReader
}

function symbolicString(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback
}

const symbolic = (ctx: AttributeContext, attr: string) => `<known after deploy: ${ctx.id}.${attr}>`

/** AWS::IAM::Role */
const readRole: ResourceReader = (r, { model, base, p, ref, what }) => {
  const name = ref('Ref')
  model.roles.push({
    ...base,
    name: stringVal(name, what('RoleName')),
    arn: symbolicString(ref('Arn'), `<known after deploy: ${r.id}.Arn>`),
    path: normalizeIamPath(p('Path')),
    trust: documentVal(p('AssumeRolePolicyDocument'), what('AssumeRolePolicyDocument')),
    managedPolicyArns: { arns: listVal(p('ManagedPolicyArns'), what('ManagedPolicyArns')), exclusive: true },
    inline: { policies: inlinePolicies(p('Policies'), what('Policies')), exclusive: true },
    ...(p('PermissionsBoundary') !== undefined ? { boundaryArn: stringVal(p('PermissionsBoundary'), what('PermissionsBoundary')) } : {})
  })
}

/** AWS::IAM::ManagedPolicy */
const readManagedPolicy: ResourceReader = (r, { model, base, p, ref, what }) => {
  const arn = ref('Ref')
  const name = p('ManagedPolicyName')
  model.policies.push({
    ...base,
    name: name === undefined ? known(symbolicString(arn, r.id).split('/').pop() ?? r.id) : stringVal(name, what('ManagedPolicyName')),
    arn: symbolicString(arn, `<known after deploy: ${r.id}.PolicyArn>`),
    document: documentVal(p('PolicyDocument'), what('PolicyDocument'))
  })
  for (const [prop, target] of [
    ['Roles', 'role'],
    ['Users', 'user']
  ] as const) {
    const names = listVal(p(prop), what(prop))
    const policyArn = stringVal(arn, what('Ref'))
    if (!names.ok) model.attachments.push({ ...base, target, targetName: names, policyArn })
    else for (const n of names.value) model.attachments.push({ ...base, target, targetName: known(n), policyArn })
  }
}

/** AWS::IAM::Policy */
const readPolicy: ResourceReader = (r, { model, base, p, what }) => {
  const name = stringVal(p('PolicyName'), what('PolicyName'))
  const document = documentVal(p('PolicyDocument'), what('PolicyDocument'))
  for (const [prop, target] of [
    ['Roles', 'role'],
    ['Users', 'user']
  ] as const) {
    const names = listVal(p(prop), what(prop))
    const policyName = name.ok ? name.value : r.id
    if (!names.ok) model.inlinePolicies.push({ ...base, target, targetName: names, name: policyName, document })
    else for (const n of names.value) model.inlinePolicies.push({ ...base, target, targetName: known(n), name: policyName, document })
  }
}

/** AWS::IAM::User */
const readUser: ResourceReader = (r, { model, base, p, ref, what }) => {
  model.users.push({
    ...base,
    name: stringVal(ref('Ref'), what('UserName')),
    arn: symbolicString(ref('Arn'), `<known after deploy: ${r.id}.Arn>`),
    managedPolicyArns: { arns: listVal(p('ManagedPolicyArns'), what('ManagedPolicyArns')), exclusive: true },
    inline: { policies: inlinePolicies(p('Policies'), what('Policies')), exclusive: true },
    ...(p('PermissionsBoundary') !== undefined ? { boundaryArn: stringVal(p('PermissionsBoundary'), what('PermissionsBoundary')) } : {})
  })
}

/** AWS::IAM::AccessKey */
const readAccessKey: ResourceReader = (r, { model, base, p, what }) => {
  // Status only: a template holds no secret, and the key's age is known only in the account.
  model.accessKeys.push({
    ...base,
    userName: stringVal(p('UserName'), what('UserName')),
    status: stringVal(p('Status'), what('Status'), 'Active'),
    isNew: false,
    ageUnknown: accountOnlyReason(`the age of access key ${r.id}`, 'a template records no creation date')
  })
}

/** AWS::EC2::SecurityGroup */
const readSecurityGroup: ResourceReader = (r, { model, base, p, ref, what }) => {
  const ingress = p('SecurityGroupIngress')
  const rules: Val<IngressRule[]> = (() => {
    if (ingress === undefined) return known([])
    if (ingress instanceof Unresolved) return notKnown(ingress.reason)
    if (!Array.isArray(ingress)) return notKnown(`${what('SecurityGroupIngress')} is not a list`)
    const out: IngressRule[] = []
    for (const e of ingress) {
      const rule = ingressFrom(e, what('SecurityGroupIngress'))
      if (!rule.ok) return rule
      out.push(rule.value)
    }
    return known(out)
  })()
  const name = p('GroupName')
  const vpcId = p('VpcId')
  model.securityGroups.push({
    ...base,
    id: symbolicString(ref('GroupId'), `<known after deploy: ${r.id}.GroupId>`),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof vpcId === 'string' ? { vpcId } : {}),
    ingress: { rules, exclusive: true }
  })
}

/** AWS::EC2::SecurityGroupIngress */
const readSecurityGroupIngress: ResourceReader = (r, { model, base, p, what }) => {
  const props: Record<string, unknown> = {}
  for (const k of ['IpProtocol', 'FromPort', 'ToPort', 'CidrIp', 'CidrIpv6', 'SourcePrefixListId', 'SourceSecurityGroupId', 'Description']) {
    const v = p(k)
    if (v !== undefined && v !== NO_VALUE) props[k] = v
  }
  model.ingressRules.push({
    ...base,
    groupId: stringVal(p('GroupId'), what('GroupId')),
    rule: ingressFrom(props, r.id)
  })
}

/** AWS::RedshiftServerless::Workgroup */
const readWorkgroup: ResourceReader = (r, { model, base, p, what }) => {
  const groups = p('SecurityGroupIds')
  model.redshifts.push({
    ...base,
    deployment: 'serverless',
    name: stringVal(p('WorkgroupName'), what('WorkgroupName')),
    namespaceName: stringVal(p('NamespaceName'), what('NamespaceName')),
    publiclyAccessible: boolVal(p('PubliclyAccessible'), what('PubliclyAccessible'), false),
    port: numberVal(p('Port'), what('Port'), 5439),
    securityGroupIds: securityGroupIdsOf(groups, what('SecurityGroupIds'))
  })
}

/** A workgroup's or cluster's security groups; unset, AWS attaches the VPC's default group at deploy. */
function securityGroupIdsOf(groups: unknown, label: string): Val<string[]> {
  return groups === undefined ? notKnown(`known after deploy: ${label} is not set, so AWS attaches the VPC's default security group`) : listVal(groups, label)
}

/** AWS::RedshiftServerless::Namespace */
const readNamespace: ResourceReader = (r, { model, base, p, what }) => {
  model.namespaces.push({
    ...base,
    name: stringVal(p('NamespaceName'), what('NamespaceName')),
    iamRoles: listVal(p('IamRoles'), what('IamRoles')),
    defaultIamRoleArn: optionalStringVal(p('DefaultIamRoleArn'), what('DefaultIamRoleArn')),
    dbName: optionalStringVal(p('DbName'), what('DbName'), 'dev')
  })
}

/** AWS::Redshift::Cluster */
const readCluster: ResourceReader = (r, { model, base, p, ref, what }) => {
  const groups = p('VpcSecurityGroupIds')
  model.redshifts.push({
    ...base,
    deployment: 'provisioned',
    name: stringVal(ref('Ref'), what('ClusterIdentifier')),
    publiclyAccessible: boolVal(p('PubliclyAccessible'), what('PubliclyAccessible'), false),
    port: numberVal(p('Port'), what('Port'), 5439),
    securityGroupIds: securityGroupIdsOf(groups, what('VpcSecurityGroupIds')),
    iamRoles: listVal(p('IamRoles'), what('IamRoles')),
    defaultIamRoleArn: optionalStringVal(p('DefaultIamRoleArn'), what('DefaultIamRoleArn')),
    dbName: optionalStringVal(p('DBName'), what('DBName'), 'dev')
  })
}

/** The table: resource type -> its readers. */
export const CLOUDFORMATION_RESOURCES: Readonly<Record<string, CloudFormationResourceType>> = {
  'AWS::IAM::Role': {
    attribute: (attr, { nameOr, arnOf }) => (attr === 'Ref' ? nameOr('RoleName') : attr === 'Arn' ? arnOf('role', 'RoleName') : NO_ATTRIBUTE),
    read: readRole
  },
  'AWS::IAM::ManagedPolicy': {
    attribute: (attr, { arnOf }) => (attr === 'Ref' || attr === 'PolicyArn' ? arnOf('policy', 'ManagedPolicyName') : NO_ATTRIBUTE),
    read: readManagedPolicy
  },
  'AWS::IAM::User': {
    attribute: (attr, { nameOr, arnOf }) => (attr === 'Ref' ? nameOr('UserName') : attr === 'Arn' ? arnOf('user', 'UserName') : NO_ATTRIBUTE),
    read: readUser
  },
  'AWS::IAM::Policy': {
    attribute: (attr, ctx) => (attr === 'Ref' || attr === 'Arn' ? symbolic(ctx, attr) : NO_ATTRIBUTE),
    read: readPolicy
  },
  'AWS::IAM::InstanceProfile': {
    attribute: (attr, ctx) => (attr === 'Ref' || attr === 'Arn' ? symbolic(ctx, attr) : NO_ATTRIBUTE)
  },
  'AWS::IAM::AccessKey': { read: readAccessKey },
  'AWS::EC2::SecurityGroup': {
    attribute: (attr, { id, prop }) =>
      attr === 'Ref' || attr === 'GroupId' ? `<known after deploy: ${id}.GroupId>` : attr === 'VpcId' ? prop('VpcId') : NO_ATTRIBUTE,
    read: readSecurityGroup
  },
  'AWS::EC2::SecurityGroupIngress': { read: readSecurityGroupIngress },
  'AWS::RedshiftServerless::Namespace': {
    attribute: (attr, ctx) => {
      if (attr === 'Ref' || attr === 'Namespace.NamespaceName') return ctx.prop('NamespaceName')
      if (attr === 'Namespace.NamespaceArn' || attr === 'Namespace.NamespaceId') return symbolic(ctx, attr)
      return NO_ATTRIBUTE
    },
    read: readNamespace
  },
  'AWS::RedshiftServerless::Workgroup': {
    attribute: (attr, ctx) => {
      if (attr === 'Ref' || attr === 'Workgroup.WorkgroupName') return ctx.prop('WorkgroupName')
      if (attr === 'Workgroup.Endpoint.Port') return ctx.prop('Port') ?? 5439
      if (attr === 'Workgroup.WorkgroupArn' || attr === 'Workgroup.WorkgroupId') return symbolic(ctx, attr)
      return NO_ATTRIBUTE
    },
    read: readWorkgroup
  },
  'AWS::Redshift::Cluster': {
    attribute: (attr, { nameOr, prop }) => (attr === 'Ref' ? nameOr('ClusterIdentifier') : attr === 'Endpoint.Port' ? prop('Port') ?? 5439 : NO_ATTRIBUTE),
    read: readCluster
  }
}

/** The table's entry for a type (own entries only: a type named `constructor` is no entry). */
export function cloudFormationResource(type: string): CloudFormationResourceType | undefined {
  return Object.hasOwn(CLOUDFORMATION_RESOURCES, type) ? CLOUDFORMATION_RESOURCES[type] : undefined
}

/** The IaC model of a template: each resource of a known type through its reader. */
export function cloudFormationModel(t: Template, lineOf: (logicalId: string) => number | undefined, options: CloudFormationOptions): IacModel {
  const model: IacModel = emptyModel('cloudformation', options.file, t.partition)
  if (t.region) model.region = t.region
  for (const r of t.resources.values()) {
    const line = lineOf(r.id)
    const origin: Origin = { id: r.id, file: options.file, changed: false, ...(line !== undefined ? { line } : {}) }
    let skipReason: string | undefined
    if (r.condition) {
      const c = t.condition(r.condition)
      if (c === false) continue
      if (c instanceof Unresolved) skipReason = `${r.id} exists only if ${c.reason}`
    }
    const read = cloudFormationResource(r.type)?.read
    if (!read) continue
    // A resource that may or may not be created: everything it says is unknown.
    const p = (name: string): unknown => (skipReason ? new Unresolved(skipReason) : t.resolve(r.properties[name]))
    const ref = (attr: string): unknown => (skipReason ? new Unresolved(skipReason) : t.resolve(attr === 'Ref' ? { Ref: r.id } : { 'Fn::GetAtt': [r.id, attr] }))
    const what = (prop: string) => `${r.id}.${prop}`
    read(r, { model, base: { origin, deleted: false }, p, ref, what })
  }
  return model
}
