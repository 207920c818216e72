import { renderConsole } from './console.js'
import { renderFleetConsole, renderFleetJson, renderFleetJUnit, renderFleetMarkdown, renderFleetSarif, type FleetReport } from './fleet.js'
import { renderJson } from './json.js'
import { renderJUnit } from './junit.js'
import { renderMarkdown } from './markdown.js'
import { renderSarif } from './sarif.js'
import type { AuditReport } from './types.js'

/**
 * The report formats, one entry each, shared by the CLI (--format, --output) and the files both
 * entry points write (report-path, sarif-file, junit-file). A new format is a renderer module
 * and one entry here.
 */

export interface RenderOptions {
  /** Where relative file URIs (SARIF) are taken from. */
  cwd: string
  color: boolean
  verbose: boolean
}

export interface ReportFormat {
  name: string
  /** One account's report. */
  report(report: AuditReport, options: RenderOptions): string
  /** A fleet's report, every target side by side (issue 13). */
  fleet(fleet: FleetReport, options: RenderOptions): string
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

export const REPORT_FORMATS = [
  {
    name: 'console',
    report: (r, o) => renderConsole(r, { color: o.color, verbose: o.verbose }),
    fleet: (f, o) => renderFleetConsole(f, { color: o.color })
  },
  { name: 'json', report: (r) => renderJson(r), fleet: (f) => renderFleetJson(f) },
  { name: 'markdown', report: (r) => renderMarkdown(r), fleet: (f) => renderFleetMarkdown(f) },
  {
    name: 'sarif',
    report: (r, o) => json(renderSarif(r, { ruleSetRoot: o.cwd })),
    fleet: (f, o) => json(renderFleetSarif(f, { ruleSetRoot: o.cwd }))
  },
  { name: 'junit', report: (r) => renderJUnit(r), fleet: (f) => renderFleetJUnit(f) }
] as const satisfies readonly ReportFormat[]

export type ReportFormatName = (typeof REPORT_FORMATS)[number]['name']

export const REPORT_FORMAT_NAMES: readonly ReportFormatName[] = REPORT_FORMATS.map((f) => f.name)

export function reportFormat(name: string): ReportFormat {
  const format = REPORT_FORMATS.find((f) => f.name === name)
  if (!format) throw new Error(`unknown report format '${name}' (known: ${REPORT_FORMAT_NAMES.join(', ')})`)
  return format
}

/** The report files an audit writes, each in its format: report-path (JSON), sarif-file, junit-file. */
export interface ReportFiles {
  reportPath?: string
  sarifFile?: string
  junitFile?: string
}

const FILE_FORMATS: readonly { file: keyof ReportFiles; format: ReportFormatName }[] = [
  { file: 'reportPath', format: 'json' },
  { file: 'sarifFile', format: 'sarif' },
  { file: 'junitFile', format: 'junit' }
]

/** Each file asked for, with its format. */
export function reportFilesOf(files: ReportFiles): { path: string; format: ReportFormat }[] {
  return FILE_FORMATS.flatMap(({ file, format }) => (files[file] ? [{ path: files[file]!, format: reportFormat(format) }] : []))
}
