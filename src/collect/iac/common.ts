import type { Partition, PolicyDocument } from '../../state/types.js'
export { accountOfArn, nameOfArn, partitionOfArn, partitionOfRegion, policyKind } from '../../state/arn.js'
export { displayPath, repoRootOf } from '../../config/display-path.js'

/**
 * Helpers shared by the Terraform and CloudFormation readers: the placeholder for an
 * account id a plan does not know, ARN arithmetic, and the few AWS managed policy
 * documents the Cargo setup attaches (a plan names them by ARN only).
 */

/**
 * Stands for the account id inside ARNs a plan computes but cannot spell yet (a new role's
 * ARN when nothing in the plan names the account). The same placeholder is produced on both
 * sides of a reference (the role's ARN, and the namespace's role list that points at it), so
 * equality still holds; the overlay replaces it with the live account id when there is one.
 */
export const ACCOUNT_PLACEHOLDER = '<account-id>'

/** Why a part of the state is unknown when the IaC simply does not say (the live account does). */
export function notDescribedReason(what: string, file: string, plural = false): string {
  return `${what} ${plural ? 'are' : 'is'} not described by ${file}`
}

export function accountOnlyReason(what: string, why: string): string {
  return `${what} is known only in the account: ${why}`
}

/**
 * An unknown the live account can settle (the IaC does not describe the thing), as opposed
 * to a value only apply will tell: the overlay takes the live value for the former.
 */
export function liveCanTell(reason: string): boolean {
  return / (?:is|are) not described by /.test(reason) || / is known only in the account: /.test(reason)
}

/** A value that can only be known after apply (Terraform) or deploy (CloudFormation). */
export type Val<T> = { ok: true; value: T } | { ok: false; reason: string }

export function known<T>(value: T): Val<T> {
  return { ok: true, value }
}

export function notKnown<T>(reason: string): Val<T> {
  return { ok: false, reason }
}


/** IAM paths begin and end with '/'; the default is '/'. */
export function normalizeIamPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') return '/'
  let p = path.startsWith('/') ? path : `/${path}`
  if (!p.endsWith('/')) p += '/'
  return p
}

export function iamArn(
  partition: Partition,
  account: string | undefined,
  kind: 'role' | 'policy' | 'user',
  path: string,
  name: string
): string {
  return `arn:${partition}:iam::${account ?? ACCOUNT_PLACEHOLDER}:${kind}${normalizeIamPath(path)}${name}`
}

/** A 12-digit account id from an ARN naming a resource of this account (not an AWS managed policy). */
export function accountHint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^arn:[a-z-]+:(?:iam|redshift|redshift-serverless|ec2)::?[a-z0-9-]*:(\d{12}):/.exec(value)
  return m?.[1]
}

/** Replaces the account placeholder in every string of a JSON value. */
export function fillAccount<T>(value: T, account: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes(ACCOUNT_PLACEHOLDER) ? v.split(ACCOUNT_PLACEHOLDER).join(account) : v
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, inner] of Object.entries(v)) out[k] = walk(inner)
      return out
    }
    return v
  }
  return walk(value) as T
}

export function containsPlaceholder(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(ACCOUNT_PLACEHOLDER)
}

/**
 * Documents of the AWS managed policies the Cargo guide attaches to the role. A plan or
 * template names them by ARN only; without their documents the role's permissions could not
 * be judged from IaC alone. Both are small, have had one version for years, and grant neither
 * sts:AssumeRole nor any Deny, so they cannot change the cross-account verdict. Any other AWS
 * managed policy is read from the live account (overlay), or its document stays unknown.
 */
const AWS_MANAGED_DOCUMENTS: Record<string, PolicyDocument> = {
  'policy/AWSLambdaExecute': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:*'], Resource: 'arn:aws:logs:*:*:*' },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::*' }
    ]
  },
  'policy/service-role/AWSLambdaRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['*'] }]
  }
}

export function awsManagedDocument(arn: string): PolicyDocument | undefined {
  const resource = arn.split(':').slice(5).join(':')
  const doc = AWS_MANAGED_DOCUMENTS[resource]
  return doc ? structuredClone(doc) : undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** IP protocol as the state spells it: '-1' for all traffic, lower-case names otherwise. */
export function normalizeProtocol(protocol: unknown): string {
  const text = String(protocol ?? '-1').trim().toLowerCase()
  if (text === 'all' || text === '-1' || text === '') return '-1'
  return text
}
