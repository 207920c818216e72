import type { Partition } from './types.js'

// Facts read off ARNs and regions, shared by the live collectors, the IaC readers and the planner.

/** The partition a region belongs to; ARNs of AWS managed policies depend on it. */
export function partitionOfRegion(region: string | undefined): Partition | undefined {
  if (!region) return undefined
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

/** The partition an ARN names, when it is one of the three public ones. */
export function partitionOfArn(arn: string | undefined): Partition | undefined {
  const p = /^arn:(aws|aws-cn|aws-us-gov):/.exec(arn ?? '')?.[1]
  return p as Partition | undefined
}

/** The last path segment of an ARN's resource part: the name of a role, user or policy. */
export function nameOfArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':')
  return resource.slice(resource.lastIndexOf('/') + 1)
}

/** The account id field of an ARN (`aws` for AWS managed policies). */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4]
  return account === undefined || account === '' ? undefined : account
}

export function policyKind(arn: string): 'aws-managed' | 'customer-managed' {
  return accountOfArn(arn) === 'aws' ? 'aws-managed' : 'customer-managed'
}
