import { LineCounter, parseDocument, type CollectionTag, type Document, type ScalarTag } from 'yaml'
import { ConfigError } from '../../../json/problems.js'
import { isRecord } from '../common.js'
import { logicalIdLines } from './locations.js'

/** Parsing a template (JSON, or YAML with CloudFormation's short-form tags) and checking the parameter values given for it. */

/** Short form -> long form. `!GetAtt a.b` is the one whose scalar form needs splitting. */
const INTRINSICS: Array<[string, string]> = [
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ['!GetAtt', 'Fn::GetAtt'],
  ['!Sub', 'Fn::Sub'],
  ['!Join', 'Fn::Join'],
  ['!If', 'Fn::If'],
  ['!Select', 'Fn::Select'],
  ['!Split', 'Fn::Split'],
  ['!ImportValue', 'Fn::ImportValue'],
  ['!FindInMap', 'Fn::FindInMap'],
  ['!Base64', 'Fn::Base64'],
  ['!Equals', 'Fn::Equals'],
  ['!Not', 'Fn::Not'],
  ['!And', 'Fn::And'],
  ['!Or', 'Fn::Or'],
  ['!GetAZs', 'Fn::GetAZs'],
  ['!Cidr', 'Fn::Cidr'],
  ['!Transform', 'Fn::Transform'],
  ['!Length', 'Fn::Length'],
  ['!ToJsonString', 'Fn::ToJsonString']
]

/** The yaml package's custom tags for CloudFormation's short forms, each in scalar, sequence and mapping form. */
export const CLOUDFORMATION_TAGS: Array<ScalarTag | CollectionTag> = INTRINSICS.flatMap(([tag, name]) => {
  const scalar: ScalarTag = {
    tag,
    identify: () => false,
    resolve: (text: string) => {
      if (name === 'Fn::GetAtt') {
        const dot = text.indexOf('.')
        return { [name]: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)] }
      }
      return { [name]: text }
    }
  }
  const seq: CollectionTag = {
    tag,
    collection: 'seq',
    identify: () => false,
    resolve: (node) => ({ [name]: node.toJSON() })
  }
  const map: CollectionTag = {
    tag,
    collection: 'map',
    identify: () => false,
    resolve: (node) => ({ [name]: node.toJSON() })
  }
  return [scalar, seq, map]
})

export function syntaxError(file: string, message: string, line?: number, column?: number): ConfigError {
  return new ConfigError([{ where: { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) }, message }])
}

/** Parses a template; every problem is a ConfigError at file:line:column. */
export function parseTemplate(text: string, file: string): { template: Record<string, unknown>; lineOf: (logicalId: string) => number | undefined } {
  if (text.trim() === '') throw syntaxError(file, 'is empty', 1, 1)
  const lineCounter = new LineCounter()
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, customTags: CLOUDFORMATION_TAGS, uniqueKeys: true })
  const json = text.trimStart().startsWith('{')
  let value: unknown
  if (doc.errors.length > 0) {
    // A JSON template indented with tabs is not YAML, but it is JSON.
    if (json) {
      try {
        value = JSON.parse(text)
      } catch (err) {
        const m = /position (\d+)/.exec((err as Error).message)
        const at = m ? lineCounter.linePos(Number(m[1])) : undefined
        throw syntaxError(file, `JSON syntax: ${(err as Error).message}`, at?.line, at?.col)
      }
    } else {
      const e = doc.errors[0]!
      const pos = lineCounter.linePos(e.pos[0])
      throw syntaxError(file, `YAML syntax: ${e.message.split('\n')[0]}`, pos.line, pos.col)
    }
  } else {
    value = doc.toJS({ maxAliasCount: 100 })
  }
  if (!isRecord(value)) throw syntaxError(file, 'is not a CloudFormation template: expected a mapping at the top', 1, 1)
  const lineOf = logicalIdLines(text, doc.errors.length === 0 ? doc : undefined, lineCounter)
  return { template: value, lineOf }
}

/**
 * Parameter values CloudFormation itself would refuse: a name the template does not declare, or a
 * value outside its AllowedValues (each element, for list types). Both fail a stack deployment
 * ("Parameters: [X] do not exist in the template"; "Parameter 'X' must be one of AllowedValues"),
 * so judging the template with them would describe an account that can never exist.
 * See https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
 */
export function parameterProblems(template: Record<string, unknown>, given: Record<string, unknown>): string[] {
  const declared = isRecord(template['Parameters']) ? template['Parameters'] : {}
  const problems: string[] = []
  for (const [name, value] of Object.entries(given)) {
    const spec = declared[name]
    if (!isRecord(spec)) {
      const names = Object.keys(declared)
      problems.push(`parameter '${name}' is not declared in the template (${names.length > 0 ? `it declares ${names.join(', ')}` : 'it declares none'})`)
      continue
    }
    const allowed = Array.isArray(spec['AllowedValues']) ? spec['AllowedValues'].map(String) : undefined
    if (!allowed) continue
    const type = String(spec['Type'] ?? 'String')
    const items = (type.startsWith('List<') || type === 'CommaDelimitedList') && typeof value === 'string' ? value.split(',').map((v) => v.trim()) : [String(value)]
    for (const item of items) {
      if (!allowed.includes(item)) problems.push(`parameter '${name}': '${item}' is not one of its AllowedValues (${allowed.join(', ')})`)
    }
  }
  return problems
}

