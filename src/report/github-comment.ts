import type { getOctokit } from '@actions/github'
import type { AuditReport } from './types.js'

/** The Octokit that `@actions/github`'s `getOctokit` returns. */
export type GitHubClient = ReturnType<typeof getOctokit>

export interface PullRequestRef {
  owner: string
  repo: string
  issueNumber: number
}

/** Marks our sticky PR comment; it is the first line of every comment we write. */
export const PR_COMMENT_MARKER = '<!-- cargo-redshift-guard:pr-comment -->'
/** GitHub rejects comment and issue bodies longer than this many characters. */
export const MAX_BODY_CHARS = 65_536

const TARGET_MARKER = /<!-- cargo-redshift-guard:target:(\S*) -->/

/**
 * Which workgroup or cluster a report is about, as a marker-safe key:
 * percent-encoded, so it can never contain `-->` or whitespace.
 */
export function targetKey(report: AuditReport): string {
  // A fleet target keeps its marker when its account cannot be read (a refused AssumeRole).
  if (report.fleet) return `fleet/${encodeURIComponent(report.fleet.target)}`
  const t = report.target
  const account = t.accountId ?? report.source.accountId ?? 'unknown'
  const region = t.region ?? report.source.region ?? 'unknown'
  return [t.kind, account, region, t.name ?? 'unknown'].map((part) => encodeURIComponent(part)).join('/')
}

/** Hidden marker for one target, so that two workgroups audited in one PR get one comment each. */
export function targetMarker(report: AuditReport): string {
  return `<!-- cargo-redshift-guard:target:${targetKey(report)} -->`
}

/** Keeps a body under GitHub's limit, saying so when it had to cut. */
export function fitBody(head: string, text: string, note = 'The report was cut to fit in a GitHub comment; the full report is in the job summary.'): string {
  const full = `${head}${text}`
  if (full.length <= MAX_BODY_CHARS) return full
  const tail = `\n\n…\n\n> ${note}\n`
  let cut = MAX_BODY_CHARS - head.length - tail.length
  // Do not split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? '')) cut--
  return `${head}${text.slice(0, Math.max(0, cut))}${tail}`
}

/** The sticky PR comment: hidden markers, then the Markdown summary (e.g. from renderMarkdown). */
export function renderPrComment(report: AuditReport, markdownSummary: string): string {
  return fitBody(`${PR_COMMENT_MARKER}\n${targetMarker(report)}\n`, markdownSummary)
}

/** Whether `comment` is the one `body` should replace: ours, and about the same target. */
function isOurs(comment: string | null | undefined, target: string | undefined): boolean {
  if (!comment || !comment.startsWith(PR_COMMENT_MARKER)) return false
  const existing = TARGET_MARKER.exec(comment)?.[1]
  return existing === target
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'unchanged'
  commentId: number
  url: string
}

/**
 * Creates the PR comment, or edits ours in place on later runs, so a PR
 * carries one comment per target however often it is pushed to. Ours is
 * found by the marker at the start of its body (a quote of it in someone
 * else's comment starts with `>` and does not match).
 */
export async function upsertPrComment(octokit: GitHubClient, pr: PullRequestRef, body: string): Promise<UpsertResult> {
  const text = body.startsWith(PR_COMMENT_MARKER) ? body : fitBody(`${PR_COMMENT_MARKER}\n`, body)
  const target = TARGET_MARKER.exec(text)?.[1]
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.issueNumber,
    per_page: 100
  })
  const existing = comments.find((c) => isOurs(c.body, target))
  if (existing) {
    if (existing.body === text) return { action: 'unchanged', commentId: existing.id, url: existing.html_url }
    const { data } = await octokit.rest.issues.updateComment({ owner: pr.owner, repo: pr.repo, comment_id: existing.id, body: text })
    return { action: 'updated', commentId: data.id, url: data.html_url }
  }
  const { data } = await octokit.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.issueNumber, body: text })
  return { action: 'created', commentId: data.id, url: data.html_url }
}
