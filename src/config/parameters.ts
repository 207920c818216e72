import ipaddr from 'ipaddr.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from '../json/problems.js'
import { INPUTS, inputSpec } from './inputs.js'

export type Severity = 'error' | 'warning' | 'notice'
export type FailOn = Severity | 'none'
export type Mode = 'audit' | 'plan' | 'apply' | 'doctor'

export interface SourceSchema {
  database: string
  schema: string
}

/*
 * Validated parameters, grouped by the stage that reads them. Each stage is handed only its
 * groups, so what a rule may name (`target`) can never hold a secret or a run setting by type:
 *
 *   mode         what the run does: audit | plan | apply | doctor
 *   target       the account setup being judged: Cargo's role and IPs, the region, the workgroup
 *                or cluster, the IAM and SQL names. Exactly the names a rule's `${…}` may use
 *                (RULE_PARAMETERS in ./rule-values.ts); no secret, no run setting.
 *   collect      how the live account is read: the Data API session, the deadline and
 *                concurrency bound, the role a fleet target is read with
 *   sources      what else to judge: a saved state-file, a Terraform plan or a CloudFormation
 *                template, and whether that is laid over the live account
 *   selection    which rules count: extra rule files, rules turned off, the waivers file
 *   outputs      what the run writes and how it exits: report, SARIF, JUnit, saved state, fail-on
 *   github       where GitHub shows the result: the PR comment, the drift issue, the token
 *   remediation  what plan and apply may change, and the password of a Cargo user they create
 */

/** The account setup being judged: what the rules are about and what the collectors look up. */
export interface TargetParameters {
  cargoRoleArn?: string
  cargoIps: string[]
  region?: string
  workgroup?: string
  clusterIdentifier?: string
  roleName?: string
  policyName?: string
  lambdaUser: string
  lambdaUserPolicyArns: string[]
  accessKeyMaxAgeDays: number
  database: string
  dbUser: string
  functionRole: string
  sourceSchemas: SourceSchema[]
  /** Users whose future tables in the source schemas Cargo must read; empty: each schema's table owners. */
  sourceTableOwners: string[]
}

/** How the live account is read. */
export interface CollectParameters {
  dataApiDatabase?: string
  dataApiSecretArn?: string
  dataApiDbUser?: string
  timeoutSeconds: number
  maxConcurrency: number
  /** Fleets (issue 13): the role whose assumed credentials every AWS client of this audit uses. */
  assumeRoleArn?: string
  externalId?: string
}

/** Files judged instead of (or laid over) the live account. */
export interface SourceParameters {
  stateFile?: string
  terraformPlan?: string
  terraformDir?: string
  cloudformationTemplate?: string
  cloudformationParameters: Record<string, string>
  iacLive: 'auto' | 'true' | 'false'
}

/** Which rules count. Read while the config loads; evaluate reads `disableRules`. */
export interface RuleSelection {
  /** Rule files laid over the built-in set. */
  rules: string[]
  disableRules: string[]
  waivers?: string
}

/** What the run writes and when it fails. */
export interface OutputParameters {
  reportPath: string
  sarifFile?: string
  junitFile?: string
  saveState?: string
  failOn: FailOn
  failOnError: boolean
}

/** Where GitHub shows the result. */
export interface GitHubParameters {
  commentOnPr: boolean
  driftIssue: boolean
  driftIssueTitle: string
  driftIssueLabels: string[]
  /** Secret: registered with core.setSecret, never reported. */
  githubToken?: string
}

/** What plan and apply may change. */
export interface RemediationParameters {
  /** Rule ids apply may fix; ['all'] for every rule. */
  remediate: string[]
  allowPublicAccess: boolean
  planFile?: string
  /** Secret: never logged, reported or saved; only CREATE USER reads it. */
  dbUserPassword?: string
}

/** Validated parameters, by stage (see above). */
export interface Parameters {
  mode: Mode
  target: TargetParameters
  collect: CollectParameters
  sources: SourceParameters
  selection: RuleSelection
  outputs: OutputParameters
  github: GitHubParameters
  remediation: RemediationParameters
}

/** A raw value with where it came from, so errors can name the place. */
export interface RawValue {
  value: unknown
  where: ConfigLocation
}
export type RawInputs = Record<string, RawValue>

const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\x21-\x7e]{1,510}\/)?[\w+=,.@-]{1,64}$/
const SECRET_ARN = /^arn:(aws|aws-cn|aws-us-gov):secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]{1,512}$/
const MANAGED_POLICY_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/(?:[\x21-\x7e]{0,510}\/)?[\w+=,.@-]{1,128}$/
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/
const IAM_ROLE_OR_USER_NAME = /^[\w+=,.@-]{1,64}$/
const IAM_POLICY_NAME = /^[\w+=,.@-]{1,128}$/
/** Serverless workgroup: 3-64 of a-z, 0-9 and hyphen. */
const WORKGROUP = /^[a-z0-9-]{3,64}$/
/** Cluster identifier: starts with a letter, lower case, no double or trailing hyphen. */
const CLUSTER_ID = /^(?!.*--)[a-z][a-z0-9-]{0,62}(?<!-)$/
/**
 * Redshift standard identifiers, ASCII only: we refuse quoted and non-ASCII names so that
 * every name reaches SQL in one unambiguous spelling (no homoglyphs, nothing to inject).
 */
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_$]{0,126}$/

/** A value quoted for a message: control characters escaped (never sent raw to a terminal), long ones cut. */
export function describe(value: unknown): string {
  const raw = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const text = raw.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return text.length > 80 ? `'${text.slice(0, 77)}...'` : `'${text}'`
}

class ParameterReader {
  readonly problems: ConfigProblem[] = []
  /** Inputs with a problem already: nothing else should complain about them (no knock-on errors). */
  readonly failed = new Set<string>()
  constructor(private readonly raw: RawInputs) {}

  private where(name: string): ConfigLocation {
    return this.raw[name]?.where ?? { input: name }
  }

  problem(name: string, message: string): void {
    this.problems.push({ where: this.where(name), message })
    this.failed.add(name)
  }

  /** The trimmed string value, or the default, or undefined when empty. */
  string(name: string): string | undefined {
    const raw = this.raw[name]
    let value: unknown = raw?.value
    if (value === undefined || value === null || value === '') value = inputSpec(name)?.default
    if (value === undefined) return undefined
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value)
    if (typeof value !== 'string') {
      this.problem(name, `expected a string, got ${describe(value)}`)
      return undefined
    }
    const text = value.trim()
    if (text.length > 4096) {
      this.problem(name, `value is ${text.length} characters long; at most 4096 are accepted`)
      return undefined
    }
    return text === '' ? undefined : text
  }

  list(name: string): string[] {
    const raw = this.raw[name]?.value ?? inputSpec(name)?.default
    if (raw === undefined || raw === null) return []
    let items: unknown[]
    if (Array.isArray(raw)) items = raw
    else if (typeof raw === 'string') items = raw.split(/[\n,]/)
    else {
      this.problem(name, `expected a list or a comma separated string, got ${describe(raw)}`)
      return []
    }
    const out: string[] = []
    for (const item of items) {
      if (typeof item !== 'string') {
        this.problem(name, `list items must be strings, got ${describe(item)}`)
        continue
      }
      const text = item.trim()
      if (text !== '') out.push(text)
    }
    if (out.length > 200) this.problem(name, `has ${out.length} items; at most 200 are accepted`)
    return out
  }

  matching(name: string, pattern: RegExp, what: string): string | undefined {
    const value = this.string(name)
    if (value !== undefined && !pattern.test(value)) {
      this.problem(name, `${describe(value)} is not ${what}`)
      return undefined
    }
    return value
  }

  /** A required SQL name, checked by `check` (a user name is checked apart: see checkSqlUserName). */
  sqlIdentifier(name: string, check: typeof checkSqlIdentifier = checkSqlIdentifier): string {
    const value = this.string(name)
    if (value === undefined) {
      this.problem(name, 'must not be empty')
      return ''
    }
    return check(value, (m) => this.problem(name, m)) ?? ''
  }

  number(name: string, min: number, max: number): number {
    const text = this.string(name) ?? '0'
    const n = Number(text)
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problem(name, `${describe(text)} is not a whole number from ${min} to ${max}`)
      return min
    }
    return n
  }

  boolean(name: string): boolean {
    const text = (this.string(name) ?? 'false').toLowerCase()
    if (['true', 'yes', '1', 'on'].includes(text)) return true
    if (['false', 'no', '0', 'off'].includes(text)) return false
    this.problem(name, `${describe(text)} is not true or false`)
    return false
  }

  /** `named`: what the message lists, when more values are valid elsewhere than read here. */
  oneOf<T extends string>(name: string, allowed: readonly T[], named: readonly string[] = allowed): T {
    const value = (this.string(name) ?? allowed[0]) as T
    if (!allowed.includes(value)) {
      this.problem(name, `${describe(value)} is not one of ${named.join(', ')}`)
      return allowed[0] as T
    }
    return value
  }
}

/** Checks a SQL identifier; returns it folded to lower case (as Redshift folds unquoted names). */
export function checkSqlIdentifier(value: string, report: (message: string) => void): string | undefined {
  const folded = value.toLowerCase()
  if (!SQL_IDENTIFIER.test(folded)) {
    report(
      `${describe(value)} is not a plain Redshift identifier: use 1-127 ASCII letters, digits, '_' or '$', starting with a letter or '_'`
    )
    return undefined
  }
  return folded
}

/**
 * Checks a Redshift user name. Unlike other names, a user name created in double quotes keeps
 * its case whatever enable_case_sensitive_identifier says (Redshift Database Developer Guide,
 * enable_case_sensitive_identifier): `Cargo_User` may name the user `cargo_user` (created
 * unquoted) or another one, `"Cargo_User"`. Folding would judge the first while the second may be
 * meant (a false pass); so a user name is taken in lower case only, the way the catalogue shows a
 * user created unquoted, and upper case is refused.
 */
export function checkSqlUserName(value: string, report: (message: string) => void): string | undefined {
  if (value !== value.toLowerCase()) {
    report(
      `${describe(value)} has upper case: Redshift keeps the case of a user name created in double quotes, so it may name a user other than ${describe(value.toLowerCase())}; give the user name in lower case, as pg_user shows a user created without quotes (users whose names hold upper case are not supported)`
    )
    return undefined
  }
  return checkSqlIdentifier(value, report)
}

/** Normalizes an IP address or CIDR block; a bare address becomes /32 or /128. */
export function normalizeCidr(text: string): { cidr?: string; error?: string } {
  const [address = '', bits, extra] = text.split('/')
  // ipaddr.js also accepts legacy IPv4 forms ('10.1', hex, octal); only dotted quads are addresses here.
  // Zone indexes (fe80::1%eth0) name a local interface: no security group rule can hold one.
  const validAddress = address.includes('%')
    ? false
    : address.includes(':')
      ? ipaddr.IPv6.isValid(address)
      : ipaddr.IPv4.isValidFourPartDecimal(address)
  if (!validAddress || extra !== undefined) return { error: `'${text}' is not an IP address or CIDR block` }
  const parsed = ipaddr.parse(address)
  const family = parsed.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6
  const maxBits = parsed.kind() === 'ipv4' ? 32 : 128
  if (bits === undefined) return { cidr: `${parsed.toString()}/${maxBits}` }
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits) return { error: `'${text}' has an invalid prefix length` }
  const network = family.networkAddressFromCIDR(`${parsed.toString()}/${bits}`).toString()
  if (network !== parsed.toString()) return { error: `'${text}' has host bits set; did you mean ${network}/${bits}?` }
  return { cidr: `${network}/${Number(bits)}` }
}


/**
 * Validates raw inputs into Parameters. Every problem is collected and thrown
 * together as one ConfigError, before anything talks to AWS.
 */
export function resolveParameters(raw: RawInputs, env: NodeJS.ProcessEnv = process.env): Parameters {
  const { params, problems } = readParameters(raw, env)
  if (problems.length > 0) throw new ConfigError(problems)
  return params
}

/**
 * Raw inputs -> Parameters and every problem found. With problems, the parameters hold a stand-in
 * for each bad value, good enough for the caller to go on checking the rest (the rule files,
 * the waivers) and report everything in one pass; they must never be used to read AWS.
 */
export function readParameters(raw: RawInputs, env: NodeJS.ProcessEnv = process.env): { params: Parameters; problems: ConfigProblem[] } {
  const r = new ParameterReader(raw)
  for (const name of Object.keys(raw)) {
    if (!inputSpec(name)) {
      const near = INPUTS.find((i) => i.name.replace(/-/g, '') === name.replace(/[-_]/g, '').toLowerCase())
      r.problem(name, `unknown input${near ? `; did you mean '${near.name}'?` : ''}`)
    }
  }
  // Read stage by stage, in the order problems are reported.
  const { target, regionFailed } = readTargetInputs(r, raw, env)
  const sql = readSqlInputs(r, target.workgroup)
  const run = readRunInputs(r)
  const iac = readIacInputs(r)
  const github = readGitHubInputs(r)
  const remediation = readRemediationInputs(r, raw)
  const fleet = readFleetInputs(r)
  checkWhatToRead(r, { ...target, ...run, ...iac }, regionFailed)
  const params = byStage({ ...target, ...sql, ...run, ...iac, ...github, ...remediation, ...fleet })
  return { params, problems: r.problems }
}

/** Every parameter in one object, as the readers below return them, before they are grouped by stage. */
type FlatParameters = { mode: Mode } & TargetParameters &
  CollectParameters &
  SourceParameters &
  RuleSelection &
  OutputParameters &
  GitHubParameters &
  RemediationParameters

/*
 * The members of each group. Records rather than lists, so that the compiler checks each list
 * against its group: a member missing here, or one the group lacks, does not compile.
 */
const TARGET_KEYS: Record<keyof TargetParameters, true> = {
  cargoRoleArn: true,
  cargoIps: true,
  region: true,
  workgroup: true,
  clusterIdentifier: true,
  roleName: true,
  policyName: true,
  lambdaUser: true,
  lambdaUserPolicyArns: true,
  accessKeyMaxAgeDays: true,
  database: true,
  dbUser: true,
  functionRole: true,
  sourceSchemas: true,
  sourceTableOwners: true
}
const COLLECT_KEYS: Record<keyof CollectParameters, true> = {
  dataApiDatabase: true,
  dataApiSecretArn: true,
  dataApiDbUser: true,
  timeoutSeconds: true,
  maxConcurrency: true,
  assumeRoleArn: true,
  externalId: true
}
const SOURCE_KEYS: Record<keyof SourceParameters, true> = {
  stateFile: true,
  terraformPlan: true,
  terraformDir: true,
  cloudformationTemplate: true,
  cloudformationParameters: true,
  iacLive: true
}
const SELECTION_KEYS: Record<keyof RuleSelection, true> = { rules: true, disableRules: true, waivers: true }
const OUTPUT_KEYS: Record<keyof OutputParameters, true> = {
  reportPath: true,
  sarifFile: true,
  junitFile: true,
  saveState: true,
  failOn: true,
  failOnError: true
}
const GITHUB_KEYS: Record<keyof GitHubParameters, true> = {
  commentOnPr: true,
  driftIssue: true,
  driftIssueTitle: true,
  driftIssueLabels: true,
  githubToken: true
}
const REMEDIATION_KEYS: Record<keyof RemediationParameters, true> = {
  remediate: true,
  allowPublicAccess: true,
  planFile: true,
  dbUserPassword: true
}

/** The members of `keys` that `from` has (exactOptionalPropertyTypes: an absent one stays absent). */
function group<G>(from: FlatParameters, keys: Record<keyof G, true>): G {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(keys)) {
    const value = (from as unknown as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = value
  }
  return out as G
}

function byStage(flat: FlatParameters): Parameters {
  return {
    mode: flat.mode,
    target: group<TargetParameters>(flat, TARGET_KEYS),
    collect: group<CollectParameters>(flat, COLLECT_KEYS),
    sources: group<SourceParameters>(flat, SOURCE_KEYS),
    selection: group<RuleSelection>(flat, SELECTION_KEYS),
    outputs: group<OutputParameters>(flat, OUTPUT_KEYS),
    github: group<GitHubParameters>(flat, GITHUB_KEYS),
    remediation: group<RemediationParameters>(flat, REMEDIATION_KEYS)
  }
}

/** What the audit is about: mode, Cargo's role and IPs, the region, Redshift, the IAM names. */
function readTargetInputs(r: ParameterReader, raw: RawInputs, env: NodeJS.ProcessEnv) {
  // The action's modes targets and merge are read before the config (src/fleet/action.ts); a
  // mode that reaches here unknown is named against all six, which is what the action takes.
  const fleetMode = raw['mode']?.value === 'targets' || raw['mode']?.value === 'merge'
  if (fleetMode) r.problem('mode', `mode '${String(raw['mode']!.value)}' is taken from the action's mode input only, not from a config file`)
  const mode = fleetMode ? 'audit' : r.oneOf('mode', ['audit', 'plan', 'apply', 'doctor'] as const, ['audit', 'plan', 'apply', 'doctor', 'targets', 'merge'])
  const cargoRoleArn = r.matching('cargo-role-arn', ROLE_ARN, 'an IAM role ARN (arn:aws:iam::123456789012:role/name)')

  const cargoIps: string[] = []
  for (const item of r.list('cargo-ips')) {
    const { cidr, error } = normalizeCidr(item)
    if (error) r.problem('cargo-ips', error)
    else if (cidr && !cargoIps.includes(cidr)) cargoIps.push(cidr)
  }

  if (raw['region'] === undefined || raw['region'].value === '' || raw['region'].value === undefined) {
    const fromEnv = env['AWS_REGION'] || env['AWS_DEFAULT_REGION']
    if (fromEnv) raw = { ...raw, region: { value: fromEnv, where: { input: 'region (from AWS_REGION)' } } }
  }
  const regionReader = new ParameterReader(raw)
  const region = regionReader.matching('region', REGION, 'an AWS region (e.g. eu-west-1)')
  r.problems.push(...regionReader.problems)

  const workgroup = r.matching('workgroup', WORKGROUP, 'a Redshift Serverless workgroup name (3-64 of a-z, 0-9, -)')
  const clusterIdentifier = r.matching(
    'cluster-identifier',
    CLUSTER_ID,
    'a Redshift cluster identifier (1-63 of a-z, 0-9, -, starting with a letter)'
  )
  if (workgroup && clusterIdentifier) {
    r.problem('cluster-identifier', 'give either workgroup or cluster-identifier, not both')
  }

  const roleName = r.matching('role-name', IAM_ROLE_OR_USER_NAME, 'an IAM role name (1-64 of letters, digits and +=,.@_-)')
  const policyName = r.matching('policy-name', IAM_POLICY_NAME, 'an IAM policy name (1-128 of letters, digits and +=,.@_-)')
  const lambdaUser =
    r.matching('lambda-user', IAM_ROLE_OR_USER_NAME, 'an IAM user name (1-64 of letters, digits and +=,.@_-)') ?? ''
  const lambdaUserPolicyArns: string[] = []
  for (const arn of r.list('lambda-user-policy-arns')) {
    if (!MANAGED_POLICY_ARN.test(arn)) r.problem('lambda-user-policy-arns', `${describe(arn)} is not a managed policy ARN`)
    else lambdaUserPolicyArns.push(arn)
  }
  return {
    target: {
      mode,
      cargoIps,
      lambdaUser,
      lambdaUserPolicyArns,
      ...defined({ cargoRoleArn, region, workgroup, clusterIdentifier, roleName, policyName })
    },
    regionFailed: regionReader.failed.has('region')
  }
}

/** Inside Redshift: the Cargo database, user and function role, the source schemas, the Data API session. */
function readSqlInputs(r: ParameterReader, workgroup: string | undefined) {
  const database = r.sqlIdentifier('database')
  const dbUser = r.sqlIdentifier('db-user', checkSqlUserName)
  const functionRole = r.sqlIdentifier('function-role')
  const sourceSchemas: SourceSchema[] = []
  for (const item of r.list('source-schemas')) {
    const parts = item.split('.')
    if (parts.length !== 2) {
      r.problem('source-schemas', `${describe(item)} is not database.schema`)
      continue
    }
    const db = checkSqlIdentifier(parts[0]!, (m) => r.problem('source-schemas', m))
    const schema = checkSqlIdentifier(parts[1]!, (m) => r.problem('source-schemas', m))
    if (db && schema && !sourceSchemas.some((s) => s.database === db && s.schema === schema)) {
      sourceSchemas.push({ database: db, schema })
    }
  }
  const sourceTableOwners: string[] = []
  for (const item of r.list('source-table-owners')) {
    const owner = checkSqlUserName(item, (m) => r.problem('source-table-owners', m))
    if (owner && !sourceTableOwners.includes(owner)) sourceTableOwners.push(owner)
  }
  const dataApiDatabaseRaw = r.string('data-api-database')
  const dataApiDatabase =
    dataApiDatabaseRaw === undefined
      ? undefined
      : checkSqlIdentifier(dataApiDatabaseRaw, (m) => r.problem('data-api-database', m))
  const dataApiSecretArn = r.matching('data-api-secret-arn', SECRET_ARN, 'a Secrets Manager secret ARN')
  const dataApiDbUserRaw = r.string('data-api-db-user')
  const dataApiDbUser =
    dataApiDbUserRaw === undefined
      ? undefined
      : checkSqlIdentifier(dataApiDbUserRaw, (m) => r.problem('data-api-db-user', m))
  if (dataApiDbUser && workgroup) {
    r.problem('data-api-db-user', 'applies to provisioned clusters only; a workgroup uses IAM or data-api-secret-arn')
  }
  return { database, dbUser, functionRole, sourceSchemas, sourceTableOwners, ...defined({ dataApiDatabase, dataApiSecretArn, dataApiDbUser }) }
}

/** How the run judges and what it writes: rules, waivers, exit policy, state files, limits. */
function readRunInputs(r: ParameterReader) {
  const rules = r.list('rules')
  const disableRules = r.list('disable-rules')
  const waivers = r.string('waivers')
  const failOn = r.oneOf('fail-on', ['error', 'warning', 'notice', 'none'] as const)
  const failOnError = r.boolean('fail-on-error')
  const stateFile = r.string('state-file')
  const saveState = r.string('save-state')
  const reportPath = r.string('report-path') ?? 'cargo-redshift-guard-report.json'
  const timeoutSeconds = r.number('timeout', 1, 3600)
  const maxConcurrency = r.number('max-concurrency', 1, 64)
  const accessKeyMaxAgeDays = r.number('access-key-max-age-days', 1, 36500)
  return {
    rules,
    disableRules,
    failOn,
    failOnError,
    reportPath,
    timeoutSeconds,
    maxConcurrency,
    accessKeyMaxAgeDays,
    ...defined({ waivers, stateFile, saveState })
  }
}

/** A Terraform plan or CloudFormation template to judge, and whether to lay it over the live account. */
function readIacInputs(r: ParameterReader) {
  const terraformPlan = r.string('terraform-plan')
  const terraformDir = r.string('terraform-dir')
  const cloudformationTemplate = r.string('cloudformation-template')
  if (terraformPlan && cloudformationTemplate) r.problem('cloudformation-template', 'give either terraform-plan or cloudformation-template, not both')
  if (terraformDir && !terraformPlan) r.problem('terraform-dir', 'only applies with terraform-plan')
  const cloudformationParameters: Record<string, string> = {}
  for (const pair of r.list('cloudformation-parameters')) {
    const eq = pair.indexOf('=')
    if (eq <= 0 || !/^[A-Za-z0-9]{1,255}$/.test(pair.slice(0, eq))) {
      r.problem('cloudformation-parameters', `${describe(pair)} is not Key=Value with an alphanumeric key`)
    } else cloudformationParameters[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  const iacLive = r.oneOf('iac-live', ['auto', 'true', 'false'] as const)
  return { cloudformationParameters, iacLive, ...defined({ terraformPlan, terraformDir, cloudformationTemplate }) }
}

/** Where GitHub shows the result: SARIF and JUnit files, the PR comment, the drift issue. */
function readGitHubInputs(r: ParameterReader) {
  const sarifFile = r.string('sarif-file')
  const junitFile = r.string('junit-file')
  const commentOnPr = r.boolean('comment-on-pr')
  const driftIssue = r.boolean('drift-issue')
  const driftIssueTitle = r.string('drift-issue-title') ?? 'Cargo on Redshift: setup drift'
  const driftIssueLabels = r.list('drift-issue-labels')
  const githubToken = r.string('github-token')
  return { commentOnPr, driftIssue, driftIssueTitle, driftIssueLabels, ...defined({ sarifFile, junitFile, githubToken }) }
}

/** What plan and apply may change, and the password for a Cargo user they create. */
function readRemediationInputs(r: ParameterReader, raw: RawInputs) {
  const remediate = r.list('remediate')
  if (remediate.includes('all') && remediate.length > 1) r.problem('remediate', "'all' cannot be combined with rule ids")
  const allowPublicAccess = r.boolean('allow-public-access')
  const planFile = r.string('plan-file')
  const dbUserPassword = raw['db-user-password']?.value === undefined ? undefined : String(raw['db-user-password'].value)
  if (dbUserPassword !== undefined && !/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[\x21-\x7e]{8,64}$/.test(dbUserPassword)) {
    // Redshift's rule: 8-64 printable ASCII with upper, lower and a digit. Never echo the value.
    r.problem('db-user-password', "is not a valid Redshift password (8-64 printable ASCII characters with an upper-case letter, a lower-case letter and a digit; no spaces)")
  }
  else if (dbUserPassword !== undefined && /['"\\/@\s]/.test(dbUserPassword)) {
    r.problem('db-user-password', "must not contain quotes, backslash, '/', '@' or spaces")
  }
  return { remediate, allowPublicAccess, ...defined({ planFile, dbUserPassword }) }
}

/** Fleets (issue 13): the role to assume; targets, target, max-targets-in-flight and reports are read by src/config/targets.ts. */
function readFleetInputs(r: ParameterReader) {
  const assumeRoleArn = r.matching('assume-role-arn', ROLE_ARN, 'an IAM role ARN (arn:aws:iam::123456789012:role/name)')
  // sts:AssumeRole ExternalId: 2-1224 of letters, digits and +=,.@:/- (API reference, AssumeRole).
  const externalId = r.matching('external-id', /^[\w+=,.@:\/-]{2,1224}$/, 'an external ID (2-1224 of letters, digits and +=,.@:/-)')
  if (externalId && !assumeRoleArn) r.problem('external-id', 'only applies with assume-role-arn')
  return defined({ assumeRoleArn, externalId })
}

/** Something to judge: the live account (which needs a Redshift name and a region) or files. */
function checkWhatToRead(
  r: ParameterReader,
  p: Pick<FlatParameters, 'workgroup' | 'clusterIdentifier' | 'region' | 'stateFile' | 'terraformPlan' | 'cloudformationTemplate' | 'iacLive'>,
  regionFailed: boolean
): void {
  const judgesFiles = Boolean(p.stateFile || p.terraformPlan || p.cloudformationTemplate)
  if (p.iacLive === 'true' && !p.terraformPlan && !p.cloudformationTemplate) r.problem('iac-live', 'only applies with terraform-plan or cloudformation-template')
  if (p.iacLive === 'true' && p.stateFile) r.problem('iac-live', "cannot read the live account and a state-file at once; the plan is laid over the state-file")
  const needsAws = !judgesFiles || p.iacLive === 'true'
  if (needsAws && !p.workgroup && !p.clusterIdentifier && !r.failed.has('workgroup') && !r.failed.has('cluster-identifier')) {
    r.problem('workgroup', 'give workgroup (Redshift Serverless) or cluster-identifier (provisioned), or a state-file, terraform-plan or cloudformation-template to judge')
  }
  if (needsAws && !p.region && !regionFailed) {
    r.problem('region', 'is required to read AWS (or set AWS_REGION)')
  }
}

/** Drops undefined members (the project compiles with exactOptionalPropertyTypes). */
export function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as { [K in keyof T]?: Exclude<T[K], undefined> }
}
