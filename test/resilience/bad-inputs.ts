/**
 * The bad-input corpus: inputs, config files, rule sets, waivers and state files that must
 * be refused before any AWS call, with exit code 2 and the place of the problem named.
 *
 * Each case starts from BASE_FLAGS (a valid live audit: without the bad input it would read
 * AWS), replaces or removes flags, may write files into a fresh working directory, and names
 * the `place` stderr must contain: the input flag (`input '--region'`), the file and position
 * (`rules.yaml:4:15`) and/or the JSON pointer (`at /rules/0/severity`).
 */

export const CARGO_ROLE_ARN = 'arn:aws:iam::999988887777:role/cargo-workspace-acme'

/** A valid live audit of a serverless workgroup; every case makes one thing about it wrong. */
export const BASE_FLAGS: Readonly<Record<string, string>> = {
  region: 'eu-west-1',
  workgroup: 'cargo-wg',
  'role-name': 'cargo-redshift',
  'policy-name': 'cargo-cross-account',
  'cargo-role-arn': CARGO_ROLE_ARN,
  'cargo-ips': '3.251.12.34',
  'source-schemas': 'analytics.public',
  timeout: '5',
  'fail-on': 'none'
}

export type BadInputCategory =
  | 'arn'
  | 'cidr'
  | 'region'
  | 'identifier'
  | 'value'
  | 'usage'
  | 'config-file'
  | 'rule-yaml'
  | 'rule-json'
  | 'rule-schema'
  | 'unknown-rule-id'
  | 'size'
  | 'waiver'
  | 'state'

export interface BadInputCase {
  id: string
  category: BadInputCategory
  /** Flags laid over BASE_FLAGS; `null` removes one. */
  flags?: Record<string, string | null>
  /** Raw argv appended after the flags (unknown options, stray positionals). */
  argv?: string[]
  /** Replaces the command ('audit'). */
  command?: string
  /** Files written into the run's working directory (relative path -> text). */
  files?: Record<string, string>
  /** Empty directories created in the working directory. */
  dirs?: string[]
  /** Extra environment (laid over the endpoint environment). */
  env?: Record<string, string>
  /** What stderr must contain to name the place of the problem. */
  place: string
  /** A value that must not be echoed (a password). */
  secret?: string
  /**
   * A known defect of the tool: the case is expected to fail today (`it.fails`). Says what
   * should happen and what happens instead.
   */
  bug?: string
  /**
   * Run the bundled CLI (dist/cli.js) in a child process under a memory limit, for inputs
   * that could take the test process down with them.
   */
  subprocess?: boolean
}

// -------------------------------------------------------------------------------------------
// Building blocks

const TEN_KB = 'x'.repeat(10 * 1024)
/** Cyrillic 'о' (U+043E) and 'і' (U+0456) look like Latin 'o' and 'i'. */
const CYR_O = '\u043e'
const CYR_I = '\u0456'

/** A complete new rule (YAML), for files that must otherwise be valid. */
function newRuleYaml(id: string, extra = ''): string {
  return `  - id: ${id}
    title: The Redshift endpoint uses port 5439
    severity: notice
    appliesTo: both
    description: Our firewall only opens 5439.
    docs: https://docs.aws.amazon.com/redshift/
    given: /redshift/endpoint
    resource: redshift:\${redshiftName}
    expected: port 5439
    then: { properties: { port: { const: 5439 } } }
    remediation: { manual: Recreate the endpoint on port 5439. }
${extra}`
}

/** A rule file of more than 1 MiB that is otherwise valid YAML. */
function hugeRuleFile(): string {
  const lines = ['rules:', '  - id: iam-lambda-user-key-age', '    severity: error', '    description: >-']
  const line = `      ${'padding '.repeat(15)}\n`
  let text = lines.join('\n') + '\n'
  while (text.length <= 1024 * 1024 + 10) text += line
  return text
}

/** A waiver file around one waiver (YAML). */
function waiver(fields: string): string {
  return `waivers:\n  - ${fields.trim().split('\n').join('\n    ')}\n`
}

/** A minimal valid saved state, as JSON text, with `patch` applied to the object first. */
function stateJson(patch: (s: Record<string, unknown>) => void = () => {}): string {
  const state: Record<string, unknown> = {
    schemaVersion: 1,
    source: { kind: 'aws', collectedAt: '2026-06-01T12:00:00.000Z', partition: 'aws', region: 'eu-west-1', deployment: 'serverless' },
    iam: {},
    network: {},
    unavailable: []
  }
  patch(state)
  return JSON.stringify(state, null, 2) + '\n'
}

/** `count` nested aliases of nine references each: the YAML "billion laughs". */
function aliasBomb(key: string): string {
  const lines = [`a0: &a0 ["lol"]`]
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`)
  lines.push(`${key}: *a9`)
  return lines.join('\n') + '\n'
}

// -------------------------------------------------------------------------------------------
// The corpus

const inputCases: BadInputCase[] = [
  // --- ARNs
  { id: 'arn-short-account', category: 'arn', flags: { 'cargo-role-arn': 'arn:aws:iam::12345:role/cargo' }, place: "input '--cargo-role-arn'" },
  { id: 'arn-s3-not-role', category: 'arn', flags: { 'cargo-role-arn': 'arn:aws:s3:::cargo-bucket' }, place: "input '--cargo-role-arn'" },
  { id: 'arn-user-not-role', category: 'arn', flags: { 'cargo-role-arn': 'arn:aws:iam::999988887777:user/cargo' }, place: "input '--cargo-role-arn'" },
  { id: 'arn-sql-fragment', category: 'arn', flags: { 'cargo-role-arn': `${CARGO_ROLE_ARN}; DROP TABLE y` }, place: "input '--cargo-role-arn'" },
  { id: 'arn-homoglyph', category: 'arn', flags: { 'cargo-role-arn': `arn:aws:iam::999988887777:r${CYR_O}le/cargo` }, place: "input '--cargo-role-arn'" },
  { id: 'arn-unknown-partition', category: 'arn', flags: { 'cargo-role-arn': 'arn:aws-mars:iam::999988887777:role/cargo' }, place: "input '--cargo-role-arn'" },
  { id: 'arn-10kb', category: 'size', flags: { 'cargo-role-arn': `arn:aws:iam::999988887777:role/${TEN_KB}` }, place: "input '--cargo-role-arn'" },
  { id: 'policy-arn-role', category: 'arn', flags: { 'lambda-user-policy-arns': 'arn:aws:iam::aws:role/AWSLambda_FullAccess' }, place: "input '--lambda-user-policy-arns'" },
  { id: 'secret-arn-short-account', category: 'arn', flags: { 'data-api-secret-arn': 'arn:aws:secretsmanager:eu-west-1:123:secret:cargo' }, place: "input '--data-api-secret-arn'" },

  // --- CIDRs
  { id: 'cidr-prefix-33', category: 'cidr', flags: { 'cargo-ips': '3.251.12.34/33' }, place: "input '--cargo-ips'" },
  { id: 'cidr-host-bits', category: 'cidr', flags: { 'cargo-ips': '3.251.12.0/16' }, place: "input '--cargo-ips'" },
  { id: 'cidr-legacy-two-part', category: 'cidr', flags: { 'cargo-ips': '10.1' }, place: "input '--cargo-ips'" },
  { id: 'cidr-hex-octet', category: 'cidr', flags: { 'cargo-ips': '0x0a.1.2.3' }, place: "input '--cargo-ips'" },
  { id: 'cidr-bad-ipv6', category: 'cidr', flags: { 'cargo-ips': '2001:db8::zz' }, place: "input '--cargo-ips'" },
  { id: 'cidr-two-slashes', category: 'cidr', flags: { 'cargo-ips': '1.2.3.4/24/1' }, place: "input '--cargo-ips'" },
  { id: 'cidr-space-separated', category: 'cidr', flags: { 'cargo-ips': '1.2.3.4 5.6.7.8' }, place: "input '--cargo-ips'" },
  { id: 'cidr-sql-fragment', category: 'cidr', flags: { 'cargo-ips': '1.2.3.4; DROP TABLE y' }, place: "input '--cargo-ips'" },
  { id: 'cidr-fullwidth-digits', category: 'cidr', flags: { 'cargo-ips': '\uff13.251.12.34' }, place: "input '--cargo-ips'" },
  {
    id: 'cidr-201-items',
    category: 'size',
    flags: { 'cargo-ips': Array.from({ length: 201 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}`).join(',') },
    place: "input '--cargo-ips'"
  },

  // --- Regions
  { id: 'region-shell', category: 'region', flags: { region: 'eu-west-1; rm -rf /' }, place: "input '--region'" },
  { id: 'region-upper-case', category: 'region', flags: { region: 'EU-WEST-1' }, place: "input '--region'" },
  { id: 'region-underscores', category: 'region', flags: { region: 'eu_west_1' }, place: "input '--region'" },
  { id: 'region-blank', category: 'region', flags: { region: '   ' }, place: "input '--region'" },
  { id: 'region-from-env', category: 'region', flags: { region: null }, env: { AWS_REGION: 'eu west 1' }, place: "input 'region (from AWS_REGION)'" },
  { id: 'region-missing', category: 'region', flags: { region: null }, place: "input '--region'" },

  // --- Identifiers: Redshift, IAM, SQL
  { id: 'workgroup-upper-case', category: 'identifier', flags: { workgroup: 'Cargo-WG' }, place: "input '--workgroup'" },
  { id: 'workgroup-sql-fragment', category: 'identifier', flags: { workgroup: 'wg; DROP TABLE y' }, place: "input '--workgroup'" },
  { id: 'workgroup-too-short', category: 'identifier', flags: { workgroup: 'wg' }, place: "input '--workgroup'" },
  { id: 'workgroup-homoglyph', category: 'identifier', flags: { workgroup: `carg${CYR_O}-wg` }, place: "input '--workgroup'" },
  { id: 'workgroup-10kb', category: 'size', flags: { workgroup: TEN_KB }, place: "input '--workgroup'" },
  { id: 'cluster-leading-digit', category: 'identifier', flags: { workgroup: null, 'cluster-identifier': '1cluster' }, place: "input '--cluster-identifier'" },
  { id: 'cluster-double-hyphen', category: 'identifier', flags: { workgroup: null, 'cluster-identifier': 'cargo--cluster' }, place: "input '--cluster-identifier'" },
  { id: 'cluster-and-workgroup', category: 'identifier', flags: { 'cluster-identifier': 'cargo-cluster' }, place: "input '--cluster-identifier'" },
  { id: 'no-redshift-target', category: 'identifier', flags: { workgroup: null }, place: "input '--workgroup'" },
  { id: 'role-name-space', category: 'identifier', flags: { 'role-name': 'cargo redshift' }, place: "input '--role-name'" },
  { id: 'role-name-quote', category: 'identifier', flags: { 'role-name': 'cargo"redshift' }, place: "input '--role-name'" },
  { id: 'role-name-slash', category: 'identifier', flags: { 'role-name': 'cargo/redshift' }, place: "input '--role-name'" },
  { id: 'role-name-65-chars', category: 'size', flags: { 'role-name': 'r'.repeat(65) }, place: "input '--role-name'" },
  { id: 'policy-name-semicolon', category: 'identifier', flags: { 'policy-name': 'cargo;policy' }, place: "input '--policy-name'" },
  { id: 'lambda-user-quote', category: 'identifier', flags: { 'lambda-user': "cargo'lambda" }, place: "input '--lambda-user'" },
  { id: 'lambda-user-fullwidth', category: 'identifier', flags: { 'lambda-user': '\uff43\uff41\uff52\uff47\uff4f' }, place: "input '--lambda-user'" },
  { id: 'database-sql-fragment', category: 'identifier', flags: { database: 'x; DROP TABLE y' }, place: "input '--database'" },
  { id: 'database-quoted', category: 'identifier', flags: { database: '"cargo_db"' }, place: "input '--database'" },
  { id: 'database-space', category: 'identifier', flags: { database: 'cargo db' }, place: "input '--database'" },
  { id: 'database-homoglyph', category: 'identifier', flags: { database: `carg${CYR_O}_db` }, place: "input '--database'" },
  { id: 'database-leading-digit', category: 'identifier', flags: { database: '1cargo' }, place: "input '--database'" },
  { id: 'database-128-chars', category: 'size', flags: { database: 'd'.repeat(128) }, place: "input '--database'" },
  { id: 'database-10kb', category: 'size', flags: { database: TEN_KB }, place: "input '--database'" },
  { id: 'db-user-comment', category: 'identifier', flags: { 'db-user': "cargo_user'--" }, place: "input '--db-user'" },
  { id: 'db-user-unicode', category: 'identifier', flags: { 'db-user': '\u00fcn\u00efcode' }, place: "input '--db-user'" },
  { id: 'db-user-null-byte', category: 'identifier', flags: { 'db-user': 'cargo\u0000user' }, place: "input '--db-user'" },
  { id: 'function-role-statement', category: 'identifier', flags: { 'function-role': 'role$; select 1' }, place: "input '--function-role'" },
  { id: 'source-schema-no-dot', category: 'identifier', flags: { 'source-schemas': 'analytics' }, place: "input '--source-schemas'" },
  { id: 'source-schema-three-parts', category: 'identifier', flags: { 'source-schemas': 'a.b.c' }, place: "input '--source-schemas'" },
  { id: 'source-schema-sql-fragment', category: 'identifier', flags: { 'source-schemas': 'analytics.public; DROP TABLE y' }, place: "input '--source-schemas'" },
  { id: 'source-schema-quoted', category: 'identifier', flags: { 'source-schemas': '"Analytics".public' }, place: "input '--source-schemas'" },
  { id: 'source-schema-homoglyph', category: 'identifier', flags: { 'source-schemas': `analytics.publ${CYR_I}c` }, place: "input '--source-schemas'" },
  { id: 'data-api-database-comment', category: 'identifier', flags: { 'data-api-database': 'dev --' }, place: "input '--data-api-database'" },
  { id: 'data-api-db-user-with-workgroup', category: 'identifier', flags: { 'data-api-db-user': 'admin' }, place: "input '--data-api-db-user'" },

  // --- Other values
  { id: 'fail-on-unknown', category: 'value', flags: { 'fail-on': 'critical' }, place: "input '--fail-on'" },
  { id: 'fail-on-error-maybe', category: 'value', flags: { 'fail-on-error': 'maybe' }, place: "input '--fail-on-error'" },
  { id: 'timeout-zero', category: 'value', flags: { timeout: '0' }, place: "input '--timeout'" },
  { id: 'timeout-fraction', category: 'value', flags: { timeout: '1.5' }, place: "input '--timeout'" },
  { id: 'timeout-word', category: 'value', flags: { timeout: 'soon' }, place: "input '--timeout'" },
  { id: 'max-concurrency-65', category: 'value', flags: { 'max-concurrency': '65' }, place: "input '--max-concurrency'" },
  { id: 'key-age-negative', category: 'value', argv: ['--access-key-max-age-days=-1'], place: "input '--access-key-max-age-days'" },
  { id: 'database-ansi-escape', category: 'identifier', flags: { database: '\u001b[2J\u001b[31mcargo_db' }, place: "input '--database'" },
  { id: 'remediate-all-and-ids', category: 'value', flags: { remediate: 'all,iam-role-exists' }, place: "input '--remediate'" },
  { id: 'password-too-short', category: 'value', flags: { 'db-user-password': 'Sh0rt' }, place: "input '--db-user-password'", secret: 'Sh0rt' },
  { id: 'password-with-space', category: 'value', flags: { 'db-user-password': 'Has Space1A' }, place: "input '--db-user-password'", secret: 'Has Space1A' },
  { id: 'password-with-quote', category: 'value', flags: { 'db-user-password': "Passw0rd'x" }, place: "input '--db-user-password'", secret: "Passw0rd'x" },

  // --- Usage
  { id: 'unknown-flag', category: 'usage', argv: ['--cargo-ip', '1.2.3.4'], place: "'--cargo-ip'" },
  { id: 'unknown-command', category: 'usage', command: 'audits', place: "'audits'" },
  { id: 'unknown-format', category: 'usage', argv: ['--format', 'xml'], place: "input '--format': 'xml'" },
  { id: 'flag-missing-value', category: 'usage', argv: ['--workgroup'], place: "'--workgroup" }
]

const unknownIdCases: BadInputCase[] = [
  { id: 'disable-rules-typo', category: 'unknown-rule-id', flags: { 'disable-rules': 'iam-role-exist' }, place: "input '--disable-rules'" },
  { id: 'disable-rules-sql-fragment', category: 'unknown-rule-id', flags: { 'disable-rules': 'x; DROP TABLE y' }, place: "input '--disable-rules'" },
  {
    id: 'disable-rules-homoglyph',
    category: 'unknown-rule-id',
    flags: { 'disable-rules': `${CYR_I}am-role-exists` },
    place: "input '--disable-rules'"
  },
  {
    id: 'rule-requires-unknown',
    category: 'unknown-rule-id',
    flags: { rules: 'rules.yaml' },
    files: { 'rules.yaml': 'rules:\n  - id: iam-role-trusts-lambda\n    requires: [iam-role-exist]\n' },
    place: 'rules.yaml:3:16 at /rules/0/requires/0'
  },
  {
    id: 'rule-new-id-incomplete',
    category: 'unknown-rule-id',
    flags: { rules: 'rules.yaml' },
    files: { 'rules.yaml': 'rules:\n  - id: iam-role-exist\n    severity: warning\n' },
    place: 'rules.yaml:2:5 at /rules/0'
  },
  {
    id: 'waiver-unknown-rule',
    category: 'unknown-rule-id',
    flags: { waivers: 'waivers.yaml' },
    files: { 'waivers.yaml': waiver('rule: iam-role-exist\nreason: Ticket OPS-1\nexpires: "2099-12-31"') },
    place: 'waivers.yaml:2:11 at /waivers/0/rule'
  },
  {
    id: 'waiver-rule-sql-fragment',
    category: 'unknown-rule-id',
    flags: { waivers: 'waivers.yaml' },
    files: { 'waivers.yaml': waiver('rule: "x; DROP TABLE y"\nreason: Ticket OPS-1\nexpires: "2099-12-31"') },
    place: 'waivers.yaml:2:11 at /waivers/0/rule'
  }
]

const configFileCases: BadInputCase[] = [
  { id: 'config-not-found', category: 'config-file', flags: { config: 'missing.yml' }, place: "missing.yml input '--config'" },
  { id: 'config-is-directory', category: 'config-file', flags: { config: 'conf' }, dirs: ['conf'], place: "conf input 'config'" },
  { id: 'config-empty', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': '' }, place: 'c.yml:1:1' },
  { id: 'config-yaml-unclosed-flow', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'workgroup: cargo-wg\ncargo-ips: [3.251.12.34\n' }, place: 'c.yml:' },
  { id: 'config-json-unclosed', category: 'config-file', flags: { config: 'c.json' }, files: { 'c.json': '{"workgroup": "cargo-wg",\n "region": "eu-west-1"\n' }, place: 'c.json:' },
  { id: 'config-tab-indent', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'cargo-ips:\n\t- 3.251.12.34\n' }, place: 'c.yml:2' },
  { id: 'config-duplicate-key', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'region: eu-west-1\nregion: eu-west-2\n' }, place: 'c.yml:2:1' },
  { id: 'config-list-not-mapping', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': '- workgroup\n- cargo-wg\n' }, place: 'c.yml:1:1 at /' },
  { id: 'config-scalar-not-mapping', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'just a string\n' }, place: 'c.yml:1:1 at /' },
  { id: 'config-unknown-key', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'workgroup: cargo-wg\ncargo_ips: [3.251.12.34]\n' }, place: 'c.yml:2:12 at /cargo_ips' },
  { id: 'config-names-config', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'config: other.yml\n' }, place: 'c.yml:1:9 at /config' },
  { id: 'config-mapping-value', category: 'config-file', flags: { config: 'c.yml', 'cargo-ips': null }, files: { 'c.yml': 'cargo-ips: { a: 1 }\n' }, place: 'c.yml:1:12 at /cargo-ips' },
  { id: 'config-nested-list-item', category: 'config-file', flags: { config: 'c.yml', 'cargo-ips': null }, files: { 'c.yml': 'cargo-ips:\n  - 3.251.12.34\n  - [5.6.7.8]\n' }, place: 'c.yml:2:3 at /cargo-ips' },
  { id: 'config-sql-fragment', category: 'config-file', flags: { config: 'c.yml', database: null }, files: { 'c.yml': 'database: "x; DROP TABLE y"\n' }, place: 'c.yml:1:11 at /database' },
  { id: 'config-bad-region', category: 'config-file', flags: { config: 'c.yml', region: null }, files: { 'c.yml': 'region: Europe\n' }, place: 'c.yml:1:9 at /region' },
  { id: 'config-alias-bomb', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': aliasBomb('workgroup') }, place: 'c.yml' },
  { id: 'config-multi-document', category: 'config-file', flags: { config: 'c.yml' }, files: { 'c.yml': 'workgroup: cargo-wg\n---\nregion: eu-west-1\n' }, place: 'c.yml:' },
  { id: 'config-huge', category: 'size', flags: { config: 'c.yml' }, files: { 'c.yml': `# ${'x'.repeat(1024 * 1024)}\nworkgroup: cargo-wg\n` }, place: 'c.yml' },
  { id: 'config-default-path-broken', category: 'config-file', files: { '.github/cargo-redshift-guard.yml': 'workgroup: [\n' }, place: '.github/cargo-redshift-guard.yml:' }
]

const ruleFileCases: BadInputCase[] = [
  { id: 'rules-not-found', category: 'rule-yaml', flags: { rules: 'nope.yaml' }, place: "nope.yaml input 'rules'" },
  { id: 'rules-is-directory', category: 'rule-yaml', flags: { rules: 'rules.d' }, dirs: ['rules.d'], place: "rules.d input 'rules'" },
  { id: 'rules-empty', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': '\n\n' }, place: 'rules.yaml:1:1' },
  { id: 'rules-comments-only', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': '# nothing here\n' }, place: 'rules.yaml at /' },
  { id: 'rules-yaml-unclosed-quote', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: "iam-role-exists\n    severity: warning\n' }, place: 'rules.yaml:' },
  { id: 'rules-yaml-bad-indent', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n   severity: warning\n' }, place: 'rules.yaml:3' },
  { id: 'rules-yaml-unclosed-flow', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules: [{ id: iam-role-exists, severity: warning }\n' }, place: 'rules.yaml:' },
  { id: 'rules-yaml-duplicate-key', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    id: iam-role-trusts-lambda\n' }, place: 'rules.yaml:3:5' },
  { id: 'rules-yaml-multi-document', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules: []\n---\nrules: []\n' }, place: 'rules.yaml:' },
  { id: 'rules-yaml-alias-bomb', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': aliasBomb('rules') }, place: 'rules.yaml' },
  { id: 'rules-yaml-binary', category: 'rule-yaml', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: \u0000\u0001\u0002\n' }, place: 'rules.yaml:' },
  { id: 'rules-json-unclosed', category: 'rule-json', flags: { rules: 'rules.json' }, files: { 'rules.json': '{"rules": [{"id": "iam-role-exists", "severity": "warning"}\n' }, place: 'rules.json:' },
  { id: 'rules-json-trailing-garbage', category: 'rule-json', flags: { rules: 'rules.json' }, files: { 'rules.json': '{"rules": []} trailing\n' }, place: 'rules.json:1' },
  { id: 'rules-json-single-quotes', category: 'rule-json', flags: { rules: 'rules.json' }, files: { 'rules.json': "{'rules': [{'id': 'iam-role-exists', 'severity': 'loud'}]}\n" }, place: 'rules.json:1:' },
  { id: 'rules-json-duplicate-key', category: 'rule-json', flags: { rules: 'rules.json' }, files: { 'rules.json': '{"rules": [], "rules": []}\n' }, place: 'rules.json:1:' },
  { id: 'rules-json-array-top', category: 'rule-schema', flags: { rules: 'rules.json' }, files: { 'rules.json': '[{"id": "iam-role-exists"}]\n' }, place: 'rules.json:1:1 at /' },
  { id: 'rules-json-null', category: 'rule-schema', flags: { rules: 'rules.json' }, files: { 'rules.json': 'null\n' }, place: 'rules.json:1:1 at /' },
  { id: 'rules-missing-rules', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'name: mine\n' }, place: 'rules.yaml:1:1 at /' },
  { id: 'rules-unknown-top-key', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules: []\nrule: []\n' }, place: 'rules.yaml:1:1 at /' },
  { id: 'rules-not-array', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules: { id: iam-role-exists }\n' }, place: 'rules.yaml:1:8 at /rules' },
  { id: 'rules-id-upper-case', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: IAM_Role\n' }, place: 'rules.yaml:2:9 at /rules/0/id' },
  { id: 'rules-id-homoglyph', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': `rules:\n  - id: ${CYR_I}am-role-exists\n    severity: warning\n` }, place: 'rules.yaml:2:9 at /rules/0/id' },
  { id: 'rules-id-sql-fragment', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: "x; DROP TABLE y"\n' }, place: 'rules.yaml:2:9 at /rules/0/id' },
  { id: 'rules-id-number', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: 42\n' }, place: 'rules.yaml:2:9 at /rules/0/id' },
  { id: 'rules-severity-unknown', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    severity: critical\n' }, place: 'rules.yaml:3:15 at /rules/0/severity' },
  { id: 'rules-severity-number', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    severity: 3\n' }, place: 'rules.yaml:3:15 at /rules/0/severity' },
  { id: 'rules-unknown-field', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    sevrity: warning\n' }, place: 'rules.yaml:2:5 at /rules/0' },
  { id: 'rules-title-10kb', category: 'size', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': `rules:\n  - id: iam-role-exists\n    title: ${TEN_KB}\n` }, place: 'rules.yaml:3:12 at /rules/0/title' },
  { id: 'rules-given-not-pointer', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    given: iam/role\n' }, place: 'rules.yaml:3:12 at /rules/0/given' },
  { id: 'rules-docs-http', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    docs: http://example.com/\n' }, place: 'rules.yaml:3:11 at /rules/0/docs' },
  { id: 'rules-remediation-empty', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    remediation: {}\n' }, place: 'rules.yaml:3:18 at /rules/0/remediation' },
  { id: 'rules-remediation-action-unknown', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    remediation: { action: create-rol }\n' }, place: 'rules.yaml:3:18 at /rules/0/remediation/action' },
  { id: 'rules-requires-parameter-unknown', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    requiresParameters: [password]\n' }, place: 'rules.yaml:3:26 at /rules/0/requiresParameters/0' },
  { id: 'rules-then-not-object', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    then: "type: object"\n' }, place: 'rules.yaml:3:11 at /rules/0/then' },
  {
    id: 'rules-then-does-not-compile',
    category: 'rule-schema',
    flags: { rules: 'rules.yaml' },
    files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    then: { type: banana }\n' },
    place: 'rules.yaml:3:11 at /rules/0/then'
  },
  { id: 'rules-duplicate-id', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n  - id: iam-role-exists\n' }, place: 'rules.yaml:3:9 at /rules/1/id' },
  { id: 'rules-requires-cycle', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    requires: [iam-role-trusts-redshift]\n' }, place: 'rules.yaml:3:15 at /rules/0/requires' },
  { id: 'rules-given-typo', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    given: /iam/rol\n' }, place: 'rules.yaml:3:12 at /rules/0/given' },
  { id: 'rules-reads-typo', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: iam-role-exists\n    reads: [/iam/role/nmae]\n' }, place: 'rules.yaml:3:13 at /rules/0/reads/0' },
  { id: 'rules-item-field-typo', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: sql-source-select\n    resource: sql:schema/${item.shcema}\n' }, place: 'rules.yaml:3:15 at /rules/0/resource' },
  { id: 'rules-then-field-typo', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: redshift-publicly-accessible\n    then: { properties: { publiclyAccesible: { const: true } } }\n' }, place: 'rules.yaml:3:11 at /rules/0/then' },
  { id: 'rules-keyword-bad-cidr', category: 'cidr', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: network-cargo-ip-inbound\n    then: { cidrsAdmitted: { cidrs: ["300.1.1.1/33"], port: 5439 } }\n' }, place: 'rules.yaml:3:11 at /rules/0/then' },
  { id: 'rules-keyword-bad-port', category: 'rule-schema', flags: { rules: 'rules.yaml' }, files: { 'rules.yaml': 'rules:\n  - id: network-cargo-ingress-narrow\n    then: { noWiderIngress: { cidrs: ["3.251.12.34/32"], port: 99999 } }\n' }, place: 'rules.yaml:3:11 at /rules/0/then' },
  {
    id: 'rules-new-rule-bad-appliesto',
    category: 'rule-schema',
    flags: { rules: 'rules.yaml' },
    files: { 'rules.yaml': `rules:\n${newRuleYaml('redshift-endpoint-port').replace('appliesTo: both', 'appliesTo: everywhere')}` },
    place: 'rules.yaml:5:16 at /rules/0/appliesTo'
  },
  {
    id: 'rules-second-file-broken',
    category: 'rule-yaml',
    flags: { rules: 'ok.yaml,broken.yaml' },
    files: { 'ok.yaml': `rules:\n${newRuleYaml('redshift-endpoint-port')}`, 'broken.yaml': 'rules:\n  - id: [\n' },
    place: 'broken.yaml:'
  },
  { id: 'rules-huge', category: 'size', flags: { rules: 'big.yaml' }, files: { 'big.yaml': hugeRuleFile() }, place: 'big.yaml' },
  {
    id: 'rules-endless-device',
    category: 'size',
    flags: { rules: '/dev/zero' },
    place: '/dev/zero',
    subprocess: true
  }
]

const waiverCases: BadInputCase[] = [
  { id: 'waivers-not-found', category: 'waiver', flags: { waivers: 'w.yaml' }, place: "w.yaml input 'waivers'" },
  { id: 'waivers-syntax', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': 'waivers:\n  - rule: iam-role-exists\n    reason: "unterminated\n' }, place: 'w.yaml:' },
  { id: 'waiver-date-slashes', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: 31/12/2026') }, place: 'w.yaml:4:14 at /waivers/0/expires' },
  { id: 'waiver-date-month-13', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2026-13-01"') }, place: 'w.yaml:4:14 at /waivers/0/expires' },
  { id: 'waiver-date-day-00', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2026-12-00"') }, place: 'w.yaml:4:14 at /waivers/0/expires' },
  { id: 'waiver-date-with-time', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2026-12-31T23:59:59Z"') }, place: 'w.yaml:4:14 at /waivers/0/expires' },
  { id: 'waiver-date-number', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: 20261231') }, place: 'w.yaml:4:14 at /waivers/0/expires' },
  { id: 'waiver-missing-expires', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1') }, place: 'w.yaml:2:5 at /waivers/0' },
  { id: 'waiver-reason-too-short', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: ok\nexpires: "2099-01-01"') }, place: 'w.yaml:3:13 at /waivers/0/reason' },
  { id: 'waiver-unknown-field', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2099-01-01"\nuntil: forever') }, place: 'w.yaml:2:5 at /waivers/0' },
  { id: 'waivers-not-list', category: 'waiver', flags: { waivers: 'w.yaml' }, files: { 'w.yaml': 'waivers: iam-role-exists\n' }, place: 'w.yaml:1:10 at /waivers' },
  {
    id: 'waiver-date-february-30',
    category: 'waiver',
    flags: { waivers: 'w.yaml' },
    files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2026-02-30"') },
    place: 'w.yaml:4:14 at /waivers/0/expires'
  },
  {
    id: 'waiver-date-april-31',
    category: 'waiver',
    flags: { waivers: 'w.yaml' },
    files: { 'w.yaml': waiver('rule: iam-role-exists\nreason: Ticket OPS-1\nexpires: "2026-04-31"') },
    place: 'w.yaml:4:14 at /waivers/0/expires'
  },
  { id: 'waivers-json-broken', category: 'waiver', flags: { waivers: 'w.json' }, files: { 'w.json': '{"waivers": [{"rule": "iam-role-exists",]}\n' }, place: 'w.json:1:' }
]

const stateCases: BadInputCase[] = [
  { id: 'state-not-found', category: 'state', flags: { state: 'gone.json' }, place: "gone.json input 'state-file'" },
  { id: 'state-empty', category: 'state', flags: { state: 's.json' }, files: { 's.json': '' }, place: 's.json:1:1' },
  { id: 'state-json-truncated', category: 'state', flags: { state: 's.json' }, files: { 's.json': stateJson().slice(0, 120) }, place: 's.json:' },
  { id: 'state-null', category: 'state', flags: { state: 's.json' }, files: { 's.json': 'null\n' }, place: 's.json:1:1 at /' },
  { id: 'state-missing-required', category: 'state', flags: { state: 's.json' }, files: { 's.json': '{"schemaVersion": 1}\n' }, place: 's.json:1:1 at /' },
  { id: 'state-wrong-version', category: 'state', flags: { state: 's.json' }, files: { 's.json': stateJson((s) => (s['schemaVersion'] = 99)) }, place: 's.json:2:20 at /schemaVersion' },
  { id: 'state-unknown-property', category: 'state', flags: { state: 's.json' }, files: { 's.json': stateJson((s) => (s['password'] = 'x')) }, place: 's.json:1:1 at /' },
  { id: 'state-unavailable-not-list', category: 'state', flags: { state: 's.json' }, files: { 's.json': stateJson((s) => (s['unavailable'] = 'none')) }, place: 'at /unavailable' },
  // Issue 11: a state read for another target or region can show nothing about the inputs' own.
  {
    id: 'state-other-workgroup',
    category: 'state',
    flags: { state: 's.json' },
    files: { 's.json': stateJson((s) => (s['subject'] = { target: { kind: 'workgroup', name: 'other-wg' } })) },
    place: "input '--workgroup': names workgroup cargo-wg, but the state-file s.json was read for workgroup other-wg"
  },
  {
    id: 'state-other-deployment',
    category: 'state',
    flags: { state: 's.json' },
    files: { 's.json': stateJson((s) => ((s['source'] as Record<string, unknown>)['deployment'] = 'provisioned')) },
    place: "input '--workgroup': names workgroup cargo-wg, but the state-file s.json was read for a cluster"
  },
  {
    id: 'state-other-region',
    category: 'state',
    flags: { state: 's.json' },
    files: { 's.json': stateJson((s) => ((s['source'] as Record<string, unknown>)['region'] = 'us-east-1')) },
    place: "input '--region': is eu-west-1, but the state-file s.json was read in us-east-1"
  },
  { id: 'state-huge', category: 'size', flags: { state: 's.json' }, files: { 's.json': stateJson((s) => (s['$schema'] = 'x'.repeat(1024 * 1024))) }, place: 's.json' }
]

// Issue 13: targets files (every target validated before any target is read), target, merge.
const TARGETS_HEAD = 'targets:\n  - name: prod-eu\n    region: eu-west-1\n    workgroup: cargo-wg\n'
const fleetCases: BadInputCase[] = [
  { id: 'targets-unknown-key', category: 'config-file', flags: { targets: 't.yml' }, files: { 't.yml': `${TARGETS_HEAD}    regoin: eu-west-1\n` }, place: "t.yml:5:13 at /targets/0/regoin: unknown key 'regoin'" },
  {
    id: 'targets-bad-assume-role-arn',
    category: 'arn',
    flags: { targets: 't.yml' },
    files: { 't.yml': `${TARGETS_HEAD}  - name: staging\n    assume-role-arn: arn:aws:iam::2222:role/audit\n` },
    place: "t.yml:6:22 at /targets/1/assume-role-arn: target 'staging': 'arn:aws:iam::2222:role/audit' is not an IAM role ARN"
  },
  { id: 'targets-duplicate-name', category: 'config-file', flags: { targets: 't.yml' }, files: { 't.yml': `${TARGETS_HEAD}  - name: prod-eu\n` }, place: "t.yml:5:11 at /targets/1/name: duplicate target name 'prod-eu'" },
  { id: 'targets-secret', category: 'config-file', flags: { targets: 't.yml' }, files: { 't.yml': `defaults:\n  db-user-password: Secret-Passw0rd\n${TARGETS_HEAD}` }, place: "'db-user-password' cannot be set in a targets file", secret: 'Secret-Passw0rd' },
  { id: 'targets-bad-name', category: 'identifier', flags: { targets: 't.yml' }, files: { 't.yml': 'targets:\n  - name: prod eu\n' }, place: 't.yml:2:11 at /targets/0/name' },
  { id: 'targets-missing-file', category: 'config-file', flags: { targets: 'nope.yml' }, place: 'nope.yml' },
  { id: 'target-unknown', category: 'usage', flags: { targets: 't.yml', target: 'staging' }, files: { 't.yml': TARGETS_HEAD }, place: "input '--target': no target named 'staging' in t.yml (targets: prod-eu)" },
  { id: 'target-without-targets', category: 'usage', flags: { target: 'prod-eu' }, place: "input '--target': only applies with targets" },
  { id: 'targets-plan-without-target', category: 'usage', command: 'plan', flags: { targets: 't.yml' }, files: { 't.yml': TARGETS_HEAD }, place: 'plan changes one account at a time: give --target NAME' },
  { id: 'merge-unreadable-report', category: 'usage', command: 'merge', argv: ['r.json'], files: { 'r.json': '{"reportVersion": 2}' }, place: 'r.json:1:1 at /: not a cargo-redshift-guard JSON report' },
  { id: 'merge-no-report', category: 'usage', command: 'merge', argv: ['none/*.json'], place: "'none/*.json' matches no file" }
]

/** Every case; ids are unique. */
export const BAD_INPUTS: readonly BadInputCase[] = [
  ...inputCases,
  ...unknownIdCases,
  ...configFileCases,
  ...ruleFileCases,
  ...waiverCases,
  ...stateCases,
  ...fleetCases
]

/** The argv a case runs with: the command, BASE_FLAGS with the case's flags laid over, then its raw argv. */
export function argvOf(c: BadInputCase): string[] {
  // merge reads reports, not an account: it takes none of the account inputs (and refuses them).
  const flags: Record<string, string | null> = { ...(c.command === 'merge' ? {} : BASE_FLAGS), ...(c.flags ?? {}) }
  const argv = [c.command ?? 'audit']
  for (const [name, value] of Object.entries(flags)) if (value !== null) argv.push(`--${name}`, value)
  return [...argv, ...(c.argv ?? [])]
}
