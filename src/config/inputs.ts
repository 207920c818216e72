/**
 * The catalogue of inputs. One list serves the action (kebab-case inputs), the
 * CLI (the same names as --flags) and the config file (the same keys); a test
 * keeps action.yml and the README in step with it.
 */
export interface InputSpec {
  name: string
  description: string
  default?: string
  /** 'list' values are comma or newline separated strings, or YAML lists in the config file. */
  kind: 'string' | 'list' | 'boolean' | 'number'
  /** Only meaningful to the CLI or only to the action. */
  only?: 'cli' | 'action'
  /** The modes (CLI commands) this input matters to; every mode when absent. */
  modes?: ReadonlyArray<'audit' | 'plan' | 'apply' | 'doctor'>
  /**
   * A secret: masked in the action's log as soon as it is read, never named by a rule, never
   * taken from a config file, nor from the command line (argv shows in process lists).
   */
  secret?: true
}

export const INPUTS: readonly InputSpec[] = [
  { name: 'mode', kind: 'string', default: 'audit', description: "What to do: 'audit' (read-only), 'plan' (audit, then write the additive changes that would fix drift), 'apply' (make those changes and audit again), 'doctor' (try every read the enabled rules need and say which are refused and what would allow them), 'targets' (output the targets file as a job matrix) or 'merge' (one fleet report from the per-target reports)." },
  { name: 'config', kind: 'string', default: '.github/cargo-redshift-guard.yml', description: 'Config file holding any of these inputs as YAML keys. A missing file at the default path is ignored; inputs given directly win over the file.' },
  { name: 'cargo-role-arn', kind: 'string', description: "ARN of the role Cargo created for your workspace (arn:aws:iam::<account>:role/<name>). The cross-account policy must allow sts:AssumeRole on it." },
  { name: 'cargo-ips', kind: 'list', description: "Cargo's public IP addresses or CIDR blocks, comma or newline separated. A single address means /32 (IPv4) or /128 (IPv6)." },
  { name: 'region', kind: 'string', description: 'AWS region of the Redshift workgroup or cluster. Defaults to AWS_REGION / AWS_DEFAULT_REGION.' },
  { name: 'workgroup', kind: 'string', description: 'Redshift Serverless workgroup name. Give this or cluster-identifier.' },
  { name: 'cluster-identifier', kind: 'string', description: 'Provisioned Redshift cluster identifier. Give this or workgroup.' },
  { name: 'role-name', kind: 'string', description: 'Name of the IAM role associated with Redshift for Cargo (the guide lets you choose it).' },
  { name: 'policy-name', kind: 'string', description: "Name of the customer-managed cross-account policy. When empty, it is found among the role's attached customer-managed policies." },
  { name: 'lambda-user', kind: 'string', default: 'cargo_lambda', description: 'Name of the IAM user whose access key Cargo uses to manage Lambda functions.' },
  { name: 'lambda-user-policy-arns', kind: 'list', description: 'Managed policy ARNs accepted instead of AWSLambda_FullAccess for the Lambda user (a narrower equivalent). Empty means AWSLambda_FullAccess.' },
  { name: 'access-key-max-age-days', kind: 'number', default: '365', description: "Warn when the Lambda user's newest active access key is older than this many days." },
  { name: 'database', kind: 'string', default: 'cargo_db', description: 'The database dedicated to Cargo.' },
  { name: 'db-user', kind: 'string', default: 'cargo_user', description: 'The Redshift user Cargo signs in as, in lower case (a user name with upper case is refused: created in double quotes it keeps its case, so it could name another user).' },
  { name: 'function-role', kind: 'string', default: 'cargo_create_replace_function', description: 'The Redshift role that holds CREATE OR REPLACE FUNCTION and is granted to the Cargo user.' },
  { name: 'source-schemas', kind: 'list', description: 'Schemas Cargo reads, as database.schema, comma or newline separated (they may live in other databases).' },
  { name: 'source-table-owners', kind: 'list', description: "Users whose future tables in the source schemas Cargo must read, comma or newline separated, in lower case (as for db-user). Default: the owners of each schema's existing tables and views. Each needs ALTER DEFAULT PRIVILEGES FOR USER <owner> (or a scoped permission)." },
  { name: 'data-api-database', kind: 'string', description: "Database the Data API connects to for account-wide SQL checks. Defaults to the namespace's or cluster's database, else 'dev'." },
  { name: 'data-api-secret-arn', kind: 'string', description: 'Secrets Manager secret the Data API signs in with. Without it: IAM credentials for a workgroup, or data-api-db-user for a cluster.' },
  { name: 'data-api-db-user', kind: 'string', description: 'Database user for Data API temporary credentials on a provisioned cluster (redshift:GetClusterCredentials).' },
  { name: 'rules', kind: 'list', description: 'Extra rule-set files (YAML or JSON) laid over the built-in rule set: a rule with a known id overrides it, a new id adds a rule.' },
  { name: 'disable-rules', kind: 'list', description: 'Rule ids not to evaluate (they are reported as skipped).' },
  { name: 'waivers', kind: 'string', description: 'YAML or JSON file of waivers: rule id, optional resource, reason and expires (YYYY-MM-DD). An expired waiver no longer mutes.' },
  { name: 'fail-on', kind: 'string', default: 'error', description: "Lowest severity of a failing rule that fails the step: 'error', 'warning', 'notice', or 'none' to never fail on drift. Rules that could not be checked fail the step unless fail-on-error is false." },
  { name: 'fail-on-error', kind: 'boolean', default: 'true', description: 'Whether a rule that could not be checked (verdict error) fails the step.' },
  { name: 'state-file', kind: 'string', description: 'Judge this saved account state (JSON) instead of reading AWS.' },
  { name: 'terraform-plan', kind: 'string', description: 'Judge a Terraform plan: the JSON of `terraform show -json <planfile>`. Findings point at the .tf line of each resource.' },
  { name: 'terraform-dir', kind: 'string', description: "Folder of the plan's root module (.tf files), for line numbers. Default: the plan file's folder." },
  { name: 'cloudformation-template', kind: 'string', description: 'Judge a CloudFormation template (YAML with short-form tags, or JSON).' },
  { name: 'cloudformation-parameters', kind: 'list', description: "Template parameter values as Key=Value, over the template's defaults." },
  { name: 'iac-live', kind: 'string', default: 'auto', description: "With terraform-plan or cloudformation-template: lay the planned changes over the live account ('true'), judge the plan alone ('false'), or 'auto': live when AWS credentials, a region and a workgroup or cluster are given." },
  { name: 'save-state', kind: 'string', description: 'Write the collected account state to this file (it holds no secret).' },
  { name: 'report-path', kind: 'string', default: 'cargo-redshift-guard-report.json', description: 'Where to write the JSON report.' },
  { name: 'sarif-file', kind: 'string', description: 'Write a SARIF 2.1.0 report here, for github/codeql-action/upload-sarif (needs security-events: write).' },
  { name: 'junit-file', kind: 'string', description: 'Write a JUnit XML report here, for CI systems other than GitHub.' },
  { name: 'comment-on-pr', kind: 'boolean', default: 'false', only: 'action', description: 'On pull-request events, keep one comment on the PR with the summary, edited in place on every run (needs pull-requests: write).' },
  { name: 'drift-issue', kind: 'boolean', default: 'false', only: 'action', description: 'On schedule and workflow_dispatch events, open one issue when drift appears, update it on later runs and close it when every rule passes (needs issues: write).' },
  { name: 'drift-issue-title', kind: 'string', default: 'Cargo on Redshift: setup drift', only: 'action', description: 'Title of the drift issue.' },
  { name: 'drift-issue-labels', kind: 'list', default: 'cargo-redshift-guard', only: 'action', description: 'Labels of the drift issue (the first one is used to find it again).' },
  { name: 'github-token', kind: 'string', only: 'action', secret: true, description: "Token for the PR comment and the drift issue. Defaults to the workflow's GITHUB_TOKEN." },
  { name: 'remediate', modes: ['plan', 'apply'], kind: 'list', description: "Rule ids whose automatic fixes apply may make, or 'all'. Empty: apply changes nothing." },
  { name: 'allow-public-access', modes: ['plan', 'apply'], kind: 'boolean', default: 'false', description: 'Let apply make the workgroup or cluster publicly accessible (redshift-publicly-accessible). Off unless set: it opens the database to the internet.' },
  { name: 'plan-file', modes: ['plan', 'apply'], kind: 'string', description: "mode plan: where to write the plan (JSON; a Markdown twin is written beside it). mode apply: the reviewed plan to apply. Steps already made count as done; a step whose subject changed since the plan was made is held back, with the steps that depend on it." },
  { name: 'db-user-password', modes: ['plan', 'apply'], secret: true, kind: 'string', description: 'Password for creating the Cargo DB user when it is missing (pass a secret). Without it the user is never created. Masked, never written anywhere.' },
  { name: 'timeout', kind: 'number', default: '300', description: 'Overall time limit for reading AWS, in seconds; what is not read by then is reported as error.' },
  { name: 'max-concurrency', kind: 'number', default: '8', description: 'Most AWS calls in flight at once.' },
  // --- fleets (issue 13): many accounts, regions and workgroups; see src/config/targets.ts and src/fleet/.
  { name: 'targets', kind: 'string', description: 'Targets file (YAML or JSON): `defaults` (any input) and `targets` (each a name plus inputs: assume-role-arn, region, workgroup or cluster-identifier, ...). Without `target`, every target is audited in this job.' },
  { name: 'target', kind: 'string', description: 'With targets: the name of the one target to audit, plan or apply (one job of the matrix).' },
  { name: 'assume-role-arn', kind: 'string', description: "Role to audit through: its AWS calls use credentials assumed from the job's own (sts:AssumeRole, session named after the tool and the run, refreshed before expiry)." },
  { name: 'external-id', kind: 'string', description: 'External ID passed to sts:AssumeRole with assume-role-arn, when the role trusts on that condition.' },
  { name: 'max-targets-in-flight', kind: 'number', default: '4', description: 'With targets and no target: most targets audited at once in this job.' },
  { name: 'reports', kind: 'list', only: 'action', description: "mode merge: the per-target JSON reports to merge, as file globs (e.g. reports/**/*.json), comma or newline separated." }
]

export function inputSpec(name: string): InputSpec | undefined {
  return INPUTS.find((i) => i.name === name)
}
