/** RFC 6901 JSON pointers over the account state. */

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new Error(`'${pointer}' is not a JSON pointer (it must start with '/')`)
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

export function resolvePointer(document: unknown, pointer: string): unknown {
  let node: unknown = document
  for (const segment of parsePointer(pointer)) {
    // Own members only: '__proto__' or 'constructor' must not resolve to something inherited.
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

// A '*' segment (in rules' 'reads') stands for any one segment, as in /iam/role/policies/<any>/arn.
function segmentsMatch(a: string, b: string): boolean {
  return a === b || a === '*' || b === '*'
}

/** True when one pointer is the other or lies below it: reading either touches both. */
export function pointersOverlap(a: string, b: string): boolean {
  const pa = parsePointer(a)
  const pb = parsePointer(b)
  const n = Math.min(pa.length, pb.length)
  for (let i = 0; i < n; i++) if (!segmentsMatch(pa[i]!, pb[i]!)) return false
  return true
}

/** True when `ancestor` is `pointer` or lies above it. */
export function pointerContains(ancestor: string, pointer: string): boolean {
  const pa = parsePointer(ancestor)
  const pp = parsePointer(pointer)
  return pa.length <= pp.length && pa.every((s, i) => segmentsMatch(s, pp[i]!))
}
