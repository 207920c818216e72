import { isMap, isScalar, type Document, type LineCounter } from 'yaml'

/**
 * Where each resource is written: the line of its logical id under Resources. Findings on a
 * template point there (a template has no diff, so there is no better place).
 */
export function logicalIdLines(text: string, doc: Document | undefined, lineCounter: LineCounter): (logicalId: string) => number | undefined {
  const resourcesNode = doc ? doc.get('Resources', true) : undefined
  return (logicalId: string): number | undefined => {
    if (isMap(resourcesNode)) {
      for (const pair of resourcesNode.items) {
        if (isScalar(pair.key) && String(pair.key.value) === logicalId && pair.key.range) {
          return lineCounter.linePos(pair.key.range[0]).line
        }
      }
    }
    // Fallback for templates the YAML parser refused: the first `"LogicalId":` after "Resources".
    const start = text.search(/"Resources"\s*:/)
    if (start < 0) return undefined
    const at = text.slice(start).search(new RegExp(`"${logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`))
    return at < 0 ? undefined : text.slice(0, start + at).split('\n').length
  }
}
