import { ConfigError } from '../../json/problems.js'
import type { AccountState } from '../../state/types.js'
import { isRecord } from './common.js'
import { assemble } from './model.js'
import { parameterProblems, parseTemplate, syntaxError } from './cloudformation/parse.js'
import { cloudFormationModel } from './cloudformation/resources.js'
import { Template, type CloudFormationOptions } from './cloudformation/template.js'

export { CLOUDFORMATION_TAGS, parseTemplate } from './cloudformation/parse.js'
export type { CloudFormationOptions } from './cloudformation/template.js'

/**
 * Reads a CloudFormation template (JSON, or YAML with the short-form tags `!Ref`, `!GetAtt`,
 * `!Sub`, ...) into the AccountState the account will have once the stack is deployed.
 *
 * Intrinsic functions are evaluated inside the template: parameters take their Default (or a
 * value given in `options.parameters`), conditions and mappings are evaluated, `!Ref`/`!GetAtt`
 * of the resources the Cargo setup uses give their names and ARNs (an ARN's account id, when
 * the template does not spell it, is a placeholder the overlay fills in). What only deployment
 * can tell (`!ImportValue`, an EIP's address, a parameter without Default) is `unknown`.
 * Findings point at the line of each resource's logical id.
 *
 * The parts, under cloudformation/: parse (tags, syntax, parameter checks), locations,
 * template (indexing and intrinsic functions), values (typed readers over resolved values)
 * and resources (one entry per resource type: its Ref/GetAtt and what it adds to the model).
 */

/**
 * The account after the stack is deployed, as described by a CloudFormation template.
 * Throws ConfigError (with file:line) when the text is not a template.
 */
export function stateFromCloudFormation(templateText: string, options: CloudFormationOptions): AccountState {
  const { template, lineOf } = parseTemplate(templateText, options.file)
  if (!isRecord(template['Resources'])) {
    throw syntaxError(options.file, 'is not a CloudFormation template: it has no Resources mapping', 1, 1)
  }
  const given = parameterProblems(template, options.parameters ?? {})
  if (given.length > 0) throw new ConfigError(given.map((message) => ({ where: { input: 'cloudformation-parameters' }, message })))
  const model = cloudFormationModel(new Template(template, options), lineOf, options)
  return assemble(model, options.params.target, options.now ?? new Date())
}
