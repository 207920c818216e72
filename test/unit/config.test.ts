import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError, formatLocation, type ConfigProblem } from '../../src/json/problems.js'
import { loadConfig } from '../../src/config/load.js'
import { resolveParameters, type RawInputs } from '../../src/config/parameters.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { evaluate } from '../../src/evaluate/engine.js'
import { RULE_PARAMETERS } from '../../src/config/rule-values.js'
import { audit } from '../../src/run.js'
import type { AccountState } from '../../src/state/types.js'
import { rawInputs } from '../support/inputs.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const RULES_DIR = join(ROOT, 'test', 'fixtures', 'rules')
const CONFIG_DIR = join(ROOT, 'test', 'fixtures', 'config')
const COMPLIANT = JSON.parse(readFileSync(join(ROOT, 'examples', 'serverless-compliant.state.json'), 'utf8')) as AccountState

const raw = (values: Record<string, unknown>): RawInputs => rawInputs(values)

/** The smallest valid set of inputs for reading AWS. */
const VALID = { workgroup: 'cargo-wg', region: 'eu-west-1' }

function problemsOf(fn: () => unknown): ConfigProblem[] {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown, 'a ConfigError was expected').toBeInstanceOf(ConfigError)
  return (thrown as ConfigError).problems
}

function paramProblems(values: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  return problemsOf(() => resolveParameters(raw({ ...VALID, ...values }), env))
}

/** Exactly one problem, about `input`, whose message contains each fragment. */
function expectOneProblem(problems: ConfigProblem[], input: string, ...fragments: string[]): ConfigProblem {
  expect(problems.map((p) => `${p.where.input}: ${p.message}`)).toHaveLength(1)
  const p = problems[0]!
  expect(p.where.input).toBe(input)
  for (const fragment of fragments) expect(p.message).toContain(fragment)
  return p
}

describe('parameters', () => {
  it('accepts the minimal inputs and fills defaults', () => {
    const p = resolveParameters(raw(VALID), {})
    expect(p).toMatchObject({
      target: {
        workgroup: 'cargo-wg',
        region: 'eu-west-1',
        lambdaUser: 'cargo_lambda',
        database: 'cargo_db',
        dbUser: 'cargo_user',
        functionRole: 'cargo_create_replace_function',
        accessKeyMaxAgeDays: 365
      },
      outputs: { failOn: 'error', failOnError: true },
      collect: { timeoutSeconds: 300, maxConcurrency: 8 }
    })
  })

  it.each([
    'arn:aws:iam::999988887777:user/cargo-workspace-acme',
    'arn:aws:iam::9999:role/cargo-workspace-acme',
    'arn:aws:s3:::cargo-bucket',
    'cargo-workspace-acme',
    'arn:aws:iam::999988887777:role/'
  ])('rejects the cargo-role-arn %s', (arn) => {
    expectOneProblem(paramProblems({ 'cargo-role-arn': arn }), 'cargo-role-arn', 'not an IAM role ARN')
  })

  it.each(['arn:aws:iam::999988887777:role/cargo-workspace-acme', 'arn:aws-cn:iam::999988887777:role/path/to/cargo'])(
    'accepts the cargo-role-arn %s',
    (arn) => {
      expect(resolveParameters(raw({ ...VALID, 'cargo-role-arn': arn }), {}).target.cargoRoleArn).toBe(arn)
    }
  )

  it('names every mode the action takes when the mode is unknown', () => {
    expectOneProblem(paramProblems({ mode: 'destroy' }), 'mode', "'destroy' is not one of audit, plan, apply, doctor, targets, merge")
  })

  it.each(['targets', 'merge'])('refuses mode %s where it reaches the config (a config file), saying where it belongs', (mode) => {
    expectOneProblem(paramProblems({ mode }), 'mode', `mode '${mode}' is taken from the action's mode input only`)
  })

  describe('cargo-ips', () => {
    it('normalizes addresses to CIDR blocks and drops duplicates', () => {
      const p = resolveParameters(raw({ ...VALID, 'cargo-ips': '3.251.12.34, 3.251.12.34/32\n2001:DB8::1,3.251.12.0/24' }), {})
      expect(p.target.cargoIps).toEqual(['3.251.12.34/32', '2001:db8::1/128', '3.251.12.0/24'])
    })

    it('a CIDR with host bits set suggests the network', () => {
      expectOneProblem(paramProblems({ 'cargo-ips': '3.251.12.34/24' }), 'cargo-ips', 'host bits', 'did you mean 3.251.12.0/24')
    })

    it('an IPv6 CIDR with host bits set suggests the network', () => {
      expectOneProblem(paramProblems({ 'cargo-ips': '2001:db8::1/64' }), 'cargo-ips', 'did you mean 2001:db8::/64')
    })

    it.each(['10.1', '10.1.2', '167772161', '0x0a.0.0.1', '010.0.0.1', '3.251.12.34/33', '3.251.12.34/', '3.251.12.256', 'cargo.example.com', '1.2.3.4/24/8'])(
      'rejects %s',
      (ip) => {
        expectOneProblem(paramProblems({ 'cargo-ips': ip }), 'cargo-ips', `'${ip}'`)
      }
    )

    // BUG (src/config/parameters.ts, normalizeCidr): ipaddr.IPv6.isValid accepts a zone index,
    // so 'fe80::1%eth0' becomes the Cargo CIDR 'fe80::1%eth0/128', which no security group
    // rule can ever hold: network-cargo-ip-inbound then fails forever instead of the input
    // being rejected up front.
    it('rejects an IPv6 address with a zone index', () => {
      expectOneProblem(paramProblems({ 'cargo-ips': 'fe80::1%eth0' }), 'cargo-ips')
    })

    it('reports every bad item, not just the first', () => {
      const problems = paramProblems({ 'cargo-ips': ['10.1', '3.251.12.34', '3.251.12.34/24'] })
      expect(problems).toHaveLength(2)
      for (const p of problems) expect(p.where.input).toBe('cargo-ips')
    })
  })

  // With a state file, nothing else is required: each bad value is the only problem.
  const judging = (values: Record<string, unknown>) =>
    problemsOf(() => resolveParameters(raw({ 'state-file': 'account.state.json', ...values }), {}))

  it.each(['eu-west', 'EU-WEST-1', 'euwest1', 'eu-west-1a', 'mars'])('rejects the region %s', (region) => {
    expectOneProblem(judging({ region }), 'region', 'not an AWS region')
  })

  it('a bad region is reported (not silently replaced) when reading AWS too', () => {
    const problems = paramProblems({ region: 'eu-west' })
    expect(problems.length).toBeGreaterThanOrEqual(1)
    for (const p of problems) expect(p.where.input).toBe('region')
    expect(problems[0]!.message).toContain("'eu-west' is not an AWS region")
  })

  it.each(['eu-west-1', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-4'])('accepts the region %s', (region) => {
    expect(resolveParameters(raw({ ...VALID, region }), {}).target.region).toBe(region)
  })

  it('takes the region from AWS_REGION, and names it when it is bad', () => {
    const values = { workgroup: 'cargo-wg' }
    expect(resolveParameters(raw(values), { AWS_REGION: 'eu-north-1' }).target.region).toBe('eu-north-1')
    const [p] = problemsOf(() => resolveParameters(raw(values), { AWS_REGION: 'moon-base-one' }))
    expect(p!.where.input).toContain('AWS_REGION')
  })

  it('requires a region to read AWS, but not to judge a state file', () => {
    expectOneProblem(problemsOf(() => resolveParameters(raw({ workgroup: 'cargo-wg' }), {})), 'region', 'required')
    expect(() => resolveParameters(raw({ 'state-file': 'x.json' }), {})).not.toThrow()
  })

  it('requires a workgroup or a cluster to read AWS', () => {
    expectOneProblem(problemsOf(() => resolveParameters(raw({ region: 'eu-west-1' }), {})), 'workgroup', 'cluster-identifier')
  })

  it('rejects workgroup and cluster-identifier together', () => {
    expectOneProblem(paramProblems({ 'cluster-identifier': 'cargo-cluster' }), 'cluster-identifier', 'not both')
  })

  it.each(['Cargo-WG', 'wg', 'cargo_wg'])('rejects the workgroup %s', (workgroup) => {
    expectOneProblem(judging({ workgroup }), 'workgroup', 'not a Redshift Serverless workgroup name')
  })

  it.each(['1cluster', 'cargo--cluster', 'cargo-cluster-', 'Cargo'])('rejects the cluster-identifier %s', (id) => {
    expectOneProblem(judging({ 'cluster-identifier': id }), 'cluster-identifier', 'not a Redshift cluster identifier')
  })

  describe('SQL identifiers', () => {
    it.each([
      ['database', 'cargo"db'],
      ['database', 'cargo_db;drop table users'],
      ['database', 'cärgo'],
      ['database', 'cargo db'],
      ['database', '1cargo'],
      ['db-user', "cargo'user"],
      ['db-user', 'cаrgo_user'], // Cyrillic 'а'
      ['function-role', 'cargo-role'],
      ['data-api-database', 'dev;'],
      ['data-api-db-user', '"admin"']
    ])('%s %s is rejected', (input, value) => {
      const values: Record<string, unknown> = { [input]: value }
      // data-api-db-user applies to clusters only
      const base = input === 'data-api-db-user' ? { region: 'eu-west-1', 'cluster-identifier': 'cargo-cluster' } : VALID
      const problems = problemsOf(() => resolveParameters(raw({ ...base, ...values }), {}))
      expectOneProblem(problems, input, 'not a plain Redshift identifier')
    })

    it('folds upper case to lower case, as Redshift does with unquoted names', () => {
      const p = resolveParameters(
        raw({ ...VALID, database: 'Cargo_DB', 'function-role': 'Cargo_Fn', 'source-schemas': 'Analytics.Public' }),
        {}
      )
      expect(p.target.database).toBe('cargo_db')
      expect(p.target.functionRole).toBe('cargo_fn')
      expect(p.target.sourceSchemas).toEqual([{ database: 'analytics', schema: 'public' }])
    })

    // A quoted user name keeps its case whatever enable_case_sensitive_identifier says: folding
    // CARGO_USER could judge cargo_user while "CARGO_USER" was meant.
    it.each([
      ['db-user', 'CARGO_USER'],
      ['db-user', 'Cargo_User'],
      ['source-table-owners', 'Loader']
    ])('%s %s is refused: a user name with upper case may name another user', (input, value) => {
      expectOneProblem(paramProblems({ [input]: value }), input, 'has upper case', `'${value.toLowerCase()}'`)
    })

    it('takes lower-case user names as given', () => {
      const p = resolveParameters(raw({ ...VALID, 'db-user': 'cargo_user2', 'source-table-owners': 'loader,etl$' }), {})
      expect(p.target.dbUser).toBe('cargo_user2')
      expect(p.target.sourceTableOwners).toEqual(['loader', 'etl$'])
    })

    it.each(['analytics', 'analytics.public.orders', 'analytics.', '.public', 'analytics.pub lic'])(
      'source-schemas %s is not database.schema',
      (item) => {
        const problems = paramProblems({ 'source-schemas': item })
        expect(problems.length).toBeGreaterThanOrEqual(1)
        for (const p of problems) expect(p.where.input).toBe('source-schemas')
      }
    )

    it('source-schemas as a list, deduplicated after folding', () => {
      const p = resolveParameters(raw({ ...VALID, 'source-schemas': ['analytics.public', 'ANALYTICS.public', 'sales.crm'] }), {})
      expect(p.target.sourceSchemas).toEqual([
        { database: 'analytics', schema: 'public' },
        { database: 'sales', schema: 'crm' }
      ])
    })
  })

  describe('unknown inputs', () => {
    it.each([
      ['cargo_role_arn', 'cargo-role-arn'],
      ['cargoRoleArn', 'cargo-role-arn'],
      ['CARGO-IPS', 'cargo-ips'],
      ['failon', 'fail-on']
    ])('%s: did you mean %s?', (name, suggestion) => {
      expectOneProblem(paramProblems({ [name]: 'x' }), name, 'unknown input', `did you mean '${suggestion}'`)
    })

    it('no suggestion when nothing is close', () => {
      const p = expectOneProblem(paramProblems({ frobnicate: 'x' }), 'frobnicate', 'unknown input')
      expect(p.message).not.toContain('did you mean')
    })
  })

  it.each([
    ['timeout', '0'],
    ['timeout', '3601'],
    ['timeout', 'soon'],
    ['timeout', '1.5'],
    ['max-concurrency', '0'],
    ['max-concurrency', '65'],
    ['access-key-max-age-days', '0'],
    ['access-key-max-age-days', '-30'],
    ['access-key-max-age-days', '36501']
  ])('%s %s is out of range', (input, value) => {
    expectOneProblem(paramProblems({ [input]: value }), input, 'not a whole number')
  })

  it('numbers at the bounds are accepted', () => {
    const p = resolveParameters(raw({ ...VALID, timeout: '3600', 'max-concurrency': '1', 'access-key-max-age-days': 36500 }), {})
    expect(p).toMatchObject({ collect: { timeoutSeconds: 3600, maxConcurrency: 1 }, target: { accessKeyMaxAgeDays: 36500 } })
  })

  it.each(['critical', 'ERRORS', 'never'])('fail-on %s is invalid', (failOn) => {
    expectOneProblem(paramProblems({ 'fail-on': failOn }), 'fail-on', 'error, warning, notice, none')
  })

  it('fail-on-error must be a boolean', () => {
    expectOneProblem(paramProblems({ 'fail-on-error': 'maybe' }), 'fail-on-error', 'true or false')
    expect(resolveParameters(raw({ ...VALID, 'fail-on-error': 'no' }), {}).outputs.failOnError).toBe(false)
  })

  it('lambda-user-policy-arns must be managed policy ARNs', () => {
    expectOneProblem(paramProblems({ 'lambda-user-policy-arns': 'AWSLambda_FullAccess' }), 'lambda-user-policy-arns')
  })

  it('several problems are reported together in one error', () => {
    let error: ConfigError | undefined
    try {
      resolveParameters(
        raw({
          'cargo-role-arn': 'not-an-arn',
          'cargo-ips': '10.1',
          region: 'eu-west',
          workgroup: 'cargo-wg',
          'cluster-identifier': 'cargo-cluster',
          database: 'cargo;db',
          'fail-on': 'critical',
          timeout: '0',
          cargo_ips: 'x'
        }),
        {}
      )
    } catch (err) {
      error = err as ConfigError
    }
    expect(error).toBeInstanceOf(ConfigError)
    const inputs = [...new Set(error!.problems.map((p) => p.where.input))].sort()
    expect(inputs).toEqual(
      ['cargo-role-arn', 'cargo-ips', 'region', 'cluster-identifier', 'database', 'fail-on', 'timeout', 'cargo_ips'].sort()
    )
    // The message holds one line per problem, each naming its input.
    const lines = error!.message.split('\n')
    expect(lines).toHaveLength(error!.problems.length)
    for (const input of inputs) expect(error!.message).toContain(`input '${input}'`)
  })
})

describe('rule-set files', () => {
  const load = (file: string) => problemsOf(() => loadRuleSet([file], RULES_DIR))

  it('YAML syntax error: names the file', () => {
    const problems = load('yaml-syntax.yaml')
    expect(problems.length).toBeGreaterThanOrEqual(1)
    expect(problems[0]!.where.file).toBe('yaml-syntax.yaml')
    expect(problems[0]!.message).toContain('YAML syntax')
  })

  // BUG (src/json/located-document.ts, parseLocatedDocument): syntax errors are located with
  // `e.linePos`, which the yaml package fills only when `prettyErrors` is true; the parser
  // is called with `prettyErrors: false`, so every YAML/JSON syntax error comes without
  // line and column (`e.pos` + the lineCounter would give them: line 5, column 5 here).
  it('YAML syntax error: located at file:line:column', () => {
    const [p] = load('yaml-syntax.yaml')
    expect(p!.where.line).toBeGreaterThanOrEqual(4)
    expect(p!.where.line).toBeLessThanOrEqual(5)
    expect(p!.where.column).toBeGreaterThanOrEqual(1)
    expect(formatLocation(p!.where)).toMatch(/^yaml-syntax\.yaml:[45]:\d+/)
  })

  it('JSON syntax error: names the file and says JSON', () => {
    const problems = load('json-syntax.json')
    expect(problems[0]!.where.file).toBe('json-syntax.json')
    expect(problems[0]!.message).toContain('JSON syntax')
  })

  // Same bug as above, for a JSON file: the missing comma is on line 3.
  it('JSON syntax error: located at its line', () => {
    const [p] = load('json-syntax.json')
    expect(p!.where.line).toBe(3)
  })

  it('schema violation (bad severity): located at the rule, pointer /rules/0/severity', () => {
    const problems = load('bad-severity.yaml')
    expect(problems).toHaveLength(1)
    const p = problems[0]!
    expect(p.where).toMatchObject({ file: 'bad-severity.yaml', pointer: '/rules/0/severity' })
    // The rule spans lines 3-5; the bad value is on line 5.
    expect(p.where.line).toBe(5)
    expect(p.message).toContain('"error", "warning", "notice"')
  })

  it('unknown property', () => {
    const [p] = load('unknown-property.yaml')
    expect(p!.message).toBe("unknown property 'sevrity'")
    expect(p!.where).toMatchObject({ file: 'unknown-property.yaml', line: 2, pointer: '/rules/0' })
  })

  it('duplicate ids in one file', () => {
    const problems = load('duplicate-ids.yaml')
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain("duplicate rule id 'sql-user'")
    expect(problems[0]!.where).toMatchObject({ file: 'duplicate-ids.yaml', line: 6, pointer: '/rules/2/id' })
  })

  it('a new rule missing required fields names the file and the missing fields', () => {
    const problems = load('incomplete-new-rule.yaml')
    const missing = problems.map((p) => /missing required property '(\w+)'/.exec(p.message)?.[1]).sort()
    expect(missing).toEqual(['appliesTo', 'description', 'docs', 'expected', 'given', 'remediation', 'resource', 'then'])
    for (const p of problems) {
      expect(p.where.file).toBe('incomplete-new-rule.yaml')
      expect(p.message).toContain("'my-new-rule' is not a built-in rule")
    }
  })

  it("an override of a built-in rule's severity keeps the rest of the rule", () => {
    const builtIn = loadRuleSet([], RULES_DIR).rules.find((r) => r.id === 'iam-lambda-user-key-age')!
    const rules = loadRuleSet(['override-severity.yaml'], RULES_DIR).rules
    const merged = rules.find((r) => r.id === 'iam-lambda-user-key-age')!
    expect(builtIn.severity).toBe('warning')
    expect(merged.severity).toBe('notice')
    const { severity: _a, source: _b, ...restMerged } = merged
    const { severity: _c, source: _d, ...restBuiltIn } = builtIn
    expect(restMerged).toEqual(restBuiltIn)
    expect(merged.source?.file).toBe('override-severity.yaml')
    expect(rules).toHaveLength(loadRuleSet([], RULES_DIR).rules.length)
    // The rule keeps its place in the evaluation order.
    expect(rules.map((r) => r.id)).toEqual(loadRuleSet([], RULES_DIR).rules.map((r) => r.id))
  })

  it('requires an unknown id', () => {
    const problems = load('requires-unknown.yaml')
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toBe("requires unknown rule 'no-such-rule'")
    expect(problems[0]!.where).toMatchObject({ file: 'requires-unknown.yaml', line: 3, pointer: '/rules/0/requires/1' })
  })

  it('a requires cycle', () => {
    const problems = load('requires-cycle.yaml')
    expect(problems.length).toBeGreaterThanOrEqual(1)
    expect(problems[0]!.message).toContain('cycle')
    expect(problems[0]!.message).toContain('iam-role-exists')
    expect(problems[0]!.message).toContain('iam-role-trusts-redshift')
  })

  it('problems of several files are reported together', () => {
    const problems = problemsOf(() => loadRuleSet(['bad-severity.yaml', 'unknown-property.yaml', 'missing.yaml'], RULES_DIR))
    expect(new Set(problems.map((p) => p.where.file))).toEqual(new Set(['bad-severity.yaml', 'unknown-property.yaml', 'missing.yaml']))
    expect(problems.find((p) => p.where.file === 'missing.yaml')!.message).toBe('file not found')
  })

  it('a then with an unknown keyword is a config error naming the rule', () => {
    const problems = problemsOf(() => loadConfig(raw({ ...VALID, rules: 'unknown-keyword.yaml' }), RULES_DIR, {}))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain("rule 'redshift-shiny'")
    expect(problems[0]!.message).toContain('mustBeShiny')
    expect(problems[0]!.where.file).toBe('unknown-keyword.yaml')
  })

  it('a user file adding a complete new rule: the rule is evaluated', () => {
    const config = loadConfig(raw({ ...VALID, rules: 'new-rule.yaml, new-rule.json', 'cargo-ips': '3.251.12.34' }), RULES_DIR, {})
    const rule = config.ruleSet.rules.find((r) => r.id === 'redshift-default-port')!
    expect(rule.source).toMatchObject({ file: 'new-rule.yaml', line: 3, pointer: '/rules/0' })

    const pass = evaluate({ ruleSet: config.ruleSet, state: structuredClone(COMPLIANT), params: config })
    const ok = pass.find((f) => f.ruleId === 'redshift-default-port')!
    expect(ok.status).toBe('pass')
    expect(ok.severity).toBe('notice')
    expect(ok.resource).toBe('redshift:cargo-wg')
    expect(pass.find((f) => f.ruleId === 'sql-user-named-cargo')!.status).toBe('pass')

    const state = structuredClone(COMPLIANT)
    state.redshift!.endpoint!.port = 5440
    // A state read for the user 'analyst', judged with db-user analyst (issue 11: a state read
    // for another user than the inputs name is not judged at all).
    state.sql!.user!.name = 'analyst'
    state.subject!.dbUser = 'analyst'
    const fail = evaluate({ ruleSet: config.ruleSet, state, params: { ...config, target: { ...config.target, dbUser: 'analyst' } } })
    const drift = fail.find((f) => f.ruleId === 'redshift-default-port')!
    expect(drift.status).toBe('fail')
    expect(drift.message).toBe('the endpoint does not listen on 5439')
    expect(drift.expected).toBe('port 5439 on cargo-wg')
    expect(fail.find((f) => f.ruleId === 'sql-user-named-cargo')!.status).toBe('fail')

    // Its prerequisite holds it back when the workgroup is missing.
    const gone = structuredClone(COMPLIANT)
    gone.redshift = null
    const held = evaluate({ ruleSet: config.ruleSet, state: gone, params: config }).find((f) => f.ruleId === 'redshift-default-port')!
    expect(held.status).toBe('skipped')
  })

  it('a placeholder naming a secret or a run setting is a config error naming the rule and the placeholder', () => {
    const problems = problemsOf(() =>
      loadConfig(raw({ ...VALID, rules: 'secret-placeholders.yaml', 'db-user-password': 'Secr3tPass9' }), RULES_DIR, {})
    )
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^rule 'redshift-leaky': placeholder \$\{dbUserPassword\} names nothing a rule may read/),
      expect.stringMatching(/^rule 'redshift-leaky': placeholder \$\{githubToken\} names nothing a rule may read/)
    ])
    // Each at the first field that holds it, and said to be a secret.
    expect(problems[0]!.where).toMatchObject({ file: 'secret-placeholders.yaml', line: 12, pointer: '/rules/0/expected' })
    expect(problems[1]!.where).toMatchObject({ file: 'secret-placeholders.yaml', line: 15, pointer: '/rules/0/remediation' })
    for (const p of problems) expect(p.message).toContain('(it is a secret, and rule texts reach every report)')
    for (const p of problems) expect(p.message).not.toContain('Secr3tPass9')
  })

  it('rules see the target parameters only, whatever the engine is given', () => {
    const config = loadConfig(raw({ ...VALID, rules: 'new-rule.yaml' }), RULES_DIR, {})
    const rule = config.ruleSet.rules.find((r) => r.id === 'redshift-default-port')!
    // A rule built in code (not loaded) still cannot reach the password.
    const leaky = { ...rule, expected: 'pw=${dbUserPassword}', remediation: { manual: 'token ${githubToken}' } }
    const params = { ...config, remediation: { ...config.remediation, dbUserPassword: 'Secr3tPass9' }, github: { ...config.github, githubToken: 'ghs_secret' } }
    const findings = evaluate({ ruleSet: { ...config.ruleSet, rules: [leaky] }, state: structuredClone(COMPLIANT), params })
    const text = JSON.stringify(findings)
    expect(text).not.toContain('Secr3tPass9')
    expect(text).not.toContain('ghs_secret')
    expect(findings[0]!.expected).toBe('pw=(not set)')
  })

  it("the names rules may use equal the rule-set schema's parameterName", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'policies', 'rule-set.schema.json'), 'utf8'))
    expect([...RULE_PARAMETERS].sort()).toEqual([...schema.$defs.parameterName.enum].sort())
  })

  it('disable-rules with an unknown id is a config error', () => {
    const problems = problemsOf(() => loadConfig(raw({ ...VALID, 'disable-rules': 'sql-user, sql-usr' }), RULES_DIR, {}))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain('sql-usr')
    expect(problems[0]!.message).not.toContain('sql-user,')
    expect(problems[0]!.where.input).toBe('disable-rules')
  })
})

describe('waiver files', () => {
  const withWaivers = (file: string) => loadConfig(raw({ ...VALID, waivers: file }), CONFIG_DIR, {})

  it('loads a valid waiver file', () => {
    expect(withWaivers('waivers-ok.yaml').waivers).toEqual([
      {
        rule: 'network-cargo-ingress-narrow',
        reason: 'VPN range under review',
        expires: '2026-12-31',
        where: expect.objectContaining({ file: 'waivers-ok.yaml', pointer: '/waivers/0' })
      }
    ])
  })

  it('an unknown rule id is located', () => {
    const problems = problemsOf(() => withWaivers('waivers-unknown-rule.yaml'))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toBe("waives unknown rule 'no-such-rule'")
    expect(problems[0]!.where).toMatchObject({ file: 'waivers-unknown-rule.yaml', line: 5, pointer: '/waivers/1/rule' })
  })

  it('a month that does not exist is not a date', () => {
    const problems = problemsOf(() => withWaivers('waivers-bad-month.yaml'))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain("'2026-13-01' is not a calendar date")
    expect(problems[0]!.where).toMatchObject({ file: 'waivers-bad-month.yaml', pointer: '/waivers/0/expires' })
  })

  // BUG (src/config/waivers.ts, loadWaivers): the date check is
  // `Date.parse(`${expires}T00:00:00Z`)`, and V8 accepts any day up to 31 in any month
  // ('2026-02-30' parses as 2026-03-02), so an impossible date is accepted and the waiver
  // silently runs two days longer than written.
  it('a day that does not exist in its month is not a date', () => {
    const problems = problemsOf(() => withWaivers('waivers-bad-day.yaml'))
    expect(problems[0]!.message).toContain("'2026-02-30' is not a calendar date")
  })

  it('a waiver file that breaks the schema is located', () => {
    const problems = problemsOf(() => withWaivers('guard.yml'))
    expect(problems.some((p) => p.where.file === 'guard.yml' && p.message.includes("missing required property 'waivers'"))).toBe(true)
  })

  it('a missing waiver file names the file', () => {
    const problems = problemsOf(() => withWaivers('no-such-waivers.yaml'))
    expect(problems[0]!.where.file).toBe('no-such-waivers.yaml')
    expect(problems[0]!.message).toBe('file not found')
  })
})

describe('the config file', () => {
  it('values in it are used', () => {
    const params = loadConfig(raw({ config: 'guard.yml' }), CONFIG_DIR, {})
    expect(params).toMatchObject({
      target: {
        cargoRoleArn: 'arn:aws:iam::999988887777:role/cargo-workspace-acme',
        cargoIps: ['3.251.12.34/32', '3.251.12.35/32'],
        region: 'eu-west-1',
        workgroup: 'cargo-wg',
        roleName: 'cargo-redshift',
        sourceSchemas: [
          { database: 'analytics', schema: 'public' },
          { database: 'sales', schema: 'crm' }
        ]
      },
      collect: { timeoutSeconds: 60 },
      outputs: { failOn: 'warning' }
    })
  })

  it('inputs given directly win over it', () => {
    const params = loadConfig(raw({ config: 'guard.yml', 'fail-on': 'error', workgroup: 'other-wg', 'cargo-ips': '1.2.3.4' }), CONFIG_DIR, {})
    expect(params.outputs.failOn).toBe('error')
    expect(params.target.workgroup).toBe('other-wg')
    expect(params.target.cargoIps).toEqual(['1.2.3.4/32'])
    expect(params.target.region).toBe('eu-west-1')
  })

  it('an empty direct input does not hide the file value', () => {
    const params = loadConfig(raw({ config: 'guard.yml', region: '' }), CONFIG_DIR, {})
    expect(params.target.region).toBe('eu-west-1')
  })

  it('an unknown key is a located error', () => {
    const problems = problemsOf(() => loadConfig(raw({ config: 'unknown-key.yml' }), CONFIG_DIR, {}))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain("unknown key 'cargo-ip'")
    expect(problems[0]!.where).toMatchObject({ file: 'unknown-key.yml', line: 3, pointer: '/cargo-ip' })
  })

  it('a bad value in it is located in the file', () => {
    const problems = problemsOf(() => loadConfig(raw({ config: 'bad-value.yml' }), CONFIG_DIR, {}))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain('300.1.2.3')
    expect(problems[0]!.where.file).toBe('bad-value.yml')
    expect(problems[0]!.where.pointer).toBe('/cargo-ips')
    expect(problems[0]!.where.line).toBeGreaterThanOrEqual(3)
  })

  it('an explicit config file that does not exist is an error', () => {
    const problems = problemsOf(() => loadConfig(raw({ ...VALID, config: 'nope.yml' }), CONFIG_DIR, {}))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.where.input).toBe('config')
    expect(problems[0]!.message).toContain('not found')
  })

  it('the default config file missing is fine', () => {
    expect(() => loadConfig(raw(VALID), RULES_DIR, {})).not.toThrow()
  })

  it('the default config file is read when present', () => {
    const params = loadConfig(raw({}), join(CONFIG_DIR, 'with-default'), {})
    expect(params.target.workgroup).toBe('from-default-file')
    expect(params.target.region).toBe('eu-central-1')
  })
})

describe('the state file', () => {
  it('a state that breaks account-state.schema.json is a located error', async () => {
    const config = loadConfig(raw({ 'state-file': 'invalid.state.json' }), CONFIG_DIR, {})
    let thrown: unknown
    try {
      await audit(config, { cwd: CONFIG_DIR })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    const problems = (thrown as ConfigError).problems
    const p = problems.find((x) => x.where.pointer === '/redshift/publiclyAccessible')
    expect(p, JSON.stringify(problems)).toBeDefined()
    expect(p!.where.file).toBe('invalid.state.json')
    const line = readFileSync(join(CONFIG_DIR, 'invalid.state.json'), 'utf8').split('\n').findIndex((l) => l.includes('"yes"')) + 1
    expect(p!.where.line).toBe(line)
  })

  it('a state file that does not exist is an error naming it', async () => {
    const config = loadConfig(raw({ 'state-file': 'missing.state.json' }), CONFIG_DIR, {})
    await expect(audit(config, { cwd: CONFIG_DIR })).rejects.toThrow(/missing\.state\.json.*file not found/)
  })

  it('a valid state file is judged', async () => {
    const config = loadConfig(
      // guard.yml also names sales.crm, which the example state lacks (that is an error verdict, tested with the rules).
      raw({ 'state-file': join(ROOT, 'examples', 'serverless-compliant.state.json'), config: 'guard.yml', 'cargo-ips': '3.251.12.34', 'source-schemas': 'analytics.public' }),
      CONFIG_DIR,
      {}
    )
    const outcome = await audit(config, { cwd: CONFIG_DIR })
    expect(outcome.state.source.accountId).toBe('123456789012')
    expect(outcome.findings.find((f) => f.ruleId === 'iam-role-exists')!.status).toBe('pass')
    expect(outcome.exitCode).toBe(0)
  })
})
