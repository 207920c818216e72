/**
 * Fleets (issue 13) through the bundled action, run as the runner runs it: mode targets (the
 * matrix output), one target of the matrix, every target in one job, and mode merge with globs.
 * The targets judge saved states, so no AWS is needed; test/e2e/fleet.test.ts reads three
 * accounts in moto through assumed roles.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runDistAction } from './run-dist.js'

const TARGETS = 'test/fixtures/fleet/targets.yml'

describe('the bundled action with a targets file', () => {
  const out = mkdtempSync(join(tmpdir(), 'crg-fleet-dist-'))

  it('mode targets: outputs the matrix', () => {
    const run = runDistAction({ mode: 'targets', targets: TARGETS })
    expect(run.status).toBe(0)
    expect(JSON.parse(run.outputs['matrix']!)).toEqual({
      include: [
        { target: 'prod-eu', region: 'eu-west-1', redshift: 'cargo-wg' },
        { target: 'staging-eu', region: 'eu-west-1', redshift: 'cargo-wg' }
      ]
    })
  })

  it('mode targets: a bad targets file is exit 2 with an annotation at its line', () => {
    const run = runDistAction({ mode: 'targets', targets: 'test/fixtures/fleet/bad-targets.yml' })
    expect(run.status).toBe(2)
    const error = run.commands.find((c) => c.command === 'error' && c.message.includes("unknown key 'regoin'"))
    expect(error?.properties).toMatchObject({ file: 'test/fixtures/fleet/bad-targets.yml', line: '4' })
  })

  it('one target of the matrix: its report names the target; SARIF category is the target', () => {
    for (const target of ['prod-eu', 'staging-eu']) {
      const run = runDistAction({ targets: TARGETS, target, 'report-path': join(out, target, 'report.json'), 'sarif-file': join(out, `${target}.sarif`) })
      expect(run.status).toBe(target === 'prod-eu' ? 0 : 1)
      const report = JSON.parse(readFileSync(join(out, target, 'report.json'), 'utf8'))
      expect(report.fleet).toEqual({ target })
      expect(report.source.accountId).toBe('123456789012')
      const sarif = JSON.parse(readFileSync(join(out, `${target}.sarif`), 'utf8'))
      expect(sarif.runs[0].automationDetails.id).toBe(`cargo-redshift-guard/${target}/`)
    }
  })

  it('mode merge: globs, the fleet table in the job summary, exit 1 on drift', () => {
    const run = runDistAction({ mode: 'merge', reports: `${out}/*/report.json`, 'report-path': join(out, 'fleet.json'), 'sarif-file': join(out, 'fleet.sarif') })
    expect(run.status).toBe(1)
    expect(run.summary).toContain('| `prod-eu` | 123456789012 |')
    expect(run.summary).toContain('| `staging-eu` | 123456789012 |')
    expect(run.summary).toMatch(/staging-eu\*\*: .*iam-role-trusts-lambda/)
    expect(run.outputs).toMatchObject({ status: 'drift', 'has-drift': 'true', 'has-errors': 'false', 'drift-count': '7', 'error-count': '0' })
    const sarif = JSON.parse(readFileSync(join(out, 'fleet.sarif'), 'utf8'))
    expect(sarif.runs.map((r: { automationDetails: { id: string } }) => r.automationDetails.id)).toEqual(['cargo-redshift-guard/prod-eu/', 'cargo-redshift-guard/staging-eu/'])
    expect(run.commands.some((c) => c.command === 'error' && c.message.includes('staging-eu drifted'))).toBe(true)
  })

  it('mode merge: a glob that matches nothing is exit 2', () => {
    const run = runDistAction({ mode: 'merge', reports: `${out}/nothing/*.json` })
    expect(run.status).toBe(2)
    expect(run.commands.some((c) => c.command === 'error' && c.message.includes('matches no file'))).toBe(true)
  })

  it('every target in one job: per-target reports, the fleet summary, annotations named by target', () => {
    const run = runDistAction({ targets: TARGETS, 'report-path': join(out, 'one-job', 'report.json') })
    expect(run.status).toBe(1)
    expect(JSON.parse(readFileSync(join(out, 'one-job', 'report.prod-eu.json'), 'utf8')).fleet.target).toBe('prod-eu')
    expect(JSON.parse(readFileSync(join(out, 'one-job', 'report.json'), 'utf8')).targets).toHaveLength(2)
    expect(run.summary).toContain('## Cargo on Redshift: fleet audit')
    const titles = run.commands.filter((c) => c.properties['title']?.startsWith('[staging-eu]'))
    expect(titles.length).toBeGreaterThan(0)
    expect(run.commands.some((c) => c.properties['title']?.startsWith('[prod-eu]'))).toBe(false)
    expect(run.outputs['status']).toBe('drift')
  })

  it('plan without a target is refused with exit 2', () => {
    const run = runDistAction({ targets: TARGETS, mode: 'plan' })
    expect(run.status).toBe(2)
  })
})
