/** How config messages show values and paths: `staging.fleet.instanceTypes[1] ("m5.xlarge") ...`. */

/** A value as JSON, cut at 60 characters; `missing` for a field that is not there. */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `dev` + `['fleet', 'instanceTypes', 1]` -> `dev.fleet.instanceTypes[1]`. */
export function fieldPath(envName: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), envName);
}

/** The value at `path` in `root`, or undefined where the path leaves the data. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
