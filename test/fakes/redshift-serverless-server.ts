/**
 * A small Redshift Serverless for tests (moto has none): an HTTP server on 127.0.0.1 speaking
 * the service's AWS JSON 1.1 protocol as the SDK does (`POST /`, `X-Amz-Target:
 * RedshiftServerless.<Operation>`, `Content-Type: application/x-amz-json-1.1`; errors as HTTP
 * 4xx/5xx with `x-amzn-ErrorType` and `{"__type","message"}`; timestamps as ISO 8601 strings,
 * as the model's `date-time` format says).
 *
 * What it models, after the AWS facts reference (section C):
 * - GetWorkgroup, GetNamespace, ListWorkgroups, UpdateNamespace, UpdateWorkgroup;
 *   ResourceNotFoundException for unknown names.
 * - GetNamespace's `iamRoles` are stringified structs, `IamRole(applyStatus=in-sync, iamRoleArn=...)`,
 *   or the other field order, or plain ARNs (`iamRoleFormat`, per server or per namespace).
 * - UpdateNamespace: `iamRoles` is a full replacement and must come with `defaultIamRoleArn`
 *   (and vice versa), else ValidationException; the namespace then reads MODIFYING for
 *   `modifyingReads` GetNamespace calls before AVAILABLE, and updates meanwhile fail with
 *   ConflictException. UpdateWorkgroup likewise, and accepts one setting per call.
 * - Failure injection: AccessDeniedException (with the AWS wording that names the action),
 *   ThrottlingException, any other error, and latency, per operation and resource.
 *
 * Signatures are not checked. Nothing here is shared with production code.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type IamRoleFormat = 'status-first' | 'arn-first' | 'plain'

export interface FakeServerlessOptions {
  region?: string
  accountId?: string
  /** How GetNamespace spells `iamRoles`; default 'status-first'. */
  iamRoleFormat?: IamRoleFormat
  /** GetNamespace/GetWorkgroup reads that report MODIFYING after an update; default 2. */
  modifyingReads?: number
  /** Added to every response, in milliseconds. */
  latencyMs?: number
}

export interface SeedWorkgroup {
  workgroupName: string
  namespaceName: string
  publiclyAccessible?: boolean
  securityGroupIds?: string[]
  subnetIds?: string[]
  port?: number
  /** Endpoint host; default `<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com`. */
  address?: string
  status?: 'CREATING' | 'AVAILABLE' | 'MODIFYING' | 'DELETING'
  baseCapacity?: number
  enhancedVpcRouting?: boolean
}

export interface SeedNamespace {
  namespaceName: string
  dbName?: string
  adminUsername?: string
  /** Role ARNs (stored in sync), or raw entries as AWS would return them (kept verbatim). */
  iamRoles?: string[]
  defaultIamRoleArn?: string
  status?: 'AVAILABLE' | 'MODIFYING' | 'DELETING'
  /** Overrides the server's format for this namespace. */
  iamRoleFormat?: IamRoleFormat
  /** Return every `iamRoles` entry exactly as given (to mix spellings in one namespace). */
  verbatim?: boolean
  adminPasswordSecretArn?: string
}

export interface Fault {
  /** Operation name (e.g. 'GetNamespace'); every operation when absent. */
  operation?: string
  /** Only requests naming this workgroup or namespace. */
  resource?: string
  /** Error code to answer with, e.g. 'AccessDeniedException', 'ThrottlingException'. */
  error?: string
  message?: string
  /** HTTP status for `error`; default 400 (500 for InternalServerException). */
  status?: number
  /** How many matching requests it affects; default every one. */
  times?: number
  /** Delay before answering (with the error, or normally when there is none). */
  latencyMs?: number
}

export interface RecordedCall {
  operation: string
  input: Record<string, unknown>
  /** The error code answered, if any. */
  error?: string
  at: number
}

interface StoredRole {
  arn: string
  applyStatus: string
  /** A seeded entry that is not an ARN, returned verbatim. */
  raw?: string
}

interface StoredNamespace {
  namespaceName: string
  namespaceId: string
  dbName: string
  adminUsername: string
  iamRoles: StoredRole[]
  defaultIamRoleArn?: string
  status: string
  modifyingLeft: number
  iamRoleFormat?: IamRoleFormat
  adminPasswordSecretArn?: string
  creationDate: string
}

interface StoredWorkgroup {
  workgroupName: string
  workgroupId: string
  namespaceName: string
  publiclyAccessible: boolean
  securityGroupIds: string[]
  subnetIds: string[]
  port: number
  address: string
  status: string
  modifyingLeft: number
  baseCapacity: number
  enhancedVpcRouting: boolean
  creationDate: string
}

export interface FakeServerless {
  url: string
  seedWorkgroup(w: SeedWorkgroup): void
  seedNamespace(n: SeedNamespace): void
  /** Adds a fault; returns a function that removes it. */
  inject(fault: Fault): () => void
  clearFaults(): void
  /** Every request answered, in order. */
  calls: RecordedCall[]
  /** Forgets every workgroup, namespace, fault and recorded call. */
  reset(): void
  /** The stored namespace's role ARNs (for assertions). */
  namespaceRoles(namespaceName: string): string[] | undefined
  close(): Promise<void>
}

class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

const UPDATABLE_WORKGROUP_FIELDS = [
  'baseCapacity',
  'enhancedVpcRouting',
  'configParameters',
  'publiclyAccessible',
  'subnetIds',
  'securityGroupIds',
  'port',
  'maxCapacity',
  'ipAddressType',
  'pricePerformanceTarget',
  'trackName',
  'extraComputeForAutomaticOptimization'
]

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
/** The service's timestamps are `date-time` (ISO 8601 strings) in its model, not epoch seconds. */
const now = () => new Date().toISOString()
const uuid = () => globalThis.crypto.randomUUID()

export function renderIamRole(role: { arn: string; applyStatus: string; raw?: string }, format: IamRoleFormat): string {
  if (role.raw !== undefined) return role.raw
  if (format === 'plain') return role.arn
  if (format === 'arn-first') return `IamRole(iamRoleArn=${role.arn}, applyStatus=${role.applyStatus})`
  return `IamRole(applyStatus=${role.applyStatus}, iamRoleArn=${role.arn})`
}

export async function startFakeRedshiftServerless(options: FakeServerlessOptions = {}): Promise<FakeServerless> {
  const region = options.region ?? 'eu-west-1'
  const accountId = options.accountId ?? '123456789012'
  const modifyingReads = options.modifyingReads ?? 2
  const workgroups = new Map<string, StoredWorkgroup>()
  const namespaces = new Map<string, StoredNamespace>()
  let faults: Array<Fault & { left: number }> = []
  const calls: RecordedCall[] = []

  const namespaceArn = (n: StoredNamespace) => `arn:aws:redshift-serverless:${region}:${accountId}:namespace/${n.namespaceId}`
  const workgroupArn = (w: StoredWorkgroup) => `arn:aws:redshift-serverless:${region}:${accountId}:workgroup/${w.workgroupId}`

  const readWorkgroup = (w: StoredWorkgroup, countRead: boolean) => {
    const modifying = w.modifyingLeft > 0
    if (countRead && modifying) {
      w.modifyingLeft--
      if (w.modifyingLeft === 0) w.status = 'AVAILABLE'
    }
    return {
      workgroupId: w.workgroupId,
      workgroupArn: workgroupArn(w),
      workgroupName: w.workgroupName,
      namespaceName: w.namespaceName,
      baseCapacity: w.baseCapacity,
      enhancedVpcRouting: w.enhancedVpcRouting,
      configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'true' }],
      securityGroupIds: w.securityGroupIds,
      subnetIds: w.subnetIds,
      status: modifying ? 'MODIFYING' : w.status,
      endpoint: { address: w.address, port: w.port, vpcEndpoints: [] },
      publiclyAccessible: w.publiclyAccessible,
      creationDate: w.creationDate,
      port: w.port
    }
  }

  const readNamespace = (n: StoredNamespace, countRead: boolean) => {
    const modifying = n.modifyingLeft > 0
    // Rendered before the read is counted: the last MODIFYING read still shows roles being added.
    const format = n.iamRoleFormat ?? options.iamRoleFormat ?? 'status-first'
    const iamRoles = n.iamRoles.map((r) => renderIamRole(r, format))
    if (countRead && modifying) {
      n.modifyingLeft--
      if (n.modifyingLeft === 0) {
        n.status = 'AVAILABLE'
        for (const r of n.iamRoles) r.applyStatus = 'in-sync'
      }
    }
    return {
      namespaceArn: namespaceArn(n),
      namespaceId: n.namespaceId,
      namespaceName: n.namespaceName,
      adminUsername: n.adminUsername,
      dbName: n.dbName,
      ...(n.defaultIamRoleArn ? { defaultIamRoleArn: n.defaultIamRoleArn } : {}),
      iamRoles,
      logExports: [],
      status: modifying ? 'MODIFYING' : n.status,
      creationDate: n.creationDate,
      ...(n.adminPasswordSecretArn ? { adminPasswordSecretArn: n.adminPasswordSecretArn } : {})
    }
  }

  const str = (input: Record<string, unknown>, key: string, required = true): string | undefined => {
    const v = input[key]
    if (v === undefined || v === null) {
      if (required) throw new ServiceError('ValidationException', `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`)
      return undefined
    }
    if (typeof v !== 'string') throw new ServiceError('ValidationException', `${key} must be a string`)
    return v
  }

  const getWorkgroup = (name: string): StoredWorkgroup => {
    const w = workgroups.get(name)
    if (!w) throw new ServiceError('ResourceNotFoundException', `Workgroup ${name} not found.`)
    return w
  }
  const getNamespace = (name: string): StoredNamespace => {
    const n = namespaces.get(name)
    if (!n) throw new ServiceError('ResourceNotFoundException', `Namespace ${name} not found.`)
    return n
  }

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetWorkgroup(input) {
      return { workgroup: readWorkgroup(getWorkgroup(str(input, 'workgroupName') as string), true) }
    },
    GetNamespace(input) {
      return { namespace: readNamespace(getNamespace(str(input, 'namespaceName') as string), true) }
    },
    ListWorkgroups(input) {
      const all = [...workgroups.values()].sort((a, b) => a.workgroupName.localeCompare(b.workgroupName))
      const max = typeof input['maxResults'] === 'number' ? Math.max(1, Math.min(100, input['maxResults'])) : 100
      const start = typeof input['nextToken'] === 'string' ? Number(Buffer.from(input['nextToken'], 'base64').toString()) : 0
      if (!Number.isInteger(start) || start < 0) throw new ServiceError('ValidationException', 'Invalid nextToken')
      const page = all.slice(start, start + max)
      const next = start + max < all.length ? Buffer.from(String(start + max)).toString('base64') : undefined
      return { workgroups: page.map((w) => readWorkgroup(w, false)), ...(next ? { nextToken: next } : {}) }
    },
    UpdateNamespace(input) {
      const n = getNamespace(str(input, 'namespaceName') as string)
      const hasRoles = input['iamRoles'] !== undefined
      const hasDefault = input['defaultIamRoleArn'] !== undefined
      if (hasRoles !== hasDefault) {
        throw new ServiceError(
          'ValidationException',
          hasDefault
            ? 'To change the default IAM role, you must specify the entire list of IAM roles'
            : 'To change the IAM roles, you must also specify the default IAM role'
        )
      }
      if (n.modifyingLeft > 0 || n.status !== 'AVAILABLE') {
        throw new ServiceError('ConflictException', `There is an operation running on the namespace ${n.namespaceName}. Try again later.`)
      }
      let changed = false
      if (hasRoles) {
        const roles = input['iamRoles']
        if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(r))) {
          throw new ServiceError('ValidationException', 'iamRoles must be a list of IAM role ARNs')
        }
        const def = str(input, 'defaultIamRoleArn') as string
        if (def !== '' && !roles.includes(def)) {
          throw new ServiceError('ValidationException', 'The default IAM role must be one of the IAM roles associated with the namespace')
        }
        const before = new Map(n.iamRoles.map((r) => [r.arn, r]))
        n.iamRoles = [...new Set(roles as string[])].map((arn) => ({
          arn,
          applyStatus: before.has(arn) ? (before.get(arn)?.applyStatus ?? 'in-sync') : 'adding'
        }))
        if (def === '') delete n.defaultIamRoleArn
        else n.defaultIamRoleArn = def
        changed = true
      }
      for (const key of ['adminUsername', 'dbName'] as const) {
        const v = str(input, key, false)
        if (v !== undefined) {
          n[key] = v
          changed = true
        }
      }
      if (changed && modifyingReads > 0) {
        n.modifyingLeft = modifyingReads
        n.status = 'MODIFYING'
      } else {
        for (const r of n.iamRoles) r.applyStatus = 'in-sync'
      }
      return { namespace: readNamespace(n, false) }
    },
    UpdateWorkgroup(input) {
      const w = getWorkgroup(str(input, 'workgroupName') as string)
      const fields = UPDATABLE_WORKGROUP_FIELDS.filter((f) => input[f] !== undefined)
      if (fields.length > 1) {
        throw new ServiceError('ValidationException', "Can't update multiple configurations at the same time for workgroup")
      }
      if (w.modifyingLeft > 0 || w.status !== 'AVAILABLE') {
        throw new ServiceError('ConflictException', `There is an operation running on the existing workgroup ${w.workgroupName}. Try again later.`)
      }
      const field = fields[0]
      if (field === 'publiclyAccessible') {
        if (typeof input[field] !== 'boolean') throw new ServiceError('ValidationException', 'publiclyAccessible must be a boolean')
        w.publiclyAccessible = input[field] as boolean
      } else if (field === 'securityGroupIds' || field === 'subnetIds') {
        w[field] = input[field] as string[]
      } else if (field === 'port') {
        w.port = input[field] as number
      } else if (field === 'baseCapacity') {
        w.baseCapacity = input[field] as number
      } else if (field === 'enhancedVpcRouting') {
        w.enhancedVpcRouting = input[field] as boolean
      }
      if (field !== undefined && modifyingReads > 0) {
        w.modifyingLeft = modifyingReads
        w.status = 'MODIFYING'
      }
      return { workgroup: readWorkgroup(w, false) }
    }
  }

  const resourceOf = (input: Record<string, unknown>): string | undefined => {
    const v = input['workgroupName'] ?? input['namespaceName']
    return typeof v === 'string' ? v : undefined
  }

  const matchFault = (operation: string, input: Record<string, unknown>) => {
    for (const f of faults) {
      if (f.left <= 0) continue
      if (f.operation !== undefined && f.operation !== operation) continue
      if (f.resource !== undefined && f.resource !== resourceOf(input)) continue
      f.left--
      return f
    }
    return undefined
  }

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': uuid(),
      ...headers
    })
    res.end(text)
  }
  const sendError = (res: http.ServerResponse, e: ServiceError) =>
    send(res, e.status, { __type: `com.amazonaws.redshiftserverless#${e.code}`, message: e.message }, { 'x-amzn-errortype': e.code })

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const target = String(req.headers['x-amz-target'] ?? '')
        const operation = target.startsWith('RedshiftServerless.') ? target.slice('RedshiftServerless.'.length) : ''
        let input: Record<string, unknown> = {}
        const record: RecordedCall = { operation: operation || target, input, at: Date.now() }
        calls.push(record)
        try {
          if (req.method !== 'POST') throw new ServiceError('UnknownOperationException', `${req.method} is not supported`)
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            const parsed: unknown = text === '' ? {} : JSON.parse(text)
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
            input = parsed as Record<string, unknown>
            record.input = input
          } catch {
            throw new ServiceError('SerializationException', 'Malformed JSON body')
          }
          const handler = operations[operation]
          if (!handler) throw new ServiceError('UnknownOperationException', `Unknown operation ${target}`)
          const fault = matchFault(operation, input)
          const delay = (options.latencyMs ?? 0) + (fault?.latencyMs ?? 0)
          if (delay > 0) await sleep(delay)
          if (fault?.error) {
            const code = fault.error
            const message =
              fault.message ??
              (code === 'AccessDeniedException'
                ? `User: arn:aws:sts::${accountId}:assumed-role/auditor/session is not authorized to perform: redshift-serverless:${operation} on resource: arn:aws:redshift-serverless:${region}:${accountId}:${input['workgroupName'] ? 'workgroup' : 'namespace'}/${resourceOf(input) ?? '*'} because no identity-based policy allows the redshift-serverless:${operation} action`
                : code === 'ThrottlingException'
                  ? 'Rate exceeded'
                  : `${code} injected by the test`)
            throw new ServiceError(code, message, fault.status ?? (code === 'InternalServerException' ? 500 : 400))
          }
          send(res, 200, handler(input))
        } catch (err) {
          const e = err instanceof ServiceError ? err : new ServiceError('InternalServerException', String(err), 500)
          record.error = e.code
          sendError(res, e)
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    seedWorkgroup(w) {
      workgroups.set(w.workgroupName, {
        workgroupName: w.workgroupName,
        workgroupId: uuid(),
        namespaceName: w.namespaceName,
        publiclyAccessible: w.publiclyAccessible ?? false,
        securityGroupIds: w.securityGroupIds ?? [],
        subnetIds: w.subnetIds ?? ['subnet-0a1b2c3d'],
        port: w.port ?? 5439,
        address: w.address ?? `${w.workgroupName}.${accountId}.${region}.redshift-serverless.amazonaws.com`,
        status: w.status ?? 'AVAILABLE',
        modifyingLeft: 0,
        baseCapacity: w.baseCapacity ?? 8,
        enhancedVpcRouting: w.enhancedVpcRouting ?? false,
        creationDate: now()
      })
    },
    seedNamespace(n) {
      namespaces.set(n.namespaceName, {
        namespaceName: n.namespaceName,
        namespaceId: uuid(),
        dbName: n.dbName ?? 'dev',
        adminUsername: n.adminUsername ?? 'admin',
        iamRoles: (n.iamRoles ?? []).map((entry) =>
          entry.startsWith('arn:') && !n.verbatim ? { arn: entry, applyStatus: 'in-sync' } : { arn: '', applyStatus: '', raw: entry }
        ),
        ...(n.defaultIamRoleArn ? { defaultIamRoleArn: n.defaultIamRoleArn } : {}),
        status: n.status ?? 'AVAILABLE',
        modifyingLeft: 0,
        ...(n.iamRoleFormat ? { iamRoleFormat: n.iamRoleFormat } : {}),
        ...(n.adminPasswordSecretArn ? { adminPasswordSecretArn: n.adminPasswordSecretArn } : {}),
        creationDate: now()
      })
    },
    inject(fault) {
      const entry = { ...fault, left: fault.times ?? Number.POSITIVE_INFINITY }
      faults.push(entry)
      return () => {
        faults = faults.filter((f) => f !== entry)
      }
    },
    clearFaults() {
      faults = []
    },
    reset() {
      workgroups.clear()
      namespaces.clear()
      faults = []
      calls.length = 0
    },
    namespaceRoles(name) {
      return namespaces.get(name)?.iamRoles.map((r) => r.raw ?? r.arn)
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
    }
  }
}
