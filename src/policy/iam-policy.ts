/**
 * A static evaluator for IAM policy documents, following the AWS policy
 * evaluation logic for the parts that can be known without a live request:
 * Effect, Action/NotAction, Resource/NotResource, Principal/NotPrincipal.
 *
 * Anything that depends on the request context (Condition blocks, policy
 * variables such as `${aws:username}`) cannot be decided offline. Rather than
 * guess, such statements make the verdict 'conditional', and the conditions are
 * reported so that a human can judge them. This keeps the auditor honest: it
 * never claims "allowed" when AWS might refuse, nor "denied" when AWS might allow.
 *
 * ARNs are matched segment by segment and principals per principal type, as the
 * IAM documentation describes; where it leaves a match open, an Allow is read
 * narrowly and a Deny broadly, so that no verdict can pass wrongly. A document
 * IAM would refuse to store is reported as not valid and allows nothing.
 *
 * Pure: no I/O, no dependencies.
 */
import type { PolicyDocument } from '../state/types.js'

export type Decision = 'allow' | 'conditional' | 'explicit-deny' | 'implicit-deny'

export interface Principal {
  type: 'Service' | 'AWS' | 'Federated' | 'CanonicalUser'
  id: string
}

export interface IamRequest {
  action: string
  resource: string
  principal?: Principal
}

/** Points at one statement: `index` is its 0-based position in the document's Statement array. */
export interface StatementRef {
  /** The label the caller gave the policy. */
  policy: string
  index: number
  sid?: string
}

/**
 * A matching statement whose effect depends on something we cannot see.
 * `condition` is the statement's Condition block; when a policy variable in
 * Resource/NotResource is the reason, it also carries the pseudo-operator
 * `PolicyVariable: { Resource: [patterns] }` (or `NotResource`).
 */
export interface ConditionalStatement {
  ref: StatementRef
  effect: 'Allow' | 'Deny'
  condition: Record<string, unknown>
}

export interface Evaluation {
  decision: Decision
  /** Every matching Allow statement, conditional or not. */
  allowedBy: StatementRef[]
  /** Every matching Deny statement, conditional or not. */
  deniedBy: StatementRef[]
  /** The conditional statements that made the answer uncertain (empty unless decision is 'conditional'). */
  conditions: ConditionalStatement[]
  /** One human sentence. */
  explanation: string
  /**
   * Present when a document is one IAM would refuse to store: each reason,
   * prefixed with the policy's label. The decision is then never 'allow' or 'conditional'.
   */
  invalid?: string[]
}

export interface LabelledPolicy {
  name: string
  /** A string is raw JSON, possibly URL-encoded as the IAM API returns it. */
  document: PolicyDocument | string
}

/** The pseudo condition operator used when a policy variable makes a resource match uncertain. */
const POLICY_VARIABLE = 'PolicyVariable'

const DEFAULT_TRUST_ACTION = 'sts:AssumeRole'

// ---------------------------------------------------------------------------
// Parsing

/**
 * Parses a policy document as found in the wild: the IAM API returns documents
 * URL-encoded (RFC 3986), CloudFormation and snapshots hold plain JSON. A JSON
 * object always starts with '{', an encoded one never does ('{' is encoded),
 * so the first character tells which we were given.
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  const trimmed = text.trimStart()
  const urlEncoded = !trimmed.startsWith('{')
  let json = trimmed
  if (urlEncoded) {
    try {
      json = decodeURIComponent(trimmed)
    } catch (error) {
      throw new Error(
        `policy document is neither JSON nor valid URL-encoded JSON (${errorMessage(error)}); it starts with ${preview(trimmed)}`
      )
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (error) {
    throw new Error(
      `policy document is not valid JSON${urlEncoded ? ' after URL-decoding' : ''}: ${errorMessage(error)}; it starts with ${preview(json)}`
    )
  }
  if (!isRecord(parsed)) {
    throw new Error(`policy document must be a JSON object, got ${describeJsonType(parsed)}`)
  }
  // Deliberately not validated further: documents from IaC or old snapshots may be
  // sloppy, and the evaluator ignores malformed statements the way IAM would refuse them.
  return parsed as unknown as PolicyDocument
}

// ---------------------------------------------------------------------------
// Public evaluation entry points

/**
 * Evaluates identity-based policies (attached managed and inline): AWS treats
 * them as one union of statements, so the split into documents does not matter.
 *
 * Statements carrying Principal/NotPrincipal are invalid in identity policies;
 * they are honoured only when `request.principal` is given (which lets callers
 * evaluate resource-based policies too), otherwise ignored.
 *
 * A document IAM would refuse to store (see documentProblems) allows nothing:
 * the verdict is never 'allow' or 'conditional' and its explanation names the problem.
 */
export function evaluatePolicies(policies: LabelledPolicy[], request: IamRequest): Evaluation {
  const context: MatchContext = {
    kind: 'identity',
    action: request.action,
    resource: request.resource,
    principal: request.principal
  }
  const resolved = policies.map((policy) => ({ policy, document: resolveDocument(policy) }))
  const matches = resolved.flatMap(({ policy, document }) => matchDocument(policy.name, document, context))
  // Without a requester these are identity policies, where IAM refuses a Principal.
  const kind = request.principal === undefined ? 'identity' : 'resource'
  const invalid = resolved.flatMap(({ policy, document }) => labelProblems(policy.name, documentProblems(document, kind)))
  return withValidity(decide(matches, () => `no statement allows ${request.action} on ${request.resource}`), invalid)
}

/**
 * Evaluates a role's trust policy for a principal wanting to assume the role.
 * The resource is the role itself, so Resource/NotResource (which IAM rejects in
 * trust policies anyway) are not consulted; a statement without Principal or
 * NotPrincipal is invalid here.
 *
 * A principal naming an account (`123456789012` or its `:root` ARN) covers every
 * IAM principal of that account, as AWS delegates to the account's own policies;
 * a role ARN covers that role's sessions. Neither says the identity side allows it.
 */
export function evaluateTrust(
  policy: LabelledPolicy,
  request: { principal: Principal; action?: string }
): Evaluation {
  const action = request.action ?? DEFAULT_TRUST_ACTION
  const context: MatchContext = { kind: 'trust', action, principal: request.principal }
  const document = resolveDocument(policy)
  const matches = matchDocument(policy.name, document, context)
  const invalid = labelProblems(policy.name, documentProblems(document, 'trust'))
  return withValidity(
    decide(matches, () => `no statement in ${policy.name} allows ${request.principal.type} ${request.principal.id} to ${action}`),
    invalid
  )
}

/**
 * Combines identity policies with a permissions boundary: the boundary only
 * caps, so the action is allowed only if both allow it. A deny on either side
 * wins; an implicit deny on either side means not allowed; otherwise any
 * uncertainty on either side leaves the result conditional.
 */
export function intersect(identity: Evaluation, boundary: Evaluation): Evaluation {
  const sides = [
    { label: 'identity policies', evaluation: identity },
    { label: 'permissions boundary', evaluation: boundary }
  ]
  const allowedBy = [...identity.allowedBy, ...boundary.allowedBy]
  const deniedBy = [...identity.deniedBy, ...boundary.deniedBy]
  const precedence: Decision[] = ['explicit-deny', 'implicit-deny', 'conditional', 'allow']
  const decision = precedence.find((d) => sides.some((side) => side.evaluation.decision === d)) ?? 'allow'
  const deciding = sides.filter((side) => side.evaluation.decision === decision)

  let explanation: string
  if (decision === 'allow') {
    explanation = `${identity.explanation}, within the permissions boundary (${boundary.explanation})`
  } else if (decision === 'implicit-deny' && identity.decision !== 'implicit-deny') {
    explanation = `the permissions boundary does not allow it: ${boundary.explanation}`
  } else {
    explanation = deciding.map((side) => `${side.label}: ${side.evaluation.explanation}`).join('; ')
  }
  // A side that is not valid is always named, even when the other side decided.
  for (const side of sides) {
    if (side.evaluation.invalid !== undefined && !deciding.includes(side)) explanation += `; ${side.label}: ${side.evaluation.explanation}`
  }
  const invalid = [...(identity.invalid ?? []), ...(boundary.invalid ?? [])]
  return {
    decision,
    allowedBy,
    deniedBy,
    conditions: decision === 'conditional' ? deciding.flatMap((side) => side.evaluation.conditions) : [],
    explanation,
    ...(invalid.length > 0 ? { invalid } : {})
  }
}

// ---------------------------------------------------------------------------
// Validity: what IAM refuses to store
//
// IAM validates a document when it is stored (CreatePolicy, PutRolePolicy,
// UpdateAssumeRolePolicy ...) and refuses it with MalformedPolicyDocument. Such a
// document cannot be in force, so judging it as if it were could only produce a
// verdict about a policy that does not exist: it is reported as not valid and
// allows nothing. Grammar: reference_policies_grammar, reference_policies_elements_version,
// reference_policies_elements_action, reference_policies_elements_resource,
// reference_policies_elements_principal.

const KNOWN_VERSIONS = ['2012-10-17', '2008-10-17']
const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser']
/** A service prefix is plain ASCII letters, digits and hyphens; a wildcard there is refused. */
const SERVICE_PREFIX = /^[A-Za-z0-9-]+$/
const NON_ASCII = /[^\x20-\x7e]/

/**
 * The reasons IAM would refuse to store this document, empty when it would
 * accept it. `kind` says where it would be stored: an identity policy must name
 * resources and no principal; a resource-based policy names both; a trust
 * policy must name principals.
 */
export function documentProblems(document: unknown, kind: 'identity' | 'resource' | 'trust'): string[] {
  if (!isRecord(document)) return ['the document is not a JSON object']
  const problems: string[] = []
  const version = document['Version']
  if (version !== undefined && !(typeof version === 'string' && KNOWN_VERSIONS.includes(version))) {
    problems.push(`Version ${JSON.stringify(version)} is not a policy language version (2012-10-17 or 2008-10-17)`)
  }
  const statement = document['Statement']
  if (statement === undefined) return [...problems, 'the document has no Statement']
  if (!Array.isArray(statement) && !isRecord(statement)) return [...problems, 'Statement is neither an object nor a list']
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement]
  statements.forEach((item, index) => {
    for (const problem of statementProblems(item, kind)) problems.push(`Statement[${index}] ${problem}`)
  })
  return problems
}

function statementProblems(statement: unknown, kind: 'identity' | 'resource' | 'trust'): string[] {
  if (!isRecord(statement)) return ['is not an object']
  const problems: string[] = []
  const effect = statement['Effect']
  if (effect !== 'Allow' && effect !== 'Deny') problems.push(`has Effect ${JSON.stringify(effect)}, not "Allow" or "Deny"`)
  problems.push(...pairProblems(statement, 'Action', 'NotAction', actionProblem))
  if (kind !== 'trust') problems.push(...pairProblems(statement, 'Resource', 'NotResource', resourceProblem))
  if (kind === 'trust') {
    problems.push(...pairProblems(statement, 'Principal', 'NotPrincipal', undefined))
    // The resource of a trust policy is the role itself; IAM refuses the element there.
    for (const name of ['Resource', 'NotResource']) if (statement[name] !== undefined) problems.push(`has a ${name}, which a trust policy may not have`)
  }
  // reference_policies_elements_principal: "You cannot use the Principal element in an identity-based policy".
  if (kind === 'identity') {
    for (const name of ['Principal', 'NotPrincipal']) if (statement[name] !== undefined) problems.push(`has a ${name}, which an identity policy may not have`)
  }
  for (const name of ['Principal', 'NotPrincipal']) {
    if (statement[name] !== undefined && principalEntries(statement[name]) === null) {
      problems.push(`has a ${name} that is neither "*" nor an object of AWS, Service, Federated or CanonicalUser names`)
    }
  }
  const condition = statement['Condition']
  if (condition !== undefined && !isRecord(condition)) problems.push('has a Condition that is not an object')
  return problems
}

/** Exactly one of an element and its negation, each a string or a non-empty list of strings. */
function pairProblems(
  statement: Record<string, unknown>,
  positive: string,
  negative: string,
  valueProblem: ((value: string) => string | null) | undefined
): string[] {
  const present = [positive, negative].filter((name) => statement[name] !== undefined)
  if (present.length === 2) return [`has both ${positive} and ${negative}`]
  if (present.length === 0) return [`has neither ${positive} nor ${negative}`]
  const name = present[0] ?? positive
  if (valueProblem === undefined) return []
  const values = stringList(statement[name])
  if (values === null || values.length === 0) return [`has a ${name} that is not a string or a non-empty list of strings`]
  return values.flatMap((value) => {
    const problem = valueProblem(value)
    return problem === null ? [] : [`${name} ${JSON.stringify(value)} ${problem}`]
  })
}

/**
 * reference_policies_elements_action: an action is `*` or `service:action`, the
 * service prefix written out (IAM refuses `*:AssumeRole`); names are ASCII, so a
 * look-alike such as `ſts:AssumeRole` (long s) is refused rather than case-folded to `sts`.
 */
function actionProblem(action: string): string | null {
  if (NON_ASCII.test(action)) return 'contains a character outside printable ASCII'
  if (action === '*') return null
  const colon = action.indexOf(':')
  if (colon === -1) return 'has no service prefix (service:action)'
  const service = action.slice(0, colon)
  if (!SERVICE_PREFIX.test(service)) return `has the service prefix ${JSON.stringify(service)}, which must be written out without wildcards`
  if (colon === action.length - 1) return 'has no action name after the service prefix'
  return null
}

/**
 * reference_policies_elements_resource: a resource is `*` or an ARN, and the
 * service segment may not hold a wildcard ("You can't use a wildcard in the
 * service segment that identifies the AWS product").
 */
function resourceProblem(resource: string): string | null {
  if (resource === '*') return null
  if (!resource.startsWith('arn:')) return 'is neither "*" nor an ARN'
  const service = resource.split(':')[2]
  if (service !== undefined && /[*?]/.test(service)) return 'has a wildcard in the service segment'
  return null
}

function labelProblems(name: string, problems: string[]): string[] {
  return problems.map((problem) => `${name}: ${problem}`)
}

/** An evaluation over a document IAM would refuse: never allowing, and saying why. */
function withValidity(evaluation: Evaluation, invalid: string[]): Evaluation {
  if (invalid.length === 0) return evaluation
  const decision: Decision = evaluation.decision === 'explicit-deny' ? 'explicit-deny' : 'implicit-deny'
  return {
    ...evaluation,
    decision,
    conditions: [],
    invalid,
    explanation: `not a valid IAM policy, which IAM refuses to store and so allows nothing: ${invalid.join('; ')}`
  }
}

// ---------------------------------------------------------------------------
// Statement matching

interface MatchContext {
  kind: 'identity' | 'trust'
  action: string
  /** Absent for trust policies: the resource is the role being assumed. */
  resource?: string
  principal: Principal | undefined
}

/** A statement that applies to the request. */
interface StatementMatch {
  ref: StatementRef
  effect: 'Allow' | 'Deny'
  /** Why the statement may not really apply, or null when it certainly applies. */
  uncertainty: Record<string, unknown> | null
}

type TriState = 'yes' | 'no' | 'maybe'

/**
 * Where the documentation leaves a match open (case in the fixed ARN segments,
 * a `*` ending a segment, a wildcard in a principal name), an element is read
 * 'narrow' or 'broad'. The reading is chosen so that a verdict can never pass
 * wrongly: an Allow applies only under the narrow reading, a Deny under the
 * broad one. For a negated element (NotResource, NotPrincipal) the listing is
 * read the other way, since listing more makes the statement apply less.
 */
type Reading = 'narrow' | 'broad'

function listingReading(effect: 'Allow' | 'Deny', negated: boolean): Reading {
  return (effect === 'Deny') !== negated ? 'broad' : 'narrow'
}

function matchDocument(name: string, document: unknown, context: MatchContext): StatementMatch[] {
  const statements = statementList(document)
  // reference_policies_elements_version, reference_policies_variables: policy
  // variables exist only in 2012-10-17; under 2008-10-17 or without a Version,
  // `${aws:username}` is literal text.
  const variables = isRecord(document) && document['Version'] === '2012-10-17'
  const matches: StatementMatch[] = []
  statements.forEach((statement, index) => {
    const match = matchStatement(statement, context, variables)
    if (match === null) return
    const ref: StatementRef = { policy: name, index }
    if (isRecord(statement) && typeof statement['Sid'] === 'string' && statement['Sid'] !== '') {
      ref.sid = statement['Sid']
    }
    matches.push({ ref, effect: match.effect, uncertainty: match.uncertainty })
  })
  return matches
}

function resolveDocument(policy: LabelledPolicy): unknown {
  if (typeof policy.document !== 'string') return policy.document
  try {
    return parsePolicyDocument(policy.document)
  } catch (error) {
    throw new Error(`policy ${policy.name}: ${errorMessage(error)}`)
  }
}

function statementList(document: unknown): unknown[] {
  if (!isRecord(document)) return []
  const statement = document['Statement']
  if (Array.isArray(statement)) return statement
  if (isRecord(statement)) return [statement]
  return []
}

/**
 * Returns null when the statement does not apply to the request, including when
 * it is malformed: IAM would refuse such a statement, so it can never grant.
 */
function matchStatement(
  statement: unknown,
  context: MatchContext,
  variables: boolean
): { effect: 'Allow' | 'Deny'; uncertainty: Record<string, unknown> | null } | null {
  if (!isRecord(statement)) return null
  const effect = statement['Effect']
  if (effect !== 'Allow' && effect !== 'Deny') return null

  const actionElement = positiveOrNegated(statement, 'Action', 'NotAction')
  if (actionElement === null) return null
  const actionListed = actionElement.values.some((pattern) => actionMatches(pattern, context.action))
  if (actionListed === actionElement.negated) return null

  const variableUncertainty: Record<string, unknown> = {}
  if (context.kind === 'identity') {
    const resourceElement = positiveOrNegated(statement, 'Resource', 'NotResource')
    if (resourceElement === null) return null
    const reading = listingReading(effect, resourceElement.negated)
    const listed = resourceListed(resourceElement.values, context.resource ?? '', reading, variables)
    const applies: TriState = resourceElement.negated ? negate(listed.state) : listed.state
    if (applies === 'no') return null
    if (applies === 'maybe') variableUncertainty[resourceElement.name] = listed.uncertainPatterns
  }

  const hasPrincipal = 'Principal' in statement || 'NotPrincipal' in statement
  if (context.kind === 'trust' || hasPrincipal) {
    if (context.principal === undefined) return null
    const principalElement = principalElementOf(statement)
    if (principalElement === null) return null
    const reading = listingReading(effect, principalElement.negated)
    const applies = principalElement.negated
      ? !principalExcluded(principalElement.value, context.principal, reading)
      : principalCovered(principalElement.value, context.principal, reading)
    if (!applies) return null
  }

  let uncertainty: Record<string, unknown> | null = null
  const condition = statement['Condition']
  // An empty Condition block imposes nothing, so it does not make a statement uncertain.
  if (condition !== undefined && !(isRecord(condition) && Object.keys(condition).length === 0)) {
    uncertainty = isRecord(condition) ? { ...condition } : { Condition: condition }
  }
  if (Object.keys(variableUncertainty).length > 0) {
    uncertainty = { ...(uncertainty ?? {}), [POLICY_VARIABLE]: variableUncertainty }
  }
  return { effect, uncertainty }
}

/**
 * Reads an element that comes in a positive and a negated form (Action/NotAction,
 * Resource/NotResource). Exactly one must be present and hold strings.
 */
function positiveOrNegated(
  statement: Record<string, unknown>,
  positive: string,
  negative: string
): { name: string; negated: boolean; values: string[] } | null {
  const hasPositive = statement[positive] !== undefined
  const hasNegative = statement[negative] !== undefined
  if (hasPositive === hasNegative) return null
  const name = hasPositive ? positive : negative
  const values = stringList(statement[name])
  if (values === null) return null
  return { name, negated: hasNegative, values }
}

function principalElementOf(statement: Record<string, unknown>): { negated: boolean; value: unknown } | null {
  const hasPrincipal = statement['Principal'] !== undefined
  const hasNotPrincipal = statement['NotPrincipal'] !== undefined
  if (hasPrincipal === hasNotPrincipal) return null
  return hasPrincipal
    ? { negated: false, value: statement['Principal'] }
    : { negated: true, value: statement['NotPrincipal'] }
}

function stringList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return value
  return null
}

function negate(state: TriState): TriState {
  return state === 'yes' ? 'no' : state === 'no' ? 'yes' : 'maybe'
}

// ---------------------------------------------------------------------------
// Actions

/**
 * reference_policies_elements_action: `service:action`, case-insensitive, with
 * `*` and `?` in the action name. The case is folded in ASCII only: JavaScript's
 * Unicode case-insensitive matching would equate `ſ` (long s) with `s`.
 */
function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true
  return globRegExp(asciiLower(pattern), 'any').test(asciiLower(action))
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (char) => char.toLowerCase())
}

// ---------------------------------------------------------------------------
// Resources: ARNs matched segment by segment
//
// reference-arns: arn:partition:service:region:account-id:resource, where the
// resource is `resource-id`, `resource-type/resource-id` or `resource-type:resource-id`.
// reference_policies_elements_resource: wildcards match "within the individual
// segments of an ARN (the parts separated by colons)"; in the resource part a
// `*` reaches over `/` (and the resource's own `:`); the service segment takes no
// wildcard, and neither does the part that names the resource type (the page's
// example of what is not allowed is `arn:aws:iam::account-ID:u*`).
//
// Left open by the docs, hence read per side (see Reading):
// - "If the * wildcard is the last character of a resource ARN segment, it can
//   expand to match beyond the colon boundaries": narrow, a fixed segment never
//   reaches past its `:`; broad, a segment ending in `*` may.
// - Case in the fixed segments (`arn:aws:IAM::...`): narrow compares exactly,
//   broad ignores ASCII case. The resource part is case-sensitive (documented).
// - A wildcard in the service segment or in the resource type: narrow never
//   matches, broad lets it match.

/** Services whose resource part has no resource type (a bucket, a queue, a topic). */
const UNTYPED_SERVICES = new Set(['s3', 'sqs', 'sns'])

type Token = { kind: 'char'; char: string } | { kind: 'star' } | { kind: 'one' } | { kind: 'variable' }

/**
 * Matches a request resource against Resource patterns. A policy variable
 * (`${aws:username}`, 2012-10-17 only) resolves per request, so a pattern
 * containing one can only say "maybe": we let the variable stand for anything,
 * and a pattern that fails even then certainly does not match. `${*}`, `${?}`
 * and `${$}` are IAM's escapes for literal characters, not variables.
 */
function resourceListed(
  patterns: string[],
  resource: string,
  reading: Reading,
  variables: boolean
): { state: TriState; uncertainPatterns: string[] } {
  const uncertainPatterns: string[] = []
  for (const pattern of patterns) {
    const tokens = tokenize(pattern, variables)
    if (!resourceMatches(tokens, resource, reading)) continue
    if (!tokens.some((token) => token.kind === 'variable')) return { state: 'yes', uncertainPatterns: [] }
    uncertainPatterns.push(pattern)
  }
  return { state: uncertainPatterns.length > 0 ? 'maybe' : 'no', uncertainPatterns }
}

const LITERAL_ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' }

function tokenize(pattern: string, variables: boolean): Token[] {
  const tokens: Token[] = []
  let position = 0
  while (position < pattern.length) {
    if (variables && pattern.startsWith('${', position)) {
      const end = pattern.indexOf('}', position + 2)
      if (end !== -1) {
        const literal = LITERAL_ESCAPES[pattern.slice(position + 2, end)]
        tokens.push(literal !== undefined ? { kind: 'char', char: literal } : { kind: 'variable' })
        position = end + 1
        continue
      }
    }
    const char = String.fromCodePoint(pattern.codePointAt(position) ?? 0)
    tokens.push(char === '*' ? { kind: 'star' } : char === '?' ? { kind: 'one' } : { kind: 'char', char })
    position += char.length
  }
  return tokens
}

/** The request ARN as [partition, service, region, account, resource], or null when it is no ARN. */
function requestArn(resource: string): string[] | null {
  const parts = resource.split(':')
  if (parts.length < 6 || parts[0] !== 'arn') return null
  return [...parts.slice(1, 5), parts.slice(5).join(':')]
}

/** Splits pattern tokens at their first five literal colons: ['arn', partition, service, region, account, resource]. */
function patternSegments(tokens: Token[]): Token[][] {
  const segments: Token[][] = [[]]
  for (const token of tokens) {
    if (token.kind === 'char' && token.char === ':' && segments.length < 6) segments.push([])
    else segments[segments.length - 1]?.push(token)
  }
  return segments
}

function resourceMatches(tokens: Token[], resource: string, reading: Reading): boolean {
  if (tokens.length === 1 && tokens[0]?.kind === 'star') return true
  const arn = requestArn(resource)
  const segments = patternSegments(tokens)
  const isArnPattern = segments.length > 1 && literalText(segments[0] ?? []) === 'arn'
  if (arn === null || !isArnPattern) {
    // Not an ARN on one side (IAM refuses such a pattern; a caller may ask about "*"):
    // narrow, only the very same text; broad, the whole text as one glob.
    return reading === 'narrow' ? literalText(tokens) === resource : regExpOf(tokens, 'any', false).test(resource)
  }
  return reading === 'narrow' ? narrowArnMatch(segments, arn) : broadArnRegExp(segments).test(resource)
}

function narrowArnMatch(segments: Token[][], arn: string[]): boolean {
  if (segments.length !== 6) return false
  const [, partition, service, region, account, resourcePart] = segments as [Token[], Token[], Token[], Token[], Token[], Token[]]
  if (hasWildcard(service)) return false
  const fixed: [Token[], string][] = [
    [partition, arn[0] ?? ''],
    [service, arn[1] ?? ''],
    [region, arn[2] ?? ''],
    [account, arn[3] ?? '']
  ]
  if (!fixed.every(([pattern, value]) => regExpOf(pattern, 'segment', false).test(value))) return false
  const value = arn[4] ?? ''
  const type = resourceType(arn[1] ?? '', value)
  if (type !== null) {
    const prefix = resourcePart.slice(0, type.length)
    if (literalText(prefix) !== type) return false
  }
  return regExpOf(resourcePart, 'any', false).test(value)
}

/**
 * The resource type with its separator (`role/`, `function:`) when the service
 * types its resources and the resource part has a separator; null otherwise.
 */
function resourceType(service: string, resourcePart: string): string | null {
  if (UNTYPED_SERVICES.has(service)) return null
  const separator = resourcePart.search(/[/:]/)
  return separator === -1 ? null : resourcePart.slice(0, separator + 1)
}

function broadArnRegExp(segments: Token[][]): RegExp {
  const fixed = segments.slice(0, 5).map((segment, index) => {
    // The `arn` prefix itself and the four fixed segments: case ignored, and a
    // trailing `*` may run on past the colon.
    const last = segment[segment.length - 1]
    const body = regExpSource(segment, 'segment', index > 0)
    return last?.kind === 'star' ? `${regExpSource(segment.slice(0, -1), 'segment', index > 0)}.*` : body
  })
  const parts = segments.length === 6 ? [...fixed, regExpSource(segments[5] ?? [], 'any', false)] : fixed
  return new RegExp(`^${parts.join(':')}$`, 's')
}

function hasWildcard(tokens: Token[]): boolean {
  return tokens.some((token) => token.kind !== 'char')
}

/** The text of tokens that are all literal characters, or null when any is a wildcard or variable. */
function literalText(tokens: Token[]): string | null {
  let text = ''
  for (const token of tokens) {
    if (token.kind !== 'char') return null
    text += token.char
  }
  return text
}

/** `segment`: wildcards stay within a colon-free segment; `any`: they reach over anything. */
function regExpSource(tokens: Token[], scope: 'segment' | 'any', ignoreCase: boolean): string {
  const anyChar = scope === 'segment' ? '[^:]' : '.'
  return tokens
    .map((token) => {
      if (token.kind === 'star' || token.kind === 'variable') return `${anyChar}*`
      if (token.kind === 'one') return anyChar
      const escaped = escapeRegExp(token.char)
      if (ignoreCase && /[A-Za-z]/.test(token.char)) return `[${token.char.toLowerCase()}${token.char.toUpperCase()}]`
      return escaped
    })
    .join('')
}

function regExpOf(tokens: Token[], scope: 'segment' | 'any', ignoreCase: boolean): RegExp {
  return new RegExp(`^${regExpSource(tokens, scope, ignoreCase)}$`, 's')
}

/** IAM globs over a whole string: `*` is any run of characters, `?` exactly one. */
function globRegExp(pattern: string, scope: 'segment' | 'any'): RegExp {
  return regExpOf(tokenize(pattern, false), scope, false)
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}

// ---------------------------------------------------------------------------
// Principals
//
// reference_policies_elements_principal: "*" and {"AWS": "*"} mean everyone;
// a wildcard under another principal type ({"Service": "*"}) does not, and "you
// cannot use a wildcard to match part of a principal name or ARN". Service
// principals are case sensitive. Read per side (see Reading): narrow takes
// every other name literally and exactly; broad also lets a wildcard in a name
// match and, except for service principals, ignores case (undocumented for ARNs),
// so a Deny written that way still denies.

const ACCOUNT_ID = /^\d{12}$/
const ACCOUNT_ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/
/** Any IAM or STS principal ARN: user, role, assumed-role session, federated user, root. */
const ACCOUNT_PRINCIPAL_ARN = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/
const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/
const ASSUMED_ROLE_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/

/** The account a bare account id or root ARN names, or null for a narrower principal. */
function accountNamed(id: string): string | null {
  if (ACCOUNT_ID.test(id)) return id
  return ACCOUNT_ROOT_ARN.exec(id)?.[1] ?? null
}

/** The account an AWS principal belongs to, whatever its kind. */
function accountOf(id: string): string | null {
  return accountNamed(id) ?? ACCOUNT_PRINCIPAL_ARN.exec(id)?.[1] ?? null
}

/** The role an assumed-role session belongs to, as [partition, account, role name]. */
function sessionRole(id: string): [string, string, string] | null {
  const match = ASSUMED_ROLE_ARN.exec(id)
  return match ? [match[1] ?? '', match[2] ?? '', match[3] ?? ''] : null
}

/** A role ARN names its sessions too; the session ARN drops the role's path. */
function roleCoversSession(roleArn: string, sessionArn: string, reading: Reading): boolean {
  const role = ROLE_ARN.exec(roleArn)
  const session = sessionRole(sessionArn)
  if (!role || !session) return false
  const sameRole = reading === 'broad' ? asciiLower(role[3] ?? '') === asciiLower(session[2]) : role[3] === session[2]
  return role[1] === session[0] && role[2] === session[1] && sameRole
}

/** Under the broad reading a listed name is a glob (case-blind unless `exactCase`); under the narrow one, exact text. */
function sameName(listed: string, requested: string, reading: Reading, exactCase = false): boolean {
  if (listed === requested) return true
  if (reading === 'narrow') return false
  return exactCase ? globRegExp(listed, 'any').test(requested) : globRegExp(asciiLower(listed), 'any').test(asciiLower(requested))
}

/** Same identity, treating a bare account id and its root ARN as one. */
function sameIdentity(type: Principal['type'], listed: string, requested: string, reading: Reading): boolean {
  switch (type) {
    case 'Service':
      return sameName(listed, requested, reading, true)
    case 'Federated':
      // Web identity providers are host names (case-insensitive); SAML providers are ARNs.
      if (!listed.startsWith('arn:') && asciiLower(listed) === asciiLower(requested)) return true
      return sameName(listed, requested, reading)
    case 'AWS': {
      const listedAccount = accountNamed(listed)
      if (listedAccount !== null) return listedAccount === accountNamed(requested)
      return sameName(listed, requested, reading) || roleCoversSession(listed, requested, reading)
    }
    default:
      return sameName(listed, requested, reading)
  }
}

/** The listed principals, as [type, id] pairs; null when the element is malformed. */
function principalEntries(element: unknown): [string, string][] | null {
  if (element === '*') return [['AWS', '*']]
  if (!isRecord(element)) return null
  const entries: [string, string][] = []
  for (const [type, value] of Object.entries(element)) {
    if (!PRINCIPAL_TYPES.includes(type)) return null
    const ids = stringList(value)
    if (ids === null) return null
    for (const id of ids) entries.push([type, id])
  }
  return entries
}

/** Everyone: "*" or {"AWS": "*"}. ({"Service": "*"} is at most every service, under the broad reading.) */
function namesEveryone(type: string, id: string): boolean {
  return id === '*' && type === 'AWS'
}

/**
 * Principal element: does it name the requester? An account names all its
 * principals (AWS then defers to that account's identity policies, which this
 * function does not judge).
 */
function principalCovered(element: unknown, principal: Principal, reading: Reading): boolean {
  const entries = principalEntries(element)
  if (entries === null) return false
  return entries.some(([type, id]) => {
    if (namesEveryone(type, id)) return true
    if (type !== principal.type) return false
    if (type === 'AWS') {
      const listedAccount = accountNamed(id)
      if (listedAccount !== null) return listedAccount === accountOf(principal.id)
    }
    return sameIdentity(principal.type, id, principal.id, reading)
  })
}

/**
 * NotPrincipal element: is the requester exempt? AWS may evaluate the account,
 * then the role, then the session, so under the narrow reading a requester is
 * exempt only when every link of that chain is listed (as the AWS documentation
 * insists); listing just the user or just the account leaves the statement
 * applying. Under the broad reading any listed link exempts.
 */
function principalExcluded(element: unknown, principal: Principal, reading: Reading): boolean {
  const entries = principalEntries(element)
  // A malformed NotPrincipal exempts no one: better to over-apply a statement than to hide it.
  if (entries === null) return false
  const linkListed = (link: (listed: string) => boolean): boolean =>
    entries.some(([type, id]) => namesEveryone(type, id) || (type === principal.type && link(id)))
  const chain = exemptionChain(principal, reading)
  return reading === 'narrow' ? chain.every(linkListed) : chain.some(linkListed)
}

/**
 * The identities AWS may check for one requester, each as a test of a listed id:
 * the requester itself (a session only by its own ARN, never by its role's),
 * then for a session its role, then for any non-root IAM principal its account.
 */
function exemptionChain(principal: Principal, reading: Reading): ((listed: string) => boolean)[] {
  const self = (listed: string): boolean =>
    principal.type === 'AWS'
      ? sameName(listed, principal.id, reading) || sameAccountRoot(listed, principal.id)
      : sameIdentity(principal.type, listed, principal.id, reading)
  if (principal.type !== 'AWS') return [self]
  const chain = [self]
  if (sessionRole(principal.id)) chain.push((listed) => roleCoversSession(listed, principal.id, reading))
  const account = accountOf(principal.id)
  if (account !== null && accountNamed(principal.id) === null) chain.push((listed) => accountNamed(listed) === account)
  return chain
}

function sameAccountRoot(listed: string, requested: string): boolean {
  const account = accountNamed(listed)
  return account !== null && account === accountNamed(requested)
}

// ---------------------------------------------------------------------------
// Decision

/**
 * AWS evaluation order: an explicit Deny wins; otherwise an Allow grants;
 * otherwise the implicit deny. Conditional statements blur this: a conditional
 * Deny may take away an unconditional Allow, and a conditional Allow may not
 * apply at all; either way we can only say 'conditional'.
 */
function decide(matches: StatementMatch[], describeNoAllow: () => string): Evaluation {
  const allows = matches.filter((m) => m.effect === 'Allow')
  const denies = matches.filter((m) => m.effect === 'Deny')
  const certainAllows = allows.filter((m) => m.uncertainty === null)
  const certainDenies = denies.filter((m) => m.uncertainty === null)
  const uncertainAllows = allows.filter((m) => m.uncertainty !== null)
  const uncertainDenies = denies.filter((m) => m.uncertainty !== null)
  const base = { allowedBy: allows.map((m) => m.ref), deniedBy: denies.map((m) => m.ref) }

  if (certainDenies.length > 0) {
    return { ...base, decision: 'explicit-deny', conditions: [], explanation: `denied explicitly by ${describeRefs(certainDenies)}` }
  }
  if (certainAllows.length > 0 && uncertainDenies.length === 0) {
    return { ...base, decision: 'allow', conditions: [], explanation: `allowed by ${describeRefs(certainAllows)}` }
  }
  if (allows.length > 0) {
    // Only the conditions that can change the answer: with an unconditional
    // Allow in hand, the conditional Allows are moot.
    const relevant = certainAllows.length > 0 ? uncertainDenies : [...uncertainAllows, ...uncertainDenies]
    const conditions = relevant.map((m) => ({ ref: m.ref, effect: m.effect, condition: m.uncertainty ?? {} }))
    let explanation: string
    if (certainAllows.length > 0) {
      explanation = `allowed by ${describeRefs(certainAllows)} unless the deny conditions hold: ${describeConditions(uncertainDenies)}`
    } else {
      explanation = `allowed only when conditions hold: ${describeConditions(uncertainAllows)}`
      if (uncertainDenies.length > 0) explanation += `, and no deny condition holds: ${describeConditions(uncertainDenies)}`
    }
    return { ...base, decision: 'conditional', conditions, explanation }
  }
  return { ...base, decision: 'implicit-deny', conditions: [], explanation: describeNoAllow() }
}

function describeRef(ref: StatementRef): string {
  return ref.sid !== undefined ? `${ref.policy} statement '${ref.sid}'` : `${ref.policy} Statement[${ref.index}]`
}

function describeRefs(matches: StatementMatch[]): string {
  return joinWords(matches.map((m) => describeRef(m.ref)))
}

/** Renders conditions as "StringEquals aws:SourceAccount", one per condition key. */
function describeConditions(matches: StatementMatch[]): string {
  const parts: string[] = []
  for (const match of matches) {
    for (const [operator, keys] of Object.entries(match.uncertainty ?? {})) {
      if (operator === POLICY_VARIABLE && isRecord(keys)) {
        for (const [element, patterns] of Object.entries(keys)) {
          parts.push(`the policy variable in ${element} ${stringList(patterns)?.join(', ') ?? ''} resolves to a match`)
        }
      } else if (isRecord(keys) && Object.keys(keys).length > 0) {
        for (const key of Object.keys(keys)) parts.push(`${operator} ${key}`)
      } else {
        parts.push(operator)
      }
    }
  }
  return joinWords([...new Set(parts)])
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

// ---------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
