/**
 * Where a finding points, for annotations and SARIF: a file of the user's, inside the
 * workspace, or nothing. A rule of the built-in set lives inside the tool, where a link goes
 * nowhere, so its finding points at the config-file line of the input it concerns; a rule of
 * the user's own rules file points at that rule; an IaC finding keeps its .tf/template line.
 * With no such file the finding has no location (a workflow-level annotation, a SARIF
 * logical location).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path'
import type { ConfigLocation } from '../json/problems.js'
import type { Rule, RuleSource } from '../config/rule-set.types.js'
import { inputNameOf } from '../evaluate/engine.js'
import { placeholdersIn } from '../config/placeholders.js'
import type { Finding } from '../evaluate/types.js'

/** Derived values whose input is not their own name. */
const INPUTS_OF: Record<string, string[]> = {
  redshiftName: ['workgroup', 'cluster-identifier'],
  redshiftKind: ['workgroup', 'cluster-identifier']
}

/** Values the engine derives with no input behind them. */
const NOT_INPUTS = new Set(['partition', 'accountId'])

/** The inputs a rule concerns, the most telling first. */
export function inputsOfRule(rule: Rule): string[] {
  const names: string[] = [...(rule.requiresParameters ?? [])]
  if (rule.onlyWithParameter) names.push(rule.onlyWithParameter)
  for (const text of [rule.resource, rule.then, rule.expected, rule.missingMessage]) {
    for (const name of placeholdersIn(text)) {
      if (name.startsWith('state:')) continue
      names.push(name.startsWith('item.') ? (rule.onlyWithParameter ?? name) : name)
    }
  }
  const inputs: string[] = []
  for (const name of names) {
    if (NOT_INPUTS.has(name) || name.startsWith('redshift') && !INPUTS_OF[name]) continue
    for (const input of INPUTS_OF[name] ?? [inputNameOf(name)]) if (!inputs.includes(input)) inputs.push(input)
  }
  return inputs
}

export interface LocateOptions {
  /** The repository checkout (GITHUB_WORKSPACE, else the working directory). */
  workspace: string
  /** The directory relative paths in the configuration are relative to. */
  cwd: string
  /** Where each input was given (from the loaded configuration). */
  inputLocations?: Record<string, ConfigLocation>
}

/** The workspace-relative path of a file inside the workspace; undefined outside it. */
export function workspacePath(file: string, options: Pick<LocateOptions, 'workspace' | 'cwd'>): string | undefined {
  const absolute = resolve(options.cwd, file)
  const rel = relative(resolve(options.workspace), absolute)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined
  return rel.split(sep).join('/')
}

function sameSource(a: RuleSource | undefined, b: RuleSource | undefined): boolean {
  return a !== undefined && b !== undefined && a.file === b.file && a.line === b.line
}

/** The findings with `source` set to a place in the user's workspace, or removed. */
export function locateFindings(findings: Finding[], rules: Rule[], options: LocateOptions): Finding[] {
  const byId = new Map(rules.map((r) => [r.id, r]))
  return findings.map((finding) => {
    const { source: _dropped, ...rest } = finding
    const rule = byId.get(finding.ruleId)
    let place: { file: string; line: number } | undefined = finding.source
    if (rule?.source?.builtIn && sameSource(finding.source, rule.source)) {
      place = undefined
      for (const input of inputsOfRule(rule)) {
        const where = options.inputLocations?.[input]
        if (where?.file && where.line !== undefined) {
          place = { file: where.file, line: where.line }
          break
        }
      }
    }
    const file = place ? workspacePath(place.file, options) : undefined
    return file && place ? { ...rest, source: { file, line: place.line } } : rest
  })
}
