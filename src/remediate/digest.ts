import { createHash } from 'node:crypto'
import { CROSS_ACCOUNT_POLICY_FACTS, digestFacts, LAMBDA_USER_FACTS, REDSHIFT_FACTS, ROLE_FACTS, SECURITY_GROUP_FACTS } from '../state/facts.js'
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
 * The parts of the state the remediation steps depend on: the facts `src/state/facts.ts` marks
 * for the digest (each table says why the others are left out: when it was collected, access
 * keys, the Redshift status...). AWS managed policy documents are dropped (AWS edits them).
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
      crossAccountPolicy: crossAccountPolicy ? digestFacts(crossAccountPolicy, CROSS_ACCOUNT_POLICY_FACTS) : crossAccountPolicy,
      role: role
        ? digestFacts(role, ROLE_FACTS, { policies: (list) => byJson(list.map(policyPart)), permissionsBoundary: policyPart })
        : role,
      // The user's policies matter by which they are, not by what they say.
      lambdaUser: lambdaUser
        ? digestFacts(lambdaUser, LAMBDA_USER_FACTS, { policies: (list) => byJson(list.map((p) => ({ name: p.name, arn: p.arn, kind: p.kind }))) })
        : lambdaUser
    },
    redshift: redshift ? digestFacts(redshift, REDSHIFT_FACTS, { iamRoles: byJson }) : redshift,
    network: {
      securityGroups: state.network.securityGroups?.map((g) =>
        digestFacts(g, SECURITY_GROUP_FACTS, {
          ingress: (rules) =>
            byJson(rules.map((r) => ({ ...r, cidrs: [...r.cidrs].sort(), ipv6Cidrs: [...r.ipv6Cidrs].sort(), description: undefined })))
        })
      )
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
