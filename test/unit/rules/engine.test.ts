/** How the engine treats rules together: prerequisites, facts it could not read, disabled rules and waivers. */
import { describe, expect, it } from 'vitest'
import type { RuleSet } from '../../../src/config/rule-set.types.js'
import type { Waiver } from '../../../src/config/waivers.js'
import { DRIFTED, RULE_SET, NOW, run, only, sql, schemas } from './support.js'

describe('prerequisites', () => {
  const ROLE_DEPENDENTS = [
    'iam-role-trusts-redshift',
    'iam-role-trusts-lambda',
    'iam-role-cross-account-attached',
    'iam-role-lambda-policies',
    'redshift-role-associated'
  ]

  it('role missing: the rules on the role are skipped naming iam-role-exists, never passed', () => {
    const findings = run((s) => (s.iam.role = null))
    expect(only(findings, 'iam-role-exists').status).toBe('fail')
    for (const id of ROLE_DEPENDENTS) {
      const f = only(findings, id)
      expect(f.status, id).toBe('skipped')
      expect(f.message, id).toContain('iam-role-exists')
    }
    // Rules that do not read the role are still judged.
    expect(only(findings, 'iam-cross-account-policy').status).toBe('pass')
    expect(only(findings, 'redshift-publicly-accessible').status).toBe('pass')
  })

  it('redshift missing: the network, redshift and SQL rules are skipped', () => {
    const findings = run((s) => (s.redshift = null))
    expect(only(findings, 'redshift-exists').status).toBe('fail')
    const dependents = findings.filter((f) => /^(redshift-|network-|sql-)/.test(f.ruleId) && f.ruleId !== 'redshift-exists')
    expect(dependents.length).toBeGreaterThanOrEqual(10)
    for (const f of dependents) expect(f.status, f.ruleId).toBe('skipped')
    expect(only(findings, 'network-cargo-ip-inbound').message).toContain('redshift-exists')
    expect(only(findings, 'iam-role-trusts-redshift').status).toBe('pass')
  })

  it('two source schemas where one fails SELECT: default privileges skipped for that one only', () => {
    const findings = run(
      (s) => {
        const second = structuredClone(schemas(s)[0]!)
        second.database = 'sales'
        second.schema = 'crm'
        second.tables[0]!.select = false
        second.defaultSelect = false
        schemas(s).push(second)
        schemas(s)[0]!.defaultSelect = false
      },
      { inputs: { 'source-schemas': ['analytics.public', 'sales.crm'] } }
    )
    expect(only(findings, 'sql-source-select', 'sql:schema/analytics.public').status).toBe('pass')
    expect(only(findings, 'sql-source-select', 'sql:schema/sales.crm').status).toBe('fail')
    const judged = only(findings, 'sql-source-default-privileges', 'sql:schema/analytics.public')
    expect(judged.status).toBe('fail')
    expect(judged.message).toContain('analytics.public')
    const held = only(findings, 'sql-source-default-privileges', 'sql:schema/sales.crm')
    expect(held.status).toBe('skipped')
    expect(held.message).toContain('sql-source-select')
  })

  it('a disabled prerequisite never lets its dependents pass unjudged', () => {
    // Disabling a rule reports it skipped; dependents are held back naming it, not judged on a missing role.
    const findings = run((s) => (s.iam.role = null), { inputs: { 'disable-rules': 'iam-role-exists' } })
    expect(only(findings, 'iam-role-exists').status).toBe('skipped')
    for (const id of ROLE_DEPENDENTS) {
      expect(only(findings, id).status, id).toBe('skipped')
      expect(only(findings, id).message, id).toContain('iam-role-exists')
    }
  })
})

describe('unavailable facts', () => {
  const GET_ROLE = {
    pointer: '/iam/role',
    cause: { service: 'iam', operation: 'GetRole', iamAction: 'iam:GetRole', message: 'denied' }
  }
  const READS_ROLE = [
    'iam-role-exists',
    'iam-role-trusts-redshift',
    'iam-role-trusts-lambda',
    'iam-role-cross-account-attached',
    'iam-role-lambda-policies',
    // given /redshift/iamRoles, but its schema reads ${state:/iam/role/arn}
    'redshift-role-associated'
  ]

  it('every rule reading /iam/role (and only those) is error naming iam:GetRole', () => {
    const findings = run((s) => {
      delete s.iam.role
      s.unavailable.push(GET_ROLE)
    })
    for (const f of findings) {
      if (READS_ROLE.includes(f.ruleId)) {
        expect(f.status, f.ruleId).toBe('error')
        expect(f.message, f.ruleId).toContain('iam:GetRole')
        expect(f.cause?.iamAction).toBe('iam:GetRole')
      } else {
        expect(f.status, `${f.ruleId}: ${f.message}`).toBe('pass')
      }
    }
  })

  it('an unreadable role is error even when a stale copy of it is in the state', () => {
    const findings = run((s) => s.unavailable.push(GET_ROLE))
    for (const id of READS_ROLE) expect(only(findings, id).status, id).toBe('error')
  })

  it("unavailable '/sql': every SQL rule is error", () => {
    const findings = run((s) => {
      delete s.sql
      s.unavailable.push({
        pointer: '/sql',
        cause: { service: 'redshift-data', operation: 'ExecuteStatement', iamAction: 'redshift-data:ExecuteStatement', message: 'denied' }
      })
    })
    const sqlFindings = findings.filter((f) => f.ruleId.startsWith('sql-'))
    expect(sqlFindings.map((f) => f.ruleId).sort()).toEqual(
      RULE_SET.rules.filter((r) => r.id.startsWith('sql-')).map((r) => r.id).sort()
    )
    for (const f of sqlFindings) {
      expect(f.status, f.ruleId).toBe('error')
      expect(f.message).toContain('redshift-data:ExecuteStatement')
    }
    for (const f of findings.filter((x) => !x.ruleId.startsWith('sql-'))) expect(f.status, f.ruleId).toBe('pass')
  })

  it("unavailable below a rule's target ('/sql/sourceSchemas/0/defaultSelect') errors only the rules reading it", () => {
    const findings = run((s) =>
      s.unavailable.push({
        pointer: '/sql/sourceSchemas/0/defaultSelect',
        cause: { service: 'redshift-data', operation: 'ExecuteStatement', message: 'permission denied for relation pg_default_acl' }
      })
    )
    expect(only(findings, 'sql-source-default-privileges').status).toBe('error')
    expect(only(findings, 'sql-source-default-privileges').message).toContain('pg_default_acl')
    expect(only(findings, 'sql-user').status).toBe('pass')
    expect(only(findings, 'sql-exfunc-usage').status).toBe('pass')
  })

  it('missing cargo-role-arn: iam-cross-account-policy is error naming the input', () => {
    const findings = run(() => {}, { inputs: { 'cargo-role-arn': undefined } })
    const f = only(findings, 'iam-cross-account-policy')
    expect(f.status).toBe('error')
    expect(f.message).toContain("'cargo-role-arn'")
    expect(f.cause?.message).toContain('cargo-role-arn')
  })
})

describe('disable-rules and waivers', () => {
  it('a disabled rule is skipped, even when it would fail', () => {
    const findings = run((s) => (sql(s).exfuncUsage = false), { inputs: { 'disable-rules': 'sql-exfunc-usage' } })
    const f = only(findings, 'sql-exfunc-usage')
    expect(f.status).toBe('skipped')
    expect(f.message).toContain('disabled')
  })

  it('a rule turned off in the rule set is skipped', () => {
    const ruleSet: RuleSet = { ...RULE_SET, rules: RULE_SET.rules.map((r) => (r.id === 'sql-user' ? { ...r, enabled: false } : r)) }
    expect(only(run(() => {}, { ruleSet }), 'sql-user').status).toBe('skipped')
  })

  const driftedNarrow = (waivers: Waiver[], now = NOW) => only(run(() => {}, { base: DRIFTED, waivers, now }), 'network-cargo-ingress-narrow')

  it('an active waiver mutes the finding and gives its reason', () => {
    const f = driftedNarrow([{ rule: 'network-cargo-ingress-narrow', reason: 'VPN range under review', expires: '2026-12-31' }])
    expect(f.status).toBe('muted')
    expect(f.message).toContain('VPN range under review')
    expect(f.message).toContain('2026-12-31')
    expect(f.waiver).toEqual({ reason: 'VPN range under review', expires: '2026-12-31', expired: false })
  })

  it('a waiver holds through its expiry day (UTC)', () => {
    const f = driftedNarrow(
      [{ rule: 'network-cargo-ingress-narrow', reason: 'last day', expires: '2026-11-25' }],
      new Date('2026-11-25T23:30:00Z')
    )
    expect(f.status).toBe('muted')
  })

  it('an expired waiver keeps the failure and says it expired', () => {
    const f = driftedNarrow([{ rule: 'network-cargo-ingress-narrow', reason: 'VPN range under review', expires: '2026-11-24' }])
    expect(f.status).toBe('fail')
    expect(f.message).toContain('expired')
    expect(f.message).toContain('2026-11-24')
    expect(f.waiver?.expired).toBe(true)
  })

  it('a waiver on a different resource does not apply', () => {
    const f = driftedNarrow([
      { rule: 'network-cargo-ingress-narrow', resource: 'redshift:other-wg', reason: 'not this one', expires: '2026-12-31' }
    ])
    expect(f.status).toBe('fail')
    expect(f.waiver).toBeUndefined()
    expect(f.message).not.toContain('not this one')
  })

  it('a waiver naming the exact resource applies', () => {
    const f = driftedNarrow([
      { rule: 'network-cargo-ingress-narrow', resource: 'redshift:cargo-wg', reason: 'this one', expires: '2026-12-31' }
    ])
    expect(f.status).toBe('muted')
  })

  it('a waiver on another rule does not apply', () => {
    const f = driftedNarrow([{ rule: 'sql-exfunc-usage', reason: 'another rule', expires: '2026-12-31' }])
    expect(f.status).toBe('fail')
  })

  it('a waiver does not touch a passing finding', () => {
    const findings = run(() => {}, { waivers: [{ rule: 'sql-user', reason: 'whatever', expires: '2026-12-31' }] })
    expect(only(findings, 'sql-user').status).toBe('pass')
    expect(only(findings, 'sql-user').waiver).toBeUndefined()
  })
})
