import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { CollectionCause } from '../state/types.js'
import { AwsCallError, causeOf } from './errors.js'

/*
 * Credentials of one fleet target: assumed from the job's own credentials (the SDK's default
 * chain: OIDC web identity, environment, profile) with sts:AssumeRole. One provider is shared by
 * every client of the target, so the role is assumed once and refreshed once, however many
 * clients and calls there are. A small provider of our own rather than
 * @aws-sdk/credential-providers' fromTemporaryCredentials: that package bundles Cognito and
 * SSO clients this action never uses.
 */

/** Session length asked for: the default maximum of a role (AssumeRole's DurationSeconds, 1 h). */
const SESSION_SECONDS = 3600
/**
 * Refresh this long before expiry. The SDK asks its provider again when credentials have under
 * 5 minutes left (@smithy/core EXPIRATION_MS); refreshing earlier than that means a call never
 * signs with credentials about to lapse, and the SDK never asks twice for the same ones.
 */
const REFRESH_BEFORE_MS = 10 * 60_000

export interface AssumeRoleOptions {
  roleArn: string
  externalId?: string
  /** Region of the STS endpoint (the target's: regional endpoints keep the call in the target's partition). */
  region: string
  sessionName: string
  now?: () => number
  /** The STS client to call; default one built from the job's credentials for `region`. */
  sts?: STSClient
}

/** A credentials provider that also says why it could not assume the role. */
export interface AssumedRoleCredentials extends AwsCredentialIdentityProvider {
  /** Assumes the role now (if not already) so that a refusal is known before any other call. */
  prime(abortSignal?: AbortSignal): Promise<AwsCredentialIdentity>
  /** How many times AssumeRole was called. */
  readonly assumed: number
  destroy(): void
}

/** The failure of AssumeRole as a cause naming the action and the role, for every rule of the target. */
export function assumeRoleCause(roleArn: string, err: unknown): CollectionCause {
  const cause = err instanceof AwsCallError ? err.cause : causeOf('sts', 'AssumeRole', err)
  return {
    ...cause,
    // Whatever the code (AccessDenied, a missing trust, a wrong external ID, an expired job token),
    // the fix is on sts:AssumeRole for this role: in the job's policy or the role's trust policy.
    iamAction: 'sts:AssumeRole',
    message: `could not assume ${roleArn}: ${cause.message}`
  }
}

/**
 * RoleSessionName: names the tool and the run (GitHub's run id and attempt, else the time), so
 * CloudTrail in the member account shows who read it. 2-64 of [\w+=,.@-].
 */
export function sessionNameFor(target: string | undefined, env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): string {
  const run = env['GITHUB_RUN_ID'] ? `run-${env['GITHUB_RUN_ID']}-${env['GITHUB_RUN_ATTEMPT'] ?? '1'}` : `local-${now.getTime()}`
  const name = ['cargo-redshift-guard', run, target].filter(Boolean).join('@')
  return name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64)
}

export function assumeRoleCredentials(options: AssumeRoleOptions): AssumedRoleCredentials {
  const now = options.now ?? Date.now
  const sts =
    options.sts ??
    new STSClient({
      region: options.region,
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true }
    })
  let current: AwsCredentialIdentity | undefined
  let pending: Promise<AwsCredentialIdentity> | undefined
  let assumed = 0

  const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_BEFORE_MS)

  const assume = (abortSignal?: AbortSignal): Promise<AwsCredentialIdentity> => {
    if (fresh(current)) return Promise.resolve(current)
    // Concurrent callers share one AssumeRole.
    pending ??= (async () => {
      try {
        assumed++
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: options.roleArn,
            RoleSessionName: options.sessionName,
            DurationSeconds: SESSION_SECONDS,
            ...(options.externalId ? { ExternalId: options.externalId } : {})
          }),
          abortSignal ? { abortSignal } : {}
        )
        const c = out.Credentials
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
          throw Object.assign(new Error('AssumeRole answered without credentials'), { name: 'MalformedResponse' })
        }
        current = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {})
        }
        return current
      } finally {
        pending = undefined
      }
    })()
    return pending
  }

  const provider = (() => assume()) as AssumedRoleCredentials
  Object.defineProperty(provider, 'assumed', { get: () => assumed })
  provider.prime = (abortSignal) => assume(abortSignal)
  provider.destroy = () => {
    if (!options.sts) sts.destroy()
  }
  return provider
}

/** The credentials every AWS client of an audit uses when `assume-role-arn` is set; else undefined (the SDK's chain). */
export function targetCredentials(
  params: { assumeRoleArn?: string; externalId?: string },
  region: string,
  env: NodeJS.ProcessEnv = process.env
): AssumedRoleCredentials | undefined {
  if (!params.assumeRoleArn) return undefined
  return assumeRoleCredentials({
    roleArn: params.assumeRoleArn,
    ...(params.externalId ? { externalId: params.externalId } : {}),
    region,
    sessionName: sessionNameFor(undefined, env)
  })
}
