/**
 * `doctor`: with the job's credentials, tries every read the enabled rules need (each AWS call and
 * each SQL statement, as the audit makes them) and says, one line per probe, whether it went
 * through or what would allow it: the IAM action to grant, or the SQL GRANT to run. It is the
 * audit's own collection with an observer, so it can never probe less or other than the audit reads.
 */
import type { Config } from '../config/load.js'
import type { Probe } from '../collect/types.js'
import { needsOf } from '../run.js'

export interface DoctorOutcome {
  probes: Probe[]
  text: string
  /** 0 every read went through, 1 one was refused or failed. */
  exitCode: 0 | 1
}

export type DoctorCollector = (config: Config, observe: (probe: Probe) => void) => Promise<void>

/** The live collection, for the reads the enabled rules need (as `audit` would make them). */
const collectLive: DoctorCollector = async (config, observe) => {
  const { collectAwsState } = await import('../collect/aws/index.js')
  await collectAwsState(config, needsOf(config.ruleSet, config.selection.disableRules, 'audit'), {
    timeoutMs: config.collect.timeoutSeconds * 1000,
    maxConcurrency: config.collect.maxConcurrency,
    observe
  })
}

/** Calls to one operation repeat (a policy per attachment, a poll per statement): one line each, refused if any was. */
function merge(probes: Probe[]): Probe[] {
  const out: Probe[] = []
  for (const p of probes) {
    const same = out.findIndex((q) =>
      p.kind === 'aws' && q.kind === 'aws'
        ? q.service === p.service && q.operation === p.operation
        : p.kind === 'sql' && q.kind === 'sql' && q.database === p.database && q.purpose === p.purpose
    )
    if (same < 0) out.push(p)
    else if (!p.ok && out[same]!.ok) out[same] = p
  }
  return out
}

export function renderProbe(p: Probe): string {
  const status = p.ok ? 'ok     ' : 'refused'
  if (p.kind === 'aws') {
    const what = `${p.service}:${p.operation}`
    if (p.ok) return `${status} aws  ${what}`
    const action = p.cause?.iamAction
    const why = action ? `allow IAM action ${action} to the job's role` : `${p.cause?.code ? `${p.cause.code}: ` : ''}${p.cause?.message ?? 'failed'}`
    return `${status} aws  ${what} — ${why}`
  }
  const what = `sql  [${p.database}] ${p.purpose}`
  if (p.ok) return `${status} ${what}${p.message ? ` (${p.message})` : ''}`
  return `${status} ${what} — ${p.message ?? 'refused'}${p.grant ? `; to allow it: ${p.grant}` : ''}`
}

export async function runDoctor(config: Config, options: { collect?: DoctorCollector } = {}): Promise<DoctorOutcome> {
  const seen: Probe[] = []
  await (options.collect ?? collectLive)(config, (probe) => seen.push(probe))
  const probes = merge(seen).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'aws' ? -1 : 1))
  const refused = probes.filter((p) => !p.ok).length
  const lines = probes.map(renderProbe)
  lines.push(
    probes.length === 0
      ? 'no read to try: every rule reading AWS is disabled'
      : refused === 0
        ? `all ${probes.length} reads went through`
        : `${refused} of ${probes.length} reads refused: the rules that need them would be error`
  )
  return { probes, text: lines.join('\n') + '\n', exitCode: refused === 0 ? 0 : 1 }
}
