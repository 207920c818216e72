// Bundles the action (dist/index.js) and the CLI (dist/cli.js) with esbuild,
// and writes dist/licenses.txt for every package that ends up in the bundle.
import { build } from 'esbuild'
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const root = join(dirname(new URL(import.meta.url).pathname), '..')
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })

const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', cli: 'src/cli/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);" }
})

// Licences of everything bundled; the licence test reads this file.
const packages = new Map()
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//.exec(input)
  if (!match) continue
  const dir = join(root, match[1])
  if (packages.has(dir)) continue
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const licenceFile = existsSync(dir) ? readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f)) : undefined
  packages.set(dir, {
    name: pkg.name,
    version: pkg.version,
    license: typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN'),
    text: licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : ''
  })
}
const sorted = [...packages.values()].sort((a, b) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`))
const unique = sorted.filter((p, i) => i === 0 || `${p.name}@${p.version}` !== `${sorted[i - 1].name}@${sorted[i - 1].version}`)
writeFileSync(
  join(dist, 'licenses.txt'),
  unique.map((p) => `${p.name}@${p.version}\n${p.license}\n\n${p.text || '(no licence file shipped)'}\n`).join('\n-----\n\n')
)
const sizes = readdirSync(dist, { recursive: true })
  .filter((f) => f.endsWith('.js'))
  .map((f) => `${relative(root, join(dist, f))} ${(readFileSync(join(dist, f)).length / 1024).toFixed(0)} KiB`)
console.log(`bundled ${unique.length} packages\n${sizes.join('\n')}`)
