import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PriceBook } from '../../../lib/pricing/price-book';
import { resolvePriceTable, ResolveOptions, writeSnapshot } from '../../../lib/pricing/lookup';
import type { PriceTable } from '../../../lib/pricing/types';
import { FeedServer, startFeedServer } from './support/feed-server';
import { snapshotTable } from './support/tables';
import { DEV_REQUEST, NOW } from './support/world';

// AWS's public spot feeds, served from 127.0.0.1: read by auto without credentials; down, slow, malformed and
// missing-type each a labelled warning and the next source, never a $0.

let feeds: FeedServer;
let dir: string;
let snapshotPath: string;

const WORLD = {
  advisor: { 'us-east-1': { 'g5.xlarge': [56, 4] as [number, number], 'g6.xlarge': [49, 2] as [number, number] } },
  quotes: { 'us-east-1': { 'g5.xlarge': '0.5089', 'g6.xlarge': '0.5375', 'g6e.xlarge': 'N/A*' } },
};

/** The test snapshot with its own (older, different) regional figures, so a test can tell which source won. */
function snapshotWithPublic(): PriceTable {
  const p = { source: 'snapshot' as const, validOn: '2026-08-10', origin: 'snapshot fixture' };
  return {
    ...snapshotTable('2026-11-10'),
    spot: [],
    regionalSpot: [
      { instanceType: 'g5.xlarge', region: 'us-east-1', expectedUsdPerHour: 0.6, quoteUsdPerHour: 0.6, savingsPercent: 40, ...p },
      { instanceType: 'g6.xlarge', region: 'us-east-1', expectedUsdPerHour: 0.7, quoteUsdPerHour: 0.7, savingsPercent: 13, ...p },
    ],
    interruption: [
      { instanceType: 'g5.xlarge', region: 'us-east-1', bucket: 1, label: '5-10%', savingsPercent: 40, ...p },
      { instanceType: 'g6.xlarge', region: 'us-east-1', bucket: 1, label: '5-10%', savingsPercent: 13, ...p },
    ],
  };
}

beforeEach(async () => {
  feeds = await startFeedServer(WORLD, 8000);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-feeds-'));
  snapshotPath = path.join(dir, 'snapshot.json');
  writeSnapshot(snapshotPath, snapshotWithPublic(), ['test']);
});
afterEach(async () => {
  await feeds.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const noCredentials = async () => Promise.reject(new Error('Could not load credentials from any providers'));

function options(o: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    mode: 'auto', cacheDir: path.join(dir, 'cache'), snapshotPath, now: NOW,
    // No AWS endpoint is ever reached: no credentials resolve.
    aws: { endpoint: 'http://127.0.0.1:9', credentials: noCredentials },
    // Generous, so a loaded machine does not turn a healthy local feed into a slow one; the slow feed takes 8 s.
    feeds: { advisorUrl: feeds.advisorUrl, priceFeedUrl: feeds.priceFeedUrl, timeoutMs: 3000 },
    ...o,
  };
}

const spotOf = (table: PriceTable, type: string) => PriceBook.of(table, 'us-east-1').spot(type, 'us-east-1a');

describe('auto without AWS credentials', () => {
  test('reads both feeds: regional spot from the advisor savings on the snapshot on-demand, the quote in the range, buckets', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(feeds.requests.sort()).toEqual(['/spot-advisor-data.json', '/spot.json']);
    // g5.xlarge: on-demand 1.006 x (1 - 0.56) = 0.44264; quote 0.5089
    expect(spotOf(res.table, 'g5.xlarge')).toMatchObject({ kind: 'regional', source: 'live', p50UsdPerHour: 0.44264, currentUsdPerHour: 0.44264, p90UsdPerHour: 0.5089, validOn: '2026-11-22' });
    expect(spotOf(res.table, 'g5.xlarge')!.origin).toMatch(/^regional, not per AZ: on-demand \$1\.006\/h \(2026-11-10\) x \(1 - 56% Spot Instance Advisor average savings, http:\/\/127\.0\.0\.1:\d+\/spot-advisor-data\.json fetched 2026-11-22T12:00:00\.000Z\)/);
    expect(PriceBook.of(res.table, 'us-east-1').interruption('g6.xlarge')).toMatchObject({ bucket: 2, label: '10-15%', source: 'live' });
    expect(res.calls.publicFeeds).toBe(2);
    expect(res.warnings.filter((w) => w.includes('public spot feeds'))).toEqual([]);
  });

  test('caches the feeds like other prices: a second run within the spot lifetime reads neither', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    const res = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 3600_000) }));
    expect(feeds.requests).toHaveLength(2);
    expect(res.calls.publicFeeds).toBe(0);
    expect(spotOf(res.table, 'g5.xlarge')).toMatchObject({ source: 'cache', p50UsdPerHour: 0.44264 });
  });

  test.each([
    ['down', 'the Spot Instance Advisor feed (URL) answered HTTP 503', 'the spot pricing feed (URL) answered HTTP 503'],
    ['slow', 'the Spot Instance Advisor feed (URL) did not answer within 3000 ms', 'the spot pricing feed (URL) did not answer within 3000 ms'],
    ['malformed', 'the Spot Instance Advisor feed (URL) is not JSON', 'the spot pricing feed (URL) is not JSON'],
  ] as const)('both feeds %s: a labelled warning each, then the snapshot\'s figures, never a $0', async (behaviour, advisorWarning, priceWarning) => {
    feeds.behaviour.advisor = behaviour;
    feeds.behaviour.prices = behaviour;
    const res = await resolvePriceTable([DEV_REQUEST], options());
    const url = (u: string) => (w: string) => w.replace(u, 'URL');
    const warnings = res.warnings.map(url(feeds.advisorUrl)).map(url(feeds.priceFeedUrl));
    expect(warnings).toContainEqual(expect.stringContaining(`pricing: ${advisorWarning}`));
    expect(warnings).toContainEqual(expect.stringContaining(`pricing: ${priceWarning}`));
    expect(res.warnings).toContainEqual(
      `pricing: us-east-1: AWS's public spot feeds could not be read; regional spot figures and interruption buckets come from the snapshot ${snapshotPath} (2026-08-10)`,
    );
    expect(spotOf(res.table, 'g5.xlarge')).toMatchObject({ source: 'snapshot', p50UsdPerHour: 0.6 });
    expect(res.table.spot).toEqual([]); // no cap: every pool has a real figure
  });

  test('one feed down: the other still counts (quotes without buckets)', async () => {
    feeds.behaviour.advisor = 'down';
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(spotOf(res.table, 'g6.xlarge')).toMatchObject({ source: 'live', p50UsdPerHour: 0.5375, kind: 'regional' });
    // The bucket the feed could not give comes from the snapshot, labelled so.
    expect(PriceBook.of(res.table, 'us-east-1').interruption('g6.xlarge')).toMatchObject({ source: 'snapshot', label: '5-10%' });
  });

  test('a type the feeds do not have falls back to the next source (the snapshot), named in a warning', async () => {
    const partial = await startFeedServer({ advisor: { 'us-east-1': { 'g5.xlarge': [56, 4] } }, quotes: { 'us-east-1': { 'g5.xlarge': '0.5089' } } });
    try {
      const res = await resolvePriceTable([DEV_REQUEST], options({ feeds: { advisorUrl: partial.advisorUrl, priceFeedUrl: partial.priceFeedUrl, timeoutMs: 3000 } }));
      expect(res.warnings).toContain('pricing: AWS\'s public spot feeds have no figure for g6.xlarge in us-east-1; those pools fall back to the next source');
      expect(spotOf(res.table, 'g5.xlarge')).toMatchObject({ source: 'live', p50UsdPerHour: 0.44264 });
      expect(spotOf(res.table, 'g6.xlarge')).toMatchObject({ source: 'snapshot', p50UsdPerHour: 0.7 });
    } finally {
      await partial.close();
    }
  });

  test('a feed URL that is not there (HTTP 404) is a labelled warning too', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options({ feeds: { advisorUrl: feeds.advisorUrl.replace('spot-advisor-data', 'x'), priceFeedUrl: feeds.priceFeedUrl, timeoutMs: 3000 } }));
    expect(res.warnings).toContainEqual(expect.stringMatching(/^pricing: the Spot Instance Advisor feed \(http:\/\/127\.0\.0\.1:\d+\/x\.json\) answered HTTP 404$/));
  });

  test('a "N/A*" quote is no price: never a $0', async () => {
    const { parsePriceFeed } = await import('../../../lib/pricing/lookup/public-data');
    const { priceFeedDoc } = await import('./support/feed-server');
    const parsed = parsePriceFeed(JSON.stringify(priceFeedDoc(WORLD)));
    expect([...parsed.regions.get('us-east-1')!]).toEqual([['g5.xlarge', 0.5089], ['g6.xlarge', 0.5375]]);
    expect(parsed.problems).toEqual([]);
    const zero = parsePriceFeed(JSON.stringify(priceFeedDoc({ ...WORLD, quotes: { 'us-east-1': { 'g5.xlarge': '0' } } })));
    expect(zero.regions.get('us-east-1')!.size).toBe(0);
    expect(zero.problems).toEqual(['the spot pricing feed: us-east-1 g5.xlarge has Linux price "0"; skipped']);
  });
});

test('live reads the feeds too, for the interruption buckets no AWS API returns; a failed feed is a warning, never the snapshot', async () => {
  feeds.behaviour.advisor = 'down';
  feeds.behaviour.prices = 'down';
  const { startLocalAws } = await import('./support/aws-local-server');
  const { baseWorld, FAKE_CREDENTIALS } = await import('./support/world');
  const aws = await startLocalAws(baseWorld());
  try {
    const res = await resolvePriceTable([DEV_REQUEST], options({ mode: 'live', aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 } }));
    expect(res.warnings).toContain(
      'pricing: us-east-1: no interruption buckets or regional spot figures (AWS\'s public spot feeds could not be read; live mode never uses the snapshot\'s)',
    );
    expect(res.table.interruption).toEqual([]);
    feeds.behaviour.advisor = 'ok';
    feeds.behaviour.prices = 'ok';
    const ok = await resolvePriceTable([DEV_REQUEST], options({ mode: 'live', aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 } }));
    expect(PriceBook.of(ok.table, 'us-east-1').interruption('g5.xlarge')).toMatchObject({ label: '>20%', source: 'live' });
    // Per-AZ history from EC2 wins over the regional figure.
    expect(spotOf(ok.table, 'g5.xlarge')!.kind ?? 'az-history').toBe('az-history');
  } finally {
    await aws.close();
  }
});
