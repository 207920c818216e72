/** The IAM rules, each judged on one change to the compliant example (iam.cases.ts). */
import { describe } from 'vitest'
import { itEachCase } from './support.js'
import { IAM_CASES } from './iam.cases.js'

describe('each rule on one change to the compliant example', () => {
  itEachCase(IAM_CASES)
})
