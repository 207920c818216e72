import { CollectionError } from '../types.js'
import type { CollectionCause } from '../../state/types.js'

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
  $metadata?: { httpStatusCode?: unknown }
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
export function causeOf(service: string, operation: string, err: unknown): CollectionCause {
  if (err instanceof CollectionError) return { ...err.cause }
  const e = (err !== null && typeof err === 'object' ? err : {}) as ErrorLike
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : 'Error'
  const code =
    typeof e.Code === 'string' && e.Code !== '' ? e.Code : typeof e.code === 'string' && e.code !== '' && name === 'Error' ? e.code : name
  const message =
    typeof e.message === 'string' && e.message !== '' ? e.message : typeof err === 'string' ? err : `${code} (no message)`
  if (TIMEOUT.has(name) || TIMEOUT.has(code)) {
    return { service, operation, code, message: TIMED_OUT_MESSAGE }
  }
  const cause: CollectionCause = { service, operation, code, message }
  if (isAccessDenied(err)) {
    cause.iamAction = actionNamedIn(message) ?? `${IAM_PREFIX[service] ?? service}:${operation}`
  }
  return cause
}
