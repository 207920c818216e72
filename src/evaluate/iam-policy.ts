/**
 * Moved to src/policy/iam-policy.ts (the policy layer under collect, evaluate and remediate).
 * Kept only so that work in flight on other branches still compiles; remove once nothing
 * imports it (test/unit/layering.test.ts lists it).
 */
export * from '../policy/iam-policy.js'
