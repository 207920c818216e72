/**
 * Secret hygiene: known secret values are planted in the inputs (db-user-password) and in the
 * emulated account (the Lambda user's access keys, secret-looking tags and descriptions on the
 * role and the user, a secret-looking security group rule description); the audit then runs
 * live against the emulators through the bundled action and through the CLI with every output
 * it has. None of the secrets (nor an access key id, nor its last four characters) may appear
 * in anything the tool writes. The action must mask the password: its `::add-mask::` line is
 * the one place the value may appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulators, type Emulators } from '../support/emulators.js'
import { runDistActionAsync, workspace, type AsyncActionRun } from './harness.js'
import { PASSWORD, actionAudit, auditInputs, cliAudit, leaks, plantSecrets, unmasked, type ActionAudit, type CliAudit, type PlantedAccount } from './secrets.js'

let em: Emulators
let account: PlantedAccount

beforeAll(async () => {
  em = await startEmulators()
  account = await plantSecrets(em)
}, 180_000)

afterAll(async () => {
  await em?.close()
})

describe('the planted secrets', () => {
  it('are in the emulated account', () => {
    expect(account.accessKeyIds).toHaveLength(2)
    for (const id of account.accessKeyIds) expect(id).toMatch(/^AKIA[A-Z0-9]{12,}$/)
    expect(account.secretAccessKey.length).toBeGreaterThanOrEqual(20)
  })
})

describe('the bundled action, live against the emulators', () => {
  let audit: ActionAudit

  beforeAll(async () => {
    audit = await actionAudit(account)
  }, 150_000)

  it('audits the account (drift found, nothing unreadable)', () => {
    const { run } = audit
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.outputs['status']).toBe('drift')
    expect(run.outputs['error-count']).toBe('0')
    expect(Object.keys(run.files).sort()).toEqual(['out/report.json', 'out/report.sarif', 'out/report.xml', 'out/state.json'])
  })

  it('masks the password with ::add-mask:: before anything else is printed', () => {
    const lines = audit.run.stdout.split('\n')
    expect(lines.filter((l) => l.startsWith('::add-mask::'))).toEqual([`::add-mask::${PASSWORD}`])
    expect(lines.find((l) => l.trim() !== '')).toBe(`::add-mask::${PASSWORD}`)
  })

  it('leaks no secret into stdout (but the mask line), stderr, the job summary, GITHUB_OUTPUT or any file', () => {
    expect(leaks(account, audit.artifacts)).toEqual([])
  })

  it('says nothing of security group descriptions where people read: stdout, the summary, the outputs, the reports', () => {
    const read = Object.fromEntries(Object.entries(audit.artifacts).filter(([name]) => name !== 'file out/state.json'))
    expect(leaks(account, read, true)).toEqual([])
  })

  // Rule descriptions are free text no rule reads: they are not collected, so none reaches a snapshot.
  it('leaks no security group rule description into the state snapshot', () => {
    expect(leaks(account, { state: audit.artifacts['file out/state.json'] ?? '' }, true)).toEqual([])
  })
})

describe('the bundled action, refusing its inputs', () => {
  it('masks an invalid password too and does not echo it in the error', async () => {
    const bad = 'TooSho' // too short, no digit
    const run = await runDistActionAsync({ ...auditInputs(account), 'db-user-password': bad }, account.env)
    expect(run.status).toBe(2)
    expect(run.stdout.split('\n').filter((l) => l.includes(bad))).toEqual([`::add-mask::${bad}`])
    expect(run.stderr + run.summary).not.toContain(bad)
    expect(run.commands.some((c) => c.command === 'error' && c.message.includes('db-user-password'))).toBe(true)
  })

  it('does not echo the password when another input is wrong', async () => {
    const run = await runDistActionAsync({ ...auditInputs(account), 'db-user-password': PASSWORD, region: 'nowhere' }, account.env)
    expect(run.status).toBe(2)
    expect(run.stdout.split('\n').filter((l) => l.includes(PASSWORD))).toEqual([`::add-mask::${PASSWORD}`])
    expect(run.stderr).not.toContain(PASSWORD)
  })

  describe('a password given in the config file', () => {
    let run: AsyncActionRun
    beforeAll(async () => {
      const ws = workspace({ '.github/cargo-redshift-guard.yml': `db-user-password: ${PASSWORD}\n` }, [], 'crg-secrets-cfg-')
      run = await runDistActionAsync({ ...auditInputs(account) }, account.env, ws)
    }, 150_000)

    // A config file is committed to a repository: a password there is already leaked, so it is refused.
    it('is refused with exit 2, naming the file and the key, and not echoed anywhere', () => {
      expect(run.status, run.stdout).toBe(2)
      const error = run.commands.find((c) => c.command === 'error' && c.message.includes('db-user-password'))
      expect(error?.properties['file']).toBe('.github/cargo-redshift-guard.yml')
      expect(error?.message).toContain('secret')
      expect(unmasked(run.stdout)).not.toContain(PASSWORD)
      const written = Object.entries(run.files).filter(([name]) => name !== '.github/cargo-redshift-guard.yml')
      expect(run.stderr + run.summary + JSON.stringify(run.outputs) + JSON.stringify(written)).not.toContain(PASSWORD)
    })
  })
})

describe('the CLI, live against the emulators', () => {
  let audit: CliAudit

  beforeAll(async () => {
    audit = await cliAudit(account)
  }, 150_000)

  it('audits the account in every format', () => {
    for (const [name, run] of Object.entries(audit.runs)) {
      expect(run.code, `${name}: ${run.stderr}`).toBe(0)
      expect(run.stderr, name).toBe('')
    }
    expect(JSON.parse(audit.runs['json']!.stdout).result).toBe('drift')
    expect(Object.keys(audit.files).sort()).toEqual(['out/report.json', 'out/report.sarif', 'out/report.xml', 'out/state.json', 'out/stdout-report.json'])
  })

  it('leaks no secret into stdout or stderr of any format, nor into the reports and the state snapshot', () => {
    expect(leaks(account, audit.artifacts)).toEqual([])
  })

  it('keeps access keys as status and dates only in the snapshot', () => {
    const state = JSON.parse(audit.files['out/state.json'] ?? '{}') as { iam?: { lambdaUser?: { accessKeys?: Record<string, unknown>[] } } }
    const keys = state.iam?.lambdaUser?.accessKeys ?? []
    expect(keys).toHaveLength(2)
    for (const key of keys) expect(Object.keys(key).every((k) => ['status', 'createdAt', 'ageDays', 'lastUsedAt', 'lastUsedService'].includes(k))).toBe(true)
  })

  it('leaks no security group rule description into the state snapshot', () => {
    expect(leaks(account, { state: audit.files['out/state.json'] ?? '' }, true)).toEqual([])
  })
})
