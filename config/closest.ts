/**
 * The candidate closest to `word`, when it is close enough to be what was meant: a typo (`schedul` -> `schedule`,
 * `fallbak` -> `fallback`), a case slip (`Schedule`), a swap of two letters (`shcedule`), or a field name without
 * its unit (`warmup` -> `warmupSeconds`, `drainTimeout` -> `drainTimeoutSeconds`: the one candidate it begins).
 * Ties go to the earlier candidate. Undefined when nothing is close: then a message lists the candidates instead.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    // About one edit per three letters: `metrc` -> `metric` (1 of 6) is a typo, `tags` -> `name` (3 of 4) is not.
    const allowed = Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3));
    if (distance <= allowed && (!best || distance < best.distance)) best = { candidate, distance };
  }
  if (best) return best.candidate;
  // A unit suffix left out: only when the word is long enough to mean something and begins one candidate alone.
  const lower = word.toLowerCase();
  const extended = lower.length >= 4 ? candidates.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  return extended.length === 1 ? extended[0] : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of adjacent letters. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
