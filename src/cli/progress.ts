import type { ProgressEvent } from '../run.js'

interface Stream {
  write(text: string): unknown
  isTTY?: boolean
}

/**
 * Progress on a terminal's stderr while an audit runs: which phase, and for how long, on one
 * line rewritten in place and cleared at the end, so stdout keeps only the report. Nothing at
 * all when stderr is not a terminal (CI logs, pipes).
 */
export function terminalProgress(stream: Stream, now: () => number = Date.now): { onProgress?: (event: ProgressEvent) => void; stop(): void } {
  if (!stream.isTTY) return { stop() {} }
  let phase = ''
  let started = now()
  let timer: NodeJS.Timeout | undefined
  const draw = () => stream.write(`\r\u001b[2K${phase} ${Math.floor((now() - started) / 1000)}s`)
  const stop = () => {
    if (timer) clearInterval(timer)
    timer = undefined
    stream.write('\r\u001b[2K')
  }
  return {
    onProgress(event) {
      if (event.phase === 'done') return stop()
      phase = describeProgress(event)
      started = now()
      draw()
      if (!timer) {
        timer = setInterval(draw, 500)
        timer.unref()
      }
    },
    stop
  }
}

export function describeProgress(event: ProgressEvent): string {
  switch (event.phase) {
    case 'collect':
      return `reading ${event.source}${event.target ? ` (${event.target})` : ''}…`
    case 'evaluate':
      return `judging ${event.rules} rule(s)…`
    case 'done':
      return 'done'
  }
}
