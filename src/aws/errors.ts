/**
 * What a failed AWS call means, in the words a user should read: the service and operation, the
 * error code, and for an access denial the IAM action to allow. Shared by the collectors (a fact
 * becomes unavailable with this cause) and by remediation (a step fails with it).
 */
import type { CollectionCause } from '../state/types.js'

/**
 * An AWS call that failed, already mapped to what a user should read:
 * service, operation, and the IAM action when access was denied.
 */
export class AwsCallError extends Error {
  override readonly cause: CollectionCause
  constructor(cause: CollectionCause) {
    super(`${cause.service}:${cause.operation}: ${cause.message}`)
    this.name = 'AwsCallError'
    this.cause = cause
  }
}

/** The IAM action prefix of each service name used in `ctx.call`. */
const IAM_PREFIX: Record<string, string> = {
  iam: 'iam',
  ec2: 'ec2',
  sts: 'sts',
  redshift: 'redshift',
  'redshift-serverless': 'redshift-serverless',
  'redshift-data': 'redshift-data'
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'UnauthorizedAccess'
])

const TIMEOUT = new Set(['AbortError', 'TimeoutError', 'RequestAbortedError'])

export const TIMED_OUT_MESSAGE = 'timed out after the audit timeout'

interface ErrorLike {
  name?: unknown
  message?: unknown
  code?: unknown
  Code?: unknown
  errno?: unknown
  address?: unknown
  port?: unknown
  hostname?: unknown
  $metadata?: { httpStatusCode?: unknown }
  $response?: { statusCode?: unknown }
}

/** Plain names of the services, for sentences. */
const SERVICE_LABEL: Record<string, string> = {
  iam: 'IAM',
  ec2: 'EC2',
  sts: 'STS',
  redshift: 'Redshift',
  'redshift-serverless': 'Redshift Serverless',
  'redshift-data': 'Redshift Data API'
}

/** The SDK's service id for AWS_ENDPOINT_URL_<ID>. */
const ENDPOINT_ID: Record<string, string> = {
  iam: 'IAM',
  ec2: 'EC2',
  sts: 'STS',
  redshift: 'REDSHIFT',
  'redshift-serverless': 'REDSHIFT_SERVERLESS',
  'redshift-data': 'REDSHIFT_DATA'
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])

/** The endpoint a call went to when an endpoint variable overrides AWS's; else the AWS default. */
function endpointOf(service: string, env: NodeJS.ProcessEnv): string {
  const override = env[`AWS_ENDPOINT_URL_${ENDPOINT_ID[service] ?? service.toUpperCase()}`] || env['AWS_ENDPOINT_URL']
  return override ? `endpoint ${override}` : 'the AWS endpoint'
}

/**
 * SDK internals in plain words: what failed (service, operation), how (HTTP status, network
 * error) and where (the endpoint). Undefined when the SDK's own message already reads well.
 */
function plainCause(service: string, operation: string, e: ErrorLike, name: string, message: string, env: NodeJS.ProcessEnv): CollectionCause | undefined {
  const label = SERVICE_LABEL[service] ?? service
  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/i.test(message)) {
    return {
      service,
      operation,
      code: 'NoCredentials',
      message: 'no AWS credentials were found (environment variables, shared config and credentials files, web identity token, container or instance metadata were all tried)'
    }
  }
  if (/^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired)$/.test(name)) {
    return { service, operation, code: 'ExpiredCredentials', message: 'the AWS credentials have expired' }
  }
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : typeof e.$response?.statusCode === 'number' ? e.$response.statusCode : undefined
  if (/Deserialization error|to see the raw response|inspect the hidden field/i.test(message) || /^(SyntaxError|DeserializationError)$/.test(name)) {
    return {
      service,
      operation,
      code: 'MalformedResponse',
      message: `${endpointOf(service, env)} answered ${label} ${operation}${status !== undefined ? ` with HTTP ${status}` : ''} but the body is not a ${label} response (a proxy, a wrong endpoint or an outage page?)`
    }
  }
  const errno = typeof e.code === 'string' ? e.code : typeof e.errno === 'string' ? e.errno : undefined
  if ((errno && NETWORK_CODES.has(errno)) || NETWORK_CODES.has(name)) {
    const where =
      typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : typeof e.hostname === 'string' ? e.hostname : endpointOf(service, env)
    return { service, operation, code: 'Unreachable', message: `could not reach ${label} (${where}) for ${operation}: ${errno ?? name}` }
  }
  return undefined
}

/** The IAM action an AWS denial message names ("... is not authorized to perform: svc:Action on ..."). */
export function actionNamedIn(message: string): string | undefined {
  return /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1]
}

export function isAccessDenied(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false
  const e = err as ErrorLike
  const name = typeof e.name === 'string' ? e.name : ''
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : ''
  return ACCESS_DENIED.has(name) || ACCESS_DENIED.has(code) || e.$metadata?.httpStatusCode === 403
}

/**
 * Maps a failed AWS call to what a user should read: the service and operation, the error code,
 * and for an access denial the IAM action to allow. Timeouts and aborts read as the audit timeout.
 */
export function causeOf(service: string, operation: string, err: unknown, env: NodeJS.ProcessEnv = process.env): CollectionCause {
  if (err instanceof AwsCallError) return { ...err.cause }
  const e = (err !== null && typeof err === 'object' ? err : {}) as ErrorLike
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error'
  const code =
    typeof e.Code === 'string' && e.Code !== '' ? e.Code : typeof e.code === 'string' && e.code !== '' && name === 'Error' ? e.code : name
  const message =
    typeof e.message === 'string' && e.message !== '' ? e.message : typeof err === 'string' ? err : `${code} (no message)`
  if (TIMEOUT.has(name) || TIMEOUT.has(code)) {
    return { service, operation, code, message: TIMED_OUT_MESSAGE }
  }
  const plain = plainCause(service, operation, e, name, message, env)
  if (plain) return plain
  const cause: CollectionCause = { service, operation, code, message }
  if (isAccessDenied(err)) {
    cause.iamAction = actionNamedIn(message) ?? `${IAM_PREFIX[service] ?? service}:${operation}`
  }
  return cause
}
