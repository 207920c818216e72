/**
 * Secret hygiene: known secret values are planted in the inputs (db-user-password) and in the
 * emulated account (the Lambda user's access keys, secret-looking tags and descriptions on the
 * role and the user, a secret-looking security group rule description); the audit then runs
 * live against the emulators through the bundled action and through the CLI with every output
 * it has. None of the secrets (nor an access key id, nor its last four characters) may appear
 * in anything the tool writes. The action must mask the password: its `::add-mask::` line is
 * the one place the value may appear.
 */
import {
  AuthorizeSecurityGroupIngressCommand
} from '@aws-sdk/client-ec2'
import {
  CreateAccessKeyCommand,
  ListAccessKeysCommand,
  TagRoleCommand,
  TagUserCommand,
  UpdateRoleCommand
} from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { awsEnv, seedClients, seedCompliantServerless, startEmulators, type Emulators, type Seeded } from '../e2e/emulators.js'
import { readTree, runCli, runDistActionAsync, workspace, type AsyncActionRun, type CliRun } from './harness.js'

/** A valid Redshift password (8-64 printable ASCII, upper, lower, digit, none of '"\/@ or space). */
const PASSWORD = 'Cargo-Resil1ence-Pw9x'

/** Secret-looking strings planted where the audit can read them but has no reason to copy them. */
const PLANTED = {
  roleTag: 'ghp_R3s1l1enceT0kenAbCdEfGhIjKlMnOpQrSt01',
  roleDescription: 'db password Zq8vR2kLm9Xw4Tq do not share',
  userTag: 'xoxb-000111222-resilienceSlackTokenQ9',
  userKeyTag: 'AWS_SECRET=wJalrXUtnFEMIresilienceKEYqq'
}
/** A secret-looking security group rule description (descriptions are read with the rules). */
const SG_SECRET = 'sk_live_51Hres1l1enceSGdesc0123456789'

let em: Emulators
let seeded: Seeded
/** Every access key id of the Lambda user, and the secret access key of the one created here. */
let accessKeyIds: string[] = []
let secretAccessKey = ''
let env: Record<string, string>

beforeAll(async () => {
  em = await startEmulators()
  env = awsEnv(em)
  // A drifted account (0.0.0.0/0 inbound) so that the findings carry messages about the groups.
  seeded = await seedCompliantServerless(em, { ingress: 'wide' })
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
    // The seeded user has one key; a second one gives us a secret access key to look for.
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: seeded.names.lambdaUser }))
    secretAccessKey = created.AccessKey?.SecretAccessKey ?? ''
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: seeded.names.lambdaUser }))
    accessKeyIds = (listed.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? '').filter(Boolean)
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: seeded.securityGroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '192.0.2.0/24', Description: SG_SECRET }] }]
      })
    )
  } finally {
    iam.destroy()
    ec2.destroy()
  }
}, 180_000)

afterAll(async () => {
  await em?.close()
})

/** The live-audit inputs for the seeded account (as action inputs / CLI flags). */
function auditInputs(): Record<string, string> {
  const n = seeded.names
  return {
    region: em.region,
    workgroup: n.workgroup,
    'role-name': n.roleName,
    'policy-name': n.policyName,
    'lambda-user': n.lambdaUser,
    'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo-workspace-abc123',
    'cargo-ips': '3.248.12.34',
    database: n.database,
    'db-user': n.dbUser,
    'function-role': n.functionRole,
    'source-schemas': n.sourceSchema,
    'fail-on': 'none',
    timeout: '60'
  }
}

/** The secrets no artifact may contain: planted strings, the password, key ids and their last 4 characters, the secret key. */
function secrets(withSgDescription: boolean): Record<string, string> {
  const out: Record<string, string> = { password: PASSWORD, ...PLANTED, secretAccessKey }
  accessKeyIds.forEach((id, i) => {
    out[`accessKeyId${i}`] = id
    out[`accessKeyId${i}-last4`] = id.slice(-4)
  })
  if (withSgDescription) out['sgDescription'] = SG_SECRET
  return out
}

/** [artifact, secret name] pairs where a secret appears. */
function leaks(artifacts: Record<string, string>, withSgDescription = false): string[] {
  const found: string[] = []
  for (const [artifact, text] of Object.entries(artifacts)) {
    for (const [name, value] of Object.entries(secrets(withSgDescription))) {
      if (value && text.includes(value)) found.push(`${artifact}: ${name}`)
    }
  }
  return found
}

describe('the planted secrets', () => {
  it('are in the emulated account', () => {
    expect(accessKeyIds).toHaveLength(2)
    for (const id of accessKeyIds) expect(id).toMatch(/^AKIA[A-Z0-9]{12,}$/)
    expect(secretAccessKey.length).toBeGreaterThanOrEqual(20)
  })
})

describe('the bundled action, live against the emulators', () => {
  let run: AsyncActionRun
  let maskLines: string[]

  beforeAll(async () => {
    const ws = workspace({}, [], 'crg-secrets-action-')
    run = await runDistActionAsync(
      {
        ...auditInputs(),
        'db-user-password': PASSWORD,
        'report-path': 'out/report.json',
        'sarif-file': 'out/report.sarif',
        'junit-file': 'out/report.xml',
        'save-state': 'out/state.json'
      },
      env,
      ws
    )
    maskLines = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  }, 150_000)

  it('audits the account (drift found, nothing unreadable)', () => {
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.outputs['status']).toBe('drift')
    expect(run.outputs['error-count']).toBe('0')
    expect(Object.keys(run.files).sort()).toEqual(['out/report.json', 'out/report.sarif', 'out/report.xml', 'out/state.json'])
  })

  it('masks the password with ::add-mask:: before anything else is printed', () => {
    expect(maskLines).toEqual([`::add-mask::${PASSWORD}`])
    const first = run.stdout.split('\n').findIndex((l) => l.trim() !== '')
    expect(run.stdout.split('\n')[first]).toBe(`::add-mask::${PASSWORD}`)
  })

  it('leaks no secret into stdout (but the mask line), stderr, the job summary, GITHUB_OUTPUT or any file', () => {
    const stdout = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    const artifacts: Record<string, string> = {
      stdout,
      stderr: run.stderr,
      summary: run.summary,
      GITHUB_OUTPUT: Object.entries(run.outputs).map(([k, v]) => `${k}=${v}`).join('\n'),
      ...Object.fromEntries(Object.entries(run.files).map(([k, v]) => [`file ${k}`, v]))
    }
    expect(leaks(artifacts)).toEqual([])
  })

  // BUG (src/collect/aws/ec2.ts ingressRule): security group rule descriptions (free text that
  // no rule reads) are copied into the state, so a token pasted into a description ends up in
  // the --save-state snapshot, which the README says "holds no secret". Expected: descriptions
  // not collected (or dropped from the snapshot). Actual: `description` holds the planted value.
  it.fails('BUG leaks no security group rule description into the files it writes', () => {
    const artifacts = { summary: run.summary, ...Object.fromEntries(Object.entries(run.files).map(([k, v]) => [`file ${k}`, v])) }
    expect(leaks(artifacts, true)).toEqual([])
  })

  it('says nothing of security group descriptions where people read: stdout, the summary, the outputs, the reports', () => {
    const artifacts: Record<string, string> = {
      stdout: run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      summary: run.summary,
      GITHUB_OUTPUT: JSON.stringify(run.outputs),
      report: run.files['out/report.json'] ?? '',
      sarif: run.files['out/report.sarif'] ?? '',
      junit: run.files['out/report.xml'] ?? ''
    }
    expect(leaks(artifacts, true)).toEqual([])
  })
})

describe('the bundled action, refusing its inputs', () => {
  it('masks an invalid password too and does not echo it in the error', async () => {
    const bad = 'TooShort1'.slice(0, 6) // 'TooSho': invalid (too short, no digit)
    const run = await runDistActionAsync({ ...auditInputs(), 'db-user-password': bad }, env)
    expect(run.status).toBe(2)
    const lines = run.stdout.split('\n')
    expect(lines.filter((l) => l.includes(bad))).toEqual([`::add-mask::${bad}`])
    expect(run.stderr).not.toContain(bad)
    expect(run.summary).not.toContain(bad)
    expect(run.commands.some((c) => c.command === 'error' && c.message.includes('db-user-password'))).toBe(true)
  })

  it('does not echo the password when another input is wrong', async () => {
    const run = await runDistActionAsync({ ...auditInputs(), 'db-user-password': PASSWORD, region: 'nowhere' }, env)
    expect(run.status).toBe(2)
    expect(run.stdout.split('\n').filter((l) => l.includes(PASSWORD))).toEqual([`::add-mask::${PASSWORD}`])
    expect(run.stderr).not.toContain(PASSWORD)
  })

  describe('a password given in the config file', () => {
    let run: AsyncActionRun
    beforeAll(async () => {
      const ws = workspace({ '.github/cargo-redshift-guard.yml': `db-user-password: ${PASSWORD}\n` }, [], 'crg-secrets-cfg-')
      run = await runDistActionAsync({ ...auditInputs() }, env, ws)
    }, 150_000)

    it('is accepted, and not echoed anywhere', () => {
      expect(run.status, run.stdout).toBe(0)
      expect(run.stdout.split('\n').filter((l) => l.includes(PASSWORD) && !l.startsWith('::add-mask::'))).toEqual([])
      const written = Object.entries(run.files).filter(([name]) => name !== '.github/cargo-redshift-guard.yml')
      expect(run.stderr + run.summary + JSON.stringify(run.outputs) + JSON.stringify(written)).not.toContain(PASSWORD)
    })

    // BUG (src/main.ts readActionInputs): only the `db-user-password` *input* is masked. The same
    // key in the config file (every input is also a config key, README "Inputs") is used but never
    // passed to core.setSecret: no ::add-mask:: is issued, so a later echo (a dependency's error,
    // a debug line) would reach the log in clear. Expected: `::add-mask::<password>` on stdout
    // (or a config-file password refused). Actual: no mask line.
    it.fails('BUG is masked', () => {
      expect(run.stdout.split('\n')).toContain(`::add-mask::${PASSWORD}`)
    })
  })
})

describe('the CLI, live against the emulators', () => {
  const flags = (extra: Record<string, string> = {}): string[] =>
    Object.entries({ ...auditInputs(), 'db-user-password': PASSWORD, ...extra }).flatMap(([k, v]) => [`--${k}`, v])

  const runs: Record<string, CliRun> = {}
  let files: Record<string, string> = {}

  beforeAll(async () => {
    const ws = workspace({}, [], 'crg-secrets-cli-')
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
    files = readTree(ws)
  }, 150_000)

  it('audits the account in every format', () => {
    for (const [name, run] of Object.entries(runs)) {
      expect(run.code, `${name}: ${run.stderr}`).toBe(0)
      expect(run.stderr, name).toBe('')
    }
    expect(JSON.parse(runs['json']!.stdout).result).toBe('drift')
    expect(Object.keys(files).sort()).toEqual(['out/report.json', 'out/report.sarif', 'out/report.xml', 'out/state.json', 'out/stdout-report.json'])
  })

  it('leaks no secret into stdout or stderr of any format, nor into the reports and the state snapshot', () => {
    const artifacts: Record<string, string> = {}
    for (const [name, run] of Object.entries(runs)) {
      artifacts[`${name} stdout`] = run.stdout
      artifacts[`${name} stderr`] = run.stderr
    }
    for (const [k, v] of Object.entries(files)) artifacts[`file ${k}`] = v
    expect(leaks(artifacts)).toEqual([])
  })

  it('keeps access keys as status and dates only in the snapshot', () => {
    const state = JSON.parse(files['out/state.json'] ?? '{}') as { iam?: { lambdaUser?: { accessKeys?: Record<string, unknown>[] } } }
    const keys = state.iam?.lambdaUser?.accessKeys ?? []
    expect(keys).toHaveLength(2)
    for (const key of keys) expect(Object.keys(key).every((k) => ['status', 'createdAt', 'ageDays', 'lastUsedAt', 'lastUsedService'].includes(k))).toBe(true)
  })

  // Same defect as in the action: the snapshot holds the security group rule description.
  it.fails('BUG leaks no security group rule description into the state snapshot', () => {
    expect(leaks({ state: files['out/state.json'] ?? '' }, true)).toEqual([])
  })
})
