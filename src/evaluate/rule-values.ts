import type { Parameters } from '../config/parameters.js'
import type { Rule } from '../config/rule-set.types.js'
import { placeholdersIn } from './placeholders.js'

/**
 * The parameters a rule may name in a `${…}` placeholder: what describes the target, never a
 * secret (db-user-password, github-token) or a run setting. Rule text ends up in every report,
 * so anything else a placeholder could reach would leak there. Mirrors `$defs/parameterName` in
 * policies/rule-set.schema.json (a test keeps the two equal).
 */
export const RULE_PARAMETERS = [
  'cargoRoleArn',
  'cargoIps',
  'region',
  'workgroup',
  'clusterIdentifier',
  'roleName',
  'policyName',
  'lambdaUser',
  'lambdaUserPolicyArns',
  'accessKeyMaxAgeDays',
  'database',
  'dbUser',
  'functionRole',
  'sourceSchemas'
] as const satisfies readonly (keyof Parameters)[]

/** Values derived from the inputs and the state that rules may name too (see derivedValues). */
export const DERIVED_VALUES = [
  'partition',
  'accountId',
  'redshiftKind',
  'redshiftName',
  'redshiftRolesConsole',
  'redshiftNetworkConsole',
  'redshiftSecurityGroupConsole',
  'redshiftDocs',
  'redshiftConnectDocs'
] as const

/** The parameters rules see: RULE_PARAMETERS only. */
export function ruleParameters(params: Parameters): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of RULE_PARAMETERS) out[name] = params[name]
  return out
}

const ALLOWED = new Set<string>([...RULE_PARAMETERS, ...DERIVED_VALUES])

/** Placeholders in a rule that name nothing a rule may read, e.g. `${dbUserPassword}`. */
export function forbiddenPlaceholders(rule: Rule): string[] {
  const { source: _where, ...text } = rule
  return [...placeholdersIn(text)].filter((name) => !name.startsWith('state:') && !name.startsWith('item.') && !ALLOWED.has(name))
}

/** The names a placeholder may use, for error messages. */
export function allowedPlaceholderNames(): string[] {
  return [...ALLOWED]
}
