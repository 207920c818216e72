/** Cases of the network rules, one change each to the compliant example. */
import { redshift, groups, type Case } from './support.js'

export const NETWORK_CASES: Case[] = [
  // --- network-cargo-ip-inbound -------------------------------------------
  { name: 'compliant (all traffic from the /32)', rule: 'network-cargo-ip-inbound', status: 'pass' },
  {
    name: 'Cargo IP covered by a /24 rule',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => (groups(s)[0]!.ingress[0]!.cidrs = ['3.251.12.0/24']),
    status: 'pass'
  },
  {
    name: 'rule on port 22 only',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'tcp', fromPort: 22, toPort: 22 }),
    status: 'fail',
    says: ['3.251.12.34/32 is not admitted to port 5439', 'tcp 22-22']
  },
  {
    name: 'Cargo admitted only through a prefix list holding its CIDR',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => (groups(s)[0]!.ingress[0]! = { protocol: '-1', cidrs: [], ipv6Cidrs: [], prefixListIds: ['pl-1'], prefixListCidrs: ['3.251.12.0/24'] }),
    status: 'pass'
  },
  {
    name: 'a prefix list whose entries were not read admits nothing known',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => (groups(s)[0]!.ingress[0]! = { protocol: '-1', cidrs: [], ipv6Cidrs: [], prefixListIds: ['pl-1'] }),
    status: 'fail',
    says: ['3.251.12.34/32 is not admitted', 'prefix list pl-1 (entries not read)']
  },
  {
    name: 'TCP rule on the endpoint port',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'tcp', fromPort: 5439, toPort: 5439 }),
    status: 'pass'
  },
  {
    name: 'TCP port range around the endpoint port',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'tcp', fromPort: 5000, toPort: 6000 }),
    status: 'pass'
  },
  {
    name: 'UDP on every port does not carry a TCP connection',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'udp', fromPort: 0, toPort: 65535 }),
    status: 'fail',
    says: ['not admitted']
  },
  {
    name: 'rule on the endpoint port but another port is configured',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => {
      Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'tcp', fromPort: 5439, toPort: 5439 })
      redshift(s).endpoint!.port = 5440
    },
    status: 'fail',
    says: ['port 5440']
  },
  {
    name: 'endpoint port unknown, TCP rule on one port',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => {
      Object.assign(groups(s)[0]!.ingress[0]!, { protocol: 'tcp', fromPort: 5439, toPort: 5439 })
      delete redshift(s).endpoint
    },
    status: 'fail',
    says: ['port unknown']
  },
  {
    name: 'endpoint port unknown, all-traffic rule',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => delete redshift(s).endpoint,
    status: 'pass'
  },
  {
    name: 'Cargo range only partly inside the rule',
    rule: 'network-cargo-ip-inbound',
    inputs: { 'cargo-ips': '3.251.12.32/30' },
    status: 'fail',
    says: ['3.251.12.32/30 is not admitted']
  },
  {
    name: 'Cargo range whose first address alone is admitted',
    rule: 'network-cargo-ip-inbound',
    inputs: { 'cargo-ips': '3.251.12.32/30' },
    mutate: (s) => (groups(s)[0]!.ingress[0]!.cidrs = ['3.251.12.32/32']),
    status: 'fail',
    says: ['3.251.12.32/30 is not admitted']
  },
  {
    name: 'second security group admits',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => {
      const admitting = groups(s)[0]!.ingress.shift()!
      s.network.securityGroups!.push({ id: 'sg-0second', ingress: [admitting] })
    },
    status: 'pass'
  },
  {
    name: 'IPv6 Cargo IP admitted by an IPv6 range',
    rule: 'network-cargo-ip-inbound',
    inputs: { 'cargo-ips': ['3.251.12.34', '2001:db8:cafe::17'] },
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: '-1', cidrs: [], ipv6Cidrs: ['2001:db8:cafe::/48'] }),
    status: 'pass'
  },
  {
    name: 'IPv6 Cargo IP not admitted (IPv4 rules do not count)',
    rule: 'network-cargo-ip-inbound',
    inputs: { 'cargo-ips': ['3.251.12.34', '2001:db8:cafe::17'] },
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: '-1', cidrs: ['0.0.0.0/0'], ipv6Cidrs: [] }),
    status: 'fail',
    says: ['2001:db8:cafe::17/128 is not admitted'],
    saysNot: ['3.251.12.34/32 is not admitted']
  },
  {
    name: 'no security groups',
    rule: 'network-cargo-ip-inbound',
    mutate: (s) => (s.network.securityGroups = []),
    status: 'fail',
    says: ['no security group']
  },
  {
    name: 'cargo-ips not set',
    rule: 'network-cargo-ip-inbound',
    inputs: { 'cargo-ips': undefined },
    status: 'error',
    says: ["input 'cargo-ips' is not set"]
  },

  // --- network-cargo-ingress-narrow ---------------------------------------
  { name: 'compliant', rule: 'network-cargo-ingress-narrow', status: 'pass' },
  {
    name: 'the /24 rule that admits Cargo is wider than Cargo',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => (groups(s)[0]!.ingress[0]!.cidrs = ['3.251.12.0/24']),
    status: 'fail',
    says: ['3.251.12.0/24', 'is wider than 3.251.12.34/32']
  },
  {
    name: '0.0.0.0/0 on the endpoint port',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => (groups(s)[0]!.ingress[1]!.cidrs = ['0.0.0.0/0']),
    status: 'fail',
    says: ['0.0.0.0/0 is wider than 3.251.12.34/32']
  },
  {
    name: 'a prefix list whose entries were not read (an IaC plan names only the list)',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: [], prefixListIds: ['pl-0123456789abcdef0'] }),
    status: 'fail',
    says: ['prefix list pl-0123456789abcdef0 (entries not read)', 'were not read, so it may be wider than 3.251.12.34/32']
  },
  {
    name: 'a prefix list read and holding 0.0.0.0/0',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: [], prefixListIds: ['pl-1'], prefixListCidrs: ['0.0.0.0/0'] }),
    status: 'fail',
    says: ['prefix list pl-1 (0.0.0.0/0) is wider than 3.251.12.34/32']
  },
  {
    name: 'a prefix list read and holding only Cargo',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: [], prefixListIds: ['pl-1'], prefixListCidrs: ['3.251.12.34/32'] }),
    status: 'pass'
  },
  {
    name: '::/0 on the endpoint port, Cargo on IPv4',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: ['::/0'] }),
    status: 'fail',
    says: ['::/0 opens the port to the whole IPv6 internet, wider than 3.251.12.34/32']
  },
  {
    name: 'an IPv6 range narrower than the internet, Cargo on IPv4',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 5439, toPort: 5439, cidrs: [], ipv6Cidrs: ['2001:db8::/32'] }),
    status: 'pass'
  },
  {
    name: '0.0.0.0/0 on another port only',
    rule: 'network-cargo-ingress-narrow',
    mutate: (s) => groups(s)[0]!.ingress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: ['0.0.0.0/0'], ipv6Cidrs: [] }),
    status: 'pass'
  },
]
