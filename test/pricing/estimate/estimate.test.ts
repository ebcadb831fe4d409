import {
  CostModelError,
  DEFAULT_SMALL_PARTS,
  estimateEnvironmentCost,
  EnvironmentCostEstimate,
} from '../../../lib/pricing/estimate';
import { PriceTable } from '../../../lib/pricing/types';
import { od, spot, threeTypeEnv, threeTypeTable, unitPrices } from '../support/fixtures';

function component(e: EnvironmentCostEstimate, id: string) {
  const c = e.components.find((x) => x.id === id);
  if (!c) throw new Error(`no component ${id} in ${e.components.map((x) => x.id).join(', ')}`);
  return c;
}

// Figures shared by the scenario below (200 h/month, 1 base + 2 spot, 100 GiB, 1 NAT):
const NOT_SCALED =
  1 * 0.045 * 730 + // NAT: 32.85
  10 * 0.1 + // alarms: 1.00
  100_000 * 0.0000002 + 12_500 * 0.0000166667 + // Lambda: 0.02 + 0.20833375
  1_000_000 * 0.0000004; // SQS: 0.40  -> 34.47833375 in all
// Favoured spot pools, two cheapest by p50 per AZ: a: g4dn .22, g6 .40 (g5 .50 out); b: g4dn .23, g6 .45
// (g5 .50 out); c: g4dn .24, g6 .42 (g5 has no history there). Mean = 1.96 / 6.
const SPOT_P50 = (0.22 + 0.4 + 0.23 + 0.45 + 0.24 + 0.42) / 6;

describe('estimateEnvironmentCost: one-GPU types, scheduled 200 h', () => {
  const e = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), {
    hoursPerMonth: 200,
    scheduleDescription: 'MON-FRI 08:00-17:00 UTC',
  });

  test('counts instances, runs the base on the first configured type', () => {
    expect(e.capacityUnit).toBe('instance');
    expect(e.fleet.baseInstanceType).toBe('g6.xlarge');
    expect(e.fleet.baseInstances).toBe(1);
    expect(e.fleet.spotUnits).toBe(2);
    expect(e.fleet.onDemandBurstUnits).toBe(0);
  });

  test('favours the two cheapest pools per AZ by p50', () => {
    expect(e.fleet.favouredSpotPools).toEqual([
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1a' },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1a' },
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b' },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1b' },
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1c' },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1c' },
    ]);
  });

  test('components, worked out by hand', () => {
    // 1 x $1.00 x 200 h
    expect(component(e, 'on-demand-base').monthlyUsd).toBeCloseTo(200, 9);
    expect(component(e, 'on-demand-base').basis).toBe('1 x g6.xlarge x $1.0000/h x 200 h');
    // 2 x 0.326667 x 200 = 130.67; low: cheapest current pool (g4dn c .19) 2 x .19 x 200 = 76;
    // high: highest p90 of the favoured pools (g6 b .60) 2 x .60 x 200 = 240
    const s = component(e, 'spot-burst');
    expect(s.monthlyUsd).toBeCloseTo(2 * SPOT_P50 * 200, 9);
    expect(s.monthlyUsd).toBeCloseTo(130.67, 2);
    expect(s.lowUsd).toBeCloseTo(76, 9);
    expect(s.highUsd).toBeCloseTo(240, 9);
    // 3 instances x 200 h = 600 instance-h; 100 GiB x $0.08 x 600 / 730 = 6.575
    expect(component(e, 'ebs').monthlyUsd).toBeCloseTo(4800 / 730, 9);
    expect(component(e, 'ebs').basis).toBe('100 GiB x $0.0800/GB-month x 600 instance-h / 730 h');
    // NAT is not scheduled: 1 x 0.045 x 730
    expect(component(e, 'nat-gateway').monthlyUsd).toBeCloseTo(32.85, 9);
    expect(component(e, 'cloudwatch-alarms').monthlyUsd).toBeCloseTo(1, 9);
    expect(component(e, 'lambda').monthlyUsd).toBeCloseTo(0.22833375, 9);
    expect(component(e, 'sqs').monthlyUsd).toBeCloseTo(0.4, 9);
    // No interruption data in this table: the churn line is there, at $0, and the pools are named (warning below).
    expect(component(e, 'spot-churn').monthlyUsd).toBe(0);
    expect(e.components.map((c) => c.id)).toEqual([
      'on-demand-base', 'spot-burst', 'spot-churn', 'ebs', 'nat-gateway', 'cloudwatch-alarms', 'lambda', 'sqs',
    ]);
  });

  test('totals, range, worst case', () => {
    const expected = 200 + 2 * SPOT_P50 * 200 + 4800 / 730 + NOT_SCALED; // 371.72
    expect(e.monthly.expectedUsd).toBeCloseTo(expected, 9);
    expect(e.monthly.expectedUsd).toBeCloseTo(371.72, 2);
    expect(e.monthly.lowUsd).toBeCloseTo(expected - 2 * SPOT_P50 * 200 + 76, 9);
    expect(e.monthly.highUsd).toBeCloseTo(expected - 2 * SPOT_P50 * 200 + 240, 9);
    // 6 x g5.xlarge ($1.20, the priciest) x 730 h = 5256 + EBS 6 x $8 = 48 + NAT and small parts
    expect(e.monthly.worstCaseUsd).toBeCloseTo(5256 + 48 + NOT_SCALED, 9);
  });

  test('savings against all on-demand of the same types, the type mix apart, and the schedule', () => {
    // The favoured pools run g4dn ($0.60) and g6 ($1.00) in equal shares: same-type on-demand $0.80/instance-h.
    // All on-demand: base 1 x $1.00 + spot 2 x $0.80, x 200 h = 520, same EBS and fixed parts; saving = 320 - 130.67
    expect(e.monthly.allOnDemandUsd).toBeCloseTo(520 + 4800 / 730 + NOT_SCALED, 9);
    expect(e.monthly.savingsVsOnDemandUsd).toBeCloseTo(320 - 2 * SPOT_P50 * 200, 9);
    expect(e.monthly.savingsVsOnDemandPercent).toBeCloseTo(((320 - 2 * SPOT_P50 * 200) / e.monthly.allOnDemandUsd) * 100, 9);
    // Type mix: the burst on the base type g6 ($1.00) instead of its own types ($0.80): 2 x 0.20 x 200 = 80
    expect(e.monthly.typeMixUsd).toBeCloseTo(80, 9);
    // Always on: (1 + 2 x 0.326667 + 3 x 8/730) x 730 + fixed = 730 + 476.93 + 24 + 34.48 = 1265.41
    const alwaysOn = 730 + 2 * SPOT_P50 * 730 + 24 + NOT_SCALED;
    expect(e.monthly.alwaysOnExpectedUsd).toBeCloseTo(alwaysOn, 9);
    expect(e.monthly.scheduleSavingUsd).toBeCloseTo(alwaysOn - e.monthly.expectedUsd, 9);
  });

  test('cost per GPU-hour, hourly rates, budget', () => {
    // 3 GPUs x 200 h = 600 GPU-h
    expect(e.monthly.costPerGpuHourUsd).toBeCloseTo(e.monthly.expectedUsd / 600, 9);
    expect(e.hourly).toEqual({
      onDemandBaseUsdPerInstance: 1,
      spotExpectedUsdPerInstance: SPOT_P50,
      // 100 GiB x $0.08/GB-month / 730 h, on every running instance
      rootVolumeUsdPerInstance: 8 / 730,
      onDemandBaseRunningUsdPerInstance: 1 + 8 / 730,
      spotExpectedRunningUsdPerInstance: SPOT_P50 + 8 / 730,
      runningBasis: 'instance + root volume 100 GiB x $0.0800/GB-month / 730 h = $0.0110/h',
      onDemandUsdPerCapacityUnit: 1,
      spotExpectedUsdPerCapacityUnit: SPOT_P50,
    });
    expect(e.budget.monthlyLimitUsd).toBe(2000);
    expect(e.budget.headroomUsd).toBeCloseTo(2000 - e.monthly.expectedUsd, 9);
    expect(e.budget.percentUsed).toBeCloseTo((e.monthly.expectedUsd / 2000) * 100, 9);
    expect(e.budget.overBudget).toBe(false);
  });

  test('the running per-instance figures (what the burn alarm and dashboard multiply by) give the instance and EBS lines', () => {
    // 1 on-demand base + 2 spot instances for 200 h
    const live = (1 * e.hourly.onDemandBaseRunningUsdPerInstance + 2 * e.hourly.spotExpectedRunningUsdPerInstance) * 200;
    const lines = component(e, 'on-demand-base').monthlyUsd + component(e, 'spot-burst').monthlyUsd + component(e, 'ebs').monthlyUsd;
    expect(live).toBeCloseTo(lines, 9);
  });

  test('cost per million requests: per type and blended', () => {
    const pm = e.perMillionRequests!;
    // g6: $1.00 / (18 rps x 3600 s) x 1e6 = 15.43; spot: mean p50 of its pools (.40+.45+.42)/3 = .4233 -> 6.53
    expect(pm.byType[0]).toEqual({
      instanceType: 'g6.xlarge', requestsPerSecond: 18, onDemandUsd: (1 / (18 * 3600)) * 1e6, spotUsd: expect.any(Number),
    });
    expect(pm.byType[0].spotUsd).toBeCloseTo((((0.4 + 0.45 + 0.42) / 3) / (18 * 3600)) * 1e6, 9);
    // g5 has pools in a and b only: (.50 + .50) / 2
    expect(pm.byType[1].spotUsd).toBeCloseTo((0.5 / (22 * 3600)) * 1e6, 9);
    // Served: base 18 rps + 2 spot x mean(9, 18) = 27 -> 45 rps x 3600 x 200 h = 32.4M requests;
    // instance cost 200 + 130.67 = 330.67 -> $10.21 per million
    expect(pm.blendedUsd).toBeCloseTo(((200 + 2 * SPOT_P50 * 200) / (45 * 3600 * 200)) * 1e6, 9);
  });

  test('records every price considered with its market, AZ, source and date', () => {
    expect(e.prices.filter((p) => p.market === 'on-demand')).toHaveLength(3);
    const spots = e.prices.filter((p) => p.market === 'spot');
    expect(spots).toHaveLength(8);
    expect(spots.filter((p) => p.market === 'spot' && p.favoured)).toHaveLength(6);
    expect(spots[0]).toEqual({
      market: 'spot', instanceType: 'g6.xlarge', region: 'us-east-1', availabilityZone: 'us-east-1a', usdPerHour: 0.4,
      currentUsdPerHour: 0.3, p90UsdPerHour: 0.5, samples: 42, favoured: true, source: 'snapshot', validOn: '2026-11-01',
      origin: 'test fixture',
    });
    expect(e.prices.filter((p) => p.market === 'unit').map((p) => p.market === 'unit' && p.resource)).toEqual([
      'ebs-gp3-gb-month', 'nat-gateway-hour', 'cloudwatch-alarm-month', 'lambda-request', 'lambda-gb-second', 'sqs-request',
    ]);
  });

  test('warns about the pool without spot history and states the assumptions', () => {
    expect(e.warnings).toEqual([
      'staging (us-east-1): no spot price history for g5.xlarge in us-east-1c; that pool is left out of the spot estimate',
      'staging (us-east-1): no interruption bucket for g6.xlarge, g4dn.xlarge in the data; their pools\' churn is not counted',
    ]);
    expect(e.assumptions).toContain('Schedule: MON-FRI 08:00-17:00 UTC, 200 h/month.');
    expect(e.assumptions).toContain('On-demand base: 1 x g6.xlarge (prioritized: first configured type offered).');
    expect(e.inputs.smallParts).toEqual(DEFAULT_SMALL_PARTS);
    expect(e.inputs.hoursPerMonth).toBe(200);
  });
});

describe('estimateEnvironmentCost: GPU-weighted types', () => {
  // g5.12xlarge (4 GPUs, $4.00 = $1.00/GPU) first, g6.xlarge (1 GPU, $0.80) second, one AZ, half the burst spot.
  const table: PriceTable = {
    onDemand: [od('g5.12xlarge', 4), od('g6.xlarge', 0.8)],
    spot: [spot('g5.12xlarge', 'us-east-1a', 1.6, 2.0, 2.4), spot('g6.xlarge', 'us-east-1a', 0.3, 0.32, 0.4)],
    units: unitPrices().filter((u) => u.resource === 'ebs-gp3-gb-month'),
    offerings: [],
  };
  const env = threeTypeEnv({
    name: 'prod',
    availabilityZones: ['us-east-1a'],
    fleet: {
      instanceTypes: ['g5.12xlarge', 'g6.xlarge'], onDemandBaseCapacity: 4, spotPercentageAboveBase: 50,
      minSize: 4, maxSize: 8, rootVolumeGiB: 100, natGateways: 0,
    },
    usage: { averageSpotInstances: 4, hoursPerMonth: 730 },
    cost: { maxIncreasePercent: 10, commitment: { label: '1-year Savings Plan', hourlyUsd: { 'g5.12xlarge': 2.5 } } },
  });
  const e = estimateEnvironmentCost(env, table, { hoursPerMonth: 730 });

  test('sizes count GPUs and each type weighs its GPU count', () => {
    expect(e.capacityUnit).toBe('gpu');
    expect(e.fleet.baseInstances).toBe(1); // ceil(4 GPUs / 4)
    expect(e.fleet.spotUnits).toBe(2);
    expect(e.fleet.onDemandBurstUnits).toBe(2);
  });

  test('prices per GPU', () => {
    expect(component(e, 'on-demand-base').monthlyUsd).toBeCloseTo(4 * 730, 9); // 2920
    // 2 GPUs on-demand at $4.00/4 = $1.00 per GPU-hour: 1460
    expect(component(e, 'on-demand-burst').monthlyUsd).toBeCloseTo(1460, 9);
    // p50 per GPU: 2.0/4 = .50 and .32 -> mean .41; 2 GPUs x .41 x 730 = 598.6
    const s = component(e, 'spot-burst');
    expect(s.monthlyUsd).toBeCloseTo(2 * 0.41 * 730, 9);
    expect(s.lowUsd).toBeCloseTo(2 * 0.3 * 730, 9); // cheapest current per GPU: g6 .30 (g5.12x 1.6/4 = .40)
    expect(s.highUsd).toBeCloseTo(2 * 0.6 * 730, 9); // highest p90 per GPU: 2.4/4 = .60
    // Instances: 1 base + 2/4 on-demand + 2 spot GPUs x mean(1/4, 1/1) = 1.25 -> 2.75 x 730 h x $8/730
    expect(component(e, 'ebs').monthlyUsd).toBeCloseTo(2.75 * 8, 9);
    // Per spot instance: what the spot GPUs cost over the instances they run, not the pools' plain mean ($1.16, which
    // the burn alarm and dashboard multiplied by instances): 1 GPU per pool = 1/4 x $2.00 + 1 x $0.32 = $0.82/h over
    // 1.25 instances = $0.656.
    expect(e.hourly.spotExpectedUsdPerInstance).toBeCloseTo(0.82 / 1.25, 9);
    expect(e.fleet.averageInstances).toEqual([
      { instanceType: 'g5.12xlarge', onDemand: 1.5, spot: 0.25 },
      { instanceType: 'g6.xlarge', onDemand: 0, spot: 1 },
    ]);
    expect(e.hourly.spotExpectedUsdPerCapacityUnit).toBeCloseTo(0.41, 9);
    expect(e.hourly.onDemandUsdPerCapacityUnit).toBe(1);
  });

  test('worst case takes the priciest type per GPU, whole instances', () => {
    // $1.00/GPU (g5.12xlarge) beats $0.80/GPU: 8 GPUs x 730 = 5840 + 2 instances x $8 EBS
    expect(e.monthly.worstCaseUsd).toBeCloseTo(5840 + 16, 9);
    // 4 base GPUs + 4 burst GPUs over 730 h
    expect(e.monthly.costPerGpuHourUsd).toBeCloseTo(e.monthly.expectedUsd / (8 * 730), 9);
    expect(e.monthly.scheduleSavingUsd).toBeNull();
    expect(e.monthly.alwaysOnExpectedUsd).toBeCloseTo(e.monthly.expectedUsd, 9);
  });

  test('commitment is billed every hour beside the on-demand baseline', () => {
    expect(e.commitment).toEqual({
      label: '1-year Savings Plan', instanceType: 'g5.12xlarge', hourlyUsd: 2.5,
      baselineMonthlyUsd: 2.5 * 730, onDemandBaselineMonthlyUsd: 4 * 730,
    });
  });

  test('small parts without prices are left out with a warning; no NAT with 0 gateways', () => {
    expect(e.components.map((c) => c.id)).toEqual(['on-demand-base', 'on-demand-burst', 'spot-burst', 'spot-churn', 'ebs']);
    expect(e.warnings.filter((w) => !w.includes('interruption bucket'))).toEqual([
      'prod (us-east-1): not priced (no price in the price table): CloudWatch alarms, Lambda, SQS; the estimate is low by these lines',
    ]);
    expect(e.notPriced).toEqual(['CloudWatch alarms', 'Lambda', 'SQS']);
    expect(e.perMillionRequests).toBeUndefined();
  });
});

describe('estimateEnvironmentCost: edge rules', () => {
  test('a type not offered in any configured AZ is left out and the next one runs the base', () => {
    const table = threeTypeTable();
    const t: PriceTable = {
      ...table,
      offerings: table.offerings.map((o) => (o.instanceType === 'g6.xlarge' ? { ...o, availabilityZones: ['us-east-1f'] } : o)),
    };
    const e = estimateEnvironmentCost(threeTypeEnv(), t, { hoursPerMonth: 730 });
    expect(e.fleet.baseInstanceType).toBe('g5.xlarge');
    expect(e.fleet.typesNotOffered).toEqual(['g6.xlarge']);
    expect(e.warnings[0]).toBe(
      'staging (us-east-1): g6.xlarge is not offered in us-east-1a, us-east-1b, us-east-1c; left out of the estimate',
    );
  });

  test('a type offered in fewer AZs only has pools there', () => {
    const table = threeTypeTable();
    const t: PriceTable = {
      ...table,
      offerings: table.offerings.map((o) => (o.instanceType === 'g4dn.xlarge' ? { ...o, availabilityZones: ['us-east-1a'] } : o)),
    };
    const e = estimateEnvironmentCost(threeTypeEnv(), t, { hoursPerMonth: 730 });
    expect(e.fleet.favouredSpotPools.filter((p) => p.instanceType === 'g4dn.xlarge')).toEqual([
      { instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1a' },
    ]);
  });

  test('no offering data: assumed offered everywhere, and said so', () => {
    const e = estimateEnvironmentCost(threeTypeEnv(), { ...threeTypeTable(), offerings: [] }, { hoursPerMonth: 730 });
    expect(e.assumptions).toContain('No offering data for g6.xlarge in us-east-1: assumed offered in every configured AZ.');
    expect(e.monthly.scheduleSavingUsd).toBeNull();
    expect(e.assumptions).toContain('The fleet runs 730 h/month (usage.hoursPerMonth; no schedule).');
  });

  test('averageSpotInstances above the room left by maxSize is capped with a warning', () => {
    const env = threeTypeEnv({ usage: { averageSpotInstances: 9, hoursPerMonth: 730 } });
    const e = estimateEnvironmentCost(env, threeTypeTable(), { hoursPerMonth: 730 });
    expect(e.fleet.spotUnits).toBe(5);
    expect(e.warnings).toContain(
      'staging: usage.averageSpotInstances (9) is more than maxSize - onDemandBaseCapacity (5); the estimate uses 5',
    );
  });

  test('an existing VPC has no NAT line', () => {
    const base = threeTypeEnv();
    const e = estimateEnvironmentCost({ ...base, fleet: { ...base.fleet, existingVpc: { vpcId: 'vpc-1' } } }, threeTypeTable(), {
      hoursPerMonth: 730,
    });
    expect(e.components.find((c) => c.id === 'nat-gateway')).toBeUndefined();
    expect(e.assumptions).toContain("Existing VPC: its NAT gateways are not this stack's cost and are left out.");
    expect(e.inputs.environment.fleet.existingVpc).toBe(true);
  });

  test('a fleet with no spot prices its burst on-demand and needs no spot history', () => {
    const base = threeTypeEnv();
    const env = { ...base, fleet: { ...base.fleet, spotPercentageAboveBase: 0 } };
    const e = estimateEnvironmentCost(env, { ...threeTypeTable(), spot: [] }, { hoursPerMonth: 100 });
    expect(component(e, 'on-demand-burst').monthlyUsd).toBeCloseTo(2 * 1 * 100, 9);
    expect(e.components.find((c) => c.id === 'spot-burst')).toBeUndefined();
    expect(e.hourly.spotExpectedUsdPerInstance).toBe(1);
    expect(e.assumptions).toContain('The fleet runs no spot (spotPercentageAboveBase is 0): the burst is priced on-demand.');
    expect(e.monthly.savingsVsOnDemandUsd).toBeCloseTo(0, 9);
    expect(e.warnings).toEqual([]);
  });

  test('zero hours: no GPU-hours, no NaN', () => {
    const e = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 0 });
    expect(e.monthly.costPerGpuHourUsd).toBeNull();
    expect(e.perMillionRequests!.blendedUsd).toBeNull();
    expect(e.monthly.alwaysOnExpectedUsd).toBeCloseTo(730 + 2 * SPOT_P50 * 730 + 24 + NOT_SCALED, 9);
    expect(Number.isFinite(e.monthly.savingsVsOnDemandPercent)).toBe(true);
  });

  test('blended cost per million is left out when a running type has no throughput', () => {
    const env = threeTypeEnv({ cost: { maxIncreasePercent: 15, throughputRps: { 'g6.xlarge': 18 } } });
    const e = estimateEnvironmentCost(env, threeTypeTable(), { hoursPerMonth: 730 });
    expect(e.perMillionRequests!.blendedUsd).toBeNull();
    expect(e.perMillionRequests!.byType.map((t) => t.instanceType)).toEqual(['g6.xlarge']);
    expect(e.assumptions).toContain('Blended cost per million requests left out: cost.throughputRps has no figure for g4dn.xlarge.');
  });

  test('a commitment without a rate for the base type is left out with a warning', () => {
    const env = threeTypeEnv({ cost: { maxIncreasePercent: 15, commitment: { label: 'RI', hourlyUsd: { 'g5.xlarge': 0.7 } } } });
    const e = estimateEnvironmentCost(env, threeTypeTable(), { hoursPerMonth: 730 });
    expect(e.commitment).toBeUndefined();
    expect(e.warnings).toContain(
      'staging.cost.commitment.hourlyUsd has no positive rate for the base type g6.xlarge (undefined); the RI figure is left out',
    );
  });
});

describe('estimateEnvironmentCost: bad input is a clear error', () => {
  const run = (table: PriceTable, env = threeTypeEnv(), hours = 730) => () =>
    estimateEnvironmentCost(env, table, { hoursPerMonth: hours });
  const t = threeTypeTable();

  test.each([
    ['missing on-demand price', { ...t, onDemand: t.onDemand.slice(1) },
      'staging: no on-demand price for g6.xlarge in us-east-1 in the price table; run npm run pricing:refresh (or synth with -c pricing=live), or remove the type from the fleet'],
    ['$0 on-demand price', { ...t, onDemand: [od('g6.xlarge', 0), ...t.onDemand.slice(1)] },
      'staging: on-demand price of g6.xlarge in us-east-1 is 0 (snapshot, 2026-11-01); it must be a positive USD per hour: the price table is corrupt, refresh it'],
    ['NaN on-demand price', { ...t, onDemand: [od('g6.xlarge', NaN), ...t.onDemand.slice(1)] },
      'staging: on-demand price of g6.xlarge in us-east-1 is NaN (snapshot, 2026-11-01); it must be a positive USD per hour: the price table is corrupt, refresh it'],
    ['no spot history at all', { ...t, spot: [] },
      'staging (us-east-1): no spot price for any of g6.xlarge, g5.xlarge, g4dn.xlarge in us-east-1a, us-east-1b, us-east-1c, but spotPercentageAboveBase is 100; refresh the prices (npm run pricing:refresh) or check the types are offered as spot there'],
    ['malformed spot statistics', { ...t, spot: [spot('g6.xlarge', 'us-east-1a', 0.3, NaN, -1)] },
      'staging: spot price of g6.xlarge in us-east-1a has p50UsdPerHour = NaN, p90UsdPerHour = -1 (snapshot, 2026-11-01); each must be a positive USD per hour: the price table is corrupt, refresh it'],
    ['$0 small-part price', { ...t, units: t.units.map((u) => (u.resource === 'sqs-request' ? { ...u, usdPerUnit: 0 } : u)) },
      'staging: sqs-request price in us-east-1 is 0 (snapshot, 2026-11-01); it must be a positive USD amount: the price table is corrupt, refresh it'],
    ['no type offered', { ...t, offerings: t.offerings.map((o) => ({ ...o, availabilityZones: [] })) },
      'staging (us-east-1): none of the instance types g6.xlarge, g5.xlarge, g4dn.xlarge is offered in us-east-1a, us-east-1b, us-east-1c; add a type offered there or another AZ'],
  ])('%s', (_name, table, message) => {
    expect(run(table as PriceTable)).toThrow(CostModelError);
    expect(run(table as PriceTable)).toThrow(message);
  });

  test('hours out of range', () => {
    expect(run(t, threeTypeEnv(), 731)).toThrow(
      'staging: hoursPerMonth (731) must be a number from 0 to 730; compute it from the schedule or set usage.hoursPerMonth',
    );
    expect(run(t, threeTypeEnv(), NaN)).toThrow('staging: hoursPerMonth (NaN) must be a number from 0 to 730');
  });

  test('unknown GPU count', () => {
    const base = threeTypeEnv();
    const env = { ...base, fleet: { ...base.fleet, instanceTypes: ['x9.mega'] } };
    expect(run(t, env)).toThrow(
      'staging: GPU count of x9.mega is unknown offline (the GPU catalog has no facts for it and the price table no offering): ' +
        'synth with -c pricing=live (DescribeInstanceTypes gives it), or add its family and size to lib/catalog/gpu-instance-types.ts from the EC2 instance type page',
    );
  });

  test('budget must be positive', () => {
    expect(run(t, threeTypeEnv({ budget: { monthlyLimitUsd: 0 } }))).toThrow(
      'staging.budget.monthlyLimitUsd (0) must be a positive number of USD',
    );
  });
});

describe('estimateEnvironmentCost: the on-demand fallback in the worst case', () => {
  const withFallback = estimateEnvironmentCost(threeTypeEnv({ fallback: { maxInstances: 3 } }), threeTypeTable(), { hoursPerMonth: 200 });
  const without = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 200 });

  test('adds the cap at the priciest type per instance, all month, with its root volumes', () => {
    // 3 x (g5.xlarge $1.20/h + 100 GiB x $0.08 / 730 h) x 730 h = 3 x 876 + 3 x 8 = 2628 + 24 = 2652
    expect(withFallback.monthly.worstCaseUsd - without.monthly.worstCaseUsd).toBeCloseTo(2652, 9);
    expect(withFallback.assumptions).toContainEqual(expect.stringMatching(/plus the on-demand fallback's cap of 3 x g5\.xlarge \(\$3\.63\/h with root volumes\)\.$/));
  });

  test('changes nothing else: the fallback only runs when spot fails', () => {
    expect(withFallback.monthly.expectedUsd).toBe(without.monthly.expectedUsd);
    expect(withFallback.inputs.environment.fallback).toEqual({ maxInstances: 3 });
    expect(without.inputs.environment.fallback).toBeUndefined();
  });
});

describe('estimateEnvironmentCost: a line without a traced price', () => {
  const t = threeTypeTable();
  test.each([
    ['ebs-gp3-gb-month', 'ebs', 'EBS gp3 root volumes'],
    ['nat-gateway-hour', 'nat-gateway', 'NAT gateways (1)'],
  ] as const)('no %s: the line is left out, named as not priced and warned, never $0 in disguise', (resource, id, label) => {
    expect(resource).toMatch(/-/);
    const e = estimateEnvironmentCost(threeTypeEnv(), { ...t, units: t.units.filter((u) => u.resource !== resource) }, { hoursPerMonth: 200 });
    expect(e.components.map((c) => c.id)).not.toContain(id);
    expect(e.notPriced).toEqual([label]);
    expect(e.warnings).toContain(`staging (us-east-1): not priced (no price in the price table): ${label}; the estimate is low by these lines`);
  });
});

describe('estimateEnvironmentCost: running per-instance figures without a gp3 price', () => {
  test('the instance alone, the basis saying the root volume is not priced', () => {
    const table = threeTypeTable();
    const e = estimateEnvironmentCost(threeTypeEnv(), { ...table, units: table.units.filter((u) => u.resource !== 'ebs-gp3-gb-month') }, { hoursPerMonth: 200 });
    expect(e.notPriced).toContain('EBS gp3 root volumes');
    expect(e.hourly.rootVolumeUsdPerInstance).toBeNull();
    expect(e.hourly.onDemandBaseRunningUsdPerInstance).toBe(e.hourly.onDemandBaseUsdPerInstance);
    expect(e.hourly.spotExpectedRunningUsdPerInstance).toBe(e.hourly.spotExpectedUsdPerInstance);
    expect(e.hourly.runningBasis).toBe('instance only (root volume not priced: no gp3 price)');
  });
});
