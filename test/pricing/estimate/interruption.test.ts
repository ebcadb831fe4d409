import { estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import type { InterruptionFrequency, PriceTable, RegionalSpotPrice } from '../../../lib/pricing/types';
import { od, threeTypeEnv, unitPrices } from '../support/fixtures';

// Interruption-aware figures: per pool the bucket and interruptions a month, the churn they cost, honest savings.

const prov = { source: 'snapshot' as const, validOn: '2026-08-10', origin: 'test fixture' };
const bucket = (instanceType: string, b: number, label: string, savingsPercent = 50): InterruptionFrequency =>
  ({ instanceType, region: 'us-east-1', bucket: b, label, savingsPercent, ...prov });
const regional = (instanceType: string, expected: number, quote: number | null): RegionalSpotPrice =>
  ({ instanceType, region: 'us-east-1', expectedUsdPerHour: expected, quoteUsdPerHour: quote, savingsPercent: 50, ...prov });

const AZS = ['us-east-1a', 'us-east-1b'];
// Two 1-GPU types priced only from the regional public data: g6 $0.40 (quote $0.50), g4dn $0.20 (quote $0.30).
function table(interruption: InterruptionFrequency[]): PriceTable {
  return {
    onDemand: [od('g6.xlarge', 1.0), od('g4dn.xlarge', 0.5), od('g6e.2xlarge', 2.2), od('g5.xlarge', 1.0)],
    spot: [],
    regionalSpot: [regional('g6.xlarge', 0.4, 0.5), regional('g4dn.xlarge', 0.2, 0.3)],
    interruption,
    units: unitPrices().concat([{ resource: 'nat-gateway-gb-processed', region: 'us-east-1', usdPerUnit: 0.045, unit: 'GB', ...prov }]),
    offerings: [],
  };
}
const env = (churn?: { warmupSeconds: number; drainSeconds: number; modelSizeGb?: number }) => threeTypeEnv({
  availabilityZones: AZS,
  fleet: { instanceTypes: ['g6.xlarge', 'g4dn.xlarge'], onDemandBaseCapacity: 0, spotPercentageAboveBase: 100, minSize: 0, maxSize: 4, rootVolumeGiB: 100, natGateways: 1 },
  usage: { averageSpotInstances: 2, hoursPerMonth: 730 },
  cost: { maxIncreasePercent: 10 },
  ...(churn ? { churn } : {}),
});

describe('per pool: price, same-type savings, bucket, interruptions a month', () => {
  const e = estimateEnvironmentCost(env({ warmupSeconds: 420, drainSeconds: 300 }), table([bucket('g6.xlarge', 4, '>20%'), bucket('g4dn.xlarge', 1, '5-10%')]), { hoursPerMonth: 365 });

  test('each configured pool, with its price basis', () => {
    // 2 spot instances over 4 favoured pools: 0.5 each; half the month run; g6 at 25%, g4dn at 7.5%
    expect(e.spotPools).toEqual([
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1a', kind: 'regional', usdPerHour: 0.4, onDemandUsdPerHour: 1, savingsVsOnDemandPercent: 60, bucket: '>20%', interruptionsPerMonth: 0.5 * 0.25 * 0.5, favoured: true },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1b', kind: 'regional', usdPerHour: 0.4, onDemandUsdPerHour: 1, savingsVsOnDemandPercent: 60, bucket: '>20%', interruptionsPerMonth: 0.5 * 0.25 * 0.5, favoured: true },
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1a', kind: 'regional', usdPerHour: 0.2, onDemandUsdPerHour: 0.5, savingsVsOnDemandPercent: 60, bucket: '5-10%', interruptionsPerMonth: 0.5 * 0.075 * 0.5, favoured: true },
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b', kind: 'regional', usdPerHour: 0.2, onDemandUsdPerHour: 0.5, savingsVsOnDemandPercent: 60, bucket: '5-10%', interruptionsPerMonth: 0.5 * 0.075 * 0.5, favoured: true },
    ]);
  });

  test('the churn line: warm-up plus drain at the pool price per interruption; range over the bucket bounds', () => {
    const hoursLost = (420 + 300) / 3600; // 0.2 h
    const g6 = 2 * 0.5 * 0.5; // instance-months run in g6 pools
    const g4 = 2 * 0.5 * 0.5;
    const churn = e.components.find((c) => c.id === 'spot-churn')!;
    expect(churn.monthlyUsd).toBeCloseTo(g6 * 0.25 * hoursLost * 0.4 + g4 * 0.075 * hoursLost * 0.2, 12);
    expect(churn.lowUsd).toBeCloseTo(g6 * 0.2 * hoursLost * 0.4 + g4 * 0.05 * hoursLost * 0.2, 12);
    expect(churn.highUsd).toBeCloseTo(g6 * 1 * hoursLost * 0.4 + g4 * 0.1 * hoursLost * 0.2, 12);
    expect(e.churn.interruptionsPerMonth).toBeCloseTo(g6 * 0.25 + g4 * 0.075, 12);
    expect(churn.basis).toMatch(/^0\.16 interruptions\/month x \$0\.06 each \(420 s warm-up \+ 300 s drain at the pool's price\)$/);
  });

  test('effective spot $/GPU-hour includes churn', () => {
    const spotUsd = e.components.find((c) => c.id === 'spot-burst')!.monthlyUsd;
    expect(e.churn.effectiveSpotUsdPerGpuHour).toBeCloseTo((spotUsd + e.churn.expectedUsd) / (2 * 365), 12);
    expect(e.churn.effectiveSpotUsdPerGpuHour!).toBeGreaterThan(0.3);
  });

  test('the stated assumption maps a bucket to a rate', () => {
    expect(e.assumptions).toContainEqual(expect.stringMatching(/^Interruptions: the Spot Instance Advisor bucket is read as the share of a pool's running instances interrupted per month of running, taken at the bucket's middle \(<5% = 2\.5%, 5-10% = 7\.5%, 10-15% = 12\.5%, 15-20% = 17\.5%, >20% = 25%\)/));
  });

  test('a configured type in the >20% bucket warns and names lower-bucket types with at least its GPU memory', () => {
    expect(e.interruptionWarnings).toContain(
      // g4dn.xlarge has a lower bucket but 16 GiB: not an alternative.
      'staging (us-east-1): g6.xlarge is in the Spot Instance Advisor\'s >20% interruption bucket (2026-08-10); the data names no type with at least its GPU memory (24 GiB) in a lower bucket there',
    );
  });
});

test('>20% alternatives: lower buckets first, then less memory, never less GPU memory than the type', () => {
  const e = estimateEnvironmentCost(env(), table([
    bucket('g6.xlarge', 4, '>20%'), bucket('g4dn.xlarge', 0, '<5%'), bucket('g6e.2xlarge', 1, '5-10%', 54), bucket('g5.xlarge', 2, '10-15%', 56),
  ]), { hoursPerMonth: 730 });
  expect(e.interruptionWarnings).toEqual([
    'staging (us-east-1): g6.xlarge is in the Spot Instance Advisor\'s >20% interruption bucket (2026-08-10); types with at least its GPU memory (24 GiB) ' +
      'and fewer interruptions there: g6e.2xlarge (5-10%, 48 GiB GPU memory, 54% savings), g5.xlarge (10-15%, 24 GiB GPU memory, 56% savings)',
  ]);
});

test('model download per launch is priced through NAT when its size is known', () => {
  const withModel = estimateEnvironmentCost(env({ warmupSeconds: 0, drainSeconds: 0, modelSizeGb: 40 }), table([bucket('g6.xlarge', 4, '>20%'), bucket('g4dn.xlarge', 4, '>20%')]), { hoursPerMonth: 730 });
  // 2 instances x 25% = 0.5 interruptions a month, each a 40 GB download x $0.045
  expect(withModel.churn.interruptionsPerMonth).toBeCloseTo(0.5, 12);
  expect(withModel.components.find((c) => c.id === 'spot-churn')!.monthlyUsd).toBeCloseTo(0.5 * 40 * 0.045, 12);
  expect(withModel.churn.modelSizeGb).toBe(40);
});

test('honest savings: "spot: no data" when every running pool is capped at on-demand', () => {
  const t = table([]);
  const capped: PriceTable = {
    ...t, regionalSpot: [],
    spot: ['g6.xlarge', 'g4dn.xlarge'].flatMap((type) => AZS.map((az) => ({
      kind: 'cap' as const, instanceType: type, region: 'us-east-1', availabilityZone: az, currentUsdPerHour: type === 'g6.xlarge' ? 1 : 0.5,
      p50UsdPerHour: type === 'g6.xlarge' ? 1 : 0.5, p90UsdPerHour: type === 'g6.xlarge' ? 1 : 0.5, samples: 1, ...prov,
    }))),
  };
  const e = estimateEnvironmentCost(env(), capped, { hoursPerMonth: 730 });
  expect(e.monthly.savingsVsOnDemandUsd).toBeNull();
  expect(e.monthly.savingsVsOnDemandPercent).toBeNull();
  expect(e.spotPools.every((p) => p.savingsVsOnDemandPercent === null && p.kind === 'cap')).toBe(true);
  // The cheaper type still shows, as what it is: a type-mix effect, not a spot saving.
  expect(e.monthly.typeMixUsd).toBeGreaterThan(0);
});
