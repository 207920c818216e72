import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { ConfigProblem } from './errors.js'
import type { LocatedDocument } from './documents.js'
import { readPolicyJson } from './policy-files.js'

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

function sentence(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown property '${String(e.params['additionalProperty'])}'`
    case 'required':
      return `missing required property '${String(e.params['missingProperty'])}'`
    case 'enum':
      return `must be one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    default:
      return e.message ?? 'is invalid'
  }
}

/** Schema errors as problems located in the document (line, column, JSON pointer). */
export function schemaProblems(validate: ValidateFunction, value: unknown, doc: LocatedDocument, base = ''): ConfigProblem[] {
  if (validate(value)) return []
  const seen = new Set<string>()
  const problems: ConfigProblem[] = []
  for (const e of validate.errors ?? []) {
    // `if`/`allOf` wrappers repeat what their branches already said.
    if (e.keyword === 'if' || e.keyword === 'allOf') continue
    const pointer = base + e.instancePath
    const message = sentence(e)
    const key = `${pointer} ${message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push({ where: doc.locate(pointer), message })
  }
  return problems
}
