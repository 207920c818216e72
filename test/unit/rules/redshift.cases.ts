/** Cases of the Redshift rules, one change each to the compliant example. */
import { redshift, type Case } from './support.js'

export const REDSHIFT_CASES: Case[] = [
  // --- redshift-exists -----------------------------------------------------
  { name: 'compliant', rule: 'redshift-exists', status: 'pass' },
  {
    name: 'workgroup absent',
    rule: 'redshift-exists',
    mutate: (s) => (s.redshift = null),
    status: 'fail',
    says: ["Redshift workgroup 'cargo-wg' was not found"]
  },

  // --- redshift-role-associated -------------------------------------------
  { name: 'compliant', rule: 'redshift-role-associated', status: 'pass' },
  {
    name: 'role association still adding',
    rule: 'redshift-role-associated',
    mutate: (s) => (redshift(s).iamRoles[0]!.applyStatus = 'adding'),
    status: 'fail',
    // Pending, not absent: the fix is to wait, not to associate again.
    says: ['is associated but not yet in effect', "applyStatus 'adding'"]
  },
  {
    name: 'role association being removed',
    rule: 'redshift-role-associated',
    mutate: (s) => (redshift(s).iamRoles[0]!.applyStatus = 'removing'),
    status: 'fail',
    // Going away, not coming: waiting will not help.
    says: ["is being removed (applyStatus 'removing')", 'associate it again']
  },
  {
    name: 'only another role associated',
    rule: 'redshift-role-associated',
    mutate: (s) => (redshift(s).iamRoles = [{ arn: 'arn:aws:iam::123456789012:role/analytics-etl', applyStatus: 'in-sync' }]),
    status: 'fail',
    says: ['cargo-redshift is not associated', 'associated: arn:aws:iam::123456789012:role/analytics-etl']
  },
  {
    name: 'no role associated',
    rule: 'redshift-role-associated',
    mutate: (s) => (redshift(s).iamRoles = []),
    status: 'fail',
    says: ['no role is associated at all']
  },
  {
    name: 'the role among others',
    rule: 'redshift-role-associated',
    mutate: (s) => redshift(s).iamRoles.unshift({ arn: 'arn:aws:iam::123456789012:role/analytics-etl', applyStatus: 'in-sync' }),
    status: 'pass'
  },

  // --- redshift-publicly-accessible ---------------------------------------
  { name: 'compliant', rule: 'redshift-publicly-accessible', status: 'pass' },
  {
    name: 'not publicly accessible',
    rule: 'redshift-publicly-accessible',
    mutate: (s) => (redshift(s).publiclyAccessible = false),
    status: 'fail',
    says: ["workgroup 'cargo-wg' is not publicly accessible"]
  },
  {
    name: 'publiclyAccessible missing',
    rule: 'redshift-publicly-accessible',
    mutate: (s) => delete redshift(s).publiclyAccessible,
    status: 'fail',
    says: ["workgroup 'cargo-wg' is not publicly accessible"]
  },
]
