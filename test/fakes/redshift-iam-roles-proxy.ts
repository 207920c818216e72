/**
 * ModifyClusterIamRoles for tests: moto's Redshift lacks it. A tiny HTTP server in front of moto's
 * Redshift endpoint that forwards every request byte for byte (headers too, so SigV4 still
 * verifies when moto enforces IAM), except:
 *
 * - ModifyClusterIamRoles: still forwarded first, so that moto's IAM enforcement decides whether
 *   the caller may call it (moto authorizes before it looks the action up; an allowed call then
 *   fails as not implemented). When moto does not deny it, the proxy records the added roles
 *   (in-sync at once) and answers as Redshift would.
 * - DescribeClusters: moto's answer, with the recorded roles added to each cluster's IamRoles.
 *
 * Nothing here is shared with production code.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface IamRolesProxy {
  url: string
  /** Operations seen, in order (every request, forwarded or answered here). */
  calls: string[]
  /** Roles added through ModifyClusterIamRoles, per cluster. */
  added: Map<string, string[]>
  reset(): void
  close(): Promise<void>
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function rolesXml(arns: string[]): string {
  return arns.map((arn) => `<ClusterIamRole><IamRoleArn>${escapeXml(arn)}</IamRoleArn><ApplyStatus>in-sync</ApplyStatus></ClusterIamRole>`).join('')
}

/** Adds the recorded roles to every <Cluster> of a DescribeClusters answer. */
function patchDescribe(xml: string, added: Map<string, string[]>): string {
  return xml.replace(/<Cluster>([\s\S]*?)<\/Cluster>/g, (whole, inner: string) => {
    const id = /<ClusterIdentifier>([^<]*)<\/ClusterIdentifier>/.exec(inner)?.[1]
    const extra = (id ? (added.get(id) ?? []) : []).filter((arn) => !inner.includes(`<IamRoleArn>${escapeXml(arn)}</IamRoleArn>`))
    if (extra.length === 0) return whole
    let patched: string
    if (inner.includes('<IamRoles/>')) patched = inner.replace('<IamRoles/>', `<IamRoles>${rolesXml(extra)}</IamRoles>`)
    else if (inner.includes('</IamRoles>')) patched = inner.replace('</IamRoles>', `${rolesXml(extra)}</IamRoles>`)
    else patched = `${inner}<IamRoles>${rolesXml(extra)}</IamRoles>`
    return `<Cluster>${patched}</Cluster>`
  })
}

function forward(upstream: URL, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      }
    )
    out.on('error', reject)
    out.end(body)
  })
}

export async function startIamRolesProxy(motoUrl: string): Promise<IamRolesProxy> {
  const upstream = new URL(motoUrl)
  const added = new Map<string, string[]>()
  const calls: string[] = []

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks)
        const form = new URLSearchParams(body.toString('utf8'))
        const action = form.get('Action') ?? ''
        calls.push(action)
        try {
          const answer = await forward(upstream, req, body)
          const send = (status: number, text: string | Buffer, headers: http.OutgoingHttpHeaders) => {
            const payload = typeof text === 'string' ? Buffer.from(text) : text
            res.writeHead(status, { ...headers, 'content-length': payload.length })
            res.end(payload)
          }
          if (action === 'ModifyClusterIamRoles' && answer.status !== 403) {
            const id = form.get('ClusterIdentifier') ?? ''
            const roles = [...form.entries()].filter(([k]) => k.startsWith('AddIamRoles.')).map(([, v]) => v)
            const list = added.get(id) ?? []
            for (const arn of roles) if (!list.includes(arn)) list.push(arn)
            added.set(id, list)
            const xml =
              `<ModifyClusterIamRolesResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><ModifyClusterIamRolesResult><Cluster>` +
              `<ClusterIdentifier>${escapeXml(id)}</ClusterIdentifier><ClusterStatus>available</ClusterStatus><IamRoles>${rolesXml(list)}</IamRoles>` +
              `</Cluster></ModifyClusterIamRolesResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ModifyClusterIamRolesResponse>`
            send(200, xml, { 'content-type': 'text/xml' })
            return
          }
          if (action === 'DescribeClusters' && answer.status === 200) {
            const { 'content-length': _length, 'transfer-encoding': _encoding, ...headers } = answer.headers
            void _length
            void _encoding
            send(200, patchDescribe(answer.body.toString('utf8'), added), headers)
            return
          }
          const { 'content-length': _length, 'transfer-encoding': _encoding, ...headers } = answer.headers
          void _length
          void _encoding
          send(answer.status, answer.body, headers)
        } catch (err) {
          res.writeHead(502, { 'content-type': 'text/plain' })
          res.end(`proxy: ${(err as Error).message}`)
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    added,
    reset() {
      added.clear()
      calls.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
