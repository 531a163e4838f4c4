import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate the user most likely meant, or undefined when nothing is close enough
 * to be worth suggesting (a wild guess is worse than the plain list).
 */
export function didYouMean(typed: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const sameLetters = candidates.find((c) => c.toLowerCase() === typed.toLowerCase());
  if (sameLetters !== undefined) return sameLetters;
  const best = closest(typed, [...candidates]);
  const tolerance = Math.max(2, Math.floor(best.length / 3));
  return distance(typed.toLowerCase(), best.toLowerCase()) <= tolerance ? best : undefined;
}
