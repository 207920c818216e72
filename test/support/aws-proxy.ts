/**
 * A small local HTTP proxy in front of AWS emulators (moto, the Node fakes), for the benchmark
 * (a fixed latency per call) and for fault injection (errors, throttling, dropped connections).
 *
 * One listener per service, on 127.0.0.1 only, each forwarding to that service's upstream. The
 * SDK is pointed at the proxy with `AWS_ENDPOINT_URL_<SERVICE>` (see `endpointEnv`). Requests are
 * forwarded byte for byte, headers included (`Host` too), so SigV4 signatures still verify when
 * moto enforces IAM.
 *
 * Every request is identified before it is forwarded:
 * - JSON protocols (Redshift Serverless, Redshift Data, ...): the `X-Amz-Target` header,
 *   `RedshiftData.ExecuteStatement` -> `ExecuteStatement`;
 * - query protocols (IAM, STS, Redshift) and EC2's: `Action=` in the form body (or the URL);
 * - Smithy RPC v2 CBOR: the `/service/<S>/operation/<Op>` path.
 * A hook sees each request (service, operation, protocol, SDK attempt number, body) and decides:
 * pass it through (optionally after a delay), answer it itself (status, body, headers), or reset
 * the connection. `awsError`, `accessDenied` and `throttled` build answers in the request's own
 * protocol, so the SDK parses them as it would AWS's.
 *
 * Bounded: listens on 127.0.0.1 only, forwards only to the configured upstreams, and refuses
 * request bodies over `maxBodyBytes`.
 */
import { randomUUID } from 'node:crypto'
import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

/** How a request is encoded, which decides how an error answer must look. */
export type AwsProtocol = 'json' | 'query' | 'ec2' | 'rpcv2-cbor' | 'unknown'

/** A request as a hook sees it (the body fully read). */
export interface ProxyRequest {
  /** The key of `upstreams` whose listener received it, e.g. `iam`, `redshift-data`. */
  service: string
  /** `GetRole`, `ExecuteStatement`, ...; `''` when it could not be identified. */
  operation: string
  protocol: AwsProtocol
  /** 1-based arrival order across every service of this proxy. */
  seq: number
  /** The SDK's attempt number (`amz-sdk-request: attempt=N; max=M`); undefined when absent. */
  attempt: number | undefined
  method: string
  /** Path and query string. */
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

/** What to do with one request. `delayMs` waits before doing it (default 0). */
export type ProxyDecision =
  /** Forward to the upstream and relay its answer. */
  | { action: 'pass'; delayMs?: number }
  /** Answer without reaching the upstream. */
  | { action: 'respond'; status: number; body?: string | Uint8Array; headers?: Record<string, string>; delayMs?: number }
  /** Drop the connection (TCP reset): the SDK sees ECONNRESET, a transient error it retries. */
  | { action: 'reset'; delayMs?: number }

/** Decides for each request; `undefined` means pass through at once. */
export type ProxyHook = (request: ProxyRequest) => ProxyDecision | undefined | Promise<ProxyDecision | undefined>

/** One request as it went through the proxy. Times are `performance.now()` milliseconds. */
export interface ProxiedCall {
  service: string
  operation: string
  seq: number
  attempt: number | undefined
  /** When the request (headers and body) had arrived. */
  start: number
  /** When the answer was sent in full (or the connection dropped); undefined while in flight. */
  end: number | undefined
  outcome: 'pending' | 'passed' | 'responded' | 'reset' | 'upstream-error' | 'client-gone'
  /** HTTP status answered, when there was one. */
  status: number | undefined
}

export interface AwsProxyOptions<S extends string> {
  /** Service key -> upstream base URL (`http://127.0.0.1:port`). Use IAM prefixes as keys (`iam`, `redshift-data`). */
  upstreams: Record<S, string>
  /** Largest request body accepted; default 10 MiB. */
  maxBodyBytes?: number
}

export interface AwsProxy<S extends string> {
  /** Service key -> the proxy's URL for it. */
  urls: Record<S, string>
  /** Replaces the hook (`undefined`: pass everything through at once). */
  setHook(hook: ProxyHook | undefined): void
  /** Every request so far, in arrival order (retries are separate entries). Clear with `calls.length = 0`. */
  calls: ProxiedCall[]
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The SDK's service id for an endpoint variable: `redshift-data` -> `AWS_ENDPOINT_URL_REDSHIFT_DATA`. */
export function endpointVariable(service: string): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/** `AWS_ENDPOINT_URL_<SERVICE>` for every service of the proxy, to lay over an emulator environment. */
export function endpointEnv(urls: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(urls).map(([service, url]) => [endpointVariable(service), url]))
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name]
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
}

/** Identifies the operation and protocol of a request. */
export function identify(
  service: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer
): { operation: string; protocol: AwsProtocol } {
  const target = header(headers, 'x-amz-target')
  if (target !== '') return { operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'json' }
  const cbor = /\/service\/[^/]+\/operation\/([^/?]+)/.exec(path)
  if (cbor?.[1] && header(headers, 'smithy-protocol') === 'rpc-v2-cbor') return { operation: cbor[1], protocol: 'rpcv2-cbor' }
  const query = path.includes('?') ? new URLSearchParams(path.slice(path.indexOf('?') + 1)) : undefined
  const form = header(headers, 'content-type').startsWith('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : undefined
  const action = form?.get('Action') ?? query?.get('Action') ?? undefined
  if (action) {
    const version = form?.get('Version') ?? query?.get('Version')
    return { operation: action, protocol: service === 'ec2' || version === '2016-11-15' ? 'ec2' : 'query' }
  }
  return { operation: '', protocol: 'unknown' }
}

function attemptOf(headers: IncomingHttpHeaders): number | undefined {
  const m = /attempt=(\d+)/.exec(header(headers, 'amz-sdk-request'))
  return m?.[1] ? Number(m[1]) : undefined
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * An AWS error answer in the request's protocol: `{"__type","message"}` with `x-amzn-ErrorType`
 * for JSON; `<ErrorResponse><Error><Code>` for query; `<Response><Errors><Error><Code>` for EC2.
 */
export function awsError(
  request: Pick<ProxyRequest, 'protocol' | 'headers'>,
  error: { code: string; message: string; status?: number; delayMs?: number }
): ProxyDecision {
  const status = error.status ?? 400
  const requestId = randomUUID()
  const delay = error.delayMs !== undefined ? { delayMs: error.delayMs } : {}
  if (request.protocol === 'json' || request.protocol === 'unknown' || request.protocol === 'rpcv2-cbor') {
    const contentType = header(request.headers, 'content-type') || 'application/x-amz-json-1.1'
    return {
      action: 'respond',
      status,
      body: JSON.stringify({ __type: error.code, message: error.message }),
      headers: { 'content-type': contentType, 'x-amzn-errortype': error.code, 'x-amzn-requestid': requestId },
      ...delay
    }
  }
  const code = xmlEscape(error.code)
  const message = xmlEscape(error.message)
  const body =
    request.protocol === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  return { action: 'respond', status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, ...delay }
}

/**
 * An access denial as AWS words it, naming the IAM action (default `<service>:<operation>`):
 * `AccessDenied` (403) for query protocols, `UnauthorizedOperation` (403) for EC2,
 * `AccessDeniedException` (400) for JSON protocols.
 */
export function accessDenied(
  request: Pick<ProxyRequest, 'protocol' | 'headers' | 'service' | 'operation'>,
  opts: { action?: string; principalArn?: string; delayMs?: number } = {}
): ProxyDecision {
  const action = opts.action ?? `${request.service}:${request.operation}`
  const principal = opts.principalArn ?? 'arn:aws:sts::123456789012:assumed-role/auditor/session'
  const message = `User: ${principal} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`
  const [code, status] =
    request.protocol === 'ec2' ? ['UnauthorizedOperation', 403] : request.protocol === 'query' ? ['AccessDenied', 403] : ['AccessDeniedException', 400]
  return awsError(request, { code, message, status, ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}) })
}

/** Throttling as each protocol says it: `Throttling` (query), `RequestLimitExceeded` (EC2, 503), `ThrottlingException` (JSON). */
export function throttled(request: Pick<ProxyRequest, 'protocol' | 'headers'>, opts: { delayMs?: number } = {}): ProxyDecision {
  const delay = opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}
  if (request.protocol === 'ec2') return awsError(request, { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503, ...delay })
  if (request.protocol === 'query') return awsError(request, { code: 'Throttling', message: 'Rate exceeded', status: 400, ...delay })
  return awsError(request, { code: 'ThrottlingException', message: 'Rate exceeded', status: 400, ...delay })
}

/** A hook that passes every request after `ms`. */
export function latency(ms: number): ProxyHook {
  return () => ({ action: 'pass', delayMs: ms })
}

/**
 * Runs hooks in order: their delays add up, and the first decision other than `pass` is taken
 * (the later hooks are not asked). `composeHooks(latency(100), faults)` = faults after 100 ms.
 */
export function composeHooks(...hooks: Array<ProxyHook | undefined>): ProxyHook {
  return async (request) => {
    let delayMs = 0
    for (const hook of hooks) {
      const decision = await hook?.(request)
      if (!decision) continue
      delayMs += decision.delayMs ?? 0
      if (decision.action !== 'pass') return { ...decision, delayMs }
    }
    return { action: 'pass', delayMs }
  }
}

/** Hop-by-hop headers are the proxy's own business on each side. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer'])

export async function startAwsProxy<S extends string>(options: AwsProxyOptions<S>, hook?: ProxyHook): Promise<AwsProxy<S>> {
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024
  let current: ProxyHook | undefined = hook
  let seq = 0
  const calls: ProxiedCall[] = []
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const servers: http.Server[] = []
  const urls = {} as Record<S, string>

  for (const service of Object.keys(options.upstreams) as S[]) {
    const upstream = new URL(options.upstreams[service])
    if (upstream.protocol !== 'http:') throw new Error(`upstream of ${service} must be an http:// URL, got ${upstream.href}`)
    const base = upstream.pathname.replace(/\/$/, '')

    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      let size = 0
      let tooLarge = false
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBody) tooLarge = true
        else chunks.push(chunk)
      })
      req.on('end', () => {
        void handle(req, res, Buffer.concat(chunks), tooLarge)
      })
    })

    const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tooLarge: boolean) => {
      const method = req.method ?? 'GET'
      const path = req.url ?? '/'
      const { operation, protocol } = identify(service, path, req.headers, body)
      const request: ProxyRequest = {
        service,
        operation,
        protocol,
        seq: ++seq,
        attempt: attemptOf(req.headers),
        method,
        path,
        headers: req.headers,
        body
      }
      const call: ProxiedCall = {
        service,
        operation,
        seq: request.seq,
        attempt: request.attempt,
        start: performance.now(),
        end: undefined,
        outcome: 'pending',
        status: undefined
      }
      calls.push(call)
      let outcome: ProxiedCall['outcome'] = 'responded'
      const finish = (how: ProxiedCall['outcome'], status?: number) => {
        if (call.end !== undefined) return
        call.end = performance.now()
        call.outcome = how
        call.status = status
      }
      res.on('finish', () => finish(outcome, res.statusCode))
      res.on('close', () => finish('client-gone'))
      const answer = (status: number, text: string | Uint8Array, headers: Record<string, string>) => {
        const payload = Buffer.from(text)
        res.writeHead(status, { ...headers, 'content-length': String(payload.length) })
        res.end(payload)
      }

      if (tooLarge) {
        answer(413, `request body over ${maxBody} bytes`, { 'content-type': 'text/plain' })
        return
      }
      let decision: ProxyDecision | undefined
      try {
        decision = await current?.(request)
      } catch (err) {
        answer(500, `proxy hook failed: ${err instanceof Error ? err.message : String(err)}`, { 'content-type': 'text/plain' })
        return
      }
      decision ??= { action: 'pass' }
      if (decision.delayMs && decision.delayMs > 0) await sleep(decision.delayMs)
      if (req.socket.destroyed || res.writableEnded) {
        finish('client-gone')
        return
      }
      if (decision.action === 'reset') {
        finish('reset')
        req.socket.resetAndDestroy()
        return
      }
      if (decision.action === 'respond') {
        answer(decision.status, decision.body ?? '', decision.headers ?? {})
        return
      }
      const headers: Record<string, string | string[]> = {}
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v
      headers['content-length'] = String(body.length)
      delete headers['transfer-encoding']
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port || 80, method, path: base + path, headers, agent },
        (up) => {
          const back: Record<string, string | string[]> = {}
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) back[k] = v
          outcome = 'passed'
          res.writeHead(up.statusCode ?? 502, back)
          up.pipe(res)
          up.on('error', () => {
            finish('upstream-error', up.statusCode)
            res.destroy()
          })
        }
      )
      forward.on('error', (err) => {
        if (res.headersSent) {
          finish('upstream-error')
          res.destroy()
          return
        }
        outcome = 'upstream-error'
        answer(502, `proxy could not reach ${service} upstream: ${err.message}`, { 'content-type': 'text/plain' })
      })
      forward.end(body)
    }

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    servers.push(server)
    urls[service] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  return {
    urls,
    calls,
    setHook(next) {
      current = next
    },
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections()
              s.close(() => resolve())
            })
        )
      )
      agent.destroy()
    }
  }
}
