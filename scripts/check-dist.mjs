// Fails when dist/ is not what `npm run build` makes from the committed sources.
import { execFileSync } from 'node:child_process'

execFileSync('node', ['scripts/bundle.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] })
const changed = execFileSync('git', ['status', '--porcelain', '--', 'dist'], { encoding: 'utf8' }).trim()
if (changed) {
  console.error(`dist/ is stale: rebuild with 'npm run build' and commit it.\n${changed}`)
  process.exit(1)
}
console.log('dist/ is up to date')
