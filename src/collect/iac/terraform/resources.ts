import { known, normalizeIamPath, notKnown } from '../common.js'
import { emptyModel, type IacModel, type Origin, type PolicyList } from '../model.js'
import type { TerraformLocations } from './locations.js'
import type { PlanIndex } from './plan-index.js'
import { asRecord, knownString, unknownBelow, type TfResource } from './plan-json.js'
import type { TerraformValues } from './values.js'

/**
 * What each Terraform resource type contributes to the IaC model, one reader per type (the
 * way a registry of resource types maps each to its handler). A plan's resources of other
 * types are skipped; adding a type is one reader and one entry in the table.
 */

export interface ReadContext {
  model: IacModel
  v: TerraformValues
  index: PlanIndex
  locations: TerraformLocations
  origin: Origin
  deleted: boolean
  base: { origin: Origin; deleted: boolean }
  /** A string attribute as it was before this change. */
  before: (attr: string) => string | undefined
  /** Exclusive policy-attachment resources, by `role:<name>` / `user:<name>`: applied once every resource is read. */
  exclusive: Map<string, { list: PolicyList; origin: Origin }>
}

export type ResourceReader = (r: TfResource, ctx: ReadContext) => void

const role: ResourceReader = (r, { model, v, index, locations, base }) => {
  const name = v.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`)
  const arn = index.attribute(r, 'arn')
  const trustOrigin = locations.documentOrigin(r, 'assume_role_policy')
  model.roles.push({
    ...base,
    name,
    arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
    path: normalizeIamPath(r.values['path']),
    trust: v.document(r, 'assume_role_policy'),
    ...(trustOrigin ? { trustOrigin } : {}),
    ...v.heldPolicies(r),
    ...v.boundaryOf(r)
  })
}

const managedPolicy: ResourceReader = (r, { model, v, index, base }) => {
  const arn = index.attribute(r, 'arn')
  model.policies.push({
    ...base,
    name: v.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`),
    arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
    document: v.document(r, 'policy')
  })
}

const user: ResourceReader = (r, { model, v, index, base }) => {
  const arn = index.attribute(r, 'arn')
  model.users.push({
    ...base,
    name: v.str(r, 'name') ?? notKnown(`known after apply: ${r.address}.name`),
    arn: arn.ok ? String(arn.value) : `<known after apply: ${r.address}.arn>`,
    ...v.boundaryOf(r)
  })
}

const policyAttachment: ResourceReader = (r, { model, v, base, before }) => {
  const target = r.type === 'aws_iam_role_policy_attachment' ? 'role' : 'user'
  const prevTarget = before(target)
  const prevArn = before('policy_arn')
  model.attachments.push({
    ...base,
    target,
    targetName: v.str(r, target) ?? notKnown(`${r.address} names no ${target}`),
    policyArn: v.str(r, 'policy_arn') ?? notKnown(`${r.address} names no policy_arn`),
    ...(prevTarget && prevArn ? { before: { targetName: prevTarget, policyArn: prevArn } } : {})
  })
}

const sharedPolicyAttachment: ResourceReader = (r, { model, v, base, origin, deleted, before }) => {
  const policyArn = v.str(r, 'policy_arn') ?? notKnown(`${r.address} names no policy_arn`)
  const prevArn = before('policy_arn')
  for (const [attr, target] of [
    ['roles', 'role'],
    ['users', 'user']
  ] as const) {
    const names = v.list(r, attr)
    const prevNames = r.before && Array.isArray(r.before[attr]) ? (r.before[attr] as unknown[]).map(String) : []
    if (names && !names.ok) {
      model.attachments.push({ ...base, target, targetName: names, policyArn })
      continue
    }
    const current = names?.value ?? []
    for (const name of new Set([...current, ...prevNames])) {
      model.attachments.push({
        origin,
        deleted: deleted || !current.includes(name),
        target,
        targetName: known(name),
        policyArn,
        ...(prevArn && prevNames.includes(name) ? { before: { targetName: name, policyArn: prevArn } } : {})
      })
    }
  }
}

const exclusiveAttachments: ResourceReader = (r, { v, origin, deleted, exclusive }) => {
  const owner = v.str(r, r.type.startsWith('aws_iam_role') ? 'role_name' : 'user_name')
  const arns = v.list(r, 'policy_arns') ?? known([])
  if (owner?.ok && !deleted) exclusive.set(`${r.type.startsWith('aws_iam_role') ? 'role' : 'user'}:${owner.value}`, { list: { arns, exclusive: true }, origin })
}

const inlinePolicy: ResourceReader = (r, { model, v, base, before }) => {
  const target = r.type === 'aws_iam_role_policy' ? 'role' : 'user'
  const name = v.str(r, 'name')
  const prevTarget = before(target)
  const prevName = before('name')
  model.inlinePolicies.push({
    ...base,
    target,
    targetName: v.str(r, target) ?? notKnown(`${r.address} names no ${target}`),
    name: name?.ok ? name.value : `<known after apply: ${r.address}.name>`,
    document: v.document(r, 'policy'),
    ...(prevTarget && prevName ? { before: { targetName: prevTarget, name: prevName } } : {})
  })
}

const accessKey: ResourceReader = (r, { model, v, base }) => {
  // Only these three attributes are read: never `secret`, `ses_smtp_password_v4` or the key id.
  const status = v.str(r, 'status') ?? known('Active')
  const created = knownString(r, 'create_date')
  model.accessKeys.push({
    ...base,
    userName: v.str(r, 'user') ?? notKnown(`${r.address} names no user`),
    status,
    ...(created ? { createdAt: created } : {}),
    isNew: r.isNew
  })
}

const securityGroup: ResourceReader = (r, { model, v, index, base }) => {
  const id = index.attribute(r, 'id')
  const name = knownString(r, 'name')
  const vpcId = knownString(r, 'vpc_id')
  model.securityGroups.push({
    ...base,
    id: id.ok ? String(id.value) : `<known after apply: ${r.address}.id>`,
    ...(name ? { name } : {}),
    ...(vpcId ? { vpcId } : {}),
    ...v.inlineIngress(r)
  })
}

const securityGroupRule: ResourceReader = (r, { model, v, base, before }) => {
  if (r.values['type'] !== 'ingress') return
  const prev = r.before && r.before['type'] === 'ingress' ? v.ruleFromValues(r.before, 'rule') : undefined
  const prevGroup = before('security_group_id')
  model.ingressRules.push({
    ...base,
    groupId: v.str(r, 'security_group_id') ?? notKnown(`${r.address} names no security_group_id`),
    rule: v.separateRule(r, 'rule'),
    ...(prev && prevGroup ? { before: { groupId: prevGroup, rule: prev } } : {})
  })
}

const vpcIngressRule: ResourceReader = (r, { model, v, base, before }) => {
  const prev = r.before ? v.ruleFromValues(r.before, 'vpc') : undefined
  const prevGroup = before('security_group_id')
  model.ingressRules.push({
    ...base,
    groupId: v.str(r, 'security_group_id') ?? notKnown(`${r.address} names no security_group_id`),
    rule: v.separateRule(r, 'vpc'),
    ...(prev && prevGroup ? { before: { groupId: prevGroup, rule: prev } } : {})
  })
}

const workgroup: ResourceReader = (r, { model, v, base }) => {
  const endpoint = Array.isArray(r.values['endpoint']) ? asRecord(r.values['endpoint'][0]) : {}
  const address = !unknownBelow(r.unknown, ['endpoint']) && typeof endpoint['address'] === 'string' ? endpoint['address'] : undefined
  const endpointPort = !unknownBelow(r.unknown, ['endpoint']) && typeof endpoint['port'] === 'number' ? endpoint['port'] : undefined
  model.redshifts.push({
    ...base,
    deployment: 'serverless',
    name: v.str(r, 'workgroup_name') ?? notKnown(`${r.address} has no workgroup_name`),
    namespaceName: v.str(r, 'namespace_name') ?? notKnown(`${r.address} has no namespace_name`),
    publiclyAccessible: v.bool(r, 'publicly_accessible', false),
    // Redshift Serverless listens on 5439 unless told otherwise.
    port: endpointPort !== undefined ? known(endpointPort) : v.num(r, 'port', 5439),
    ...(address ? { address } : {}),
    securityGroupIds: v.groupIds(r, 'security_group_ids')
  })
}

const namespace: ResourceReader = (r, { model, v, base }) => {
  model.namespaces.push({
    ...base,
    name: v.str(r, 'namespace_name') ?? notKnown(`${r.address} has no namespace_name`),
    iamRoles: v.computedList(r, 'iam_roles'),
    defaultIamRoleArn: v.optionalString(r, 'default_iam_role_arn'),
    dbName: v.optionalString(r, 'db_name', 'dev')
  })
}

const cluster: ResourceReader = (r, { model, v, base }) => {
  const endpoint = knownString(r, 'dns_name')
  model.redshifts.push({
    ...base,
    deployment: 'provisioned',
    name: v.str(r, 'cluster_identifier') ?? notKnown(`known after apply: ${r.address}.cluster_identifier`),
    publiclyAccessible: v.bool(r, 'publicly_accessible', false),
    port: v.num(r, 'port', 5439),
    ...(endpoint ? { address: endpoint } : {}),
    securityGroupIds: v.groupIds(r, 'vpc_security_group_ids'),
    iamRoles: v.computedList(r, 'iam_roles'),
    defaultIamRoleArn: v.optionalString(r, 'default_iam_role_arn'),
    dbName: v.optionalString(r, 'database_name', 'dev')
  })
}

const clusterRoles: ResourceReader = (r, { model, v, base }) => {
  model.clusterRoles.push({
    ...base,
    clusterId: v.str(r, 'cluster_identifier') ?? notKnown(`${r.address} names no cluster_identifier`),
    iamRoles: v.list(r, 'iam_role_arns') ?? known([]),
    defaultIamRoleArn: v.optionalString(r, 'default_iam_role_arn')
  })
}

/** The resource types that describe part of the Cargo setup, each with its reader. */
export const TERRAFORM_RESOURCES: Readonly<Record<string, ResourceReader>> = {
  aws_iam_role: role,
  aws_iam_policy: managedPolicy,
  aws_iam_user: user,
  aws_iam_role_policy_attachment: policyAttachment,
  aws_iam_user_policy_attachment: policyAttachment,
  aws_iam_policy_attachment: sharedPolicyAttachment,
  aws_iam_role_policy_attachments_exclusive: exclusiveAttachments,
  aws_iam_user_policy_attachments_exclusive: exclusiveAttachments,
  aws_iam_role_policy: inlinePolicy,
  aws_iam_user_policy: inlinePolicy,
  aws_iam_access_key: accessKey,
  aws_security_group: securityGroup,
  aws_security_group_rule: securityGroupRule,
  aws_vpc_security_group_ingress_rule: vpcIngressRule,
  aws_redshiftserverless_workgroup: workgroup,
  aws_redshiftserverless_namespace: namespace,
  aws_redshift_cluster: cluster,
  aws_redshift_cluster_iam_roles: clusterRoles,
}

/** The IaC model of a plan: each managed resource of a known type through its reader. */
export function terraformModel(index: PlanIndex, v: TerraformValues, locations: TerraformLocations): IacModel {
  const model = emptyModel('terraform', index.options.file, index.partition)
  if (index.region) model.region = index.region
  if (index.account) model.accountHints.push(index.account)
  const exclusive = new Map<string, { list: PolicyList; origin: Origin }>()
  for (const r of index.resources.values()) {
    // Own entries only: a resource type named `constructor` is no entry.
    const reader = r.mode === 'managed' && Object.hasOwn(TERRAFORM_RESOURCES, r.type) ? TERRAFORM_RESOURCES[r.type] : undefined
    if (!reader) continue
    const origin = locations.origin(r)
    const deleted = r.deleted
    const before = (attr: string): string | undefined => (r.before && typeof r.before[attr] === 'string' ? (r.before[attr] as string) : undefined)
    reader(r, { model, v, index, locations, origin, deleted, base: { origin, deleted }, before, exclusive })
  }
  for (const [key, { list, origin }] of exclusive) {
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
    const holders = kind === 'role' ? model.roles : model.users
    const holder = holders.find((h) => h.name.ok && h.name.value === name)
    if (holder) holder.managedPolicyArns = list
    else model.attachments.push(...(list.arns.ok ? list.arns.value : []).map((arn) => ({ origin, deleted: false, target: kind as 'role' | 'user', targetName: known(name), policyArn: known(arn) })))
  }
  return model
}
