import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  documentProblems,
  evaluatePolicies,
  evaluateTrust,
  intersect,
  parsePolicyDocument,
  type Decision,
  type Evaluation,
  type IamRequest,
  type LabelledPolicy,
  type Principal
} from '../../src/policy/iam-policy.js'
import { createAjv } from '../../src/config/keywords.js'
import type { PolicyDocument, PolicyStatement } from '../../src/state/types.js'

const ACCOUNT = '123456789012'
const OTHER_ACCOUNT = '210987654321'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/cargo-redshift`
const ASSUME: IamRequest = { action: 'sts:AssumeRole', resource: ROLE }
const REDSHIFT: Principal = { type: 'Service', id: 'redshift.amazonaws.com' }
const SOURCE_ACCOUNT = { StringEquals: { 'aws:SourceAccount': ACCOUNT } }

function doc(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements }
}

function policy(name: string, ...statements: PolicyStatement[]): LabelledPolicy {
  return { name, document: doc(...statements) }
}

/** Documents deliberately malformed, the way they may arrive from IaC or a hand-written snapshot. */
function loose(name: string, statements: unknown): LabelledPolicy {
  return { name, document: { Statement: statements } as unknown as PolicyDocument }
}

const allowAssume: PolicyStatement = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE }
const allowAll: PolicyStatement = { Effect: 'Allow', Action: '*', Resource: '*' }
type PrincipalElement = NonNullable<PolicyStatement['Principal']>
const trustAllow = (principal: PrincipalElement, extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRole',
  ...extra
})

type Row =
  | { name: string; kind: 'identity'; policies: LabelledPolicy[]; request: IamRequest; expected: Decision }
  | { name: string; kind: 'trust'; policies: LabelledPolicy; request: { principal: Principal; action?: string }; expected: Decision }
  | {
      name: string
      kind: 'boundary'
      policies: { identity: LabelledPolicy[]; boundary: LabelledPolicy }
      request: IamRequest
      expected: Decision
    }

const identity = (name: string, policies: LabelledPolicy[], expected: Decision, request: IamRequest = ASSUME): Row => ({
  name,
  kind: 'identity',
  policies,
  request,
  expected
})
const trust = (name: string, policies: LabelledPolicy, expected: Decision, principal: Principal = REDSHIFT, action?: string): Row => ({
  name,
  kind: 'trust',
  policies,
  request: action === undefined ? { principal } : { principal, action },
  expected
})
const boundary = (name: string, identityPolicies: LabelledPolicy[], boundaryPolicy: LabelledPolicy, expected: Decision): Row => ({
  name,
  kind: 'boundary',
  policies: { identity: identityPolicies, boundary: boundaryPolicy },
  request: ASSUME,
  expected
})
const resourceAllow = (resource: string): LabelledPolicy[] => [policy('P', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resource })]
const actionAllow = (action: string | string[]): LabelledPolicy[] => [policy('P', { Effect: 'Allow', Action: action, Resource: ROLE })]

const semantics: Row[] = [
  // Actions
  identity('exact action and resource', actionAllow('sts:AssumeRole'), 'allow'),
  identity('action service wildcard sts:*', actionAllow('sts:*'), 'allow'),
  identity('action wildcard *', actionAllow('*'), 'allow'),
  identity('action prefix wildcard sts:Assume*', actionAllow('sts:Assume*'), 'allow'),
  identity('action single-character wildcard sts:?ssumeRole', actionAllow('sts:?ssumeRole'), 'allow'),
  identity('action pattern in another case STS:assumerole', actionAllow('STS:assumerole'), 'allow'),
  identity('requested action in another case', actionAllow('sts:AssumeRole'), 'allow', { action: 'STS:ASSUMEROLE', resource: ROLE }),
  identity('action wildcard of another verb sts:Get*', actionAllow('sts:Get*'), 'implicit-deny'),
  identity('action of another service s3:*', actionAllow('s3:*'), 'implicit-deny'),
  identity('? needs exactly one more character', actionAllow('sts:AssumeRole?'), 'implicit-deny'),
  identity('action is not a prefix match', actionAllow('sts:Assume'), 'implicit-deny'),
  identity('action array containing the action', actionAllow(['s3:GetObject', 'sts:AssumeRole']), 'allow'),
  identity('action array without the action', actionAllow(['s3:GetObject', 'sts:TagSession']), 'implicit-deny'),
  // Resources
  identity('resource *', resourceAllow('*'), 'allow'),
  identity('resource role/* in the account', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/*`), 'allow'),
  identity('resource any account cargo-*', resourceAllow('arn:aws:iam::*:role/cargo-*'), 'allow'),
  identity('resource wildcard for other roles', resourceAllow('arn:aws:iam::*:role/other-*'), 'implicit-deny'),
  identity('resource prefix without wildcard', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/cargo`), 'implicit-deny'),
  identity('resource in another account', resourceAllow(`arn:aws:iam::${OTHER_ACCOUNT}:role/cargo-redshift`), 'implicit-deny'),
  identity('resource differs only in case', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/CARGO-redshift`), 'implicit-deny'),
  // reference_policies_elements_resource: wildcards match "within the individual segments of an ARN
  // (the parts separated by colons)"; a `*` in one fixed segment never reaches into the next.
  identity('resource * does not reach across the colons of the fixed segments', resourceAllow('arn:aws:iam::*role/cargo-*'), 'implicit-deny'),
  identity('resource * reaches across / within the resource part', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/*-redshift`), 'allow'),
  identity('resource with a path matches role/*', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/*`), 'allow', { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/ops/cargo` }),
  // Same page: no wildcard in the service segment (IAM refuses the document) nor in the resource type.
  identity('resource with a wildcard service segment is not valid', resourceAllow('arn:aws:*redshift'), 'implicit-deny'),
  identity('resource wildcard in the resource type */', resourceAllow(`arn:aws:iam::${ACCOUNT}:*/cargo-redshift`), 'implicit-deny'),
  identity('resource wildcard in the resource type r?le/', resourceAllow(`arn:aws:iam::${ACCOUNT}:r?le/cargo-redshift`), 'implicit-deny'),
  identity(
    'Deny with NotResource whose resource type is a wildcard exempts nothing',
    [policy('P', allowAssume, { Effect: 'Deny', Action: '*', NotResource: `arn:aws:iam::${ACCOUNT}:*/cargo-redshift` })],
    'explicit-deny'
  ),
  identity(
    'Deny with NotResource exempting the role exactly',
    [policy('P', allowAssume, { Effect: 'Deny', Action: '*', NotResource: ROLE })],
    'allow'
  ),
  // The docs do not say whether case matters in the fixed segments: an Allow must match exactly,
  // a Deny that would match ignoring case denies (the reading that can never pass wrongly).
  identity('Allow with the service segment in another case', resourceAllow(`arn:aws:IAM::${ACCOUNT}:role/cargo-redshift`), 'implicit-deny'),
  identity(
    'Deny with the service segment in another case',
    [policy('P', allowAssume, { Effect: 'Deny', Action: '*', Resource: `arn:AWS:IAM::${ACCOUNT}:role/cargo-redshift` })],
    'explicit-deny'
  ),
  identity(
    'Deny whose account segment ends in * (which may run past the colon)',
    [policy('P', allowAssume, { Effect: 'Deny', Action: '*', Resource: 'arn:aws:iam::*' })],
    'explicit-deny'
  ),
  identity('Allow whose account segment ends in * and has no resource part', resourceAllow('arn:aws:iam::*'), 'implicit-deny'),
  identity('resource ? wildcard', resourceAllow('arn:aws:iam::12345678901?:role/cargo-redshif?'), 'allow'),
  identity('resource array containing a match', [policy('P', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ['arn:aws:s3:::b', ROLE] })], 'allow'),
  // NotAction / NotResource
  identity('NotAction not listing the action', [policy('P', { Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], Resource: '*' })], 'allow'),
  identity('NotAction listing the action by wildcard', [policy('P', { Effect: 'Allow', NotAction: 'sts:*', Resource: '*' })], 'implicit-deny'),
  identity('NotResource not listing the resource', [policy('P', { Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: 'arn:aws:s3:::*' })], 'allow'),
  identity('NotResource listing the resource', [policy('P', { Effect: 'Allow', Action: 'sts:AssumeRole', NotResource: [ROLE] })], 'implicit-deny'),
  // Deny wins
  identity('Deny next to Allow in one policy', [policy('P', allowAll, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ROLE })], 'explicit-deny'),
  identity('Deny in another policy', [policy('A', allowAssume), policy('D', { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: ROLE })], 'explicit-deny'),
  identity('Deny with wildcards', [policy('A', allowAssume), policy('D', { Effect: 'Deny', Action: 'sts:*', Resource: '*' })], 'explicit-deny'),
  identity('Deny with NotAction not listing the action', [policy('P', allowAssume, { Effect: 'Deny', NotAction: 's3:*', Resource: '*' })], 'explicit-deny'),
  identity('Deny with NotAction listing the action does not apply', [policy('P', allowAssume, { Effect: 'Deny', NotAction: 'sts:AssumeRole', Resource: '*' })], 'allow'),
  identity('Deny on another resource does not apply', [policy('P', allowAll, { Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::*' })], 'allow'),
  identity('Deny alone is explicit', [policy('D', { Effect: 'Deny', Action: '*', Resource: '*' })], 'explicit-deny'),
  // Conditions
  identity('conditional Allow', [policy('P', { ...allowAssume, Condition: SOURCE_ACCOUNT })], 'conditional'),
  identity('conditional Deny next to unconditional Allow', [policy('P', allowAssume, { Effect: 'Deny', Action: '*', Resource: '*', Condition: SOURCE_ACCOUNT })], 'conditional'),
  identity('conditional Deny alone', [policy('P', { Effect: 'Deny', Action: '*', Resource: '*', Condition: SOURCE_ACCOUNT })], 'implicit-deny'),
  identity(
    'unconditional Deny beats a conditional Deny and an Allow',
    [policy('P', allowAssume, { Effect: 'Deny', Action: '*', Resource: '*', Condition: SOURCE_ACCOUNT }, { Effect: 'Deny', Action: 'sts:*', Resource: '*' })],
    'explicit-deny'
  ),
  identity('unconditional Allow next to a conditional Allow', [policy('P', allowAssume, { ...allowAll, Condition: SOURCE_ACCOUNT })], 'allow'),
  identity(
    'the only matching Allow has a condition, another statement is unconditional',
    [policy('P', { Effect: 'Allow', Action: 's3:*', Resource: '*' }, { ...allowAssume, Condition: SOURCE_ACCOUNT })],
    'conditional'
  ),
  identity('empty Condition block imposes nothing', [policy('P', { ...allowAssume, Condition: {} })], 'allow'),
  // Document shapes
  identity('second of several statements matches', [policy('P', { Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Allow', Action: 'iam:*', Resource: '*' }, allowAssume)], 'allow'),
  identity('single-object Statement', [{ name: 'P', document: { Version: '2012-10-17', Statement: allowAssume } }], 'allow'),
  identity('lower-case Effect is unknown', [loose('P', [{ Effect: 'allow', Action: '*', Resource: '*' }])], 'implicit-deny'),
  identity('unknown Effect', [loose('P', [{ Effect: 'Permit', Action: '*', Resource: '*' }])], 'implicit-deny'),
  // IAM refuses to store a document with an unknown Effect, so it cannot stand next to an Allow.
  identity('unknown-Effect Deny-like statement makes the documents not valid', [policy('P', allowAll), loose('X', [{ Effect: 'DENY', Action: '*', Resource: '*' }])], 'implicit-deny'),
  // Documents IAM refuses to store (reference_policies_grammar) allow nothing.
  identity('both Action and NotAction', [loose('P', [{ Effect: 'Allow', Action: 'sts:AssumeRole', NotAction: 's3:*', Resource: '*' }])], 'implicit-deny'),
  identity('both Resource and NotResource', [loose('P', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', NotResource: 'arn:aws:s3:::*' }])], 'implicit-deny'),
  identity('service wildcard *:AssumeRole', actionAllow('*:AssumeRole'), 'implicit-deny'),
  identity('Unicode look-alike ſts:AssumeRole (long s)', actionAllow('ſts:AssumeRole'), 'implicit-deny'),
  identity('action without a service prefix', actionAllow('AssumeRole'), 'implicit-deny'),
  identity('unknown Version', [{ name: 'P', document: { Version: '2012-10-18', Statement: [allowAssume] } as unknown as PolicyDocument }], 'implicit-deny'),
  identity('Version 2008-10-17', [{ name: 'P', document: { Version: '2008-10-17', Statement: [allowAssume] } }], 'allow'),
  identity('missing Resource in an identity policy', [loose('P', [{ Effect: 'Allow', Action: '*' }])], 'implicit-deny'),
  identity('missing Action and NotAction', [loose('P', [{ Effect: 'Allow', Resource: '*' }])], 'implicit-deny'),
  identity('empty Statement array', [policy('P')], 'implicit-deny'),
  identity('empty document', [{ name: 'P', document: '{}' }], 'implicit-deny'),
  identity('no policies at all', [], 'implicit-deny'),
  identity('URL-encoded raw document', [{ name: 'P', document: encodeURIComponent(JSON.stringify(doc(allowAssume))) }], 'allow'),
  identity('URL-encoded raw Deny document', [policy('A', allowAll), { name: 'D', document: encodeURIComponent(JSON.stringify(doc({ Effect: 'Deny', Action: '*', Resource: '*' }))) }], 'explicit-deny'),
  identity('raw JSON with leading whitespace', [{ name: 'P', document: `\n  ${JSON.stringify(doc(allowAssume))}` }], 'allow'),
  // Policy variables
  identity('policy variable that may resolve to the resource', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/\${aws:username}`), 'conditional'),
  identity('policy variable that cannot make the resource match', resourceAllow('arn:aws:s3:::home/${aws:username}/*'), 'implicit-deny'),
  identity('${*} is a literal asterisk, not a wildcard', resourceAllow(`arn:aws:iam::${ACCOUNT}:role/cargo-\${*}`), 'implicit-deny'),
  // reference_policies_elements_version: without Version 2012-10-17, ${aws:username} is literal text.
  identity(
    'policy variable under Version 2008-10-17 is literal text',
    [{ name: 'P', document: { Version: '2008-10-17', Statement: [{ ...allowAssume, Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:username}` }] } }],
    'implicit-deny'
  ),
  identity(
    'policy variable without a Version is literal text',
    [loose('P', [{ ...allowAssume, Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:username}` }])],
    'implicit-deny'
  ),
  identity(
    'without a Version ${*} is no escape: the text ${ must be there',
    [loose('P', [{ ...allowAssume, Resource: `arn:aws:iam::${ACCOUNT}:role/cargo-redshift\${*}` }])],
    'implicit-deny'
  ),
  identity(
    'without a Version a Deny with ${aws:username} denies only that literal name',
    [loose('P', [allowAssume, { Effect: 'Deny', Action: '*', Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:username}` }])],
    'allow'
  ),
  identity(
    'Deny with a policy variable next to an Allow',
    [policy('P', allowAll, { Effect: 'Deny', Action: '*', Resource: `arn:aws:iam::${ACCOUNT}:role/\${aws:PrincipalTag/team}-redshift` })],
    'conditional'
  ),
  // Trust policies
  trust('Service principal string', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' })), 'allow'),
  trust('Service principal array', policy('T', trustAllow({ Service: ['lambda.amazonaws.com', 'redshift.amazonaws.com'] })), 'allow'),
  // reference_policies_elements_principal: the service principal is case sensitive.
  trust('Service principal in another case', policy('T', trustAllow({ Service: 'Redshift.AmazonAWS.com' })), 'implicit-deny'),
  trust('Deny on the service principal in another case names another service', policy('T', trustAllow('*'), { Effect: 'Deny', Principal: { Service: 'Redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'allow'),
  // Same page: only "*" and {"AWS": "*"} mean everyone; no wildcard may match part of a principal name.
  trust('{"Service": "*"} is not everyone', policy('T', trustAllow({ Service: '*' })), 'implicit-deny'),
  trust('partial wildcard in a service principal', policy('T', trustAllow({ Service: '*.amazonaws.com' })), 'implicit-deny'),
  trust('partial wildcard in an AWS principal', policy('T', trustAllow({ AWS: `arn:aws:iam::${ACCOUNT}:role/*` })), 'implicit-deny', { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:role/ci` }),
  trust('Deny {"Service": "*"} still denies', policy('T', trustAllow('*'), { Effect: 'Deny', Principal: { Service: '*' }, Action: 'sts:AssumeRole' }), 'explicit-deny'),
  trust('Deny NotPrincipal exempting the service in another case does not exempt', policy('T', trustAllow('*'), { Effect: 'Deny', NotPrincipal: { Service: 'Redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'explicit-deny'),
  trust(
    'Deny on the role in another case reaches its sessions',
    policy('T', trustAllow({ AWS: ACCOUNT }), { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/CI` }, Action: 'sts:AssumeRole' }),
    'explicit-deny',
    { type: 'AWS', id: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-42` }
  ),
  trust(
    'Allow on the role in another case does not admit its sessions',
    policy('T', trustAllow({ AWS: `arn:aws:iam::${ACCOUNT}:role/CI` })),
    'implicit-deny',
    { type: 'AWS', id: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-42` }
  ),
  trust('unknown principal type is not valid', policy('T', trustAllow({ Services: 'redshift.amazonaws.com' } as unknown as PrincipalElement)), 'implicit-deny'),
  trust('trust action *:AssumeRole is not valid', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: '*:AssumeRole' })), 'implicit-deny'),
  trust('wrong service', policy('T', trustAllow({ Service: 'lambda.amazonaws.com' })), 'implicit-deny'),
  trust('Principal "*"', policy('T', trustAllow('*')), 'allow'),
  trust('{"AWS": "*"} admits a service too', policy('T', trustAllow({ AWS: '*' })), 'allow'),
  trust('account id in policy, root ARN requests', policy('T', trustAllow({ AWS: ACCOUNT })), 'allow', { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:root` }),
  trust('root ARN in policy, account id requests', policy('T', trustAllow({ AWS: `arn:aws:iam::${ACCOUNT}:root` })), 'allow', { type: 'AWS', id: ACCOUNT }),
  trust('account in policy admits a role of the account', policy('T', trustAllow({ AWS: ACCOUNT })), 'allow', { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:role/ci` }),
  trust('account in policy, another account requests', policy('T', trustAllow({ AWS: ACCOUNT })), 'implicit-deny', { type: 'AWS', id: `arn:aws:iam::${OTHER_ACCOUNT}:root` }),
  trust('role ARN in policy admits its sessions', policy('T', trustAllow({ AWS: `arn:aws:iam::${ACCOUNT}:role/ops/ci` })), 'allow', { type: 'AWS', id: `arn:aws:sts::${ACCOUNT}:assumed-role/ci/run-42` }),
  trust('role ARN in policy, another role requests', policy('T', trustAllow({ AWS: `arn:aws:iam::${ACCOUNT}:role/ci` })), 'implicit-deny', { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:role/other` }),
  trust('AWS principal does not admit a service of the same name', policy('T', trustAllow({ AWS: 'redshift.amazonaws.com' })), 'implicit-deny'),
  trust('NotPrincipal Allow for another service', policy('T', { Effect: 'Allow', NotPrincipal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'allow'),
  trust('NotPrincipal Allow naming the requester', policy('T', { Effect: 'Allow', NotPrincipal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'implicit-deny'),
  trust('Deny NotPrincipal exempting the requester', policy('T', trustAllow('*'), { Effect: 'Deny', NotPrincipal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'allow'),
  trust('Deny NotPrincipal exempting someone else', policy('T', trustAllow('*'), { Effect: 'Deny', NotPrincipal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'explicit-deny'),
  trust(
    'Deny NotPrincipal listing a user but not its account still applies',
    policy('T', trustAllow({ AWS: ACCOUNT }), { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: 'sts:AssumeRole' }),
    'explicit-deny',
    { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:user/bob` }
  ),
  trust(
    'Deny NotPrincipal listing the user and its account exempts the user',
    policy('T', trustAllow({ AWS: ACCOUNT }), { Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${ACCOUNT}:user/bob`, ACCOUNT] }, Action: 'sts:AssumeRole' }),
    'allow',
    { type: 'AWS', id: `arn:aws:iam::${ACCOUNT}:user/bob` }
  ),
  trust('Deny on the service', policy('T', trustAllow('*'), { Effect: 'Deny', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:*' }), 'explicit-deny'),
  trust('Action array containing sts:AssumeRole', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: ['sts:TagSession', 'sts:AssumeRole'] })), 'allow'),
  trust('Action sts:AssumeRole*', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: 'sts:AssumeRole*' })), 'allow'),
  trust('Action sts:TagSession only', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: 'sts:TagSession' })), 'implicit-deny'),
  trust('sts:TagSession requested explicitly', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: 'sts:TagSession' })), 'allow', REDSHIFT, 'sts:TagSession'),
  trust('trust with aws:SourceAccount condition', policy('T', trustAllow({ Service: 'redshift.amazonaws.com' }, { Condition: SOURCE_ACCOUNT })), 'conditional'),
  trust('trust statement without Principal is invalid', policy('T', { Effect: 'Allow', Action: 'sts:AssumeRole' }), 'implicit-deny'),
  trust(
    'web identity federation',
    policy('T', trustAllow({ Federated: 'accounts.google.com' }, { Action: 'sts:AssumeRoleWithWebIdentity' })),
    'allow',
    { type: 'Federated', id: 'accounts.google.com' },
    'sts:AssumeRoleWithWebIdentity'
  ),
  trust('URL-encoded trust policy', { name: 'T', document: encodeURIComponent(JSON.stringify(doc(trustAllow({ Service: 'redshift.amazonaws.com' })))) }, 'allow'),
  // Permissions boundary
  boundary('both allow', [policy('I', allowAssume)], policy('B', allowAll), 'allow'),
  boundary('identity allows, boundary does not', [policy('I', allowAssume)], policy('B', { Effect: 'Allow', Action: 's3:*', Resource: '*' }), 'implicit-deny'),
  boundary('boundary allows, identity does not', [policy('I', { Effect: 'Allow', Action: 's3:*', Resource: '*' })], policy('B', allowAll), 'implicit-deny'),
  boundary('boundary denies explicitly', [policy('I', allowAll)], policy('B', allowAll, { Effect: 'Deny', Action: 'sts:*', Resource: '*' }), 'explicit-deny'),
  boundary('identity denies explicitly', [policy('I', allowAll, { Effect: 'Deny', Action: 'sts:*', Resource: '*' })], policy('B', allowAll), 'explicit-deny'),
  boundary('identity conditional, boundary allows', [policy('I', { ...allowAssume, Condition: SOURCE_ACCOUNT })], policy('B', allowAll), 'conditional'),
  boundary('identity allows, boundary conditional', [policy('I', allowAssume)], policy('B', { ...allowAll, Condition: SOURCE_ACCOUNT }), 'conditional'),
  boundary('identity conditional, boundary does not allow', [policy('I', { ...allowAssume, Condition: SOURCE_ACCOUNT })], policy('B', { Effect: 'Allow', Action: 's3:*', Resource: '*' }), 'implicit-deny'),
  boundary('identity silent, boundary denies', [policy('I')], policy('B', { Effect: 'Deny', Action: '*', Resource: '*' }), 'explicit-deny')
]

function run(row: Row): Evaluation {
  switch (row.kind) {
    case 'identity':
      return evaluatePolicies(row.policies, row.request)
    case 'trust':
      return evaluateTrust(row.policies, row.request)
    case 'boundary':
      return intersect(evaluatePolicies(row.policies.identity, row.request), evaluatePolicies([row.policies.boundary], row.request))
  }
}

describe('IAM policy semantics', () => {
  it('has a table of at least 50 distinct cases', () => {
    expect(semantics.length).toBeGreaterThanOrEqual(50)
    expect(new Set(semantics.map((row) => row.name)).size).toBe(semantics.length)
  })

  it.each(semantics)('$kind: $name → $expected', (row) => {
    expect(run(row).decision).toBe(row.expected)
  })
})

describe('evaluation details', () => {
  it('names the allowing statement by Sid', () => {
    const result = evaluatePolicies(
      [policy('CrossAccountPolicy', { Sid: 'CrossAccountPolicy', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE })],
      ASSUME
    )
    expect(result.allowedBy).toEqual([{ policy: 'CrossAccountPolicy', index: 0, sid: 'CrossAccountPolicy' }])
    expect(result.deniedBy).toEqual([])
    expect(result.explanation).toBe("allowed by CrossAccountPolicy statement 'CrossAccountPolicy'")
  })

  it('names a denying statement by position when it has no Sid', () => {
    const result = evaluatePolicies([policy('A', allowAssume), policy('X', allowAll, allowAll, { Effect: 'Deny', Action: '*', Resource: '*' })], ASSUME)
    expect(result.deniedBy).toEqual([{ policy: 'X', index: 2 }])
    expect(result.allowedBy).toHaveLength(3)
    expect(result.explanation).toBe('denied explicitly by X Statement[2]')
  })

  it('says what nothing allows', () => {
    const result = evaluatePolicies([policy('P', { Effect: 'Allow', Action: 's3:*', Resource: '*' })], ASSUME)
    expect(result.explanation).toBe(`no statement allows sts:AssumeRole on ${ROLE}`)
    expect(result.allowedBy).toEqual([])
  })

  it('reports the condition that makes an Allow uncertain', () => {
    const result = evaluatePolicies([policy('P', { Sid: 'Cond', ...allowAssume, Condition: SOURCE_ACCOUNT })], ASSUME)
    expect(result.conditions).toEqual([{ ref: { policy: 'P', index: 0, sid: 'Cond' }, effect: 'Allow', condition: SOURCE_ACCOUNT }])
    expect(result.explanation).toBe('allowed only when conditions hold: StringEquals aws:SourceAccount')
  })

  it('reports only the Deny condition when an unconditional Allow stands', () => {
    const result = evaluatePolicies(
      [policy('P', allowAssume, { ...allowAll, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: SOURCE_ACCOUNT })],
      ASSUME
    )
    expect(result.decision).toBe('conditional')
    expect(result.conditions).toEqual([{ ref: { policy: 'P', index: 2 }, effect: 'Deny', condition: SOURCE_ACCOUNT }])
    expect(result.deniedBy).toEqual([{ policy: 'P', index: 2 }])
    expect(result.explanation).toContain('unless')
  })

  it('reports both Allow and Deny conditions when no unconditional Allow stands', () => {
    const mfa = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }
    const result = evaluatePolicies([policy('P', { ...allowAssume, Condition: mfa }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: SOURCE_ACCOUNT })], ASSUME)
    expect(result.decision).toBe('conditional')
    expect(result.conditions.map((c) => [c.effect, c.condition])).toEqual([
      ['Allow', mfa],
      ['Deny', SOURCE_ACCOUNT]
    ])
    expect(result.explanation).toBe(
      'allowed only when conditions hold: Bool aws:MultiFactorAuthPresent, and no deny condition holds: StringEquals aws:SourceAccount'
    )
  })

  it('reports a policy variable as the uncertainty', () => {
    const pattern = `arn:aws:iam::${ACCOUNT}:role/\${aws:username}`
    const result = evaluatePolicies(resourceAllow(pattern), ASSUME)
    expect(result.conditions).toEqual([{ ref: { policy: 'P', index: 0 }, effect: 'Allow', condition: { PolicyVariable: { Resource: [pattern] } } }])
    expect(result.explanation).toContain('policy variable')
  })

  it('explains a trust refusal in terms of the principal', () => {
    const result = evaluateTrust(policy('Trust', trustAllow({ Service: 'lambda.amazonaws.com' })), { principal: REDSHIFT })
    expect(result.explanation).toBe('no statement in Trust allows Service redshift.amazonaws.com to sts:AssumeRole')
  })

  it('intersect keeps the statements of both sides and blames the boundary', () => {
    const identityResult = evaluatePolicies([policy('I', allowAssume)], ASSUME)
    const boundaryResult = evaluatePolicies([policy('B', { Effect: 'Allow', Action: 's3:*', Resource: '*' })], ASSUME)
    const result = intersect(identityResult, boundaryResult)
    expect(result.allowedBy).toEqual([{ policy: 'I', index: 0 }])
    expect(result.explanation).toMatch(/^the permissions boundary does not allow it/)
  })

  it('intersect reports the conditions of the conditional side only', () => {
    const identityResult = evaluatePolicies([policy('I', allowAssume)], ASSUME)
    const boundaryResult = evaluatePolicies([policy('B', { ...allowAll, Condition: SOURCE_ACCOUNT })], ASSUME)
    expect(intersect(identityResult, boundaryResult).conditions).toEqual(boundaryResult.conditions)
    expect(boundaryResult.conditions).toHaveLength(1)
  })
})

describe('documents IAM refuses to store', () => {
  const cases: [string, unknown, 'identity' | 'trust', RegExp][] = [
    ['unknown Version', { Version: '2012-10-18', Statement: [allowAssume] }, 'identity', /Version "2012-10-18"/],
    ['Action and NotAction', { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 's3:*', Resource: '*' }] }, 'identity', /Statement\[0\] has both Action and NotAction/],
    ['Resource and NotResource', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', NotResource: '*' }] }, 'identity', /has both Resource and NotResource/],
    ['service wildcard', doc({ ...allowAssume, Action: '*:AssumeRole' }), 'identity', /service prefix "\*"/],
    ['non-ASCII action', doc({ ...allowAssume, Action: 'ſts:AssumeRole' }), 'identity', /outside printable ASCII/],
    ['no Principal in a trust policy', doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust', /neither Principal nor NotPrincipal/],
    ['Resource in a trust policy', doc(trustAllow({ Service: 'redshift.amazonaws.com' }, { Resource: '*' })), 'trust', /has a Resource, which a trust policy may not have/],
    ['non-ARN resource', doc({ ...allowAssume, Resource: 'cargo-redshift' }), 'identity', /neither "\*" nor an ARN/]
  ]
  it.each(cases)('%s is named in the verdict', (_, document, kind, problem) => {
    expect(documentProblems(document, kind).join('; ')).toMatch(problem)
    const labelled = { name: 'the policy', document: document as PolicyDocument }
    const result = kind === 'identity' ? evaluatePolicies([labelled], ASSUME) : evaluateTrust(labelled, { principal: REDSHIFT })
    expect(result.decision).not.toBe('allow')
    expect(result.invalid?.join('; ')).toMatch(problem)
    expect(result.explanation).toMatch(/^not a valid IAM policy/)
    expect(result.explanation).toMatch(problem)
  })

  it('an identity policy with a Principal is not valid; a resource-based one may have one', () => {
    const withPrincipal = doc({ ...allowAssume, Principal: { AWS: ACCOUNT } })
    expect(documentProblems(withPrincipal, 'identity').join()).toMatch(/has a Principal, which an identity policy may not have/)
    expect(documentProblems(withPrincipal, 'resource')).toEqual([])
    expect(evaluatePolicies([{ name: 'P', document: withPrincipal }], ASSUME).decision).toBe('implicit-deny')
    expect(evaluatePolicies([{ name: 'P', document: withPrincipal }], { ...ASSUME, principal: { type: 'AWS', id: ACCOUNT } }).decision).toBe('allow')
  })

  it('a valid document has no problems', () => {
    expect(documentProblems(doc(allowAssume, { Effect: 'Deny', NotAction: 's3:*', NotResource: 'arn:aws:s3:::b/*' }), 'identity')).toEqual([])
    expect(documentProblems(doc(trustAllow({ Service: 'redshift.amazonaws.com' })), 'trust')).toEqual([])
  })

  it('the iamAllows and trustsService keywords put the problem in the finding', () => {
    const ajv = createAjv()
    const allows = ajv.compile({ iamAllows: { action: 'sts:AssumeRole', resource: ROLE } })
    expect(allows({ Version: '2012-10-17', Statement: [{ ...allowAssume, NotAction: 's3:*' }] })).toBe(false)
    expect(allows.errors?.[0]?.message).toMatch(/not a valid IAM policy.*both Action and NotAction/)
    const trusts = ajv.compile({ trustsService: 'redshift.amazonaws.com' })
    expect(trusts(doc(trustAllow({ Service: 'redshift.amazonaws.com' }, { Action: '*:AssumeRole' })))).toBe(false)
    expect(trusts.errors?.[0]?.message).toMatch(/not a valid IAM policy.*service prefix/)
  })

  it('intersect carries the problems of both sides', () => {
    const bad = evaluatePolicies([loose('B', [{ Effect: 'Allow', Action: '*', NotAction: 's3:*', Resource: '*' }])], ASSUME)
    const result = intersect(evaluatePolicies([policy('I', allowAssume)], ASSUME), bad)
    expect(result.decision).toBe('implicit-deny')
    expect(result.invalid).toEqual(bad.invalid)
  })
})

describe('parsePolicyDocument', () => {
  it('reads plain and URL-encoded JSON alike', () => {
    const document = doc(allowAssume)
    expect(parsePolicyDocument(JSON.stringify(document))).toEqual(document)
    expect(parsePolicyDocument(encodeURIComponent(JSON.stringify(document)))).toEqual(document)
  })

  it('rejects bad JSON with a clear message', () => {
    expect(() => parsePolicyDocument('{"Statement": [')).toThrow(/not valid JSON/)
    expect(() => parsePolicyDocument('%7B%22Statement%22')).toThrow(/not valid JSON after URL-decoding/)
    expect(() => parsePolicyDocument('%E0%A4%A')).toThrow(/neither JSON nor valid URL-encoded JSON/)
    expect(() => parsePolicyDocument('[]')).toThrow(/must be a JSON object, got an array/)
  })

  it('names the policy whose raw document is broken', () => {
    expect(() => evaluatePolicies([{ name: 'Broken', document: '{nope' }], ASSUME)).toThrow(/^policy Broken: /)
  })
})

// ---------------------------------------------------------------------------
// Properties

const ACTION_POOL = ['sts:AssumeRole', 'sts:*', '*', 'sts:Assume*', 'sts:TagSession', 's3:GetObject', 's3:*', 'STS:assumerole', 'sts:?ssumeRole']
const RESOURCE_POOL = [
  '*',
  ROLE,
  `arn:aws:iam::${ACCOUNT}:role/*`,
  'arn:aws:iam::*:role/cargo-*',
  'arn:aws:s3:::cargo-bucket/*',
  `arn:aws:iam::${ACCOUNT}:role/\${aws:username}`,
  'arn:aws:s3:::cargo-bucket/${aws:username}/*'
]
const CONDITION_POOL = [SOURCE_ACCOUNT, { Bool: { 'aws:SecureTransport': 'true' } }]
const REQUESTS: IamRequest[] = [
  ASSUME,
  { action: 's3:GetObject', resource: 'arn:aws:s3:::cargo-bucket/data.csv' },
  { action: 'sts:TagSession', resource: `arn:aws:iam::${ACCOUNT}:role/other` }
]

const stringOrList = (pool: string[]): fc.Arbitrary<string | string[]> =>
  fc.oneof(fc.constantFrom(...pool), fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 }))

function statementArbitrary(effect: fc.Arbitrary<'Allow' | 'Deny'>, conditioned = fc.boolean()): fc.Arbitrary<PolicyStatement> {
  return fc
    .record({
      effect,
      negatedAction: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
      actions: stringOrList(ACTION_POOL),
      negatedResource: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
      resources: stringOrList(RESOURCE_POOL),
      conditioned,
      condition: fc.constantFrom(...CONDITION_POOL)
    })
    .map(({ effect, negatedAction, actions, negatedResource, resources, conditioned, condition }) => {
      const statement: PolicyStatement = { Effect: effect }
      if (negatedAction) statement.NotAction = actions
      else statement.Action = actions
      if (negatedResource) statement.NotResource = resources
      else statement.Resource = resources
      if (conditioned) statement.Condition = condition
      return statement
    })
}

const anyStatement = statementArbitrary(fc.constantFrom('Allow', 'Deny'))
const statements = fc.array(anyStatement, { maxLength: 8 })
const request = fc.constantFrom(...REQUESTS)

const evaluate = (list: PolicyStatement[], req: IamRequest): Evaluation => evaluatePolicies([policy('P', ...list)], req)

/** What must not depend on how statements are ordered or grouped into documents. */
function meaning(result: Evaluation): unknown {
  return {
    decision: result.decision,
    allowed: result.allowedBy.length,
    denied: result.deniedBy.length,
    conditions: result.conditions.map((c) => JSON.stringify([c.effect, c.condition])).sort()
  }
}

const RANK: Record<Exclude<Decision, 'explicit-deny'>, number> = { 'implicit-deny': 0, conditional: 1, allow: 2 }

describe('IAM evaluation properties', () => {
  it('(a) adding a Deny never grants and never lifts an explicit deny', () => {
    // Precisely: allow → allow|conditional|explicit-deny; conditional → conditional|explicit-deny;
    // implicit-deny → implicit-deny|explicit-deny; explicit-deny → explicit-deny.
    const reachable: Record<Decision, Decision[]> = {
      allow: ['allow', 'conditional', 'explicit-deny'],
      conditional: ['conditional', 'explicit-deny'],
      'implicit-deny': ['implicit-deny', 'explicit-deny'],
      'explicit-deny': ['explicit-deny']
    }
    fc.assert(
      fc.property(statements, statementArbitrary(fc.constant('Deny')), fc.nat(8), request, (list, deny, at, req) => {
        const before = evaluate(list, req).decision
        const withDeny = [...list.slice(0, at), deny, ...list.slice(at)]
        expect(reachable[before]).toContain(evaluate(withDeny, req).decision)
      }),
      { numRuns: 500 }
    )
  })

  it('(b) reordering statements or splitting them across policies changes nothing', () => {
    const arrangement = statements.chain((list) =>
      fc.tuple(
        fc.constant(list),
        fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
        fc.array(fc.nat(2), { minLength: list.length, maxLength: list.length })
      )
    )
    fc.assert(
      fc.property(arrangement, request, ([list, shuffled, buckets], req) => {
        const expected = meaning(evaluate(list, req))
        expect(meaning(evaluate(shuffled, req))).toEqual(expected)
        const split = [0, 1, 2].map((bucket) => policy(`P${bucket}`, ...shuffled.filter((_, i) => buckets[i] === bucket)))
        expect(meaning(evaluatePolicies(split, req))).toEqual(expected)
      }),
      { numRuns: 500 }
    )
  })

  it('(b) reordering trust statements changes nothing', () => {
    const principals: Principal[] = [REDSHIFT, { type: 'Service', id: 'lambda.amazonaws.com' }, { type: 'AWS', id: ACCOUNT }]
    const principalElement = fc.constantFrom<PrincipalElement>(
      '*',
      { Service: 'redshift.amazonaws.com' },
      { Service: ['lambda.amazonaws.com'] },
      { AWS: ACCOUNT }
    )
    const trustStatement = fc
      .tuple(anyStatement, principalElement, fc.boolean())
      .map(([statement, principal, negated]): PolicyStatement => (negated ? { ...statement, NotPrincipal: principal } : { ...statement, Principal: principal }))
    const arrangement = fc.array(trustStatement, { maxLength: 6 }).chain((list) =>
      fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))
    )
    fc.assert(
      fc.property(arrangement, fc.constantFrom(...principals), ([list, shuffled], principal) => {
        expect(meaning(evaluateTrust(policy('T', ...shuffled), { principal }))).toEqual(meaning(evaluateTrust(policy('T', ...list), { principal })))
      }),
      { numRuns: 300 }
    )
  })

  it('(c) adding an Allow never creates or lifts an explicit deny and never makes the verdict less permissive', () => {
    fc.assert(
      fc.property(statements, statementArbitrary(fc.constant('Allow')), request, (list, allow, req) => {
        const before = evaluate(list, req).decision
        const after = evaluate([...list, allow], req).decision
        expect(after === 'explicit-deny').toBe(before === 'explicit-deny')
        if (before !== 'explicit-deny' && after !== 'explicit-deny') expect(RANK[after]).toBeGreaterThanOrEqual(RANK[before])
      }),
      { numRuns: 500 }
    )
  })

  it('(c) adding an unconditional Allow of everything yields allow unless some Deny matches', () => {
    fc.assert(
      fc.property(statements, request, (list, req) => {
        const before = evaluate(list, req)
        const after = evaluate([...list, allowAll], req).decision
        if (before.decision === 'explicit-deny') expect(after).toBe('explicit-deny')
        else if (before.deniedBy.length === 0) expect(after).toBe('allow')
        else expect(after).toBe('conditional') // only conditional Denies match: they may still take the grant away
      }),
      { numRuns: 500 }
    )
  })

  it('(d) parsePolicyDocument undoes URL-encoding of any document', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom('%', '%41', '+', ' ', '{', '}', '"', '\\', '${aws:username}', 'ü', '😀', '\n')
    )
    const textOrList = fc.oneof(text, fc.array(text, { maxLength: 3 }))
    const statement = fc.record(
      {
        Sid: text,
        Effect: fc.constantFrom('Allow', 'Deny'),
        Action: textOrList,
        NotResource: textOrList,
        Condition: fc.dictionary(text, fc.dictionary(text, textOrList, { maxKeys: 2 }), { maxKeys: 2 })
      },
      { requiredKeys: ['Effect'] }
    )
    const documentArbitrary = fc.record(
      { Version: fc.constant('2012-10-17'), Id: text, Statement: fc.oneof(statement, fc.array(statement, { maxLength: 3 })) },
      { requiredKeys: ['Statement'] }
    )
    fc.assert(
      fc.property(documentArbitrary, (document) => {
        const json = JSON.stringify(document)
        expect(parsePolicyDocument(encodeURIComponent(json))).toEqual(document)
        expect(parsePolicyDocument(json)).toEqual(document)
      }),
      { numRuns: 300 }
    )
  })

  it('(d) a raw URL-encoded document evaluates like the parsed one', () => {
    fc.assert(
      fc.property(statements, request, (list, req) => {
        const raw = encodeURIComponent(JSON.stringify(doc(...list)))
        expect(evaluatePolicies([{ name: 'P', document: raw }], req)).toEqual(evaluate(list, req))
      }),
      { numRuns: 200 }
    )
  })
})
