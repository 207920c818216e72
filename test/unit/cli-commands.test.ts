/**
 * The CLI as a newcomer meets it: per-command help that lists exactly what each command accepts,
 * did-you-mean, every problem in one pass without knock-on errors, direct inputs over the config
 * file, the password kept off the command line, list-rules and explain.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { optionsOf } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/commands/index.js'
import { runCli, type CliRun } from '../support/cli.js'
import { parseCommandLine, PASSWORD_ENV } from '../../src/cli/parse.js'
import { INPUTS } from '../../src/config/inputs.js'
import { loadConfig } from '../../src/config/load.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { rawInputs } from '../support/inputs.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CONFIG = join(ROOT, 'examples/serverless.yml')
const COMPLIANT = join(ROOT, 'examples/serverless-compliant.state.json')
const DRIFTED = join(ROOT, 'examples/serverless-drifted.state.json')
const TEMPLATE = join(ROOT, 'examples/iac/cloudformation/cargo-serverless.yaml')
const PASSWORD = 'Sup3rSecretPassw0rd'


let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'crg-cli-commands-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(argv, { env, cwd: work })

const hint = { commandsWith: () => [] }
const listed = (help: string) => [...help.matchAll(/^ {2}(?:-\w, | {4})--([a-z][a-z-]*)/gm)].map((m) => m[1] as string)

describe('help per command', () => {
  for (const command of COMMANDS) {
    it(`${command.name} --help lists exactly the options ${command.name} accepts`, async () => {
      const run = await cli([command.name, '--help'])
      expect(run.code).toBe(0)
      const names = listed(run.stdout)
      expect(names.sort()).toEqual([...optionsOf(command).map((o) => o.name), 'help'].sort())
      for (const name of names) {
        const spec = optionsOf(command).find((o) => o.name === name)
        const argv = spec?.type === 'string' ? [`--${name}`, 'x'] : [`--${name}`]
        expect(parseCommandLine(argv, command, hint).problems, name).toEqual([])
      }
    })
  }

  it('no command lists the GitHub-only inputs, and audit lists no remediation input', async () => {
    for (const command of COMMANDS) {
      const names = listed((await cli([command.name, '--help'])).stdout)
      for (const input of INPUTS.filter((i) => i.only === 'action')) expect(names, `${command.name} ${input.name}`).not.toContain(input.name)
      expect(names).not.toContain('db-user-password')
    }
    const audit = listed((await cli(['audit', '--help'])).stdout)
    for (const name of ['remediate', 'plan-file', 'allow-public-access', 'db-user-password-file']) expect(audit).not.toContain(name)
    const plan = listed((await cli(['plan', '--help'])).stdout)
    for (const name of ['remediate', 'plan-file', 'allow-public-access', 'db-user-password-file']) expect(plan).toContain(name)
  })

  it('a GitHub-only input is refused with a reason, never with Node\'s raw parser message', async () => {
    const run = await cli(['audit', '--comment-on-pr', 'true', '--drift-issue-title', 'x', '--github-token', 'ghp_x', '--config', CONFIG, '--state', COMPLIANT])
    expect(run.code).toBe(2)
    for (const flag of ['--comment-on-pr', '--drift-issue-title', '--github-token']) {
      expect(run.stderr).toContain(`input '${flag}': ${flag} is an input of the GitHub Action only`)
    }
    expect(run.stderr).not.toMatch(/Unknown option|as in '--|positional/)
    // The values of the refused options are not taken for arguments (no knock-on error).
    expect(run.stderr).not.toContain('unexpected argument')
  })
})

describe('did you mean', () => {
  it('a misspelt option, command or rule gets the nearest name', async () => {
    expect((await cli(['audit', '--regoin', 'eu-west-1', '--config', CONFIG, '--state', COMPLIANT])).stderr).toContain('did you mean --region?')
    expect((await cli(['--cargo-ip', '1.2.3.4', '--config', CONFIG, '--state', COMPLIANT])).stderr).toContain('did you mean --cargo-ips?')
    const command = await cli(['aduit'])
    expect(command.code).toBe(2)
    expect(command.stderr).toContain("unknown command 'aduit' (did you mean 'audit'?)")
    expect((await cli(['explain', 'iam-role-trust-lambda'])).stderr).toContain("did you mean 'iam-role-trusts-lambda'?")
  })

  it('an option of another command says which command takes it', async () => {
    const run = await cli(['audit', '--remediate', 'all', '--config', CONFIG, '--state', COMPLIANT])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("input '--remediate': is an option of plan and apply, not of audit")
  })

  it('a command typed after the options says the command comes first', async () => {
    const run = await cli(['--config', CONFIG, 'plan'])
    expect(run.stderr).toContain('the command comes first: cargo-redshift-guard plan')
  })
})

describe('configuration problems', () => {
  it('are all reported in one pass: options, config file, rule files, waivers', async () => {
    const config = join(work, 'all-wrong.yml')
    writeFileSync(config, 'workgroup: cargo-wg\nregion: eu-west-1\nregoin: x\nwaivers: missing-waivers.yml\nrules: [missing-rules.yml]\n')
    const run = await cli(['audit', '--config', config, '--cargo-ips', '10.1', '--frobnicate', '--format', 'xml', '--fail-on', 'sometimes'])
    expect(run.code).toBe(2)
    for (const text of ["unknown key 'regoin'", '--cargo-ips', '--frobnicate', "'xml' is not one of", '--fail-on', 'missing-rules.yml']) {
      expect(run.stderr, text).toContain(text)
    }
    expect(run.stdout).toBe('')
  })

  it('a bad --region is one error, not also "region is required"; a bad --workgroup likewise', async () => {
    const region = await cli(['audit', '--region', 'mars', '--workgroup', 'cargo-wg'])
    expect(region.code).toBe(2)
    expect(region.stderr).toContain("'mars' is not an AWS region")
    expect(region.stderr).not.toContain('required')
    expect(region.stderr.trim().split('\n')).toHaveLength(2)
    const workgroup = await cli(['audit', '--region', 'eu-west-1', '--workgroup', 'Cargo_WG'])
    expect(workgroup.stderr).toContain("'Cargo_WG' is not a Redshift Serverless workgroup name")
    expect(workgroup.stderr).not.toContain('give workgroup')
  })

  it('a problem of the configuration names the flag, not the bare input', async () => {
    const run = await cli(['audit', '--region', 'eu-west-1'])
    expect(run.stderr).toContain("input '--workgroup': give workgroup")
  })

  it('inputs given directly win over the config file, --workgroup over its cluster-identifier', () => {
    const file = join(work, 'cluster.yml')
    writeFileSync(file, 'cluster-identifier: cargo-cluster\ndata-api-db-user: admin\nregion: eu-west-1\ndatabase: from_file\n')
    const config = loadConfig(
      rawInputs({ config: file, workgroup: 'cargo-wg', database: 'direct_db' }, { as: 'flag' }),
      work,
      {}
    )
    expect(config.target.workgroup).toBe('cargo-wg')
    expect(config.target.clusterIdentifier).toBeUndefined()
    expect(config.collect.dataApiDbUser).toBeUndefined()
    expect(config.target.database).toBe('direct_db')
    expect(config.target.region).toBe('eu-west-1')
    // And the other way round.
    const cluster = loadConfig(rawInputs({ config: join(ROOT, 'examples/serverless.yml'), 'cluster-identifier': 'cargo-cluster' }, { as: 'flag' }), work, {})
    expect(cluster.target.clusterIdentifier).toBe('cargo-cluster')
    expect(cluster.target.workgroup).toBeUndefined()
  })

  it('unknown CloudFormation parameters and values outside AllowedValues are refused, before anything is read', async () => {
    const run = await cli([
      'audit',
      '--cloudformation-template', TEMPLATE,
      '--cloudformation-parameters', 'Environment=staging,CargoRoleARN=arn:aws:iam::999988887777:role/x',
      '--iac-live', 'false'
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("parameter 'Environment': 'staging' is not one of its AllowedValues (prod, dev)")
    expect(run.stderr).toContain("parameter 'CargoRoleARN' is not declared in the template")
    const ok = await cli(['audit', '--cloudformation-template', TEMPLATE, '--cloudformation-parameters', 'Environment=dev', '--iac-live', 'false', '--format', 'json'])
    expect(ok.stderr).not.toContain('AllowedValues')
    expect([0, 1]).toContain(ok.code)
  })
})

describe('--verbose', () => {
  it('lists the rules that pass, each with what it checked, as the help says', async () => {
    const quiet = await cli(['audit', '--config', CONFIG, '--state', COMPLIANT])
    const verbose = await cli(['audit', '--config', CONFIG, '--state', COMPLIANT, '-v'])
    expect(quiet.code).toBe(0)
    expect(verbose.code).toBe(0)
    expect(quiet.stdout).not.toMatch(/^PASS +iam-role-exists/m)
    expect(quiet.stdout).toMatch(/\d+ rule\(s\) pass \(-v lists them\)/)
    expect(verbose.stdout).toMatch(/^PASS +iam-role-exists .*\n +\S/m)
    expect((await cli(['audit', '--help'])).stdout).toMatch(/-v, --verbose +Console format: also list the rules that pass/)
  })
})

describe('the password', () => {
  it('is refused on the command line, without echoing it, and its value is not taken for an argument', async () => {
    for (const argv of [
      ['plan', '--db-user-password', PASSWORD, '--config', CONFIG, '--state', DRIFTED],
      ['apply', `--db-user-password=${PASSWORD}`, '--config', CONFIG]
    ]) {
      const run = await cli(argv)
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(`set the environment variable ${PASSWORD_ENV}, or give --db-user-password-file <file>`)
      expect(run.stderr).not.toContain(PASSWORD)
      expect(run.stderr).not.toContain('unexpected argument')
    }
  })

  it('is read from --db-user-password-file or the environment, and checked there', async () => {
    const file = join(work, 'password')
    writeFileSync(file, 'short\n')
    const fromFile = await cli(['plan', '--db-user-password-file', file, '--config', CONFIG, '--state', DRIFTED])
    expect(fromFile.code).toBe(2)
    expect(fromFile.stderr).toContain("input '--db-user-password-file': is not a valid Redshift password")
    expect(fromFile.stderr).not.toContain('short')
    const fromEnv = await cli(['plan', '--config', CONFIG, '--state', DRIFTED], { [PASSWORD_ENV]: 'short' })
    expect(fromEnv.stderr).toContain(`input '${PASSWORD_ENV}': is not a valid Redshift password`)
    const missing = await cli(['plan', '--db-user-password-file', join(work, 'nope'), '--config', CONFIG, '--state', DRIFTED])
    expect(missing.stderr).toContain('cannot be read: ENOENT')
    writeFileSync(file, `${PASSWORD}\n`)
    const good = await cli(['plan', '--db-user-password-file', file, '--config', CONFIG, '--state', DRIFTED, '--plan-file', join(work, 'plan.json')])
    expect(good.code).toBe(0)
    expect(good.stdout + good.stderr).not.toContain(PASSWORD)
  })
})

describe('list-rules and explain', () => {
  it('list-rules names every rule of the rule set, in each format', async () => {
    const ids = loadRuleSet([], ROOT).rules.map((r) => r.id)
    const text = await cli(['list-rules'])
    expect(text.code).toBe(0)
    for (const id of ids) expect(text.stdout).toMatch(new RegExp(`^${id} `, 'm'))
    const json = JSON.parse((await cli(['list-rules', '--format', 'json'])).stdout) as Array<{ id: string }>
    expect(json.map((r) => r.id)).toEqual(ids)
    expect((await cli(['list-rules', '--format', 'markdown'])).stdout).toContain('| `sql-user` |')
  })

  it('list-rules and explain include the rules of --rules files, and locate a bad one', async () => {
    const extra = join(ROOT, 'test/fixtures/rules/new-rule.yaml')
    const run = await cli(['list-rules', '--rules', extra])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^redshift-default-port /m)
    expect((await cli(['explain', 'redshift-default-port', '--rules', extra])).stdout).toMatch(/defined in: +\S*new-rule\.yaml:\d+/)
    const bad = await cli(['list-rules', '--rules', join(ROOT, 'test/fixtures/rules/bad-severity.yaml')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bad-severity\.yaml:\d+/)
  })

  it('explain RULE tells what the rule checks, how to fix it and where it is defined', async () => {
    const run = await cli(['explain', 'sql-user'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('sql-user: ')
    expect(run.stdout).toContain('passes when: user <db-user>, not a superuser')
    expect(run.stdout).toContain('automatic fix: sql-create-user')
    expect(run.stdout).toMatch(/defined in: +policies\/cargo-redshift\.yaml:\d+/)
    const missing = await cli(['explain'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('name the rule to explain')
  })
})

describe('waivers', () => {
  it('a waiver that matches no finding is warned about, with its place', async () => {
    const file = join(work, 'waivers.yml')
    writeFileSync(
      file,
      'waivers:\n  - rule: sql-exfunc-usage\n    reason: later\n    expires: "2099-01-01"\n  - rule: iam-role-exists\n    resource: iam:role/typo\n    reason: typo\n    expires: "2099-01-01"\n'
    )
    const run = await cli(['audit', '--config', CONFIG, '--state', DRIFTED, '--waivers', file])
    expect(run.stderr).toMatch(/warning: .*waivers\.yml:5.*the waiver of iam-role-exists on iam:role\/typo matches no finding/)
    expect(run.stderr).not.toContain('the waiver of sql-exfunc-usage')
  })
})
