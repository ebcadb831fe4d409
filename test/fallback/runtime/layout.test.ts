import * as fs from 'fs';
import * as path from 'path';

// Issue 10's rules for the controller's code: nothing reachable from lib/fallback/runtime/ imports aws-cdk-lib or
// constructs (the bundle must not carry them), and no file of the fallback concern is over 500 lines.
const ROOT = path.join(__dirname, '../../..');
const RUNTIME = path.join(ROOT, 'lib/fallback/runtime');

function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|require\('([^']+)'\)/gm)].map((m) => m[1] ?? m[2]);
}

/** Every file reachable from the runtime folder through relative imports, with what each imports. */
function reachable(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = fs.readdirSync(RUNTIME).filter((f) => f.endsWith('.ts')).map((f) => path.join(RUNTIME, f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const specs = importsOf(file);
    seen.set(file, specs);
    for (const spec of specs.filter((s) => s.startsWith('.'))) queue.push(`${path.resolve(path.dirname(file), spec)}.ts`);
  }
  return seen;
}

test('nothing the controller runtime reaches imports aws-cdk-lib or constructs', () => {
  const files = reachable();
  expect([...files.keys()].map((f) => path.relative(ROOT, f))).toEqual(expect.arrayContaining([
    'lib/fallback/runtime/handler.ts', 'lib/shared/fallback-env.ts', 'lib/shared/metric-names.ts', 'lib/shared/fleet-tag.ts',
  ]));
  const offending = [...files].flatMap(([file, specs]) => specs
    .filter((s) => s === 'constructs' || s === 'aws-cdk-lib' || s.startsWith('aws-cdk-lib/'))
    .map((s) => `${path.relative(ROOT, file)} imports ${s}`));
  expect(offending).toEqual([]);
});

test('the import scan sees a construct import (the check above can fail)', () => {
  expect(importsOf(path.join(ROOT, 'lib/fallback/on-demand-fallback.ts'))).toEqual(expect.arrayContaining(['aws-cdk-lib', 'constructs']));
});

test('no file of the fallback concern is over 500 lines', () => {
  const files = [
    ...fs.readdirSync(path.join(ROOT, 'lib/fallback')).filter((f) => f.endsWith('.ts')).map((f) => path.join(ROOT, 'lib/fallback', f)),
    ...fs.readdirSync(RUNTIME).map((f) => path.join(RUNTIME, f)),
  ];
  const long = files.map((f) => ({ file: path.relative(ROOT, f), lines: fs.readFileSync(f, 'utf8').split('\n').length })).filter((f) => f.lines > 500);
  expect(long).toEqual([]);
});
