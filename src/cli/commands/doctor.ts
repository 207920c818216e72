/** `doctor`: which reads the enabled rules need would these credentials be refused (src/doctor). */
import type { Config } from '../../config/load.js'
import { writeTextFile } from '../../report/files.js'
import { defineCommand } from '../command.js'
import { AWS_NOTE, configFor, inputOptions, OUTPUT_OPTION } from './shared.js'

export const doctorCommand = defineCommand<Config>({
  name: 'doctor',
  summary: 'try every read the enabled rules need with these credentials: ok, or refused with the IAM action or SQL GRANT that would allow it',
  description:
    'Tries every read the enabled rules need, exactly as audit makes them (each AWS call and each SQL statement), and prints one line per read: ok, or refused with the IAM action or the SQL GRANT that would allow it. Changes nothing.',
  args: [],
  optionGroups: [
    { heading: 'Output', options: [OUTPUT_OPTION] },
    { heading: 'Inputs (the GitHub Action\'s input names; also keys of the config file)', options: inputOptions('audit') }
  ],
  notes: `Exit codes: 0 every read went through, 1 a read was refused or failed, 2 usage or configuration error.\n${AWS_NOTE}`,
  configure: (inv) => configFor(inv, 'doctor'),
  async run(inv, config) {
    const { runDoctor } = await import('../../doctor/index.js')
    const out = await runDoctor(config)
    const output = inv.values['output']
    if (typeof output === 'string') writeTextFile(output, out.text, inv.cwd)
    else inv.io.stdout.write(out.text)
    return out.exitCode
  }
})
