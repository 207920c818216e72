/**
 * The plan for people: what will change, in order, with the exact request and the same change by
 * hand, then what is left to do by hand. Text from the account is escaped; requests and SQL sit in
 * code blocks.
 */
import { code, escapeHtml, escapeMarkdown, fence } from '../report/markdown.js'
import type { ApplyResult, Plan, PlanStep } from './types.js'

function requestText(step: PlanStep): string {
  return JSON.stringify(step.request, null, 2)
}

export function renderPlanMarkdown(plan: Plan): string {
  const t = plan.target
  const lines: string[] = [
    '## Cargo on Redshift: remediation plan',
    '',
    `Target: ${t.kind} ${code(t.name)} in ${escapeMarkdown(t.region)}${t.accountId ? `, account ${t.accountId}` : ''}. ` +
      `Made ${plan.createdAt} by cargo-redshift-guard ${plan.tool.version}; state digest \`${plan.stateDigest.slice(0, 16)}…\`.`,
    '',
    plan.steps.length === 0
      ? '**No change to make.**' + (plan.manual.length > 0 ? ` ${plan.manual.length} item(s) need a person (below).` : '')
      : `**${plan.steps.length} change(s)**, in this order. Each only adds: nothing is deleted, detached, revoked or narrowed. ` +
        'Apply re-reads the account first and refuses this plan if anything it depends on has changed.',
    ''
  ]
  if (plan.steps.length > 0) {
    lines.push('| # | Change | API | Rules | Description |', '| --- | --- | --- | --- | --- |')
    plan.steps.forEach((s, i) => {
      lines.push(
        `| ${i + 1} | ${code(s.id)} | ${s.service}:${s.operation} | ${s.ruleIds.map((r) => code(r)).join(', ')} | ${escapeMarkdown(s.description)} |`
      )
    })
    lines.push('', '### Changes in detail', '')
    plan.steps.forEach((s, i) => {
      const body: string[] = [
        `**${escapeMarkdown(s.description)}**`,
        `Resource: ${code(s.resource)}${s.dependsOn.length > 0 ? ` — after ${s.dependsOn.map((d) => `${code(d)}`).join(', ')}` : ''}`
      ]
      if (s.needsPassword) body.push('The password comes from the `db-user-password` input at apply time; it is not in this plan.')
      body.push(`Request (${s.service}:${s.operation}):\n\n${fence(requestText(s), 'json')}`)
      body.push(`By hand:\n\n${fence(s.cli, s.service === 'redshift-data' ? 'sql' : 'sh')}`)
      lines.push(
        `<details><summary>${i + 1}. <code>${escapeHtml(s.id)}</code> — ${s.service}:${s.operation}</summary>`,
        '',
        body.join('\n\n'),
        '',
        '</details>',
        ''
      )
    })
  }
  if (plan.manual.length > 0) {
    lines.push('', '### Left to a person', '', '| Rule | Resource | Why |', '| --- | --- | --- |')
    for (const m of plan.manual) lines.push(`| ${code(m.ruleId)} | ${escapeMarkdown(m.resource)} | ${escapeMarkdown(m.reason)} |`)
    const withSteps = plan.manual.filter((m) => m.instructions)
    if (withSteps.length > 0) {
      lines.push('')
      for (const m of withSteps) {
        lines.push(`<details><summary><code>${m.ruleId}</code> by hand</summary>`, '', fence(m.instructions as string), '', '</details>', '')
      }
    }
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n'
}

/** What an apply did, for the job summary and the terminal. */
export function renderApplyMarkdown(result: ApplyResult): string {
  const lines: string[] = ['## Cargo on Redshift: apply', '']
  lines.push(
    `${result.changes} change(s) made, ${result.done.length - result.changes} already in place` +
      (result.failures.length > 0 ? `, ${result.failures.length} failed` : '') +
      (result.held.length > 0 ? `, ${result.held.length} not run` : '') +
      '.',
    ''
  )
  for (const o of result.done) {
    lines.push(`- ${o.result === 'changed' ? '✅' : '☑️'} ${code(o.step.id)}: ${escapeMarkdown(o.detail)}`)
  }
  for (const f of result.failures) lines.push(`- ❌ ${code(f.step.id)}: ${escapeMarkdown(f.message)}`)
  for (const h of result.held) lines.push(`- ⏸️ ${code(h.step.id)}: not run: ${escapeMarkdown(h.reason)}`)
  return lines.join('\n') + '\n'
}
