import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { Parameters } from '../../src/config/parameters.js'
import { loadIacState, overlayState } from '../../src/collect/iac/index.js'
import { stateDigest } from '../../src/remediate/digest.js'
import { STATE_PARTS, REDSHIFT_FACTS, type Fact, type FactTable, type PartFact } from '../../src/state/facts.js'
import { resolvePointer } from '../../src/json/pointer.js'
import type { AccountState } from '../../src/state/types.js'
import { paramsOf } from '../support/inputs.js'

/**
 * The one list of state facts (src/state/facts.ts) against the code that reads it: the IaC
 * model leaves no `plan` fact silently absent, the digest holds exactly the facts marked for
 * it, the overlay fills every fact marked `fill`, and no shipped rule reads a fact a plan
 * cannot give.
 */

const ROOT = join(__dirname, '..', '..')
const NOW = new Date('2026-06-01T00:00:00Z')

function params(config: string): Parameters {
  return paramsOf(parse(readFileSync(join(ROOT, config), 'utf8')) as Record<string, unknown>)
}

function liveState(file: string): AccountState {
  return JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as AccountState
}

/** Every plan and template the tests ship, with the inputs they are judged with. */
function iacStates(): Array<[string, AccountState]> {
  const serverless = params('examples/serverless.yml')
  const provisioned = params('examples/provisioned.yml')
  const files: Array<[string, Parameters]> = [
    ['examples/iac/terraform/plan.json', serverless],
    ['examples/iac/cloudformation/cargo-serverless.yaml', serverless],
    ['test/fixtures/iac/cloudformation/serverless.yaml', serverless],
    ['test/fixtures/iac/cloudformation/serverless-drifted.yaml', serverless],
    ['test/fixtures/iac/cloudformation/provisioned.json', provisioned]
  ]
  const tf = join(ROOT, 'test/fixtures/iac/terraform')
  for (const d of readdirSync(tf, { withFileTypes: true })) {
    if (d.isDirectory()) files.push([`test/fixtures/iac/terraform/${d.name}/plan.json`, serverless])
  }
  return files.map(([file, p]) => [file, loadIacState(file, p, ROOT, { now: NOW })])
}

/** A fact is accounted for when present, or when an unknown marker sits at, above or below it. */
function marked(state: AccountState, pointer: string): boolean {
  return (state.unknown ?? []).some((u) => u.pointer === pointer || pointer.startsWith(`${u.pointer}/`) || u.pointer.startsWith(`${pointer}/`))
}

/** The `plan` facts a state leaves absent without saying why: what a plan would silently read as missing. */
function silentlyAbsent(state: AccountState): string[] {
  const out: string[] = []
  const walk = (value: unknown, table: FactTable<object>, base: string) => {
    for (const [key, fact] of Object.entries(table) as Array<[string, Fact]>) {
      const pointer = `${base}/${key}`
      const v = (value as Record<string, unknown>)[key]
      if (v === undefined || v === null) {
        if (fact.iac === 'plan' && !fact.optional && !marked(state, pointer)) out.push(pointer)
        continue
      }
      if (!fact.of) continue
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, fact.of!, `${pointer}/${i}`))
      else walk(v, fact.of, pointer)
    }
  }
  for (const part of STATE_PARTS) {
    if (part.iac !== 'plan') continue
    const value = resolvePointer(state, part.pointer)
    if (value === undefined || value === null) continue
    if ('list' in part) (value as object[]).forEach((item, i) => walk(item, part.facts, `${part.pointer}/${i}`))
    else walk(value, part.facts, part.pointer)
  }
  return out
}

/** Keys a state holds that the tables do not list. */
function unlisted(state: AccountState): string[] {
  const out: string[] = []
  const walk = (value: unknown, table: FactTable<object>, base: string) => {
    if (value === null || typeof value !== 'object') return
    for (const [key, v] of Object.entries(value)) {
      const fact = (table as Record<string, Fact>)[key]
      if (!fact) out.push(`${base}/${key}`)
      else if (fact.of && Array.isArray(v)) v.forEach((item, i) => walk(item, fact.of!, `${base}/${key}/${i}`))
      else if (fact.of) walk(v, fact.of, `${base}/${key}`)
    }
  }
  for (const part of STATE_PARTS) {
    const value = resolvePointer(state, part.pointer)
    if ('list' in part && Array.isArray(value)) value.forEach((item, i) => walk(item, part.facts, `${part.pointer}/${i}`))
    else walk(value, part.facts, part.pointer)
  }
  return out
}

/** The fact a rule's pointer names ('*' or an index for list elements), or undefined. */
function factAt(pointer: string): Fact | undefined {
  const part = STATE_PARTS.find((p) => pointer === p.pointer || pointer.startsWith(`${p.pointer}/`))
  if (!part) return undefined
  let steps = pointer.slice(part.pointer.length).split('/').filter((s) => s !== '')
  if ('list' in part && steps.length > 0) steps = steps.slice(1)
  let fact: Fact = { iac: part.iac, of: part.facts }
  for (const step of steps) {
    if (/^(\*|\d+)$/.test(step)) continue
    const next = (fact.of as Record<string, Fact> | undefined)?.[step]
    if (!next) return undefined
    fact = next
  }
  return fact
}

/** The same kind of value, changed (undefined when there is nothing to change: null, an empty list). */
function perturb(v: unknown): unknown {
  if (typeof v === 'string') return `${v}-changed`
  if (typeof v === 'number') return v + 1
  if (typeof v === 'boolean') return !v
  if (Array.isArray(v)) return v.length > 0 ? v.slice(1) : undefined
  if (v !== null && typeof v === 'object') {
    for (const [k, inner] of Object.entries(v)) {
      const changed = perturb(inner)
      if (changed !== undefined) return { ...v, [k]: changed }
    }
  }
  return undefined
}

describe('the one list of state facts', () => {
  const states = iacStates()

  it('every plan and template the tests ship gives each `plan` fact, or marks it unknown', () => {
    for (const [file, state] of states) expect(silentlyAbsent(state), file).toEqual([])
  })

  it('a `plan` fact the IaC model leaves absent without a marker is caught', () => {
    const [, state] = states.find(([, s]) => s.redshift)!
    const doctored = structuredClone(state)
    delete doctored.redshift!.publiclyAccessible
    doctored.unknown = (doctored.unknown ?? []).filter((u) => !u.pointer.startsWith('/redshift'))
    expect(silentlyAbsent(doctored)).toContain('/redshift/publiclyAccessible')
  })

  it('every key a state holds is a fact the list has', () => {
    const live = ['examples/serverless-compliant.state.json', 'examples/serverless-drifted.state.json', 'examples/provisioned-compliant.state.json']
    for (const file of live) expect(unlisted(liveState(file)), file).toEqual([])
    for (const [file, state] of states) expect(unlisted(state), file).toEqual([])
    const doctored = liveState(live[0]!)
    ;(doctored.redshift as unknown as Record<string, unknown>)['newFact'] = true
    expect(unlisted(doctored)).toEqual(['/redshift/newFact'])
  })

  it('the digest changes with every fact marked for it, and with no other', () => {
    let checked = 0
    for (const file of ['examples/serverless-compliant.state.json', 'examples/provisioned-compliant.state.json']) {
      const state = liveState(file)
      const before = stateDigest(state)
      for (const part of STATE_PARTS) {
        const value = resolvePointer(state, part.pointer)
        const holder = 'list' in part ? (value as object[] | undefined)?.[0] : value
        if (!holder || typeof holder !== 'object') continue
        for (const [key, fact] of Object.entries(part.facts) as Array<[string, PartFact]>) {
          const changed = structuredClone(state)
          const target = resolvePointer(changed, 'list' in part ? `${part.pointer}/0` : part.pointer) as Record<string, unknown>
          const value = perturb(target[key])
          if (value === undefined) continue
          target[key] = value
          checked++
          const pointer = `${part.pointer}${'list' in part ? '/0' : ''}/${key}`
          if (fact.digest === true) expect(stateDigest(changed), `${file} ${pointer} is in the digest`).not.toBe(before)
          else expect(stateDigest(changed), `${file} ${pointer} is left out of the digest: ${fact.digest}`).toBe(before)
        }
      }
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('the overlay takes every fact marked `fill` from the live resource when the plan leaves it absent', () => {
    const live = liveState('examples/serverless-compliant.state.json')
    live.redshift!.status = 'AVAILABLE'
    live.redshift!.endpoint = { ...live.redshift!.endpoint, address: 'wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com' }
    const planned = structuredClone(live)
    planned.source = { ...planned.source, kind: 'terraform', file: 'plan.json' }
    planned.locations = [{ pointer: '/redshift', file: 'main.tf', line: 1 }]
    const filled: string[] = []
    const strip = (value: Record<string, unknown>, table: FactTable<object>, base: string) => {
      for (const [key, fact] of Object.entries(table) as Array<[string, Fact]>) {
        if (fact.fill) {
          expect(value[key], `the live example holds ${base}/${key}`).toBeDefined()
          delete value[key]
          filled.push(`${base}/${key}`)
        } else if (fact.of && value[key] && typeof value[key] === 'object' && !Array.isArray(value[key])) {
          strip(value[key] as Record<string, unknown>, fact.of, `${base}/${key}`)
        }
      }
    }
    strip(planned.redshift as unknown as Record<string, unknown>, REDSHIFT_FACTS, '/redshift')
    expect(filled.length).toBeGreaterThan(0)
    const out = overlayState(live, planned)
    for (const pointer of filled) expect(resolvePointer(out, pointer), pointer).toEqual(resolvePointer(live, pointer))
  })

  it('no fact an account-only value fills is left without the overlay filling it', () => {
    const check = (table: FactTable<object>, base: string) => {
      for (const [key, fact] of Object.entries(table) as Array<[string, Fact]>) {
        if (fact.iac === 'live') expect(fact.fill, `${base}/${key} is known only in the account, so the overlay must fill it`).toBe(true)
        if (fact.iac !== 'plan') expect(fact.why, `${base}/${key} says why a plan does not give it`).toBeTruthy()
        if (fact.of) check(fact.of, `${base}/${key}`)
      }
    }
    for (const part of STATE_PARTS) if (part.iac === 'plan') check(part.facts, part.pointer)
  })

  it('the shipped rules read only facts the list has and a plan (or the account) can give', () => {
    const rules = (parse(readFileSync(join(ROOT, 'policies/cargo-redshift.yaml'), 'utf8')) as { rules: Array<Record<string, unknown>> }).rules
    let read = 0
    for (const rule of rules) {
      const pointers = new Set<string>()
      if (typeof rule['given'] === 'string') pointers.add(rule['given'])
      for (const p of (rule['reads'] as string[] | undefined) ?? []) pointers.add(p)
      for (const m of JSON.stringify(rule).matchAll(/\$\{state:([^}]+)\}/g)) pointers.add(m[1]!)
      for (const pointer of pointers) {
        const fact = factAt(pointer)
        expect(fact, `${String(rule['id'])} reads ${pointer}, which the list of facts does not have`).toBeDefined()
        expect(fact!.iac, `${String(rule['id'])} reads ${pointer}, which no plan can give`).not.toBe('none')
        read++
      }
    }
    expect(read).toBeGreaterThan(20)
    expect(factAt('/redshift/iamRoles/0/applyStatus')?.iac).toBe('none')
    expect(factAt('/redshift/noSuchFact')).toBeUndefined()
  })
})
