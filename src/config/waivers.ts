import { resolve } from 'node:path'
import { readLocatedDocument } from './documents.js'
import type { Finding } from '../evaluate/types.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from './errors.js'
import type { RuleSet } from './rule-set.types.js'
import { schemaProblems, shippedSchema } from './schema-check.js'

/** An accepted exception: mutes a rule (on one resource, or all) until it expires. */
export interface Waiver {
  rule: string
  resource?: string
  reason: string
  /** YYYY-MM-DD, inclusive, UTC. */
  expires: string
  /** Where the waiver is written, for messages about it. */
  where?: ConfigLocation
}

export function loadWaivers(file: string, ruleSet: RuleSet, cwd: string = process.cwd()): Waiver[] {
  const doc = readLocatedDocument(resolve(cwd, file), file, 'waivers')
  const problems: ConfigProblem[] = schemaProblems(shippedSchema('waivers.schema.json'), doc.value, doc)
  if (problems.length > 0) throw new ConfigError(problems)
  const waivers = (doc.value as { waivers: Waiver[] }).waivers
  const known = new Set(ruleSet.rules.map((r) => r.id))
  waivers.forEach((w, i) => {
    if (!known.has(w.rule)) problems.push({ where: doc.locate(`/waivers/${i}/rule`), message: `waives unknown rule '${w.rule}'` })
    // Date.parse rolls 2026-02-30 over to March; a real date survives the round trip.
    const day = new Date(`${w.expires}T00:00:00Z`)
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== w.expires) {
      problems.push({ where: doc.locate(`/waivers/${i}/expires`), message: `'${w.expires}' is not a calendar date` })
    }
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return waivers.map((w, i) => ({ ...w, where: doc.locate(`/waivers/${i}`) }))
}

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
