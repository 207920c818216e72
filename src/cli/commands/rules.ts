/** list-rules and explain RULE: the rule set as the audit would judge with these inputs. Read nothing remote. */
import { ConfigError, type ConfigProblem } from '../../json/problems.js'
import { loadRuleSetFromInputs } from '../../config/load.js'
import type { Rule, RuleSet } from '../../config/rule-set.types.js'
import { defineCommand, type Invocation, type OptionSpec } from '../command.js'
import { didYouMean } from '../../config/did-you-mean.js'
import { checkChoice, formatOption, inputOptions } from './shared.js'

const RULE_INPUTS = new Set(['config', 'rules'])
const ruleInputs = (): OptionSpec[] => inputOptions('audit').filter((o) => RULE_INPUTS.has(o.name))
const FORMATS = ['console', 'json', 'markdown'] as const

interface Loaded {
  ruleSet: RuleSet
  format: string
  rule?: Rule
}

function load(inv: Invocation, problems: ConfigProblem[]): RuleSet | undefined {
  try {
    return loadRuleSetFromInputs(inv.inputs, inv.cwd)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    problems.push(...err.problems)
    return undefined
  }
}

/** One rule as JSON: what it is, not how it is evaluated internally (that lives in the rule files). */
function ruleJson(r: Rule): Record<string, unknown> {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    appliesTo: r.appliesTo,
    enabled: r.enabled !== false,
    description: r.description,
    expected: r.expected,
    docs: r.docs,
    ...(r.guide ? { guide: r.guide } : {}),
    ...(r.requires ? { requires: r.requires } : {}),
    ...(r.requiresParameters ? { requiresParameters: r.requiresParameters } : {}),
    remediation: r.remediation,
    ...(r.source ? { source: { file: r.source.file, line: r.source.line } } : {})
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export const listRulesCommand = defineCommand<Loaded>({
  name: 'list-rules',
  summary: 'list the rules an audit judges: the built-in set with the files of --rules laid over it',
  description: 'Lists every rule an audit judges (the built-in rule set, with the files of --rules, directly or in the config file, laid over it): id, severity, what applies to, and whether apply can fix it.',
  args: [],
  optionGroups: [{ heading: 'Options', options: [formatOption(FORMATS), ...ruleInputs()] }],
  configure(inv) {
    const problems: ConfigProblem[] = []
    const format = checkChoice(inv, 'format', FORMATS, problems)
    const ruleSet = load(inv, problems)
    if (problems.length > 0 || !ruleSet) throw new ConfigError(problems)
    return { ruleSet, format }
  },
  async run(inv, { ruleSet, format }) {
    const rules = ruleSet.rules
    if (format === 'json') {
      inv.io.stdout.write(JSON.stringify(rules.map(ruleJson), null, 2) + '\n')
      return 0
    }
    if (format === 'markdown') {
      const lines = ['| Rule | Severity | Applies to | Automatic fix | Title |', '| --- | --- | --- | --- | --- |']
      for (const r of rules) lines.push(`| \`${r.id}\` | ${r.severity} | ${r.appliesTo} | ${r.remediation.action ? `\`${r.remediation.action}\`` : 'manual'} | ${cell(r.title)} |`)
      inv.io.stdout.write(lines.join('\n') + '\n')
      return 0
    }
    const width = Math.max(...rules.map((r) => r.id.length))
    for (const r of rules) {
      const fix = r.remediation.action ? 'auto-fix' : 'manual  '
      inv.io.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.appliesTo.padEnd(11)}  ${fix}  ${r.title}${r.enabled === false ? ' (disabled)' : ''}\n`)
    }
    inv.io.stdout.write(`\n${rules.length} rules. 'cargo-redshift-guard explain RULE' tells more about one.\n`)
    return 0
  }
})

export const explainCommand = defineCommand<Loaded>({
  name: 'explain',
  summary: 'explain one rule: what it checks, why, how to fix it, and where it is defined',
  description: 'Explains one rule: what it checks and why (from Cargo\'s setup guide), what a pass looks like, what it needs first, how to fix it by hand or with apply, and where it is defined.',
  args: [{ name: 'RULE', description: 'a rule id, as list-rules shows it', required: true }],
  optionGroups: [{ heading: 'Options', options: [formatOption(['console', 'json']), ...ruleInputs()] }],
  configure(inv) {
    const problems: ConfigProblem[] = []
    const format = checkChoice(inv, 'format', ['console', 'json'], problems)
    const ruleSet = load(inv, problems)
    const id = inv.args[0]
    let rule: Rule | undefined
    if (id === undefined) problems.push({ where: { input: 'RULE' }, message: 'name the rule to explain (cargo-redshift-guard list-rules shows them)' })
    else if (ruleSet) {
      rule = ruleSet.rules.find((r) => r.id === id)
      if (!rule) {
        const near = didYouMean(id, ruleSet.rules.map((r) => r.id))
        problems.push({ where: { input: 'RULE' }, message: `no rule '${id}'${near ? `; did you mean '${near}'?` : ''} (cargo-redshift-guard list-rules shows them)` })
      }
    }
    if (problems.length > 0 || !ruleSet) throw new ConfigError(problems)
    return { ruleSet, format, ...(rule ? { rule } : {}) }
  },
  async run(inv, { rule, format }) {
    // Placeholders read as the input that fills them: ${dbUser} -> <db-user>.
    const r = JSON.parse(JSON.stringify(rule).replace(/\$\{(\w+)\}/g, (_, n: string) => `<${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}>`)) as Rule
    if (format === 'json') {
      inv.io.stdout.write(JSON.stringify(ruleJson(r), null, 2) + '\n')
      return 0
    }
    const lines = [
      `${r.id}: ${r.title}`,
      '',
      `severity:    ${r.severity}`,
      `applies to:  ${r.appliesTo === 'both' ? 'Redshift Serverless and provisioned clusters' : r.appliesTo}${r.enabled === false ? ' (disabled)' : ''}`,
      '',
      r.description.trim(),
      '',
      `passes when: ${r.expected}`
    ]
    if (r.requires?.length) lines.push(`needs first: ${r.requires.join(', ')} (else skipped)`)
    if (r.requiresParameters?.length) lines.push(`needs input: ${r.requiresParameters.join(', ')} (else it cannot be checked)`)
    if (r.guide) lines.push(`setup guide: ${r.guide}`)
    lines.push(`docs:        ${r.docs}`)
    if (r.remediation.action) lines.push('', `automatic fix: ${r.remediation.action} (cargo-redshift-guard plan --remediate ${r.id}, then apply)`)
    if (r.remediation.manual) lines.push('', 'by hand:', ...r.remediation.manual.trim().split('\n').map((l) => `  ${l}`))
    if (r.source) lines.push('', `defined in:  ${r.source.file}:${r.source.line}`)
    inv.io.stdout.write(lines.join('\n') + '\n')
    return 0
  }
})
