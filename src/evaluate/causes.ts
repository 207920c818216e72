/**
 * Why a rule could not be checked, for people: one sentence per cause, a key that groups the
 * findings sharing a cause (no credentials makes every rule unreadable: one message, not
 * twenty), and what to do so the rule can be checked. Never the drift fix: nothing is known
 * about drift until the rule can be read.
 */
import type { CollectionCause } from '../state/types.js'

export function describeCause(cause: CollectionCause): string {
  const denied = cause.iamAction ? ` (access denied: ${cause.iamAction})` : ''
  if (cause.service === 'config' || cause.service === 'state') return cause.message
  return `${cause.service} ${cause.operation} failed${denied}: ${cause.message}`
}

/** Causes that are one problem whatever the call: grouped across services and operations. */
const ACCOUNT_WIDE = new Set(['NoCredentials', 'ExpiredCredentials', 'Timeout'])

/** Findings with equal keys share one cause and are reported once. */
export function causeKey(cause: CollectionCause): string {
  if (cause.code && ACCOUNT_WIDE.has(cause.code)) return cause.code
  if (cause.iamAction) return `denied\u0000${cause.iamAction}`
  return [cause.service, cause.code ?? '', cause.message].join('\u0000')
}

/** A heading for a group of findings with one cause. */
export function causeHeadline(cause: CollectionCause): string {
  if (cause.code && ACCOUNT_WIDE.has(cause.code)) return cause.message
  if (cause.iamAction) return `access denied: ${cause.iamAction}`
  return describeCause(cause)
}

/** How to make the rule checkable: the permission to give, the input to set, the thing to reach. */
export function howToCheck(cause: CollectionCause): string {
  if (cause.service === 'config') {
    const input = /input '([^']+)'/.exec(cause.message)?.[1]
    return input ? `Set the input '${input}' (action input, CLI flag or config file key).` : `Fix the configuration: ${cause.message}.`
  }
  if (cause.service === 'state') return `Collect the state again so it holds what this rule reads: ${cause.message}.`
  switch (cause.code) {
    case 'NoCredentials':
      return 'Give the job AWS credentials (e.g. aws-actions/configure-aws-credentials with role-to-assume), or run where the default credential chain finds them.'
    case 'ExpiredCredentials':
      return 'Refresh the AWS credentials (they expired) and run again.'
    case 'Timeout':
      return 'Raise the timeout input, or check that the runner can reach the AWS endpoints quickly.'
    case 'CatalogNotVisible':
      return `Let the Data API identity see every user's grants: ${cause.message.replace(/^.*?; /, '')}.`
    default:
      break
  }
  if (cause.iamAction) {
    return `Allow ${cause.iamAction} for the identity running the audit (policies/permissions/audit.json lists every action the audit needs).`
  }
  if (cause.code === 'Unreachable' || cause.code === 'MalformedResponse') {
    return 'Check that the runner reaches the AWS endpoint named above (network, proxy, endpoint variables such as AWS_ENDPOINT_URL).'
  }
  return `Fix what stopped ${cause.service} ${cause.operation} and run again.`
}
