import type { Partition } from './types.js'

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

