import { parsePriceList, pricingApiRegionFor, spotStatistics, PricingLookupError } from '../../../lib/pricing/lookup';
import { mapPool, withDeadline } from '../../../lib/pricing/lookup/concurrency';
import * as fs from 'fs';

const start = new Date('2026-11-15T00:00:00Z');
const end = new Date('2026-11-22T00:00:00Z');
const pt = (usdPerHour: number, iso: string) => ({ instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', usdPerHour, timestamp: new Date(iso) });

describe('spotStatistics (time-weighted)', () => {
  test('worked example: 1 day at 0.30, 5 days at 0.40, 1 day at 0.90', () => {
    // weights: 0.30 -> 1/7, 0.40 -> 5/7 (cumulative 6/7 = 0.857), 0.90 -> 1/7
    // p50: first price whose cumulative share >= 0.5 -> 0.40; p90: >= 0.9 -> 0.90; current: the last change
    const s = spotStatistics([pt(0.4, '2026-11-16T00:00:00Z'), pt(0.3, '2026-11-10T00:00:00Z'), pt(0.9, '2026-11-21T00:00:00Z')], start, end);
    expect(s).toEqual({ currentUsdPerHour: 0.9, p50UsdPerHour: 0.4, p90UsdPerHour: 0.9, samples: 3 });
  });

  test('a price that held before the window counts only from the window start', () => {
    // 0.20 from long before until day 6 (6 days in window), 0.50 for the last day: p90 needs 0.9 -> 0.50
    const s = spotStatistics([pt(0.2, '2026-10-01T00:00:00Z'), pt(0.5, '2026-11-21T00:00:00Z')], start, end);
    expect(s).toEqual({ currentUsdPerHour: 0.5, p50UsdPerHour: 0.2, p90UsdPerHour: 0.5, samples: 2 });
  });

  test('one point: every figure is that price', () => {
    expect(spotStatistics([pt(0.41, '2026-11-20T00:00:00Z')], start, end)).toEqual({ currentUsdPerHour: 0.41, p50UsdPerHour: 0.41, p90UsdPerHour: 0.41, samples: 1 });
  });

  test('no points: undefined, never 0', () => {
    expect(spotStatistics([], start, end)).toBeUndefined();
  });

  test('points only at the end of the window: the latest price', () => {
    expect(spotStatistics([pt(0.6, '2026-11-22T00:00:00Z')], start, end)).toEqual({ currentUsdPerHour: 0.6, p50UsdPerHour: 0.6, p90UsdPerHour: 0.6, samples: 1 });
  });
});

describe('parsePriceList', () => {
  const item = fs.readFileSync('/work/shared/aws-wire-examples/g5_pricelist_item.json', 'utf8');

  test('reads the OnDemand price and effective date of the AWS example item, ignoring the Reserved term', () => {
    const r = parsePriceList([item], 'ctx');
    expect(r.problems).toEqual([]);
    expect(r.prices).toEqual([expect.objectContaining({ sku: 'G5XLEXAMPLESKU01', usdPerUnit: 1.006, unit: 'Hrs', validOn: '2026-08-01', beginRange: 0 })]);
  });

  test('accepts the String objects the SDK hands over', () => {
    // eslint-disable-next-line no-new-wrappers
    expect(parsePriceList([new String(item)], 'ctx').prices[0].usdPerUnit).toBe(1.006);
  });

  test.each([
    ['not JSON', '{', /^ctx: PriceList\[0\] is not valid JSON \(.+\); entry skipped$/],
    ['no product', '{"terms": {}}', /^ctx: PriceList\[0\] has no product\/terms object; entry skipped$/],
    ['no OnDemand term', '{"product": {"sku": "A"}, "terms": {"Reserved": {}}}', /^ctx: PriceList\[0\] \(sku A\) has no OnDemand term; entry skipped$/],
    [
      'empty USD',
      '{"product":{"sku":"B"},"terms":{"OnDemand":{"T":{"effectiveDate":"2026-11-01T00:00:00Z","priceDimensions":{"D":{"unit":"Hrs","pricePerUnit":{"USD":""}}}}}}}',
      /^ctx: PriceList\[0\] \(sku B\) has pricePerUnit\.USD "", not a price; dimension skipped$/,
    ],
    [
      'no date',
      '{"product":{"sku":"C"},"terms":{"OnDemand":{"T":{"priceDimensions":{"D":{"unit":"Hrs","pricePerUnit":{"USD":"1.0"}}}}}}}',
      /^ctx: PriceList\[0\] \(sku C\) has effectiveDate undefined, not a date; dimension skipped$/,
    ],
    [
      'no dimensions',
      '{"product":{"sku":"E"},"terms":{"OnDemand":{"T":{"effectiveDate":"2026-11-01T00:00:00Z","priceDimensions":{}}}}}',
      /^ctx: PriceList\[0\] \(sku E\) has an OnDemand term without a USD price dimension; entry skipped$/,
    ],
  ])('a malformed entry (%s) is a problem naming it, not a price', (_n, raw, message) => {
    const r = parsePriceList([raw], 'ctx');
    expect(r.prices).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(message);
  });
});

describe('pricingApiRegionFor', () => {
  test.each([
    ['us-east-1', 'us-east-1'],
    ['us-west-2', 'us-east-1'],
    ['ca-central-1', 'us-east-1'],
    ['sa-east-1', 'us-east-1'],
    ['eu-west-1', 'eu-central-1'],
    ['me-south-1', 'eu-central-1'],
    ['af-south-1', 'eu-central-1'],
    ['ap-northeast-1', 'ap-south-1'],
    ['ap-south-1', 'ap-south-1'],
  ])('%s -> %s', (region, endpoint) => {
    expect(pricingApiRegionFor(region)).toBe(endpoint);
  });
});

describe('mapPool and withDeadline', () => {
  test('never runs more than the limit at once and keeps input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(out.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([50, 10, 'four', 20, 30, 60, 70]);
  });

  test('rejects a limit below 1', async () => {
    await expect(mapPool([1], 0, async (x) => x)).rejects.toThrow('pricing: concurrency (0) must be a whole number >= 1');
  });

  test('a call past its deadline is aborted and named', async () => {
    let aborted = false;
    const err = await withDeadline('EC2 Foo (us-east-1)', 20, (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); })),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PricingLookupError);
    expect((err as Error).message).toBe(
      'pricing: EC2 Foo (us-east-1) did not finish within 20 ms; check network access to the AWS endpoint (or AWS_ENDPOINT_URL_*), or use -c pricing=snapshot to synth offline',
    );
    expect(aborted).toBe(true);
  });

  test('any other failure is wrapped with the call name', async () => {
    await expect(withDeadline('EC2 Bar', 1000, async () => { throw new TypeError('bad'); })).rejects.toThrow('pricing: EC2 Bar failed: TypeError: bad');
  });
});

describe('unit prices', () => {
  test('the Price List queries cover exactly the unit prices the estimate needs', () => {
    const { UNIT_QUERIES } = require('../../../lib/pricing/lookup/price-list');
    const { UNIT_RESOURCES } = require('../../../lib/pricing/types');
    expect(UNIT_QUERIES.map((q: { resource: string }) => q.resource)).toEqual(UNIT_RESOURCES);
  });
});
