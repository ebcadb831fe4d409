import * as fs from 'fs';
import * as path from 'path';
import { KNOWN_WARNING_IDS, WARNING_IDS } from '../../lib/shared/warning-ids';

// lib/shared/warning-ids.ts is the one list of synth warning ids: what config `acknowledge` accepts must be what the
// code can emit, so every id is used by some construct (through WARNING_IDS) and no id is spelled out anywhere else.
const ROOT = path.join(__dirname, '..', '..');

function libFiles(dir = 'lib'): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? libFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []);
}

const sources = new Map(libFiles().filter((f) => f !== 'lib/shared/warning-ids.ts').map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));

test('ids are gpu-fleet:<camelCase>, each once', () => {
  for (const id of KNOWN_WARNING_IDS) expect(id).toMatch(/^gpu-fleet:[a-z][A-Za-z]+$/);
  expect(new Set(KNOWN_WARNING_IDS).size).toBe(KNOWN_WARNING_IDS.length);
});

test('every id is emitted somewhere in lib/ (through WARNING_IDS)', () => {
  const unused = Object.keys(WARNING_IDS).filter((key) => ![...sources.values()].some((text) => text.includes(`WARNING_IDS.${key}`)));
  expect(unused).toEqual([]);
});

test('no warning id is spelled out elsewhere in lib/ (as a string literal; docs may name them)', () => {
  const literals = [...sources].flatMap(([file, text]) => [...text.matchAll(/['"]gpu-fleet:\w+/g)].map((m) => `${file}: ${m[0]}`));
  expect(literals).toEqual([]);
  // The scan can fail: the list itself spells every id out.
  expect(fs.readFileSync(path.join(ROOT, 'lib/shared/warning-ids.ts'), 'utf8').match(/'gpu-fleet:\w+/g)).toHaveLength(KNOWN_WARNING_IDS.length);
});
