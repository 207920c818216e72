import type { Parameters } from '../../config/parameters.js'
import type { AccountState, CollectionCause } from '../../state/types.js'
import type { CollectContext, Needs, Probe } from '../types.js'
import { partitionOfRegion } from '../../state/arn.js'
import { createAwsClients, type AwsClients } from '../../aws/clients.js'
import type { CallStats } from '../../aws/call.js'
import { dataApiConnection } from '../../aws/data-api.js'
import { createAwsCollectContext } from './context.js'
import { collectSecurityGroups } from './ec2.js'
import { accountOfArn } from '../../state/arn.js'
import {
  collectCrossAccountPolicy,
  collectLambdaUser,
  collectRole,
  discoverRole,
  IamReader,
  type RoleOutcome
} from './iam.js'
import { collectProvisioned } from './redshift-provisioned.js'
import { collectServerless, type RedshiftOutcome } from './redshift-serverless.js'
import { collectSql } from './sql.js'
import { collectCallerIdentity } from './sts.js'
import { assumeRoleCause, targetCredentials, type AssumedRoleCredentials } from '../../aws/credentials.js'
import { subjectOf, type SubjectPart } from '../../state/subject.js'
import { targetOf } from '../../state/target.js'

export type { CallStats } from '../../aws/call.js'

export interface CollectAwsOptions {
  /** Overall deadline; default `params.collect.timeoutSeconds`. */
  timeoutMs?: number
  /** Most calls in flight; default `params.collect.maxConcurrency`. */
  maxConcurrency?: number
  now?: Date
  /** Clients to use instead of fresh ones for `params.target.region` (they are then not destroyed). */
  clients?: AwsClients
  /** Told of every read tried and how it ended (doctor). */
  observe?: (probe: Probe) => void
}

/** Resolves with the first promise to give a defined value; undefined once all gave none. */
function firstDefined<T>(promises: Promise<T | undefined>[]): Promise<T | undefined> {
  return new Promise((resolve) => {
    let left = promises.length
    if (left === 0) resolve(undefined)
    for (const p of promises) {
      p.then(
        (v) => {
          if (v !== undefined) resolve(v)
          else if (--left === 0) resolve(undefined)
        },
        () => {
          if (--left === 0) resolve(undefined)
        }
      )
    }
  })
}

/** The parts of the state a refused AssumeRole leaves unread: all of it. */
const ACCOUNT_POINTERS = ['/source/accountId', '/iam', '/network', '/redshift', '/sql']

/** Assumes the target's role through ctx (counted, bounded by the deadline); false when refused. */
async function primeAssumedRole(ctx: CollectContext, credentials: AssumedRoleCredentials, roleArn: string): Promise<boolean> {
  try {
    await ctx.call('sts', 'AssumeRole', (abortSignal) => credentials.prime(abortSignal))
    return true
  } catch (err) {
    const cause = assumeRoleCause(roleArn, err)
    for (const pointer of ACCOUNT_POINTERS) ctx.unavailable(pointer, cause)
    return false
  }
}

/** Runs a collector; a bug that escapes it marks its part unavailable instead of failing the audit. */
async function guard(ctx: CollectContext, pointers: string[], work: () => Promise<unknown>): Promise<void> {
  try {
    await work()
  } catch (err) {
    const cause: CollectionCause = {
      service: 'cargo-redshift-guard',
      operation: 'collect',
      code: 'InternalError',
      message: err instanceof Error ? err.message : String(err)
    }
    for (const p of pointers) ctx.unavailable(p, cause)
  }
}

/**
 * Reads the live AWS account into an AccountState, collecting only what `needs` asks for.
 *
 * Everything independent starts at once; the critical path is
 * GetWorkgroup -> GetNamespace -> SQL (Data API), or DescribeClusters -> SQL. Alongside it:
 * STS; the role (GetRole || ListAttachedRolePolicies || ListRolePolicies, then
 * GetPolicy -> GetPolicyVersion per policy); the cross-account policy (from the role's
 * attached list and the account id); the Lambda user; and, as soon as GetWorkgroup
 * answers, DescribeSecurityGroups. With data-api-database set, SQL does not wait for
 * the namespace either: it starts with GetWorkgroup and its result is kept only if the
 * workgroup turns out to exist.
 */
export async function collectAwsState(
  params: Pick<Parameters, 'target' | 'collect'>,
  needs: Needs,
  options: CollectAwsOptions = {}
): Promise<{ state: AccountState; stats: CallStats }> {
  const region = params.target.region
  if (!region) throw new Error('a region is required to read AWS (set region or AWS_REGION)')
  const now = options.now ?? new Date()
  const partition = partitionOfRegion(region) ?? 'aws'
  const named = targetOf(params.target).named
  const state: AccountState = {
    schemaVersion: 1,
    source: {
      kind: 'aws',
      collectedAt: now.toISOString(),
      partition,
      region,
      ...(named ? { deployment: named.kind === 'workgroup' ? 'serverless' : 'provisioned' } : {})
    },
    subject: subjectOf(params.target, partsRead(needs)),
    iam: {},
    network: {},
    unavailable: []
  }
  const { ctx, stats, dispose } = createAwsCollectContext(params, needs, state, {
    timeoutMs: options.timeoutMs ?? params.collect.timeoutSeconds * 1000,
    maxConcurrency: options.maxConcurrency ?? params.collect.maxConcurrency,
    now,
    ...(options.observe ? { observe: options.observe } : {})
  })
  // A fleet target's role is assumed first: when that is refused, nothing of the account can be
  // read, and every rule says so (sts:AssumeRole and the role) instead of failing one by one.
  const assumed = !options.clients && params.collect.assumeRoleArn ? targetCredentials(params.collect, region) : undefined
  try {
    if (assumed && !(await primeAssumedRole(ctx, assumed, params.collect.assumeRoleArn!))) {
      state.unavailable.sort((a, b) => a.pointer.localeCompare(b.pointer))
      return { state, stats: stats.snapshot() }
    }
    const clients = options.clients ?? createAwsClients(region, assumed ? { credentials: assumed } : {})
    try {
      await collectAll(ctx, clients)
    } finally {
      if (!options.clients) clients.destroy()
    }
  } finally {
    dispose()
    assumed?.destroy()
  }
  state.unavailable.sort((a, b) => a.pointer.localeCompare(b.pointer))
  return { state, stats: stats.snapshot() }
}

/**
 * Which named parts this collection reads, so that the state records what it was read for and
 * nothing more: judged later with rules that need a part never read, the state shows no look-up
 * of it and those rules are `error`, not a verdict on a fact never read.
 */
function partsRead(needs: Needs): (part: SubjectPart) => boolean {
  const sql = (...keys: string[]) => keys.some((k) => needs(`/sql/${k}`))
  const read: Record<SubjectPart, boolean> = {
    target: needs('/redshift') || needs('/network') || needs('/sql'),
    roleName: needs('/iam/role') || needs('/iam/crossAccountPolicy'),
    policyName: needs('/iam/crossAccountPolicy'),
    lambdaUser: needs('/iam/lambdaUser'),
    database: sql('database', 'databasePrivileges', 'exfuncUsage'),
    dbUser: sql('user', 'databasePrivileges', 'functionRole', 'exfuncUsage', 'sourceSchemas'),
    functionRole: sql('functionRole'),
    sourceSchemas: sql('sourceSchemas')
  }
  return (part) => read[part]
}

async function collectAll(ctx: CollectContext, clients: AwsClients): Promise<void> {
  const { needs } = ctx
  const { target: params } = ctx.params
  const named = targetOf(params).named
  const reader = new IamReader(ctx, clients.iam, clients.partition)
  const tasks: Promise<void>[] = []

  // --- STS: off the critical path; its account id only serves a named policy's ARN.
  const sts = collectCallerIdentity(ctx, clients.sts)
  tasks.push(guard(ctx, ['/source/accountId'], () => sts))

  // --- Redshift, then security groups and SQL.
  const wantRole = needs('/iam/role') || needs('/iam/crossAccountPolicy')
  const discover = wantRole && !params.roleName
  const wantSgs = needs('/network/securityGroups')
  const wantSql = needs('/sql')
  const wantNamespace =
    needs('/redshift/iamRoles') ||
    needs('/redshift/defaultIamRoleArn') ||
    needs('/redshift/dbName') ||
    (wantSql && !ctx.params.collect.dataApiDatabase) ||
    discover
  const wantRedshift = needs('/redshift') || wantSgs || wantSql || discover
  let redshift: Promise<RedshiftOutcome | undefined> = Promise.resolve(undefined)
  let workgroupKnown: Promise<RedshiftOutcome | undefined> = redshift

  if (wantRedshift && named?.kind === 'workgroup') {
    const workgroupName = named.name
    let signal: (o: RedshiftOutcome) => void = () => {}
    workgroupKnown = new Promise((resolve) => (signal = resolve))
    redshift = collectServerless(ctx, clients.serverless, workgroupName, { namespace: wantNamespace, onWorkgroup: signal })
    // Should the collector ever throw before signalling, the race still settles.
    workgroupKnown = Promise.race([workgroupKnown, redshift])
  } else if (wantRedshift && named?.kind === 'cluster') {
    redshift = collectProvisioned(ctx, clients.redshift, named.name)
    workgroupKnown = redshift
  }
  tasks.push(guard(ctx, ['/redshift'], () => redshift))

  const noResource = (outcome: RedshiftOutcome | undefined): CollectionCause | undefined => {
    if (!outcome) {
      return { service: 'config', operation: 'parameters', message: 'neither workgroup nor cluster-identifier is set' }
    }
    if (outcome.kind === 'found') return undefined
    return outcome.cause
  }

  if (wantSgs) {
    tasks.push(
      guard(ctx, ['/network/securityGroups'], async () => {
        const outcome = await workgroupKnown
        const missing = noResource(outcome)
        if (missing || outcome?.kind !== 'found') {
          ctx.unavailable('/network/securityGroups', {
            ...(missing ?? { service: 'redshift', operation: 'Describe' }),
            message: `${missing?.message ?? 'Redshift is unknown'}: its security groups cannot be read`
          })
          return
        }
        await collectSecurityGroups(ctx, clients.ec2, outcome.state.securityGroupIds)
      })
    )
  }

  if (wantSql) tasks.push(guard(ctx, ['/sql'], () => sqlTask(ctx, clients, workgroupKnown, redshift, noResource)))

  // --- IAM: the role, the cross-account policy, the Lambda user, all alongside Redshift.
  let role: Promise<RoleOutcome | undefined> = Promise.resolve(undefined)
  if (wantRole && params.roleName) {
    role = Promise.resolve(collectRole(ctx, reader, params.roleName))
    tasks.push(guard(ctx, ['/iam/role'], async () => (await role)?.result))
  } else if (discover) {
    role = (async () => {
      const outcome = await redshift
      if (outcome?.kind !== 'found') {
        const cause = noResource(outcome) ?? { service: 'redshift', operation: 'Describe', message: 'Redshift is unknown' }
        ctx.unavailable('/iam/role', {
          ...cause,
          message: `role-name is not set and the role cannot be found among Redshift's roles: ${cause.message}`
        })
        return undefined
      }
      if (ctx.state.unavailable.some((u) => u.pointer === '/redshift/iamRoles')) {
        const cause = ctx.state.unavailable.find((u) => u.pointer === '/redshift/iamRoles')?.cause
        if (cause) ctx.unavailable('/iam/role', cause)
        return undefined
      }
      return discoverRole(
        ctx,
        reader,
        outcome.state.iamRoles.map((r) => r.arn)
      )
    })()
    tasks.push(guard(ctx, ['/iam/role'], () => role))
  }
  if (needs('/iam/crossAccountPolicy')) {
    const accountId = firstDefined([sts, role.then((r) => r?.arn).then((arn) => (arn ? accountOfArn(arn) : undefined))])
    tasks.push(
      guard(ctx, ['/iam/crossAccountPolicy'], async () => {
        if (discover && !params.policyName && (await role) === undefined) {
          // The role could not be found: its unavailability already explains this one.
          const cause = ctx.state.unavailable.find((u) => u.pointer === '/iam/role')?.cause
          if (cause) ctx.unavailable('/iam/crossAccountPolicy', cause)
          return
        }
        await collectCrossAccountPolicy(ctx, reader, { role, accountId })
      })
    )
  }
  if (needs('/iam/lambdaUser')) tasks.push(guard(ctx, ['/iam/lambdaUser'], () => collectLambdaUser(ctx, reader)))

  await Promise.all(tasks)
}

/**
 * The SQL collector, run in a context of its own: its result joins the state only if the
 * workgroup or cluster exists, so that it can start before that is known (with
 * data-api-database set) without reporting a misleading cause when it does not.
 */
async function sqlTask(
  ctx: CollectContext,
  clients: AwsClients,
  workgroupKnown: Promise<RedshiftOutcome | undefined>,
  redshift: Promise<RedshiftOutcome | undefined>,
  noResource: (outcome: RedshiftOutcome | undefined) => CollectionCause | undefined
): Promise<void> {
  const { collect } = ctx.params
  const markAll = (cause: CollectionCause): void =>
    ctx.unavailable('/sql', { ...cause, message: `${cause.message}: the SQL checks cannot run` })

  const target = (database: string) => dataApiConnection(ctx.params, database)

  const isolated = (): { sqlCtx: CollectContext; commit: () => void } => {
    const { sql: _unused, ...rest } = ctx.state
    void _unused
    const own: AccountState = { ...rest, unavailable: [] }
    const buffered: Array<[string, CollectionCause]> = []
    const sqlCtx: CollectContext = { ...ctx, state: own, unavailable: (p, c) => void buffered.push([p, c]) }
    return {
      sqlCtx,
      commit: () => {
        if (own.sql !== undefined) ctx.state.sql = own.sql
        for (const [p, c] of buffered) ctx.unavailable(p, c)
      }
    }
  }

  if (collect.dataApiDatabase) {
    // The database is known: run alongside GetWorkgroup / DescribeClusters.
    const { sqlCtx, commit } = isolated()
    const [, outcome] = await Promise.all([
      collectSql(sqlCtx, clients.data, target(collect.dataApiDatabase)),
      workgroupKnown
    ])
    const missing = noResource(outcome)
    if (missing) markAll(missing)
    else commit()
    return
  }
  const outcome = await redshift
  const missing = noResource(outcome)
  if (missing || outcome?.kind !== 'found') {
    markAll(missing ?? { service: 'redshift', operation: 'Describe', message: 'Redshift is unknown' })
    return
  }
  const { sqlCtx, commit } = isolated()
  await collectSql(sqlCtx, clients.data, target(outcome.state.dbName ?? 'dev'))
  commit()
}

