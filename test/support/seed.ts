/**
 * Seeding Cargo's setup in the emulators (test/support/emulators.ts) with the real SDK clients over
 * HTTP: compliant, or compliant but for one drift. What to audit it with is test/support/inputs.ts.
 */
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
import type { Parameters } from '../../src/config/parameters.js'
import type { RedshiftStandIn } from '../fakes/redshift-pg/stand-in.js'
import type { IamRoleFormat } from '../fakes/redshift-serverless-server.js'
import { ACCOUNT_ID, type Emulators } from './emulators.js'
import { CARGO_IPS, CARGO_ROLE_ARN, DEFAULT_NAMES, paramsFor, type CargoNames } from './inputs.js'

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
