/**
 * The planner kernel: which findings are open, which step or manual entry settles each, and the
 * facts earlier actions provide to later ones ("the role", "the database"). The actions under
 * ./actions/ decide what to add; this only keeps the books.
 */
import type { Parameters } from '../config/parameters.js'
import type { Rule } from '../config/rule-set.types.js'
import type { Finding } from '../evaluate/types.js'
import type { AccountState } from '../state/types.js'
import type { ManualEntry, PlanStep } from './types.js'

/** What planning reads: the target, the Data API session SQL steps run in, and what it may change. */
export type PlanParameters = Pick<Parameters, 'target' | 'collect' | 'remediation'>

export interface PlanInput {
  state: AccountState
  findings: Finding[]
  params: PlanParameters
  /** The rule set, to read a rule's own data (a custom trust rule's service). */
  rules?: Rule[]
  now?: Date
}

/** A step as an action writes it; the kernel fills in ruleIds and drops unknown dependencies. */
export type NewStep = Omit<PlanStep, 'ruleIds' | 'dependsOn'> & { dependsOn?: Array<string | undefined> }

/** Whether the remediate input lets apply fix this rule. */
export function allowedToFix(remediate: string[], ruleId: string): boolean {
  return remediate.includes('all') || remediate.includes(ruleId)
}

/** A prerequisite that held a finding back and is itself still to fix (not unchecked, not waived). */
function blockingRuleId(f: Finding): string | undefined {
  const by = f.blockedBy
  return by && by.status !== 'error' && by.status !== 'muted' ? by.ruleId : undefined
}

export class Planner {
  readonly steps: PlanStep[] = []
  readonly manual: ManualEntry[] = []
  /** The steps planned for each finding: what a report shows as the exact fix. */
  readonly fixes = new Map<Finding, PlanStep[]>()
  private readonly claimed = new Set<Finding>()
  private readonly openCache = new Map<Finding, boolean>()

  constructor(private readonly input: PlanInput) {}

  get findings(): Finding[] {
    return this.input.findings
  }

  /** A failing finding, or one skipped because a prerequisite that is itself open held it back. */
  isOpen(f: Finding, depth = 0): boolean {
    const cached = this.openCache.get(f)
    if (cached !== undefined) return cached
    let open = f.status === 'fail'
    if (f.status === 'skipped' && depth < 20) {
      const id = blockingRuleId(f)
      if (id) {
        const prerequisites = this.input.findings.filter((p) => p.ruleId === id)
        const relevant = prerequisites.length > 1 ? prerequisites.filter((p) => p.resource === f.resource) : prerequisites
        open = relevant.some((p) => this.isOpen(p, depth + 1))
      }
    }
    this.openCache.set(f, open)
    return open
  }

  allowed(f: Finding): boolean {
    return allowedToFix(this.input.params.remediation.remediate, f.ruleId)
  }

  /** Open, allowed, unclaimed findings whose remediation is `action`. */
  pending(action: string): Finding[] {
    return this.input.findings.filter(
      (f) => f.remediation.action === action && !this.claimed.has(f) && this.isOpen(f) && this.allowed(f)
    )
  }

  claim(findings: Finding[], step?: PlanStep): void {
    for (const f of findings) {
      this.claimed.add(f)
      if (step && !step.ruleIds.includes(f.ruleId)) step.ruleIds.push(f.ruleId)
    }
  }

  addManual(f: Finding, reason: string, instructions: string | undefined = f.remediation.manual): void {
    this.claimed.add(f)
    if (this.manual.some((m) => m.ruleId === f.ruleId && m.resource === f.resource && m.reason === reason)) return
    this.manual.push({ ruleId: f.ruleId, resource: f.resource, reason, ...(instructions ? { instructions } : {}) })
  }

  /**
   * The state shows nothing to add for this finding. A failing rule then fails for a reason no
   * step can address (said in `manual`); a rule merely held back by a prerequisite is explained
   * by the prerequisite's own entry.
   */
  nothingToDo(f: Finding, reason: string): void {
    if (f.status === 'fail') this.addManual(f, reason)
    else this.claimed.add(f)
  }

  add(step: NewStep, findings: Finding[]): PlanStep {
    if (this.steps.some((s) => s.id === step.id)) throw new Error(`duplicate plan step id ${step.id}`)
    const full: PlanStep = {
      ...step,
      ruleIds: [],
      dependsOn: [...new Set((step.dependsOn ?? []).filter((d): d is string => d !== undefined))]
    }
    this.steps.push(full)
    this.claim(findings, full)
    for (const f of findings) this.fixes.set(f, [...(this.fixes.get(f) ?? []), full])
    return full
  }

  /** Findings that are open but not fixed by a step and not yet explained: every one gets a reason. */
  settle(): void {
    for (const f of this.input.findings) {
      if (this.claimed.has(f)) continue
      if (f.status === 'error') {
        this.addManual(f, `could not be checked, so no fix is planned: ${f.message}`, f.howToCheck)
        continue
      }
      if (!this.isOpen(f)) continue
      if (!f.remediation.action) this.addManual(f, 'no safe automatic fix exists: this one needs a person')
      else if (!this.allowed(f)) {
        this.addManual(f, `not in the remediate input: add '${f.ruleId}' (or 'all') to let apply fix it (${f.remediation.action})`)
      } else this.addManual(f, `no automatic fix is known for action '${f.remediation.action}'`)
    }
    const order = new Map(this.input.findings.map((f, i) => [`${f.ruleId}\u0000${f.resource}`, i]))
    this.manual.sort((a, b) => (order.get(`${a.ruleId}\u0000${a.resource}`) ?? 0) - (order.get(`${b.ruleId}\u0000${b.resource}`) ?? 0))
  }
}
