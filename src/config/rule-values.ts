import { targetOf } from '../state/target.js'
import type { AccountState } from '../state/types.js'
import type { TargetParameters } from './parameters.js'
import type { Rule } from './rule-set.types.js'
import { placeholdersIn } from './placeholders.js'

/**
 * The parameters a rule may name in a `${…}` placeholder: the target group of the parameters,
 * member for member, never a secret (db-user-password, github-token) or a run setting. Rule text
 * ends up in every report, so anything else a placeholder could reach would leak there; rules
 * are handed the target group alone, so nothing else can reach them by type. Mirrors
 * `$defs/parameterName` in policies/rule-set.schema.json (a test keeps the two equal).
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
  'sourceSchemas',
  'sourceTableOwners'
] as const satisfies readonly (keyof TargetParameters)[]

/** Compiles only while RULE_PARAMETERS names every member of TargetParameters. */
const _everyTargetParameter: Exclude<keyof TargetParameters, (typeof RULE_PARAMETERS)[number]> extends never ? true : never = true
void _everyTargetParameter

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

/** The parameters rules see: the target group (RULE_PARAMETERS), and nothing else. */
export function ruleParameters(target: TargetParameters): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of RULE_PARAMETERS) out[name] = target[name]
  return out
}

const ALLOWED = new Set<string>([...RULE_PARAMETERS, ...DERIVED_VALUES])

/**
 * Placeholders in a rule that name nothing a rule may read, e.g. `${dbUserPassword}`, each with
 * the first field of the rule that holds it (so the error can point at that line).
 */
export function forbiddenPlaceholders(rule: Rule | Record<string, unknown>): { field: string; name: string }[] {
  const found: { field: string; name: string }[] = []
  for (const [field, value] of Object.entries(rule)) {
    if (field === 'source') continue
    for (const name of placeholdersIn(value)) {
      if (name.startsWith('state:') || name.startsWith('item.') || ALLOWED.has(name) || found.some((f) => f.name === name)) continue
      found.push({ field, name })
    }
  }
  return found
}

/** Inputs that are secrets: named in a placeholder, the error says why it can never be. */
const SECRET_PLACEHOLDERS = new Set(['dbUserPassword', 'githubToken'])

/** The message for a placeholder a rule may not use. */
export function forbiddenPlaceholderMessage(ruleId: string, name: string): string {
  const why = SECRET_PLACEHOLDERS.has(name) ? ' (it is a secret, and rule texts reach every report)' : ''
  return `rule '${ruleId}': placeholder \${${name}} names nothing a rule may read${why}; rules may use ${allowedPlaceholderNames().join(', ')}, state: pointers and item. fields`
}

/** The names a placeholder may use, for error messages. */
export function allowedPlaceholderNames(): string[] {
  return [...ALLOWED]
}


/** Values the rules may name besides the inputs, derived from inputs and state. */
export function derivedValues(state: AccountState, params: TargetParameters): Record<string, unknown> {
  const partition = state.source.partition ?? /^arn:([a-z-]+):/.exec(params.cargoRoleArn ?? '')?.[1] ?? 'aws'
  const target = targetOf(params, state)
  const deployment = target.deployment
  return {
    partition,
    accountId: state.source.accountId,
    redshiftKind: target.kind,
    // Where things are in the console differs between a cluster and a workgroup's namespace.
    redshiftRolesConsole:
      deployment === 'provisioned'
        ? 'the cluster (Redshift console › Clusters › the cluster › Actions › Manage IAM roles)'
        : 'the namespace (Redshift Serverless console › Namespace configuration › the namespace › Security and encryption › Manage IAM roles)',
    redshiftNetworkConsole:
      deployment === 'provisioned'
        ? 'Redshift console › Clusters › the cluster › Actions › Modify publicly accessible setting'
        : 'Redshift Serverless console › Workgroup configuration › the workgroup › Network and security › Edit › Turn on Publicly accessible',
    redshiftSecurityGroupConsole:
      deployment === 'provisioned'
        ? 'the security group listed under the cluster’s Properties › Network and security settings'
        : 'the security group listed under the workgroup’s Network and security',
    redshiftDocs:
      deployment === 'provisioned'
        ? 'https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-clusters.html'
        : 'https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-workgroup-namespace.html',
    redshiftConnectDocs:
      deployment === 'provisioned'
        ? 'https://docs.aws.amazon.com/redshift/latest/mgmt/managing-clusters-vpc.html'
        : 'https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-connecting.html',
    redshiftName: target.name,
    policyName: params.policyName ?? state.iam.crossAccountPolicy?.name,
    // Without role-name the collector looks for the role among Redshift's associated roles.
    roleName: params.roleName ?? state.iam.role?.name,
    lambdaUserPolicyArns:
      params.lambdaUserPolicyArns.length > 0
        ? params.lambdaUserPolicyArns
        : [`arn:${partition}:iam::aws:policy/AWSLambda_FullAccess`]
  }
}
