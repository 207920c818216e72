import { Ajv, type ErrorObject, type FuncKeywordDefinition } from 'ajv'
import ajvErrorsModule from 'ajv-errors'
import type { IdentityPolicy, PolicyDocument, RedshiftRoleAssociation, SecurityGroupState } from '../state/types.js'
import { evaluatePolicies, evaluateTrust, intersect, type Evaluation } from '../policy/iam-policy.js'
import { judgeAdmitted, judgeNotWider, type IngressVerdict } from '../policy/ingress.js'
import { normalizeCidr } from './parameters.js'

// ajv-errors is CommonJS; under NodeNext its function sits on `.default`.
const ajvErrors = (ajvErrorsModule as unknown as { default: (ajv: Ajv) => Ajv }).default
export type AjvInstance = Ajv

type CompiledValidate = ((data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] }

/**
 * A keyword's reason why the data cannot be judged at all (a document that was never read), as
 * against a reason it does not hold. The engine makes a rule whose only reasons are these
 * `error`, never `fail`: what was not read is not drift.
 */
export class Unjudgeable {
  constructor(readonly message: string) {}
}
export type KeywordProblem = string | Unjudgeable

/** Whether an ajv error is a keyword's "cannot be judged" (see Unjudgeable). */
export function isUnjudgeable(error: Partial<ErrorObject>): boolean {
  return (error.params as Record<string, unknown> | undefined)?.['unjudgeable'] === true
}

/**
 * A keyword whose verdict comes with human messages instead of ajv's generic ones. `checkSchema`
 * refuses, when the rule compiles (so at load, as a configuration error), values the meta-schema
 * cannot: a CIDR that is no network, a port out of range.
 */
function domainKeyword<S>(
  keyword: string,
  metaSchema: Record<string, unknown>,
  judge: (schema: S, data: unknown) => KeywordProblem[],
  checkSchema?: (schema: S) => string | undefined
): FuncKeywordDefinition {
  return {
    keyword,
    metaSchema,
    errors: true,
    compile(schema: S) {
      const why = checkSchema?.(schema)
      if (why) throw new Error(`keyword "${keyword}": ${why}`)
      // A compiled keyword's function is called with the data first (ajv's `compile` form).
      const validate: CompiledValidate = (data: unknown) => {
        const problems = judge(schema, data)
        validate.errors = problems.map((p) =>
          p instanceof Unjudgeable ? { keyword, message: p.message, params: { keyword, unjudgeable: true } } : { keyword, message: p, params: { keyword } }
        )
        return problems.length === 0
      }
      return validate as unknown as ReturnType<NonNullable<FuncKeywordDefinition["compile"]>>
    }
  }
}

function isPolicyDocument(data: unknown): data is PolicyDocument {
  return typeof data === 'object' && data !== null && 'Statement' in data
}

function decisionProblems(evaluation: Evaluation): string[] {
  return evaluation.decision === 'allow' ? [] : [evaluation.explanation]
}

/**
 * iamAllows on a policy document, or on an identity holding `policies` (and
 * perhaps a permissions boundary): allowed only when unconditionally allowed
 * with no Deny in the way. A conditional allow is not a pass.
 */
function judgeIamAllows(schema: { action: string; resource: string; via?: string | null }, data: unknown): KeywordProblem[] {
  if (isPolicyDocument(data)) {
    return decisionProblems(evaluatePolicies([{ name: 'the policy', document: data }], schema))
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { policies?: unknown }).policies)) {
    return [new Unjudgeable('no policy document to judge')]
  }
  const holder = data as { policies: IdentityPolicy[]; permissionsBoundary?: IdentityPolicy }
  const unread = holder.policies.filter((p) => p.document === undefined).map((p) => p.name)
  if (unread.length > 0) return [new Unjudgeable(`the documents of ${unread.join(', ')} were not collected, so the permissions cannot be judged`)]
  const labelled = holder.policies.map((p) => ({ name: p.name, document: p.document! }))
  let evaluation = evaluatePolicies(labelled, schema)
  const boundary = holder.permissionsBoundary
  if (boundary) {
    if (!boundary.document) return [new Unjudgeable(`the permissions boundary ${boundary.name} was not collected`)]
    evaluation = intersect(evaluation, evaluatePolicies([{ name: `boundary ${boundary.name}`, document: boundary.document }], schema))
  }
  const problems = decisionProblems(evaluation)
  if (problems.length === 0 || !schema.via) return problems
  // Say first whether the policy meant to grant it is attached: the fixes differ (attach vs edit).
  const name = schema.via
  const attached = holder.policies.some((p) => p.name === name && p.kind !== 'inline')
  return [
    attached
      ? `policy '${name}' is attached but does not allow ${schema.action} on ${schema.resource} (${problems.join('; ')})`
      : `policy '${name}' is not attached (${problems.join('; ')})`
  ]
}

/** Whether the role is associated with Redshift and in sync; says which roles are, and whether it is pending. */
function judgeRoleAssociated(arn: string | null, data: unknown): KeywordProblem[] {
  if (!Array.isArray(data)) return [new Unjudgeable('the associated roles were not read')]
  if (arn === null || arn === '') return ["the role's ARN is not known, so its association cannot be judged"]
  const roles = data as RedshiftRoleAssociation[]
  const mine = roles.find((r) => r.arn === arn)
  // No status (an IaC plan states none) reads as in effect, as before the keyword existed.
  if (mine && (mine.applyStatus === undefined || mine.applyStatus === 'in-sync')) return []
  // ClusterIamRole.ApplyStatus (Redshift API Reference): in-sync, adding, removing. Waiting
  // helps only while it is being added.
  if (mine?.applyStatus === 'removing') return [`${arn} is being removed (applyStatus 'removing'): it will not be in effect once the removal completes; associate it again`]
  if (mine) return [`${arn} is associated but not yet in effect (applyStatus '${mine.applyStatus ?? 'unknown'}'): Redshift is still applying it; audit again in a few minutes`]
  const others = roles.map((r) => `${r.arn}${r.applyStatus && r.applyStatus !== 'in-sync' ? ` (${r.applyStatus})` : ''}`)
  return [`${arn} is not associated; ${others.length === 0 ? 'no role is associated at all' : `associated: ${others.join(', ')}`}`]
}

function judgeTrust(service: string, data: unknown): KeywordProblem[] {
  if (!isPolicyDocument(data)) return [new Unjudgeable('the role has no readable trust policy')]
  return decisionProblems(evaluateTrust({ name: 'the trust policy', document: data }, { principal: { type: 'Service', id: service } }))
}

function ingress(judge: (g: SecurityGroupState[], c: string[], p: number | undefined) => IngressVerdict) {
  return (schema: { cidrs: string[] | null; port?: number | string | null }, data: unknown): KeywordProblem[] => {
    if (!Array.isArray(data)) return [new Unjudgeable('no security groups to judge')]
    const port = schema.port === null || schema.port === undefined || schema.port === '' ? undefined : Number(schema.port)
    return judge(data as SecurityGroupState[], schema.cidrs ?? [], Number.isFinite(port) ? port : undefined).problems
  }
}

const cidrSchema = {
  type: 'object',
  required: ['cidrs'],
  additionalProperties: false,
  properties: {
    cidrs: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    port: { type: ['integer', 'string', 'null'] }
  }
}

/** A literal CIDR list or port in a rule that can name no network or port (placeholders arrive filled). */
function cidrSchemaProblem(schema: { cidrs: string[] | null; port?: number | string | null }): string | undefined {
  for (const cidr of schema.cidrs ?? []) {
    const normalized = normalizeCidr(cidr)
    if (normalized.error) return normalized.error
    // The judges compare networks: a bare address would match nothing and read as drift.
    if (!cidr.includes('/')) return `'${cidr}' is an address, not a CIDR block; write ${normalized.cidr}`
  }
  const port = schema.port
  if (port === null || port === undefined || port === '') return undefined
  if (!/^\d{1,5}$/.test(String(port)) || Number(port) > 65535) return `port ${JSON.stringify(port)} is not a TCP port (0-65535)`
  return undefined
}

/** The ajv instance every rule's `then` is compiled with. */
export function createAjv(): AjvInstance {
  const ajv = new Ajv({
    allErrors: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    verbose: true
  })
  ajvErrors(ajv)
  ajv.addKeyword(
    domainKeyword(
      'iamAllows',
      {
        type: 'object',
        required: ['action', 'resource'],
        additionalProperties: false,
        properties: {
          action: { type: 'string', minLength: 1 },
          resource: { type: ['string', 'null'] },
          // The name of the managed policy meant to grant it, for the message (attached or not).
          via: { type: ['string', 'null'] }
        }
      },
      (schema: { action: string; resource: string | null; via?: string | null }, data) =>
        schema.resource === null
          ? ['the resource to check is not set']
          : judgeIamAllows({ action: schema.action, resource: schema.resource, ...(schema.via ? { via: schema.via } : {}) }, data)
    )
  )
  ajv.addKeyword(
    domainKeyword(
      'roleAssociated',
      { type: 'object', required: ['arn'], additionalProperties: false, properties: { arn: { type: ['string', 'null'] } } },
      (schema: { arn: string | null }, data) => judgeRoleAssociated(schema.arn, data)
    )
  )
  ajv.addKeyword(domainKeyword('trustsService', { type: 'string', pattern: '^[a-z0-9.-]+\\.amazonaws\\.com(\\.cn)?$' }, judgeTrust))
  ajv.addKeyword(domainKeyword('cidrsAdmitted', cidrSchema, ingress(judgeAdmitted), cidrSchemaProblem))
  ajv.addKeyword(domainKeyword('noWiderIngress', cidrSchema, ingress(judgeNotWider), cidrSchemaProblem))
  return ajv
}
