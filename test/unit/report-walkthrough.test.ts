import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeProgress, terminalProgress } from '../../src/cli/progress.js'
import { causeOf } from '../../src/aws/errors.js'
import { loadConfig, type Config } from '../../src/config/load.js'
import type { RawInputs } from '../../src/config/parameters.js'
import type { Finding } from '../../src/evaluate/types.js'
import { renderConsole } from '../../src/report/console.js'
import { auditOutputs, planAnnotations } from '../../src/report/github-actions.js'
import { locateFindings } from '../../src/report/locations.js'
import { escapeMarkdown, linkTarget, renderMarkdown, workflowRunUrl } from '../../src/report/markdown.js'
import { renderSarif } from '../../src/report/sarif.js'
import { audit, type ProgressEvent } from '../../src/run.js'
import type { AccountState } from '../../src/state/types.js'
import { validateSarif } from '../fixtures/sarif-validator.js'
import { rawInputs } from '../support/inputs.js'

/*
 * The first-day walkthrough of issue 12, item by item: where findings point, what they say,
 * and the summary people read. Real rule set, real engine, example states changed one thing
 * at a time.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const NOW = new Date('2026-11-25T12:00:00Z')
const CARGO_ROLE = 'arn:aws:iam::999988887777:role/cargo-workspace-acme'

function example(name: string): AccountState {
  return JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as AccountState
}

const raw = (values: Record<string, unknown>): RawInputs => rawInputs(values)

function config(file = 'examples/serverless.yml', extra: Record<string, unknown> = {}): Config {
  return loadConfig(raw({ config: file, ...extra }), ROOT, {})
}

async function judge(state: AccountState, cfg: Config = config(), env: NodeJS.ProcessEnv = {}) {
  return audit(cfg, { now: NOW, cwd: ROOT, env, collect: async () => ({ state: structuredClone(state) }) })
}

function lineOf(file: string, text: string): number {
  return readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => l.startsWith(text)) + 1
}

const byRule = (findings: Finding[], id: string) => findings.filter((f) => f.ruleId === id)
const one = (findings: Finding[], id: string) => {
  const found = byRule(findings, id)
  expect(found, id).toHaveLength(1)
  return found[0]!
}

describe('1. where findings point', () => {
  it('a built-in rule points at the config-file line of the input it concerns, never inside the tool', async () => {
    const { findings, report } = await judge(example('serverless-drifted.state.json'))
    const trust = one(findings, 'iam-role-trusts-lambda')
    expect(trust.source).toEqual({ file: 'examples/serverless.yml', line: lineOf('examples/serverless.yml', 'role-name:') })
    expect(one(findings, 'network-cargo-ingress-narrow').source).toEqual({ file: 'examples/serverless.yml', line: lineOf('examples/serverless.yml', 'cargo-ips:') })
    expect(byRule(findings, 'sql-source-select')[0]!.source?.line).toBe(lineOf('examples/serverless.yml', 'source-schemas:'))
    for (const f of findings) expect(f.source?.file ?? '').not.toContain('policies/')
    // sql-exfunc-usage concerns database and db-user, which the example leaves to their defaults:
    // no line of the user's names them, so the finding has no file (a workflow-level annotation).
    expect(one(findings, 'sql-exfunc-usage').source).toBeUndefined()
    const annotation = planAnnotations(report).find((a) => a.properties.title?.startsWith('sql-exfunc-usage'))!
    expect(annotation.properties.file).toBeUndefined()
  })

  it('outside the workspace a config file is no place to point at', async () => {
    const { findings } = await judge(example('serverless-drifted.state.json'), config(), { GITHUB_WORKSPACE: join(ROOT, 'test') })
    for (const f of findings) expect(f.source).toBeUndefined()
  })

  it("the user's own rules file is where their own rule points", async () => {
    const dir = mkdtempSync(join(ROOT, 'test', '.tmp-rules-'))
    const rules = join(dir, 'rules.yaml')
    writeFileSync(
      rules,
      [
        'rules:',
        '  - id: custom-publicly-accessible',
        '    title: Custom',
        '    severity: warning',
        '    appliesTo: both',
        '    description: a custom rule',
        '    docs: https://example.com/',
        '    given: /redshift',
        '    then: { properties: { publiclyAccessible: { const: false } } }',
        '    expected: not public',
        '    resource: redshift:${redshiftName}',
        '    remediation: { manual: make it private }',
        ''
      ].join('\n')
    )
    const { findings } = await judge(example('serverless-compliant.state.json'), config('examples/serverless.yml', { rules: rules })).finally(() =>
      rmSync(dir, { recursive: true, force: true })
    )
    const custom = one(findings, 'custom-publicly-accessible')
    expect(custom.status).toBe('fail')
    expect(custom.source?.file).toMatch(/^test\/\.tmp-rules-[^/]+\/rules\.yaml$/)
    expect(custom.source?.line).toBe(2)
  })

  it('locateFindings keeps IaC lines inside the workspace and drops anything outside', () => {
    const f = (source?: { file: string; line: number }): Finding => ({
      ruleId: 'x',
      title: 'x',
      status: 'fail',
      severity: 'error',
      resource: 'r',
      message: 'm',
      docs: '#',
      remediation: {},
      ...(source ? { source } : {})
    })
    const located = locateFindings([f({ file: 'infra/main.tf', line: 12 }), f({ file: '/etc/elsewhere.tf', line: 3 }), f()], [], { workspace: '/ws', cwd: '/ws' })
    expect(located.map((x) => x.source)).toEqual([{ file: 'infra/main.tf', line: 12 }, undefined, undefined])
  })

  it('SARIF of a live audit is valid 2.1.0 with logical locations only, and names the target in its category', async () => {
    const { report } = await judge(example('serverless-drifted.state.json'), config(), { GITHUB_WORKSPACE: '/nowhere' })
    const log = JSON.parse(JSON.stringify(renderSarif(report)))
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true)
    for (const r of log.runs[0].results) {
      expect(r.locations[0].physicalLocation).toBeUndefined()
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName).toBe(r.properties.resource)
    }
    expect(log.runs[0].automationDetails.id).toContain('workgroup-cargo-wg')
    // Rule descriptions read as the findings do: no unrendered placeholder, no file inside the tool.
    expect(JSON.stringify(log.runs[0].tool.driver.rules)).not.toContain('${')
    expect(JSON.stringify(log)).not.toContain('policies/cargo-redshift.yaml')
  })
})

describe('3-4. what a finding that could not be checked says', () => {
  const noCredentials = (): AccountState => {
    const state = example('serverless-compliant.state.json')
    const cause = causeOf('iam', 'GetRole', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }))
    state.unavailable = ['/iam', '/redshift', '/network', '/sql'].map((pointer) => ({ pointer, cause: { ...cause, operation: `Read${pointer.slice(1)}` } }))
    return state
  }

  it('says how to make the rule checkable, never the drift fix', async () => {
    const { findings } = await judge(noCredentials())
    const errors = findings.filter((f) => f.status === 'error')
    expect(errors.length).toBeGreaterThan(5)
    for (const f of errors) {
      expect(f.remediation).toEqual({})
      expect(f.fixSteps).toBeUndefined()
      expect(f.howToCheck).toMatch(/AWS credentials/)
    }
  })

  it('one cause, one message: no credentials is said once in the summary, the console and the annotations', async () => {
    const { report } = await judge(noCredentials())
    const md = renderMarkdown(report)
    expect(md.match(/no AWS credentials were found/g)).toHaveLength(1)
    expect(md).not.toContain('CREATE DATABASE')
    expect(md).not.toContain('Could not load credentials')
    const text = renderConsole(report, { color: false })
    expect(text.match(/no AWS credentials were found/g)).toHaveLength(1)
    const unchecked = planAnnotations(report).filter((a) => a.message.includes('could not check'))
    expect(unchecked).toHaveLength(1)
    expect(unchecked[0]!.message).toContain('To check: Give the job AWS credentials')
  })

  it('an access denial names the IAM action to allow', async () => {
    const state = example('serverless-compliant.state.json')
    delete state.sql
    state.unavailable.push({ pointer: '/sql', cause: { service: 'redshift-data', operation: 'ExecuteStatement', code: 'AccessDeniedException', iamAction: 'redshift-data:ExecuteStatement', message: 'denied' } })
    const { findings } = await judge(state)
    const database = one(findings, 'sql-database')
    expect(database.status).toBe('error')
    expect(database.howToCheck).toContain('Allow redshift-data:ExecuteStatement for the identity running the audit')
    expect(database.remediation.manual).toBeUndefined()
  })

  it('translates SDK internals into service, operation, HTTP status and endpoint', () => {
    const deserialization = Object.assign(new Error('Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), {
      $metadata: { httpStatusCode: 502 }
    })
    const cause = causeOf('redshift-data', 'ExecuteStatement', deserialization, { AWS_ENDPOINT_URL_REDSHIFT_DATA: 'http://127.0.0.1:9' })
    expect(cause.message).toBe(
      'endpoint http://127.0.0.1:9 answered Redshift Data API ExecuteStatement with HTTP 502 but the body is not a Redshift Data API response (a proxy, a wrong endpoint or an outage page?)'
    )
    expect(cause.message).not.toContain('$response')
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 })
    expect(causeOf('iam', 'GetRole', refused, {})).toMatchObject({ code: 'Unreachable', message: 'could not reach IAM (127.0.0.1:4566) for GetRole: ECONNREFUSED' })
    expect(causeOf('sts', 'GetCallerIdentity', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), {}).code).toBe('NoCredentials')
  })
})

describe('5. fix texts right for the situation', () => {
  it('a cluster gets the cluster command, console path and docs; a workgroup its own', async () => {
    const cluster = example('provisioned-compliant.state.json')
    cluster.redshift!.publiclyAccessible = false
    const { findings } = await judge(cluster, config('examples/provisioned.yml'))
    const pub = one(findings, 'redshift-public' + 'ly-accessible')
    expect(pub.message).toBe("cluster 'cargo-cluster' is not publicly accessible")
    expect(pub.fixSteps?.map((s) => s.command)).toEqual(['aws redshift modify-cluster --cluster-identifier cargo-cluster --publicly-accessible --region eu-west-1'])
    expect(pub.remediation.manual).toContain('Clusters › the cluster › Actions › Modify publicly accessible setting')
    expect(pub.docs).toBe('https://docs.aws.amazon.com/redshift/latest/mgmt/managing-clusters-vpc.html')

    const workgroup = example('serverless-compliant.state.json')
    workgroup.redshift!.publiclyAccessible = false
    const wg = one((await judge(workgroup)).findings, 'redshift-publicly-accessible')
    expect(wg.fixSteps?.[0]?.command).toContain('aws redshift-serverless update-workgroup --workgroup-name cargo-wg --publicly-accessible')
    expect(wg.remediation.manual).toContain('Workgroup configuration')
    expect(wg.docs).toContain('serverless-connecting')
  })

  it("names the Cargo role ARN instead of a placeholder", async () => {
    const state = example('serverless-compliant.state.json')
    state.iam.crossAccountPolicy = null
    const policy = one((await judge(state)).findings, 'iam-cross-account-policy')
    expect(policy.remediation.manual).toContain(CARGO_ROLE)
    expect(policy.remediation.manual).not.toContain('<cargo role ARN>')
  })

  it('tells "attached but does not allow" from "not attached"', async () => {
    const attached = example('serverless-compliant.state.json')
    const policy = attached.iam.role!.policies.find((p) => p.name === 'cargo-cross-account')!
    policy.document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::999988887777:role/other' }] }
    attached.iam.crossAccountPolicy = { name: 'cargo-cross-account', arn: policy.arn!, document: policy.document }
    const a = one((await judge(attached)).findings, 'iam-role-cross-account-attached')
    expect(a.message).toContain(`policy 'cargo-cross-account' is attached but does not allow sts:AssumeRole on ${CARGO_ROLE}`)

    const detached = example('serverless-compliant.state.json')
    detached.iam.role!.policies = detached.iam.role!.policies.filter((p) => p.name !== 'cargo-cross-account')
    const d = one((await judge(detached)).findings, 'iam-role-cross-account-attached')
    expect(d.message).toContain("policy 'cargo-cross-account' is not attached")
    expect(d.fixSteps?.[0]?.command).toContain('aws iam attach-role-policy --role-name cargo-redshift --policy-arn arn:aws:iam::123456789012:policy/cargo-cross-account')
  })

  it('a user that exists but lacks the policy: attach, not create', async () => {
    const state = example('serverless-compliant.state.json')
    state.iam.lambdaUser!.policies = []
    const user = one((await judge(state)).findings, 'iam-lambda-user')
    const commands = user.fixSteps?.map((s) => s.command) ?? []
    expect(commands).toEqual(['aws iam attach-user-policy --user-name cargo_lambda --policy-arn arn:aws:iam::aws:policy/AWSLambda_FullAccess'])
    const md = renderMarkdown((await judge(state)).report)
    expect(md).not.toContain('create-user')
  })

  it('a role associated but still pending says to wait, not to associate it', async () => {
    const state = example('serverless-compliant.state.json')
    state.redshift!.iamRoles = [{ arn: 'arn:aws:iam::123456789012:role/cargo-redshift', applyStatus: 'adding' }]
    const f = one((await judge(state)).findings, 'redshift-role-associated')
    expect(f.message).toContain("is associated but not yet in effect (applyStatus 'adding')")
    expect(f.fixSteps).toBeUndefined()
    expect(f.remediation.manual).toContain('wait until it is in-sync')
    expect(f.remediation.manual).not.toContain('Associate role')
  })

  it('never shows raw JSON-Schema wording', async () => {
    const state = example('serverless-compliant.state.json')
    state.redshift!.publiclyAccessible = false
    state.sql!.user = { name: 'cargo_user', exists: true, superuser: true }
    state.sql!.exfuncUsage = false
    const { report } = await judge(state)
    const text = renderMarkdown(report) + renderConsole(report, { color: false })
    expect(text).not.toMatch(/must be equal to constant|must have required property|must be equal to one of/)
  })
})

describe('6. failed source-schema reads name the configured schemas', () => {
  it('no *.*, no GRANT … ON SCHEMA *, and Markdown escaped', async () => {
    const state = example('serverless-compliant.state.json')
    delete state.sql!.sourceSchemas
    state.unavailable.push({ pointer: '/sql/sourceSchemas', cause: { service: 'redshift-data', operation: 'ExecuteStatement', code: 'ValidationException', message: 'relation does not exist' } })
    const cfg = config('examples/serverless.yml', { 'source-schemas': ['analytics.public', 'sales.crm'] })
    const { findings, report } = await judge(state, cfg)
    const select = byRule(findings, 'sql-source-select')
    expect(select.map((f) => [f.status, f.resource])).toEqual([
      ['error', 'sql:schema/analytics.public'],
      ['error', 'sql:schema/sales.crm']
    ])
    const md = renderMarkdown(report)
    expect(md).not.toContain('*.*')
    expect(md).not.toMatch(/ON SCHEMA \*/)
    expect(escapeMarkdown('sql:schema/*.* <b>|x`_')).toBe('sql:schema/\\*.\\* &lt;b&gt;\\|x\\`\\_')
    expect(linkTarget('https://example.com/a (b)')).toBe('https://example.com/a%20%28b%29')
  })

  it('a drifted schema is fixed with its own name', async () => {
    const { findings } = await judge(example('serverless-drifted.state.json'))
    const select = one(findings, 'sql-source-select')
    expect(select.fixSteps?.map((s) => s.command).join('\n')).toContain('GRANT SELECT ON ALL TABLES IN SCHEMA "public"')
  })
})

describe('7. IaC findings: the fix is the change in the file', () => {
  it('names the attribute and value in the template, not an automatic fix against the live account', async () => {
    const cfg = loadConfig(
      raw({
        'cargo-role-arn': CARGO_ROLE,
        'cargo-ips': '3.251.12.34',
        'role-name': 'cargo-redshift',
        workgroup: 'cargo-wg',
        'terraform-plan': 'examples/iac/terraform/plan.json'
      }),
      ROOT,
      {}
    )
    const outcome = await audit(cfg, { now: NOW, cwd: ROOT, env: {} })
    const ingress = one(outcome.findings, 'network-cargo-ip-inbound')
    expect(ingress.status).toBe('fail')
    expect(ingress.iacFix).toMatch(/^In examples\/iac\/terraform\/main\.tf:\d+: /)
    expect(ingress.iacFix).toContain('aws_vpc_security_group_ingress_rule')
    expect(ingress.iacFix).toContain('"3.251.12.34/32"')
    const md = renderMarkdown(outcome.report)
    expect(md).toContain('**Change in the code:**')
    expect(md).not.toMatch(/Automatic fix|mode: plan|mode: apply/)
  })
})

describe('8. a rule whose subject is missing is skipped, naming the prerequisite', () => {
  it('network rules when the cluster does not exist, even though its security groups could not be read', async () => {
    const state = example('provisioned-compliant.state.json')
    state.redshift = null
    delete state.network.securityGroups
    state.unavailable.push({ pointer: '/network/securityGroups', cause: { service: 'ec2', operation: 'DescribeSecurityGroups', message: 'no security group ids: the cluster was not found' } })
    const { findings } = await judge(state, config('examples/provisioned.yml'))
    for (const id of ['network-cargo-ip-inbound', 'network-cargo-ingress-narrow', 'redshift-publicly-accessible']) {
      const f = one(findings, id)
      expect(f.status, id).toBe('skipped')
      expect(f.message).toBe("prerequisite redshift-exists did not pass (fail): Redshift cluster 'cargo-cluster' was not found")
    }
  })
})

describe('8b. a prerequisite that drifted (its subject exists) does not hide an unreadable fact', () => {
  it('stays error, naming the cause', async () => {
    const state = example('serverless-compliant.state.json')
    const key = state.iam.lambdaUser!.accessKeys[0]!
    key.status = 'Inactive'
    delete key.ageDays
    state.unavailable.push({ pointer: '/iam/lambdaUser/accessKeys/0/ageDays', cause: { service: 'iam', operation: 'GetAccessKeyLastUsed', message: 'hidden' } })
    const { findings } = await judge(state)
    expect(one(findings, 'iam-lambda-user-key').status).toBe('fail')
    expect(one(findings, 'iam-lambda-user-key-age').status).toBe('error')
  })
})

describe('9. job summary, PR comment, drift issue', () => {
  const mixed = async () => {
    const state = example('serverless-drifted.state.json')
    delete state.sql!.exfuncUsage
    state.unavailable.push({ pointer: '/sql/exfuncUsage', cause: { service: 'redshift-data', operation: 'ExecuteStatement', iamAction: 'redshift-data:ExecuteStatement', message: 'denied' } })
    return judge(state)
  }

  it('drift first, then unchecked by cause, then passing folded; a warning looks different from an error', async () => {
    const { report } = await mixed()
    const md = renderMarkdown(report, { runUrl: 'https://github.com/acme/infra/actions/runs/42' })
    const drift = md.indexOf('### Drift')
    const unchecked = md.indexOf('### Could not be checked')
    const passing = md.indexOf('rules pass</summary>')
    expect(drift).toBeGreaterThan(0)
    expect(unchecked).toBeGreaterThan(drift)
    expect(passing).toBeGreaterThan(unchecked)
    expect(md).toContain('[Workflow run](https://github.com/acme/infra/actions/runs/42)')
    expect(md).toMatch(/\| ❌ \| \[iam-role-trusts-lambda\]\([^)]+\) \| error \|/)
    expect(md).toMatch(/\| ⚠️ \| \[network-cargo-ingress-narrow\]\([^)]+\) \| warning \|/)
    // Severity only where it matters: the folded passing table has no severity column.
    const folded = md.slice(passing)
    expect(folded).toContain('| | Rule | Resource | Result |')
  })

  it('the connection table never says unknown and carries the role ARN for Cargo’s form', async () => {
    const state = example('serverless-compliant.state.json')
    delete state.redshift!.endpoint
    const { report } = await judge(state)
    const md = renderMarkdown(report)
    const table = md.slice(md.indexOf('### Connection details for Cargo'))
    expect(table).not.toContain('unknown')
    expect(table).toContain('| Database | User | Role ARN |')
    expect(table).toContain('arn:aws:iam::123456789012:role/cargo-redshift')
    expect(renderConsole(report, { color: false })).not.toContain('unknown')
  })

  it('links the workflow run from the runner’s variables', () => {
    expect(workflowRunUrl({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/infra', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1' })).toBe(
      'https://github.com/acme/infra/actions/runs/42'
    )
    expect(workflowRunUrl({})).toBeUndefined()
  })
})

describe('10. outputs tell drift from errors', () => {
  it('a run with drift and errors says drift, and has-errors says what went unchecked', async () => {
    const state = example('serverless-drifted.state.json')
    delete state.sql!.exfuncUsage
    state.unavailable.push({ pointer: '/sql/exfuncUsage', cause: { service: 'redshift-data', operation: 'ExecuteStatement', message: 'boom' } })
    const { report } = await judge(state)
    const outputs = auditOutputs(report, 'r.json')
    expect(outputs).toMatchObject({ status: 'drift', 'has-drift': true, 'has-errors': true })
    expect(Number(outputs['drift-count'])).toBeGreaterThan(0)
    expect(Number(outputs['error-count'])).toBe(1)
  })
})

describe('11. progress on a terminal', () => {
  it('writes phases to a TTY stderr and clears the line at the end; nothing when not a TTY', () => {
    const written: string[] = []
    let t = 0
    const progress = terminalProgress({ isTTY: true, write: (s: string) => written.push(s) }, () => t)
    const events: ProgressEvent[] = [{ phase: 'collect', source: 'the AWS account', target: 'workgroup cargo-wg, eu-west-1' }, { phase: 'evaluate', rules: 22 }, { phase: 'done' }]
    progress.onProgress!(events[0]!)
    t = 2500
    progress.onProgress!(events[1]!)
    progress.onProgress!(events[2]!)
    expect(written.join('')).toContain('reading the AWS account (workgroup cargo-wg, eu-west-1)… 0s')
    expect(written.join('')).toContain('judging 22 rule(s)…')
    expect(written.at(-1)).toBe('\r\u001b[2K')
    expect(describeProgress({ phase: 'done' })).toBe('done')
    const quiet: string[] = []
    expect(terminalProgress({ isTTY: false, write: (s: string) => quiet.push(s) }).onProgress).toBeUndefined()
    expect(quiet).toEqual([])
  })
})
