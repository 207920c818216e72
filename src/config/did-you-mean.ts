import leven, { closestMatch } from 'leven'

/** The nearest of `candidates` to a misspelt `word`, when it is near enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const best = closestMatch(word, candidates)
  if (best === undefined) return undefined
  const distance = leven(word, best)
  return distance <= Math.max(2, Math.floor(best.length / 4)) || best.startsWith(word) || word.startsWith(best) ? best : undefined
}
