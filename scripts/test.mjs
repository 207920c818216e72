// Runs the whole vitest suite and ends with one plain line, 'N passed, N failed',
// that any CI log reader understands; exits non-zero when a test failed or none ran.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const out = join(mkdtempSync(join(tmpdir(), 'crg-test-')), 'results.json')
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit'
})
let passed = 0
let failed = 0
let skipped = 0
try {
  const results = JSON.parse(readFileSync(out, 'utf8'))
  passed = results.numPassedTests
  failed = results.numFailedTests
  skipped = results.numPendingTests + results.numTodoTests
} catch {
  failed = failed || 1
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(run.status !== 0 || failed > 0 || passed === 0 ? 1 : 0)
