import type { ErrorObject, ValidateFunction } from 'ajv'
import type { ConfigProblem } from './problems.js'
import type { LocatedDocument } from './located-document.js'

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
