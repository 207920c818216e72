import * as core from '@actions/core'
import * as github from '@actions/github'
import type { GitHubParameters } from '../config/parameters.js'
import { syncDriftIssue, type DriftIssueAction } from './drift-issue.js'
import { renderPrComment, upsertPrComment } from './github-comment.js'
import { fleetHeading } from './fleet-github.js'
import { renderMarkdown, workflowRunUrl } from './markdown.js'
import type { AuditReport } from './types.js'

const PR_EVENTS = ['pull_request', 'pull_request_target']
const DRIFT_EVENTS = ['schedule', 'workflow_dispatch']

/**
 * The sticky PR comment and the drift issue. A failure here is reported as a
 * warning: it must not hide or change the audit's verdict. Returns what happened to
 * the drift issue ('none' when nothing was asked or needed, 'failed' when writing failed).
 */
export async function publishToGitHub(report: AuditReport, params: GitHubParameters): Promise<DriftIssueAction | 'failed'> {
  const event = github.context.eventName
  const wantsComment = params.commentOnPr && PR_EVENTS.includes(event)
  const wantsIssue = params.driftIssue && DRIFT_EVENTS.includes(event)
  if (params.commentOnPr && !wantsComment) core.info(`comment-on-pr: nothing to do on a '${event}' event`)
  if (params.driftIssue && !wantsIssue) core.info(`drift-issue: only on schedule and workflow_dispatch events, not '${event}'`)
  if (!wantsComment && !wantsIssue) return 'none'
  const token = params.githubToken ?? process.env['GITHUB_TOKEN']
  if (!token) {
    core.warning('comment-on-pr / drift-issue need a token: set github-token (e.g. ${{ github.token }})')
    return wantsIssue ? 'failed' : 'none'
  }
  const runUrl = workflowRunUrl()
  // A fleet target's issue and comment open with its name and the account read (issue 13).
  const markdown = fleetHeading(report) + renderMarkdown(report, runUrl ? { runUrl } : {})
  const octokit = github.getOctokit(token)
  const { owner, repo } = github.context.repo
  if (wantsComment) {
    try {
      const number = github.context.issue.number
      const result = await upsertPrComment(octokit, { owner, repo, issueNumber: number }, renderPrComment(report, markdown))
      core.info(`PR comment ${result.action}: ${result.url ?? ''}`)
    } catch (err) {
      core.warning(`could not write the PR comment (needs pull-requests: write): ${(err as Error).message}`)
    }
  }
  if (!wantsIssue) return 'none'
  try {
    const action = await syncDriftIssue(octokit, { owner, repo }, report, {
      title: params.driftIssueTitle,
      labels: params.driftIssueLabels,
      body: markdown,
      ...(runUrl ? { runUrl } : {})
    })
    core.info(`drift issue: ${action}`)
    return action
  } catch (err) {
    core.warning(`could not update the drift issue (needs issues: write): ${(err as Error).message}`)
    return 'failed'
  }
}
