import { existsSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'

/** The nearest ancestor directory holding `.git` (a directory or a worktree's file). */
export function repoRootOf(dir: string): string | undefined {
  let current = resolve(dir)
  for (;;) {
    if (existsSync(resolve(current, '.git'))) return current
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

/**
 * How a file is named in findings: relative to the repository root that holds it (what
 * annotations and SARIF expect), else to `cwd`, with forward slashes.
 */
export function displayPath(absolute: string, cwd: string): string {
  const root = repoRootOf(dirname(absolute)) ?? cwd
  let rel = relative(root, absolute)
  if (rel.startsWith('..') || isAbsolute(rel)) rel = relative(cwd, absolute)
  if (rel.startsWith('..') || isAbsolute(rel)) rel = absolute
  return rel.split(sep).join('/')
}

