import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/json/problems.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { rulePointerProblems, statePointerProblem } from '../../src/config/state-pointers.js'
import { runCli } from '../support/cli.js'

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')

function rulesFile(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'crg-pointers-'))
  const file = path.join(dir, 'rules.yml')
  writeFileSync(file, yaml)
  return file
}

const COMPLETE = `    title: t
    severity: warning
    appliesTo: both
    description: d
    docs: https://example.com
    expected: e
    then: {}
    remediation: { manual: m }
`

describe('pointers a rule names, judged by the account-state schema', () => {
  it('accepts every pointer of the built-in rules', () => {
    const ruleSet = loadRuleSet([])
    for (const rule of ruleSet.rules) expect(rulePointerProblems(rule as unknown as Record<string, unknown>), rule.id).toEqual([])
  })

  it('accepts fields, array elements (index, *) and nullable objects the state can hold', () => {
    for (const pointer of ['', '/iam/role/arn', '/iam/role/policies/*/arn', '/iam/role/policies/0/arn', '/network/securityGroups/*/ingress/*/cidrs', '/redshift/endpoint/port', '/sql/sourceSchemas/*/tables']) {
      expect(statePointerProblem(pointer), pointer).toBeUndefined()
    }
  })

  it('refuses a field the state cannot hold, naming the fields it can and the nearest', () => {
    expect(statePointerProblem('/iam/rol')).toBe("'rol' is not a field of /iam (fields: crossAccountPolicy, role, lambdaUser); did you mean 'role'?")
    expect(statePointerProblem('/network/securityGroups/*/groupId')).toMatch(/^'groupId' is not a field of \/network\/securityGroups\/\* \(fields: id, name, vpcId, ingress/)
    expect(statePointerProblem('/iam/role/policies/arn')).toMatch(/^\/iam\/role\/policies is a list, so 'arn' is no element of it/)
    expect(statePointerProblem('/redshift/endpoint/port/x')).toMatch(/cannot be below it/)
    expect(statePointerProblem('iam/role')).toMatch(/not a JSON pointer/)
  })

  it('accepts anything below a part the schema leaves open', () => {
    const open = { type: 'object', properties: { doc: { type: 'object' }, any: true } }
    expect(statePointerProblem('/doc/Statement/0/Effect', open)).toBeUndefined()
    expect(statePointerProblem('/any/x/y', open)).toBeUndefined()
    expect(statePointerProblem('/other', open)).toBeUndefined()
    const closed = { type: 'object', additionalProperties: false, properties: { doc: { type: 'object' } } }
    expect(statePointerProblem('/other', closed)).toMatch(/'other' is not a field of \/ \(fields: doc\)/)
  })

  it('judges given, reads, ${state:} and ${item.} placeholders, and item. without each', () => {
    const problems = rulePointerProblems({
      id: 'r',
      given: '/network/securityGroups',
      each: true,
      reads: ['/network/securityGroups/*/ingress', '/network/securityGroups/*/ingres'],
      resource: 'sg:${item.id} ${item.groupId}',
      expected: 'port ${state:/redshift/endpoint/prot}',
      then: { properties: { name: { const: '${item.name}' } } }
    })
    expect(problems.map((p) => p.field)).toEqual(['reads/1', 'resource', 'expected'])
    expect(problems[0]!.message).toMatch(/did you mean 'ingress'/)
    expect(problems[1]!.message).toMatch(/\$\{item\.groupId\} names no field of the elements at \/network\/securityGroups/)
    expect(problems[2]!.message).toMatch(/did you mean 'port'/)
    expect(rulePointerProblems({ id: 'r', given: '/iam/role', resource: 'x ${item.name}' })).toEqual([
      { field: 'resource', message: "placeholder ${item.name} names a field of the element judged, but the rule has no 'each: true'" }
    ])
  })

  it("refuses a then that names fields the state cannot hold (it could never fail), at any depth", () => {
    const typo = rulePointerProblems({ id: 'r', given: '/redshift', then: { properties: { publiclyAccesible: { const: true } } } })
    expect(typo).toEqual([{ field: 'then', message: expect.stringMatching(/^then names \/redshift\/publiclyAccesible, .*did you mean 'publiclyAccessible'\?; a schema on a field that is never there never fails$/) }])
    const deep = rulePointerProblems({ id: 'r', given: '/sql/sourceSchemas', each: true, then: { allOf: [{ properties: { tables: { items: { required: ['selekt'] } } } }] } })
    expect(deep[0]?.message).toMatch(/\/sql\/sourceSchemas\/\*\/tables\/\*\/selekt.*did you mean 'select'/)
    const shape = rulePointerProblems({ id: 'r', given: '/iam/role/policies', then: { properties: { arn: { const: 'x' } } } })
    expect(shape[0]?.message).toMatch(/\/iam\/role\/policies is a list, so 'arn' is no element of it/)
    expect(rulePointerProblems({ id: 'r', given: '/iam/role/policies', then: { contains: { properties: { arn: { const: 'x' } }, required: ['arn'] } } })).toEqual([])
    expect(rulePointerProblems({ id: 'r', given: '/iam/role/trustPolicy', then: { properties: { Statement: { type: 'array' } } } })).toEqual([])
  })

  it('refuses reads outside given, which would hide an unreadable given', () => {
    expect(rulePointerProblems({ id: 'r', given: '/iam/role', reads: ['/iam/role/name', '/network/securityGroups'] })).toEqual([
      { field: 'reads/1', message: 'reads /network/securityGroups is not below given /iam/role: reads name the parts of given the verdict depends on' }
    ])
    expect(rulePointerProblems({ id: 'r', given: '/iam/role/policies', reads: ['/iam/role/policies/*/arn', '/iam/role/policies'] })).toEqual([])
  })

  it("refuses each: true where the state holds no list, and accepts it on lists", () => {
    expect(rulePointerProblems({ id: 'r', given: '/iam/role', each: true })).toEqual([
      { field: 'each', message: "'each: true' judges the elements of a list, but /iam/role holds null or object" }
    ])
    expect(rulePointerProblems({ id: 'r', given: '/redshift/endpoint/port', each: true })[0]?.message).toMatch(/holds integer$/)
    for (const given of ['/network/securityGroups', '/iam/role/policies', '/sql/sourceSchemas']) expect(rulePointerProblems({ id: 'r', given, each: true }), given).toEqual([])
    expect(rulePointerProblems({ id: 'r', given: '/x', each: true }, { type: 'object', properties: { x: { type: ['array', 'null'] } } })).toEqual([])
  })

  it('a rule file naming a pointer no state can hold stops the load, located at the field', () => {
    const file = rulesFile(`rules:\n  - id: custom-typo\n    given: /iam/rol\n    resource: role:x\n${COMPLETE}  - id: network-cargo-ip-inbound\n    resource: sg:\${item.groupId}\n`)
    let error: unknown
    try {
      loadRuleSet([file])
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems
    expect(problems).toHaveLength(2)
    const given = problems.find((p) => p.where.pointer === '/rules/0/given')
    expect(given).toMatchObject({ where: { line: 3 } })
    expect(given!.message).toMatch(/^rule 'custom-typo': given \/iam\/rol names nothing the account state can hold: .*did you mean 'role'\?$/)
    // network-cargo-ip-inbound has no `each`: an item. placeholder there can never be filled.
    const item = problems.find((p) => p.where.pointer === '/rules/1/resource')
    expect(item).toMatchObject({ where: { line: 14 } })
    expect(item!.message).toMatch(/^rule 'network-cargo-ip-inbound': placeholder \$\{item\.groupId\} .* no 'each: true'$/)
  })

  it('the CLI exits 2 before reading anything, naming the file and line', async () => {
    const file = rulesFile(`rules:\n  - id: custom-typo\n    given: /iam/rol\n    resource: role:x\n${COMPLETE}`)
    const run = await runCli(['audit', '--config', path.join(REPO, 'examples/serverless.yml'), '--state', path.join(REPO, 'examples/serverless-drifted.state.json'), '--rules', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`${file}:3:`)
    expect(run.stderr).toContain("did you mean 'role'?")
    expect(run.stdout).not.toMatch(/DRIFT|PASS/)
  })
})
