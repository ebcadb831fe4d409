import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The import rules of docs/architecture.md, checked on the source (not on a picture of it):
 * - dependencies point one way: bin -> config -> lib/stacks -> lib/<concern> -> lib/catalog, lib/shared;
 * - no lib/<concern> imports config/ (only lib/stacks, the app's composition, reads the app's config);
 * - Lambda runtime code (lib/<concern>/runtime/) never imports aws-cdk-lib or constructs;
 * - no import cycle; no file in lib/ over 500 lines.
 */
const ROOT = path.join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Module specifiers a file imports or re-exports (type-only imports included: they still tie the layers). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** A relative specifier resolved to a project file (`lib/x/y.ts` or `lib/x/index.ts`), else undefined. */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.normalize(path.join(path.dirname(from), spec));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
  }
  return undefined;
}

const files = [...sourceFiles('lib'), ...sourceFiles('config'), ...sourceFiles('bin')];
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const localGraph = new Map(files.map((f) => [f, graph.get(f)!.map((s) => resolveLocal(f, s)).filter((x): x is string => !!x)]));

const layerOf = (file: string): string => {
  const parts = file.split(path.sep);
  if (parts[0] !== 'lib') return parts[0];
  return parts.length > 2 ? `lib/${parts[1]}` : 'lib';
};

describe('import rules', () => {
  test('the rules see the code (not vacuous)', () => {
    expect(files.filter((f) => f.startsWith('lib')).length).toBeGreaterThan(40);
    expect([...localGraph.values()].flat().length).toBeGreaterThan(100);
  });

  test('no lib/<concern> imports config/ (only lib/stacks and bin/ read the app\'s config)', () => {
    const offenders = [...localGraph].flatMap(([file, deps]) =>
      file.startsWith(`lib${path.sep}`) && layerOf(file) !== 'lib/stacks'
        ? deps.filter((d) => d.startsWith(`config${path.sep}`)).map((d) => `${file} -> ${d}`)
        : []);
    expect(offenders).toEqual([]);
  });

  test('config/ imports only lib/catalog and lib/shared from the library', () => {
    const offenders = [...localGraph].flatMap(([file, deps]) =>
      file.startsWith(`config${path.sep}`)
        ? deps.filter((d) => d.startsWith(`lib${path.sep}`) && !['lib/catalog', 'lib/shared'].includes(layerOf(d))).map((d) => `${file} -> ${d}`)
        : []);
    expect(offenders).toEqual([]);
  });

  test('lib/catalog and lib/shared import no other concern (they are the bottom layer)', () => {
    const offenders = [...localGraph].flatMap(([file, deps]) =>
      ['lib/catalog', 'lib/shared'].includes(layerOf(file))
        ? deps.filter((d) => !['lib/catalog', 'lib/shared'].includes(layerOf(d))).map((d) => `${file} -> ${d}`)
        : []);
    expect(offenders).toEqual([]);
  });

  test('nothing in the library imports lib/stacks (the composition is the top of lib/)', () => {
    const offenders = [...localGraph].flatMap(([file, deps]) =>
      file.startsWith(`lib${path.sep}`) && layerOf(file) !== 'lib/stacks'
        ? deps.filter((d) => layerOf(d) === 'lib/stacks').map((d) => `${file} -> ${d}`)
        : []);
    expect(offenders).toEqual([]);
  });

  test('Lambda runtime code never imports aws-cdk-lib or constructs, nor a file that does', () => {
    const runtimeFiles = files.filter((f) => f.split(path.sep).includes('runtime'));
    expect(runtimeFiles.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const file of runtimeFiles) {
      // Follow local imports transitively: a bundle contains everything reachable from its entry.
      const seen = new Set<string>();
      const stack = [file];
      while (stack.length) {
        const f = stack.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        for (const spec of graph.get(f) ?? importsOf(f)) {
          if (spec === 'aws-cdk-lib' || spec.startsWith('aws-cdk-lib/') || spec === 'constructs') offenders.push(`${file} reaches ${f} -> ${spec}`);
        }
        stack.push(...(localGraph.get(f) ?? []));
      }
    }
    expect([...new Set(offenders)]).toEqual([]);
  });

  test('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      for (const d of localGraph.get(f) ?? []) visit(d, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  test('no file in lib/ is over 500 lines', () => {
    const long = files
      .filter((f) => f.startsWith(`lib${path.sep}`))
      .map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 500)
      .map(([f, lines]) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  test('lib/index.ts (the library\'s public surface) exports no app config', () => {
    const reachable = new Set<string>();
    const stack = ['lib/index.ts'];
    while (stack.length) {
      const f = stack.pop()!;
      if (reachable.has(f)) continue;
      reachable.add(f);
      stack.push(...(localGraph.get(f) ?? []));
    }
    expect([...reachable].filter((f) => f.startsWith(`config${path.sep}`))).toEqual([]);
  });
});
