/**
 * Policy documents for remediation: the statements Cargo needs, and additive merges that keep
 * every statement already there. Pure.
 */
import { evaluatePolicies, evaluateTrust } from '../policy/iam-policy.js'
import type { PolicyDocument, PolicyStatement } from '../state/types.js'
import { canonicalJson } from './digest.js'

export const POLICY_VERSION = '2012-10-17'

export function statementsOf(document: PolicyDocument | undefined): PolicyStatement[] {
  if (!document) return []
  return Array.isArray(document.Statement) ? [...document.Statement] : [document.Statement]
}

/** The guide's statement, with a Sid that no existing statement uses. */
export function crossAccountStatement(cargoRoleArn: string, taken: PolicyStatement[] = []): PolicyStatement {
  const sids = new Set(taken.map((s) => s.Sid).filter(Boolean))
  let sid = 'CargoCrossAccount'
  for (let n = 2; sids.has(sid); n++) sid = `CargoCrossAccount${n}`
  return { Sid: sid, Effect: 'Allow', Action: 'sts:AssumeRole', Resource: cargoRoleArn }
}

export function trustStatement(service: string): PolicyStatement {
  return { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }
}

/** `base` with `add` appended, keeping Version/Id and every existing statement, skipping exact duplicates. */
export function withStatements(base: PolicyDocument | undefined, add: PolicyStatement[]): PolicyDocument {
  const existing = statementsOf(base)
  const seen = new Set(existing.map(canonicalJson))
  const appended = add.filter((s) => !seen.has(canonicalJson(s)))
  return {
    Version: base?.Version ?? POLICY_VERSION,
    ...(base?.Id !== undefined ? { Id: base.Id } : {}),
    Statement: [...existing, ...appended]
  }
}

export function allowsAssumeRole(document: PolicyDocument, cargoRoleArn: string): boolean {
  return evaluatePolicies([{ name: 'policy', document }], { action: 'sts:AssumeRole', resource: cargoRoleArn }).decision === 'allow'
}

export function trusts(document: PolicyDocument, service: string): boolean {
  return evaluateTrust({ name: 'trust', document }, { principal: { type: 'Service', id: service } }).decision === 'allow'
}

/**
 * The condition keys of Allow statements that name `service` as a principal under a Condition
 * (e.g. aws:SourceAccount, the guard the IAM User Guide's "The confused deputy problem" page
 * recommends). Such trust is the owner's choice: an unconditional statement beside it would lift it.
 */
export function conditionalTrustKeys(document: PolicyDocument | undefined, service: string): string[] {
  const keys: string[] = []
  for (const statement of statementsOf(document)) {
    const st = statement as unknown as Record<string, unknown>
    if (st['Effect'] !== 'Allow' || !st['Condition'] || typeof st['Condition'] !== 'object') continue
    const principal = st['Principal']
    const services = typeof principal === 'object' && principal !== null ? (principal as Record<string, unknown>)['Service'] : undefined
    const named = typeof services === 'string' ? [services] : Array.isArray(services) ? services : []
    if (!named.includes(service)) continue
    for (const operator of Object.values(st['Condition'] as Record<string, unknown>)) {
      if (operator && typeof operator === 'object') keys.push(...Object.keys(operator as Record<string, unknown>))
    }
  }
  return [...new Set(keys)]
}

/** The service principal a trust statement names (for the fresh-read merge at apply time). */
export function serviceOfTrustStatement(statement: Record<string, unknown>): string | undefined {
  const principal = statement['Principal']
  if (typeof principal !== 'object' || principal === null) return undefined
  const service = (principal as Record<string, unknown>)['Service']
  return typeof service === 'string' ? service : undefined
}

// ---------------------------------------------------------------------------------------------
// The equivalent AWS CLI commands, for people who would rather run them by hand.

/** Single-quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

export function awsCli(service: string, command: string, args: Array<[string, string | string[] | true]>, region?: string): string {
  const parts = ['aws', service, command]
  for (const [flag, value] of args) {
    if (value === true) parts.push(`--${flag}`)
    else if (Array.isArray(value)) parts.push(`--${flag}`, ...value.map(shellQuote))
    else parts.push(`--${flag}`, shellQuote(value))
  }
  if (region) parts.push('--region', region)
  return parts.join(' ')
}
