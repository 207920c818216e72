import { ConfigError } from '../../json/problems.js'
import type { AccountState } from '../../state/types.js'
import { isRecord } from './common.js'
import { assemble } from './model.js'
import { TerraformLocations } from './terraform/locations.js'
import { PlanIndex } from './terraform/plan-index.js'
import type { TerraformOptions } from './terraform/plan-json.js'
import { terraformModel } from './terraform/resources.js'
import { TerraformValues } from './terraform/values.js'

export type { TerraformOptions } from './terraform/plan-json.js'

/**
 * Reads the JSON of `terraform show -json <planfile>` (HashiCorp's documented "JSON output
 * format": format_version 1.x, resource_changes, planned_values, prior_state, configuration)
 * into the AccountState the account will have after apply.
 *
 * - Each resource's value after apply is `change.after`; `change.after_unknown` marks what
 *   only apply will tell. An unknown identifier (a new role's ARN, a new group's id) is
 *   followed through the configuration's `references` to the resource it comes from, so that
 *   `iam_roles = [aws_iam_role.cargo.arn]` still matches the role; what cannot be followed
 *   becomes an `unknown` fact at the state pointer that depends on it.
 * - Resources whose change is `delete` are absent after apply.
 * - Locations: the plan holds no line numbers, so the `.tf` files of each module's directory
 *   (local `source`, or `.terraform/modules/modules.json` for downloaded modules) are searched
 *   for the `resource "<type>" "<name>"` block.
 * - Secrets are never read: of an access key only `user`, `status` and `create_date`.
 *
 * The parts, under terraform/: plan-json (types and address helpers), plan-index (indexing
 * and references), values (typed attribute readers), locations, and resources (one reader
 * per resource type).
 */

function describeJsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * The account after apply, as described by a Terraform plan (`terraform show -json`).
 * Throws ConfigError when the JSON is not a plan.
 */
export function stateFromTerraformPlan(planJson: unknown, options: TerraformOptions): AccountState {
  if (!isRecord(planJson)) {
    throw new ConfigError([{ where: { file: options.file }, message: `is not a Terraform plan: expected a JSON object, got ${describeJsonType(planJson)}` }])
  }
  const version = planJson['format_version']
  if (typeof version !== 'string' || !/^1\.\d+/.test(version)) {
    throw new ConfigError([
      {
        where: { file: options.file, pointer: '/format_version' },
        message: `unsupported Terraform JSON format_version ${JSON.stringify(version)}: expected 1.x (from terraform show -json <planfile>)`
      }
    ])
  }
  if (!Array.isArray(planJson['resource_changes']) && !isRecord(planJson['planned_values'])) {
    throw new ConfigError([
      {
        where: { file: options.file },
        message:
          'is Terraform JSON but not a plan (no resource_changes or planned_values): run `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json`'
      }
    ])
  }
  const index = new PlanIndex(planJson, options)
  const model = terraformModel(index, new TerraformValues(index), new TerraformLocations(index))
  return assemble(model, options.params.target, options.now ?? new Date())
}
