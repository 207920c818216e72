import type { ConfigProblem } from '../json/problems.js'
import type { Waiver } from '../config/waivers.js'
import type { Finding } from './types.js'

/**
 * Waivers that match no finding of this run: a misspelt resource, or a rule that no longer
 * reports that resource. They mute nothing, which their author should hear about.
 */
export function unmatchedWaivers(waivers: readonly Waiver[], findings: readonly Finding[]): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  for (const w of waivers) {
    const ofRule = findings.filter((f) => f.ruleId === w.rule)
    if (ofRule.some((f) => w.resource === undefined || f.resource === w.resource)) continue
    const resources = [...new Set(ofRule.map((f) => f.resource))]
    problems.push({
      where: w.where ?? { input: 'waivers' },
      message:
        `the waiver of ${w.rule}${w.resource ? ` on ${w.resource}` : ''} matches no finding, so it mutes nothing` +
        (resources.length > 0 ? ` (${w.rule} reported: ${resources.join(', ')})` : ` (${w.rule} reported nothing in this run)`)
    })
  }
  return problems
}
