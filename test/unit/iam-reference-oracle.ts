/**
 * A reference model of IAM policy evaluation for the differential test, written
 * from the AWS documentation alone and apart from src/policy/iam-policy.ts
 * (no code shared, a different shape: explicit segment lists and a backtracking
 * wildcard matcher, and every open question of the docs enumerated instead of
 * resolved).
 *
 * Where the documentation leaves a behaviour open, the model does not choose:
 * each open question is a flag of a Reading, and a request is evaluated under
 * every combination. "AWS certainly allows" means: allowed under every reading.
 *
 * Pages (docs.aws.amazon.com/IAM/latest/UserGuide/...):
 * - reference_policies_grammar, reference_policies_elements_version: what a document may hold.
 * - reference_policies_elements_action: `service:action`, the prefix written out, case-insensitive.
 * - reference-arns: arn:partition:service:region:account-id:resource.
 * - reference_policies_elements_resource: wildcards within colon-separated segments; none in the
 *   service segment nor in the resource type; "If the * wildcard is the last character of a
 *   resource ARN segment, it can expand to match beyond the colon boundaries".
 * - reference_policies_elements_principal: "*" and {"AWS": "*"} are everyone; no partial
 *   wildcards; service principals are case sensitive; an account covers its principals, a role its sessions.
 * - reference_policies_elements_notprincipal: with Deny, list the account, role and session to exempt one.
 * - reference_policies_variables: variables only under Version 2012-10-17; ${*}, ${?}, ${$} escape.
 * - reference_policies_evaluation-logic: an explicit Deny wins, then an Allow, else implicit deny;
 *   a permissions boundary must allow too.
 */

/** The documentation's open questions. */
export interface Reading {
  /** resource page: a `*` ending a fixed segment "can expand" past its colon. */
  trailingStarSpansColons: boolean
  /** Undocumented: case in partition, service, region and account. */
  fixedSegmentCaseIgnored: boolean
  /** resource page says no wildcard in the resource type; whether one that is there matches is open. */
  resourceTypeWildcardMatches: boolean
  /** principal page: no partial wildcards; whether one that is there matches is open. */
  principalWildcardMatches: boolean
  /** Undocumented: case in AWS principal ARNs. */
  principalArnCaseIgnored: boolean
  /** notprincipal page describes Deny only; for Allow, whether one listed link exempts is open. */
  allowNotPrincipalAnyLink: boolean
}

export const READING_FLAGS: (keyof Reading)[] = [
  'trailingStarSpansColons',
  'fixedSegmentCaseIgnored',
  'resourceTypeWildcardMatches',
  'principalWildcardMatches',
  'principalArnCaseIgnored',
  'allowNotPrincipalAnyLink'
]

export function allReadings(): Reading[] {
  const readings: Reading[] = []
  for (let mask = 0; mask < 1 << READING_FLAGS.length; mask++) {
    const reading = {} as Reading
    READING_FLAGS.forEach((flag, bit) => (reading[flag] = (mask & (1 << bit)) !== 0))
    readings.push(reading)
  }
  return readings
}

export type Requester = { type: 'Service' | 'AWS' | 'Federated'; id: string }
export type Outcome = 'allow' | 'explicit-deny' | 'implicit-deny' | 'depends' | 'refused'

type Applies = 'yes' | 'no' | 'depends'

// ---------------------------------------------------------------------------
// What IAM stores

const PRINCIPAL_KEYS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser'])

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[]
  return undefined
}

function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code > 0x7e) return false
  }
  return true
}

function actionStorable(action: string): boolean {
  if (!isPlainAscii(action)) return false
  if (action === '*') return true
  const [prefix, ...rest] = action.split(':')
  const name = rest.join(':')
  return prefix !== undefined && /^[a-zA-Z0-9-]+$/.test(prefix) && name.length > 0
}

function resourceStorable(resource: string): boolean {
  if (resource === '*') return true
  if (!resource.startsWith('arn:')) return false
  const service = resource.split(':')[2] ?? ''
  return !service.includes('*') && !service.includes('?')
}

/** Whether IAM would store this document as an identity policy or a trust policy. */
export function storable(document: unknown, kind: 'identity' | 'trust'): boolean {
  if (!isObject(document)) return false
  if (!(document['Version'] === undefined || document['Version'] === '2012-10-17' || document['Version'] === '2008-10-17')) return false
  const statement = document['Statement']
  const list = Array.isArray(statement) ? statement : isObject(statement) ? [statement] : undefined
  if (list === undefined) return false
  return list.every((s) => statementStorable(s, kind))
}

function exactlyOne(s: Record<string, unknown>, a: string, b: string): string | undefined {
  const hasA = a in s && s[a] !== undefined
  const hasB = b in s && s[b] !== undefined
  if (hasA === hasB) return undefined
  return hasA ? a : b
}

function statementStorable(s: unknown, kind: 'identity' | 'trust'): boolean {
  if (!isObject(s)) return false
  if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') return false
  const actionKey = exactlyOne(s, 'Action', 'NotAction')
  const actions = actionKey === undefined ? undefined : strings(s[actionKey])
  if (actions === undefined || !actions.every(actionStorable)) return false
  if (kind === 'identity') {
    const resourceKey = exactlyOne(s, 'Resource', 'NotResource')
    const resources = resourceKey === undefined ? undefined : strings(s[resourceKey])
    if (resources === undefined || !resources.every(resourceStorable)) return false
  } else if (exactlyOne(s, 'Principal', 'NotPrincipal') === undefined) {
    return false
  }
  for (const key of ['Principal', 'NotPrincipal']) {
    const value = s[key]
    if (value === undefined || value === '*') continue
    if (!isObject(value)) return false
    for (const [type, ids] of Object.entries(value)) if (!PRINCIPAL_KEYS.has(type) || strings(ids) === undefined) return false
  }
  if (s['Condition'] !== undefined && !isObject(s['Condition'])) return false
  return true
}

// ---------------------------------------------------------------------------
// Wildcards

/**
 * Backtracking match of a pattern (already split into pieces) against text.
 * A piece is a literal character, '*' (any run, or any run without ':' when
 * `colonFree`), '?' (one character) or 'var' (a policy variable: any run).
 */
type Piece = { lit: string } | { star: true } | { one: true } | { variable: true }

function pieces(pattern: string, variables: boolean): Piece[] {
  const out: Piece[] = []
  for (let i = 0; i < pattern.length; ) {
    if (variables && pattern[i] === '$' && pattern[i + 1] === '{') {
      const close = pattern.indexOf('}', i + 2)
      if (close > 0) {
        const inner = pattern.slice(i + 2, close)
        if (inner === '*' || inner === '?' || inner === '$') out.push({ lit: inner })
        else out.push({ variable: true })
        i = close + 1
        continue
      }
    }
    const ch = String.fromCodePoint(pattern.codePointAt(i) as number)
    out.push(ch === '*' ? { star: true } : ch === '?' ? { one: true } : { lit: ch })
    i += ch.length
  }
  return out
}

function fold(ch: string, ignoreCase: boolean): string {
  return ignoreCase && ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch
}

function piecesMatch(ps: Piece[], text: string, opts: { colonFree: boolean; ignoreCase: boolean }): boolean {
  const chars = Array.from(text)
  const memo = new Map<number, boolean>()
  const go = (p: number, t: number): boolean => {
    const key = p * 10_000 + t
    const known = memo.get(key)
    if (known !== undefined) return known
    let result: boolean
    const piece = ps[p]
    if (piece === undefined) result = t === chars.length
    else if ('star' in piece || 'variable' in piece) {
      result = go(p + 1, t) || (t < chars.length && !(opts.colonFree && chars[t] === ':') && go(p, t + 1))
    } else if ('one' in piece) {
      result = t < chars.length && !(opts.colonFree && chars[t] === ':') && go(p + 1, t + 1)
    } else {
      result = t < chars.length && fold(piece.lit, opts.ignoreCase) === fold(chars[t] as string, opts.ignoreCase) && go(p + 1, t + 1)
    }
    memo.set(key, result)
    return result
  }
  return go(0, 0)
}

function textMatches(pattern: string, text: string, ignoreCase: boolean): boolean {
  return piecesMatch(pieces(pattern, false), text, { colonFree: false, ignoreCase })
}

// ---------------------------------------------------------------------------
// Resources

/** At most six parts: the first five colons separate, the sixth part keeps its colons. */
function sixParts(text: string): string[] {
  const parts = text.split(':')
  return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')]
}

const TYPELESS = ['s3', 'sqs', 'sns']

/** 'depends' when only a policy variable could make the pattern match. */
function resourcePatternMatches(pattern: string, arn: string, reading: Reading, variables: boolean): Applies {
  if (pattern === '*') return 'yes'
  const withVariables = pieces(pattern, variables)
  const hasVariable = withVariables.some((p) => 'variable' in p)
  const p = sixParts(pattern)
  const a = sixParts(arn)
  if (p[0] !== 'arn' || a.length !== 6) return 'no'
  const matched = segmentsMatch(p, a, 1, 1, reading, variables)
  if (!matched) return 'no'
  return hasVariable ? 'depends' : 'yes'
}

/** Pattern segments from index i against ARN segments from index j. */
function segmentsMatch(p: string[], a: string[], i: number, j: number, reading: Reading, variables: boolean): boolean {
  if (i === p.length) return j === a.length
  if (j === a.length) return false
  const segment = p[i] as string
  if (i === 5) {
    // The resource part (only reached with j === 5).
    return j === 5 && resourcePartMatches(segment, a[2] as string, a[5] as string, reading, variables)
  }
  const options = { colonFree: true, ignoreCase: reading.fixedSegmentCaseIgnored }
  if (i === 2 && (segment.includes('*') || segment.includes('?'))) return false // refused by IAM anyway
  if (piecesMatch(pieces(segment, variables), a[j] as string, options) && segmentsMatch(p, a, i + 1, j + 1, reading, variables)) {
    return true
  }
  if (reading.trailingStarSpansColons && segment.endsWith('*') && piecesMatch(pieces(segment, variables), a[j] as string, options)) {
    // The trailing `*` runs on over whole further ARN parts, colons and all.
    for (let k = j + 1; k < a.length; k++) {
      if (i + 1 === p.length ? k + 1 === a.length : segmentsMatch(p, a, i + 1, k + 1, reading, variables)) return true
    }
  }
  return false
}

function resourcePartMatches(pattern: string, service: string, resource: string, reading: Reading, variables: boolean): boolean {
  if (!reading.resourceTypeWildcardMatches && !TYPELESS.includes(service)) {
    const cut = resource.search(/[:/]/)
    if (cut >= 0 && !pattern.startsWith(resource.slice(0, cut + 1))) return false
  }
  return piecesMatch(pieces(pattern, variables), resource, { colonFree: false, ignoreCase: false })
}

// ---------------------------------------------------------------------------
// Principals

function accountOfPrincipal(id: string): string | undefined {
  if (/^\d{12}$/.test(id)) return id
  const m = /^arn:[^:]+:(iam|sts)::(\d{12}):/.exec(id)
  return m?.[2]
}

function isAccountName(id: string): boolean {
  return /^\d{12}$/.test(id) || /^arn:[^:]+:iam::\d{12}:root$/.test(id)
}

/** Does one listed name stand for the requester (or, with `link`, for a link of its chain)? */
function nameCovers(type: string, listed: string, requester: Requester, reading: Reading): boolean {
  if (type === 'AWS' && listed === '*') return true
  if (type !== requester.type) return false
  const wildcard = listed.includes('*') || listed.includes('?')
  if (type === 'Service') {
    if (listed === requester.id) return true
    return wildcard && reading.principalWildcardMatches && textMatches(listed, requester.id, false)
  }
  if (type === 'Federated') {
    if (listed.toLowerCase() === requester.id.toLowerCase() && !listed.startsWith('arn:')) return true
    return listed === requester.id || (wildcard && reading.principalWildcardMatches && textMatches(listed, requester.id, true))
  }
  // AWS
  if (isAccountName(listed)) return accountOfPrincipal(listed) === accountOfPrincipal(requester.id)
  const same = (x: string, y: string): boolean => (reading.principalArnCaseIgnored ? x.toLowerCase() === y.toLowerCase() : x === y)
  if (same(listed, requester.id)) return true
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(requester.id)
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(.*\/)?([^/]+)$/.exec(listed)
  if (session && role && session[1] === role[1] && session[2] === role[2] && same(session[3] as string, role[4] as string)) return true
  return wildcard && reading.principalWildcardMatches && textMatches(listed, requester.id, reading.principalArnCaseIgnored)
}

function entriesOf(element: unknown): [string, string][] {
  if (element === '*') return [['AWS', '*']]
  if (!isObject(element)) return []
  return Object.entries(element).flatMap(([type, ids]) => (strings(ids) ?? []).map((id): [string, string] => [type, id]))
}

function principalNamed(element: unknown, requester: Requester, reading: Reading): boolean {
  return entriesOf(element).some(([type, id]) => nameCovers(type, id, requester, reading))
}

/**
 * NotPrincipal: with Deny, AWS may check the requester, its role (for a session)
 * and its account (below root), and exempts only when each of them is listed.
 */
function exempted(element: unknown, requester: Requester, effect: string, reading: Reading): boolean {
  const entries = entriesOf(element)
  if (entries.some(([type, id]) => type === 'AWS' && id === '*')) return true
  const sameText = (x: string, y: string): boolean => (reading.principalArnCaseIgnored ? x.toLowerCase() === y.toLowerCase() : x === y)
  const links: boolean[] = []
  links.push(
    entries.some(([type, id]) => {
      if (type !== requester.type) return false
      if (type !== 'AWS') return nameCovers(type, id, requester, reading)
      if (isAccountName(id)) return isAccountName(requester.id) && accountOfPrincipal(id) === accountOfPrincipal(requester.id)
      const wildcard = id.includes('*') || id.includes('?')
      return sameText(id, requester.id) || (wildcard && reading.principalWildcardMatches && textMatches(id, requester.id, reading.principalArnCaseIgnored))
    })
  )
  if (requester.type === 'AWS') {
    const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(requester.id)
    if (session) {
      links.push(
        entries.some(([type, id]) => {
          const role = /^arn:([^:]+):iam::(\d{12}):role\/(.*\/)?([^/]+)$/.exec(id)
          return type === 'AWS' && role !== null && role[1] === session[1] && role[2] === session[2] && sameText(role[4] as string, session[3] as string)
        })
      )
    }
    const account = accountOfPrincipal(requester.id)
    if (account !== undefined && !isAccountName(requester.id)) {
      links.push(entries.some(([type, id]) => type === 'AWS' && isAccountName(id) && accountOfPrincipal(id) === account))
    }
  }
  if (effect === 'Allow' && reading.allowNotPrincipalAnyLink) return links.some(Boolean)
  return links.every(Boolean)
}

// ---------------------------------------------------------------------------
// Evaluation

export interface Request {
  action: string
  resource?: string
  requester?: Requester
}

function statementApplies(s: Record<string, unknown>, request: Request, reading: Reading, variables: boolean): Applies {
  const actionKey = 'Action' in s ? 'Action' : 'NotAction'
  const actionNamed = (strings(s[actionKey]) ?? []).some((pattern) => {
    if (pattern === '*') return true
    // Case-insensitive in ASCII (action page); storable actions are ASCII.
    return textMatches(pattern.toLowerCase(), request.action.toLowerCase(), false)
  })
  if (actionNamed !== (actionKey === 'Action')) return 'no'

  let result: Applies = 'yes'
  if (request.resource !== undefined) {
    const key = 'Resource' in s ? 'Resource' : 'NotResource'
    const states = (strings(s[key]) ?? []).map((pattern) => resourcePatternMatches(pattern, request.resource as string, reading, variables))
    const named: Applies = states.includes('yes') ? 'yes' : states.includes('depends') ? 'depends' : 'no'
    const applies: Applies = key === 'Resource' ? named : named === 'yes' ? 'no' : named === 'no' ? 'yes' : 'depends'
    if (applies === 'no') return 'no'
    if (applies === 'depends') result = 'depends'
  }
  if ('Principal' in s || 'NotPrincipal' in s) {
    if (request.requester === undefined) return 'no'
    const applies =
      'Principal' in s
        ? principalNamed(s['Principal'], request.requester, reading)
        : !exempted(s['NotPrincipal'], request.requester, s['Effect'] as string, reading)
    if (!applies) return 'no'
  }
  const condition = s['Condition']
  if (isObject(condition) && Object.keys(condition).length > 0) result = 'depends'
  return result
}

/**
 * One reading's outcome for a set of documents of one kind (the union AWS
 * evaluates), with the statements ("document/statement") that allow unconditionally.
 */
export function evaluateUnder(
  documents: unknown[],
  kind: 'identity' | 'trust',
  request: Request,
  reading: Reading
): { outcome: Outcome; allowers: string[] } {
  if (!documents.every((d) => storable(d, kind))) return { outcome: 'refused', allowers: [] }
  const effects: { effect: string; applies: Applies; at: string }[] = []
  documents.forEach((document, n) => {
    const d = document as Record<string, unknown>
    const variables = d['Version'] === '2012-10-17'
    const list = Array.isArray(d['Statement']) ? (d['Statement'] as Record<string, unknown>[]) : [d['Statement'] as Record<string, unknown>]
    list.forEach((s, i) => effects.push({ effect: s['Effect'] as string, applies: statementApplies(s, request, reading, variables), at: `${n}/${i}` }))
  })
  const denies = effects.filter((e) => e.effect === 'Deny')
  const allows = effects.filter((e) => e.effect === 'Allow')
  const allowers = allows.filter((e) => e.applies === 'yes').map((e) => e.at)
  const outcome = (): Outcome => {
    if (denies.some((e) => e.applies === 'yes')) return 'explicit-deny'
    const maybeDenied = denies.some((e) => e.applies === 'depends')
    if (allowers.length > 0 && !maybeDenied) return 'allow'
    if (allowers.length > 0 || allows.some((e) => e.applies === 'depends')) return 'depends'
    return 'implicit-deny'
  }
  return { outcome: outcome(), allowers }
}

export interface Verdict {
  /** Allowed under every reading. */
  certainlyAllowed: boolean
  /**
   * Allowed under every reading, but by different statements under different
   * readings: no single statement allows whatever the open questions' answers
   * (for a boundary, on one of the two sides).
   */
  allowedOnlyAcrossReadings: boolean
  /** Explicitly denied under every reading. */
  certainlyDenied: boolean
  refused: boolean
  /** The open questions whose answer changes whether the request is allowed. */
  unsettledBy: (keyof Reading)[]
}

/** `sides`: per policy set (identity, boundary), the statements allowing under that reading. */
export function verdict(under: (reading: Reading) => { outcome: Outcome; sides: string[][] }): Verdict {
  const readings = allReadings()
  const results = readings.map(under)
  const outcomes = results.map((r) => r.outcome)
  const steady = (side: number): boolean => {
    const first = results[0]?.sides[side] ?? []
    return first.some((at) => results.every((r) => r.sides[side]?.includes(at)))
  }
  const sideCount = results[0]?.sides.length ?? 0
  const allowedAt = outcomes.map((o) => o === 'allow')
  // allReadings() numbers reading i by its flags as bits, so flipping flag b is i ^ (1 << b).
  const unsettledBy = READING_FLAGS.filter((_, bit) => readings.some((_, index) => allowedAt[index] !== allowedAt[index ^ (1 << bit)]))
  const certainlyAllowed = allowedAt.every(Boolean)
  return {
    certainlyAllowed,
    allowedOnlyAcrossReadings: certainlyAllowed && !Array.from({ length: sideCount }, (_, side) => steady(side)).every(Boolean),
    certainlyDenied: outcomes.every((o) => o === 'explicit-deny'),
    refused: outcomes.every((o) => o === 'refused'),
    unsettledBy
  }
}
