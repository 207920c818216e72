import { resolve } from 'node:path'
import { readLocatedDocument, type LocatedDocument } from '../json/located-document.js'
import { ConfigError, type ConfigLocation, type ConfigProblem } from '../json/problems.js'
import { loadConfig, type Config } from './load.js'
import { INPUTS } from './inputs.js'
import { describe, type RawInputs } from './parameters.js'
import { schemaProblems } from '../json/schema-check.js'
import { shippedSchema } from './policy-files.js'
import { targetOf } from '../state/target.js'

/*
 * Fleets (issue 13): a targets file names many accounts, regions and workgroups or clusters.
 *
 *   defaults:            # any input, for every target
 *     cargo-role-arn: ...
 *   targets:
 *     - name: prod-eu    # unique
 *       assume-role-arn: arn:aws:iam::111111111111:role/cargo-redshift-guard-audit
 *       region: eu-west-1
 *       workgroup: cargo-wg
 *
 * Each target becomes one Config, validated like any other (file:line and pointer in errors).
 * Precedence, most specific first: the target's own keys, then `defaults`, then the inputs or
 * flags of the run, then the config file.
 */

/**
 * Inputs a targets file cannot hold: what the run does (mode, targets, target, ...), another
 * file of inputs, and secrets (a committed file would leak them). Kept in step with
 * policies/targets.schema.json by test/unit/fleet-targets.test.ts.
 */
export const TARGET_EXCLUDED_INPUTS: readonly string[] = [
  'mode',
  'config',
  'targets',
  'target',
  'max-targets-in-flight',
  'reports',
  ...INPUTS.filter((i) => i.secret).map((i) => i.name)
]

const TARGET_NAME = /^[A-Za-z0-9_.-]{1,64}$/

export interface FleetTarget {
  name: string
  /** This target's inputs: `defaults`, then its own keys; each located in the file. */
  inputs: RawInputs
  where: ConfigLocation
}

export interface TargetsFile {
  file: string
  targets: FleetTarget[]
}

/** What a run does with a targets file: one target (a matrix job), or all of them side by side. */
export interface FleetInputs {
  targetsFile: string
  target?: string
  maxTargetsInFlight: number
}

/** An unknown key is reported at the key itself, saying why it is refused. */
function schemaSentence(doc: LocatedDocument, problem: ConfigProblem): ConfigProblem {
  const unknown = /^unknown property '(.*)'$/.exec(problem.message)
  if (!unknown) return problem
  const key = unknown[1]!
  const why = TARGET_EXCLUDED_INPUTS.includes(key)
    ? `'${key}' cannot be set in a targets file (it chooses what the run does, names another file, or is a secret)`
    : `unknown key '${key}' (keys are the action's input names)`
  const pointer = `${problem.where.pointer ?? ''}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
  return { where: doc.locate(pointer), message: why }
}

export function loadTargetsFile(file: string, cwd: string = process.cwd()): TargetsFile {
  const doc: LocatedDocument = readLocatedDocument(resolve(cwd, file), file, 'targets')
  const problems = schemaProblems(shippedSchema('targets.schema.json'), doc.value, doc).map((p) => schemaSentence(doc, p))
  if (problems.length > 0) throw new ConfigError(problems)
  const value = doc.value as { defaults?: Record<string, unknown>; targets: Array<Record<string, unknown> & { name: string }> }
  const defaults: RawInputs = {}
  for (const [key, v] of Object.entries(value.defaults ?? {})) defaults[key] = { value: v, where: doc.locate(`/defaults/${key}`) }
  const seen = new Map<string, number>()
  const targets: FleetTarget[] = []
  value.targets.forEach((entry, i) => {
    const where = doc.locate(`/targets/${i}/name`)
    const first = seen.get(entry.name)
    if (first !== undefined) {
      problems.push({ where, message: `duplicate target name '${entry.name}' (also at ${doc.locate(`/targets/${first}/name`).line ?? `/targets/${first}`})` })
      return
    }
    seen.set(entry.name, i)
    const inputs: RawInputs = { ...defaults }
    for (const [key, v] of Object.entries(entry)) if (key !== 'name') inputs[key] = { value: v, where: doc.locate(`/targets/${i}/${key}`) }
    targets.push({ name: entry.name, inputs, where })
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return { file, targets }
}

/** The fleet inputs of a run, or undefined when no targets file is given. */
export function readFleetInputs(raw: RawInputs): FleetInputs | undefined {
  const text = (name: string): string | undefined => {
    const v = raw[name]?.value
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined
  }
  const problems: ConfigProblem[] = []
  const at = (name: string): ConfigLocation => raw[name]?.where ?? { input: name }
  const targetsFile = text('targets')
  const target = text('target')
  const maxText = text('max-targets-in-flight') ?? '4'
  const max = Number(maxText)
  if (!Number.isInteger(max) || max < 1 || max > 64) problems.push({ where: at('max-targets-in-flight'), message: `${describe(maxText)} is not a whole number from 1 to 64` })
  if (target !== undefined && !TARGET_NAME.test(target)) problems.push({ where: at('target'), message: `${describe(target)} is not a target name (1-64 of letters, digits, _ . -)` })
  if (target !== undefined && !targetsFile) problems.push({ where: at('target'), message: 'only applies with targets (the targets file that names it)' })
  if (problems.length > 0) throw new ConfigError(problems)
  if (!targetsFile) return undefined
  return { targetsFile, ...(target !== undefined ? { target } : {}), maxTargetsInFlight: max }
}

/** The run's own inputs, less those a target cannot inherit from them. */
function runInputs(raw: RawInputs): RawInputs {
  const out: RawInputs = {}
  for (const [name, value] of Object.entries(raw)) if (!['targets', 'target', 'max-targets-in-flight', 'reports'].includes(name)) out[name] = value
  return out
}

/**
 * One target's Config: its inputs over the run's, validated like any config. Every problem is
 * reported with the target's name. The drift issue title gets the target's name, so that each
 * target's issue (found by its marker) reads apart from the others.
 */
export function targetConfig(raw: RawInputs, target: FleetTarget, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config {
  let config: Config
  try {
    config = loadConfig({ ...runInputs(raw), ...target.inputs }, cwd, env)
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ConfigError(err.problems.map((p) => ({ ...p, message: `target '${target.name}': ${p.message}` })))
    }
    throw err
  }
  const title = config.github.driftIssueTitle
  return {
    ...config,
    github: { ...config.github, driftIssueTitle: title.includes(target.name) ? title : `${title} (${target.name})` },
    fleetTarget: { name: target.name }
  }
}

/** Every target's Config; all problems of all targets reported together. */
export function targetConfigs(raw: RawInputs, file: TargetsFile, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Config[] {
  const problems: ConfigProblem[] = []
  const configs: Config[] = []
  for (const target of file.targets) {
    try {
      configs.push(targetConfig(raw, target, cwd, env))
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return configs
}

/** The named target, or a problem at the `target` input listing the names there are. */
export function findTarget(file: TargetsFile, name: string, where: ConfigLocation = { input: 'target' }): FleetTarget {
  const found = file.targets.find((t) => t.name === name)
  if (!found) {
    throw new ConfigError([{ where, message: `no target named '${name}' in ${file.file} (targets: ${file.targets.map((t) => t.name).join(', ')})` }])
  }
  return found
}

/** The job matrix for `strategy.matrix`: one entry per target, with what names its job. */
export function matrixOf(file: TargetsFile, configs: Config[]): { include: Array<Record<string, string>> } {
  return {
    include: file.targets.map((t, i) => {
      const config = configs[i]
      const assumeRoleArn = config?.collect.assumeRoleArn
      const account = assumeRoleArn ? /^arn:[\w-]+:iam::(\d{12}):/.exec(assumeRoleArn)?.[1] : undefined
      const redshift = config ? targetOf(config.target).named?.name : undefined
      const region = config?.target.region
      return {
        target: t.name,
        ...(region ? { region } : {}),
        ...(account ? { account } : {}),
        ...(redshift ? { redshift } : {})
      }
    })
  }
}
