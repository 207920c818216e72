/** Cases of the SQL rules, one change each to the compliant example. */
import { sql, schemas, type Case } from './support.js'

export const SQL_CASES: Case[] = [
  // --- sql-database ----------------------------------------------------------
  { name: 'compliant', rule: 'sql-database', status: 'pass' },
  {
    name: 'database does not exist',
    rule: 'sql-database',
    mutate: (s) => (sql(s).database!.exists = false),
    status: 'fail',
    says: ["database 'cargo_db' does not exist"]
  },

  // --- sql-user ------------------------------------------------------------
  { name: 'compliant', rule: 'sql-user', status: 'pass' },
  {
    name: 'superuser',
    rule: 'sql-user',
    mutate: (s) => (sql(s).user!.superuser = true),
    status: 'fail',
    says: ["user 'cargo_user' is a superuser"]
  },
  {
    name: 'user does not exist',
    rule: 'sql-user',
    mutate: (s) => (sql(s).user = { name: 'cargo_user', exists: false }),
    status: 'fail',
    says: ["user 'cargo_user' does not exist"]
  },

  // --- sql-database-all ------------------------------------------------------
  { name: 'compliant', rule: 'sql-database-all', status: 'pass' },
  {
    name: 'TEMPORARY instead of TEMP',
    rule: 'sql-database-all',
    mutate: (s) => (sql(s).databasePrivileges = ['CREATE', 'TEMPORARY']),
    status: 'pass'
  },
  {
    name: 'CREATE only',
    rule: 'sql-database-all',
    mutate: (s) => (sql(s).databasePrivileges = ['CREATE']),
    status: 'fail',
    says: ['TEMP on the database is missing'],
    saysNot: ['CREATE on the database is missing']
  },
  {
    name: 'no privileges',
    rule: 'sql-database-all',
    mutate: (s) => (sql(s).databasePrivileges = []),
    status: 'fail',
    says: ['CREATE on the database is missing', 'TEMP on the database is missing']
  },
  {
    name: 'user superuser: skipped',
    rule: 'sql-database-all',
    mutate: (s) => (sql(s).user!.superuser = true),
    status: 'skipped',
    says: ['prerequisite sql-user']
  },

  // --- sql-function-role -----------------------------------------------------
  { name: 'compliant', rule: 'sql-function-role', status: 'pass' },
  {
    name: 'role not granted to the user',
    rule: 'sql-function-role',
    mutate: (s) => (sql(s).functionRole!.grantedToUser = false),
    status: 'fail',
    says: ["the role is not granted to 'cargo_user'"]
  },
  {
    name: 'role lacks the privilege',
    rule: 'sql-function-role',
    mutate: (s) => (sql(s).functionRole!.systemPrivileges = ['CREATE MODEL']),
    status: 'fail',
    says: ['lacks CREATE OR REPLACE FUNCTION']
  },
  {
    name: 'role does not exist',
    rule: 'sql-function-role',
    mutate: (s) =>
      (sql(s).functionRole = { name: 'cargo_create_replace_function', exists: false, systemPrivileges: [], grantedToUser: false }),
    status: 'fail',
    says: ["role 'cargo_create_replace_function' does not exist"]
  },

  {
    name: 'role missing, but the user holds the privilege through sys:dba',
    rule: 'sql-function-role',
    mutate: (s) =>
      (sql(s).functionRole = {
        name: 'cargo_create_replace_function',
        exists: false,
        systemPrivileges: [],
        grantedToUser: false,
        userPrivilegeVia: 'sys:dba'
      }),
    status: 'pass'
  },

  // --- sql-external-function -------------------------------------------------
  { name: 'compliant', rule: 'sql-external-function', status: 'pass' },
  {
    name: 'no CREATE OR REPLACE EXTERNAL FUNCTION',
    rule: 'sql-external-function',
    mutate: (s) => (sql(s).externalFunction = { allowed: false }),
    status: 'fail',
    says: ["'cargo_user' cannot run CREATE EXTERNAL FUNCTION"]
  },

  // --- sql-exfunc-usage ------------------------------------------------------
  { name: 'compliant', rule: 'sql-exfunc-usage', status: 'pass' },
  {
    name: 'no USAGE on exfunc',
    rule: 'sql-exfunc-usage',
    mutate: (s) => (sql(s).exfuncUsage = false),
    status: 'fail',
    says: ["'cargo_user' lacks USAGE ON LANGUAGE exfunc"]
  },

  // --- sql-source-select -----------------------------------------------------
  { name: 'compliant', rule: 'sql-source-select', status: 'pass' },
  {
    name: 'source schema missing',
    rule: 'sql-source-select',
    mutate: (s) => Object.assign(schemas(s)[0]!, { exists: false, usage: false, tables: [] }),
    status: 'fail',
    says: ['schema analytics.public does not exist']
  },
  {
    name: 'no USAGE on the schema',
    rule: 'sql-source-select',
    mutate: (s) => (schemas(s)[0]!.usage = false),
    status: 'fail',
    says: ['no USAGE on schema analytics.public'],
    saysNot: ['no SELECT']
  },
  {
    name: 'one table not selectable',
    rule: 'sql-source-select',
    mutate: (s) => (schemas(s)[0]!.tables[1]!.select = false),
    status: 'fail',
    says: ['no SELECT on table public.', 'orders'],
    saysNot: ['accounts']
  },
  {
    name: 'schema without tables',
    rule: 'sql-source-select',
    mutate: (s) => (schemas(s)[0]!.tables = []),
    status: 'pass'
  },
  {
    name: 'source-schemas empty: not applicable',
    rule: 'sql-source-select',
    inputs: { 'source-schemas': undefined },
    status: 'skipped',
    says: ["input 'source-schemas' is empty"]
  },

  // --- sql-source-default-privileges ----------------------------------------
  { name: 'compliant', rule: 'sql-source-default-privileges', status: 'pass' },
  {
    name: 'no default privileges',
    rule: 'sql-source-default-privileges',
    mutate: (s) => (schemas(s)[0]!.defaultSelect = false),
    status: 'fail',
    says: ['tables created later in analytics.public will not be readable by cargo_user']
  },
  {
    name: 'one owner of future tables not covered',
    rule: 'sql-source-default-privileges',
    mutate: (s) =>
      Object.assign(schemas(s)[0]!, {
        defaultSelect: false,
        futureTableOwners: [
          { name: 'etl', covered: true },
          { name: 'loader', covered: false }
        ],
        uncoveredOwners: ['loader', 'batch']
      }),
    status: 'fail',
    // The owners as names, not as a JSON array.
    says: ['tables created later in analytics.public will not be readable by cargo_user', 'no default privileges FOR USER loader, batch in analytics.public'],
    saysNot: ['etl']
  },
  {
    name: 'source select fails: skipped',
    rule: 'sql-source-default-privileges',
    mutate: (s) => Object.assign(schemas(s)[0]!, { usage: false, defaultSelect: false }),
    status: 'skipped',
    says: ['prerequisite sql-source-select did not pass']
  }
]
