import { resolve } from 'node:path'
import { readLocatedDocument } from '../json/located-document.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from '../json/problems.js'
import type { RuleSet } from './rule-set.types.js'
import { schemaProblems } from '../json/schema-check.js'
import { shippedSchema } from './policy-files.js'

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
