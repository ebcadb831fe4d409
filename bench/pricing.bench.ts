/**
 * `npm run bench:pricing`: the price lookups of every configured environment against the local AWS wire server
 * (test/pricing/lookup/support) answering each call after 100 ms. The world's prices are synthetic; only call
 * counts and wall time matter here. Prints the figures; `npm run bench:pricing -- --save` also writes them to
 * bench/results/pricing.json (so a run does not dirty the tree unless asked).
 *
 * The two public spot feeds (Spot Instance Advisor, spot pricing page) are served the same way, 100 ms each, and read
 * beside the AWS calls.
 *
 * Targets (issues 5 and 12): all environments' lookups, AWS calls and feeds, <= 4x one call's latency; GetProducts
 * for instance prices <= one per type and region (plus pagination); a second `auto` run within the cache lifetime
 * makes no call and reads no feed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS } from '../config/environments';
import { gpuInstanceType } from '../lib/catalog/gpu-instance-types';
import { resolvePriceTable } from '../lib/pricing/lookup';
import { priceRequestsFor } from '../lib/stacks/cost-inputs';
import { FakeWorld, startLocalAws } from '../test/pricing/lookup/support/aws-local-server';
import { FeedWorld, startFeedServer } from '../test/pricing/lookup/support/feed-server';

const LATENCY_MS = 100;
const SAVE = process.argv.includes('--save');
const unknownArgs = process.argv.slice(2).filter((a) => a !== '--save');
if (unknownArgs.length > 0) {
  console.error(`bench:pricing: unknown argument(s) ${unknownArgs.join(' ')}; the only option is --save (write bench/results/pricing.json)`);
  process.exit(2);
}
const RESULTS = path.join(__dirname, 'results', 'pricing.json');
const NOW = new Date('2026-11-22T12:00:00Z');

function world(): FakeWorld {
  const onDemand: Record<string, Record<string, number>> = {};
  const offerings: Record<string, Record<string, string[]>> = {};
  const units: FakeWorld['units'] = {};
  const spot: FakeWorld['spot'][number][] = [];
  const gpus: FakeWorld['gpus'] = {};
  for (const e of ENVIRONMENTS) {
    units[e.region] = { gp3GbMonth: 0.08, natHour: 0.045, natGb: 0.045, alarmMonth: 0.1, lambdaGbSecond: 0.0000166667, lambdaGbSecondArm: 0.0000133334, lambdaRequest: 0.0000002, sqsRequest: 0.0000004, albHour: 0.0225, albLcuHour: 0.008, vpcEndpointHour: 0.01 };
    e.fleet.instanceTypes.forEach((t, i) => {
      (onDemand[e.region] ??= {})[t] = 1 + i / 10;
      (offerings[e.region] ??= {})[t] = [...e.availabilityZones];
      const g = gpuInstanceType(t);
      gpus[t] = { count: g?.gpus ?? 1, memoryMiB: (g?.gpuMemoryGiB ?? 24) * 1024 };
      for (const az of e.availabilityZones) {
        for (let d = 0; d < 7; d++) spot.push({ instanceType: t, availabilityZone: az, price: (0.3 + i / 20 + d / 100).toFixed(4), timestamp: new Date(NOW.getTime() - d * 86_400_000).toISOString() });
      }
    });
  }
  // Spot placement scores (read beside the prices): every fleet AZ gets an ID and a score.
  const azs = [...new Set(ENVIRONMENTS.flatMap((e) => e.availabilityZones))].sort();
  const zoneIds = Object.fromEntries(azs.map((az, i) => [az, `zone-id-${i + 1}`]));
  const placementScores = Object.fromEntries(azs.map((_az, i) => [`zone-id-${i + 1}`, 9 - i]));
  return { onDemand, offerings, units, spot, gpus, zoneIds, placementScores };
}

function feedWorld(): FeedWorld {
  const advisor: FeedWorld['advisor'] = {};
  const quotes: FeedWorld['quotes'] = {};
  for (const e of ENVIRONMENTS) {
    e.fleet.instanceTypes.forEach((t, i) => {
      (advisor[e.region] ??= {})[t] = [50 + i, i % 5];
      (quotes[e.region] ??= {})[t] = (0.4 + i / 20).toFixed(4);
    });
  }
  return { advisor, quotes };
}

async function main(): Promise<void> {
  const aws = await startLocalAws(world(), { latencyMs: LATENCY_MS });
  const feeds = await startFeedServer(feedWorld(), 5000, LATENCY_MS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-bench-'));
  const requests = priceRequestsFor(ENVIRONMENTS);
  const opts = {
    cacheDir: path.join(dir, 'cache'),
    snapshotPath: path.join(dir, 'none.json'),
    aws: { endpoint: aws.endpoint, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' } },
    feeds: { advisorUrl: feeds.advisorUrl, priceFeedUrl: feeds.priceFeedUrl, timeoutMs: 3000 },
  };
  try {
    // Cold run: includes loading the SDK's lazily required modules and the first connections, once per process.
    const tc = performance.now();
    await resolvePriceTable(requests, { ...opts, cacheDir: path.join(dir, 'cold-cache'), mode: 'live', now: NOW });
    const coldMs = performance.now() - tc;
    aws.calls.length = 0;
    feeds.requests.length = 0;

    const t0 = performance.now();
    const first = await resolvePriceTable(requests, { ...opts, mode: 'auto', now: NOW });
    const firstMs = performance.now() - t0;
    const instanceQueries = aws.calls.filter((c) => c.operation === 'GetProducts' && JSON.stringify(c.params).includes('"instanceType"')).length;
    const callsFirst = aws.calls.length;
    const feedsFirst = feeds.requests.length;

    const t1 = performance.now();
    const second = await resolvePriceTable(requests, { ...opts, mode: 'auto', now: new Date(NOW.getTime() + 3600_000) });
    const secondMs = performance.now() - t1;
    const callsSecond = aws.calls.length - callsFirst;
    const feedsSecond = feeds.requests.length - feedsFirst;

    const regions = new Set(requests.map((r) => r.region)).size;
    const typeRegionPairs = new Set(requests.flatMap((r) => r.instanceTypes.map((t) => `${r.region} ${t}`))).size;
    const results = {
      benchmark: 'pricing lookups, all environments, local AWS wire server',
      latencyPerCallMs: LATENCY_MS,
      environments: requests.map((r) => r.environment),
      regions,
      typeRegionPairs,
      coldRunWallMs: Math.round(coldMs),
      firstRun: {
        mode: 'auto (empty cache -> AWS), after the cold run',
        wallMs: Math.round(firstMs),
        latencyMultiple: Math.round((firstMs / LATENCY_MS) * 100) / 100,
        targetLatencyMultiple: 4,
        httpCalls: callsFirst,
        publicFeedRequests: feedsFirst,
        calls: first.calls,
        getProductsInstanceQueries: instanceQueries,
        getProductsInstanceBound: typeRegionPairs,
        getProductsUnitQueries: first.calls.getProducts - instanceQueries,
        // Run beside the price lookups: DescribeAvailabilityZones + GetSpotPlacementScores per environment.
        placementCalls: aws.calls.slice(0, callsFirst).filter((c) => c.operation === 'DescribeAvailabilityZones' || c.operation === 'GetSpotPlacementScores').length,
        placementEnvironments: first.placement.map((p) => p.environment),
        sources: first.sources,
      },
      secondRun: { mode: 'auto within cache lifetime', wallMs: Math.round(secondMs * 10) / 10, httpCalls: callsSecond, publicFeedRequests: feedsSecond, sources: second.sources },
      pass: firstMs <= 4 * LATENCY_MS && instanceQueries <= typeRegionPairs && callsSecond === 0 && feedsSecond === 0 && feedsFirst === 2,
    };
    console.log(JSON.stringify(results, null, 2));
    if (SAVE) {
      fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
      fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
      console.log(`bench:pricing: wrote ${path.relative(process.cwd(), RESULTS)}`);
    }
    if (!results.pass) process.exitCode = 1;
  } finally {
    await aws.close();
    await feeds.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
