import { main } from '../../src/cli/main.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `cargo-redshift-guard <argv>` in this process and keeps what it writes (not a terminal: no colour, no progress). */
export async function runCli(argv: string[], context: Parameters<typeof main>[2] = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const sink = (append: (s: string) => void) => ({ isTTY: false, write: (s: string | Uint8Array) => (append(String(s)), true) })
  const io = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) } as unknown as NonNullable<Parameters<typeof main>[1]>
  const code = await main(argv, io, context)
  return { code, stdout, stderr }
}
