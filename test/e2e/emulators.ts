/**
 * Emulators for end-to-end tests: moto in server mode (IAM, EC2, STS, provisioned Redshift)
 * and the two Node fakes (Redshift Serverless, Redshift Data API), plus seeding helpers that
 * build Cargo's setup with the real SDK clients over HTTP.
 *
 * `awsEnv()` gives the environment that points the SDK at them (AWS_ENDPOINT_URL_<SERVICE>),
 * for this process or for a child process (the CLI, the bundled action).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  EC2Client,
  type IpPermission
} from '@aws-sdk/client-ec2'
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand
} from '@aws-sdk/client-iam'
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift'
import { resolveParameters, type Parameters, type RawInputs } from '../../src/config/parameters.js'
import { startRedshiftStandIn, type FakeCall, type FakeFault, type RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'
import { startFakeRedshiftServerless, type FakeServerless, type IamRoleFormat } from '../fakes/redshift-serverless-server.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const REGION = 'eu-west-1'
/** moto's default account. */
export const ACCOUNT_ID = '123456789012'
export const CARGO_ROLE_ARN = 'arn:aws:iam::999988887777:role/cargo-workspace-abc123'
export const CARGO_IPS = ['3.248.12.34/32']

// -------------------------------------------------------------------------------------------
// moto

function motoImportable(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import sys, moto, flask; sys.exit(0 if int(moto.__version__.split(".")[0]) >= 5 else 1)'], {
    stdio: 'ignore'
  })
  return r.status === 0
}

/**
 * The Python that has moto >= 5 with Flask. When none does, runs scripts/setup-emulators.sh
 * once; when that fails too, throws saying what to do.
 */
export function findMotoPython(): string {
  const venv = path.join(ROOT, '.venv/bin/python3')
  const candidates = () =>
    [process.env['MOTO_PYTHON'], 'python3', venv].filter((p): p is string => !!p && (!p.includes('/') || existsSync(p)))
  for (const p of candidates()) if (motoImportable(p)) return p
  const setup = spawnSync('bash', [path.join(ROOT, 'scripts/setup-emulators.sh')], { encoding: 'utf8' })
  for (const p of candidates()) if (motoImportable(p)) return p
  throw new Error(
    `moto >= 5 with Flask is needed for the end-to-end tests and could not be installed.\n` +
      `Run scripts/setup-emulators.sh (or: python3 -m pip install 'moto[server]>=5.1,<6').\n` +
      `setup-emulators.sh said:\n${setup.stdout}${setup.stderr}`
  )
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export interface Moto {
  url: string
  /** POST /moto-api/reset: forgets every resource (AWS managed policies are loaded again). */
  reset(): Promise<void>
  /**
   * Turns moto's IAM enforcement on (`true`: from the next request, every call must be signed by
   * a moto IAM user's key and allowed by its policies) or off. This is the server-mode form of
   * the INITIAL_NO_AUTH_ACTION_COUNT setting: POST /moto-api/reset-auth with the count.
   */
  enforceIam(on: boolean): Promise<void>
  close(): Promise<void>
}

export async function startMoto(): Promise<Moto> {
  const python = findMotoPython()
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const kill = () => {
    if (!exited) child.kill('SIGTERM')
  }
  process.once('exit', kill)

  const started = Date.now()
  for (;;) {
    if (exited) throw new Error(`moto exited before answering:\n${stderr}`)
    try {
      const r = await fetch(`${url}/moto-api/data.json`)
      await r.arrayBuffer()
      break
    } catch {
      if (Date.now() - started > 60_000) {
        kill()
        throw new Error(`moto did not answer on ${url} within 60s:\n${stderr}`)
      }
      await sleep(150)
    }
  }

  const post = async (p: string, body?: string) => {
    const r = await fetch(`${url}${p}`, { method: 'POST', ...(body !== undefined ? { body } : {}) })
    if (!r.ok) throw new Error(`moto ${p}: HTTP ${r.status} ${await r.text()}`)
    await r.arrayBuffer()
  }
  return {
    url,
    reset: () => post('/moto-api/reset'),
    enforceIam: (on) => post('/moto-api/reset-auth', on ? '0' : 'inf'),
    close: async () => {
      process.removeListener('exit', kill)
      if (exited) return
      const gone = new Promise<void>((r) => child.once('exit', () => r()))
      child.kill('SIGTERM')
      await Promise.race([gone, sleep(5000)])
      if (!exited) child.kill('SIGKILL')
    }
  }
}

// -------------------------------------------------------------------------------------------
// All emulators together

export interface Emulators {
  region: string
  moto: Moto
  serverless: FakeServerless
  /** The Redshift Data API stand-in on a real PostgreSQL (test/fakes/redshift-pg). */
  data: RedshiftStandIn
  /** A hook for the Data API stand-in's faults; `undefined` for none. */
  dataFault: ((call: FakeCall) => FakeFault | undefined) | undefined
  /** Forgets everything in every emulator (and turns moto's IAM enforcement off). */
  reset(): Promise<void>
  close(): Promise<void>
}

export async function startEmulators(): Promise<Emulators> {
  const [moto, serverless] = await Promise.all([startMoto(), startFakeRedshiftServerless({ region: REGION, accountId: ACCOUNT_ID })])
  const em: Partial<Emulators> & { dataFault: Emulators['dataFault'] } = { dataFault: undefined }
  const data = await startRedshiftStandIn({ intercept: (call) => em.dataFault?.(call) })
  return Object.assign(em, {
    region: REGION,
    moto,
    serverless,
    data,
    async reset() {
      em.dataFault = undefined
      serverless.reset()
      await data.reset()
      await moto.enforceIam(false)
      await moto.reset()
    },
    async close() {
      await Promise.allSettled([moto.close(), serverless.close(), data.close()])
    }
  }) as Emulators
}

/**
 * Environment pointing the AWS SDK at the emulators: per-service endpoints, dummy
 * credentials (unless given), the region, and no shared config or instance metadata.
 */
export function awsEnv(
  em: Pick<Emulators, 'moto' | 'serverless' | 'data' | 'region'>,
  credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'testing', secretAccessKey: 'testing' }
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_IAM: em.moto.url,
    AWS_ENDPOINT_URL_EC2: em.moto.url,
    AWS_ENDPOINT_URL_STS: em.moto.url,
    AWS_ENDPOINT_URL_REDSHIFT: em.moto.url,
    AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS: em.serverless.url,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: em.data.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: em.region,
    AWS_DEFAULT_REGION: em.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(ROOT, '.no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(ROOT, '.no-aws-credentials')
  }
}

/** Sets `env` in this process (AWS_SESSION_TOKEN and AWS_PROFILE are cleared); returns a restore function. */
export function applyEnv(env: Record<string, string>): () => void {
  const keys = [...Object.keys(env), 'AWS_SESSION_TOKEN', 'AWS_PROFILE']
  const saved = new Map(keys.map((k) => [k, process.env[k]]))
  delete process.env['AWS_SESSION_TOKEN']
  delete process.env['AWS_PROFILE']
  Object.assign(process.env, env)
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

// -------------------------------------------------------------------------------------------
// Seeding Cargo's setup

/** Names used by the seeded setup. */
export interface CargoNames {
  roleName: string
  policyName: string
  lambdaUser: string
  workgroup: string
  namespace: string
  clusterIdentifier: string
  database: string
  dbUser: string
  functionRole: string
  /** `database.schema` */
  sourceSchema: string
  /** The namespace's / cluster's own database (the Data API connects there). */
  dbName: string
}

export const DEFAULT_NAMES: CargoNames = {
  roleName: 'cargo-redshift',
  policyName: 'cargo-cross-account',
  lambdaUser: 'cargo_lambda',
  workgroup: 'cargo-wg',
  namespace: 'cargo-ns',
  clusterIdentifier: 'cargo-cluster',
  database: 'cargo_db',
  dbUser: 'cargo_user',
  functionRole: 'cargo_create_replace_function',
  sourceSchema: 'sales.crm',
  dbName: 'dev'
}

/** One thing to get wrong; everything else stays compliant. */
export interface Drift {
  /** No Cargo role at all. */
  noRole?: boolean
  /** The cross-account policy: absent, allowing another role, not attached, or created under a path. */
  crossAccountPolicy?: 'missing' | 'wrong-resource' | 'not-attached' | 'under-path'
  /** Services the role trusts; default redshift and lambda. */
  trustServices?: string[]
  /** Leave AWSLambdaExecute and AWSLambdaRole off the role. */
  noLambdaPolicies?: boolean
  lambdaUser?: 'missing' | 'no-policy' | 'no-key'
  /** The Cargo ingress: none, TCP on the endpoint port only, or 0.0.0.0/0. */
  ingress?: 'none' | 'tcp-port' | 'wide'
  /** The role is not associated with the namespace / cluster. */
  notAssociated?: boolean
  notPubliclyAccessible?: boolean
  /** How the serverless fake spells the namespace's iamRoles. */
  iamRoleFormat?: IamRoleFormat
  /** No workgroup (serverless) or cluster (provisioned). */
  noRedshift?: boolean
  /**
   * The SQL setup to start from: 'compliant' (default), 'guide' (exactly the guide's SQL), or
   * 'source-only' (nothing of Cargo's: only the source schema and its tables), or 'no-database'
   * (compliant, but Cargo's database was never created, nor the grants that live in it).
   */
  sqlSetup?: 'compliant' | 'guide' | 'source-only' | 'no-database'
  /** Changes to the SQL setup after it is built (run as the stand-in's superuser). */
  sql?: (redshift: RedshiftStandIn, names: CargoNames) => Promise<unknown>
}

export interface Seeded {
  names: CargoNames
  params: Parameters
  roleArn: string
  policyArn: string | undefined
  /** Another role associated with Redshift, to show that Cargo's role is found among others. */
  otherRoleArn: string
  securityGroupId: string
  vpcId: string
}

const TRUST = (services: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: services.map((s) => ({ Effect: 'Allow', Principal: { Service: s }, Action: 'sts:AssumeRole' }))
  })

/** Credentials to seed with; moto keeps accounts apart by the keys an AssumeRole returned (see test/e2e/fleet.test.ts). */
export interface SeedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export function seedClients(em: Pick<Emulators, 'moto' | 'region'>, credentials: SeedCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }) {
  const config = {
    region: em.region,
    endpoint: em.moto.url,
    credentials,
    maxAttempts: 1
  }
  return { iam: new IAMClient(config), ec2: new EC2Client(config), redshift: new RedshiftClient(config) }
}

/** Builds the parameters an audit of the seeded setup would be given. */
export function paramsFor(names: CargoNames, deployment: 'serverless' | 'provisioned', extra: Record<string, string> = {}): Parameters {
  const values: Record<string, string> = {
    'cargo-role-arn': CARGO_ROLE_ARN,
    'cargo-ips': CARGO_IPS.join(','),
    region: REGION,
    'role-name': names.roleName,
    'policy-name': names.policyName,
    'lambda-user': names.lambdaUser,
    database: names.database,
    'db-user': names.dbUser,
    'function-role': names.functionRole,
    'source-schemas': names.sourceSchema,
    ...(deployment === 'serverless' ? { workgroup: names.workgroup } : { 'cluster-identifier': names.clusterIdentifier }),
    ...extra
  }
  const raw: RawInputs = {}
  for (const [k, v] of Object.entries(values)) if (v !== '') raw[k] = { value: v, where: { input: k } }
  return resolveParameters(raw, {})
}

/** The role through which the compliant setup lets the Cargo user create Lambda UDFs. */
export const EXTERNAL_FUNCTION_ROLE = 'cargo_lambda_udf'

/**
 * The compliant SQL setup, as Cargo's guide writes it, plus what the guide leaves out and the rules
 * ask for: USAGE on the source schema, CREATE OR REPLACE EXTERNAL FUNCTION for Lambda UDFs, and default privileges for the owner
 * of the source tables (admin, who creates them here).
 */
export async function seedCompliantSql(redshift: RedshiftStandIn, names: CargoNames, withDatabase = true): Promise<void> {
  await seedGuideSql(redshift, names, withDatabase)
  const [sourceDb = 'sales', sourceSchema = 'crm'] = names.sourceSchema.split('.')
  // Through a role of its own, so that the function role and this privilege can drift apart.
  await redshift.admin(
    [
      `CREATE ROLE ${EXTERNAL_FUNCTION_ROLE}`,
      `GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE ${EXTERNAL_FUNCTION_ROLE}`,
      `GRANT ROLE ${EXTERNAL_FUNCTION_ROLE} TO ${names.dbUser}`
    ].join(';\n')
  )
  // The guide grants SELECT but not USAGE on the schema, without which no table in it can be read (r_GRANT).
  await redshift.admin(`GRANT USAGE ON SCHEMA ${sourceSchema} TO ${names.dbUser}`, { database: sourceDb })
  await redshift.admin(`ALTER DEFAULT PRIVILEGES FOR USER admin IN SCHEMA ${sourceSchema} GRANT SELECT ON TABLES TO ${names.dbUser}`, { database: sourceDb })
}

/** Exactly the SQL of Cargo's guide, with one source schema of two tables that existed before the GRANT. */
export async function seedGuideSql(redshift: RedshiftStandIn, names: CargoNames, withDatabase = true): Promise<void> {
  if (withDatabase) await redshift.admin(`CREATE DATABASE ${names.database}`)
  await redshift.admin(
    [
      `CREATE USER ${names.dbUser} WITH PASSWORD 'Strong-Passw0rd'`,
      ...(withDatabase ? [`GRANT ALL ON DATABASE ${names.database} TO ${names.dbUser}`] : []),
      `CREATE ROLE ${names.functionRole}`,
      `GRANT CREATE OR REPLACE FUNCTION TO ROLE ${names.functionRole}`,
      `GRANT ROLE ${names.functionRole} TO ${names.dbUser}`
    ].join(';\n')
  )
  if (withDatabase) await redshift.admin(`GRANT USAGE ON LANGUAGE exfunc TO ${names.dbUser}`, { database: names.database })
  await seedSourceSql(redshift, names)
  const [sourceDb = 'sales', sourceSchema = 'crm'] = names.sourceSchema.split('.')
  await redshift.admin(`GRANT SELECT ON ALL TABLES IN SCHEMA ${sourceDb}.${sourceSchema} TO ${names.dbUser}`, { database: sourceDb })
}

/** The source schema Cargo reads, with two tables created (and owned) by admin. */
export async function seedSourceSql(redshift: RedshiftStandIn, names: CargoNames): Promise<void> {
  const [sourceDb = 'sales', sourceSchema = 'crm'] = names.sourceSchema.split('.')
  const existing = (await redshift.rows(`SELECT datname FROM pg_database WHERE datname = '${sourceDb}'`)).length > 0
  if (!existing) await redshift.admin(`CREATE DATABASE ${sourceDb}`)
  await redshift.admin(
    [`CREATE SCHEMA ${sourceSchema}`, `CREATE TABLE ${sourceSchema}.accounts (id int)`, `CREATE TABLE ${sourceSchema}.contacts (id int)`].join(';\n'),
    { database: sourceDb }
  )
}

/** The SQL setup a drift starts from. */
async function seedSql(redshift: RedshiftStandIn, names: CargoNames, drift: Drift): Promise<void> {
  const setup = drift.sqlSetup ?? 'compliant'
  if (setup === 'compliant' || setup === 'no-database') await seedCompliantSql(redshift, names, setup === 'compliant')
  else if (setup === 'guide') await seedGuideSql(redshift, names)
  else await seedSourceSql(redshift, names)
  await drift.sql?.(redshift, names)
}

/** The IAM half of the setup (role, policies, Lambda user) and the network (VPC, security group). */
async function seedAccount(em: Emulators, names: CargoNames, drift: Drift, port: number, credentials?: SeedCredentials) {
  const { iam, ec2 } = seedClients(em, credentials)
  try {
    // Cross-account policy.
    let policyArn: string | undefined
    if (drift.crossAccountPolicy !== 'missing') {
      const out = await iam.send(
        new CreatePolicyCommand({
          PolicyName: names.policyName,
          ...(drift.crossAccountPolicy === 'under-path' ? { Path: '/cargo/' } : {}),
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CrossAccountPolicy',
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Resource: drift.crossAccountPolicy === 'wrong-resource' ? 'arn:aws:iam::999988887777:role/someone-else' : CARGO_ROLE_ARN
              }
            ]
          })
        })
      )
      policyArn = out.Policy?.Arn
    }

    // Role, trusted by Redshift and Lambda, with its policies.
    let roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/${names.roleName}`
    if (!drift.noRole) {
      const out = await iam.send(
        new CreateRoleCommand({
          RoleName: names.roleName,
          AssumeRolePolicyDocument: TRUST(drift.trustServices ?? ['redshift.amazonaws.com', 'lambda.amazonaws.com'])
        })
      )
      roleArn = out.Role?.Arn ?? roleArn
      const attach = [
        ...(policyArn && drift.crossAccountPolicy !== 'not-attached' ? [policyArn] : []),
        ...(drift.noLambdaPolicies
          ? []
          : ['arn:aws:iam::aws:policy/AWSLambdaExecute', 'arn:aws:iam::aws:policy/service-role/AWSLambdaRole'])
      ]
      for (const arn of attach) await iam.send(new AttachRolePolicyCommand({ RoleName: names.roleName, PolicyArn: arn }))
    }
    const other = await iam.send(
      new CreateRoleCommand({ RoleName: 'analytics-s3-reader', AssumeRolePolicyDocument: TRUST(['redshift.amazonaws.com']) })
    )
    const otherRoleArn = other.Role?.Arn ?? ''

    // Lambda user with AWSLambda_FullAccess and an access key.
    if (drift.lambdaUser !== 'missing') {
      await iam.send(new CreateUserCommand({ UserName: names.lambdaUser }))
      if (drift.lambdaUser !== 'no-policy') {
        await iam.send(
          new AttachUserPolicyCommand({ UserName: names.lambdaUser, PolicyArn: 'arn:aws:iam::aws:policy/AWSLambda_FullAccess' })
        )
      }
      await iam.send(
        new PutUserPolicyCommand({
          UserName: names.lambdaUser,
          PolicyName: 'pass-cargo-role',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn }]
          })
        })
      )
      if (drift.lambdaUser !== 'no-key') await iam.send(new CreateAccessKeyCommand({ UserName: names.lambdaUser }))
    }

    // VPC and the Redshift security group admitting Cargo.
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))
    const vpcId = vpc.Vpc?.VpcId ?? ''
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'redshift-cargo', Description: 'Redshift endpoint', VpcId: vpcId })
    )
    const securityGroupId = sg.GroupId ?? ''
    const permissions: IpPermission[] = [
      // Unrelated rule: the office on TCP 5439.
      { IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '10.20.0.0/16', Description: 'VPC' }] }
    ]
    if (drift.ingress !== 'none') {
      const cidr = drift.ingress === 'wide' ? '0.0.0.0/0' : (CARGO_IPS[0] as string)
      permissions.push(
        drift.ingress === 'tcp-port'
          ? { IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr, Description: 'Cargo' }] }
          : { IpProtocol: '-1', IpRanges: [{ CidrIp: cidr, Description: 'Cargo' }] }
      )
    }
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: securityGroupId, IpPermissions: permissions }))
    return { policyArn, roleArn, otherRoleArn, vpcId, securityGroupId }
  } finally {
    iam.destroy()
    ec2.destroy()
  }
}

/**
 * Seeds a compliant Redshift Serverless setup (everything the Cargo guide asks for),
 * but for the one `drift` given. Returns the names and the parameters to audit it with.
 */
export async function seedCompliantServerless(em: Emulators, drift: Drift = {}, names: Partial<CargoNames> = {}): Promise<Seeded> {
  const n: CargoNames = { ...DEFAULT_NAMES, ...names }
  const port = 5439
  const account = await seedAccount(em, n, drift, port)
  if (!drift.noRedshift) {
    em.serverless.seedNamespace({
      namespaceName: n.namespace,
      dbName: n.dbName,
      iamRoles: drift.notAssociated ? [account.otherRoleArn] : [account.otherRoleArn, account.roleArn],
      defaultIamRoleArn: account.otherRoleArn,
      ...(drift.iamRoleFormat ? { iamRoleFormat: drift.iamRoleFormat } : {})
    })
    em.serverless.seedWorkgroup({
      workgroupName: n.workgroup,
      namespaceName: n.namespace,
      publiclyAccessible: !drift.notPubliclyAccessible,
      securityGroupIds: [account.securityGroupId],
      port
    })
  }
  await seedSql(em.data, n, drift)
  return { names: n, params: paramsFor(n, 'serverless'), ...account }
}

/** Seeds a compliant provisioned setup: the same IAM and network, and a cluster in moto with the role. */
export async function seedCompliantProvisioned(
  em: Emulators,
  drift: Drift = {},
  names: Partial<CargoNames> = {},
  options: { credentials?: SeedCredentials; sql?: boolean } = {}
): Promise<Seeded> {
  const n: CargoNames = { ...DEFAULT_NAMES, ...names }
  const port = 5439
  const account = await seedAccount(em, n, drift, port, options.credentials)
  if (!drift.noRedshift) {
    const { redshift } = seedClients(em, options.credentials)
    try {
      await redshift.send(
        new CreateClusterCommand({
          ClusterIdentifier: n.clusterIdentifier,
          NodeType: 'ra3.xlplus',
          ClusterType: 'single-node',
          MasterUsername: 'admin',
          MasterUserPassword: 'Example-Passw0rd',
          DBName: n.dbName,
          Port: port,
          PubliclyAccessible: !drift.notPubliclyAccessible,
          VpcSecurityGroupIds: [account.securityGroupId],
          IamRoles: drift.notAssociated ? [account.otherRoleArn] : [account.otherRoleArn, account.roleArn]
        })
      )
    } finally {
      redshift.destroy()
    }
  }
  if (options.sql !== false) await seedSql(em.data, n, drift)
  return { names: n, params: paramsFor(n, 'provisioned'), ...account }
}
