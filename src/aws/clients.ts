import { EC2Client } from '@aws-sdk/client-ec2'
import { IAMClient } from '@aws-sdk/client-iam'
import { RedshiftClient } from '@aws-sdk/client-redshift'
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data'
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless'
import { STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { Partition } from '../state/types.js'
import { partitionOfRegion } from '../state/arn.js'

/**
 * One SDK v3 client per service, all for one region.
 *
 * Endpoints are left to the SDK: it honours `AWS_ENDPOINT_URL` and the per-service
 * `AWS_ENDPOINT_URL_<SERVICE ID>` variables (`_IAM`, `_EC2`, `_STS`, `_REDSHIFT`,
 * `_REDSHIFT_SERVERLESS`, `_REDSHIFT_DATA`; the service id upper-cased, spaces to
 * underscores) and `endpoint_url` in the shared config file, which is how the
 * end-to-end tests point the clients at emulators.
 */
export interface AwsClients {
  region: string
  partition: Partition
  iam: IAMClient
  ec2: EC2Client
  sts: STSClient
  redshift: RedshiftClient
  serverless: RedshiftServerlessClient
  data: RedshiftDataClient
  /** Closes the clients' sockets. */
  destroy(): void
}

export interface AwsClientOptions {
  /** Attempts per call, first one included (standard retry: backoff with jitter). Default 5. */
  maxAttempts?: number
  /** Credentials for every client (a fleet target's assumed role); default the SDK's chain. */
  credentials?: AwsCredentialIdentityProvider
}


export function createAwsClients(region: string, options: AwsClientOptions = {}): AwsClients {
  const config = {
    region,
    // 'standard': exponential backoff with jitter per call. 'adaptive' adds a client-side rate
    // limiter that, after one throttle, spaces every later call out by ~0.5 s: an audit's few
    // dozen calls are better served by retrying just the throttled ones.
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? 5,
    // An endpoint that never answers (a dropped packet, a half-open proxy) must cost seconds,
    // not the whole audit timeout: each attempt gives up, and the retry or the verdict follows.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
    ...(options.credentials ? { credentials: options.credentials } : {})
  }
  const iam = new IAMClient(config)
  const ec2 = new EC2Client(config)
  const sts = new STSClient(config)
  const redshift = new RedshiftClient(config)
  const serverless = new RedshiftServerlessClient(config)
  const data = new RedshiftDataClient(config)
  return {
    region,
    partition: partitionOfRegion(region) ?? 'aws',
    iam,
    ec2,
    sts,
    redshift,
    serverless,
    data,
    destroy() {
      for (const c of [iam, ec2, sts, redshift, serverless, data]) c.destroy()
    }
  }
}
