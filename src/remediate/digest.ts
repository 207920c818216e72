import { createHash } from 'node:crypto'
import type { AccountState, IdentityPolicy } from '../state/types.js'

/** JSON with object keys sorted at every level and undefined members dropped: one spelling per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

const byJson = <T>(list: T[]): T[] => [...list].sort((a, b) => {
  const x = canonicalJson(a)
  const y = canonicalJson(b)
  return x < y ? -1 : x > y ? 1 : 0
})

/** An attached policy as far as steps care: which one, and the document unless AWS owns it. */
function policyPart(p: IdentityPolicy): unknown {
  return { name: p.name, arn: p.arn, kind: p.kind, document: p.kind === 'aws-managed' ? undefined : p.document }
}

/**
 * The parts of the state the remediation steps depend on. Left out: when it was collected,
 * access keys (no step touches them; their ages and last use change by themselves), AWS managed
 * policy documents (AWS edits them), and the Redshift status (MODIFYING/AVAILABLE comes and goes).
 * Lists whose order carries no meaning are sorted, so that two reads of an unchanged account agree.
 */
export function digestParts(state: AccountState): unknown {
  const { role, crossAccountPolicy, lambdaUser } = state.iam
  const redshift = state.redshift
  return {
    source: {
      accountId: state.source.accountId,
      partition: state.source.partition,
      region: state.source.region,
      deployment: state.source.deployment
    },
    iam: {
      crossAccountPolicy: crossAccountPolicy ? { ...crossAccountPolicy } : crossAccountPolicy,
      role: role
        ? {
            name: role.name,
            arn: role.arn,
            trustPolicy: role.trustPolicy,
            policies: byJson(role.policies.map(policyPart)),
            permissionsBoundary: role.permissionsBoundary ? policyPart(role.permissionsBoundary) : undefined
          }
        : role,
      lambdaUser: lambdaUser
        ? { name: lambdaUser.name, arn: lambdaUser.arn, policies: byJson(lambdaUser.policies.map((p) => ({ name: p.name, arn: p.arn, kind: p.kind }))) }
        : lambdaUser
    },
    redshift: redshift
      ? {
          deployment: redshift.deployment,
          name: redshift.name,
          namespaceName: redshift.namespaceName,
          publiclyAccessible: redshift.publiclyAccessible,
          endpoint: redshift.endpoint,
          securityGroupIds: redshift.securityGroupIds,
          iamRoles: byJson(redshift.iamRoles),
          defaultIamRoleArn: redshift.defaultIamRoleArn,
          dbName: redshift.dbName
        }
      : redshift,
    network: {
      securityGroups: state.network.securityGroups?.map((g) => ({
        id: g.id,
        vpcId: g.vpcId,
        ingress: byJson(
          g.ingress.map((r) => ({ ...r, cidrs: [...r.cidrs].sort(), ipv6Cidrs: [...r.ipv6Cidrs].sort(), description: undefined }))
        )
      }))
    },
    sql: state.sql,
    // What could not be read is part of what the plan was made from (codes, not wording).
    unavailable: byJson(state.unavailable.map((u) => ({ pointer: u.pointer, code: u.cause.code, operation: u.cause.operation })))
  }
}

/** sha256 (hex) of the canonical JSON of `digestParts(state)`. */
export function stateDigest(state: AccountState): string {
  return createHash('sha256').update(canonicalJson(digestParts(state))).digest('hex')
}
