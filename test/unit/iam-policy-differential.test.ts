/**
 * Differential test of the IAM evaluator (src/policy/iam-policy.ts) against a
 * reference model written separately from the documentation
 * (test/unit/iam-reference-oracle.ts). Thousands of policies come from a seeded
 * grammar that stresses wildcards in every ARN segment, NotAction/NotResource,
 * Deny, conditions, permissions boundaries, principal forms and policy versions,
 * including documents IAM refuses to store.
 *
 * The model evaluates each request under every reading of what the docs leave
 * open. The product must never allow what is not allowed under every reading
 * (no false pass), must allow what is (no false fail), must report exactly the
 * documents IAM refuses as not valid, and must deny explicitly whatever every
 * reading denies explicitly. The only remaining differences are the open
 * questions, where the product takes the reading that cannot pass wrongly;
 * each is listed in OPEN_QUESTIONS with the page that leaves it open.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluatePolicies, evaluateTrust, intersect, type Evaluation } from '../../src/policy/iam-policy.js'
import type { PolicyDocument } from '../../src/state/types.js'
import { evaluateUnder, verdict, type Outcome, type Reading, type Requester, type Verdict } from './iam-reference-oracle.js'

// Fixed so that a run is repeatable; set IAM_DIFFERENTIAL_SEED to explore other corners of the grammar.
const SEED = Number(process.env['IAM_DIFFERENTIAL_SEED'] ?? 20261129)
const ACCOUNT = '999988887777'
const OTHER = '111122223333'
const CARGO_ROLE = `arn:aws:iam::${ACCOUNT}:role/cargo-redshift-access`

/** Why the product answers "not allowed" where some reading of the docs would allow. */
const OPEN_QUESTIONS: Record<keyof Reading, string> = {
  trailingStarSpansColons:
    'reference_policies_elements_resource: a `*` ending a segment "can expand to match beyond the colon boundaries"; ' +
    'an Allow is not read that way (wildcards stay in their segment, reference-arns), a Deny is',
  fixedSegmentCaseIgnored:
    'reference-arns / reference_policies_elements_resource do not say whether partition, service, region and account compare ' +
    'ignoring case: an Allow must match exactly, a Deny matching ignoring case denies',
  resourceTypeWildcardMatches:
    'reference_policies_elements_resource: no wildcard in the resource type (`arn:aws:iam::account:u*` is not allowed); ' +
    'such a pattern never allows and never exempts under Deny/NotResource',
  principalWildcardMatches:
    'reference_policies_elements_principal: "You cannot use a wildcard to match part of a principal name"; only "*" and ' +
    '{"AWS": "*"} are everyone; a Deny written with one still denies, an Allow does not allow',
  principalArnCaseIgnored:
    'reference_policies_elements_principal does not say whether AWS principal ARNs compare ignoring case (service principals ' +
    'are case sensitive): an Allow must match exactly, a Deny matching ignoring case denies',
  allowNotPrincipalAnyLink:
    'reference_policies_elements_notprincipal describes NotPrincipal with Deny (account, role and session must all be listed); ' +
    'with Allow, one listed link is taken to exempt the requester'
}

// ---------------------------------------------------------------------------
// The grammar

const weighted = <T,>(...entries: [T, number][]): fc.Arbitrary<T> =>
  fc.oneof(...entries.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })))
const oneOrMore = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | T[]> =>
  fc.oneof({ arbitrary: arb, weight: 3 }, { arbitrary: fc.array(arb, { minLength: 1, maxLength: 3 }), weight: 1 })

// Most documents are ones IAM would store; a "sloppy" one (one in six) may also hold what IAM refuses.
const SLOPPY_WEIGHT = 1
const TIDY_WEIGHT = 5
const tidyOrSloppy = <T,>(make: (sloppy: boolean) => fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: make(false), weight: TIDY_WEIGHT }, { arbitrary: make(true), weight: SLOPPY_WEIGHT })
const pool = <T,>(sloppy: boolean, tidy: T[], refused: T[]): fc.Arbitrary<T> => fc.constantFrom(...tidy, ...(sloppy ? refused : []))

const partition = fc.constantFrom('aws', 'aws', 'aws', '*', 'a?s', 'AWS', 'aws-cn', 'aw*')
const service = (sloppy: boolean) => pool(sloppy, ['iam', 'iam', 'iam', 's3', 'IAM'], ['i?m', '*', 'ia*'])
const region = fc.constantFrom('', '', '', '*', 'us-east-1', '?')
const account = fc.constantFrom(ACCOUNT, ACCOUNT, ACCOUNT, '', '*', '9999*', '99998888777?', OTHER, '*role', '*8')
const resourcePart = fc.constantFrom(
  'role/cargo-redshift-access',
  'role/cargo-redshift-access',
  'role/*',
  'role/cargo-*',
  '*',
  '*/cargo-redshift-access',
  'r?le/cargo-redshift-access',
  'ROLE/cargo-redshift-access',
  'role/*/cargo-redshift-access',
  'role/team/*',
  'role/CARGO-redshift-access',
  'role/cargo-redshift-acces?',
  'role/${aws:username}',
  'role/cargo-redshift-access${*}',
  'role/cargo-${aws:PrincipalTag/team}-access',
  'role*',
  'cargo-bucket/*',
  'cargo-bucket/data/*',
  '*/data/*',
  'role/cargo-redshift-access:*'
)
const composedArn = (sloppy: boolean) =>
  fc.tuple(partition, service(sloppy), region, account, resourcePart).map((parts) => `arn:${parts.join(':')}`)
const oddResource = (sloppy: boolean) =>
  pool(
    sloppy,
    [
      '*',
      'arn:aws:iam::*',
      'arn:aws:iam:*',
      'arn:*',
      'arn:aws:iam::*role/cargo-*',
      'arn:aws:iam::*:*',
      `arn:aws:iam::${ACCOUNT}:*`,
      `arn:aws:iam::${ACCOUNT}*`,
      'arn:aws:iam:*:*:role/cargo-redshift-access',
      'arn:aws:s3:::*',
      CARGO_ROLE
    ],
    ['arn:aws:*', 'arn:aws:*redshift-access', 'cargo-redshift-access']
  )
const resource = (sloppy: boolean) => fc.oneof({ arbitrary: composedArn(sloppy), weight: 4 }, { arbitrary: oddResource(sloppy), weight: 2 })

const action = (sloppy: boolean) =>
  pool(
    sloppy,
    [
  'sts:AssumeRole',
  'sts:AssumeRole',
  'sts:*',
  '*',
  'sts:Assume*',
  'STS:assumerole',
  'sts:?ssumeRole',
  's3:GetObject',
  's3:*',
  's3:Get*',
  'sts:AssumeRol',
  'iam:*'
    ],
    ['*:AssumeRole', 'ſts:AssumeRole', 'sts:AssumeRoleſ', 'AssumeRole']
  )
const condition = weighted<Record<string, unknown> | undefined>(
  [undefined, 6],
  [{}, 1],
  [{ StringEquals: { 'aws:SourceAccount': ACCOUNT } }, 2]
)
const version = (sloppy: boolean) =>
  weighted<string | undefined>(['2012-10-17', 8], ['2008-10-17', 2], [undefined, 2], ...(sloppy ? [['2012-10-18', 1] as [string, number]] : []))

/** Which of an element and its negation a statement carries. */
type Form = 'positive' | 'negative' | 'both' | 'neither'
const form = (sloppy: boolean, negativeWeight: number): fc.Arbitrary<Form> =>
  weighted<Form>(['positive', 10], ['negative', negativeWeight], ...(sloppy ? ([['both', 1], ['neither', 1]] as [Form, number][]) : []))

function place(statement: Record<string, unknown>, names: [string, string], chosen: Form, value: unknown, other: unknown): void {
  if (chosen === 'positive' || chosen === 'both') statement[names[0]] = value
  if (chosen === 'negative') statement[names[1]] = value
  if (chosen === 'both') statement[names[1]] = other
}

const effect = (sloppy: boolean) => weighted<string>(['Allow', 6], ['Deny', 4], ...(sloppy ? [['allow', 1] as [string, number]] : []))

const identityStatement = (sloppy: boolean) =>
  fc
  .record({
    effect: effect(sloppy),
    actionForm: form(sloppy, 3),
    actions: oneOrMore(action(sloppy)),
    otherActions: oneOrMore(action(sloppy)),
    resourceForm: form(sloppy, 3),
    resources: oneOrMore(resource(sloppy)),
    otherResources: oneOrMore(resource(sloppy)),
    condition
  })
  .map((s) => {
    const statement: Record<string, unknown> = { Effect: s.effect }
    place(statement, ['Action', 'NotAction'], s.actionForm, s.actions, s.otherActions)
    place(statement, ['Resource', 'NotResource'], s.resourceForm, s.resources, s.otherResources)
    if (s.condition !== undefined) statement['Condition'] = s.condition
    return statement
  })

function documentOf(
  statements: (sloppy: boolean) => fc.Arbitrary<Record<string, unknown>>,
  maxStatements: number
): fc.Arbitrary<Record<string, unknown>> {
  return tidyOrSloppy((sloppy) =>
    fc
      .record({ version: version(sloppy), statements: fc.array(statements(sloppy), { minLength: 1, maxLength: maxStatements }) })
      .map(({ version: v, statements: list }) => (v === undefined ? { Statement: list } : { Version: v, Statement: list }))
  )
}

const identityDocument = documentOf(identityStatement, 4)

const identityRequest = fc.constantFrom(
  { action: 'sts:AssumeRole', resource: CARGO_ROLE },
  { action: 'sts:AssumeRole', resource: CARGO_ROLE },
  { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/team/cargo-redshift-access` },
  { action: 'sts:AssumeRole', resource: `arn:aws:iam::${OTHER}:role/cargo-redshift-access` },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::cargo-bucket/data/file.csv' }
)

const principal = (sloppy: boolean) =>
  pool<unknown>(
    sloppy,
    [
  '*',
  { AWS: '*' },
  { Service: '*' },
  { Service: 'redshift.amazonaws.com' },
  { Service: 'redshift.amazonaws.com' },
  { Service: 'Redshift.amazonaws.com' },
  { Service: '*.amazonaws.com' },
  { Service: 'redshift.*' },
  { Service: ['lambda.amazonaws.com', 'redshift.amazonaws.com'] },
  { Service: 'lambda.amazonaws.com' },
  { AWS: ACCOUNT },
  { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/ci` },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/deploy/ci` },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/CI` },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/*` },
  { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
  { AWS: `arn:aws:iam::${ACCOUNT}:user/Bob` },
  { AWS: [`arn:aws:iam::${ACCOUNT}:user/bob`, ACCOUNT] },
  { AWS: [`arn:aws:sts::${ACCOUNT}:assumed-role/ci/run`, `arn:aws:iam::${ACCOUNT}:role/ci`, ACCOUNT] },
  { AWS: OTHER },
  { Federated: 'accounts.google.com' },
  { Service: 'redshift.amazonaws.com', AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }
    ],
    [{ Services: 'redshift.amazonaws.com' }, 'everyone']
  )
const trustAction = (sloppy: boolean) =>
  pool(
    sloppy,
    [
  'sts:AssumeRole',
  'sts:AssumeRole',
  'sts:*',
  '*',
  'sts:AssumeRole*',
  'sts:TagSession',
  'STS:ASSUMEROLE',
  'sts:AssumeRoleWithWebIdentity'
    ],
    ['*:AssumeRole', 'ſts:AssumeRole']
  )
const trustStatement = (sloppy: boolean) =>
  fc
  .record({
    effect: effect(sloppy),
    principalForm: form(sloppy, 3),
    principal: principal(sloppy),
    otherPrincipal: principal(sloppy),
    actionForm: form(sloppy, 1),
    actions: oneOrMore(trustAction(sloppy)),
    otherActions: oneOrMore(trustAction(sloppy)),
    condition
  })
  .map((s) => {
    const statement: Record<string, unknown> = { Effect: s.effect }
    place(statement, ['Principal', 'NotPrincipal'], s.principalForm, s.principal, s.otherPrincipal)
    place(statement, ['Action', 'NotAction'], s.actionForm, s.actions, s.otherActions)
    if (s.condition !== undefined) statement['Condition'] = s.condition
    return statement
  })
const trustDocument = documentOf(trustStatement, 3)
const requester = fc.constantFrom<Requester>(
  { type: 'Service', id: 'redshift.amazonaws.com' },
  { type: 'Service', id: 'redshift.amazonaws.com' },
  { type: 'Service', id: 'lambda.amazonaws.com' },
  { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:root` },
  { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:role/ci` },
  { type: 'AWS', id: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run` },
  { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:user/bob` },
  { type: 'Federated', id: 'accounts.google.com' }
)

type Case =
  | { kind: 'identity'; documents: Record<string, unknown>[]; request: { action: string; resource: string } }
  | { kind: 'boundary'; documents: Record<string, unknown>[]; boundary: Record<string, unknown>; request: { action: string; resource: string } }
  | { kind: 'trust'; document: Record<string, unknown>; requester: Requester; action: string }

const identityCase: fc.Arbitrary<Case> = fc
  .record({ documents: fc.array(identityDocument, { minLength: 1, maxLength: 2 }), request: identityRequest })
  .map((c) => ({ kind: 'identity' as const, ...c }))
// A boundary often grants everything and caps with what else it holds, as boundaries do.
const boundaryDocument = fc.oneof(
  identityDocument,
  identityDocument.map((d) => ({ ...d, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, ...(d['Statement'] as unknown[])] }))
)
const boundaryCase: fc.Arbitrary<Case> = fc
  .record({ documents: fc.array(identityDocument, { minLength: 1, maxLength: 2 }), boundary: boundaryDocument, request: identityRequest })
  .map((c) => ({ kind: 'boundary' as const, ...c }))
const trustCase: fc.Arbitrary<Case> = fc
  .record({ document: trustDocument, requester, federated: fc.boolean() })
  .map(({ document, requester: who, federated }) => ({
    kind: 'trust' as const,
    document,
    requester: who,
    action: who.type === 'Federated' && federated ? 'sts:AssumeRoleWithWebIdentity' : 'sts:AssumeRole'
  }))

// ---------------------------------------------------------------------------
// Both sides

const labelled = (documents: Record<string, unknown>[]) =>
  documents.map((document, index) => ({ name: `P${index}`, document: document as unknown as PolicyDocument }))

function product(c: Case): Evaluation {
  switch (c.kind) {
    case 'identity':
      return evaluatePolicies(labelled(c.documents), c.request)
    case 'boundary':
      return intersect(evaluatePolicies(labelled(c.documents), c.request), evaluatePolicies(labelled([c.boundary]), c.request))
    case 'trust':
      return evaluateTrust({ name: 'T', document: c.document as unknown as PolicyDocument }, { principal: c.requester, action: c.action })
  }
}

function bothSides(identity: Outcome, boundary: Outcome): Outcome {
  if (identity === 'refused' || boundary === 'refused') return 'refused'
  if (identity === 'explicit-deny' || boundary === 'explicit-deny') return 'explicit-deny'
  if (identity === 'allow' && boundary === 'allow') return 'allow'
  if (identity === 'implicit-deny' || boundary === 'implicit-deny') return 'implicit-deny'
  return 'depends'
}

function reference(c: Case): Verdict {
  switch (c.kind) {
    case 'identity':
      return verdict((reading) => {
        const r = evaluateUnder(c.documents, 'identity', c.request, reading)
        return { outcome: r.outcome, sides: [r.allowers] }
      })
    case 'boundary':
      return verdict((reading) => {
        const identity = evaluateUnder(c.documents, 'identity', c.request, reading)
        const boundary = evaluateUnder([c.boundary], 'identity', c.request, reading)
        return { outcome: bothSides(identity.outcome, boundary.outcome), sides: [identity.allowers, boundary.allowers] }
      })
    case 'trust':
      return verdict((reading) => {
        const r = evaluateUnder([c.document], 'trust', { action: c.action, requester: c.requester }, reading)
        return { outcome: r.outcome, sides: [r.allowers] }
      })
  }
}

// ---------------------------------------------------------------------------

const CASES: Case[] = [
  ...fc.sample(identityCase, { seed: SEED, numRuns: 3000 }),
  ...fc.sample(boundaryCase, { seed: SEED + 1, numRuns: 1000 }),
  ...fc.sample(trustCase, { seed: SEED + 2, numRuns: 2000 })
]

interface Judged {
  c: Case
  ours: Evaluation
  theirs: Verdict
}

const judged: Judged[] = CASES.map((c) => ({ c, ours: product(c), theirs: reference(c) }))

const show = (j: Judged): string =>
  JSON.stringify({ case: j.c, product: { decision: j.ours.decision, explanation: j.ours.explanation }, reference: j.theirs })

describe('IAM evaluator against the documented rules (differential, seeded)', () => {
  it('judges thousands of generated cases', () => {
    expect(judged.length).toBeGreaterThanOrEqual(6000)
  })

  it('never allows what some reading of the docs does not allow (no false pass)', () => {
    const falsePasses = judged.filter((j) => j.ours.decision === 'allow' && !j.theirs.certainlyAllowed)
    expect(falsePasses.slice(0, 3).map(show)).toEqual([])
  })

  it('allows whatever one statement allows under every reading of the docs (no false fail)', () => {
    const falseFails = judged.filter((j) => j.theirs.certainlyAllowed && !j.theirs.allowedOnlyAcrossReadings && j.ours.decision !== 'allow')
    expect(falseFails.slice(0, 3).map(show)).toEqual([])
  })

  it('does not allow when the grant moves between statements with the answer to an open question', () => {
    // Explained difference: e.g. an Allow on `arn:aws:iam::*:*` next to an Allow with NotResource
    // `arn:AWS:iam::9999*:role*`: if a wildcard may stand for the resource type
    // (reference_policies_elements_resource) the first allows, if not the second does. The product
    // judges each statement under the reading least favourable to it (see OPEN_QUESTIONS), so
    // neither counts; it says "not allowed" where AWS, whichever the answer, allows: a false
    // fail by construction, never a false pass.
    const moving = judged.filter((j) => j.theirs.allowedOnlyAcrossReadings)
    for (const j of moving) expect(j.ours.decision, show(j)).not.toBe('allow')
    expect(moving.length).toBeLessThan(judged.length / 50)
  })

  it('reports exactly the documents IAM refuses to store as not valid, naming the problem', () => {
    const mismatched = judged.filter((j) => (j.ours.invalid !== undefined) !== j.theirs.refused)
    expect(mismatched.slice(0, 3).map(show)).toEqual([])
    for (const j of judged.filter((x) => x.theirs.refused)) {
      expect(j.ours.decision).not.toBe('allow')
      expect(j.ours.explanation).toContain('not a valid IAM policy')
    }
  })

  it('denies explicitly whatever every reading denies explicitly', () => {
    const missed = judged.filter((j) => j.theirs.certainlyDenied && j.ours.decision !== 'explicit-deny')
    expect(missed.slice(0, 3).map(show)).toEqual([])
  })

  it('differs only on the open questions of the docs, each answered with "not allowed"', () => {
    const unsettled = judged.filter((j) => !j.theirs.certainlyAllowed && j.theirs.unsettledBy.length > 0)
    for (const j of unsettled) {
      expect(j.ours.decision, show(j)).not.toBe('allow')
      for (const flag of j.theirs.unsettledBy) expect(OPEN_QUESTIONS[flag]).toBeDefined()
    }
    // Each open question is reached by the grammar: otherwise this test could not fail on it.
    const reached = new Set(unsettled.flatMap((j) => j.theirs.unsettledBy))
    expect([...reached].sort()).toEqual(Object.keys(OPEN_QUESTIONS).sort())
  })

  it('covers every outcome: allowed, explicitly denied, conditional, implicitly denied and refused', () => {
    const count = (predicate: (j: Judged) => boolean): number => judged.filter(predicate).length
    expect(count((j) => j.ours.decision === 'allow')).toBeGreaterThan(200)
    expect(count((j) => j.ours.decision === 'explicit-deny')).toBeGreaterThan(200)
    expect(count((j) => j.ours.decision === 'conditional')).toBeGreaterThan(100)
    expect(count((j) => j.ours.decision === 'implicit-deny' && !j.theirs.refused)).toBeGreaterThan(200)
    expect(count((j) => j.theirs.refused)).toBeGreaterThan(200)
    for (const kind of ['identity', 'boundary', 'trust'] as const) {
      expect(count((j) => j.c.kind === kind && j.ours.decision === 'allow')).toBeGreaterThan(20)
    }
  })
})
