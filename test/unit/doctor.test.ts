import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { renderProbe, runDoctor } from '../../src/doctor/index.js'
import { rawInputs } from '../support/inputs.js'

function config() {
  const raw = rawInputs({ mode: 'doctor', workgroup: 'cargo-wg', region: 'eu-west-1', 'cargo-role-arn': 'arn:aws:iam::999988887777:role/cargo' })
  return loadConfig(raw, process.cwd(), {})
}

describe('doctor', () => {
  it('prints one line per read: ok, or refused with the IAM action or the SQL GRANT', async () => {
    const out = await runDoctor(config(), {
      collect: async (_config, observe) => {
        observe({ kind: 'aws', service: 'iam', operation: 'GetRole', ok: true })
        observe({ kind: 'aws', service: 'iam', operation: 'GetPolicy', ok: true })
        observe({
          kind: 'aws',
          service: 'iam',
          operation: 'GetPolicy',
          ok: false,
          cause: { service: 'iam', operation: 'GetPolicy', iamAction: 'iam:GetPolicy', code: 'AccessDenied', message: 'denied' }
        })
        observe({ kind: 'sql', database: 'dev', purpose: 'read roles', ok: true })
        observe({ kind: 'sql', database: 'dev', purpose: "see every identity's grants", ok: false, message: 'hidden', grant: 'GRANT ACCESS SYSTEM TABLE TO ROLE r;' })
      }
    })
    expect(out.text.trim().split('\n')).toEqual([
      'ok      aws  iam:GetRole',
      "refused aws  iam:GetPolicy — allow IAM action iam:GetPolicy to the job's role",
      'ok      sql  [dev] read roles',
      "refused sql  [dev] see every identity's grants — hidden; to allow it: GRANT ACCESS SYSTEM TABLE TO ROLE r;",
      '2 of 4 reads refused: the rules that need them would be error'
    ])
    expect(out.exitCode).toBe(1)
  })

  it('exits 0 when every read went through', async () => {
    const out = await runDoctor(config(), { collect: async (_c, observe) => observe({ kind: 'aws', service: 'sts', operation: 'GetCallerIdentity', ok: true }) })
    expect(out.exitCode).toBe(0)
    expect(out.text).toContain('all 1 reads went through')
  })

  it('a failure that is not a denial says what it was', () => {
    expect(renderProbe({ kind: 'aws', service: 'ec2', operation: 'DescribeSecurityGroups', ok: false, cause: { service: 'ec2', operation: 'DescribeSecurityGroups', code: 'Timeout', message: 'timed out' } })).toBe(
      'refused aws  ec2:DescribeSecurityGroups — Timeout: timed out'
    )
  })
})
