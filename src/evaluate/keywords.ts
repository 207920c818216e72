import { Ajv, type ErrorObject, type FuncKeywordDefinition, type SchemaValidateFunction } from 'ajv'
import ajvErrorsModule from 'ajv-errors'
import type { IdentityPolicy, PolicyDocument, SecurityGroupState } from '../state/types.js'
import { evaluatePolicies, evaluateTrust, intersect, type Evaluation } from './iam-policy.js'
import { judgeAdmitted, judgeNotWider, type IngressVerdict } from './ingress.js'

// ajv-errors is CommonJS; under NodeNext its function sits on `.default`.
const ajvErrors = (ajvErrorsModule as unknown as { default: (ajv: Ajv) => Ajv }).default
export type AjvInstance = Ajv

type KeywordValidate = ((schema: never, data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] }

/** A keyword whose verdict comes with human messages instead of ajv's generic ones. */
function domainKeyword<S>(
  keyword: string,
  metaSchema: Record<string, unknown>,
  judge: (schema: S, data: unknown) => string[]
): FuncKeywordDefinition {
  const validate: KeywordValidate = (schema: never, data: unknown) => {
    const problems = judge(schema as S, data)
    validate.errors = problems.map((message) => ({ keyword, message, params: { keyword } }))
    return problems.length === 0
  }
  return { keyword, metaSchema, errors: true, validate: validate as unknown as SchemaValidateFunction }
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
function judgeIamAllows(schema: { action: string; resource: string }, data: unknown): string[] {
  if (isPolicyDocument(data)) {
    return decisionProblems(evaluatePolicies([{ name: 'the policy', document: data }], schema))
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { policies?: unknown }).policies)) {
    return ['no policy document to judge']
  }
  const holder = data as { policies: IdentityPolicy[]; permissionsBoundary?: IdentityPolicy }
  const unread = holder.policies.filter((p) => p.document === undefined).map((p) => p.name)
  if (unread.length > 0) return [`the documents of ${unread.join(', ')} were not collected, so the permissions cannot be judged`]
  const labelled = holder.policies.map((p) => ({ name: p.name, document: p.document! }))
  let evaluation = evaluatePolicies(labelled, schema)
  const boundary = holder.permissionsBoundary
  if (boundary) {
    if (!boundary.document) return [`the permissions boundary ${boundary.name} was not collected`]
    evaluation = intersect(evaluation, evaluatePolicies([{ name: `boundary ${boundary.name}`, document: boundary.document }], schema))
  }
  return decisionProblems(evaluation)
}

function judgeTrust(service: string, data: unknown): string[] {
  if (!isPolicyDocument(data)) return ['the role has no readable trust policy']
  return decisionProblems(evaluateTrust({ name: 'the trust policy', document: data }, { principal: { type: 'Service', id: service } }))
}

function ingress(judge: (g: SecurityGroupState[], c: string[], p: number | undefined) => IngressVerdict) {
  return (schema: { cidrs: string[] | null; port?: number | string | null }, data: unknown): string[] => {
    if (!Array.isArray(data)) return ['no security groups to judge']
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
        properties: { action: { type: 'string', minLength: 1 }, resource: { type: ['string', 'null'] } }
      },
      (schema: { action: string; resource: string | null }, data) =>
        schema.resource === null ? ['the resource to check is not set'] : judgeIamAllows({ action: schema.action, resource: schema.resource }, data)
    )
  )
  ajv.addKeyword(domainKeyword('trustsService', { type: 'string', pattern: '^[a-z0-9.-]+\\.amazonaws\\.com(\\.cn)?$' }, judgeTrust))
  ajv.addKeyword(domainKeyword('cidrsAdmitted', cidrSchema, ingress(judgeAdmitted)))
  ajv.addKeyword(domainKeyword('noWiderIngress', cidrSchema, ingress(judgeNotWider)))
  return ajv
}
