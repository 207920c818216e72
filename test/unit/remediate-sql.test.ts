/**
 * The remediation SQL builders quote every name, so that no input can add a statement, end one
 * early or comment the rest out: names with `"`, `;` and `--` stay one delimited identifier.
 */
import { describe, expect, it } from 'vitest'
import * as sql from '../../src/remediate/sql.js'
import { awsCli, shellQuote } from '../../src/remediate/documents.js'

const HOSTILE = ['x"; DROP USER admin; --', 'a""b', 'semi;colon', '-- comment', 'quote"', "it's"]

/** The statement with every delimited identifier and string literal removed: what is left is the statement's shape. */
function shape(statement: string): string {
  return statement.replace(/"(?:[^"]|"")*"/g, 'ID').replace(/'(?:[^'\\]|''|\\.)*'/g, 'LIT')
}

describe('remediation SQL', () => {
  it('builds each statement of the guide with quoted names', () => {
    expect(sql.createDatabaseSql('cargo_db')).toBe('CREATE DATABASE "cargo_db"')
    expect(sql.createUserSql('cargo_user')).toBe(`CREATE USER "cargo_user" PASSWORD '<db-user-password>'`)
    expect(sql.grantDatabaseSql('cargo_db', 'cargo_user')).toBe('GRANT ALL ON DATABASE "cargo_db" TO "cargo_user"')
    expect(sql.createRoleSql('r')).toBe('CREATE ROLE "r"')
    expect(sql.grantFunctionPrivilegeSql('r')).toBe('GRANT CREATE OR REPLACE FUNCTION TO ROLE "r"')
    expect(sql.grantRoleSql('r', 'u')).toBe('GRANT ROLE "r" TO "u"')
    expect(sql.grantExfuncSql('u')).toBe('GRANT USAGE ON LANGUAGE exfunc TO "u"')
    expect(sql.grantSchemaUsageSql('s', 'u')).toBe('GRANT USAGE ON SCHEMA "s" TO "u"')
    expect(sql.grantSelectAllTablesSql('s', 'u')).toBe('GRANT SELECT ON ALL TABLES IN SCHEMA "s" TO "u"')
    expect(sql.defaultSelectSql('o', 's', 'u')).toBe('ALTER DEFAULT PRIVILEGES FOR USER "o" IN SCHEMA "s" GRANT SELECT ON TABLES TO "u"')
    expect(sql.grantExternalFunctionPrivilegeSql('r')).toBe('GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE "r"')
  })

  it.each(HOSTILE)('keeps the hostile name %j inside one identifier', (name) => {
    const statements = [
      [sql.createDatabaseSql(name), 'CREATE DATABASE ID'],
      [sql.createUserSql(name), 'CREATE USER ID PASSWORD LIT'],
      [sql.grantDatabaseSql(name, name), 'GRANT ALL ON DATABASE ID TO ID'],
      [sql.createRoleSql(name), 'CREATE ROLE ID'],
      [sql.grantFunctionPrivilegeSql(name), 'GRANT CREATE OR REPLACE FUNCTION TO ROLE ID'],
      [sql.grantRoleSql(name, name), 'GRANT ROLE ID TO ID'],
      [sql.grantExfuncSql(name), 'GRANT USAGE ON LANGUAGE exfunc TO ID'],
      [sql.grantSchemaUsageSql(name, name), 'GRANT USAGE ON SCHEMA ID TO ID'],
      [sql.grantSelectAllTablesSql(name, name), 'GRANT SELECT ON ALL TABLES IN SCHEMA ID TO ID'],
      [sql.defaultSelectSql(name, name, name), 'ALTER DEFAULT PRIVILEGES FOR USER ID IN SCHEMA ID GRANT SELECT ON TABLES TO ID'],
      [sql.grantExternalFunctionPrivilegeSql(name), 'GRANT CREATE OR REPLACE EXTERNAL FUNCTION TO ROLE ID'],
      [sql.databaseExistsSql(name), 'SELECT 1 AS found FROM pg_database WHERE datname = LIT'],
      [sql.userExistsSql(name), 'SELECT 1 AS found FROM pg_user WHERE usename = LIT']
    ] as const
    for (const [statement, expected] of statements) expect(shape(statement)).toBe(expected)
    expect(sql.createRoleSql(name)).toBe(`CREATE ROLE "${name.replace(/"/g, '""')}"`)
  })

  it('refuses what cannot be an identifier at all', () => {
    expect(() => sql.createRoleSql('')).toThrow(/empty/)
    expect(() => sql.createRoleSql('a\0b')).toThrow(/NUL/)
    expect(() => sql.createRoleSql('x'.repeat(128))).toThrow(/127 bytes/)
  })

  it('fills the password as one literal, only where the placeholder literal is', () => {
    const planned = sql.createUserSql('cargo_user')
    expect(sql.fillPassword(planned, 'Abc-1234x')).toBe(`CREATE USER "cargo_user" PASSWORD 'Abc-1234x'`)
    // Even a password the inputs would refuse stays one literal.
    expect(shape(sql.fillPassword(planned, `x'; DROP USER admin; --\\`))).toBe('CREATE USER ID PASSWORD LIT')
    expect(sql.fillPassword('GRANT ROLE "r" TO "u"', 'Abc-1234x')).toBe('GRANT ROLE "r" TO "u"')
  })
})

describe('the equivalent CLI commands', () => {
  it('quote every word a shell would split or expand', () => {
    expect(shellQuote('plain-word_1/2:3')).toBe('plain-word_1/2:3')
    expect(shellQuote(`{"a":"it's $HOME"}`)).toBe(`'{"a":"it'\\''s $HOME"}'`)
    expect(awsCli('iam', 'create-user', [['user-name', 'x y'], ['flag', true], ['list', ['a', 'b c']]], 'eu-west-1')).toBe(
      "aws iam create-user --user-name 'x y' --flag --list a 'b c' --region eu-west-1"
    )
  })
})
