#!/usr/bin/env node
// The CLI's entry point; main() lives apart so tests can call it without running it.
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
