import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResolveOptions, resolvePriceTable, writeSnapshot } from '../../../lib/pricing/lookup';
import { LocalAws, startLocalAws } from './support/aws-local-server';
import { snapshotTable } from './support/tables';
import { DEV_REQUEST, FAKE_CREDENTIALS, NOW, baseWorld } from './support/world';

// Spot placement scores (capacity preflight) ride along with live prices, through the real EC2 client.

const REQUEST = { ...DEV_REQUEST, spotTargetCapacity: 4 };
let aws: LocalAws;
let dir: string;

beforeEach(async () => {
  aws = await startLocalAws({
    ...baseWorld(),
    zoneIds: { 'us-east-1a': 'use1-az4', 'us-east-1b': 'use1-az6' },
    placementScores: { 'use1-az4': 9, 'use1-az6': 2 },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-placement-'));
  writeSnapshot(path.join(dir, 'snapshot.json'), snapshotTable(), ['test snapshot']);
});
afterEach(async () => {
  await aws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const options = (overrides: Partial<ResolveOptions> = {}): ResolveOptions => ({
  mode: 'live',
  cacheDir: path.join(dir, 'cache'),
  snapshotPath: path.join(dir, 'snapshot.json'),
  now: NOW,
  aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 },
  ...overrides,
});

describe('spot placement scores', () => {
  test('live: one score per fleet AZ, by name, with a warning for the low one', async () => {
    const res = await resolvePriceTable([REQUEST], options());
    expect(res.placement).toEqual([{
      environment: 'dev', region: 'us-east-1', targetCapacity: 4, source: 'live', validOn: '2026-11-22',
      scores: [{ availabilityZone: 'us-east-1a', score: 9 }, { availabilityZone: 'us-east-1b', score: 2 }],
    }]);
    const call = aws.calls.find((c) => c.operation === 'GetSpotPlacementScores')!;
    expect(call.params).toMatchObject({ 'InstanceType.1': 'g6.xlarge', 'InstanceType.2': 'g5.xlarge', TargetCapacity: '4', SingleAvailabilityZone: 'true', 'RegionName.1': 'us-east-1' });
    expect(res.warnings.filter((w) => w.includes('placement'))).toEqual([
      expect.stringMatching(/^pricing: dev: spot placement score 2\/10 for g6\.xlarge, g5\.xlarge in us-east-1b \(use1-az6\), target 4: below 5/),
    ]);
  });

  test('an AZ EC2 does not score is reported, not scored 0', async () => {
    aws.world = { ...aws.world, placementScores: { 'use1-az4': 8 } };
    const res = await resolvePriceTable([REQUEST], options());
    expect(res.placement[0].scores).toEqual([{ availabilityZone: 'us-east-1a', score: 8 }, { availabilityZone: 'us-east-1b', score: null }]);
    expect(res.warnings).toContainEqual(expect.stringMatching(/^pricing: dev: spot placement score missing for g6\.xlarge, g5\.xlarge in us-east-1b/));
  });

  test('a second auto run within a day reuses the cached scores: no placement calls (AWS allows 10 configurations a day)', async () => {
    await resolvePriceTable([REQUEST], options({ mode: 'auto' }));
    const before = aws.count('GetSpotPlacementScores');
    const again = await resolvePriceTable([REQUEST], options({ mode: 'auto', now: new Date(NOW.getTime() + 2 * 3_600_000) }));
    expect(before).toBe(1);
    expect(aws.count('GetSpotPlacementScores')).toBe(1);
    expect(again.placement[0]).toMatchObject({ source: 'cache', scores: [{ availabilityZone: 'us-east-1a', score: 9 }, { availabilityZone: 'us-east-1b', score: 2 }] });
  });

  test('no permission for scores: a warning naming the call and the permission; prices still resolve', async () => {
    aws.faults = { fail: { GetSpotPlacementScores: { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } };
    const res = await resolvePriceTable([REQUEST], options());
    expect(res.placement).toEqual([]);
    expect(res.table.onDemand.length).toBeGreaterThan(0);
    expect(res.warnings).toContainEqual(expect.stringMatching(/^pricing: dev: spot placement scores not read \(.*GetSpotPlacementScores .*UnauthorizedOperation.*grant ec2:GetSpotPlacementScores/));
  });

  test('snapshot mode: no scores, no calls', async () => {
    const res = await resolvePriceTable([REQUEST], options({ mode: 'snapshot' }));
    expect(res.placement).toEqual([]);
    expect(aws.calls).toEqual([]);
  });

  test('a fleet without spot asks for no score', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.placement).toEqual([]);
    expect(aws.count('GetSpotPlacementScores')).toBe(0);
  });
});
