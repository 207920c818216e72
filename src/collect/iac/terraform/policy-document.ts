import type { PolicyDocument, PolicyStatement } from '../../../state/types.js'
import { isRecord } from '../common.js'
import { unknownBelow, type TfResource } from './plan-json.js'

/**
 * An `aws_iam_policy_document` data source whose `json` is not known yet, rendered from its
 * statement blocks when they are (the trust policy of a new role is often written this way).
 */
export function renderPolicyDocument(r: TfResource): PolicyDocument | undefined {
  if (unknownBelow(r.unknown, ['statement'])) return undefined
  for (const key of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
    const v = r.values[key]
    if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) return undefined
  }
  const statements: PolicyStatement[] = []
  for (const s of Array.isArray(r.values['statement']) ? r.values['statement'] : []) {
    if (!isRecord(s)) continue
    const out: PolicyStatement = { Effect: s['effect'] === 'Deny' ? 'Deny' : 'Allow' }
    if (typeof s['sid'] === 'string' && s['sid'] !== '') out.Sid = s['sid']
    const listOf = (k: string) => (Array.isArray(s[k]) && (s[k] as unknown[]).length > 0 ? (s[k] as unknown[]).map(String) : undefined)
    const actions = listOf('actions')
    if (actions) out.Action = actions
    const notActions = listOf('not_actions')
    if (notActions) out.NotAction = notActions
    const resources = listOf('resources')
    if (resources) out.Resource = resources
    const notResources = listOf('not_resources')
    if (notResources) out.NotResource = notResources
    const principals = (k: string): Record<string, string[]> | '*' | undefined => {
      const blocks = Array.isArray(s[k]) ? (s[k] as unknown[]).filter(isRecord) : []
      if (blocks.length === 0) return undefined
      const map: Record<string, string[]> = {}
      for (const b of blocks) {
        const type = String(b['type'] ?? '')
        const ids = Array.isArray(b['identifiers']) ? b['identifiers'].map(String) : []
        if (type === '*' && ids.includes('*')) return '*'
        map[type] = [...(map[type] ?? []), ...ids]
      }
      return map
    }
    const p = principals('principals')
    if (p) out.Principal = p
    const np = principals('not_principals')
    if (np) out.NotPrincipal = np
    const conditions = Array.isArray(s['condition']) ? s['condition'].filter(isRecord) : []
    if (conditions.length > 0) {
      const c: Record<string, Record<string, unknown>> = {}
      for (const cond of conditions) {
        const test = String(cond['test'] ?? '')
        c[test] = { ...(c[test] ?? {}), [String(cond['variable'] ?? '')]: Array.isArray(cond['values']) ? cond['values'].map(String) : [] }
      }
      out.Condition = c
    }
    statements.push(out)
  }
  return { Version: typeof r.values['version'] === 'string' ? r.values['version'] : '2012-10-17', Statement: statements }
}
