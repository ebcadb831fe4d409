import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The import rules of docs/architecture.md, checked on the source (not on a picture of it):
 * - dependencies point one way: bin -> config -> lib/stacks -> lib/<concern> -> lib/catalog, lib/shared;
 * - no lib/<concern> imports config/ (only lib/stacks, the app's composition, reads the app's config);
 * - config/ imports only lib/catalog and lib/shared from the library; those two import no other concern;
 * - nothing in lib/ imports lib/stacks, nothing imports bin/;
 * - Lambda runtime code (lib/<concern>/runtime/) never reaches aws-cdk-lib or constructs;
 * - the cost estimate is pure (no I/O, no lookups), the report does no lookups;
 * - no import cycle; no file in lib/ over 500 lines; lib/index.ts reaches no config.
 * Each rule is a function of the import graph, run on the real one (must pass) and on the real one with one forbidden
 * import added (must fail), so no rule passes because it sees nothing.
 */
const ROOT = path.join(__dirname, '..');
const MAX_LINES = 500;

/** Repo-relative paths with forward slashes, whatever the OS. */
const rel = (p: string) => p.split(path.sep).join('/');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Module specifiers a file imports or re-exports, `import()` and `require` included, type-only imports too (they still tie the layers). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** A relative specifier resolved to a project file (`lib/x/y.ts` or `lib/x/index.ts`), else undefined (a package). */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = rel(path.normalize(path.join(path.dirname(from), spec)));
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => fs.existsSync(path.join(ROOT, candidate)));
}

/** The import graph: packages as written, project files resolved, and each file's length. */
interface Graph {
  readonly files: readonly string[];
  readonly packages: ReadonlyMap<string, readonly string[]>;
  readonly local: ReadonlyMap<string, readonly string[]>;
  readonly lines: ReadonlyMap<string, number>;
}

function readGraph(): Graph {
  const files = ['lib', 'config', 'bin', 'scripts', 'bench'].flatMap(sourceFiles);
  const specs = new Map(files.map((f) => [f, importsOf(f)]));
  return {
    files,
    packages: new Map(files.map((f) => [f, specs.get(f)!.filter((s) => !s.startsWith('.'))])),
    local: new Map(files.map((f) => [f, specs.get(f)!.map((s) => resolveLocal(f, s)).filter((x): x is string => !!x)])),
    lines: new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length])),
  };
}

/** `lib/fleet/gpu-fleet.ts` -> `lib/fleet`; `lib/index.ts` -> `lib`; `config/schema.ts` -> `config`. */
const layerOf = (file: string): string => {
  const parts = file.split('/');
  if (parts[0] !== 'lib') return parts[0];
  return parts.length > 2 ? `lib/${parts[1]}` : 'lib';
};
const BOTTOM = ['lib/catalog', 'lib/shared'];
const inLib = (f: string) => f.startsWith('lib/');
const isCdk = (spec: string) => spec === 'aws-cdk-lib' || spec.startsWith('aws-cdk-lib/') || spec === 'constructs';

/** `file -> dep` for every local import of the files `from` selects that `bad` forbids. */
const edges = (g: Graph, from: (f: string) => boolean, bad: (dep: string, file: string) => boolean) =>
  [...g.local].flatMap(([file, deps]) => (from(file) ? deps.filter((d) => bad(d, file)).map((d) => `${file} -> ${d}`) : []));

/** Every project file reachable from `start`, `start` included. */
function reachable(g: Graph, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...(g.local.get(f) ?? []));
  }
  return seen;
}

const RULES = {
  /** Only lib/stacks (the composition) reads the app's config; every other part of lib/ takes CDK types and its own props. */
  'no lib/<concern> imports config/': (g: Graph) =>
    edges(g, (f) => inLib(f) && layerOf(f) !== 'lib/stacks', (d) => d.startsWith('config/')),

  /** Config validation shares facts (GPU types, regions) and semantics (schedules) with the constructs, nothing else. */
  'config/ imports only lib/catalog and lib/shared from the library': (g: Graph) =>
    edges(g, (f) => f.startsWith('config/'), (d) => inLib(d) && !BOTTOM.includes(layerOf(d))),

  'lib/catalog and lib/shared import no other concern (they are the bottom layer)': (g: Graph) =>
    edges(g, (f) => BOTTOM.includes(layerOf(f)), (d) => !BOTTOM.includes(layerOf(d))),

  'nothing in lib/ imports lib/stacks (the composition is the top of lib/)': (g: Graph) =>
    edges(g, (f) => inLib(f) && layerOf(f) !== 'lib/stacks', (d) => layerOf(d) === 'lib/stacks'),

  'nothing imports bin/ (the entry point)': (g: Graph) => edges(g, () => true, (d) => d.startsWith('bin/')),

  /** A Lambda bundle holds everything its entry reaches: aws-cdk-lib there would be megabytes of dead weight. */
  'Lambda runtime code never reaches aws-cdk-lib or constructs': (g: Graph) =>
    g.files.filter((f) => f.split('/').includes('runtime')).flatMap((file) =>
      [...reachable(g, file)].flatMap((f) => (g.packages.get(f) ?? []).filter(isCdk).map((spec) => `${file} reaches ${f} -> ${spec}`))),

  /** The estimate prices what it is given: no files, network, AWS, schema parsing, lookups, report or construct. */
  'the cost estimate is pure': (g: Graph) => {
    const estimate = (f: string) => f.startsWith('lib/pricing/estimate/');
    const io = /^(fs|path|os|child_process|http|https|net|zod|@aws-sdk\/.*|aws-cdk-lib.*|constructs)$/;
    return [
      ...[...g.packages].flatMap(([f, specs]) => (estimate(f) ? specs.filter((s) => io.test(s)).map((s) => `${f} -> ${s}`) : [])),
      ...edges(g, estimate, (d) => /^lib\/(pricing\/(lookup|report)|schedule)\//.test(d)),
    ];
  },

  'the cost report does no lookups': (g: Graph) => {
    const report = (f: string) => f.startsWith('lib/pricing/report/');
    return [
      ...[...g.packages].flatMap(([f, specs]) => (report(f) ? specs.filter((s) => s.startsWith('@aws-sdk/')).map((s) => `${f} -> ${s}`) : [])),
      ...edges(g, report, (d) => d.startsWith('lib/pricing/lookup/')),
    ];
  },

  'no import cycle': (g: Graph) => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      for (const d of g.local.get(f) ?? []) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of g.files) visit(f, []);
    return cycles;
  },

  [`no file in lib/ over ${MAX_LINES} lines`]: (g: Graph) =>
    [...g.lines].filter(([f, n]) => inLib(f) && n > MAX_LINES).map(([f, n]) => `${f}: ${n} lines`),

  /** The library's public surface: a consumer of the constructs gets no app config type, directly or through a re-export. */
  'lib/index.ts reaches no config/': (g: Graph) => [...reachable(g, 'lib/index.ts')].filter((f) => f.startsWith('config/')),
} satisfies Record<string, (g: Graph) => string[]>;

/** The real graph plus one import, `from` importing `to` (a project file or a package). */
function withImport(g: Graph, from: string, to: string): Graph {
  const add = <T>(m: ReadonlyMap<string, readonly T[]>, v: T) => new Map([...m, [from, [...(m.get(from) ?? []), v]]]);
  return to.includes('/') && fs.existsSync(path.join(ROOT, to))
    ? { ...g, local: add(g.local, to) }
    : { ...g, packages: add(g.packages, to) };
}

const graph = readGraph();

describe('import rules', () => {
  test('the graph sees the code', () => {
    expect(graph.files.filter(inLib).length).toBeGreaterThan(100);
    expect([...graph.local.values()].flat().length).toBeGreaterThan(300);
    expect(graph.local.get('lib/pricing/estimate/fleet-shape.ts')).toContain('lib/catalog/gpu-instance-types.ts');
    expect(graph.local.get('lib/pricing/lookup/aws-source.ts')).toContain('lib/pricing/lookup/aws-clients.ts');
    expect(graph.packages.get('lib/pricing/report/json.ts')).toEqual(expect.arrayContaining(['fs', 'zod']));
    expect(graph.local.get('lib/stacks/gpu-fleet-stack.ts')).toContain('config/types.ts');
    expect(graph.local.get('lib/index.ts')).toContain('lib/schedule/index.ts');
  });

  test.each(Object.keys(RULES) as Array<keyof typeof RULES>)('%s', (rule) => {
    expect(RULES[rule](graph)).toEqual([]);
  });

  // One forbidden import per rule, added to the real graph: the rule must name it.
  test.each<[keyof typeof RULES, string, string, string | RegExp]>([
    ['no lib/<concern> imports config/', 'lib/fleet/gpu-fleet.ts', 'config/types.ts', 'lib/fleet/gpu-fleet.ts -> config/types.ts'],
    ['config/ imports only lib/catalog and lib/shared from the library', 'config/validate.ts', 'lib/schedule/hours-per-month.ts',
      'config/validate.ts -> lib/schedule/hours-per-month.ts'],
    ['lib/catalog and lib/shared import no other concern (they are the bottom layer)', 'lib/shared/errors.ts', 'lib/fleet/gpu-fleet.ts',
      'lib/shared/errors.ts -> lib/fleet/gpu-fleet.ts'],
    ['nothing in lib/ imports lib/stacks (the composition is the top of lib/)', 'lib/index.ts', 'lib/stacks/gpu-fleet-stack.ts',
      'lib/index.ts -> lib/stacks/gpu-fleet-stack.ts'],
    ['nothing imports bin/ (the entry point)', 'scripts/cost-check.ts', 'bin/app.ts', 'scripts/cost-check.ts -> bin/app.ts'],
    ['Lambda runtime code never reaches aws-cdk-lib or constructs', 'lib/shared/fallback-env.ts', 'aws-cdk-lib',
      'lib/fallback/runtime/handler.ts reaches lib/shared/fallback-env.ts -> aws-cdk-lib'],
    ['the cost estimate is pure', 'lib/pricing/estimate/components.ts', 'fs', 'lib/pricing/estimate/components.ts -> fs'],
    ['the cost estimate is pure', 'lib/pricing/estimate/components.ts', 'lib/schedule/hours-per-month.ts',
      'lib/pricing/estimate/components.ts -> lib/schedule/hours-per-month.ts'],
    ['the cost report does no lookups', 'lib/pricing/report/model.ts', 'lib/pricing/lookup/resolve.ts', 'lib/pricing/report/model.ts -> lib/pricing/lookup/resolve.ts'],
    // hours-per-month.ts imports weekly-schedule.ts; the cycle is named from whichever of the two the walk meets first.
    ['no import cycle', 'lib/shared/weekly-schedule.ts', 'lib/schedule/hours-per-month.ts',
      /^lib\/(shared\/weekly-schedule|schedule\/hours-per-month)\.ts -> .* -> lib\/(shared\/weekly-schedule|schedule\/hours-per-month)\.ts$/],
    ['lib/index.ts reaches no config/', 'lib/shared/warning-ids.ts', 'config/schema.ts', 'config/schema.ts'],
  ])('%s: fails on %s -> %s', (rule, from, to, offender) => {
    expect(RULES[rule](withImport(graph, from, to))).toEqual(
      expect.arrayContaining([typeof offender === 'string' ? offender : expect.stringMatching(offender)]));
  });

  test(`no file in lib/ over ${MAX_LINES} lines: fails on a long file`, () => {
    const g = { ...graph, lines: new Map([...graph.lines, ['lib/fleet/gpu-fleet.ts', MAX_LINES + 1]]) };
    expect(RULES[`no file in lib/ over ${MAX_LINES} lines`](g)).toEqual([`lib/fleet/gpu-fleet.ts: ${MAX_LINES + 1} lines`]);
  });
});
