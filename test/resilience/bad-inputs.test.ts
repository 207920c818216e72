/**
 * The bad-input corpus (bad-inputs.ts) through the CLI's main(argv, io): every case must exit 2,
 * name the place of the problem on stderr, and make no AWS call. Every AWS service is pointed
 * (AWS_ENDPOINT_URL and each AWS_ENDPOINT_URL_<SERVICE>) at a local server that counts requests.
 *
 * Cases marked `bug` are known defects of the tool, run with `it.fails` so the suite stays green
 * while they stand and turns red (asking for the mark to go) once they are fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BAD_INPUTS, BASE_FLAGS, argvOf, type BadInputCase } from './bad-inputs.js'
import { endpointEnv, runBadInput, runCli, startCountingServer, workspace, type CountingServer } from './harness.js'

let server: CountingServer

beforeAll(async () => {
  server = await startCountingServer()
})
afterAll(async () => {
  await server?.close()
})

describe('the corpus', () => {
  it('has at least 60 cases with unique ids, covering every category', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(60)
    expect(new Set(BAD_INPUTS.map((c) => c.id)).size).toBe(BAD_INPUTS.length)
    const categories = new Set(BAD_INPUTS.map((c) => c.category))
    for (const c of ['arn', 'cidr', 'region', 'identifier', 'config-file', 'rule-yaml', 'rule-json', 'rule-schema', 'unknown-rule-id', 'size', 'waiver', 'state']) {
      expect(categories, c).toContain(c)
    }
    // Unknown rule ids in every place they can be given.
    const unknownIds = BAD_INPUTS.filter((c) => c.category === 'unknown-rule-id')
    expect(unknownIds.some((c) => c.flags?.['disable-rules'])).toBe(true)
    expect(unknownIds.some((c) => c.flags?.['waivers'])).toBe(true)
    expect(unknownIds.some((c) => c.files?.['rules.yaml']?.includes('requires'))).toBe(true)
    // A rule file over 1 MiB.
    expect(BAD_INPUTS.some((c) => Object.values(c.files ?? {}).some((t) => c.flags?.['rules'] && Buffer.byteLength(t) > 1024 * 1024))).toBe(true)
  })

  it('the harness sees AWS calls: the valid base audit reads every service through the counting server', async () => {
    server.reset()
    const run = await runCli(argvOf({ id: 'control', category: 'value', place: '' }), { cwd: workspace(), env: endpointEnv(server.url) })
    expect(run.code).toBe(1)
    expect(server.count).toBeGreaterThan(0)
    const report = run.stdout
    expect(report).toContain('access denied')
    // IAM/STS/Redshift use query or JSON protocols; at least IAM (Action=...) and Serverless (x-amz-target) arrived.
    expect(server.requests.some((r) => r.includes('RedshiftServerless.GetWorkgroup'))).toBe(true)
    expect(server.requests.some((r) => r.startsWith('POST /'))).toBe(true)
    expect(BASE_FLAGS['workgroup']).toBe('cargo-wg')
  })
})

function check(c: BadInputCase) {
  return async () => {
    const out = await runBadInput(c, server)
    const context = `${c.id}: exit ${out.code}, ${out.calls} AWS call(s)\n${out.stderr.slice(0, 2000)}`
    expect(out.calls, context).toBe(0)
    expect(out.code, context).toBe(2)
    expect(out.stderr, context).toContain(c.place)
    expect(out.stderr, context).not.toContain('failed unexpectedly')
    if (c.secret) {
      expect(out.stderr.includes(c.secret), `${c.id}: the password was echoed`).toBe(false)
      expect(out.stdout.includes(c.secret), `${c.id}: the password was echoed`).toBe(false)
    }
  }
}

describe('every bad input is refused with exit 2, its place named, before any AWS call', () => {
  const sound = BAD_INPUTS.filter((c) => !c.bug)
  const known = BAD_INPUTS.filter((c) => c.bug)
  it.each(sound.map((c) => [c.id, c] as const))('%s', async (_id, c) => check(c)(), 40_000)
  // Known defects (see each case's `bug`): expected to fail until src/ is fixed.
  it.fails.each(known.map((c) => [c.id, c] as const))('BUG %s', async (_id, c) => check(c)(), 40_000)
})

describe('messages about bad values', () => {
  // Rejected values are echoed with control characters escaped (\u001b), so a value like
  // `--database $'\e[2J...'` cannot clear the terminal of whoever reads the error.
  const withControls = BAD_INPUTS.filter((c) => Object.values(c.flags ?? {}).some((v) => v !== null && /[\u0000-\u0008\u000b-\u001f\u007f]/.test(v)))
  it('the corpus has values with control characters', () => {
    expect(withControls.length).toBeGreaterThanOrEqual(2)
  })
  it.each(withControls.map((c) => [c.id, c] as const))('echoes no control characters: %s', async (_id, c) => {
    const out = await runBadInput(c, server)
    expect(out.code).toBe(2)
    expect(out.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
  })
})
