import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'

/**
 * The folder holding the shipped `policies/`. Found by walking up from this
 * module, so it works from `src/` (tests), from `dist/` (the bundled action in
 * its checkout) and from an installed npm package alike.
 */
export function policiesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'policies')
    if (existsSync(join(candidate, 'rule-set.schema.json'))) return candidate
    dir = dirname(dir)
  }
  throw new Error('cannot find the policies/ folder shipped with cargo-redshift-guard')
}

export function readPolicyJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(policiesDir(), name), 'utf8')) as Record<string, unknown>
}

export const DEFAULT_RULE_SET_FILE = 'cargo-redshift.yaml'

const ajv = new Ajv({ allErrors: true, strict: false })
const cache = new Map<string, ValidateFunction>()

/** Validator for a schema shipped in policies/ (optionally one of its $defs). */
export function shippedSchema(file: string, def?: string): ValidateFunction {
  const key = `${file}#${def ?? ''}`
  const cached = cache.get(key)
  if (cached) return cached
  const schema = readPolicyJson(file)
  if (!ajv.getSchema(String(schema['$id']))) ajv.addSchema(schema)
  const validate = ajv.getSchema(`${String(schema['$id'])}${def ? `#/$defs/${def}` : ''}`)
  if (!validate) throw new Error(`policies/${file} has no schema ${def ?? ''}`)
  cache.set(key, validate)
  return validate
}
