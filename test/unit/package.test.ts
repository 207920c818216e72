import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VERSION } from '../../src/version.js'

const ROOT = join(import.meta.dirname, '../..')

describe('the package', () => {
  it('reports the version package.json declares', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('bundles no GPL or AGPL code into dist/', () => {
    const entries = readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8').split('\n-----\n')
    expect(entries.length).toBeGreaterThan(10)
    const licences = entries.map((e) => {
      const [name, licence] = e.trim().split('\n')
      return { name, licence }
    })
    const allowed = /^(MIT|ISC|Apache-2\.0|BSD-2-Clause|BSD-3-Clause|0BSD|\(MIT OR Apache-2\.0\))$/
    for (const { name, licence } of licences) expect(licence, name).toMatch(allowed)
  })
})

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  it('documents every input', async () => {
    const { INPUTS } = await import('../../src/config/inputs.js')
    for (const input of INPUTS) expect(readme, input.name).toContain(`| \`${input.name}\` |`)
  })
  it('lists every rule of the default rule set', async () => {
    const { loadRuleSet } = await import('../../src/config/rule-set.js')
    for (const rule of loadRuleSet([]).rules) expect(readme, rule.id).toContain(`\`${rule.id}\``)
  })
  it('gives a two-command quick start whose scripts exist', () => {
    const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = quick.split('\n').filter((l) => l.trim() !== '')
    expect(commands).toHaveLength(2)
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts
    for (const m of quick.matchAll(/npm (?:run )?(\w+)/g)) if (m[1] !== 'ci') expect(scripts[m[1]!], m[1]).toBeTruthy()
  })
})
