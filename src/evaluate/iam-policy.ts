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
 */
export function evaluatePolicies(policies: LabelledPolicy[], request: IamRequest): Evaluation {
  const context: MatchContext = {
    kind: 'identity',
    action: request.action,
    resource: request.resource,
    principal: request.principal
  }
  const matches = policies.flatMap((policy) => matchDocument(policy, context))
  return decide(matches, () => `no statement allows ${request.action} on ${request.resource}`)
}

/**
 * Evaluates a role's trust policy for a principal wanting to assume the role.
 * The resource is the role itself, so Resource/NotResource (which IAM rejects in
 * trust policies anyway) are not consulted; a statement without Principal or
 * NotPrincipal is invalid here and ignored.
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
  const matches = matchDocument(policy, context)
  return decide(
    matches,
    () => `no statement in ${policy.name} allows ${request.principal.type} ${request.principal.id} to ${action}`
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
  return {
    decision,
    allowedBy,
    deniedBy,
    conditions: decision === 'conditional' ? deciding.flatMap((side) => side.evaluation.conditions) : [],
    explanation
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

function matchDocument(policy: LabelledPolicy, context: MatchContext): StatementMatch[] {
  const document = resolveDocument(policy)
  const statements = statementList(document)
  const matches: StatementMatch[] = []
  statements.forEach((statement, index) => {
    const match = matchStatement(statement, context)
    if (match === null) return
    const ref: StatementRef = { policy: policy.name, index }
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
  context: MatchContext
): { effect: 'Allow' | 'Deny'; uncertainty: Record<string, unknown> | null } | null {
  if (!isRecord(statement)) return null
  const effect = statement['Effect']
  if (effect !== 'Allow' && effect !== 'Deny') return null

  const actionElement = positiveOrNegated(statement, 'Action', 'NotAction')
  if (actionElement === null) return null
  const actionListed = actionElement.values.some((pattern) => globMatches(pattern, context.action, true))
  if (actionListed === actionElement.negated) return null

  const variableUncertainty: Record<string, unknown> = {}
  if (context.kind === 'identity') {
    const resourceElement = positiveOrNegated(statement, 'Resource', 'NotResource')
    if (resourceElement === null) return null
    const listed = resourceListed(resourceElement.values, context.resource ?? '')
    const applies: TriState = resourceElement.negated ? negate(listed.state) : listed.state
    if (applies === 'no') return null
    if (applies === 'maybe') variableUncertainty[resourceElement.name] = listed.uncertainPatterns
  }

  const hasPrincipal = 'Principal' in statement || 'NotPrincipal' in statement
  if (context.kind === 'trust' || hasPrincipal) {
    if (context.principal === undefined) return null
    const principalElement = principalElementOf(statement)
    if (principalElement === null) return null
    const applies = principalElement.negated
      ? !principalExcluded(principalElement.value, context.principal)
      : principalCovered(principalElement.value, context.principal)
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
// Action and resource patterns

/**
 * IAM globs: `*` is any run of characters (it spans ':' and '/'), `?` is exactly
 * one. Actions compare case-insensitively, resources (ARNs) case-sensitively.
 */
function globMatches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  return globToRegExp(pattern, caseInsensitive).test(value)
}

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let source = ''
  for (const char of pattern) source += globCharToRegExp(char)
  return new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su')
}

function globCharToRegExp(char: string): string {
  if (char === '*') return '.*'
  if (char === '?') return '.'
  return escapeRegExp(char)
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
}

/**
 * Matches a request resource against Resource patterns. A policy variable
 * (`${aws:username}`) resolves per request, so a pattern containing one can only
 * say "maybe": we let the variable stand for anything, and a pattern that fails
 * even then certainly does not match. `${*}`, `${?}` and `${$}` are IAM's escapes
 * for literal characters, not variables.
 */
function resourceListed(patterns: string[], resource: string): { state: TriState; uncertainPatterns: string[] } {
  const uncertainPatterns: string[] = []
  for (const pattern of patterns) {
    const compiled = compileResourcePattern(pattern)
    if (!compiled.regExp.test(resource)) continue
    if (!compiled.hasVariable) return { state: 'yes', uncertainPatterns: [] }
    uncertainPatterns.push(pattern)
  }
  return { state: uncertainPatterns.length > 0 ? 'maybe' : 'no', uncertainPatterns }
}

const LITERAL_ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' }

function compileResourcePattern(pattern: string): { regExp: RegExp; hasVariable: boolean } {
  let source = ''
  let hasVariable = false
  let position = 0
  while (position < pattern.length) {
    if (pattern.startsWith('${', position)) {
      const end = pattern.indexOf('}', position + 2)
      if (end !== -1) {
        const inner = pattern.slice(position + 2, end)
        const literal = LITERAL_ESCAPES[inner]
        if (literal !== undefined) {
          source += escapeRegExp(literal)
        } else {
          hasVariable = true
          source += '.*'
        }
        position = end + 1
        continue
      }
    }
    const codePoint = pattern.codePointAt(position) ?? 0
    const char = String.fromCodePoint(codePoint)
    source += globCharToRegExp(char)
    position += char.length
  }
  return { regExp: new RegExp(`^${source}$`, 'su'), hasVariable }
}

// ---------------------------------------------------------------------------
// Principals

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
function roleCoversSession(roleArn: string, sessionArn: string): boolean {
  const role = ROLE_ARN.exec(roleArn)
  const session = sessionRole(sessionArn)
  if (!role || !session) return false
  return role[1] === session[0] && role[2] === session[1] && role[3] === session[2]
}

/** Same identity, treating a bare account id and its root ARN as one. */
function sameIdentity(type: Principal['type'], listed: string, requested: string): boolean {
  switch (type) {
    case 'Service':
      return listed.toLowerCase() === requested.toLowerCase()
    case 'Federated':
      // Web identity providers are host names (case-insensitive); SAML providers are ARNs.
      return listed.startsWith('arn:') ? listed === requested : listed.toLowerCase() === requested.toLowerCase()
    case 'AWS': {
      const listedAccount = accountNamed(listed)
      if (listedAccount !== null) return listedAccount === accountNamed(requested)
      return listed === requested || roleCoversSession(listed, requested)
    }
    default:
      return listed === requested
  }
}

/** The listed principals, as [type, id] pairs; null when the element is malformed. */
function principalEntries(element: unknown): [string, string][] | null {
  if (element === '*') return [['AWS', '*']]
  if (!isRecord(element)) return null
  const entries: [string, string][] = []
  for (const [type, value] of Object.entries(element)) {
    const ids = stringList(value)
    if (ids === null) return null
    for (const id of ids) entries.push([type, id])
  }
  return entries
}

/**
 * Principal element: does it name the requester? `"*"` and `{"AWS": "*"}` name
 * everyone. An account names all its principals (AWS then defers to that
 * account's identity policies, which this function does not judge).
 */
function principalCovered(element: unknown, principal: Principal): boolean {
  const entries = principalEntries(element)
  if (entries === null) return false
  return entries.some(([type, id]) => {
    if (type === 'AWS' && id === '*') return true
    if (type !== principal.type) return false
    if (id === '*') return true
    if (type === 'AWS') {
      const listedAccount = accountNamed(id)
      if (listedAccount !== null) return listedAccount === accountOf(principal.id)
    }
    return sameIdentity(principal.type, id, principal.id)
  })
}

/**
 * NotPrincipal element: is the requester exempt? AWS may evaluate the account,
 * then the role, then the session, so a requester is exempt only when every link
 * of that chain is listed (as the AWS documentation insists); listing just the
 * user or just the account leaves the statement applying.
 */
function principalExcluded(element: unknown, principal: Principal): boolean {
  const entries = principalEntries(element)
  // A malformed NotPrincipal exempts no one: better to over-apply a statement than to hide it.
  if (entries === null) return false
  return exemptionChain(principal).every((linkListed) =>
    entries.some(
      ([type, id]) => (type === 'AWS' && id === '*') || (type === principal.type && (id === '*' || linkListed(id)))
    )
  )
}

/**
 * The identities AWS may check for one requester, each as a test of a listed id:
 * the requester itself (a session only by its own ARN, never by its role's),
 * then for a session its role, then for any non-root IAM principal its account.
 */
function exemptionChain(principal: Principal): ((listed: string) => boolean)[] {
  const self = (listed: string): boolean =>
    principal.type === 'AWS' ? listed === principal.id || sameAccountRoot(listed, principal.id) : sameIdentity(principal.type, listed, principal.id)
  if (principal.type !== 'AWS') return [self]
  const chain = [self]
  if (sessionRole(principal.id)) chain.push((listed) => roleCoversSession(listed, principal.id))
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
