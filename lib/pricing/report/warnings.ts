/**
 * The price lookup's warnings, grouped for a quiet synth: each once, the ones about one environment under it (they
 * become that stack's annotations), the rest (snapshot age, feeds, a region's missing prices) printed once under the
 * environments they concern.
 */
export interface GroupedWarnings {
  /** Per environment: its own warnings, for the stack's annotations. */
  readonly byEnvironment: ReadonlyMap<string, readonly string[]>;
  /** Lines to print at synth: a heading per group, each warning once. */
  readonly printed: readonly string[];
}

export function groupPricingWarnings(warnings: readonly string[], envs: readonly { readonly name: string; readonly region: string }[]): GroupedWarnings {
  const unique = [...new Set(warnings)];
  const byEnvironment = new Map<string, string[]>(envs.map((e) => [e.name, []]));
  const shared: string[] = [];
  for (const w of unique) {
    const env = envs.find((e) => w.startsWith(`pricing: ${e.name}:`));
    if (env) byEnvironment.get(env.name)!.push(w);
    else shared.push(w);
  }
  const printed: string[] = [];
  if (shared.length) {
    const regions = [...new Set(envs.map((e) => e.region))];
    const scope = regions.map((r) => `${r}: ${envs.filter((e) => e.region === r).map((e) => e.name).join(', ')}`).join('; ');
    printed.push(`pricing warnings (${scope}):`, ...shared.map((w) => `  - ${w.replace(/^pricing: /, '')}`));
  }
  for (const [name, list] of byEnvironment) {
    if (list.length) printed.push(`pricing warnings (${name}, also on its stack):`, ...list.map((w) => `  - ${w.replace(`pricing: ${name}: `, '')}`));
  }
  return { byEnvironment, printed };
}
