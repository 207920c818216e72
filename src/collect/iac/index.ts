import { readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError } from '../../json/problems.js'
import type { Parameters } from '../../config/parameters.js'
import type { AccountState } from '../../state/types.js'
import { stateFromCloudFormation } from './cloudformation.js'
import { displayPath, isRecord } from './common.js'
import { stateFromTerraformPlan } from './terraform.js'

export { stateFromCloudFormation, type CloudFormationOptions } from './cloudformation.js'
export { overlayState } from './overlay.js'
export { stateFromTerraformPlan, type TerraformOptions } from './terraform.js'

export type IacFormat = 'terraform' | 'cloudformation'

/** Plans of large estates run to tens of megabytes; anything beyond this is not a plan of one. */
const MAX_BYTES = 256 * 1024 * 1024

function problem(file: string, message: string, line?: number, column?: number): ConfigError {
  return new ConfigError([
    { where: { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) }, message }
  ])
}

/**
 * Line and column of a JSON syntax error. Node's messages give a position only sometimes, so
 * the text is read again by the YAML parser (JSON is YAML), which always says where it fails.
 */
function jsonErrorPlace(text: string, message: string): { line?: number; column?: number } {
  const lineCounter = new LineCounter()
  const error = parseDocument(text, { lineCounter, prettyErrors: false }).errors[0]
  const offset = error ? error.pos[0] : Number(/position (\d+)/.exec(message)?.[1] ?? NaN)
  if (!Number.isFinite(offset)) return {}
  const { line, col } = lineCounter.linePos(offset)
  return { line, column: col }
}

/** Which IaC format a text is, or why it is none. */
export function detectIacFormat(text: string, file: string): { format: IacFormat; json?: unknown } {
  const trimmed = text.trimStart()
  if (trimmed === '') throw problem(file, 'is empty', 1, 1)
  if (text.startsWith('PK\u0003\u0004')) {
    throw problem(file, 'is a binary Terraform plan: convert it with `terraform show -json <planfile> > plan.json` and pass the JSON')
  }
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      // Might still be a YAML flow mapping; CloudFormation's parser will say where it fails.
      const { line, column } = jsonErrorPlace(text, (err as Error).message)
      if (!/AWSTemplateFormatVersion|"Resources"/.test(text)) {
        throw problem(file, `JSON syntax: ${(err as Error).message.split('\n')[0]}`, line, column)
      }
      return { format: 'cloudformation' }
    }
    if (isRecord(json) && 'format_version' in json && ('resource_changes' in json || 'planned_values' in json || 'terraform_version' in json)) {
      return { format: 'terraform', json }
    }
    if (isRecord(json) && ('AWSTemplateFormatVersion' in json || isRecord(json['Resources']))) return { format: 'cloudformation', json }
    throw problem(
      file,
      'is neither a Terraform plan (`terraform show -json <planfile>`: format_version and resource_changes) nor a CloudFormation template (AWSTemplateFormatVersion or Resources)',
      1,
      1
    )
  }
  if (/^\s*(AWSTemplateFormatVersion|Resources)\s*:/m.test(text)) return { format: 'cloudformation' }
  throw problem(
    file,
    'is neither a Terraform plan (JSON from `terraform show -json <planfile>`) nor a CloudFormation template (YAML or JSON with AWSTemplateFormatVersion or Resources)',
    1,
    1
  )
}

export interface LoadIacOptions {
  now?: Date
  /** CloudFormation parameter values, over the template's Defaults. */
  parameters?: Record<string, unknown>
  /** Terraform: the root module's directory (default: the plan file's directory). */
  baseDir?: string
}

/**
 * Reads a Terraform plan JSON or a CloudFormation template (the format is detected) into the
 * AccountState the account will have after apply. Unreadable or unrecognised files are a
 * ConfigError naming the file (and line, where there is one).
 */
export function loadIacState(file: string, params: Pick<Parameters, 'target'>, cwd: string = process.cwd(), options: LoadIacOptions = {}): AccountState {
  const path = resolve(cwd, file)
  let text: string
  try {
    const size = statSync(path).size
    if (size > MAX_BYTES) throw problem(file, `is larger than ${MAX_BYTES} bytes`)
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message
    throw problem(file, why)
  }
  const shown = displayPath(path, cwd)
  const { format, json } = detectIacFormat(text, shown)
  if (format === 'terraform') {
    return stateFromTerraformPlan(json, {
      file: shown,
      params,
      cwd,
      baseDir: options.baseDir !== undefined ? resolve(cwd, options.baseDir) : dirname(path),
      planText: text,
      ...(options.now ? { now: options.now } : {})
    })
  }
  return stateFromCloudFormation(text, {
    file: shown,
    params,
    ...(options.now ? { now: options.now } : {}),
    ...(options.parameters ? { parameters: options.parameters } : {})
  })
}
