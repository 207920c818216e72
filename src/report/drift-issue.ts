import { fitBody, targetMarker, type GitHubClient } from './github-comment.js'
import type { AuditReport } from './types.js'

export interface RepoRef {
  owner: string
  repo: string
}

export interface DriftIssueOptions {
  title: string
  /** Put on the issue when it is created, and used to find it again. */
  labels: string[]
  /** Markdown body (e.g. from renderMarkdown); the hidden markers are added here. */
  body: string
  /** The workflow run that found the setup clean, linked from the closing comment. */
  runUrl?: string
}

export type DriftIssueAction = 'created' | 'updated' | 'closed' | 'none'

/** Marks the issue that tracks drift; the first line of its body. */
export const DRIFT_ISSUE_MARKER = '<!-- cargo-redshift-guard:drift-issue -->'

function isOurs(body: string | null | undefined, marker: string): boolean {
  return !!body && body.startsWith(DRIFT_ISSUE_MARKER) && body.includes(marker)
}

/** The open issue tracking this target's drift, if any (searched by label, matched by marker). */
export async function findDriftIssue(
  octokit: GitHubClient,
  repo: RepoRef,
  report: AuditReport,
  labels: string[]
): Promise<{ number: number; body: string; title: string } | undefined> {
  const marker = targetMarker(report)
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner: repo.owner,
    repo: repo.repo,
    state: 'open',
    ...(labels.length > 0 ? { labels: labels.join(',') } : {}),
    per_page: 100
  })
  // listForRepo also returns pull requests; ours is always an issue.
  const found = issues.find((issue) => !issue.pull_request && isOurs(issue.body, marker))
  return found ? { number: found.number, body: found.body ?? '', title: found.title } : undefined
}

/**
 * Keeps one open issue per target in step with the latest audit: drift (any
 * result other than `clean`, including checks that could not run, since the
 * setup is then unverified) opens the issue or refreshes its title and body;
 * a clean audit comments on the open issue and closes it as completed.
 * Returns what it wrote: 'none' when nothing needed writing.
 */
export async function syncDriftIssue(
  octokit: GitHubClient,
  repo: RepoRef,
  report: AuditReport,
  options: DriftIssueOptions
): Promise<DriftIssueAction> {
  const existing = await findDriftIssue(octokit, repo, report, options.labels)

  if (report.result === 'clean') {
    if (!existing) return 'none'
    await octokit.rest.issues.createComment({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: existing.number,
      body: `All Cargo rules pass again as of ${report.generatedAt}${options.runUrl ? ` ([workflow run](${options.runUrl}))` : ''}.`
    })
    await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: existing.number, state: 'closed', state_reason: 'completed' })
    return 'closed'
  }

  const body = fitBody(
    `${DRIFT_ISSUE_MARKER}\n${targetMarker(report)}\n`,
    options.body,
    `The report was cut to fit in an issue; the full report is in the run's job summary.`
  )
  if (!existing) {
    await octokit.rest.issues.create({ owner: repo.owner, repo: repo.repo, title: options.title, body, labels: options.labels })
    return 'created'
  }
  if (existing.body === body && existing.title === options.title) return 'none'
  await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: existing.number, title: options.title, body })
  return 'updated'
}
