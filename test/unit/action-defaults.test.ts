/**
 * action.yml declares every default with `default:`, and those are the code's defaults: the
 * parameters resolved from nothing equal those resolved from every declared default. The runner
 * passes a declared default as if given; the action must then still let the config file win.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readFileSync } from 'node:fs'
import { INPUTS } from '../../src/config/inputs.js'
import { loadConfig } from '../../src/config/load.js'
import { resolveParameters, type RawInputs } from '../../src/config/parameters.js'
import { readActionInputs } from '../../src/main.js'
import { rawInputs } from '../support/inputs.js'

const ROOT = join(import.meta.dirname, '../..')
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> }
const BASE: RawInputs = rawInputs({ 'state-file': 'x.json' })

describe('action.yml defaults', () => {
  it('declares a default for every input the code gives one, and none for the others', () => {
    for (const input of INPUTS.filter((i) => i.only !== 'cli' && i.name !== 'github-token')) {
      expect(action.inputs[input.name]?.default, input.name).toBe(input.default)
    }
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}')
  })

  it('the declared defaults, given explicitly, resolve to the parameters the code uses when nothing is given', () => {
    const declared: RawInputs = { ...BASE }
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (spec.default !== undefined && name !== 'github-token') Object.assign(declared, rawInputs({ [name]: spec.default }))
    }
    expect(Object.keys(declared).length).toBeGreaterThan(15)
    expect(resolveParameters(declared, {})).toEqual(resolveParameters(BASE, {}))
  })
})

describe('the action reading its inputs', () => {
  const saved = { ...process.env }
  let dir: string | undefined
  afterEach(() => {
    process.env = { ...saved }
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('a declared default passed by the runner does not hide the config file; a value the workflow sets does', () => {
    dir = mkdtempSync(join(tmpdir(), 'crg-action-defaults-'))
    writeFileSync(join(dir, 'guard.yml'), 'workgroup: cargo-wg\nregion: eu-west-1\ndatabase: analytics_db\nfail-on: warning\n')
    // The runner sets INPUT_<NAME> for every input with a default.
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (spec.default !== undefined && !spec.default.includes('${{')) process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = spec.default
    }
    process.env['INPUT_CONFIG'] = 'guard.yml'
    const fromFile = loadConfig(readActionInputs(), dir, {})
    expect(fromFile.target.database).toBe('analytics_db')
    expect(fromFile.outputs.failOn).toBe('warning')
    process.env['INPUT_FAIL-ON'] = 'notice'
    expect(loadConfig(readActionInputs(), dir, {}).outputs.failOn).toBe('notice')
  })
})
