import { join, relative, resolve } from 'node:path'
import { readLocatedDocument, type LocatedDocument } from '../json/located-document.js'
import { ConfigError, type ConfigProblem } from '../json/problems.js'
import { DEFAULT_RULE_SET_FILE, policiesDir, shippedSchema } from './policy-files.js'
import { remediationActionProblems } from './remediation-actions.js'
import type { Rule, RuleSet } from './rule-set.types.js'
import { schemaProblems } from '../json/schema-check.js'
import { rulePointerProblems } from './state-pointers.js'
import { forbiddenPlaceholderMessage, forbiddenPlaceholders } from './rule-values.js'

/** Rule files are named as the user gave them, relative to where the tool runs (as in their messages). */
function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel.startsWith('..') ? file : rel
}

interface RuleOrigin {
  doc: LocatedDocument
  index: number
}


function lineOf(origin: RuleOrigin): number {
  return origin.doc.locate(`/rules/${origin.index}`).line ?? 1
}

/**
 * Loads the built-in rule set and lays the given files over it: a rule whose
 * id is known overrides the fields it names; a new id adds a rule, which must
 * then be complete. All problems are reported together, located in their file.
 */
export function loadRuleSet(extraFiles: string[], cwd: string = process.cwd()): RuleSet {
  const builtInPath = join(policiesDir(), DEFAULT_RULE_SET_FILE)
  const docs = [readLocatedDocument(builtInPath, `policies/${DEFAULT_RULE_SET_FILE}`)]
  const readProblems: ConfigProblem[] = []
  for (const file of extraFiles) {
    try {
      docs.push(readLocatedDocument(resolve(cwd, file), displayPath(resolve(cwd, file), cwd), 'rules'))
    } catch (err) {
      if (err instanceof ConfigError) readProblems.push(...err.problems)
      else throw err
    }
  }
  const problems: ConfigProblem[] = [...readProblems]
  const merged = new Map<string, { rule: Record<string, unknown>; origin: RuleOrigin }>()
  const fileValidator = shippedSchema('rule-set.schema.json')

  for (const doc of docs) {
    const fileProblems = schemaProblems(fileValidator, doc.value, doc)
    if (fileProblems.length > 0) {
      problems.push(...fileProblems)
      continue
    }
    const rules = (doc.value as { rules: Record<string, unknown>[] }).rules
    const idsInFile = new Map<string, number>()
    rules.forEach((rule, index) => {
      const id = String(rule['id'])
      const first = idsInFile.get(id)
      if (first !== undefined) {
        problems.push({ where: doc.locate(`/rules/${index}/id`), message: `duplicate rule id '${id}' (first at /rules/${first})` })
        return
      }
      idsInFile.set(id, index)
      const existing = merged.get(id)
      merged.set(id, {
        rule: existing ? { ...existing.rule, ...rule } : { ...rule },
        origin: { doc, index }
      })
    })
  }

  const complete = shippedSchema('rule-set.schema.json', 'completeRule')
  for (const { rule, origin } of merged.values()) {
    for (const p of schemaProblems(complete, rule, origin.doc, `/rules/${origin.index}`)) {
      const id = String(rule['id'])
      problems.push({
        ...p,
        message: p.message.startsWith('missing required')
          ? `${p.message}: '${id}' is not a built-in rule, so it must be complete`
          : p.message
      })
    }
  }

  for (const { rule, origin } of merged.values()) {
    const requires = (rule['requires'] as string[] | undefined) ?? []
    requires.forEach((id, i) => {
      if (!merged.has(id)) {
        problems.push({ where: origin.doc.locate(`/rules/${origin.index}/requires/${i}`), message: `requires unknown rule '${id}'` })
      }
    })
  }
  // Pointers into the state that no state can hold (`given: /iam/rol`, `${item.groupId}`): typos
  // that would otherwise read as drift in every account. Located at the field of the file that
  // last set it (an override's, else the built-in rule's).
  for (const { rule, origin } of merged.values()) {
    for (const p of rulePointerProblems(rule)) {
      problems.push({ where: origin.doc.locate(`/rules/${origin.index}/${p.field}`), message: `rule '${String(rule['id'])}': ${p.message}` })
    }
    // Rule texts end up in every report: a placeholder may name only what describes the target.
    for (const p of forbiddenPlaceholders(rule)) {
      problems.push({ where: origin.doc.locate(`/rules/${origin.index}/${p.field}`), message: forbiddenPlaceholderMessage(String(rule['id']), p.name) })
    }
  }
  if (problems.length === 0) problems.push(...cycleProblems(merged))
  if (problems.length > 0) throw new ConfigError(problems)

  const rules: Rule[] = [...merged.values()].map(({ rule, origin }) => {
    const pointer = `/rules/${origin.index}`
    const ownThen = (origin.doc.value as { rules: Record<string, unknown>[] }).rules[origin.index]?.['then'] !== undefined
    const then = origin.doc.locate(`${pointer}/then`)
    const ownRemediation = (origin.doc.value as { rules: Record<string, unknown>[] }).rules[origin.index]?.['remediation'] !== undefined
    const remediation = origin.doc.locate(`${pointer}/remediation`)
    return {
      ...(rule as unknown as Rule),
      source: {
        file: origin.doc.file,
        line: lineOf(origin),
        ...(origin.doc === docs[0] ? { builtIn: true } : {}),
        pointer,
        // An override that leaves `then` alone points at the rule; that is where to look.
        ...(ownThen && then.line !== undefined ? { then: { line: then.line, column: then.column ?? 1 } } : {}),
        ...(ownRemediation && remediation.line !== undefined ? { remediation: { line: remediation.line, column: remediation.column ?? 1 } } : {})
      }
    }
  })
  // Every action a rule names must be one the planner knows, with options it takes.
  const actionProblems = remediationActionProblems(rules)
  if (actionProblems.length > 0) throw new ConfigError(actionProblems)
  return { name: 'cargo-redshift', rules }
}

function cycleProblems(merged: Map<string, { rule: Record<string, unknown>; origin: RuleOrigin }>): ConfigProblem[] {
  const state = new Map<string, 'visiting' | 'done'>()
  const problems: ConfigProblem[] = []
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return
    if (state.get(id) === 'visiting') {
      const entry = merged.get(id)!
      problems.push({ where: entry.origin.doc.locate(`/rules/${entry.origin.index}/requires`), message: `requires form a cycle: ${[...path, id].join(' -> ')}` })
      return
    }
    state.set(id, 'visiting')
    for (const next of (merged.get(id)?.rule['requires'] as string[] | undefined) ?? []) visit(next, [...path, id])
    state.set(id, 'done')
  }
  for (const id of merged.keys()) visit(id, [])
  return problems
}

/** Ids given in disable-rules that no rule has: a typo would otherwise silently keep a rule on. */
export function unknownRuleIds(ruleSet: RuleSet, ids: string[]): string[] {
  const known = new Set(ruleSet.rules.map((r) => r.id))
  return ids.filter((id) => !known.has(id))
}
