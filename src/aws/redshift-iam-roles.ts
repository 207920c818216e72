/**
 * The IAM roles associated with a Redshift Serverless namespace, as GetNamespace lists them. Read
 * by the collector (the `/redshift/iamRoles` fact) and by remediation (UpdateNamespace replaces the
 * whole list, so the fresh list must be read back exactly before a role is added).
 */
import type { RedshiftRoleAssociation } from '../state/types.js'

const KEYS = '(?:iamRoleArn|applyStatus)'

/**
 * Parses one entry of a namespace's `iamRoles`. GetNamespace returns stringified structs,
 * with the fields in either order: `IamRole(applyStatus=in-sync, iamRoleArn=arn:...)` or
 * `IamRole(iamRoleArn=arn:..., applyStatus=in-sync)`; a plain ARN is passed through.
 * A value runs up to the next `, <known key>=` so that ARNs holding ',' or '=' (both legal
 * in role names) survive.
 */
export function parseIamRoleEntry(entry: string): RedshiftRoleAssociation | undefined {
  const text = entry.trim()
  if (text.startsWith('arn:')) return { arn: text }
  const inner = /^IamRole\s*\((.*)\)$/s.exec(text)?.[1]
  if (inner === undefined) return undefined
  const field = (key: string): string | undefined =>
    new RegExp(`(?:^|,)\\s*${key}=(.*?)\\s*(?=,\\s*${KEYS}=|$)`, 's').exec(inner)?.[1]
  const arn = field('iamRoleArn')
  if (!arn) return undefined
  const applyStatus = field('applyStatus')
  return applyStatus ? { arn, applyStatus } : { arn }
}

/** The entries that parse, in order; one that does not is left out (so a caller that must not lose any compares lengths). */
export function parseIamRoles(entries: string[] | undefined): RedshiftRoleAssociation[] {
  const out: RedshiftRoleAssociation[] = []
  for (const entry of entries ?? []) {
    const parsed = parseIamRoleEntry(entry)
    if (parsed) out.push(parsed)
  }
  return out
}
