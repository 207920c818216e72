import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { displayPath } from '../common.js'
import type { Origin } from '../model.js'
import { referenceSteps, type TfResource } from './plan-json.js'
import type { PlanIndex } from './plan-index.js'

type Block = { file: string; line: number }

/**
 * Where a resource is written: the plan holds no line numbers, so the `.tf` files of each
 * module's directory are searched for its `resource "<type>" "<name>"` block; without them,
 * the resource's entry in the plan itself.
 */
export class TerraformLocations {
  /** Per module directory: `mode.type.name` -> where the block starts. */
  private readonly tfFiles = new Map<string, Map<string, Block>>()

  constructor(private readonly index: PlanIndex) {}

  private blocksIn(dir: string): Map<string, Block> {
    const cached = this.tfFiles.get(dir)
    if (cached) return cached
    const blocks = new Map<string, Block>()
    let entries: string[] = []
    try {
      entries = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort()
    } catch {
      entries = []
    }
    for (const entry of entries) {
      const file = join(dir, entry)
      let text: string
      try {
        if (!statSync(file).isFile()) continue
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const m = /^\s*(resource|data)\s+"?([\w-]+)"?\s+"?([\w-]+)"?\s*\{?/.exec(line)
        const key = m ? `${m[1] === 'data' ? 'data' : 'managed'}.${m[2] ?? ''}.${m[3] ?? ''}` : undefined
        if (key && !blocks.has(key)) blocks.set(key, { file, line: i + 1 })
      })
    }
    this.tfFiles.set(dir, blocks)
    return blocks
  }

  origin(r: TfResource): Origin {
    const origin: Origin = { id: r.address, changed: r.changed }
    const dir = this.index.configFor(r.moduleAddress)?.dir
    const block = dir && existsSync(dir) ? this.blocksIn(dir).get(`${r.mode}.${r.type}.${r.name}`) : undefined
    if (block) {
      origin.file = displayPath(block.file, this.index.cwd)
      origin.line = block.line
      return origin
    }
    // No .tf file at hand: point at the resource in the plan itself.
    const text = this.index.options.planText
    if (text) {
      const at = text.search(new RegExp(`"address"\\s*:\\s*${JSON.stringify(r.address).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
      if (at >= 0) {
        origin.file = displayPath(resolve(this.index.cwd, this.index.options.file), this.index.cwd)
        origin.line = text.slice(0, at).split('\n').length
      }
    }
    return origin
  }

  /** Where a policy document written by a data source is (for a role's trust policy). */
  documentOrigin(r: TfResource, attr: string): Origin | undefined {
    const ref = this.index.expression(r, attr)?.references?.find((x) => x.startsWith('data.aws_iam_policy_document.'))
    if (!ref) return undefined
    const data = this.index.findResource(r.moduleAddress, referenceSteps(ref).slice(0, 3).join('.'))
    return data ? this.origin(data) : undefined
  }
}
