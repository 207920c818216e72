/**
 * The fault-injection matrix, shared by test/resilience/faults.test.ts and test/bench/faults.ts.
 *
 * One emulator set (moto + the Redshift fakes) holds a seeded DRIFTED account; the fault proxy
 * (test/support/aws-proxy.ts) sits between the CLI and the emulators. Each scenario injects one
 * fault on one service operation and runs a live audit through the CLI's main(argv, io). The
 * verdicts are compared with the ground truth (the same audit without a fault): a rule the
 * fault makes unreadable must be `error`, a rule that requires it `skipped`, every other rule
 * exactly as in the ground truth; a rule that fails in the ground truth must never `pass`.
 */
import { performance } from 'node:perf_hooks'
import { accessDenied, throttled, type AwsProxy, type ProxyDecision, type ProxyHook, type ProxyRequest } from '../support/aws-proxy.js'
import { startEmulatorProxy, startEmulators, type Emulators, type ServiceKey } from '../support/emulators.js'
import { cargoInputs, cliArgs, type Deployment } from '../support/inputs.js'
import { seedCompliantProvisioned, seedCompliantServerless, type Drift, type Seeded } from '../support/seed.js'
import { loadRuleSet } from '../../src/config/rule-set.js'
import { placeholdersIn } from '../../src/config/placeholders.js'
import { runCli, workspace } from './harness.js'


export type { Deployment, ServiceKey }

/** The drift seeded in every account of the matrix: at least one failing rule per service. */
export const DRIFT: Drift = {
  trustServices: ['redshift.amazonaws.com'],
  noLambdaPolicies: true,
  ingress: 'wide',
  notAssociated: true,
  notPubliclyAccessible: true,
  crossAccountPolicy: 'wrong-resource',
  sql: (redshift, names) => redshift.admin(`REVOKE CREATE ON DATABASE ${names.database} FROM ${names.dbUser}`)
}

/** What a fault does to a request. */
export type FaultKind =
  | 'throttle-some'
  | 'throttle-all'
  | 'http-500'
  | 'http-503'
  | 'delay-past-timeout'
  | 'reset-some'
  | 'reset-all'
  | 'truncated-body'
  | 'html-body'
  | 'empty-body'
  | 'access-denied'

/** Faults the SDK's retries absorb: the verdicts must equal the ground truth. */
export const RECOVERABLE: ReadonlySet<FaultKind> = new Set(['throttle-some', 'reset-some'])

export interface Scenario {
  /** `<service>:<operation> <fault>` */
  id: string
  deployment: Deployment
  service: ServiceKey
  operation: string
  fault: FaultKind
  /**
   * State pointers the fault makes unreadable (empty for recoverable faults). Rules reading
   * them must be `error`, rules requiring those `skipped`.
   */
  unreadable: string[]
  /** The audit timeout (--timeout, seconds): short where the fault delays past it. */
  timeoutSeconds: number
}

/** The audit timeout of scenarios that delay an answer past it. */
export const SHORT_TIMEOUT_SECONDS = 3
/** The audit timeout of every other scenario (room for the SDK's retries and backoff). */
export const TIMEOUT_SECONDS = 30
/** How much longer than the audit timeout a scenario may take. */
export const MARGIN_MS = 5_000

/**
 * What an answer that never comes (past the deadline) also takes with it: the lookups that wait
 * on it. With policy-name, the cross-account policy's ARN comes from the role's attached list.
 */
const WAITING_ON: Record<string, string[]> = {
  'iam:ListAttachedRolePolicies': ['/iam/crossAccountPolicy'],
  // Without data-api-database the SQL checks wait for the namespace's database name.
  'redshift-serverless:GetNamespace': ['/sql']
}

/** The pointers each operation's failure leaves unreadable, as the collectors document it. */
const UNREADABLE: Record<string, string[]> = {
  'iam:GetRole': ['/iam/role'],
  'iam:ListAttachedRolePolicies': ['/iam/role/policies'],
  // Every managed policy document: the role's policies' documents (not their names and ARNs) and the cross-account policy.
  'iam:GetPolicyVersion': ['/iam/role/policies/*/document', '/iam/crossAccountPolicy'],
  'iam:GetUser': ['/iam/lambdaUser'],
  'iam:ListAccessKeys': ['/iam/lambdaUser/accessKeys'],
  'ec2:DescribeSecurityGroups': ['/network/securityGroups'],
  // Nothing waits on STS when the role ARN gives the account id.
  'sts:GetCallerIdentity': ['/source/accountId'],
  'redshift-serverless:GetWorkgroup': ['/redshift', '/network/securityGroups', '/sql'],
  // The SQL checks still run (on the default database), but redshift-exists, which they require, cannot be judged.
  'redshift-serverless:GetNamespace': ['/redshift/iamRoles', '/redshift/defaultIamRoleArn', '/redshift/dbName'],
  'redshift-data:ExecuteStatement': ['/sql'],
  'redshift-data:DescribeStatement': ['/sql'],
  'redshift-data:GetStatementResult': ['/sql'],
  'redshift:DescribeClusters': ['/redshift', '/network/securityGroups', '/sql']
}

const OPERATIONS: Array<{ deployment: Deployment; service: ServiceKey; operation: string; faults: FaultKind[] }> = [
  { deployment: 'serverless', service: 'iam', operation: 'GetRole', faults: ['throttle-some', 'throttle-all', 'http-500', 'reset-all', 'truncated-body', 'html-body'] },
  { deployment: 'serverless', service: 'iam', operation: 'ListAttachedRolePolicies', faults: ['throttle-some', 'http-503', 'reset-some', 'truncated-body', 'html-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'iam', operation: 'GetPolicyVersion', faults: ['throttle-some', 'http-500', 'truncated-body', 'empty-body'] },
  { deployment: 'serverless', service: 'iam', operation: 'GetUser', faults: ['http-503', 'reset-some', 'html-body', 'access-denied'] },
  { deployment: 'serverless', service: 'iam', operation: 'ListAccessKeys', faults: ['throttle-some', 'reset-all', 'truncated-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'ec2', operation: 'DescribeSecurityGroups', faults: ['throttle-some', 'throttle-all', 'http-503', 'reset-all', 'truncated-body', 'html-body', 'empty-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'sts', operation: 'GetCallerIdentity', faults: ['http-500', 'truncated-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'redshift-serverless', operation: 'GetWorkgroup', faults: ['throttle-some', 'throttle-all', 'http-500', 'reset-all', 'truncated-body', 'html-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'redshift-serverless', operation: 'GetNamespace', faults: ['http-503', 'truncated-body', 'empty-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'redshift-data', operation: 'ExecuteStatement', faults: ['throttle-some', 'http-500', 'reset-all', 'truncated-body', 'access-denied'] },
  { deployment: 'serverless', service: 'redshift-data', operation: 'DescribeStatement', faults: ['http-503', 'reset-all', 'html-body', 'delay-past-timeout'] },
  { deployment: 'serverless', service: 'redshift-data', operation: 'GetStatementResult', faults: ['throttle-some', 'http-500', 'truncated-body', 'empty-body'] },
  { deployment: 'provisioned', service: 'redshift', operation: 'DescribeClusters', faults: ['throttle-some', 'throttle-all', 'http-503', 'reset-all', 'truncated-body', 'html-body', 'delay-past-timeout'] }
]

/**
 * Known defects: scenarios whose verdicts are wrong today, with what should happen instead.
 * The test runs their verdict check with `it.fails`; the bench counts them.
 */
// All eight found by this matrix (200 answers with an empty or HTML body read as "no data") were
// fixed in src/aws/call.ts: a read whose answer carries no field is a failed read.
export const KNOWN_BUGS: Readonly<Record<string, string>> = {
}

export const SCENARIOS: readonly Scenario[] = OPERATIONS.flatMap(({ deployment, service, operation, faults }) =>
  faults.map((fault) => ({
    id: `${deployment === 'provisioned' ? 'provisioned ' : ''}${service}:${operation} ${fault}`,
    deployment,
    service,
    operation,
    fault,
    unreadable: RECOVERABLE.has(fault)
      ? []
      : [...(UNREADABLE[`${service}:${operation}`] ?? []), ...(fault === 'delay-past-timeout' ? (WAITING_ON[`${service}:${operation}`] ?? []) : [])],
    timeoutSeconds: fault === 'delay-past-timeout' ? SHORT_TIMEOUT_SECONDS : TIMEOUT_SECONDS
  }))
)

// -------------------------------------------------------------------------------------------
// Faults as proxy decisions

/** A 200 answer whose body is cut in the middle, in the request's protocol. */
function truncated(request: ProxyRequest): ProxyDecision {
  if (request.protocol === 'json') {
    const body = `{"workgroup":{"workgroupName":"cargo-wg","namespaceName":"cargo-ns","publiclyAccessible":true,"securityGroupIds":["sg-1"],"statementId":"x","Records":[[{"stringValue":"cargo_u`
    return { action: 'respond', status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1' } }
  }
  const root = `${request.operation}Response`
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${request.operation}Result><Role><RoleName>cargo-redshift</RoleName><Arn>arn:aws:iam::123456789012:role/cargo-red`
  return { action: 'respond', status: 200, body, headers: { 'content-type': 'text/xml' } }
}

/** What a captive portal or a load balancer in the way answers: 200 with an HTML page. */
function html(): ProxyDecision {
  return {
    action: 'respond',
    status: 200,
    body: '<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Network login required</h1></body></html>',
    headers: { 'content-type': 'text/html; charset=utf-8' }
  }
}

function serverError(request: ProxyRequest, status: 500 | 503): ProxyDecision {
  if (request.protocol === 'json') {
    const code = status === 500 ? 'InternalServerException' : 'ServiceUnavailableException'
    return { action: 'respond', status, body: JSON.stringify({ __type: code, message: 'injected' }), headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code } }
  }
  const code = status === 500 ? 'InternalFailure' : 'ServiceUnavailable'
  const body =
    request.protocol === 'ec2'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>injected</Message></Error></Errors><RequestID>1</RequestID></Response>`
      : `<ErrorResponse><Error><Type>Receiver</Type><Code>${code}</Code><Message>injected</Message></Error><RequestId>1</RequestId></ErrorResponse>`
  return { action: 'respond', status, body, headers: { 'content-type': 'text/xml' } }
}

/** The proxy hook for one scenario: the fault on the scenario's operation, everything else passed. */
export function hookFor(s: Scenario): ProxyHook {
  return (request) => {
    if (request.service !== s.service || request.operation !== s.operation) return undefined
    const attempt = request.attempt ?? 1
    switch (s.fault) {
      case 'throttle-some':
        // Half the requests: the first attempt of every call is throttled; the retry gets through.
        return attempt === 1 ? throttled(request) : undefined
      case 'throttle-all':
        return throttled(request)
      case 'http-500':
        return serverError(request, 500)
      case 'http-503':
        return serverError(request, 503)
      case 'delay-past-timeout':
        return { action: 'pass', delayMs: s.timeoutSeconds * 1000 + 3_000 }
      case 'reset-some':
        return attempt === 1 ? { action: 'reset' } : undefined
      case 'reset-all':
        return { action: 'reset' }
      case 'truncated-body':
        return truncated(request)
      case 'html-body':
        return html()
      case 'empty-body':
        return { action: 'respond', status: 200, body: '', headers: { 'content-type': request.protocol === 'json' ? 'application/x-amz-json-1.1' : 'text/xml' } }
      case 'access-denied':
        return accessDenied(request)
    }
  }
}

// -------------------------------------------------------------------------------------------
// The rig: emulators, seeded accounts, the proxy, the ground truth

export interface Finding {
  ruleId: string
  resource: string
  status: string
  message: string
  cause?: { service?: string; operation?: string; code?: string; message?: string } | null
}

export interface Rule {
  id: string
  given: string
  /** What the verdict depends on: the rule's declared `reads` (default `given`) and the `${state:...}` values of `then`. */
  reads: string[]
  requires?: string[]
}

/** The built-in rules, as the matrix needs them. */
export function builtInRules(): Rule[] {
  return loadRuleSet([]).rules.map((r) => ({
    id: r.id,
    given: r.given,
    reads: [...(r.reads ?? [r.given]), ...[...placeholdersIn(r.then)].flatMap((name) => (name.startsWith('state:') ? [name.slice(6)] : []))],
    ...(r.requires ? { requires: r.requires } : {})
  }))
}

export interface GroundTruth {
  findings: Finding[]
  rules: Rule[]
  /** The audit's argv for a given --timeout. */
  argv(timeoutSeconds: number): string[]
}

export interface Rig {
  em: Emulators
  proxy: AwsProxy<ServiceKey>
  /** The environment pointing every service at the proxy. */
  env: Record<string, string>
  truth: Partial<Record<Deployment, GroundTruth>>
  /** Seeds `deployment` (resetting the emulators) and records its ground truth, once. */
  prepare(deployment: Deployment): Promise<GroundTruth>
  close(): Promise<void>
}

export function argvFor(seeded: Seeded, deployment: Deployment, timeoutSeconds = TIMEOUT_SECONDS): string[] {
  const flags = cargoInputs(seeded.names, deployment, {
    ...(deployment === 'provisioned' ? { 'data-api-db-user': 'admin' } : {}),
    timeout: String(timeoutSeconds),
    'fail-on': 'error'
  })
  return ['audit', '--format', 'json', ...cliArgs(flags)]
}

export async function startRig(): Promise<Rig> {
  const em = await startEmulators()
  const { proxy, env } = await startEmulatorProxy(em)
  const truth: Rig['truth'] = {}
  let current: Deployment | undefined
  const rig: Rig = {
    em,
    proxy,
    env,
    truth,
    async prepare(deployment) {
      if (current === deployment && truth[deployment]) return truth[deployment]!
      await em.reset()
      const seeded = deployment === 'serverless' ? await seedCompliantServerless(em, DRIFT) : await seedCompliantProvisioned(em, DRIFT)
      current = deployment
      const argv = (timeout: number) => argvFor(seeded, deployment, timeout)
      proxy.setHook(undefined)
      const run = await runAudit(rig, argv(TIMEOUT_SECONDS))
      if (run.code !== 1 || !run.report) throw new Error(`ground truth audit failed (exit ${run.code}):\n${run.stderr}\n${run.stdout.slice(0, 2000)}`)
      const errors = run.report.findings.filter((f) => f.status === 'error')
      if (errors.length > 0) throw new Error(`ground truth has unreadable rules: ${JSON.stringify(errors, null, 2)}`)
      truth[deployment] = { findings: run.report.findings, rules: builtInRules(), argv }
      return truth[deployment]!
    },
    async close() {
      await proxy.close()
      await em.close()
    }
  }
  return rig
}

interface AuditRun {
  code: number
  stdout: string
  stderr: string
  ms: number
  report?: { findings: Finding[] }
}

async function runAudit(rig: Rig, argv: string[]): Promise<AuditRun> {
  const run = await runCli(argv, { cwd: workspace({}, [], 'crg-fault-'), env: rig.env })
  let report: AuditRun['report']
  try {
    report = JSON.parse(run.stdout) as AuditRun['report']
  } catch {
    report = undefined
  }
  return { ...run, ...(report ? { report } : {}) }
}

// -------------------------------------------------------------------------------------------
// Judging a run against the ground truth

const segments = (p: string) => (p === '' ? [] : p.slice(1).split('/'))
const same = (a: string, b: string) => a === b || a === '*' || b === '*'
/** One pointer is the other or lies below it ('*' matches any one segment). */
const overlap = (a: string, b: string) => {
  const [pa, pb] = [segments(a), segments(b)]
  return pa.slice(0, Math.min(pa.length, pb.length)).every((s, i) => same(s, pb[i]!))
}
/** `ancestor` is `pointer` or lies above it. */
const contains = (ancestor: string, pointer: string) => {
  const [pa, pp] = [segments(ancestor), segments(pointer)]
  return pa.length <= pp.length && pa.every((s, i) => same(s, pp[i]!))
}
/** A rule needs the fact at `pointer`: its target or anything above it, or anything it reads. */
const needs = (rule: Rule, pointer: string) => contains(pointer, rule.given) || rule.reads.some((read) => overlap(read, pointer))

/** The status each rule should have under the scenario, from the ground truth and the pointers it makes unreadable. */
export function expectedStatuses(truth: GroundTruth, unreadable: string[]): Map<string, string> {
  const base = new Map(truth.findings.map((f) => [f.ruleId, f.status]))
  const out = new Map<string, string>()
  const rules = new Map(truth.rules.map((r) => [r.id, r]))
  const visit = (id: string): string => {
    const known = out.get(id)
    if (known) return known
    const rule = rules.get(id)
    const baseline = base.get(id) ?? 'skipped'
    let status = baseline
    // Disabled, not applicable or missing an input: the fault changes nothing.
    const inert = baseline === 'skipped' && !(rule?.requires ?? []).some((r) => base.get(r) !== 'pass')
    if (rule && !inert && unreadable.some((p) => needs(rule, p))) status = 'error'
    else if (rule && (rule.requires ?? []).some((r) => visit(r) !== 'pass')) status = 'skipped'
    out.set(id, status)
    return status
  }
  for (const id of rules.keys()) visit(id)
  return out
}

export interface ScenarioOutcome {
  scenario: Scenario
  code: number
  ms: number
  /** Rules that fail in the ground truth but passed here. */
  falsePasses: string[]
  /** Any pass that is not a pass in the ground truth. */
  wrongPasses: string[]
  /** Exit code 3, no JSON report, an unhandled rejection, or an error escaping main. */
  crashed: boolean
  crashReason?: string
  /** `rule: expected -> actual` for every rule whose status differs from the expectation. */
  mismatches: string[]
  /** Within the audit timeout + MARGIN_MS. */
  inTime: boolean
  findings: Finding[]
  stderr: string
  /** Requests to the faulted operation that reached the proxy (0: the fault was never exercised). */
  faultHits: number
  /** `error` findings whose cause does not say what failed (no service, operation or message). */
  unexplainedErrors: string[]
}

/** Unhandled rejections seen while a scenario ran (the listener is installed by `runScenario`). */
const unhandled: unknown[] = []
let listening = false

export async function runScenario(rig: Rig, s: Scenario): Promise<ScenarioOutcome> {
  if (!listening) {
    process.on('unhandledRejection', (reason) => void unhandled.push(reason))
    listening = true
  }
  const truth = await rig.prepare(s.deployment)
  unhandled.length = 0
  rig.proxy.calls.length = 0
  rig.proxy.setHook(hookFor(s))
  const started = performance.now()
  let run: AuditRun
  let escaped: unknown
  try {
    run = await runAudit(rig, truth.argv(s.timeoutSeconds))
  } catch (err) {
    escaped = err
    run = { code: 3, stdout: '', stderr: String(err), ms: performance.now() - started }
  } finally {
    rig.proxy.setHook(undefined)
  }
  // Give a stray rejection a moment to surface.
  await new Promise((r) => setTimeout(r, 50))
  const ms = run.ms
  const findings = run.report?.findings ?? []
  const base = new Map(truth.findings.map((f) => [`${f.ruleId} ${f.resource}`, f.status]))
  const baseByRule = new Map<string, string[]>()
  for (const f of truth.findings) baseByRule.set(f.ruleId, [...(baseByRule.get(f.ruleId) ?? []), f.status])
  const falsePasses: string[] = []
  const wrongPasses: string[] = []
  for (const f of findings) {
    if (f.status !== 'pass') continue
    const b = base.get(`${f.ruleId} ${f.resource}`) ?? (baseByRule.get(f.ruleId) ?? []).join('|')
    if (b.includes('fail')) falsePasses.push(`${f.ruleId} ${f.resource}`)
    if (b !== 'pass') wrongPasses.push(`${f.ruleId} ${f.resource} (ground truth: ${b || 'absent'})`)
  }
  const expected = expectedStatuses(truth, s.unreadable)
  const actualByRule = new Map<string, Set<string>>()
  for (const f of findings) actualByRule.set(f.ruleId, new Set([...(actualByRule.get(f.ruleId) ?? []), f.status]))
  const mismatches: string[] = []
  for (const [id, want] of expected) {
    const got = [...(actualByRule.get(id) ?? new Set(['absent']))]
    if (got.length !== 1 || got[0] !== want) mismatches.push(`${id}: expected ${want}, got ${got.join('|')}`)
  }
  const crashReason =
    escaped !== undefined
      ? `main threw: ${String(escaped)}`
      : run.code === 3 || ![0, 1].includes(run.code)
        ? `exit ${run.code}: ${run.stderr.slice(0, 500)}`
        : !run.report
          ? 'no JSON report on stdout'
          : unhandled.length > 0
            ? `unhandled rejection: ${String(unhandled[0])}`
            : undefined
  const faultHits = rig.proxy.calls.filter((c) => c.service === s.service && c.operation === s.operation).length
  const unexplainedErrors = findings
    .filter((f) => f.status === 'error' && !(f.cause?.service && f.cause.operation && f.cause.message))
    .map((f) => `${f.ruleId}: ${f.message}`)
  return {
    scenario: s,
    faultHits,
    unexplainedErrors,
    code: run.code,
    ms,
    falsePasses,
    wrongPasses,
    crashed: crashReason !== undefined,
    ...(crashReason ? { crashReason } : {}),
    mismatches,
    inTime: ms <= s.timeoutSeconds * 1000 + MARGIN_MS,
    findings,
    stderr: run.stderr
  }
}
