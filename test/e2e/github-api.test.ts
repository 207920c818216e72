import { getOctokit } from '@actions/github'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DRIFT_ISSUE_MARKER, syncDriftIssue } from '../../src/report/drift-issue.js'
import { MAX_BODY_CHARS, PR_COMMENT_MARKER, renderPrComment, upsertPrComment, type GitHubClient } from '../../src/report/github-comment.js'
import { cleanReport, driftedReport } from '../fixtures/reports.js'

/*
 * A local HTTP server stands in for the GitHub REST API, holding issues and
 * comments in memory. It serves at most PAGE_SIZE items per page (whatever
 * per_page asks) with a `Link: rel="next"` header, so pagination is exercised
 * with a handful of items. Every request is logged, and the tests assert the
 * exact sequence of calls.
 */

const OWNER = 'acme'
const REPO = 'infra'
const PR = 7
const PAGE_SIZE = 2

interface Comment {
  id: number
  body: string
  html_url: string
  user: { login: string; type: string }
}

interface Issue {
  id: number
  number: number
  title: string
  body: string
  state: 'open' | 'closed'
  state_reason: string | null
  labels: { name: string }[]
  html_url: string
  pull_request?: { url: string }
}

interface Logged {
  method: string
  path: string
  body?: Record<string, unknown>
}

class FakeGitHub {
  comments = new Map<number, Comment[]>()
  issues: Issue[] = []
  log: Logged[] = []
  private nextId = 1000
  private server: Server = createServer((req, res) => void this.handle(req, res))
  baseUrl = ''

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())))
  }

  reset(): void {
    this.comments.clear()
    this.issues = []
    this.log = []
  }

  addComment(issueNumber: number, body: string, login = 'someone'): Comment {
    const id = this.nextId++
    const comment = { id, body, html_url: `https://github.com/${OWNER}/${REPO}/pull/${issueNumber}#issuecomment-${id}`, user: { login, type: 'User' } }
    this.comments.set(issueNumber, [...(this.comments.get(issueNumber) ?? []), comment])
    return comment
  }

  addIssue(fields: Partial<Issue> & { title: string }): Issue {
    const number = this.issues.length + 1
    const issue: Issue = {
      id: this.nextId++,
      number,
      body: '',
      state: 'open',
      state_reason: null,
      labels: [],
      html_url: `https://github.com/${OWNER}/${REPO}/issues/${number}`,
      ...fields
    }
    this.issues.push(issue)
    return issue
  }

  /** The write calls only (anything but GET). */
  writes(): Logged[] {
    return this.log.filter((entry) => entry.method !== 'GET')
  }

  private page<T>(res: ServerResponse, url: URL, items: T[]): void {
    const page = Number(url.searchParams.get('page') ?? '1')
    const size = Math.min(Number(url.searchParams.get('per_page') ?? '30'), PAGE_SIZE)
    const slice = items.slice((page - 1) * size, page * size)
    const headers: Record<string, string> = {}
    if (page * size < items.length) {
      const next = new URL(url)
      next.searchParams.set('page', String(page + 1))
      headers['link'] = `<${this.baseUrl}${next.pathname}${next.search}>; rel="next"`
    }
    this.send(res, 200, slice, headers)
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    res.end(JSON.stringify(body))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined
    const url = new URL(req.url ?? '/', this.baseUrl)
    const method = req.method ?? 'GET'
    this.log.push({ method, path: `${url.pathname}${url.search}`, ...(body ? { body } : {}) })
    if (req.headers.authorization !== 'token test-token') return this.send(res, 401, { message: 'Bad credentials' })

    const prefix = `/repos/${OWNER}/${REPO}`
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
    let m: RegExpExecArray | null
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(path))) {
      const issueNumber = Number(m[1])
      if (method === 'GET') return this.page(res, url, this.comments.get(issueNumber) ?? [])
      if (method === 'POST') return this.send(res, 201, this.addComment(issueNumber, String(body?.['body']), 'github-actions[bot]'))
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const comment = [...this.comments.values()].flat().find((c) => c.id === Number(m![1]))
      if (!comment) return this.send(res, 404, { message: 'Not Found' })
      comment.body = String(body?.['body'])
      return this.send(res, 200, comment)
    }
    if (path === '/issues' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open'
      const labels = (url.searchParams.get('labels') ?? '').split(',').filter((l) => l !== '')
      const matching = this.issues.filter(
        (i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.some((label) => label.name === l))
      )
      return this.page(res, url, matching)
    }
    if (path === '/issues' && method === 'POST') {
      const labels = (body?.['labels'] as string[] | undefined) ?? []
      const issue = this.addIssue({ title: String(body?.['title']), body: String(body?.['body'] ?? ''), labels: labels.map((name) => ({ name })) })
      return this.send(res, 201, issue)
    }
    if ((m = /^\/issues\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const issue = this.issues.find((i) => i.number === Number(m![1]))
      if (!issue) return this.send(res, 404, { message: 'Not Found' })
      if (typeof body?.['title'] === 'string') issue.title = body['title']
      if (typeof body?.['body'] === 'string') issue.body = body['body']
      if (body?.['state'] === 'open' || body?.['state'] === 'closed') issue.state = body['state']
      if (typeof body?.['state_reason'] === 'string') issue.state_reason = body['state_reason']
      return this.send(res, 200, issue)
    }
    this.send(res, 404, { message: `no route for ${method} ${url.pathname}` })
  }
}

const github = new FakeGitHub()
let octokit: GitHubClient

beforeAll(async () => {
  await github.start()
  octokit = getOctokit('test-token', { baseUrl: github.baseUrl })
})
afterAll(() => github.stop())
beforeEach(() => github.reset())

/** Method, path and the named body fields of each logged request. */
function calls(keys: string[] = []): [string, string, Record<string, unknown>?][] {
  return github.log.map((entry) => {
    const picked = Object.fromEntries(keys.filter((k) => entry.body && k in entry.body).map((k) => [k, entry.body![k]]))
    return Object.keys(picked).length > 0 ? [entry.method, entry.path, picked] : [entry.method, entry.path]
  })
}

const PR_COMMENTS = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`
const OPEN_ISSUES = `/repos/${OWNER}/${REPO}/issues?state=open&labels=cargo-redshift-guard%2Cdrift&per_page=100`

describe('sticky PR comment', () => {
  it('creates the comment on the first run and edits the same one on the next', async () => {
    // Three comments by others: ours, once made, sits on the second page.
    github.addComment(PR, 'LGTM')
    github.addComment(PR, `> ${PR_COMMENT_MARKER}\n> quoting the bot`)
    github.addComment(PR, 'please fix the role')

    const first = renderPrComment(driftedReport(), '## Cargo audit\n\n2 rules drifted\n')
    const created = await upsertPrComment(octokit, { owner: OWNER, repo: REPO, issueNumber: PR }, first)
    expect(created.action).toBe('created')

    const second = renderPrComment(driftedReport({ generatedAt: '2026-03-01T13:00:00.000Z' }), '## Cargo audit\n\n1 rule drifted\n')
    const updated = await upsertPrComment(octokit, { owner: OWNER, repo: REPO, issueNumber: PR }, second)
    expect(updated).toMatchObject({ action: 'updated', commentId: created.commentId })

    expect(calls(['body'])).toEqual([
      ['GET', `${PR_COMMENTS}?per_page=100`],
      ['GET', `${PR_COMMENTS}?per_page=100&page=2`],
      ['POST', PR_COMMENTS, { body: first }],
      ['GET', `${PR_COMMENTS}?per_page=100`],
      ['GET', `${PR_COMMENTS}?per_page=100&page=2`],
      ['PATCH', `/repos/${OWNER}/${REPO}/issues/comments/${created.commentId}`, { body: second }]
    ])
    expect(github.comments.get(PR)).toHaveLength(4)
    expect(github.comments.get(PR)![3]!.body).toBe(second)
  })

  it('writes nothing when the comment already says the same', async () => {
    const body = renderPrComment(driftedReport(), 'same\n')
    github.addComment(PR, body, 'github-actions[bot]')
    expect((await upsertPrComment(octokit, { owner: OWNER, repo: REPO, issueNumber: PR }, body)).action).toBe('unchanged')
    expect(github.writes()).toEqual([])
  })

  it('keeps one comment per target when two workgroups are audited in one PR', async () => {
    const pr = { owner: OWNER, repo: REPO, issueNumber: PR }
    const a = driftedReport()
    const b = driftedReport({ target: { kind: 'workgroup', name: 'other-wg', region: 'us-east-1', accountId: '123456789012' } })
    await upsertPrComment(octokit, pr, renderPrComment(a, 'a1'))
    await upsertPrComment(octokit, pr, renderPrComment(b, 'b1'))
    await upsertPrComment(octokit, pr, renderPrComment(a, 'a2'))
    await upsertPrComment(octokit, pr, renderPrComment(b, 'b2'))
    expect(github.writes().map((w) => w.method)).toEqual(['POST', 'POST', 'PATCH', 'PATCH'])
    expect(github.comments.get(PR)!.map((c) => c.body.split('\n').pop())).toEqual(['a2', 'b2'])
  })

  it('renders the markers first and stays under GitHub’s size limit', () => {
    const body = renderPrComment(driftedReport(), 'x'.repeat(100_000))
    expect(body.startsWith(`${PR_COMMENT_MARKER}\n<!-- cargo-redshift-guard:target:workgroup/123456789012/eu-west-1/cargo-wg -->\n`)).toBe(true)
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS)
    expect(body).toContain('the full report is in the job summary')
    // A hostile target name cannot close the hidden comment early.
    const hostile = renderPrComment(driftedReport({ target: { kind: 'workgroup', name: 'x --> <b>y</b>' } }), 'body')
    expect(hostile.split('\n')[1]).toBe('<!-- cargo-redshift-guard:target:workgroup/123456789012/eu-west-1/x%20--%3E%20%3Cb%3Ey%3C%2Fb%3E -->')
  })
})

describe('drift issue', () => {
  const repo = { owner: OWNER, repo: REPO }
  const labels = ['cargo-redshift-guard', 'drift']

  it('creates the issue, then updates it, then comments and closes it once clean', async () => {
    // Noise: issues with the same labels (one quoting our marker) and a pull request carrying it.
    github.addIssue({ title: 'unrelated', body: 'hello', labels: labels.map((name) => ({ name })) })
    github.addIssue({ title: 'quotes us', body: `> ${DRIFT_ISSUE_MARKER}`, labels: labels.map((name) => ({ name })) })
    github.addIssue({ title: 'a PR', body: DRIFT_ISSUE_MARKER, labels: labels.map((name) => ({ name })), pull_request: { url: 'x' } })

    const first = await syncDriftIssue(octokit, repo, driftedReport(), { title: 'Cargo setup drifted: 2 rules', labels, body: 'first body' })
    expect(first).toBe('created')
    const ours = github.issues[3]!
    expect(ours.body.startsWith(`${DRIFT_ISSUE_MARKER}\n<!-- cargo-redshift-guard:target:`)).toBe(true)

    const second = await syncDriftIssue(octokit, repo, driftedReport(), { title: 'Cargo setup drifted: 1 rule', labels, body: 'second body' })
    expect(second).toBe('updated')

    const third = await syncDriftIssue(octokit, repo, cleanReport(), { title: 'unused', labels, body: 'unused' })
    expect(third).toBe('closed')

    const issuePath = `/repos/${OWNER}/${REPO}/issues/${ours.number}`
    expect(calls(['title', 'labels', 'state', 'state_reason'])).toEqual([
      ['GET', OPEN_ISSUES],
      ['GET', `${OPEN_ISSUES}&page=2`],
      ['POST', `/repos/${OWNER}/${REPO}/issues`, { title: 'Cargo setup drifted: 2 rules', labels }],
      ['GET', OPEN_ISSUES],
      ['GET', `${OPEN_ISSUES}&page=2`],
      ['PATCH', issuePath, { title: 'Cargo setup drifted: 1 rule' }],
      ['GET', OPEN_ISSUES],
      ['GET', `${OPEN_ISSUES}&page=2`],
      ['POST', `${issuePath}/comments`],
      ['PATCH', issuePath, { state: 'closed', state_reason: 'completed' }]
    ])
    const writes = github.writes()
    expect(writes[0]!.body!['body']).toMatch(/first body$/)
    expect(writes[1]!.body!['body']).toMatch(/second body$/)
    expect(writes[2]!.body).toEqual({ body: 'All Cargo rules pass again as of 2026-03-01T12:00:00.000Z.' })
    expect(ours).toMatchObject({ state: 'closed', state_reason: 'completed', title: 'Cargo setup drifted: 1 rule' })
    expect(github.comments.get(ours.number)).toHaveLength(1)
  })

  it('links the workflow run from the closing comment', async () => {
    const options = { title: 'drift', labels, body: 'b', runUrl: 'https://github.com/acme/infra/actions/runs/42' }
    expect(await syncDriftIssue(octokit, repo, driftedReport(), options)).toBe('created')
    expect(await syncDriftIssue(octokit, repo, cleanReport(), options)).toBe('closed')
    const comment = github.log.find((c) => c.method === 'POST' && c.path.endsWith('/comments'))
    expect(comment?.body).toEqual({ body: 'All Cargo rules pass again as of 2026-03-01T12:00:00.000Z ([workflow run](https://github.com/acme/infra/actions/runs/42)).' })
  })

  it('makes no write call when there is no drift and no issue', async () => {
    github.addIssue({ title: 'unrelated', body: 'hello', labels: labels.map((name) => ({ name })) })
    const action = await syncDriftIssue(octokit, repo, cleanReport(), { title: 'unused', labels, body: 'unused' })
    expect(action).toBe('none')
    expect(calls()).toEqual([['GET', OPEN_ISSUES]])
  })

  it('opens a new issue after the previous one was closed, and keeps one issue per target', async () => {
    const drifted = driftedReport()
    const other = driftedReport({ target: { kind: 'cluster', name: 'legacy', region: 'us-east-1', accountId: '123456789012' } })
    const options = { title: 'drift', labels, body: 'b' }
    expect(await syncDriftIssue(octokit, repo, drifted, options)).toBe('created')
    expect(await syncDriftIssue(octokit, repo, other, options)).toBe('created')
    expect(await syncDriftIssue(octokit, repo, drifted, options)).toBe('none')
    expect(await syncDriftIssue(octokit, repo, cleanReport(), options)).toBe('closed')
    expect(await syncDriftIssue(octokit, repo, drifted, options)).toBe('created')
    expect(github.issues.map((i) => [i.number, i.state])).toEqual([
      [1, 'closed'],
      [2, 'open'],
      [3, 'open']
    ])
  })

  it('fleets: one issue per target, kept when the next run could not read the account (a refused AssumeRole)', async () => {
    const prod = driftedReport({ fleet: { target: 'prod-eu' } })
    const staging = driftedReport({ fleet: { target: 'staging-us' } })
    // The role could not be assumed: no account read, every rule error; still prod-eu's issue.
    const prodUnread = driftedReport({ fleet: { target: 'prod-eu' }, result: 'error', source: { ...prod.source, accountId: undefined } as never, target: { ...prod.target, accountId: undefined } as never })
    const options = (target: string) => ({ title: `drift (${target})`, labels, body: target })
    expect(await syncDriftIssue(octokit, repo, prod, options('prod-eu'))).toBe('created')
    expect(await syncDriftIssue(octokit, repo, staging, options('staging-us'))).toBe('created')
    expect(await syncDriftIssue(octokit, repo, prodUnread, { ...options('prod-eu'), body: 'prod-eu: could not assume' })).toBe('updated')
    expect(await syncDriftIssue(octokit, repo, cleanReport({ fleet: { target: 'staging-us' } }), options('staging-us'))).toBe('closed')
    expect(github.issues.map((i) => [i.title, i.state, i.body.split('\n').pop()])).toEqual([
      ['drift (prod-eu)', 'open', 'prod-eu: could not assume'],
      ['drift (staging-us)', 'closed', 'staging-us']
    ])
  })

  it('treats checks that could not run as drift to track, not as all clear', async () => {
    const errored = driftedReport({ result: 'error' })
    expect(await syncDriftIssue(octokit, repo, errored, { title: 't', labels, body: 'b' })).toBe('created')
    expect(github.issues[0]!.state).toBe('open')
  })
})
