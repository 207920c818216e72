import type { ErrorObject, ValidateFunction } from 'ajv'
import type { Parameters } from '../config/parameters.js'
import type { Rule, RuleSet } from '../config/rule-set.types.js'
import type { Waiver } from '../config/waivers.js'
import { pointerContains, pointersOverlap, resolvePointer } from '../json/pointer.js'
import type { AccountState, CollectionCause } from '../state/types.js'
import { unconfirmedSubjects, type UnconfirmedSubject } from '../state/subject.js'
import { describeCause, howToCheck } from './causes.js'
import { createAjv, isUnjudgeable, type AjvInstance } from '../config/keywords.js'
import { fill, placeholdersIn, renderText, type PlaceholderScope } from '../config/placeholders.js'
import { derivedValues, ruleParameters } from '../config/rule-values.js'
import { targetOf } from '../state/target.js'

import type { Finding, Status, Summary } from './types.js'

export interface EvaluationInput {
  ruleSet: RuleSet
  state: AccountState
  /** What the rules are about, and which of them are turned off: the only parameters rules see. */
  params: Pick<Parameters, 'target' | 'selection'>
  waivers?: Waiver[]
  now?: Date
}

function scopeFor(state: AccountState, values: Record<string, unknown>, item?: unknown): PlaceholderScope {
  return {
    lookup(name) {
      if (name.startsWith('state:')) return resolvePointer(state, name.slice('state:'.length))
      // Without an element (a per-element rule held back as a whole) the resource reads as 'any'.
      if (name.startsWith('item.')) return item === undefined ? '*' : resolvePointer(item, '/' + name.slice(5).split('.').join('/'))
      return values[name]
    }
  }
}

function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true
  return Array.isArray(value) && value.length === 0
}

/** The input name a parameter comes from, for messages: cargoRoleArn -> cargo-role-arn. */
export function inputNameOf(parameter: string): string {
  return parameter.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value)
  if (text === undefined) return 'absent'
  return text.length > 120 ? `${text.slice(0, 117)}...` : text
}

/**
 * One schema error in words a person reads, never ajv's ("must be equal to constant"): what
 * the value is and what was expected.
 */
function plainSentence(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the value' : `'${e.instancePath.slice(1).replace(/\//g, '.')}'`
  const params = e.params as Record<string, unknown>
  const actual = describeValue(e.data)
  switch (e.keyword) {
    case 'const':
      return `${where} is ${actual}, expected ${describeValue(params['allowedValue'])}`
    case 'enum':
      return `${where} is ${actual}, expected one of ${(params['allowedValues'] as unknown[] | undefined)?.map(describeValue).join(', ') ?? '?'}`
    case 'required':
      return `${e.instancePath === '' ? '' : `${where}: `}'${String(params['missingProperty'])}' is missing`
    case 'type':
      return `${where} is ${actual}, expected ${String(params['type'])}`
    case 'contains':
      return `${where} holds no element as expected (it holds ${actual})`
    case 'maximum':
    case 'exclusiveMaximum':
      return `${where} is ${actual}, expected at most ${String(params['limit'])}`
    case 'minimum':
    case 'exclusiveMinimum':
      return `${where} is ${actual}, expected at least ${String(params['limit'])}`
    case 'pattern':
      return `${where} is ${actual}, which does not have the expected form`
    case 'minItems':
      return `${where} holds ${Array.isArray(e.data) ? e.data.length : 0} element(s), expected at least ${String(params['limit'])}`
    case 'not':
      return `${where} is ${actual}, which the rule forbids`
    default:
      return `${where} (${actual}) does not meet the rule's '${e.keyword}' condition`
  }
}

/** ajv errors as sentences: custom keywords and errorMessage speak for themselves. */
function errorSentences(errors: ErrorObject[] | null | undefined): string[] {
  const out: string[] = []
  for (const e of errors ?? []) {
    if (e.keyword === 'errorMessage') {
      // ajv-errors writes template values as JSON; a name reads better bare (rule texts quote with ').
      out.push((e.message ?? 'does not hold').replace(/"(?:[^"\\]|\\.)*"/g, (literal) => String(JSON.parse(literal))))
    } else if (['iamAllows', 'trustsService', 'cidrsAdmitted', 'noWiderIngress', 'roleAssociated'].includes(e.keyword)) {
      out.push(e.message ?? 'does not hold')
    } else if (!['allOf', 'anyOf', 'if'].includes(e.keyword)) {
      out.push(plainSentence(e))
    }
  }
  return [...new Set(out)]
}

class Evaluator {
  private readonly ajv: AjvInstance = createAjv()
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly byId = new Map<string, Finding[]>()
  private readonly values: Record<string, unknown>
  private readonly deployment: 'serverless' | 'provisioned'
  /** Parts of the state about another subject than the inputs name (or not shown to be theirs). */
  private readonly unconfirmed: UnconfirmedSubject[]

  constructor(private readonly input: EvaluationInput) {
    const { target } = input.params
    this.values = { ...ruleParameters(target), ...derivedValues(input.state, target) }
    this.deployment = targetOf(target, input.state).deployment
    this.unconfirmed = unconfirmedSubjects(input.state, target)
  }

  run(): Finding[] {
    const findings: Finding[] = []
    for (const rule of orderByPrerequisites(this.input.ruleSet.rules)) {
      const ruleFindings = this.evaluateRule(rule).map((f) => this.applyWaivers(f))
      this.byId.set(rule.id, ruleFindings)
      findings.push(...ruleFindings)
    }
    return findings
  }

  private validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema)
    const cached = this.compiled.get(key)
    if (cached) return cached
    const validate = this.ajv.compile(schema as object)
    this.compiled.set(key, validate)
    return validate
  }

  private finding(rule: Rule, status: Status, message: string, scope: PlaceholderScope, extra: Partial<Finding> = {}): Finding {
    const finding: Finding = {
      ruleId: rule.id,
      title: rule.title,
      status,
      severity: rule.severity,
      resource: renderText(rule.resource, scope),
      message,
      docs: renderText(rule.docs, scope),
      // A rule that could not be checked gets no drift fix: how to check it is what helps.
      remediation:
        status === 'error'
          ? {}
          : {
              ...(rule.remediation.action ? { action: rule.remediation.action } : {}),
              ...(rule.remediation.manual ? { manual: renderText(rule.remediation.manual, scope) } : {}),
              ...(rule.remediation.with ? { with: fill(rule.remediation.with, scope) as Record<string, unknown> } : {})
            },
      ...extra
    }
    if (status === 'error' && finding.cause) finding.howToCheck = howToCheck(finding.cause)
    if (status === 'fail' || status === 'pass') finding.expected = renderText(rule.expected, scope)
    if (rule.guide) finding.guide = rule.guide
    const located = this.locationOf(rule.given)
    if (located) finding.source = located
    else if (rule.source) finding.source = rule.source
    return finding
  }

  /** An `error` finding: the rule could not be checked, for `cause`. */
  private unchecked(rule: Rule, cause: CollectionCause, scope: PlaceholderScope): Finding {
    return this.finding(rule, 'error', `cannot be checked: ${describeCause(cause)}`, scope, { cause })
  }

  /** For IaC sources: where the resource the rule reads is defined (the deepest recorded ancestor). */
  private locationOf(pointer: string): { file: string; line: number } | undefined {
    let best: { pointer: string; file: string; line: number } | undefined
    for (const l of this.input.state.locations ?? []) {
      const above = l.pointer === '' || pointer === l.pointer || pointer.startsWith(`${l.pointer}/`)
      if (above && (!best || l.pointer.length > best.pointer.length)) best = l
    }
    return best ? { file: best.file, line: best.line } : undefined
  }

  /** Why a rule can't be judged yet, in the order a person would want to know. */
  private precondition(rule: Rule, scope: PlaceholderScope): Finding | undefined {
    if (rule.enabled === false || this.input.params.selection.disableRules.includes(rule.id)) {
      return this.finding(rule, 'skipped', 'disabled by configuration', scope)
    }
    if (rule.appliesTo !== 'both' && rule.appliesTo !== this.deployment) {
      return this.finding(rule, 'skipped', `applies to ${rule.appliesTo} Redshift only; this account uses ${this.deployment}`, scope)
    }
    for (const parameter of rule.requiresParameters ?? []) {
      if (isMissing(this.values[parameter])) {
        const input = inputNameOf(parameter)
        return this.unchecked(rule, { service: 'config', operation: 'inputs', message: `input '${input}' is not set` }, scope)
      }
    }
    if (rule.onlyWithParameter && isMissing(this.values[rule.onlyWithParameter])) {
      return this.finding(rule, 'skipped', `not applicable: input '${inputNameOf(rule.onlyWithParameter)}' is empty`, scope)
    }
    // --- subject check (src/state/subject.ts): a fact read for another name proves nothing about this one.
    const foreign = this.unconfirmed.find((u) => u.pointers.some((p) => this.dependsOn(rule, p)))
    if (foreign) {
      return this.unchecked(rule, { service: 'state', operation: 'subject', code: 'SubjectNotHeld', message: foreign.message }, scope)
    }
    // --- end subject check
    // The subject is missing (a failed prerequisite: no cluster, no role): the rule does not
    // apply yet, whatever else could not be read about it.
    const absentSubject = this.blockingPrerequisite(rule, renderText(rule.resource, scope), subjectMissing)
    if (absentSubject) return this.finding(rule, 'skipped', absentSubject.message, scope, { subjectMissing: true, blockedBy: absentSubject.blockedBy })
    const unreadable = this.unreadable(rule)
    if (unreadable) return this.unchecked(rule, unreadable, scope)
    const unknown = (this.input.state.unknown ?? []).filter((u) => this.dependsOn(rule, u.pointer))
    if (unknown.length > 0) {
      return this.finding(rule, 'unknown', [...new Set(unknown.map((u) => u.reason))].join('; '), scope)
    }
    return undefined
  }

  /** Whether a fact at `pointer` is one the rule's verdict depends on. */
  private dependsOn(rule: Rule, pointer: string): boolean {
    // The target itself (or something above it) is always needed; below it, only what the rule reads.
    if (pointerContains(pointer, rule.given)) return true
    return readsOf(rule).some((read) => pointersOverlap(read, pointer))
  }

  /**
   * A prerequisite that did not pass (with one of `statuses`, when given). A rule judged per
   * element (`each`) is held back only by the prerequisite's finding on the same resource.
   */
  private blockingPrerequisite(
    rule: Rule,
    resource: string,
    only?: (f: Finding) => boolean
  ): { message: string; blockedBy: NonNullable<Finding['blockedBy']> } | undefined {
    for (const id of rule.requires ?? []) {
      const findings = this.byId.get(id) ?? []
      const relevant = findings.length > 1 ? findings.filter((f) => f.resource === resource) : findings
      const blocking = relevant.find((f) => f.status !== 'pass' && (!only || only(f)))
      if (blocking) {
        const why = blocking.status === 'error' ? 'could not be checked' : blocking.status === 'muted' ? 'is waived' : `did not pass (${blocking.status})`
        // The prerequisite's own words say what is missing ("Redshift cluster 'x' was not found").
        const what = blocking.status === 'fail' || blocking.subjectMissing ? `: ${blocking.message}` : ''
        return { message: `prerequisite ${id} ${why}${what}`, blockedBy: { ruleId: id, status: blocking.status } }
      }
    }
    return undefined
  }

  /** The first collection failure at, above or below anything the rule reads. */
  private unreadable(rule: Rule): CollectionCause | undefined {
    return this.input.state.unavailable.find((fact) => this.dependsOn(rule, fact.pointer))?.cause
  }

  private evaluateRule(rule: Rule): Finding[] {
    const scope = scopeFor(this.input.state, this.values)
    const target = resolvePointer(this.input.state, rule.given)
    const items = rule.each && Array.isArray(target) && target.length > 0 ? target : undefined
    const held = this.precondition(rule, scope) ?? this.heldByPrerequisite(rule, scope)
    // A per-element rule held back as a whole still speaks of each element the inputs name
    // (never of `*.*`), so every message and fix names a real schema.
    if (held && rule.each && !items) {
      const configured = this.configuredElements(rule)
      if (configured.length > 0) {
        return configured.map((item) => {
          const itemScope = scopeFor(this.input.state, this.values, item)
          return this.precondition(rule, itemScope) ?? this.heldByPrerequisite(rule, itemScope) ?? { ...held, resource: renderText(rule.resource, itemScope) }
        })
      }
    }
    const subjects = items ? items.map((item) => ({ item, scope: scopeFor(this.input.state, this.values, item) })) : [{ item: target, scope }]
    // A list judged per element must hold every element the inputs name; else those go unjudged.
    const absent = held === undefined ? this.configuredButAbsent(rule, items ?? []) : []
    const missing = absent.map((item) =>
      this.unchecked(
        rule,
        { service: 'state', operation: 'read', message: `the state has no entry for ${describeValue(item)} at ${rule.given}` },
        scopeFor(this.input.state, this.values, item)
      )
    )
    if (missing.length > 0 && !items) return missing
    return [...this.judgeSubjects(rule, subjects, scope, items !== undefined), ...missing]
  }

  private heldByPrerequisite(rule: Rule, scope: PlaceholderScope): Finding | undefined {
    const prerequisite = this.blockingPrerequisite(rule, renderText(rule.resource, scope))
    return prerequisite ? this.finding(rule, 'skipped', prerequisite.message, scope, { blockedBy: prerequisite.blockedBy }) : undefined
  }

  /** The elements the rule's list parameter names (e.g. each configured source schema). */
  private configuredElements(rule: Rule): Record<string, unknown>[] {
    if (!rule.each || !rule.onlyWithParameter) return []
    const configured = this.values[rule.onlyWithParameter]
    return Array.isArray(configured) ? configured.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : []
  }

  /** Elements named by the rule's list parameter (e.g. source-schemas) that the state lacks. */
  private configuredButAbsent(rule: Rule, items: unknown[]): Record<string, unknown>[] {
    if (!rule.each || !rule.onlyWithParameter) return []
    const configured = this.values[rule.onlyWithParameter]
    if (!Array.isArray(configured)) return []
    return configured.filter(
      (want): want is Record<string, unknown> =>
        typeof want === 'object' &&
        want !== null &&
        !items.some((have) => typeof have === 'object' && have !== null && Object.entries(want).every(([k, v]) => (have as Record<string, unknown>)[k] === v))
    )
  }

  private judgeSubjects(
    rule: Rule,
    subjects: { item: unknown; scope: PlaceholderScope }[],
    scope: PlaceholderScope,
    perElement: boolean
  ): Finding[] {
    return subjects.map(({ item, scope: itemScope }) => {
      const blocked = this.precondition(rule, itemScope) ?? this.heldByPrerequisite(rule, itemScope)
      if (blocked) return blocked
      if (item === undefined || item === null) {
        const message = rule.missingMessage ? renderText(rule.missingMessage, scope) : `nothing found at ${rule.given}`
        if (rule.whenMissing === 'skip') return this.finding(rule, 'skipped', message, scope)
        return this.finding(rule, 'fail', message, scope, { actual: 'absent' })
      }
      if (rule.each && !perElement && !Array.isArray(item)) {
        return this.unchecked(rule, { service: 'state', operation: 'read', message: `${rule.given} is not a list in the state` }, scope)
      }
      if (rule.each && !perElement) return this.finding(rule, 'skipped', 'nothing to check', scope)
      return this.judge(rule, item, itemScope)
    })
  }

  private judge(rule: Rule, target: unknown, scope: PlaceholderScope): Finding {
    let validate: ValidateFunction
    try {
      validate = this.validator(fill(rule.then, scope))
    } catch (err) {
      return this.unchecked(rule, { service: 'config', operation: 'rules', message: `the rule's schema does not compile: ${(err as Error).message}` }, scope)
    }
    if (validate(target)) return this.finding(rule, 'pass', rule.title, scope)
    // Only "cannot be judged" (a document never read): error, not drift. A known failure beside
    // it still fails the rule.
    const errors = validate.errors ?? []
    if (errors.length > 0 && errors.every(isUnjudgeable)) {
      return this.unchecked(rule, { service: 'state', operation: 'read', message: [...new Set(errors.map((e) => e.message))].join('; ') }, scope)
    }
    const problems = errorSentences(validate.errors)
    const actual = problems.join('; ') || 'does not match the rule'
    return this.finding(rule, 'fail', actual, scope, { actual })
  }

  private applyWaivers(finding: Finding): Finding {
    if (finding.status !== 'fail' && finding.status !== 'error') return finding
    const now = this.input.now ?? new Date()
    const waiver = (this.input.waivers ?? []).find(
      (w) => w.rule === finding.ruleId && (w.resource === undefined || w.resource === finding.resource)
    )
    if (!waiver) return finding
    const expired = now.getTime() > Date.parse(`${waiver.expires}T23:59:59.999Z`)
    const info = { reason: waiver.reason, expires: waiver.expires, expired }
    if (expired) {
      return { ...finding, waiver: info, message: `${finding.message} (waiver expired on ${waiver.expires}: ${waiver.reason})` }
    }
    return { ...finding, status: 'muted', waiver: info, message: `${finding.message} (waived until ${waiver.expires}: ${waiver.reason})` }
  }
}

export { describeCause }

/**
 * A prerequisite finding that says the subject itself is missing: it failed because nothing
 * was found (no cluster, no role), or was skipped for that same reason further up the chain.
 */
function subjectMissing(f: Finding): boolean {
  return (f.status === 'fail' && f.actual === 'absent') || (f.status === 'skipped' && f.subjectMissing === true)
}

/** The pointers a rule's verdict depends on: its `reads` (default: all of `given`) and the state values it names. */
export function readsOf(rule: Rule): string[] {
  const reads = rule.reads ? [...rule.reads] : [rule.given]
  for (const name of placeholdersIn(rule.then)) if (name.startsWith('state:')) reads.push(name.slice(6))
  return reads
}

/** Rules after the rules they require; the loader has already rejected cycles. */
export function orderByPrerequisites(rules: Rule[]): Rule[] {
  const byId = new Map(rules.map((r) => [r.id, r]))
  const ordered: Rule[] = []
  const placed = new Set<string>()
  const visit = (rule: Rule, path: Set<string>) => {
    if (placed.has(rule.id) || path.has(rule.id)) return
    path.add(rule.id)
    for (const id of rule.requires ?? []) {
      const prerequisite = byId.get(id)
      if (prerequisite) visit(prerequisite, path)
    }
    placed.add(rule.id)
    ordered.push(rule)
  }
  for (const rule of rules) visit(rule, new Set())
  return ordered
}

/** Judges every rule against the state. Pure: no I/O. */
export function evaluate(input: EvaluationInput): Finding[] {
  const order = new Map(input.ruleSet.rules.map((r, i) => [r.id, i]))
  return new Evaluator(input).run().sort((a, b) => (order.get(a.ruleId) ?? 0) - (order.get(b.ruleId) ?? 0))
}

export function summarize(findings: Finding[]): Summary {
  const summary: Summary = { total: findings.length, pass: 0, fail: 0, error: 0, skipped: 0, muted: 0, unknown: 0 }
  for (const f of findings) summary[f.status]++
  return summary
}
