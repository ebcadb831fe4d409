import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSnapshot } from '../../../lib/pricing/lookup/snapshot';
import type { GitUnitSource, PriceSources } from '../../../lib/pricing/lookup/traced-sources';
import { gitDirs, rebuildFromSources } from '../../../scripts/snapshot-from-sources';

// scripts/snapshot-from-sources.ts against a real git repository made here: the recorded commit, blob ids and dates
// are what git says, and the script refuses a file whose content is not the recorded blob.

const ROOT = path.join(__dirname, '..', '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'from-sources-'));
const repo = path.join(dir, 'repo');
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'commit.gpgsign=false', ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_COMMITTER_DATE: '2030-01-02T03:04:05+01:00', GIT_AUTHOR_DATE: '2030-01-02T03:04:05+01:00' },
  }).trim();

// Files in the shape of infracost's golden tests (written for this test).
const GOLDEN = ' Name            Monthly Qty  Unit   Monthly Cost\n\n aws_sqs_queue.q\n └─ Requests    Monthly cost depends on usage: $0.40 per 1M requests\n\n';
const TF = 'provider "aws" {\n  region = "us-east-1"\n}\n\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n';

let commit: string;
let blob: string;
let tfBlob: string;
beforeAll(() => {
  fs.mkdirSync(path.join(repo, 'testdata'), { recursive: true });
  git('init', '-q');
  fs.writeFileSync(path.join(repo, 'testdata', 'sqs.golden'), GOLDEN);
  fs.writeFileSync(path.join(repo, 'testdata', 'sqs.tf'), TF);
  git('add', '.');
  git('commit', '-q', '-m', 'golden');
  commit = git('rev-parse', 'HEAD');
  blob = git('rev-parse', 'HEAD:testdata/sqs.golden');
  tfBlob = git('rev-parse', 'HEAD:testdata/sqs.tf');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const unit = (over: Partial<GitUnitSource> = {}): GitUnitSource => ({
  id: 'test-sqs',
  resource: 'sqs-request',
  region: 'us-east-1',
  usdPerUnit: 0.0000004,
  unit: 'Requests',
  validOn: '2030-01-02',
  repo: 'owner/golden',
  path: 'testdata/sqs.golden',
  commit,
  committedOn: '2030-01-02',
  blob,
  generatedBy: 'a test',
  line: '└─ Requests    Monthly cost depends on usage: $0.40 per 1M requests',
  block: 'aws_sqs_queue.q',
  figure: '$0.40',
  per: 1_000_000,
  rounding: 'none',
  conversion: '$0.40 per 1M requests / 1,000,000 = $0.0000004 per request',
  regionFile: { path: 'testdata/sqs.tf', blob: tfBlob, line: 'region = "us-east-1"' },
  ...over,
});

/** A sources file with only `u`, and a copy of the committed snapshot to rebuild. */
function workspace(u: GitUnitSource) {
  const ws = fs.mkdtempSync(path.join(dir, 'ws-'));
  const sources: PriceSources = { format: 'gpu-spot-fleet/price-sources@1', notes: [], onDemand: [], units: [], unitsFromGitFiles: [u] };
  const paths = { sourcesPath: path.join(ws, 'price-sources.json'), snapshotPath: path.join(ws, 'snapshot.json') };
  fs.writeFileSync(paths.sourcesPath, JSON.stringify(sources));
  fs.copyFileSync(path.join(ROOT, 'pricing', 'snapshot.json'), paths.snapshotPath);
  return { paths, snapshotBefore: fs.readFileSync(paths.snapshotPath, 'utf8') };
}
const dirs = () => gitDirs(['--git', `owner/golden=${repo}`]);

describe('npm run pricing:from-sources, a unit price read from a git file', () => {
  test('the recorded blob at the recorded commit: the snapshot gets the unit entry, quoting the line', () => {
    const { paths } = workspace(unit());
    expect(rebuildFromSources(paths, dirs())).toContain('wrote 0 on-demand and 1 unit prices');
    const units = readSnapshot(paths.snapshotPath).table.units;
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ resource: 'sqs-request', region: 'us-east-1', usdPerUnit: 0.0000004, validOn: '2030-01-02' });
    expect(units[0].origin).toContain(`owner/golden testdata/sqs.golden at commit ${commit} (its last change, committed 2030-01-02; blob ${blob}; `);
  });

  test('refuses a file whose blob at the commit is not the recorded one, and leaves the snapshot as it was', () => {
    const other = 'f'.repeat(40);
    const { paths, snapshotBefore } = workspace(unit({ blob: other }));
    expect(() => rebuildFromSources(paths, dirs())).toThrow(`test-sqs: owner/golden testdata/sqs.golden at ${commit} is blob ${blob}, not the recorded ${other}`);
    expect(fs.readFileSync(paths.snapshotPath, 'utf8')).toBe(snapshotBefore);
  });

  test('refuses a region file whose blob is not the recorded one', () => {
    const other = 'f'.repeat(40);
    const { paths, snapshotBefore } = workspace(unit({ regionFile: { ...unit().regionFile, blob: other } }));
    expect(() => rebuildFromSources(paths, dirs())).toThrow(`test-sqs: owner/golden testdata/sqs.tf at ${commit} is blob ${tfBlob}, not the recorded ${other}`);
    expect(fs.readFileSync(paths.snapshotPath, 'utf8')).toBe(snapshotBefore);
  });

  test('refuses a commit date other than the recorded one', () => {
    const { paths } = workspace(unit({ committedOn: '2030-01-03', validOn: '2030-01-03' }));
    expect(() => rebuildFromSources(paths, dirs())).toThrow(`test-sqs: owner/golden commit ${commit} was committed on 2030-01-02, not the recorded 2030-01-03`);
  });

  test('refuses a commit that is not the last change of the file (validOn would not be its date)', () => {
    fs.writeFileSync(path.join(repo, 'testdata', 'other.txt'), 'x');
    git('add', '.');
    git('commit', '-q', '-m', 'another file');
    const later = git('rev-parse', 'HEAD');
    try {
      const { paths } = workspace(unit({ commit: later }));
      expect(() => rebuildFromSources(paths, dirs())).toThrow(`test-sqs: owner/golden testdata/sqs.golden last changed at ${commit} before ${later}, not at the recorded commit`);
    } finally {
      git('reset', '-q', '--hard', commit);
    }
  });

  test('needs a clone of every repository the list names', () => {
    const { paths } = workspace(unit());
    expect(() => rebuildFromSources(paths, new Map())).toThrow('test-sqs is read from owner/golden: pass --git owner/golden=<a clone of https://github.com/owner/golden>');
    expect(() => gitDirs(['--git', 'owner/golden'])).toThrow('--git needs <owner/name>=<git dir>, got "owner/golden"');
    expect(() => gitDirs(['--clone'])).toThrow('unknown argument --clone; usage: --git <owner/name>=<git dir> (repeatable)');
  });
});
