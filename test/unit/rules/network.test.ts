/** The network rules, each judged on one change to the compliant example (network.cases.ts). */
import { describe } from 'vitest'
import { itEachCase } from './support.js'
import { NETWORK_CASES } from './network.cases.js'

describe('each rule on one change to the compliant example', () => {
  itEachCase(NETWORK_CASES)
})
