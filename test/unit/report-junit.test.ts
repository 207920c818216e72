import { describe, expect, it } from 'vitest'
import type { Finding } from '../../src/evaluate/types.js'
import { escapeXmlAttribute, escapeXmlText, renderJUnit, ruleGroup } from '../../src/report/junit.js'
import { cleanReport, driftedReport, finding, summarize } from '../fixtures/reports.js'

interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function decode(raw: string, where: string): string {
  if (FORBIDDEN.test(raw)) throw new Error(`character not allowed in XML in ${where}`)
  const bad = raw.match(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)/)
  if (bad) throw new Error(`bare & in ${where}`)
  return raw.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
  )
}

/**
 * A small, strict XML 1.0 well-formedness checker and parser (elements,
 * attributes, text, the XML declaration; no DTD, comments or CDATA, which the
 * renderer never writes). Throws on anything a conforming parser would reject.
 */
function parseXml(xml: string): XmlElement {
  let i = 0
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml)
  if (!decl) throw new Error('missing XML declaration')
  i = decl[0].length
  const NAME = /[A-Za-z_][\w.-]*/y
  const readName = () => {
    NAME.lastIndex = i
    const m = NAME.exec(xml)
    if (!m) throw new Error(`expected a name at ${i}`)
    i += m[0].length
    return m[0]
  }
  const skipSpace = () => {
    while (/\s/.test(xml[i] ?? '')) i++
  }
  const element = (): XmlElement => {
    if (xml[i] !== '<') throw new Error(`expected < at ${i}`)
    i++
    const name = readName()
    const attrs: Record<string, string> = {}
    for (;;) {
      const before = i
      skipSpace()
      if (xml.startsWith('/>', i)) {
        i += 2
        return { name, attrs, children: [], text: '' }
      }
      if (xml[i] === '>') {
        i++
        break
      }
      if (i === before) throw new Error(`expected whitespace before attribute at ${i}`)
      const attr = readName()
      if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`expected ="… at ${i}`)
      i += 2
      const end = xml.indexOf('"', i)
      const raw = xml.slice(i, end)
      if (raw.includes('<')) throw new Error(`< in attribute ${attr}`)
      if (attr in attrs) throw new Error(`duplicate attribute ${attr}`)
      attrs[attr] = decode(raw, `attribute ${attr}`)
      i = end + 1
    }
    const children: XmlElement[] = []
    let text = ''
    for (;;) {
      const next = xml.indexOf('<', i)
      if (next < 0) throw new Error(`unclosed <${name}>`)
      const raw = xml.slice(i, next)
      if (raw.includes(']]>')) throw new Error(`]]> in text of <${name}>`)
      text += decode(raw, `text of <${name}>`)
      i = next
      if (xml.startsWith('</', i)) {
        i += 2
        const closing = readName()
        if (closing !== name) throw new Error(`</${closing}> closes <${name}>`)
        skipSpace()
        if (xml[i] !== '>') throw new Error(`expected > at ${i}`)
        i++
        return { name, attrs, children, text }
      }
      children.push(element())
    }
  }
  const root = element()
  if (xml.slice(i).trim() !== '') throw new Error('content after the root element')
  return root
}

const all = (el: XmlElement, name: string): XmlElement[] => [
  ...el.children.filter((c) => c.name === name),
  ...el.children.flatMap((c) => all(c, name))
]

describe('the test XML parser', () => {
  it('rejects what is not well-formed', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    expect(() => parseXml(`${head}<a b="1"></a>`)).not.toThrow()
    expect(() => parseXml(`${head}<a>x & y</a>`)).toThrow(/bare &/)
    expect(() => parseXml(`${head}<a b="<"/>`)).toThrow()
    expect(() => parseXml(`${head}<a>]]></a>`)).toThrow(/\]\]>/)
    expect(() => parseXml(`${head}<a>\u0001</a>`)).toThrow(/not allowed/)
    expect(() => parseXml(`${head}<a><b></a>`)).toThrow()
    expect(() => parseXml(`${head}<a b="1" b="2"/>`)).toThrow(/duplicate/)
  })
})

describe('renderJUnit', () => {
  it('groups findings by rule id prefix', () => {
    expect(['iam-role-exists', 'redshift-exists', 'network-cargo-ip-inbound', 'sql-user', 'custom-thing'].map(ruleGroup)).toEqual([
      'iam',
      'redshift',
      'network',
      'sql',
      'other'
    ])
    const doc = parseXml(renderJUnit(driftedReport()))
    expect(doc.name).toBe('testsuites')
    expect(doc.children.map((s) => [s.name, s.attrs['name'], s.attrs['tests']])).toEqual([
      ['testsuite', 'iam', '2'],
      ['testsuite', 'redshift', '1'],
      ['testsuite', 'network', '1'],
      ['testsuite', 'sql', '2']
    ])
  })

  it('maps each status to its JUnit element and counts them', () => {
    const doc = parseXml(renderJUnit(driftedReport()))
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '2', errors: '1', skipped: '2' })
    const cases = all(doc, 'testcase')
    const byRule = new Map(cases.map((c) => [c.attrs['classname']!.split('.').pop()!, c]))
    expect(byRule.get('iam-role-exists')!.children).toEqual([])

    const failure = byRule.get('iam-cross-account-policy')!.children
    expect(failure.map((c) => c.name)).toEqual(['failure'])
    expect(failure[0]!.attrs).toEqual({ message: 'no customer-managed policy allowing sts:AssumeRole on the Cargo role was found', type: 'error' })
    expect(failure[0]!.text).toContain('Expected: a customer-managed policy')
    expect(failure[0]!.text).toContain('Rule: policies/cargo-redshift.yaml:10')
    expect(byRule.get('redshift-role-associated')!.children[0]!.attrs['type']).toBe('warning')

    const error = byRule.get('network-cargo-ip-inbound')!.children
    expect(error.map((c) => c.name)).toEqual(['error'])
    expect(error[0]!.attrs['type']).toBe('ec2:DescribeSecurityGroups:UnauthorizedOperation')
    expect(error[0]!.attrs['message']).toContain('You are not authorized')
    expect(error[0]!.text).toContain('Grant: ec2:DescribeSecurityGroups')

    const skipped = byRule.get('sql-database')!.children
    expect(skipped.map((c) => [c.name, c.attrs['message']])).toEqual([['skipped', 'skipped: requires redshift-role-associated, which failed']])
    const muted = byRule.get('sql-user')!.children
    expect(muted.map((c) => [c.name, c.attrs['message']])).toEqual([['skipped', 'muted until 2026-04-01: user is created by the DBA team next sprint']])

    expect(byRule.get('iam-cross-account-policy')!.attrs).toMatchObject({
      name: 'iam-cross-account-policy (iam:policy/cargo-cross-account)',
      classname: 'cargo-redshift-guard.iam.iam-cross-account-policy',
      time: '0'
    })
  })

  it('renders a clean report with no failures', () => {
    const doc = parseXml(renderJUnit(cleanReport()))
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '0', errors: '0', skipped: '0' })
    expect(all(doc, 'testcase').every((c) => c.children.length === 0)).toBe(true)
  })

  it('renders an empty report as a well-formed document', () => {
    const doc = parseXml(renderJUnit(cleanReport({ findings: [], summary: summarize([]) })))
    expect(doc.attrs['tests']).toBe('0')
    expect(doc.children).toEqual([])
  })

  it('escapes hostile strings everywhere they can appear', () => {
    const hostile = `<script>alert("x" & 'y')</script> ]]> <![CDATA[ &amp; \u0000\u0001\u0008\u000B\u000C\u001F\uFFFE \uD800 tab\there\r\nnext \u{1F600}`
    const expected = hostile.replace(/[\u0000\u0001\u0008\u000B\u000C\u001F\uFFFE\uD800]/g, '\uFFFD')
    const base = driftedReport()
    const findings: Finding[] = [
      finding('iam-role-exists', 'fail', { resource: hostile, message: hostile, expected: hostile, actual: hostile }),
      finding('network-cargo-ip-inbound', 'error', {
        resource: hostile,
        message: hostile,
        cause: { service: hostile, operation: hostile, code: hostile, message: hostile, iamAction: hostile }
      }),
      finding('sql-database', 'skipped', { resource: hostile, message: hostile }),
      finding('sql-user', 'muted', { resource: hostile, message: hostile, waiver: { reason: hostile, expires: hostile, expired: false } }),
      finding('iam-cross-account-policy', 'pass', { ruleId: `iam-${hostile}`, resource: hostile })
    ]
    const xml = renderJUnit({ ...base, target: { kind: 'workgroup', name: hostile }, generatedAt: hostile, findings, summary: summarize(findings) })
    expect(xml).not.toContain(']]>')
    expect(xml).not.toMatch(FORBIDDEN)
    const doc = parseXml(xml)
    expect(doc.attrs['name']).toBe(`cargo-redshift-guard: workgroup ${expected}`)
    expect(doc.attrs['timestamp']).toBe(expected)
    const cases = all(doc, 'testcase')
    expect(cases).toHaveLength(5)
    for (const c of cases) expect(c.attrs['name']).toContain(`(${expected})`)
    // Attribute values keep tabs and line breaks (written as character references).
    expect(cases[0]!.children[0]!.attrs['message']).toBe(expected)
    expect(cases[0]!.children[0]!.text).toContain(`Actual: ${expected}`)
    // Suites come in group order: iam (fail, pass), network (error), sql (skipped, muted).
    expect(cases[1]!.attrs['classname']).toBe(`cargo-redshift-guard.iam.iam-${expected}`)
    expect(cases[2]!.children[0]!.attrs['message']).toBe(`${expected}: ${expected}`)
    expect(cases[2]!.children[0]!.attrs['type']).toBe(`${expected}:${expected}:${expected}`)
    expect(cases[3]!.children[0]!.attrs['message']).toBe(expected)
    expect(cases[4]!.children[0]!.attrs['message']).toBe(`muted until ${expected}: ${expected}`)
  })

  it('escapes text and attributes', () => {
    expect(escapeXmlText('a<b>&c]]>\r\n')).toBe('a&lt;b&gt;&amp;c]]&gt;&#13;\n')
    expect(escapeXmlAttribute(`"'\t\n\r`)).toBe('&quot;&apos;&#9;&#10;&#13;')
    expect(escapeXmlText('\u0000\u{1F600}')).toBe('\uFFFD\u{1F600}')
  })
})
