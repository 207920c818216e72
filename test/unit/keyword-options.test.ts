import { describe, expect, it } from 'vitest'
import { createAjv } from '../../src/config/keywords.js'

/** The options of the ingress keywords are judged when a rule compiles (at load), not read as drift. */
describe('ingress keyword options', () => {
  const compile = (keyword: string, options: unknown) => () => createAjv().compile({ [keyword]: options })

  it.each(['cidrsAdmitted', 'noWiderIngress'])('%s refuses a CIDR that names no network, and ports out of range', (keyword) => {
    expect(compile(keyword, { cidrs: ['300.1.1.1/32'] })).toThrow(`keyword "${keyword}": '300.1.1.1/32' is not an IP address or CIDR block`)
    expect(compile(keyword, { cidrs: ['10.0.0.0/33'] })).toThrow(/has an invalid prefix length/)
    expect(compile(keyword, { cidrs: ['10.0.0.1/24'] })).toThrow(/has host bits set; did you mean 10\.0\.0\.0\/24\?/)
    expect(compile(keyword, { cidrs: ['3.251.12.34'] })).toThrow(/is an address, not a CIDR block; write 3\.251\.12\.34\/32/)
    expect(compile(keyword, { cidrs: ['3.251.12.34/32'], port: 99999 })).toThrow(/port 99999 is not a TCP port/)
    expect(compile(keyword, { cidrs: ['3.251.12.34/32'], port: '54x' })).toThrow(/port "54x" is not a TCP port/)
  })

  it.each(['cidrsAdmitted', 'noWiderIngress'])('%s accepts networks, IPv6, a port as number or text, and unfilled values', (keyword) => {
    for (const options of [
      { cidrs: ['3.251.12.34/32', '10.0.0.0/8'], port: 5439 },
      { cidrs: ['2001:db8::/32'], port: '5439' },
      { cidrs: null, port: null },
      { cidrs: [] }
    ]) {
      expect(compile(keyword, options), JSON.stringify(options)).not.toThrow()
    }
  })

  it('judges data as before once compiled', () => {
    const validate = createAjv().compile({ cidrsAdmitted: { cidrs: ['3.251.12.34/32'], port: 5439 } })
    const group = (cidr: string) => [{ id: 'sg-1', ingress: [{ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [cidr], ipv6Cidrs: [] }] }]
    expect(validate(group('3.251.0.0/16'))).toBe(true)
    expect(validate(group('10.0.0.0/8'))).toBe(false)
    expect(validate.errors?.[0]?.message).toMatch(/3\.251\.12\.34\/32 is not admitted/)
  })
})
