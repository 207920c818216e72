import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { isNode, LineCounter, parseDocument, type Document } from 'yaml'
import { ConfigError, type ConfigLocation } from './problems.js'
import { parsePointer } from './pointer.js'

/**
 * A YAML or JSON file parsed with positions, so that any problem found later
 * (schema violations, unknown ids) can be reported at file:line:column.
 */
export interface LocatedDocument {
  file: string
  value: unknown
  /** The location of the node at a JSON pointer, or of its nearest existing ancestor. */
  locate(pointer: string): ConfigLocation
}

const MAX_BYTES = 1024 * 1024

export function readLocatedDocument(file: string, displayName = file, input?: string): LocatedDocument {
  let text: string
  try {
    text = readBounded(file)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message
    throw new ConfigError([{ where: { file: displayName, ...(input ? { input } : {}) }, message: why }])
  }
  return parseLocatedDocument(text, displayName)
}

/**
 * Reads at most MAX_BYTES + 1 bytes of a regular file. A device or FIFO (/dev/zero, a pipe)
 * never ends, so it is refused before reading; a large file is refused without being read whole.
 */
function readBounded(file: string): string {
  // stat before open: opening a FIFO for reading would block until a writer comes.
  const stat = statSync(file)
  if (stat.isDirectory()) throw new Error('is a directory, not a file')
  if (!stat.isFile()) throw new Error('is not a regular file (a device or pipe never ends)')
  if (stat.size > MAX_BYTES) throw new Error(`is larger than ${MAX_BYTES} bytes`)
  const fd = openSync(file, 'r')
  try {
    // The size can change between stat and read: never read more than the limit allows.
    const buffer = Buffer.alloc(MAX_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
    }
    if (length > MAX_BYTES) throw new Error(`is larger than ${MAX_BYTES} bytes`)
    return buffer.subarray(0, length).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

export function parseLocatedDocument(text: string, file: string): LocatedDocument {
  if (Buffer.byteLength(text) > MAX_BYTES) {
    throw new ConfigError([{ where: { file }, message: `is larger than ${MAX_BYTES} bytes` }])
  }
  if (text.trim() === '') throw new ConfigError([{ where: { file, line: 1, column: 1 }, message: 'is empty' }])
  const lineCounter = new LineCounter()
  // JSON is YAML 1.2; one parser gives positions for both.
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  const syntax = [...doc.errors]
  if (syntax.length > 0) {
    throw new ConfigError(
      syntax.map((e) => {
        const pos = lineCounter.linePos(e.pos[0])
        return {
          where: { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
          message: `${/\.json$/i.test(file) ? 'JSON' : 'YAML'} syntax: ${e.message.split('\n')[0]}`
        }
      })
    )
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new ConfigError([{ where: { file }, message: (err as Error).message }])
  }
  return {
    file,
    value,
    locate(pointer: string): ConfigLocation {
      let segments: string[]
      try {
        segments = parsePointer(pointer)
      } catch {
        segments = []
      }
      for (let n = segments.length; n >= 0; n--) {
        const path = segments.slice(0, n).map((s) => (/^\d+$/.test(s) ? Number(s) : s))
        const node = n === 0 ? doc.contents : doc.getIn(path, true)
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0])
          return { file, line: pos.line, column: pos.col, pointer }
        }
      }
      return { file, pointer }
    }
  }
}
