import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { FleetReport } from './fleet.js'
import { reportFilesOf, type ReportFiles } from './formats.js'
import type { AuditReport } from './types.js'

/** Writes text to a file (relative to cwd), making its directory; returns the absolute path. */
export function writeTextFile(file: string, text: string, cwd: string = process.cwd()): string {
  const path = resolve(cwd, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  return path
}

/** The report files asked for (report-path, sarif-file, junit-file), each rendered by its format. */
export function writeReportFiles(subject: { report: AuditReport } | { fleet: FleetReport }, files: ReportFiles, cwd: string): void {
  const options = { cwd, color: false, verbose: false }
  for (const { path, format } of reportFilesOf(files)) {
    writeTextFile(path, 'report' in subject ? format.report(subject.report, options) : format.fleet(subject.fleet, options), cwd)
  }
}
