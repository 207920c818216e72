import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { compileProblems } from '../evaluate/engine.js'
import { allowedPlaceholderNames, forbiddenPlaceholders } from '../evaluate/rule-values.js'
import { readLocatedDocument } from './documents.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from './errors.js'
import { inputSpec } from './inputs.js'
import { resolveParameters, type Parameters, type RawInputs } from './parameters.js'
import { loadRuleSet, unknownRuleIds } from './rule-set.js'
import type { RuleSet } from './rule-set.types.js'
import { loadWaivers, type Waiver } from './waivers.js'

export interface Config {
  params: Parameters
  ruleSet: RuleSet
  waivers: Waiver[]
  /** Where each input that was given came from (flag, action input, config file line), for messages that name it. */
  places?: Record<string, ConfigLocation>
  /** Fleets (issue 13): the target of a targets file this config was made for. */
  fleetTarget?: { name: string }
}

const DEFAULT_CONFIG_FILE = '.github/cargo-redshift-guard.yml'
const SECRET_INPUTS = ['db-user-password', 'github-token']
/** Fleets (issue 13): inputs read before any config file is, so a config file cannot hold them. */
const FLEET_RUN_INPUTS = ['targets', 'target', 'max-targets-in-flight', 'reports']

/** Values from the config file, located; inputs given directly win over them. */
function readConfigFile(raw: RawInputs, cwd: string): RawInputs {
  const given = raw['config']?.value
  const file = typeof given === 'string' && given.trim() !== '' ? given.trim() : DEFAULT_CONFIG_FILE
  const path = resolve(cwd, file)
  if (!existsSync(path)) {
    if (file !== DEFAULT_CONFIG_FILE) {
      throw new ConfigError([{ where: { input: 'config', file }, message: 'config file not found' }])
    }
    return {}
  }
  const doc = readLocatedDocument(path, file, 'config')
  if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
    throw new ConfigError([{ where: doc.locate(''), message: 'must be a mapping of input names to values' }])
  }
  const values: RawInputs = {}
  const problems: ConfigProblem[] = []
  for (const [key, value] of Object.entries(doc.value)) {
    if (key === 'config') problems.push({ where: doc.locate('/config'), message: "a config file cannot name another config file" })
    else if (FLEET_RUN_INPUTS.includes(key)) problems.push({ where: doc.locate(`/${key}`), message: `'${key}' chooses what this run does: give it as an input or --${key} flag, not in the config file` })
    else if (!inputSpec(key)) problems.push({ where: doc.locate(`/${key}`), message: `unknown key '${key}' (keys are the action's input names)` })
    else if (SECRET_INPUTS.includes(key)) {
      // A config file is committed to a repository: a secret there is already leaked.
      problems.push({ where: doc.locate(`/${key}`), message: `'${key}' is a secret: pass it as an input from a secret store, never in a file` })
    }
    else values[key] = { value, where: doc.locate(`/${key}`) }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return values
}

/**
 * inputs -> config: every input, file and rule validated, every problem
 * reported together, before anything talks to AWS.
 */
export function loadConfig(raw: RawInputs, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = readConfigFile(raw, cwd)
  const merged: RawInputs = { ...fromFile }
  for (const [name, value] of Object.entries(raw)) {
    if (name !== 'config' && value.value !== undefined && value.value !== '') merged[name] = value
  }
  const params = resolveParameters(merged, env)
  const ruleSet = loadRuleSet(params.rules, cwd)
  const problems: ConfigProblem[] = compileProblems(ruleSet, params).map(({ rule, message }) => {
    const source = rule.source
    const at = source?.then ?? (source ? { line: source.line } : {})
    return {
      where: { file: source?.file ?? 'rules', ...at, pointer: `${source?.pointer ?? `/rules/${rule.id}`}/then` },
      message: `rule '${rule.id}': its schema does not compile: ${message}`
    }
  })
  for (const rule of ruleSet.rules) {
    for (const name of forbiddenPlaceholders(rule)) {
      problems.push({
        where: { file: rule.source?.file ?? 'rules', ...(rule.source ? { line: rule.source.line } : {}), pointer: rule.source?.pointer ?? `/rules/${rule.id}` },
        message: `rule '${rule.id}': placeholder \${${name}} names nothing a rule may read; rules may use ${allowedPlaceholderNames().join(', ')}, state: pointers and item. fields`
      })
    }
  }
  const unknown = unknownRuleIds(ruleSet, params.disableRules)
  if (unknown.length > 0) {
    problems.push({ where: merged['disable-rules']?.where ?? { input: 'disable-rules' }, message: `unknown rule id(s): ${unknown.join(', ')}` })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const waivers = params.waivers ? loadWaivers(params.waivers, ruleSet, cwd) : []
  const places = Object.fromEntries(Object.entries(merged).map(([name, value]) => [name, value.where]))
  return { params, ruleSet, waivers, places }
}
