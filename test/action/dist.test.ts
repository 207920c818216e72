import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { INPUTS } from '../../src/config/inputs.js'
import { parseOutputFile, ROOT, runDistAction } from './run-dist.js'

const DRIFTED = {
  config: 'examples/serverless.yml',
  'state-file': 'examples/serverless-drifted.state.json'
}
const DRIFTED_RULES = [
  'iam-role-trusts-lambda',
  'iam-role-lambda-policies',
  'redshift-role-associated',
  'sql-exfunc-usage',
  'sql-source-select',
  'network-cargo-ingress-narrow',
  'iam-lambda-user-key-age'
]

describe('the bundled action, run as the runner runs it', () => {
  it('reports every drift of the drifted example as an annotation, in the summary and in the outputs', () => {
    const run = runDistAction({ ...DRIFTED, 'report-path': '/tmp/crg-dist-drift.json' })
    expect(run.status).toBe(1)
    const annotations = run.commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command) && c.properties['title'])
    const annotated = annotations.map((a) => a.properties['title']!.split(':')[0])
    expect(annotated.sort()).toEqual([...DRIFTED_RULES].sort())
    // Never a file inside the action: the user's config file, at the input the rule concerns, or no file.
    const config = readFileSync(join(ROOT, 'examples/serverless.yml'), 'utf8').split('\n')
    for (const a of annotations) {
      if (a.properties['file'] === undefined) continue
      expect(a.properties['file']).toBe('examples/serverless.yml')
      expect(config[Number(a.properties['line']) - 1]).toMatch(/^[a-z-]+:/)
    }
    const at = (id: string) => annotations.find((a) => a.properties['title']!.startsWith(`${id}:`))!
    expect(config[Number(at('iam-role-trusts-lambda').properties['line']) - 1]).toMatch(/^role-name:/)
    expect(config[Number(at('network-cargo-ingress-narrow').properties['line']) - 1]).toMatch(/^cargo-ips:/)
    expect(at('sql-exfunc-usage').properties['file']).toBeUndefined()
    // Errors before warnings: the most urgent are the ones GitHub shows first.
    const levels = annotations.map((a) => a.command)
    expect(levels.indexOf('warning')).toBeGreaterThan(levels.lastIndexOf('error'))
    for (const id of DRIFTED_RULES) expect(run.summary).toContain(id)
    expect(run.summary).toContain('Connection details for Cargo')
    expect(run.summary).toContain('cargo-wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com')
    expect(run.outputs).toMatchObject({
      status: 'drift',
      'has-drift': 'true',
      'has-errors': 'false',
      'drift-count': '7',
      'error-count': '0',
      'pass-count': '14',
      'drift-issue': 'none'
    })
    // The long report is folded; the verdict line stays outside the fold.
    const group = run.stdout.indexOf('::group::Full report')
    expect(group).toBeGreaterThan(0)
    expect(run.stdout.slice(0, group)).toContain('7 rules drifted')
    expect(run.stdout).toContain('::endgroup::')
    expect(run.commands.some((c) => c.command === 'error' && c.message.includes('7 rule(s) drifted'))).toBe(true)
  })

  it('passes on the compliant example and writes a JSON report at report-path', () => {
    const run = runDistAction({ config: 'examples/serverless.yml', 'state-file': 'examples/serverless-compliant.state.json', 'report-path': '/tmp/crg-dist-report.json' })
    expect(run.status).toBe(0)
    expect(run.outputs['status']).toBe('clean')
    expect(run.commands.filter((c) => c.command === 'error')).toEqual([])
    const report = JSON.parse(readFileSync('/tmp/crg-dist-report.json', 'utf8'))
    expect(report.reportVersion).toBe(1)
    expect(report.findings.length).toBeGreaterThanOrEqual(17)
    for (const f of report.findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['ruleId', 'status', 'severity', 'resource', 'message']))
  })

  it('fails with exit code 2 and a located annotation on bad input, before reading anything', () => {
    const run = runDistAction({ config: 'examples/serverless.yml', 'state-file': 'examples/serverless-drifted.state.json', 'cargo-ips': '10.0.0.1/8' })
    expect(run.status).toBe(2)
    const error = run.commands.find((c) => c.command === 'error' && c.message.includes('cargo-ips'))
    expect(error?.message).toContain('host bits')
    expect(run.outputs['status']).toBeUndefined()
    expect(run.outputs['drift-issue']).toBe('none')
    // Where people look first: the job summary says what is wrong, too.
    expect(run.summary).toContain('The configuration is invalid')
    expect(run.summary).toContain('host bits')
  })

  it('mode plan sets planned-changes, not changes-applied', () => {
    const run = runDistAction({ ...DRIFTED, mode: 'plan', 'plan-file': '/tmp/crg-dist-plan.json', 'report-path': '/tmp/crg-dist-plan-report.json' })
    expect(run.status).toBe(0)
    const plan = JSON.parse(readFileSync('/tmp/crg-dist-plan.json', 'utf8')) as { steps: unknown[] }
    expect(run.outputs['planned-changes']).toBe(String(plan.steps.length))
    expect(run.outputs['changes-applied']).toBeUndefined()
    expect(run.outputs['drift-issue']).toBe('none')
  })

  it('masks the GitHub token as soon as it is read, before anything else is printed', () => {
    const token = 'ghs_0123456789abcdefTOKEN'
    const run = runDistAction({ ...DRIFTED, 'github-token': token, 'fail-on': 'none' })
    const lines = run.stdout.split('\n')
    expect(lines.filter((l) => l.includes(token))).toEqual([`::add-mask::${token}`])
    expect(lines.findIndex((l) => l.includes(token))).toBe(lines.findIndex((l) => l.startsWith('::')))
  })

  it('warns, at its line, about a waiver that matches no finding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crg-dist-waivers-'))
    const file = join(dir, 'waivers.yml')
    writeFileSync(file, 'waivers:\n  - rule: iam-role-exists\n    resource: iam:role/typo\n    reason: a typo\n    expires: "2099-01-01"\n')
    const run = runDistAction({ ...DRIFTED, waivers: file, 'fail-on': 'none' })
    expect(run.status).toBe(0)
    const warning = run.commands.find((c) => c.command === 'warning' && c.message.includes('matches no finding'))
    expect(warning?.message).toContain('the waiver of iam-role-exists on iam:role/typo matches no finding')
    expect(warning?.properties['line']).toBe('2')
  })

  it('fail-on none reports drift without failing the step', () => {
    const run = runDistAction({ ...DRIFTED, 'fail-on': 'none' })
    expect(run.status).toBe(0)
    expect(run.outputs['status']).toBe('drift')
  })

  it('writes its outputs and summary where a runner stand-in names files it did not create', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'crg-runner-files-')), 'not-yet')
    const output = join(dir, 'output')
    const summary = join(dir, 'summary')
    const run = runDistAction({ ...DRIFTED, 'fail-on': 'none' }, { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary })
    expect(run.stderr).not.toMatch(/Missing file|Unable to access/)
    expect(run.status).toBe(0)
    expect(parseOutputFile(readFileSync(output, 'utf8'))['drift-count']).toBe(String(DRIFTED_RULES.length))
    expect(readFileSync(summary, 'utf8')).toMatch(/iam-role-trusts-lambda/)
  })

  it('the example repair workflow skips the approval when the plan is empty', () => {
    const workflow = parse(readFileSync(join(ROOT, 'examples/workflows/repair.yml'), 'utf8'))
    const plan = workflow.jobs.plan
    const guard = plan.steps.find((step: { id?: string }) => step.id === 'guard')
    expect(guard.with.mode).toBe('plan')
    expect(plan.outputs['planned-changes']).toBe('${{ steps.guard.outputs.planned-changes }}')
    expect(workflow.jobs.apply.needs).toBe('plan')
    expect(workflow.jobs.apply.if).toBe("needs.plan.outputs.planned-changes != '0'")
  })

  it('declares every input of the catalogue in action.yml, and nothing else', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    const declared = Object.keys(action.inputs).sort()
    expect(declared).toEqual(INPUTS.filter((i) => i.only !== 'cli').map((i) => i.name).sort())
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}')
    for (const [name, spec] of Object.entries<{ description: string; default?: string }>(action.inputs)) {
      expect(spec.description.length, name).toBeGreaterThan(20)
      // Every default is declared, and is the code's (test/unit/action-defaults.test.ts proves the behaviour).
      if (name !== 'github-token') expect(spec.default, name).toBe(INPUTS.find((i) => i.name === name)?.default)
    }
    for (const output of ['status', 'has-drift', 'has-errors', 'drift-count', 'error-count', 'report-path', 'drift-issue', 'planned-changes', 'changes-applied']) {
      expect(action.outputs[output]?.description, output).toBeTruthy()
    }
  })
})

// Issue 11: a snapshot is judged only for what it was read for.
describe('the bundled action on a state-file read for other inputs', () => {
  const PROVISIONED = { config: 'examples/provisioned.yml', 'state-file': 'examples/provisioned-compliant.state.json' }

  it('a role and Lambda user the snapshot does not hold: error annotations naming what it holds, status error', () => {
    const run = runDistAction({ ...PROVISIONED, 'role-name': 'totally-different-role', 'lambda-user': 'other_user', 'report-path': '/tmp/crg-dist-subject.json' })
    expect(run.status).toBe(1)
    expect(run.outputs['status']).toBe('error')
    expect(run.outputs['error-count']).toBe('9')
    const report = JSON.parse(readFileSync('/tmp/crg-dist-subject.json', 'utf8')) as { findings: { ruleId: string; status: string; resource: string; message: string }[] }
    const exists = report.findings.find((f) => f.ruleId === 'iam-role-exists')!
    expect(exists).toMatchObject({ status: 'error', resource: 'iam:role/totally-different-role' })
    expect(exists.message).toContain('the snapshot holds role cargo-redshift, not totally-different-role')
    for (const f of report.findings.filter((x) => /totally-different-role|other_user/.test(x.resource))) expect(f.status).toBe('error')
  })

  it('a cluster or region the snapshot was not read for: exit 2 and a configuration annotation, nothing judged', () => {
    for (const [input, value, says] of [
      ['cluster-identifier', 'some-other-cluster', 'names cluster some-other-cluster, but the state-file examples/provisioned-compliant.state.json holds cluster cargo-cluster'],
      ['region', 'us-east-1', 'is us-east-1, but the state-file examples/provisioned-compliant.state.json was read in eu-west-1']
    ] as const) {
      const run = runDistAction({ ...PROVISIONED, [input]: value })
      expect(run.status, input).toBe(2)
      const error = run.commands.find((c) => c.command === 'error' && c.message.includes(says))
      expect(error?.message, input).toBe(`input '${input}': ${says}`)
      expect(run.outputs['status']).toBeUndefined()
    }
  })
})

describe('the bundled action with sarif-file and junit-file', () => {
  it('writes a schema-valid SARIF file and a JUnit file', async () => {
    const { validateSarif } = await import('../fixtures/sarif-validator.js')
    const run = runDistAction({ ...DRIFTED, 'sarif-file': '/tmp/crg-dist.sarif', 'junit-file': '/tmp/crg-dist-junit.xml', 'fail-on': 'none' })
    expect(run.status).toBe(0)
    const sarif = JSON.parse(readFileSync('/tmp/crg-dist.sarif', 'utf8'))
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors)).toBe(true)
    const ids = sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort()
    expect(ids).toEqual([...DRIFTED_RULES].sort())
    for (const r of sarif.runs[0].results) {
      const uri = r.locations[0].physicalLocation?.artifactLocation.uri
      if (uri !== undefined) expect(uri).toBe('examples/serverless.yml')
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName).toBe(r.properties.resource)
    }
    expect(sarif.runs[0].automationDetails.id).toBe('cargo-redshift-guard/123456789012/eu-west-1/workgroup-cargo-wg/')
    expect(run.outputs['sarif-file']).toBe('/tmp/crg-dist.sarif')
    const junit = readFileSync('/tmp/crg-dist-junit.xml', 'utf8')
    expect((junit.match(/<failure /g) ?? []).length).toBe(DRIFTED_RULES.length)
  })
})

describe('the bundled action on infrastructure-as-code', () => {
  const PARAMS = {
    'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo-workspace-acme',
    'cargo-ips': '3.251.12.34',
    'role-name': 'cargo-redshift',
    workgroup: 'cargo-wg'
  }

  it('judges a Terraform plan and annotates the .tf line of the drifted resource', () => {
    const run = runDistAction({ ...PARAMS, 'terraform-plan': 'examples/iac/terraform/plan.json', 'fail-on': 'none' })
    expect(run.status).toBe(0)
    const ingress = run.commands.find((c) => c.command === 'error' && c.properties['title']?.startsWith('network-cargo-ip-inbound'))
    expect(ingress?.properties['file']).toBe('examples/iac/terraform/main.tf')
    const line = Number(ingress?.properties['line'])
    const tf = readFileSync(join(ROOT, 'examples/iac/terraform/main.tf'), 'utf8').split('\n')
    expect(tf[line - 1]).toMatch(/^resource "aws_(vpc_)?security_group/)
    // SQL lives inside Redshift: a plan cannot say, so those rules are unknown, never pass or fail.
    expect(run.summary).toContain('unknown until apply')
    expect(run.outputs['status']).toBe('drift')
  })

  it('judges a CloudFormation template', () => {
    const run = runDistAction({ ...PARAMS, 'cloudformation-template': 'examples/iac/cloudformation/cargo-serverless.yaml' })
    expect(run.commands.filter((c) => c.command === 'error' && c.properties['title'])).toEqual([])
    expect(run.status).toBe(0)
  })

  it('rejects a plan that is not one, with its place, before reading AWS', () => {
    const run = runDistAction({ ...PARAMS, 'terraform-plan': 'examples/serverless.yml' })
    expect(run.status).toBe(2)
    expect(run.commands.some((c) => c.command === 'error' && c.properties['file'] === 'examples/serverless.yml')).toBe(true)
  })
})
