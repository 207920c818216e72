// The action's entry point: everything else lives in main.ts so tests can import run() without side effects.
import { run } from './main.js'

await run()
