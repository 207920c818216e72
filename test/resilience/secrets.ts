/**
 * Secret hygiene, shared by secrets.test.ts and test/bench/faults.ts: plants known secret values
 * in the emulated account and the inputs, runs the audit live through the bundled action and the
 * CLI with every output it has, and finds where (if anywhere) a secret shows up.
 */
import { PASSWORD_ENV } from '../../src/cli/parse.js'
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2'
import { CreateAccessKeyCommand, ListAccessKeysCommand, TagRoleCommand, TagUserCommand, UpdateRoleCommand } from '@aws-sdk/client-iam'
import { awsEnv, type Emulators } from '../support/emulators.js'
import { cargoInputs, cliArgs } from '../support/inputs.js'
import { seedClients, seedCompliantServerless, type Seeded } from '../support/seed.js'
import { readTree, runCli, runDistActionAsync, workspace, type AsyncActionRun, type CliRun } from './harness.js'

/** A valid Redshift password (8-64 printable ASCII, upper, lower, digit, none of '"\/@ or space). */
export const PASSWORD = 'Cargo-Resil1ence-Pw9x'

/** Secret-looking strings planted where the audit can read them but has no reason to copy them. */
export const PLANTED = {
  roleTag: 'ghp_R3s1l1enceT0kenAbCdEfGhIjKlMnOpQrSt01',
  roleDescription: 'db password Zq8vR2kLm9Xw4Tq do not share',
  userTag: 'xoxb-000111222-resilienceSlackTokenQ9',
  userKeyTag: 'AWS_SECRET=wJalrXUtnFEMIresilienceKEYqq'
}
/** A secret-looking security group rule description (descriptions are read with the rules). */
export const SG_SECRET = 'sk_live_51Hres1l1enceSGdesc0123456789'

export interface PlantedAccount {
  seeded: Seeded
  env: Record<string, string>
  /** Every access key id of the Lambda user. */
  accessKeyIds: string[]
  /** The secret access key of the key created here. */
  secretAccessKey: string
}

/** Seeds a drifted account (0.0.0.0/0 inbound) and plants the secrets in it. The emulators should be fresh or reset. */
export async function plantSecrets(em: Emulators): Promise<PlantedAccount> {
  const seeded = await seedCompliantServerless(em, { ingress: 'wide' })
  const { iam, ec2 } = seedClients(em)
  try {
    await iam.send(new UpdateRoleCommand({ RoleName: seeded.names.roleName, Description: PLANTED.roleDescription }))
    await iam.send(
      new TagRoleCommand({
        RoleName: seeded.names.roleName,
        Tags: [
          { Key: 'token', Value: PLANTED.roleTag },
          { Key: 'note', Value: PLANTED.roleDescription }
        ]
      })
    )
    await iam.send(
      new TagUserCommand({
        UserName: seeded.names.lambdaUser,
        Tags: [
          { Key: 'slack', Value: PLANTED.userTag },
          { Key: 'aws', Value: PLANTED.userKeyTag }
        ]
      })
    )
    // The seeded user has one key; a second one gives a secret access key to look for.
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: seeded.names.lambdaUser }))
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: seeded.names.lambdaUser }))
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: seeded.securityGroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '192.0.2.0/24', Description: SG_SECRET }] }]
      })
    )
    return {
      seeded,
      env: awsEnv(em),
      accessKeyIds: (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter(Boolean),
      secretAccessKey: created.AccessKey?.SecretAccessKey ?? ''
    }
  } finally {
    iam.destroy()
    ec2.destroy()
  }
}

/** The live-audit inputs for the planted account (action inputs / CLI flags). */
export function auditInputs(account: PlantedAccount): Record<string, string> {
  return cargoInputs(account.seeded.names, 'serverless', { 'fail-on': 'none', timeout: '60' })
}

/** The secrets no artifact may contain: planted strings, the password, key ids and their last 4 characters, the secret key. */
export function secretsOf(account: PlantedAccount, withSgDescription: boolean): Record<string, string> {
  const out: Record<string, string> = { password: PASSWORD, ...PLANTED, secretAccessKey: account.secretAccessKey }
  account.accessKeyIds.forEach((id, i) => {
    out[`accessKeyId${i}`] = id
    out[`accessKeyId${i}-last4`] = id.slice(-4)
  })
  if (withSgDescription) out['sgDescription'] = SG_SECRET
  return out
}

/** `artifact: secret` for every secret found in an artifact. */
export function leaks(account: PlantedAccount, artifacts: Record<string, string>, withSgDescription = false): string[] {
  const found: string[] = []
  for (const [artifact, text] of Object.entries(artifacts)) {
    for (const [name, value] of Object.entries(secretsOf(account, withSgDescription))) {
      if (value && text.includes(value)) found.push(`${artifact}: ${name}`)
    }
  }
  return found
}

/** stdout without the `::add-mask::` lines (the one place the password may appear). */
export function unmasked(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
}

export interface ActionAudit {
  run: AsyncActionRun
  /** Everything the action wrote or printed, by name (stdout without its mask lines). */
  artifacts: Record<string, string>
}

/** The bundled action, live, with the password input and every file output. */
export async function actionAudit(account: PlantedAccount): Promise<ActionAudit> {
  const run = await runDistActionAsync(
    {
      ...auditInputs(account),
      'db-user-password': PASSWORD,
      'report-path': 'out/report.json',
      'sarif-file': 'out/report.sarif',
      'junit-file': 'out/report.xml',
      'save-state': 'out/state.json'
    },
    account.env,
    workspace({}, [], 'crg-secrets-action-')
  )
  return {
    run,
    artifacts: {
      stdout: unmasked(run.stdout),
      stderr: run.stderr,
      summary: run.summary,
      GITHUB_OUTPUT: Object.entries(run.outputs)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
      ...Object.fromEntries(Object.entries(run.files).map(([k, v]) => [`file ${k}`, v]))
    }
  }
}

export interface CliAudit {
  runs: Record<string, CliRun>
  files: Record<string, string>
  artifacts: Record<string, string>
}

/**
 * The CLI, live, in every format (verbose), then once with every file output. The password is
 * planted where the CLI takes it, its environment variable (the CLI refuses it as a flag).
 */
export async function cliAudit(account: PlantedAccount): Promise<CliAudit> {
  const flags = (extra: Record<string, string> = {}): string[] => cliArgs({ ...auditInputs(account), ...extra })
  const env = { ...account.env, [PASSWORD_ENV]: PASSWORD }
  const ws = workspace({}, [], 'crg-secrets-cli-')
  const runs: Record<string, CliRun> = {}
  for (const format of ['console', 'json', 'sarif', 'junit', 'markdown']) {
    runs[format] = await runCli(['audit', '--format', format, '--verbose', ...flags()], { cwd: ws, env })
  }
  runs['files'] = await runCli(
    [
      'audit',
      '--format',
      'json',
      '-o',
      'out/stdout-report.json',
      ...flags({ 'save-state': 'out/state.json', 'report-path': 'out/report.json', 'sarif-file': 'out/report.sarif', 'junit-file': 'out/report.xml' })
    ],
    { cwd: ws, env }
  )
  const files = readTree(ws)
  const artifacts: Record<string, string> = {}
  for (const [name, run] of Object.entries(runs)) {
    artifacts[`${name} stdout`] = run.stdout
    artifacts[`${name} stderr`] = run.stderr
  }
  for (const [k, v] of Object.entries(files)) artifacts[`file ${k}`] = v
  return { runs, files, artifacts }
}
