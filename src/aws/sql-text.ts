/**
 * Quoting for SQL sent to Redshift. Parameters reach us already validated as plain lower-case
 * identifiers, but every name still goes through these so that no value can change a statement's
 * shape. Remediation builds its DDL with the same two functions.
 */

/** Redshift identifiers are at most 127 bytes (UTF-8). */
const MAX_IDENTIFIER_BYTES = 127

function refuseNul(value: string, what: string): void {
  if (value.includes('\0')) throw new Error(`${what} must not contain a NUL character`)
}

/**
 * A string literal: `'` doubled, and `\` doubled because Redshift reads backslash escapes in
 * literals (`'it\'s'`). Doubling a backslash is safe either way: it can never end the literal.
 */
export function quoteLiteral(value: string): string {
  refuseNul(value, 'a SQL literal')
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/**
 * A delimited identifier: wrapped in `"` with `"` doubled. Redshift folds even quoted names to
 * lower case unless `enable_case_sensitive_identifier` is on, so callers pass lower-case names.
 */
export function quoteIdent(name: string): string {
  refuseNul(name, 'a SQL identifier')
  if (name === '') throw new Error('a SQL identifier must not be empty')
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new Error(`a SQL identifier is at most ${MAX_IDENTIFIER_BYTES} bytes; got ${Buffer.byteLength(name, 'utf8')}`)
  }
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * A string value for a query, the same in either reading of backslashes: Redshift reads backslash
 * escapes in literals, PostgreSQL with standard_conforming_strings does not, so a backslash is
 * spelt CHR(92) instead of being put inside the literal. Not for DDL that needs a plain literal.
 */
export function queryText(value: string): string {
  if (!value.includes('\\')) return quoteLiteral(value)
  return `(${value.split('\\').map(quoteLiteral).join(' || CHR(92) || ')})`
}
