import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { compileProblems } from './rule-compile.js'
import { readLocatedDocument } from '../json/located-document.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from '../json/problems.js'
import { inputSpec } from './inputs.js'
import { readParameters, type Parameters, type RawInputs } from './parameters.js'
import { loadRuleSet, unknownRuleIds } from './rule-set.js'
import type { RuleSet } from './rule-set.types.js'
import { loadWaivers, type Waiver } from './waivers.js'

/**
 * A validated configuration: the parameters by stage (mode, target, collect, sources,
 * selection, outputs, github, remediation; see ./parameters.ts) and what they load.
 */
export interface Config extends Parameters {
  ruleSet: RuleSet
  waivers: Waiver[]
  /** Where each input that was given came from (flag, action input, config file line), for messages that name it. */
  places?: Record<string, ConfigLocation>
  /** Fleets (issue 13): the target of a targets file this config was made for. */
  fleetTarget?: { name: string }
}

export const DEFAULT_CONFIG_FILE = '.github/cargo-redshift-guard.yml'
/** Fleets (issue 13): inputs read before any config file is, so a config file cannot hold them. */
const FLEET_RUN_INPUTS = ['targets', 'target', 'max-targets-in-flight', 'reports']

/**
 * Inputs that choose one of two kinds of target. A direct input of one side wins over the config
 * file's inputs of the other (`--workgroup` over the file's cluster-identifier), rather than the
 * two clashing: what a person types now says what they mean now.
 */
const EXCLUSIVE_SIDES: ReadonlyArray<readonly [readonly string[], readonly string[]]> = [
  [['workgroup'], ['cluster-identifier', 'data-api-db-user']],
  [['terraform-plan', 'terraform-dir'], ['cloudformation-template', 'cloudformation-parameters']]
]

/** Values from the config file, located, and the problems found in it. */
function readConfigFile(raw: RawInputs, cwd: string): { values: RawInputs; problems: ConfigProblem[] } {
  const given = raw['config']?.value
  const file = typeof given === 'string' && given.trim() !== '' ? given.trim() : DEFAULT_CONFIG_FILE
  const path = resolve(cwd, file)
  if (!existsSync(path)) {
    if (file !== DEFAULT_CONFIG_FILE) {
      return { values: {}, problems: [{ where: { ...(raw['config']?.where ?? { input: 'config' }), file }, message: 'config file not found' }] }
    }
    return { values: {}, problems: [] }
  }
  let doc
  try {
    doc = readLocatedDocument(path, file, 'config')
  } catch (err) {
    if (err instanceof ConfigError) return { values: {}, problems: err.problems }
    throw err
  }
  if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
    return { values: {}, problems: [{ where: doc.locate(''), message: 'must be a mapping of input names to values' }] }
  }
  const values: RawInputs = {}
  const problems: ConfigProblem[] = []
  for (const [key, value] of Object.entries(doc.value)) {
    const spec = inputSpec(key)
    if (key === 'config') problems.push({ where: doc.locate('/config'), message: 'a config file cannot name another config file' })
    else if (FLEET_RUN_INPUTS.includes(key)) problems.push({ where: doc.locate(`/${key}`), message: `'${key}' chooses what this run does: give it as an input or --${key} flag, not in the config file` })
    else if (!spec) problems.push({ where: doc.locate(`/${key}`), message: `unknown key '${key}' (keys are the action's input names)` })
    else if (spec.secret) {
      // A config file is committed to a repository: a secret there is already leaked.
      problems.push({ where: doc.locate(`/${key}`), message: `'${key}' is a secret: pass it as an input from a secret store, never in a file` })
    } else values[key] = { value, where: doc.locate(`/${key}`) }
  }
  return { values, problems }
}

const isGiven = (v: RawInputs[string] | undefined) => v !== undefined && v.value !== undefined && v.value !== ''

/** The config file's values with the inputs given directly laid over them. */
function merge(fromFile: RawInputs, direct: RawInputs): RawInputs {
  const merged: RawInputs = { ...fromFile }
  for (const [one, other] of EXCLUSIVE_SIDES) {
    for (const [mine, theirs] of [
      [one, other],
      [other, one]
    ] as const) {
      if (mine.some((name) => isGiven(direct[name])) && !theirs.some((name) => isGiven(direct[name]))) {
        for (const name of theirs) delete merged[name]
      }
    }
  }
  for (const [name, value] of Object.entries(direct)) {
    if (name !== 'config' && isGiven(value)) merged[name] = value
  }
  return merged
}

/** The rule files named directly or in the config file, loaded over the built-in set; for commands that judge nothing. */
export function loadRuleSetFromInputs(raw: RawInputs, cwd: string = process.cwd()): RuleSet {
  const { values, problems } = readConfigFile(raw, cwd)
  const merged = merge(values, raw)
  const rules = merged['rules']?.value
  const list = Array.isArray(rules) ? rules.map(String) : typeof rules === 'string' ? rules.split(/[\n,]/) : []
  try {
    const ruleSet = loadRuleSet(
      list.map((r) => r.trim()).filter((r) => r !== ''),
      cwd
    )
    if (problems.length > 0) throw new ConfigError(problems)
    return ruleSet
  } catch (err) {
    if (err instanceof ConfigError && err.problems !== problems) throw new ConfigError([...problems, ...err.problems])
    throw err
  }
}

/**
 * inputs -> config: every input, file and rule validated, every problem
 * reported together, before anything talks to AWS.
 */
export function loadConfig(raw: RawInputs, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  const file = readConfigFile(raw, cwd)
  const problems: ConfigProblem[] = [...file.problems]
  const merged = merge(file.values, raw)
  const { params, problems: paramProblems } = readParameters(merged, env)
  problems.push(...paramProblems)
  // Go on with the rule files and waivers even when an input is bad: one run names every problem.
  let ruleSet: RuleSet | undefined
  try {
    ruleSet = loadRuleSet(params.selection.rules, cwd)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    problems.push(...err.problems)
  }
  let waivers: Waiver[] = []
  if (ruleSet) {
    for (const { rule, message } of compileProblems(ruleSet, params.target)) {
      const source = rule.source
      const at = source?.then ?? (source ? { line: source.line } : {})
      problems.push({
        where: { file: source?.file ?? 'rules', ...at, pointer: `${source?.pointer ?? `/rules/${rule.id}`}/then` },
        message: `rule '${rule.id}': its schema does not compile: ${message}`
      })
    }
    const unknown = unknownRuleIds(ruleSet, params.selection.disableRules)
    if (unknown.length > 0) {
      problems.push({ where: merged['disable-rules']?.where ?? { input: 'disable-rules' }, message: `unknown rule id(s): ${unknown.join(', ')}` })
    }
    const remediate = params.remediation.remediate.filter((id) => id !== 'all' && !ruleSet!.rules.some((r) => r.id === id))
    if (remediate.length > 0) {
      problems.push({ where: merged['remediate']?.where ?? { input: 'remediate' }, message: `unknown rule id(s): ${remediate.join(', ')}` })
    }
    if (params.selection.waivers) {
      try {
        waivers = loadWaivers(params.selection.waivers, ruleSet, cwd)
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err
        problems.push(...err.problems)
      }
    }
  }
  if (problems.length > 0 || !ruleSet) throw new ConfigError(problems)
  const places = Object.fromEntries(Object.entries(merged).map(([name, value]) => [name, value.where]))
  return { ...params, ruleSet, waivers, places }
}
