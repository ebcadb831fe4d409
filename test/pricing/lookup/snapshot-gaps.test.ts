import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolvePriceTable, writeSnapshot } from '../../../lib/pricing/lookup';
import type { PriceTable } from '../../../lib/pricing/types';
import { snapshotTable } from './support/tables';
import { DEV_REQUEST, NOW } from './support/world';

// What synth does with a snapshot that lacks some prices (the committed one was assembled without AWS access).

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-gaps-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const STAGING_REQUEST = { ...DEV_REQUEST, environment: 'staging', availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] };

async function resolveWith(table: PriceTable, requests = [DEV_REQUEST]) {
  const snapshotPath = path.join(dir, 'snapshot.json');
  writeSnapshot(snapshotPath, table, ['test']);
  return resolvePriceTable(requests, { mode: 'snapshot', snapshotPath, cacheDir: path.join(dir, 'cache'), now: NOW });
}

describe('a snapshot without spot prices', () => {
  const noSpot = (): PriceTable => ({ ...snapshotTable(), spot: [], offerings: [] });

  test('prices every pool at its cap, the on-demand price, says so in each origin, and warns once per environment', async () => {
    const res = await resolveWith(noSpot());
    expect(res.table.spot.map((p) => [p.instanceType, p.availabilityZone, p.currentUsdPerHour, p.p50UsdPerHour, p.p90UsdPerHour])).toEqual([
      ['g5.xlarge', 'us-east-1a', 1.006, 1.006, 1.006],
      ['g5.xlarge', 'us-east-1b', 1.006, 1.006, 1.006],
      ['g6.xlarge', 'us-east-1a', 0.8048, 0.8048, 0.8048],
      ['g6.xlarge', 'us-east-1b', 0.8048, 0.8048, 0.8048],
    ]);
    for (const p of res.table.spot) {
      expect(p.origin).toMatch(/^spot cap, not a spot price: the snapshot holds no spot figure for this pool/);
      expect(p).toMatchObject({ kind: 'cap', source: 'snapshot', validOn: '2026-09-01', samples: 1 });
    }
    expect(res.warnings.filter((w) => w.includes('spot burst is priced at its cap'))).toEqual([
      expect.stringMatching(/^pricing: dev: the snapshot .* holds no spot prices for us-east-1; the spot burst is priced at its cap \(the on-demand price\), so its spot part is an upper bound/),
    ]);
  });

  test('covers the AZs of every environment in the region, each pool once', async () => {
    const res = await resolveWith(noSpot(), [DEV_REQUEST, STAGING_REQUEST]);
    const pools = res.table.spot.map((p) => `${p.instanceType}@${p.availabilityZone}`);
    expect(pools).toEqual([
      'g5.xlarge@us-east-1a', 'g5.xlarge@us-east-1b', 'g5.xlarge@us-east-1c',
      'g6.xlarge@us-east-1a', 'g6.xlarge@us-east-1b', 'g6.xlarge@us-east-1c',
    ]);
    expect(res.warnings.filter((w) => w.includes('no spot price history'))).toEqual([]);
  });

  test('leaves real spot prices alone when the snapshot has some for the environment', async () => {
    const res = await resolveWith(snapshotTable());
    expect(res.table.spot.every((p) => p.origin === 'test fixture')).toBe(true);
  });

  test('respects offerings: a pool the type is not offered in gets no cap price', async () => {
    const t = noSpot();
    const res = await resolveWith({
      ...t,
      offerings: [
        { instanceType: 'g5.xlarge', region: 'us-east-1', availabilityZones: ['us-east-1a'], gpus: 1, gpuMemoryGiB: 24 },
        { instanceType: 'g6.xlarge', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'], gpus: 1, gpuMemoryGiB: 24 },
      ],
    });
    expect(res.table.spot.map((p) => `${p.instanceType}@${p.availabilityZone}`)).toEqual(['g5.xlarge@us-east-1a', 'g6.xlarge@us-east-1a', 'g6.xlarge@us-east-1b']);
  });
});

describe('missing unit prices in a snapshot', () => {
  test('a small part (alarms, Lambda, SQS) is a warning, the estimate goes on without it', async () => {
    const t = snapshotTable();
    const res = await resolveWith({ ...t, units: t.units.filter((u) => u.resource !== 'cloudwatch-alarm-month') });
    expect(res.warnings).toContainEqual(expect.stringMatching(/^pricing: us-east-1: no cloudwatch-alarm-month price; those lines are left out of the estimate \(not priced\); run `npm run pricing:refresh`/));
  });

  test('without the Arm duration price, Arm Lambda duration is priced at the x86 rate: a warning of its own, not left out', async () => {
    const t = snapshotTable();
    const res = await resolveWith({ ...t, units: t.units.filter((u) => u.resource !== 'lambda-gb-second-arm') });
    expect(res.warnings.filter((w) => w.includes('lambda-gb-second-arm'))).toEqual([
      'pricing: us-east-1: no lambda-gb-second-arm price; Arm Lambda duration is priced at the x86 rate (lambda-gb-second); ' +
        `run \`npm run pricing:refresh\` to add it to ${path.join(dir, 'snapshot.json')}`,
    ]);
    expect(res.warnings.filter((w) => w.includes('(not priced)'))).toEqual([]);
  });

  test('without either Lambda duration price, both are named among the lines left out', async () => {
    const t = snapshotTable();
    const res = await resolveWith({ ...t, units: t.units.filter((u) => !u.resource.startsWith('lambda-gb-second')) });
    expect(res.warnings.filter((w) => w.includes('lambda-gb-second'))).toEqual([
      expect.stringMatching(/^pricing: us-east-1: no lambda-gb-second, lambda-gb-second-arm prices; those lines are left out of the estimate \(not priced\)/),
    ]);
  });

  test('EBS storage and NAT the snapshot cannot trace are left out and named, never invented', async () => {
    const t = snapshotTable();
    const res = await resolveWith({ ...t, units: t.units.filter((u) => u.resource !== 'ebs-gp3-gb-month' && u.resource !== 'nat-gateway-hour') });
    // One line for the region, naming each.
    expect(res.warnings.filter((w) => w.includes('(not priced)'))).toEqual([
      expect.stringMatching(/^pricing: us-east-1: no ebs-gp3-gb-month, nat-gateway-hour prices; those lines are left out of the estimate \(not priced\); run `npm run pricing:refresh` to add it to /),
    ]);
  });
});

describe('regional public figures in a snapshot', () => {
  const regional = (instanceType: string, expected: number, quote: number | null) => ({
    instanceType, region: 'us-east-1', expectedUsdPerHour: expected, quoteUsdPerHour: quote, savingsPercent: 50,
    source: 'snapshot' as const, validOn: '2026-08-10', origin: 'regional, not per AZ: test fixture',
  });

  test('price every AZ of a type without history; the range covers both the expected price and the quote', async () => {
    const res = await resolveWith({ ...snapshotTable(), spot: [], regionalSpot: [regional('g5.xlarge', 0.44, 0.51), regional('g6.xlarge', 0.41, 0.3)] });
    expect(res.table.spot).toEqual([]);
    const { PriceBook } = await import('../../../lib/pricing/price-book');
    const book = PriceBook.of(res.table, 'us-east-1');
    expect(book.spot('g5.xlarge', 'us-east-1b')).toMatchObject({ kind: 'regional', currentUsdPerHour: 0.44, p50UsdPerHour: 0.44, p90UsdPerHour: 0.51 });
    expect(book.spot('g6.xlarge', 'us-east-1a')).toMatchObject({ kind: 'regional', currentUsdPerHour: 0.3, p50UsdPerHour: 0.41, p90UsdPerHour: 0.41 });
    expect(res.warnings.filter((w) => /spot cap|spot: no data/.test(w))).toEqual([]);
  });

  test('per-AZ history wins over the regional figure', async () => {
    const res = await resolveWith({ ...snapshotTable(), regionalSpot: [regional('g5.xlarge', 0.9, 0.9)] });
    const { PriceBook } = await import('../../../lib/pricing/price-book');
    expect(PriceBook.of(res.table, 'us-east-1').spot('g5.xlarge', 'us-east-1a')).toMatchObject({ p50UsdPerHour: 0.45 });
  });

  test('a type with neither gets the cap and a "spot: no data" warning naming it', async () => {
    const res = await resolveWith({ ...snapshotTable(), spot: [], regionalSpot: [regional('g6.xlarge', 0.41, 0.3)] });
    expect(res.table.spot.map((p) => `${p.kind} ${p.instanceType}@${p.availabilityZone}`)).toEqual(['cap g5.xlarge@us-east-1a', 'cap g5.xlarge@us-east-1b']);
    expect(res.warnings).toContainEqual(expect.stringMatching(
      /^pricing: dev: spot: no data for g5.xlarge in us-east-1 \(no per-AZ history, no public regional figure\); those pools are priced at the spot cap \(the on-demand price\)/,
    ));
  });
});

describe('NAT prices with an existing VPC', () => {
  test('not required when no environment in the region creates NAT gateways', async () => {
    const t = snapshotTable();
    const res = await resolveWith({ ...t, units: t.units.filter((u) => !u.resource.startsWith('nat-gateway-')) }, [{ ...DEV_REQUEST, needsNat: false }]);
    expect(res.table.units.map((u) => u.resource)).not.toContain('nat-gateway-hour');
  });
});

describe('offering facts missing from a snapshot', () => {
  test('one warning per environment lists every unchecked type', async () => {
    const res = await resolveWith({ ...snapshotTable(), offerings: [] });
    expect(res.warnings.filter((w) => w.includes('no capacity facts'))).toEqual([
      'pricing: dev: no capacity facts for g6.xlarge, g5.xlarge in us-east-1 (snapshot without offerings); AZ offerings not checked',
    ]);
  });
});
