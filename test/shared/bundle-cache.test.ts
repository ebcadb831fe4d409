import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BundleBuild, cachedBundle } from '../../lib/shared/bundle-cache';

// The Lambda bundle cache: a bundle is reused only while every input file, the lock file, tsconfig.json and the build
// key are unchanged; anything broken is a miss, never a wrong bundle.

let root: string;
let builds: number;

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{}');
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'handler.ts'), 'export const a = 1;');
  fs.writeFileSync(path.join(dir, 'src', 'helper.ts'), 'export const b = 2;');
  // Written an hour ago: a build caches only inputs that did not change shortly before or during it.
  for (const f of ['package-lock.json', 'tsconfig.json', 'src/handler.ts', 'src/helper.ts']) age(dir, f);
  return dir;
}

function age(dir: string, file: string, seconds = 3600): void {
  const t = new Date(Date.now() - seconds * 1000);
  fs.utimesSync(path.join(dir, file), t, t);
}

const records = () => {
  const dir = path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
};

// A stand-in for esbuild: the output is the concatenated inputs, so a stale cache hit would show in the bytes.
function build(inputs = ['src/handler.ts', 'src/helper.ts']): () => BundleBuild {
  return () => {
    builds++;
    const text = inputs.map((i) => fs.readFileSync(path.join(root, i), 'utf8')).join('\n');
    return { files: [{ name: 'index.js', contents: Buffer.from(text) }, { name: 'index.js.map', contents: Buffer.from('{}') }], inputs };
  };
}

const run = (key: unknown = ['esbuild 0.25', { minify: true }], b = build()) =>
  cachedBundle({ projectRoot: root, key }, b).map((f) => `${f.name}:${Buffer.from(f.contents).toString()}`);

beforeEach(() => {
  root = project();
  builds = 0;
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('the second bundle with unchanged inputs comes from the cache, same bytes', () => {
  const first = run();
  expect(run()).toEqual(first);
  expect(builds).toBe(1);
  expect(fs.readdirSync(path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles'))).toHaveLength(1);
});

test.each<[string, () => void]>([
  ['an input file changes', () => fs.writeFileSync(path.join(root, 'src', 'helper.ts'), 'export const b = 3;')],
  ['an input file is gone', () => fs.rmSync(path.join(root, 'src', 'helper.ts'))],
  ['package-lock.json changes (a dependency moved)', () => fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"x":1}')],
  ['tsconfig.json changes', () => fs.writeFileSync(path.join(root, 'tsconfig.json'), '{"compilerOptions":{}}')],
  ['the record is corrupt', () => {
    const dir = path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles');
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), '{"inputs":');
  }],
  ['the record names a file outside its directory', () => {
    const dir = path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles');
    for (const f of fs.readdirSync(dir)) {
      const record = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      record.files[0].name = '../escape.js';
      fs.writeFileSync(path.join(dir, f), JSON.stringify(record));
    }
  }],
])('rebuilt when %s', (_name, change) => {
  run();
  change();
  if (fs.existsSync(path.join(root, 'src', 'helper.ts'))) {
    const again = run();
    expect(builds).toBe(2);
    expect(again[0]).toBe(`index.js:${fs.readFileSync(path.join(root, 'src', 'handler.ts'), 'utf8')}\n${fs.readFileSync(path.join(root, 'src', 'helper.ts'), 'utf8')}`);
  } else {
    run(undefined, build(['src/handler.ts']));
    expect(builds).toBe(2);
  }
});

test('an input saved while the build runs is not cached: the next synth builds again and gets the new bytes', () => {
  const first = run(undefined, () => {
    const out = build()();
    // The editor saves helper.ts after esbuild read it: the record would pair the new hash with the old output.
    fs.writeFileSync(path.join(root, 'src', 'helper.ts'), 'export const b = 3;');
    return out;
  });
  expect(first[0]).toBe('index.js:export const a = 1;\nexport const b = 2;');
  expect(records()).toEqual([]);
  expect(run()[0]).toBe('index.js:export const a = 1;\nexport const b = 3;');
  expect(builds).toBe(2);
});

test('an input changed just before the build (within the mtime margin) is not cached; an older one is', () => {
  age(root, 'src/helper.ts', 1);
  run();
  expect(records()).toEqual([]);
  age(root, 'src/helper.ts', 3);
  run();
  expect(records()).toHaveLength(1);
  run();
  expect(builds).toBe(2);
});

test('a record whose output no longer matches its hash is a miss, never a broken bundle', () => {
  run();
  for (const f of records()) {
    const record = JSON.parse(fs.readFileSync(f, 'utf8'));
    record.files[0].base64 = Buffer.from('syntax error {{{').toString('base64');
    fs.writeFileSync(f, JSON.stringify(record));
  }
  expect(run()[0]).toBe('index.js:export const a = 1;\nexport const b = 2;');
  expect(builds).toBe(2);
});

test('another key (build options, esbuild version) is another entry', () => {
  run(['esbuild 0.25', { minify: true }]);
  run(['esbuild 0.25', { minify: false }]);
  run(['esbuild 0.26', { minify: true }]);
  expect(builds).toBe(3);
  run(['esbuild 0.25', { minify: false }]);
  expect(builds).toBe(3);
});

test('an input that cannot be read after the build is not cached (it could not be checked later)', () => {
  run(undefined, () => {
    builds++;
    return { files: [{ name: 'index.js', contents: Buffer.from('x') }], inputs: ['src/handler.ts', '(disabled):fs'] };
  });
  expect(fs.existsSync(path.join(root, 'node_modules', '.cache'))).toBe(false);
});

test('a cache directory that cannot be written still returns the build', () => {
  fs.writeFileSync(path.join(root, 'node_modules'), 'a file where the cache directory would be');
  expect(run()[0]).toBe('index.js:export const a = 1;\nexport const b = 2;');
  expect(run()[0]).toBe('index.js:export const a = 1;\nexport const b = 2;');
  expect(builds).toBe(2);
});
