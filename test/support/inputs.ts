/**
 * Inputs for tests: a seeded account (its names and deployment) turned into what each entry point
 * is given — the input values themselves, RawInputs for loadConfig/resolveParameters, CLI argv, the
 * action's INPUT_* environment, or resolved Parameters. Input names are the action's, which are
 * also the CLI's flags without `--`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { resolveParameters, type Parameters, type RawInputs } from '../../src/config/parameters.js'
import type { AccountState } from '../../src/state/types.js'
import { REGION } from './emulators.js'

const EXAMPLES = join(import.meta.dirname, '../../examples')

/** The Cargo workspace role the seeded cross-account policy allows. */
export const CARGO_ROLE_ARN = 'arn:aws:iam::999988887777:role/cargo-workspace-abc123'
export const CARGO_IPS = ['3.248.12.34/32']

export type Deployment = 'serverless' | 'provisioned'

/** Names used by the seeded setup. */
export interface CargoNames {
  roleName: string
  policyName: string
  lambdaUser: string
  workgroup: string
  namespace: string
  clusterIdentifier: string
  database: string
  dbUser: string
  functionRole: string
  /** `database.schema` */
  sourceSchema: string
  /** The namespace's / cluster's own database (the Data API connects there). */
  dbName: string
}

export const DEFAULT_NAMES: CargoNames = {
  roleName: 'cargo-redshift',
  policyName: 'cargo-cross-account',
  lambdaUser: 'cargo_lambda',
  workgroup: 'cargo-wg',
  namespace: 'cargo-ns',
  clusterIdentifier: 'cargo-cluster',
  database: 'cargo_db',
  dbUser: 'cargo_user',
  functionRole: 'cargo_create_replace_function',
  sourceSchema: 'sales.crm',
  dbName: 'dev'
}

/**
 * The inputs an audit of the seeded setup is given, by input name. `extra` is laid over them; an
 * empty string in `extra` takes that input away (e.g. `{ 'cargo-role-arn': '' }`).
 */
export function cargoInputs(names: CargoNames, deployment: Deployment, extra: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {
    'cargo-role-arn': CARGO_ROLE_ARN,
    'cargo-ips': CARGO_IPS.join(','),
    region: REGION,
    'role-name': names.roleName,
    'policy-name': names.policyName,
    'lambda-user': names.lambdaUser,
    database: names.database,
    'db-user': names.dbUser,
    'function-role': names.functionRole,
    'source-schemas': names.sourceSchema,
    ...(deployment === 'serverless' ? { workgroup: names.workgroup } : { 'cluster-identifier': names.clusterIdentifier }),
    ...extra
  }
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''))
}

/**
 * Input values as RawInputs, each located at its input name (`{ input: 'region' }`), or at its
 * CLI flag (`{ input: '--region' }`) with `{ as: 'flag' }`. `undefined` values are left out.
 */
export function rawInputs(values: Record<string, unknown>, options: { as?: 'input' | 'flag' } = {}): RawInputs {
  const raw: RawInputs = {}
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) raw[name] = { value, where: { input: options.as === 'flag' ? `--${name}` : name } }
  }
  return raw
}

/** Input values as CLI flags: `['--region', 'eu-west-1', ...]`. */
export function cliArgs(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, value])
}

/** Input values as the runner hands them to an action: `INPUT_<NAME>` (upper case, hyphens kept). */
export function actionInputEnv(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]))
}

/** Parameters resolved from input values (no environment read); `undefined` values are left out. */
export function paramsOf(values: Record<string, unknown>): Parameters {
  return resolveParameters(rawInputs(values), {})
}

/** The parameters an audit of the seeded setup is given. */
export function paramsFor(names: CargoNames, deployment: Deployment, extra: Record<string, string> = {}): Parameters {
  return paramsOf(cargoInputs(names, deployment, extra))
}

/** The input values of a config file under examples/ (`serverless.yml`, `provisioned.yml`). */
export function exampleInputs(name: string): Record<string, unknown> {
  return parse(readFileSync(join(EXAMPLES, name), 'utf8')) as Record<string, unknown>
}

/** A saved state under examples/ (`serverless-compliant`, `provisioned-compliant`, …), a fresh copy each call. */
export function exampleState(name = 'serverless-compliant'): AccountState {
  return JSON.parse(readFileSync(join(EXAMPLES, `${name}.state.json`), 'utf8')) as AccountState
}

/** The inputs the planner's unit tests plan with: the compliant serverless example, every rule remediable. */
export function planningParams(): Parameters {
  return paramsOf({
    'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo-workspace-acme',
    'cargo-ips': '3.251.12.34',
    region: 'eu-west-1',
    'role-name': 'cargo-redshift',
    'policy-name': 'cargo-cross-account',
    workgroup: 'cargo-wg',
    remediate: 'all'
  })
}
