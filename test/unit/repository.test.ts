/**
 * The repository's own workflows and release notes: CI runs .ci/run; the release workflow tags
 * the version from package.json and moves the major tag; CHANGELOG.md has the section the release
 * workflow publishes as notes (its own awk, run here).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const ROOT = join(import.meta.dirname, '../..')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const version = (JSON.parse(read('package.json')) as { version: string }).version

interface Workflow {
  on: Record<string, unknown>
  permissions: Record<string, string>
  jobs: Record<string, { steps: Array<{ name?: string; run?: string; uses?: string }> }>
}

describe('.github/workflows', () => {
  it('ci.yml runs .ci/run on pushes to main and on pull requests, read-only', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as Workflow
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']))
    expect(ci.permissions).toEqual({ contents: 'read' })
    const runs = Object.values(ci.jobs).flatMap((j) => j.steps.map((s) => s.run))
    expect(runs).toContain('.ci/run')
  })

  it('release.yml tests, tags v<version>, moves the major tag, and never moves a version tag', () => {
    const release = parse(read('.github/workflows/release.yml')) as Workflow
    const script = Object.values(release.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n')
    expect(script).toContain('.ci/run')
    expect(script).toContain('tag="v${version}"')
    expect(script).toContain('major="v${version%%.*}"')
    expect(script).toMatch(/git tag -fa "\$MAJOR"/)
    expect(script).toMatch(/git push --force origin "refs\/tags\/\$MAJOR"/)
    expect(script).not.toMatch(/git tag -f[a-z]* "\$TAG"/)
    expect(script).toMatch(/exists already/)
  })
})

describe('CHANGELOG.md', () => {
  it('has the section of the version in package.json, found by the release workflow\'s own awk', () => {
    const release = read('.github/workflows/release.yml')
    const awk = /^\s*(awk .*) CHANGELOG\.md/m.exec(release)?.[1]
    expect(awk).toBeTruthy()
    const dir = mkdtempSync(join(tmpdir(), 'crg-notes-'))
    try {
      const notes = (text: string, v: string) => {
        writeFileSync(join(dir, 'CHANGELOG.md'), text)
        return spawnSync('bash', ['-c', `version=${v}; ${awk} CHANGELOG.md`], { cwd: dir, encoding: 'utf8' }).stdout
      }
      expect(notes(read('CHANGELOG.md'), version).trim()).toMatch(/^### Added/)
      // It stops at the next version and finds nothing for a version without a section.
      expect(notes('## [2.0.0]\nnew\n## [1.0.0]\nold\n', '2.0.0').trim()).toBe('new')
      expect(notes('## [2.0.0]\nnew\n', '3.0.0')).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('README', () => {
  const readme = read('README.md')
  it('advises pinning the action by tag or commit SHA, and says how to run the CLI before it is published', () => {
    expect(readme).toMatch(/cargo-redshift-guard\/cargo-redshift-guard@v1\b/)
    expect(readme).toMatch(/cargo-redshift-guard\/cargo-redshift-guard@[0-9a-f]{40}/)
    expect(readme).toContain('npm pack')
    expect(readme).toMatch(/npm install .*github:cargo-redshift-guard\/cargo-redshift-guard/)
  })
})
