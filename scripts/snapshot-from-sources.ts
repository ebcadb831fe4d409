/**
 * `npm run pricing:from-sources -- --git <owner/name>=<git dir> ...`: rebuilds the on-demand and unit prices of
 * pricing/snapshot.json from the sources recorded in pricing/sources/price-sources.json (AWS pages, quoted there, and
 * generated price tables committed in public repositories, read here from a local clone at the recorded commit and
 * checked against the recorded blob id). Spot figures and buckets stay as they are: when an on-demand price changes,
 * run `npm run pricing:from-public-data` afterwards (the regional expected spot price rests on it).
 *
 *   git clone https://github.com/aws/karpenter-provider-aws /tmp/karpenter
 *   npm run pricing:from-sources -- --git aws/karpenter-provider-aws=/tmp/karpenter
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readSnapshot, writeSnapshot } from '../lib/pricing/lookup/snapshot';
import { onDemandFromGitFile, parsePriceSources, unitsFromPages } from '../lib/pricing/lookup/traced-sources';
import type { OnDemandPrice, PriceTable } from '../lib/pricing/types';

function gitDirs(argv: readonly string[]): Map<string, string> {
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

function main(): void {
  const root = path.join(__dirname, '..');
  const sourcesPath = path.join(root, 'pricing', 'sources', 'price-sources.json');
  const snapshotPath = path.join(root, 'pricing', 'snapshot.json');
  const sources = parsePriceSources(JSON.parse(fs.readFileSync(sourcesPath, 'utf8')), sourcesPath);
  const dirs = gitDirs(process.argv.slice(2));

  const onDemand: OnDemandPrice[] = [];
  for (const s of sources.onDemand) {
    const dir = dirs.get(s.repo);
    if (!dir) throw new Error(`${s.id} is read from ${s.repo}: pass --git ${s.repo}=<a clone of https://github.com/${s.repo}>`);
    const blob = git(dir, 'rev-parse', `${s.commit}:${s.path}`).trim();
    if (blob !== s.blob) throw new Error(`${s.repo} ${s.path} at ${s.commit} is blob ${blob}, not the recorded ${s.blob}`);
    onDemand.push(...onDemandFromGitFile(s, git(dir, 'cat-file', 'blob', blob)));
  }

  const snapshot = readSnapshot(snapshotPath);
  // The spot parts as written (readSnapshot's parse reorders keys), so that only what this script rebuilds can change.
  const raw = JSON.parse(fs.readFileSync(snapshotPath, 'utf8')) as { table: Pick<PriceTable, 'regionalSpot' | 'interruption'> };
  const before = new Map(snapshot.table.onDemand.map((p) => [`${p.region} ${p.instanceType}`, p.usdPerHour]));
  const changed = onDemand.filter((p) => before.get(`${p.region} ${p.instanceType}`) !== p.usdPerHour).length + Math.max(0, before.size - onDemand.length);
  const units = unitsFromPages(sources.units);
  writeSnapshot(snapshotPath, { ...snapshot.table, regionalSpot: raw.table.regionalSpot, interruption: raw.table.interruption, onDemand, units }, snapshotNotes(sources.onDemand.map((s) => s.region), units.length));
  process.stderr.write(
    `pricing: wrote ${onDemand.length} on-demand and ${units.length} unit prices to ${path.relative(root, snapshotPath)} from ${path.relative(root, sourcesPath)}\n` +
      (changed ? `pricing: ${changed} on-demand prices changed: run \`npm run pricing:from-public-data\` so the regional spot figures follow\n` : ''),
  );
}

function snapshotNotes(onDemandRegions: readonly string[], unitCount: number): string[] {
  return [
    'Assembled without AWS access. Every figure is copied from a dated source named in its own origin; nothing is estimated. The only arithmetic: a regional expected spot price = the on-demand price x (1 - the Spot Instance Advisor\'s average savings), and unit conversions (per million to per request), each stated in its origin.',
    `On-demand (${onDemandRegions.join(', ')}) and unit prices (${unitCount}): rebuilt by npm run pricing:from-sources from pricing/sources/price-sources.json, which records each source (repository, path, commit and blob; or AWS page, date and quote).`,
    'Regional spot figures and interruption buckets (us-east-1, us-west-2, us-east-2, eu-central-1, eu-west-1; quotes also ap-south-1, ap-northeast-1): AWS\'s public Spot Instance Advisor data and spot pricing page feed, fetched 2026-08-10 (npm run pricing:from-public-data). Regional, not per AZ; live per-AZ history (EC2 DescribeSpotPriceHistory) replaces them when read.',
    'Missing, never invented (no dated, traceable source found; see docs/pricing-sources.md): on-demand prices outside us-east-1; EBS gp3, NAT gateway hour and GB, CloudWatch alarm and SQS prices in every region; Lambda prices outside us-east-1; AZ offerings. Synth says so: those lines are left out of snapshot estimates with a warning and the report lists them under \'Not priced\'.',
    'Run `npm run pricing:refresh` with AWS credentials (pricing:GetProducts, ec2:DescribeSpotPriceHistory, ec2:DescribeInstanceTypeOfferings, ec2:DescribeInstanceTypes) to replace this with complete live data.',
  ];
}

main();
