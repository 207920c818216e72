/**
 * The package as a newcomer installs it: `npm pack`, the tarball installed into an empty folder
 * with no registry at hand (--offline: the bundle must need no runtime dependency), then
 * `npx cargo-redshift-guard --version` and an audit of a built-in example. Uses the dist/ in the
 * checkout, as the action's own tests do (the lead rebuilds it on main).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../../src/version.js'
import { ROOT } from './run-dist.js'

interface PackEntry {
  filename: string
  files: Array<{ path: string; mode: number }>
}

let work: string
let packed: PackEntry
let project: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'crg-install-'))
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  packed = (JSON.parse(out) as PackEntry[])[0] as PackEntry
  project = join(work, 'project')
  execFileSync('mkdir', ['-p', project])
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newcomer', version: '1.0.0', private: true }))
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed.filename)], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe']
  })
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** npx as a user runs it, in the new project, with nothing of the checkout on the way. */
function npx(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_offline: 'true' }
  for (const k of Object.keys(env)) if (k.startsWith('INPUT_') || k.startsWith('GITHUB_')) delete env[k]
  return spawnSync('npx', ['--no-install', 'cargo-redshift-guard', ...args], { cwd: project, env, encoding: 'utf8' })
}

describe('the npm package', () => {
  it('ships the bundle, the rule set, the examples and the action, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path)
    for (const needed of ['dist/cli.js', 'dist/index.js', 'dist/licenses.txt', 'policies/cargo-redshift.yaml', 'policies/rule-set.schema.json', 'action.yml', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'examples/serverless.yml']) {
      expect(paths, needed).toContain(needed)
    }
    expect(paths.filter((p) => /^(src|test|scripts|node_modules)\//.test(p))).toEqual([])
    expect(readFileSync(join(ROOT, 'dist/cli.js'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
  })

  it('declares no runtime dependency: everything dist/ needs is bundled', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; bin: Record<string, string> }
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.bin).toEqual({ 'cargo-redshift-guard': 'dist/cli.js' })
    // The install above ran offline: it fetched nothing, so nothing but the package is installed.
    const installed = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
    expect(Object.keys(installed.packages).filter((p) => p !== '')).toEqual(['node_modules/cargo-redshift-guard'])
  })

  it('npx cargo-redshift-guard --version prints the version', () => {
    const run = npx('--version')
    expect(run.stderr).not.toMatch(/error/i)
    expect(run.status).toBe(0)
    expect(run.stdout.trim()).toBe(VERSION)
  })

  it('audits a built-in example from the installed package', () => {
    const examples = join(project, 'node_modules/cargo-redshift-guard/examples')
    const run = npx('audit', '--config', join(examples, 'serverless.yml'), '--state', join(examples, 'serverless-drifted.state.json'), '--format', 'json')
    expect(run.status, run.stderr).toBe(1)
    const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; status: string }> }
    expect(report.findings.filter((f) => f.status === 'fail').map((f) => f.ruleId)).toContain('sql-exfunc-usage')
    const help = npx('list-rules')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^iam-role-exists /m)
  })
})
