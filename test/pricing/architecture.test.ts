import * as fs from 'fs';
import * as path from 'path';

// The import rules of lib/pricing, read from the source: it never reads the app's config, the estimate is pure,
// the report does no lookups, and nothing imports in a circle.

const ROOT = path.join(__dirname, '..', '..');
const PRICING = path.join(ROOT, 'lib', 'pricing');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Static imports, re-exports and dynamic `import()`, type-only ones included: a type import still ties the modules.
const IMPORT = /(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Each file's imports: relative ones resolved to a file path (relative to the repo), packages as written. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) return spec;
    const base = path.resolve(path.dirname(file), spec);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c)) ?? base;
    return path.relative(ROOT, hit).split(path.sep).join('/');
  });
}

const files = tsFiles(PRICING);
const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
const graph = new Map(files.map((f) => [rel(f), importsOf(f)]));
const importsUnder = (dir: string) => [...graph].filter(([f]) => f.startsWith(dir)).flatMap(([f, deps]) => deps.map((d) => `${f} -> ${d}`));

test('lib/pricing reads no app config, stack or entry point', () => {
  expect(importsUnder('lib/pricing/').filter((l) => / -> (config|bin|lib\/stacks)\//.test(l))).toEqual([]);
});

test('the estimate is pure: no I/O, no AWS, no lookups, no report, no schedule construct', () => {
  const io = / -> (fs|path|os|child_process|http|https|net|zod|@aws-sdk\/.*|aws-cdk-lib.*|constructs|lib\/pricing\/(lookup|report)\/.*|lib\/schedule\/.*)$/;
  expect(importsUnder('lib/pricing/estimate/').filter((l) => io.test(l))).toEqual([]);
});

test('the report does no lookups', () => {
  expect(importsUnder('lib/pricing/report/').filter((l) => / -> (lib\/pricing\/lookup\/.*|@aws-sdk\/.*)$/.test(l))).toEqual([]);
});

test('no import cycle in lib/pricing', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  expect(cycles).toEqual([]);
});

test('no file in lib/pricing over 500 lines', () => {
  const long = files.map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 500);
  expect(long).toEqual([]);
});

test('the rules see the imports they check', () => {
  // Guards the parser above: a rule that finds no imports would pass on anything.
  expect(graph.get('lib/pricing/estimate/fleet-shape.ts')).toContain('lib/catalog/gpu-instance-types.ts');
  expect(graph.get('lib/pricing/lookup/aws-source.ts')).toContain('lib/pricing/lookup/aws-clients.ts');
  expect(graph.get('lib/pricing/report/json.ts')).toEqual(expect.arrayContaining(['fs', 'zod']));
});
