import { describe, expect, it } from 'vitest'
import { quoteIdent, quoteLiteral } from '../../src/aws/sql-text.js'

describe('quoteLiteral', () => {
  it('wraps plain text in single quotes', () => {
    expect(quoteLiteral('cargo_user')).toBe("'cargo_user'")
    expect(quoteLiteral('')).toBe("''")
  })

  it("doubles single quotes so a value cannot end the literal", () => {
    expect(quoteLiteral("o'hara")).toBe("'o''hara'")
    expect(quoteLiteral("'; DROP TABLE x; --")).toBe("'''; DROP TABLE x; --'")
  })

  it('doubles backslashes, which Redshift reads as escapes inside literals', () => {
    expect(quoteLiteral('a\\b')).toBe("'a\\\\b'")
    // Without doubling, \' would escape the quote and leave the literal open.
    expect(quoteLiteral("x\\'; DROP TABLE t; --")).toBe("'x\\\\''; DROP TABLE t; --'")
  })

  it('refuses NUL characters', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(/NUL/)
  })

  it('keeps the number of unescaped quotes balanced for any input', () => {
    for (const s of ["'", "''", "\\'", "a'b\\'c\\\\'", '"', "'\\"]) {
      const q = quoteLiteral(s)
      const inner = q.slice(1, -1)
      // Inside, every quote is part of a '' pair and every backslash of a \\ pair.
      expect(inner.replace(/''/g, '').replace(/\\\\/g, '')).not.toMatch(/['\\]/)
    }
  })
})

describe('quoteIdent', () => {
  it('wraps names in double quotes', () => {
    expect(quoteIdent('cargo_db')).toBe('"cargo_db"')
  })

  it('doubles double quotes in hostile identifiers', () => {
    expect(quoteIdent('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"')
    expect(quoteIdent('"')).toBe('""""')
  })

  it('leaves single quotes and backslashes alone (they mean nothing inside "...")', () => {
    expect(quoteIdent("o'hara\\x")).toBe(`"o'hara\\x"`)
  })

  it('refuses empty names, NUL and names over 127 bytes', () => {
    expect(() => quoteIdent('')).toThrow(/empty/)
    expect(() => quoteIdent('a\0')).toThrow(/NUL/)
    expect(quoteIdent('a'.repeat(127))).toHaveLength(129)
    expect(() => quoteIdent('a'.repeat(128))).toThrow(/127 bytes/)
    expect(() => quoteIdent('é'.repeat(64))).toThrow(/127 bytes/)
  })
})
