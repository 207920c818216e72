import type { AccountState, StateSubject } from './types.js'

/**
 * "The target": the Redshift workgroup or cluster an audit is about, in one place. The inputs
 * name it (workgroup or cluster-identifier, and a region); a state may show more (the Redshift
 * it holds, the deployment it was read for). Every stage that needs its kind, name, deployment
 * or a display of it asks here, so the report, the progress line, the plan and the rules' derived
 * values can never tell two stories. The names are spelt out (not config's types) so that the
 * state layer sits below config.
 */
export interface TargetNames {
  region?: string
  workgroup?: string
  clusterIdentifier?: string
}

/** A workgroup or cluster by name, as a state's subject records it. */
export type NamedTarget = NonNullable<StateSubject['target']>

export interface Target {
  /** What the inputs name, when they name one (workgroup wins: the inputs never give both). */
  named?: NamedTarget
  /** From the Redshift the state holds, else the deployment it was read for, else the inputs. */
  deployment: 'serverless' | 'provisioned'
  kind: 'workgroup' | 'cluster'
  /** The name the inputs give, else that of the Redshift the state holds. */
  name?: string
  /** Where the facts were read (a state-file's own region), else the inputs' region. */
  region?: string
}

function namedTarget(names: TargetNames): NamedTarget | undefined {
  if (names.workgroup) return { kind: 'workgroup', name: names.workgroup }
  if (names.clusterIdentifier) return { kind: 'cluster', name: names.clusterIdentifier }
  return undefined
}

/** A deployment's kind of target: serverless Redshift is judged by its workgroup, provisioned by its cluster. */
export function kindOf(deployment: 'serverless' | 'provisioned'): NamedTarget['kind'] {
  return deployment === 'provisioned' ? 'cluster' : 'workgroup'
}

/** The target of the inputs, completed from the state when one is at hand. */
export function targetOf(names: TargetNames, state?: AccountState): Target {
  const named = namedTarget(names)
  const deployment = state?.redshift?.deployment ?? state?.source.deployment ?? (names.clusterIdentifier ? 'provisioned' : 'serverless')
  const name = named?.name ?? state?.redshift?.name
  const region = state?.source.region ?? names.region
  return {
    ...(named ? { named } : {}),
    deployment,
    kind: kindOf(deployment),
    ...(name ? { name } : {}),
    ...(region ? { region } : {})
  }
}

/** `workgroup cargo-wg`, `cluster cargo-cluster`. */
export function describeTarget(t: NamedTarget): string {
  return `${t.kind} ${t.name}`
}

/** What the inputs name, for a progress line: `workgroup cargo-wg, eu-west-1`; undefined when they name none. */
export function targetLabel(names: TargetNames): string | undefined {
  const named = namedTarget(names)
  if (!named) return undefined
  return `${describeTarget(named)}${names.region ? `, ${names.region}` : ''}`
}
