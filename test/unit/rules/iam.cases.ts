/** Cases of the IAM rules, one change each to the compliant example. */
import { CARGO_ROLE, ALLOW_ASSUME, role, policy, lambdaUser, statements, trust, attach, type Case } from './support.js'

export const IAM_CASES: Case[] = [
  // --- iam-cross-account-policy -------------------------------------------
  { name: 'compliant', rule: 'iam-cross-account-policy', status: 'pass' },
  {
    name: 'policy absent',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (s.iam.crossAccountPolicy = null),
    status: 'fail',
    says: [`no customer-managed policy allowing sts:AssumeRole on ${CARGO_ROLE} was found`, "'cargo-cross-account'"]
  },
  {
    name: 'allows another role only',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ ...ALLOW_ASSUME, Resource: 'arn:aws:iam::999988887777:role/someone-else' })),
    status: 'fail',
    says: [`no statement allows sts:AssumeRole on ${CARGO_ROLE}`]
  },
  {
    name: 'sts:* action',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ ...ALLOW_ASSUME, Action: 'sts:*' })),
    status: 'pass'
  },
  {
    name: 'action in another case',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ ...ALLOW_ASSUME, Action: 'STS:assumerole' })),
    status: 'pass'
  },
  {
    name: '* resource',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ ...ALLOW_ASSUME, Resource: '*' })),
    status: 'pass'
  },
  {
    name: 'Statement as a single object',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = { Version: '2012-10-17', Statement: ALLOW_ASSUME }),
    status: 'pass'
  },
  {
    name: 'NotAction that leaves sts:AssumeRole allowed',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], Resource: CARGO_ROLE })),
    status: 'pass'
  },
  {
    name: 'NotAction excluding sts:AssumeRole',
    rule: 'iam-cross-account-policy',
    mutate: (s) => (policy(s).document = statements({ Effect: 'Allow', NotAction: 'sts:AssumeRole', Resource: '*' })),
    status: 'fail',
    says: ['no statement allows sts:AssumeRole']
  },
  {
    name: 'a Deny statement overrides the Allow',
    rule: 'iam-cross-account-policy',
    mutate: (s) =>
      (policy(s).document = statements(ALLOW_ASSUME, { Sid: 'NoChaining', Effect: 'Deny', Action: 'sts:*', Resource: '*' })),
    status: 'fail',
    says: ['denied explicitly', "'NoChaining'"]
  },
  {
    name: 'Allow under a Condition is only conditional',
    rule: 'iam-cross-account-policy',
    mutate: (s) =>
      (policy(s).document = statements({ ...ALLOW_ASSUME, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } })),
    status: 'fail',
    says: ['conditions hold', 'aws:RequestedRegion']
  },

  // --- iam-role-exists -----------------------------------------------------
  { name: 'compliant', rule: 'iam-role-exists', status: 'pass' },
  {
    name: 'role null',
    rule: 'iam-role-exists',
    mutate: (s) => (s.iam.role = null),
    status: 'fail',
    says: ["IAM role 'cargo-redshift' was not found"]
  },
  {
    name: 'role key absent, state read for that other role name',
    rule: 'iam-role-exists',
    mutate: (s) => {
      delete s.iam.role
      s.subject = { ...s.subject, roleName: 'my-cargo-role' }
    },
    inputs: { 'role-name': 'my-cargo-role' },
    status: 'fail',
    says: ["IAM role 'my-cargo-role' was not found"]
  },
  {
    // Issue 11: the state was read for cargo-redshift; it says nothing about my-cargo-role.
    name: 'role key absent, state read for another role name',
    rule: 'iam-role-exists',
    mutate: (s) => delete s.iam.role,
    inputs: { 'role-name': 'my-cargo-role' },
    status: 'error',
    says: ["the snapshot was read for role cargo-redshift, not my-cargo-role (input 'role-name')"]
  },

  // --- iam-role-trusts-redshift ------------------------------------------
  { name: 'compliant', rule: 'iam-role-trusts-redshift', status: 'pass' },
  {
    name: 'Principal Service as an array',
    rule: 'iam-role-trusts-redshift',
    mutate: (s) =>
      (role(s).trustPolicy = statements({
        Effect: 'Allow',
        Principal: { Service: ['lambda.amazonaws.com', 'redshift.amazonaws.com'] },
        Action: 'sts:AssumeRole'
      })),
    status: 'pass'
  },
  {
    name: 'trusts Lambda only',
    rule: 'iam-role-trusts-redshift',
    mutate: (s) => (role(s).trustPolicy = statements(...trust('lambda.amazonaws.com'))),
    status: 'fail',
    says: ['redshift.amazonaws.com']
  },
  {
    name: 'trusts an account, not the service',
    rule: 'iam-role-trusts-redshift',
    mutate: (s) =>
      (role(s).trustPolicy = statements({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' })),
    status: 'fail',
    says: ['redshift.amazonaws.com']
  },
  {
    name: 'trust statement for another action',
    rule: 'iam-role-trusts-redshift',
    mutate: (s) =>
      (role(s).trustPolicy = statements({ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:TagSession' })),
    status: 'fail'
  },

  // --- iam-role-trusts-lambda --------------------------------------------
  { name: 'compliant', rule: 'iam-role-trusts-lambda', status: 'pass' },
  {
    name: 'Principal Service as an array',
    rule: 'iam-role-trusts-lambda',
    mutate: (s) =>
      (role(s).trustPolicy = statements({
        Effect: 'Allow',
        Principal: { Service: ['redshift.amazonaws.com', 'lambda.amazonaws.com'] },
        Action: 'sts:AssumeRole'
      })),
    status: 'pass'
  },
  {
    name: 'lambda statement missing',
    rule: 'iam-role-trusts-lambda',
    mutate: (s) => (role(s).trustPolicy = statements(...trust('redshift.amazonaws.com'))),
    status: 'fail',
    says: ['lambda.amazonaws.com']
  },
  {
    name: 'a Deny on lambda in the trust policy',
    rule: 'iam-role-trusts-lambda',
    mutate: (s) =>
      (role(s).trustPolicy = statements(...trust('redshift.amazonaws.com', 'lambda.amazonaws.com'), {
        Sid: 'NoLambda',
        Effect: 'Deny',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole'
      })),
    status: 'fail',
    says: ['denied explicitly', "'NoLambda'"]
  },
  {
    name: 'a Deny on lambda does not touch Redshift',
    rule: 'iam-role-trusts-redshift',
    mutate: (s) =>
      (role(s).trustPolicy = statements(...trust('redshift.amazonaws.com', 'lambda.amazonaws.com'), {
        Effect: 'Deny',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole'
      })),
    status: 'pass'
  },

  // --- iam-role-cross-account-attached -----------------------------------
  { name: 'compliant', rule: 'iam-role-cross-account-attached', status: 'pass' },
  {
    name: 'cross-account policy not attached',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) => (role(s).policies = role(s).policies.filter((p) => p.name !== 'cargo-cross-account')),
    status: 'fail',
    says: [`no statement allows sts:AssumeRole on ${CARGO_ROLE}`]
  },
  {
    name: 'one attached policy allows, another denies',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) =>
      attach(s, {
        name: 'guardrail',
        kind: 'inline',
        document: statements({ Sid: 'NoAssume', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' })
      }),
    status: 'fail',
    says: ['denied explicitly', 'guardrail']
  },
  {
    name: 'a Deny on other actions does not matter',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) =>
      attach(s, { name: 'guardrail', kind: 'inline', document: statements({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }) }),
    status: 'pass'
  },
  {
    name: 'permissions boundary that does not allow sts:AssumeRole',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) =>
      (role(s).permissionsBoundary = {
        name: 'boundary',
        arn: 'arn:aws:iam::123456789012:policy/boundary',
        kind: 'customer-managed',
        document: statements({ Effect: 'Allow', Action: ['s3:*', 'lambda:*'], Resource: '*' })
      }),
    status: 'fail',
    says: ['permissions boundary does not allow']
  },
  {
    name: 'permissions boundary that allows it',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) =>
      (role(s).permissionsBoundary = {
        name: 'boundary',
        kind: 'customer-managed',
        document: statements({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })
      }),
    status: 'pass'
  },
  {
    name: 'a policy document that was not collected',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) => delete role(s).policies[0]!.document,
    // What was never read is not drift: error, naming what is missing.
    status: 'error',
    says: ['cargo-cross-account', 'not collected']
  },
  {
    name: 'a permissions boundary whose document was not collected',
    rule: 'iam-role-cross-account-attached',
    mutate: (s) => (role(s).permissionsBoundary = { name: 'boundary', kind: 'customer-managed' }),
    status: 'error',
    says: ['permissions boundary boundary was not collected']
  },
  {
    name: 'cargo-role-arn not set',
    rule: 'iam-role-cross-account-attached',
    inputs: { 'cargo-role-arn': undefined },
    status: 'error',
    says: ["input 'cargo-role-arn' is not set"]
  },

  // --- iam-role-lambda-policies ------------------------------------------
  { name: 'compliant', rule: 'iam-role-lambda-policies', status: 'pass' },
  {
    name: 'AWSLambdaRole attached without the service-role/ path',
    rule: 'iam-role-lambda-policies',
    mutate: (s) => {
      const p = role(s).policies.find((x) => x.name === 'AWSLambdaRole')!
      p.arn = 'arn:aws:iam::aws:policy/AWSLambdaRole'
    },
    status: 'fail',
    says: ['AWSLambdaRole (service-role/AWSLambdaRole) is not attached'],
    saysNot: ['AWSLambdaExecute is not attached']
  },
  {
    name: 'AWSLambdaExecute missing',
    rule: 'iam-role-lambda-policies',
    mutate: (s) => (role(s).policies = role(s).policies.filter((p) => p.name !== 'AWSLambdaExecute')),
    status: 'fail',
    says: ['AWSLambdaExecute is not attached'],
    saysNot: ['AWSLambdaRole']
  },
  {
    name: 'both missing',
    rule: 'iam-role-lambda-policies',
    mutate: (s) => (role(s).policies = role(s).policies.filter((p) => p.kind !== 'aws-managed')),
    status: 'fail',
    says: ['AWSLambdaExecute is not attached', 'AWSLambdaRole (service-role/AWSLambdaRole) is not attached']
  },
  {
    name: 'a customer policy named AWSLambdaExecute is not the AWS one',
    rule: 'iam-role-lambda-policies',
    mutate: (s) => {
      const p = role(s).policies.find((x) => x.name === 'AWSLambdaExecute')!
      p.arn = 'arn:aws:iam::123456789012:policy/AWSLambdaExecute'
    },
    status: 'fail',
    says: ['AWSLambdaExecute is not attached']
  },

  // --- iam-lambda-user -----------------------------------------------------
  { name: 'compliant', rule: 'iam-lambda-user', status: 'pass' },
  {
    name: 'user absent',
    rule: 'iam-lambda-user',
    mutate: (s) => (s.iam.lambdaUser = null),
    status: 'fail',
    says: ["IAM user 'cargo_lambda' was not found"]
  },
  {
    name: 'AWSLambda_FullAccess not attached',
    rule: 'iam-lambda-user',
    mutate: (s) => (lambdaUser(s).policies = [{ name: 'ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', kind: 'aws-managed' }]),
    status: 'fail',
    says: ['none of arn:aws:iam::aws:policy/AWSLambda_FullAccess is attached']
  },
  {
    name: 'a narrower policy accepted through lambda-user-policy-arns',
    rule: 'iam-lambda-user',
    inputs: { 'lambda-user-policy-arns': 'arn:aws:iam::123456789012:policy/cargo-lambda-narrow' },
    mutate: (s) =>
      (lambdaUser(s).policies = [
        { name: 'cargo-lambda-narrow', arn: 'arn:aws:iam::123456789012:policy/cargo-lambda-narrow', kind: 'customer-managed' }
      ]),
    status: 'pass'
  },
  {
    name: 'a narrower policy without lambda-user-policy-arns',
    rule: 'iam-lambda-user',
    mutate: (s) =>
      (lambdaUser(s).policies = [
        { name: 'cargo-lambda-narrow', arn: 'arn:aws:iam::123456789012:policy/cargo-lambda-narrow', kind: 'customer-managed' }
      ]),
    status: 'fail'
  },

  // --- iam-lambda-user-key ------------------------------------------------
  { name: 'compliant', rule: 'iam-lambda-user-key', status: 'pass' },
  {
    name: 'Inactive key only',
    rule: 'iam-lambda-user-key',
    mutate: (s) => (lambdaUser(s).accessKeys[0]!.status = 'Inactive'),
    status: 'fail',
    says: ['no active access key']
  },
  {
    name: 'no key at all',
    rule: 'iam-lambda-user-key',
    mutate: (s) => (lambdaUser(s).accessKeys = []),
    status: 'fail',
    says: ['no active access key']
  },
  {
    name: 'one Inactive and one Active key',
    rule: 'iam-lambda-user-key',
    mutate: (s) => lambdaUser(s).accessKeys.unshift({ status: 'Inactive', ageDays: 10 }),
    status: 'pass'
  },
  {
    name: 'user absent',
    rule: 'iam-lambda-user-key',
    mutate: (s) => (s.iam.lambdaUser = null),
    status: 'skipped',
    says: ['iam-lambda-user']
  },

  // --- iam-lambda-user-key-age ---------------------------------------------
  { name: 'compliant', rule: 'iam-lambda-user-key-age', status: 'pass' },
  {
    name: 'key older than the maximum',
    rule: 'iam-lambda-user-key-age',
    mutate: (s) => (lambdaUser(s).accessKeys[0]!.ageDays = 400),
    status: 'fail',
    says: ['older than 365 days']
  },
  {
    name: 'exactly the maximum age',
    rule: 'iam-lambda-user-key-age',
    mutate: (s) => (lambdaUser(s).accessKeys[0]!.ageDays = 365),
    status: 'pass'
  },
  {
    name: 'a higher access-key-max-age-days',
    rule: 'iam-lambda-user-key-age',
    inputs: { 'access-key-max-age-days': '500' },
    mutate: (s) => (lambdaUser(s).accessKeys[0]!.ageDays = 400),
    status: 'pass'
  },
  {
    name: 'a lower access-key-max-age-days',
    rule: 'iam-lambda-user-key-age',
    inputs: { 'access-key-max-age-days': '90' },
    status: 'fail',
    says: ['older than 90 days']
  },
  {
    name: 'an old Active key and a fresh Inactive one',
    rule: 'iam-lambda-user-key-age',
    mutate: (s) => {
      lambdaUser(s).accessKeys[0]!.ageDays = 400
      lambdaUser(s).accessKeys.push({ status: 'Inactive', ageDays: 3 })
    },
    status: 'fail'
  },
  {
    name: 'an old Active key and a fresh Active one',
    rule: 'iam-lambda-user-key-age',
    mutate: (s) => {
      lambdaUser(s).accessKeys[0]!.ageDays = 400
      lambdaUser(s).accessKeys.push({ status: 'Active', ageDays: 3 })
    },
    status: 'pass'
  },
  {
    name: 'no active key: skipped, not failed twice',
    rule: 'iam-lambda-user-key-age',
    mutate: (s) => (lambdaUser(s).accessKeys[0]!.status = 'Inactive'),
    status: 'skipped',
    says: ['iam-lambda-user-key']
  },
]
