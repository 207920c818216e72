/**
 * Moved to src/policy/ingress.ts (the policy layer under collect, evaluate and remediate).
 * Kept only so that src/remediate/plan.ts, being restructured on another branch, still
 * compiles; remove once nothing imports it (test/unit/layering.test.ts lists it).
 */
export * from '../policy/ingress.js'
