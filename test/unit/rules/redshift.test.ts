/** The Redshift rules, each judged on one change to the compliant example (redshift.cases.ts). */
import { describe } from 'vitest'
import { itEachCase } from './support.js'
import { REDSHIFT_CASES } from './redshift.cases.js'

describe('each rule on one change to the compliant example', () => {
  itEachCase(REDSHIFT_CASES)
})
