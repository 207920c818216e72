/**
 * Resuming a reviewed plan after the account changed, typically because an earlier apply of the
 * same plan made some of its steps and then failed. Pure: the reviewed plan, the plan the same
 * inputs give for the account as it is now, and the current findings -> what each step is now.
 *
 * A reviewed step is
 * - still to make when planning now gives the very same change (same id, operation, request, SQL,
 *   merge and description; only dependsOn and ruleIds may differ, as steps already made drop out).
 *   The state it depends on is then, as far as this change is concerned, what the reviewer saw.
 * - in place when planning now gives no such step and nothing else explains its absence: none of
 *   its rules could not be checked, none is left to a person now, and no change the reviewer has
 *   not seen now claims one of its rules.
 * - held otherwise: the account changed where the step acts, so the reviewed change may no longer
 *   be right. It is not made, nor is anything that depends on it; the other steps still are.
 * A step that is not in the reviewed plan is never made from it, whatever planning now says.
 */
import type { Finding } from '../evaluate/types.js'
import type { SettledStep } from './apply.js'
import { canonicalJson } from './digest.js'
import type { Plan, PlanStep } from './types.js'

export interface Resumption {
  /** Steps that are in place ('done') or must not be made ('held'); the rest are made. */
  settled: Map<string, SettledStep>
  /** How many reviewed steps are still to make. */
  toMake: number
  /** Changes the account needs now that the reviewed plan does not hold (plan again to review them). */
  unreviewed: PlanStep[]
}

/** A step as a change: what it does, not how it is ordered or which findings it settles. */
function changeOf(step: PlanStep): string {
  const { dependsOn: _dependsOn, ruleIds: _ruleIds, ...change } = step
  return canonicalJson(change)
}

export function resumePlan(reviewed: Plan, now: Plan, findings: readonly Finding[]): Resumption {
  const reviewedIds = new Set(reviewed.steps.map((s) => s.id))
  const unreviewed = now.steps.filter((s) => !reviewedIds.has(s.id))
  const settled = new Map<string, SettledStep>()
  let toMake = 0
  for (const step of reviewed.steps) {
    const again = now.steps.find((s) => s.id === step.id)
    if (again) {
      if (changeOf(again) === changeOf(step)) toMake++
      else {
        settled.set(step.id, {
          kind: 'held',
          reason: 'the account changed where this step acts: planning now gives another change than the one reviewed (run plan again and review it)'
        })
      }
      continue
    }
    const rules = new Set(step.ruleIds)
    const unchecked = findings.find((f) => rules.has(f.ruleId) && f.status === 'error')
    const manual = now.manual.find((m) => rules.has(m.ruleId))
    const other = unreviewed.find((s) => s.ruleIds.some((id) => rules.has(id)))
    if (!findings.some((f) => rules.has(f.ruleId))) {
      settled.set(step.id, { kind: 'held', reason: 'none of its rules is judged with these inputs, so it is not a step they plan (run plan again)' })
    } else if (unchecked) {
      settled.set(step.id, { kind: 'held', reason: `${unchecked.ruleId} cannot be checked now, so whether this change is in place is unknown: ${unchecked.message}` })
    } else if (other) {
      settled.set(step.id, { kind: 'held', reason: `the account changed: ${other.ruleIds.find((id) => rules.has(id))} now needs ${other.id}, which this plan does not hold (run plan again and review it)` })
    } else if (manual) {
      settled.set(step.id, { kind: 'held', reason: `not in place, and no longer plannable: ${manual.ruleId}: ${manual.reason}` })
    } else {
      settled.set(step.id, { kind: 'done', detail: `${step.id} is in place already (an earlier apply or a person made it)` })
    }
  }
  return { settled, toMake, unreviewed }
}
