/**
 * The one-direction flow of the README and DESIGN, enforced on the imports of src/:
 *
 *   inputs -> config -> collect -> evaluate -> report -> remediate
 *
 * A module may import from its own layer and from the layers before it, never from one after
 * it. Shared layers sit below all of them: json/ (JSON pointers, documents located line by line,
 * schema problems, the located ConfigError), state/ (the AccountState), policy/
 * (IAM policy semantics, CIDR and ingress), aws/ (the SDK clients, the bounded call, AWS error
 * classification, the Data API runner, SQL quoting: what collect/ and remediate/ both use) and
 * version.ts. Some layers must not import each other even downwards (SEPARATED). The entry
 * points, which read the inputs (action inputs, CLI flags) and drive the flow, sit above all and
 * may import anything.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src')

/** Each top-level directory or file of src/ and its floor: lower floors never import higher ones. */
const FLOORS: Record<string, number> = {
  'version.ts': 0,
  // Generic JSON: pointers, documents located line by line, schema problems and the located
  // problem (ConfigError) every layer reports bad input with.
  json: 0,
  state: 0,
  policy: 1,
  aws: 1,
  config: 2,
  collect: 3,
  evaluate: 4,
  report: 5,
  remediate: 6,
  // The entry points and the orchestration they share: the action, the CLI, fleets, the
  // doctor, the audit (run.ts), the plan and apply modes and the files written after an audit.
  'main.ts': 7,
  'index.ts': 7,
  cli: 7,
  fleet: 7,
  doctor: 7,
  'run.ts': 7,
  'plan-apply.ts': 7,
  'outputs.ts': 7
}

/**
 * Imports that still run against the flow, each with why and what will remove it. A fixed one
 * must leave this list (the test fails on an exception that no longer occurs).
 */
const KNOWN_EXCEPTIONS: { from: string; to: string; reason: string }[] = []

/**
 * Layers that never import each other although the floors would allow it: what both need sits in
 * a shared layer below them.
 */
const SEPARATED: { from: string; to: string; reason: string }[] = [
  { from: 'remediate', to: 'collect', reason: 'the AWS plumbing both use is in src/aws/; what to read stays in collect/, what to change in remediate/' },
  { from: 'json', to: 'state', reason: 'json/ is generic (pointers, located documents, schema problems): it knows nothing of the account state' }
]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(full)
    return e.name.endsWith('.ts') ? [full] : []
  })
}

/** The relative module specifiers of a file: static imports and re-exports, side-effect imports, import() and import types. */
export function relativeImports(text: string): string[] {
  // Block comments and whole-line comments only: `//` also occurs inside strings (URLs).
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const specifiers = new Set<string>()
  const patterns = [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) specifiers.add(m[1]!)
  return [...specifiers].filter((s) => s.startsWith('.'))
}

function floorOf(file: string): { layer: string; floor: number | undefined } {
  const layer = path.relative(SRC, file).split(path.sep)[0]!
  return { layer, floor: FLOORS[layer] }
}

interface Edge {
  from: string
  to: string
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8')).map((spec) => ({
      from: path.relative(SRC, file),
      to: path.relative(SRC, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')))
    }))
  )
}

/** The edges that import against the flow (a lower floor importing a higher one), known exceptions aside. */
function againstTheFlow(all: Edge[]): string[] {
  return all
    .filter((e) => (floorOf(path.join(SRC, e.from)).floor ?? 0) < (floorOf(path.join(SRC, e.to)).floor ?? 0))
    .filter((e) => !KNOWN_EXCEPTIONS.some((k) => k.from === e.from && k.to === e.to))
    .map((e) => `${e.from} -> ${e.to}`)
}

/** The edges from one SEPARATED layer into the other. */
function acrossSeparatedLayers(all: Edge[]): string[] {
  const layerOf = (file: string) => file.split(path.sep)[0]
  return all
    .filter((e) => SEPARATED.some((s) => layerOf(e.from) === s.from && layerOf(e.to) === s.to))
    .map((e) => `${e.from} -> ${e.to}`)
}

describe('layering of src/', () => {
  it('finds the imports it judges (the parser is not blind)', () => {
    expect(relativeImports(`import { a } from './a.js'\nimport type {\n  B,\n  C\n} from '../b/c.js'\nexport * from '../d.js'\nconst m = await import('./e.js')\ntype F = typeof import('../f.js')\n// import { g } from './g.js'\nimport x from 'node:fs'`)).toEqual(
      ['./a.js', '../b/c.js', '../d.js', './e.js', '../f.js']
    )
    const all = edges()
    expect(all.length).toBeGreaterThan(200)
    expect(all).toContainEqual({ from: 'config/load.ts', to: 'config/rule-compile.ts' })
  })

  it('places every top-level part of src/ on a floor', () => {
    const unplaced = [...new Set(sourceFiles(SRC).map(floorOf).filter((f) => f.floor === undefined).map((f) => f.layer))]
    expect(unplaced, 'add the new part of src/ to FLOORS in this test, at the floor of the flow it belongs to').toEqual([])
  })

  it('has no import against the flow inputs -> config -> collect -> evaluate -> report -> remediate', () => {
    expect(againstTheFlow(edges())).toEqual([])
  })

  it('keeps the shared AWS layer below every flow stage (the check sees a planted edge)', () => {
    const all = edges()
    expect(all.some((e) => e.from.startsWith(`aws${path.sep}`) && e.to.startsWith(`state${path.sep}`))).toBe(true)
    const planted = ['config/parameters.ts', 'collect/types.ts', 'evaluate/engine.ts', 'report/json.ts', 'remediate/plan.ts'].map((to) => ({
      from: path.join('aws', 'call.ts'),
      to: path.join(...to.split('/'))
    }))
    expect(againstTheFlow([...all, ...planted])).toEqual(planted.map((e) => `${e.from} -> ${e.to}`))
  })

  it('has no import from remediate/ into collect/ (the check sees a planted edge)', () => {
    const all = edges()
    expect(all.filter((e) => e.from.startsWith(`remediate${path.sep}`)).length).toBeGreaterThan(20)
    expect(acrossSeparatedLayers(all)).toEqual([])
    const planted = { from: path.join('remediate', 'execute', 'iam.ts'), to: path.join('collect', 'aws', 'context.ts') }
    expect(acrossSeparatedLayers([...all, planted])).toEqual([`${planted.from} -> ${planted.to}`])
    // The other way round is the flow's own direction and stays allowed.
    expect(acrossSeparatedLayers([{ from: path.join('collect', 'types.ts'), to: path.join('remediate', 'plan.ts') }])).toEqual([])
  })

  it('lists only exceptions that still occur', () => {
    const all = edges()
    const stale = KNOWN_EXCEPTIONS.filter((k) => !all.some((e) => e.from === k.from && e.to === k.to))
    expect(stale).toEqual([])
  })
})
