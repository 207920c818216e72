/**
 * The one way an AWS call is made, by the collectors and by remediation alike: under a bound on
 * calls in flight, within one overall deadline whose AbortSignal reaches the SDK, counted per
 * operation, and with any failure mapped to an AwsCallError naming the denied IAM action.
 */
import { setMaxListeners } from 'node:events'
import pLimit from 'p-limit'
import type { CollectionCause } from '../state/types.js'
import { AwsCallError, causeOf, TIMED_OUT_MESSAGE } from './errors.js'

/** Runs one AWS call (`fn`, handed the deadline's signal) as `service:operation`. */
export type AwsCall = <T>(service: string, operation: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>

/** Whatever makes AWS calls through a bounded `call`: a collector's context, an apply's. */
export interface AwsCaller {
  /** Runs an AWS call under the shared concurrency bound and overall deadline, counting it. */
  call: AwsCall
}

/** One AWS call tried, and how it ended: `ok: false` carries why (doctor reports these). */
export interface AwsProbe {
  kind: 'aws'
  service: string
  operation: string
  ok: boolean
  cause?: CollectionCause
}

/** How many AWS calls the collection made, per `service:operation` and in total. */
export interface CallStats {
  /** Every call started through `call`, failed ones included. */
  readonly total: number
  /** Calls per `service:operation`, e.g. `{ 'iam:GetRole': 1 }`. */
  readonly byOperation: Readonly<Record<string, number>>
  /** Calls to one operation, or to every operation of a service when `operation` is omitted. */
  count(service: string, operation?: string): number
  /** The most calls that were in flight at once. */
  readonly peakInFlight: number
}

export interface AwsCallerOptions {
  /** One deadline for every call made through this caller, in milliseconds. */
  timeoutMs: number
  /** Most AWS calls in flight at once. */
  maxConcurrency: number
  /** Told of every call and how it ended (doctor). */
  observe?: (probe: AwsProbe) => void
}

export interface BoundedAwsCaller extends AwsCaller {
  /** Live counts; `stats.snapshot()` gives a plain copy. */
  stats: CallStats & { snapshot(): CallStats }
  /** Stops the deadline timer; calls made afterwards fail as timed out. */
  dispose(): void
}

class Counter implements CallStats {
  readonly counts = new Map<string, number>()
  inFlight = 0
  peakInFlight = 0

  get total(): number {
    let n = 0
    for (const v of this.counts.values()) n += v
    return n
  }

  get byOperation(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }

  count(service: string, operation?: string): number {
    if (operation !== undefined) return this.counts.get(`${service}:${operation}`) ?? 0
    let n = 0
    for (const [key, v] of this.counts) if (key.startsWith(`${service}:`)) n += v
    return n
  }

  add(service: string, operation: string): void {
    const key = `${service}:${operation}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  /** A plain, frozen copy: safe to serialize and to keep after the collection. */
  snapshot(): CallStats {
    const byOperation = this.byOperation
    const total = this.total
    const peakInFlight = this.peakInFlight
    const counts = new Map(this.counts)
    return Object.freeze({
      total,
      byOperation,
      peakInFlight,
      count(service: string, operation?: string): number {
        if (operation !== undefined) return counts.get(`${service}:${operation}`) ?? 0
        let n = 0
        for (const [key, v] of counts) if (key.startsWith(`${service}:`)) n += v
        return n
      }
    })
  }
}

/** Reads: a well-formed answer to any of them carries at least one field besides `$metadata`. */
const READ_OPERATION = /^(Get|List|Describe)/

/**
 * An SDK output with nothing but `$metadata`: what a 200 answer with an empty or non-AWS body
 * (an HTML page from a proxy, say) deserializes to. Taken at face value it reads as "no groups",
 * "no policies", "no rows": a verdict from no data. It is a failed read instead.
 */
function carriesNoData(out: unknown): boolean {
  return typeof out === 'object' && out !== null && Object.keys(out).every((k) => k === '$metadata')
}

function malformedResponse(service: string, operation: string): AwsCallError {
  return new AwsCallError({
    service,
    operation,
    code: 'MalformedResponse',
    message: 'the answer held no data (an empty or non-AWS body); nothing was concluded from it'
  })
}

/**
 * Builds the bounded `call`: a p-limit bound on calls in flight, one deadline for all of them
 * (its AbortSignal reaches every SDK call), per-operation call counts, and failures mapped to an
 * AwsCallError naming the denied IAM action where there is one.
 */
export function createAwsCaller(options: AwsCallerOptions): BoundedAwsCaller {
  const limit = pLimit(Math.max(1, Math.floor(options.maxConcurrency)))
  const stats = new Counter()
  const deadline = new AbortController()
  // Every call in flight listens on the one deadline signal; the count is bounded by p-limit.
  setMaxListeners(0, deadline.signal)
  const timer = setTimeout(() => deadline.abort(new Error('deadline')), Math.max(0, options.timeoutMs))
  timer.unref()
  const seconds = Math.round(options.timeoutMs / 100) / 10

  const timedOut = (service: string, operation: string): AwsCallError =>
    new AwsCallError({
      service,
      operation,
      code: 'Timeout',
      message: `${TIMED_OUT_MESSAGE} (${seconds}s)`
    })

  const call: AwsCall = (service, operation, fn) =>
    limit(async () => {
      if (deadline.signal.aborted) throw timedOut(service, operation)
      stats.add(service, operation)
      stats.inFlight++
      stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight)
      try {
        const out = await fn(deadline.signal)
        if (READ_OPERATION.test(operation) && carriesNoData(out)) throw malformedResponse(service, operation)
        options.observe?.({ kind: 'aws', service, operation, ok: true })
        return out
      } catch (err) {
        const failure =
          err instanceof AwsCallError ? err : deadline.signal.aborted ? timedOut(service, operation) : new AwsCallError(causeOf(service, operation, err))
        // A resource that does not exist was still readable: the call was allowed.
        options.observe?.({ kind: 'aws', service, operation, ok: isMissing(failure), ...(isMissing(failure) ? {} : { cause: failure.cause }) })
        throw failure
      } finally {
        stats.inFlight--
      }
    })

  return { call, stats, dispose: () => clearTimeout(timer) }
}

/** Error names (and IAM/Redshift codes) that mean "this resource does not exist". */
const MISSING = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'ResourceNotFound',
  'ClusterNotFound',
  'ClusterNotFoundFault'
])

/** True when a failed call says the resource does not exist (a fact: `null`, not unavailable). */
export function isMissing(err: unknown): boolean {
  if (err instanceof AwsCallError) return err.cause.code !== undefined && MISSING.has(err.cause.code)
  const e = err as { name?: unknown; Code?: unknown } | null
  return (typeof e?.name === 'string' && MISSING.has(e.name)) || (typeof e?.Code === 'string' && MISSING.has(e.Code))
}

/** The CollectionCause carried by an error thrown out of `call`, or one made up for anything else. */
export function causeFrom(err: unknown, service: string, operation: string): CollectionCause {
  if (err instanceof AwsCallError) return err.cause
  return { service, operation, message: err instanceof Error ? err.message : String(err) }
}

/**
 * Reads every page of a paginated AWS list, one counted call per page.
 * `fetchPage` gets the marker/next token of the previous page (undefined first).
 */
export async function paginate<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
  maxPages = 1000
): Promise<T[]> {
  const out: T[] = []
  let token: string | undefined
  for (let page = 0; page < maxPages; page++) {
    const { items, next } = await fetchPage(token)
    out.push(...(items ?? []))
    if (!next || next === token) return out
    token = next
  }
  return out
}
