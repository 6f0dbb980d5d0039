// "Did you mean …?": the nearest of a few known words (command names, option keys, help topics) to what
// was typed, by edit distance (fastest-levenshtein). A typed word that starts a known one ("prio" for
// "priority") counts as near; otherwise at most 1 edit for words of up to 3 letters, 2 for longer ones.
import { distance } from "fastest-levenshtein";

/** The known word nearest to `typed` (compared lower-case), or undefined when none is near enough. */
export function nearest(typed: string, known: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  if (!word || known.includes(word)) return undefined;
  if (word.length >= 3) {
    const starts = known.filter((k) => k.startsWith(word));
    if (starts.length === 1) return starts[0];
  }
  const limit = word.length <= 3 ? 1 : 2;
  let best: { word: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(word, k);
    if (d <= limit && (!best || d < best.d)) best = { word: k, d };
  }
  return best?.word;
}
