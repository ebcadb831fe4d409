/**
 * `npm run pricing:from-public-data -- [<dir>]`: rebuilds the public part of pricing/snapshot.json (regional spot
 * figures and interruption buckets) from a copy of AWS's two credential-free spot feeds, cut to the GPU families
 * (default: ../shared/data/aws-spot-feeds, the team's dated copy; see its README). On-demand and unit prices stay as
 * they are (npm run pricing:from-sources rebuilds them from pricing/sources/price-sources.json) and are never derived here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PriceBook } from '../lib/pricing/price-book';
import { readSnapshot, writeSnapshot } from '../lib/pricing/lookup/snapshot';
import { regionalFigures } from '../lib/pricing/lookup/public-data';
import type { InterruptionFrequency, RegionalSpotPrice } from '../lib/pricing/types';

interface CutFeed<T> { source: string; fetchedAt: string; mirror: string; regions: Record<string, Record<string, T>> }

function main(): void {
  const root = path.join(__dirname, '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'data', 'aws-spot-feeds'));
  const snapshotPath = path.join(root, 'pricing', 'snapshot.json');
  const advisor = JSON.parse(fs.readFileSync(path.join(dir, 'spot-advisor.json'), 'utf8')) as CutFeed<{ s: number; r: number }>;
  const prices = JSON.parse(fs.readFileSync(path.join(dir, 'spot-prices-regional.json'), 'utf8')) as CutFeed<string>;
  const snapshot = readSnapshot(snapshotPath);
  const regionalSpot: RegionalSpotPrice[] = [];
  const interruption: InterruptionFrequency[] = [];
  const regions = [...new Set([...Object.keys(advisor.regions), ...Object.keys(prices.regions)])].sort();
  for (const region of regions) {
    const book = PriceBook.of(snapshot.table, region);
    const a = new Map(Object.entries(advisor.regions[region] ?? {}).map(([t, v]) => [t, { savingsPercent: v.s, bucket: v.r }]));
    const q = new Map(Object.entries(prices.regions[region] ?? {}).map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => v > 0));
    const day = (iso: string) => iso.slice(0, 10);
    if (day(advisor.fetchedAt) !== day(prices.fetchedAt)) throw new Error('the two feeds were fetched on different days; fetch both at once');
    const figures = regionalFigures(region, a.size ? a : undefined, q.size ? q : undefined, (t) => book.onDemand(t), {
      source: 'snapshot',
      validOn: day(advisor.fetchedAt),
      advisor: `${advisor.source} fetched ${advisor.fetchedAt} (copy: ${advisor.mirror})`,
      priceFeed: `${prices.source} fetched ${prices.fetchedAt} (copy: ${prices.mirror})`,
    });
    regionalSpot.push(...figures.regionalSpot);
    interruption.push(...figures.interruption);
  }
  writeSnapshot(snapshotPath, { ...snapshot.table, regionalSpot, interruption }, snapshot.notes);
  process.stderr.write(`pricing: wrote ${regionalSpot.length} regional spot figures and ${interruption.length} interruption buckets for ${regions.join(', ')} to ${snapshotPath}\n`);
}

main();
