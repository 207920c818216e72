/**
 * The SQL of Cargo's setup, one statement per function. Every name goes through quoteIdent and
 * every value through quoteLiteral, so that no input can change a statement's shape (parameters
 * are validated as plain identifiers already; this is the second line). Each function returns a
 * single statement without a trailing semicolon, as the Data API's ExecuteStatement takes one.
 */
import { quoteIdent as id, quoteLiteral } from '../aws/sql-text.js'
import { PASSWORD_PLACEHOLDER } from './types.js'

/** Runs alone, outside any transaction block (Redshift refuses CREATE DATABASE inside one). */
export const createDatabaseSql = (database: string) => `CREATE DATABASE ${id(database)}`

/** The password stays the placeholder literal until apply; see fillPassword. */
export const createUserSql = (user: string) => `CREATE USER ${id(user)} PASSWORD ${quoteLiteral(PASSWORD_PLACEHOLDER)}`

export const grantDatabaseSql = (database: string, user: string) => `GRANT ALL ON DATABASE ${id(database)} TO ${id(user)}`

export const createRoleSql = (role: string) => `CREATE ROLE ${id(role)}`

export const grantFunctionPrivilegeSql = (role: string) => `GRANT CREATE OR REPLACE FUNCTION TO ROLE ${id(role)}`

export const grantRoleSql = (role: string, user: string) => `GRANT ROLE ${id(role)} TO ${id(user)}`

/** Run in the Cargo database: language privileges are per database. */
export const grantExfuncSql = (user: string) => `GRANT USAGE ON LANGUAGE exfunc TO ${id(user)}`

/** Run in the schema's database (no three-part names). */
export const grantSchemaUsageSql = (schema: string, user: string) => `GRANT USAGE ON SCHEMA ${id(schema)} TO ${id(user)}`

export const grantSelectAllTablesSql = (schema: string, user: string) =>
  `GRANT SELECT ON ALL TABLES IN SCHEMA ${id(schema)} TO ${id(user)}`

/**
 * Covers tables `owner` creates later in the schema: default privileges apply only to objects created
 * by the user they name (r_ALTER_DEFAULT_PRIVILEGES), so each owner of future tables needs its own.
 */
export const defaultSelectSql = (owner: string, schema: string, user: string) =>
  `ALTER DEFAULT PRIVILEGES FOR USER ${id(owner)} IN SCHEMA ${id(schema)} GRANT SELECT ON TABLES TO ${id(user)}`

/** Lambda UDFs need this system privilege (r_CREATE_EXTERNAL_FUNCTION); system privileges go to roles. */
export const grantExternalFunctionPrivilegeSql = (role: string) => `GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE ${id(role)}`

/** Existence checks used to confirm an 'already exists' error before calling a step done. */
export const databaseExistsSql = (database: string) => `SELECT 1 AS found FROM pg_database WHERE datname = ${quoteLiteral(database)}`
export const userExistsSql = (user: string) => `SELECT 1 AS found FROM pg_user WHERE usename = ${quoteLiteral(user)}`
export const roleExistsSql = (role: string) => `SELECT 1 AS found FROM svv_roles WHERE role_name = ${quoteLiteral(role)}`

/**
 * Puts the password into a planned CREATE USER, as a quoted literal. Only the exact placeholder
 * literal is replaced; the result must never be logged.
 */
export function fillPassword(sql: string, password: string): string {
  const placeholder = quoteLiteral(PASSWORD_PLACEHOLDER)
  if (!sql.includes(placeholder)) return sql
  return sql.split(placeholder).join(quoteLiteral(password))
}
