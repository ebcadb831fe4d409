import { CostModelError, estimateEnvironmentCost, EnvironmentCostEstimate } from '../../../lib/pricing/estimate';
import { buildCostReport } from '../../../lib/pricing/report/model';
import { renderCostReportMarkdown } from '../../../lib/pricing/report/markdown';
import { diffCostReports } from '../../../lib/pricing/report/diff';
import type { InterruptionFrequency, PriceTable } from '../../../lib/pricing/types';
import { od, spot, threeTypeEnv, unitPrices } from '../support/fixtures';

// Capacity in throughput units (fleet.capacityUnit 'throughput'): every size counts requests/second at the SLO, each
// type weighs its rounded throughput. A g6e.xlarge (40 rps) and a g4dn.xlarge (9 rps) in one AZ, 100 h a month.

const prov = { source: 'snapshot' as const, validOn: '2026-11-01', origin: 'test fixture' };
const component = (e: EnvironmentCostEstimate, id: string) => e.components.find((c) => c.id === id)!;

// On-demand g6e $1.80 ($0.045/unit), g4dn $0.50 ($0.0556/unit). Spot p50 g6e $0.80 ($0.02/unit), g4dn $0.27
// ($0.03/unit); current g6e $0.70 (.0175/unit), g4dn $0.15 (.01667/unit); p90 g6e $1.00 (.025/unit), g4dn $0.27 (.03/unit).
const table = (interruption: InterruptionFrequency[] = []): PriceTable => ({
  onDemand: [od('g6e.xlarge', 1.8), od('g4dn.xlarge', 0.5)],
  spot: [spot('g6e.xlarge', 'us-east-1a', 0.7, 0.8, 1.0), spot('g4dn.xlarge', 'us-east-1a', 0.15, 0.27, 0.27)],
  interruption,
  units: unitPrices().filter((u) => u.resource === 'ebs-gp3-gb-month'),
  offerings: [],
});
const WEIGHTS = { 'g6e.xlarge': 40, 'g4dn.xlarge': 9 };
// Base 40 units (one g6e), 72 spot units on average, at most 200 units.
const env = (overrides: Partial<ReturnType<typeof threeTypeEnv>['fleet']> = {}) => threeTypeEnv({
  name: 'staging',
  availabilityZones: ['us-east-1a'],
  fleet: {
    instanceTypes: ['g6e.xlarge', 'g4dn.xlarge'], onDemandBaseCapacity: 40, spotPercentageAboveBase: 100,
    minSize: 40, maxSize: 200, rootVolumeGiB: 100, natGateways: 0, throughputWeights: WEIGHTS, ...overrides,
  },
  usage: { averageSpotInstances: 72, hoursPerMonth: 730 },
  cost: { maxIncreasePercent: 10, throughputRps: { 'g6e.xlarge': 40, 'g4dn.xlarge': 9 } },
});

describe('estimateEnvironmentCost: capacity in throughput units (g6e.xlarge 40, g4dn.xlarge 9)', () => {
  const e = estimateEnvironmentCost(env(), table(), { hoursPerMonth: 100 });

  test('sizes count throughput units; each type weighs its weight; instances = units / weight', () => {
    expect(e.capacityUnit).toBe('throughput');
    expect(e.fleet.baseInstanceType).toBe('g6e.xlarge');
    expect(e.fleet.baseInstances).toBe(1); // ceil(40 units / 40)
    expect(e.fleet.spotUnits).toBe(72);
    // Both pools favoured (two per AZ), 36 units each: 36 / 40 = 0.9 g6e, 36 / 9 = 4 g4dn.
    expect(e.fleet.averageInstances).toEqual([
      { instanceType: 'g6e.xlarge', onDemand: 1, spot: 0.9 },
      { instanceType: 'g4dn.xlarge', onDemand: 0, spot: 4 },
    ]);
  });

  test('lines priced per unit, worked by hand', () => {
    expect(component(e, 'on-demand-base').monthlyUsd).toBeCloseTo(1.8 * 100, 9); // 1 x g6e x $1.80 x 100 h
    const s = component(e, 'spot-burst');
    // 72 units x mean(.80/40, .27/9) = 72 x .025 = $1.80/h x 100 h = 180
    expect(s.monthlyUsd).toBeCloseTo(180, 9);
    expect(s.basis).toBe('72 throughput units x $0.0250/throughput unit-h (p50 over 2 favoured pools) x 100 h');
    expect(s.lowUsd).toBeCloseTo(72 * (0.15 / 9) * 100, 9); // cheapest current per unit: g4dn: 120
    expect(s.highUsd).toBeCloseTo(72 * (0.27 / 9) * 100, 9); // highest p90 per unit: g4dn: 216
    // 1 + 0.9 + 4 = 5.9 instances x 100 h x 100 GiB x $0.08 / 730 h
    expect(component(e, 'ebs').monthlyUsd).toBeCloseTo((5.9 * 100 * 8) / 730, 9);
    expect(e.monthly.expectedUsd).toBeCloseTo(180 + 180 + 4720 / 730, 9); // 366.47
  });

  test('$/unit and $/instance: the burn alarm and dashboard get what the spot units cost over the instances they run', () => {
    expect(e.hourly.onDemandUsdPerCapacityUnit).toBeCloseTo(1.8 / 40, 12);
    expect(e.hourly.spotExpectedUsdPerCapacityUnit).toBeCloseTo(0.025, 12);
    expect(e.hourly.onDemandBaseUsdPerInstance).toBe(1.8);
    // $1.80/h over 4.9 spot instances = $0.3673 (the pools' plain mean, $0.535, would overstate the burn by 46%)
    expect(e.hourly.spotExpectedUsdPerInstance).toBeCloseTo(1.8 / 4.9, 12);
  });

  test('$/GPU-hour counts each type\'s GPUs (GPUs per unit are not constant), worst case the priciest type per unit', () => {
    // 5.9 one-GPU instances x 100 h = 590 GPU-h
    expect(e.monthly.costPerGpuHourUsd).toBeCloseTo(e.monthly.expectedUsd / 590, 12);
    expect(e.churn.effectiveSpotUsdPerGpuHour).toBeCloseTo(180 / (4.9 * 100), 12);
    // g4dn $0.50/9 = $0.0556/unit beats g6e $0.045: 200 units x $0.50/9 x 730 h = 8,111.11 + ceil(200/9) = 23
    // root volumes x $8/month
    expect(e.monthly.worstCaseUsd).toBeCloseTo((200 * 0.5 / 9) * 730 + 23 * 8, 9);
    // Same fleet with spot on-demand at its own types: 180 + 36 x (.045 + .5/9) x 100 + EBS
    expect(e.monthly.allOnDemandUsd).toBeCloseTo(180 + 36 * (0.045 + 0.5 / 9) * 100 + 4720 / 730, 9);
    expect(e.monthly.typeMixUsd).toBeCloseTo(72 * (0.045 - (0.045 + 0.5 / 9) / 2) * 100, 9); // -38
  });

  test('cost per million requests: the base serves 40 rps, each spot unit 1 rps', () => {
    // 360 USD of instances over (40 + 72) rps x 3,600 x 100 h = 40.32M requests = $8.93 per million
    expect(e.perMillionRequests?.blendedUsd).toBeCloseTo((360 / (112 * 3600 * 100)) * 1e6, 9);
  });

  test('the report says what a unit is, with the weights, the base in units and the instances by type', () => {
    expect(e.assumptions).toEqual(expect.arrayContaining([
      'Capacity unit: throughput unit (1 request/second at the SLO; each type weighs its rounded cost.throughputRps).',
      'Throughput weights (units per instance): g6e.xlarge 40, g4dn.xlarge 9.',
      'On-demand base: 1 x g6e.xlarge (prioritized: first configured type offered), 40 units for onDemandBaseCapacity 40.',
      'Burst above base: 72 throughput units on average, 100% spot.',
      'Average instances: g6e.xlarge 1.9 (1 on-demand, 0.9 spot), g4dn.xlarge 4 spot (throughput units / each type\'s weight; the spot throughput units in equal shares over the favoured pools).',
      'Worst case: 200 throughput units on-demand (g4dn.xlarge, the priciest per throughput unit) for 730 h.',
    ]));
    const md = renderCostReportMarkdown(buildCostReport([e]));
    expect(md).toContain('capacity unit: throughput unit; on-demand base 1 x g6e.xlarge, burst 72 throughput units (72 spot).');
    expect(md).toContain('- Worst case (200 throughput units on-demand all month)');
  });

  test('churn counts instances per pool: 4 g4dn instances x their bucket\'s rate', () => {
    const b = (instanceType: string, bucket: number, label: string): InterruptionFrequency =>
      ({ instanceType, region: 'us-east-1', bucket, label, savingsPercent: 50, ...prov });
    const c = estimateEnvironmentCost(env(), table([b('g6e.xlarge', 0, '<5%'), b('g4dn.xlarge', 1, '5-10%')]), { hoursPerMonth: 730 });
    // 0.9 x 2.5% + 4 x 7.5%, all month
    expect(c.churn.interruptionsPerMonth).toBeCloseTo(0.9 * 0.025 + 4 * 0.075, 12);
  });

  test('cost:diff names a switch to throughput units as a risk change', () => {
    const before = buildCostReport([estimateEnvironmentCost(env({ throughputWeights: undefined, onDemandBaseCapacity: 1, minSize: 1, maxSize: 5 }), table(), { hoursPerMonth: 100 })]);
    const after = buildCostReport([e]);
    expect(diffCostReports(before, after).environments[0].risk.changes).toContainEqual(
      { field: 'fleet.capacityUnit "throughput" (units per instance)', before: 'none', after: 'g6e.xlarge 40, g4dn.xlarge 9' },
    );
  });

  test('a weight the group cannot carry is refused, naming the types and the rule', () => {
    expect(() => estimateEnvironmentCost(env({ throughputWeights: { 'g6e.xlarge': 40.5 } }), table(), { hoursPerMonth: 100 })).toThrow(
      new CostModelError('staging: fleet.throughputWeights (g6e.xlarge 40.5, g4dn.xlarge missing) must give every instance type a whole number of throughput units from 1 to 999, as the group carries them (Auto Scaling WeightedCapacity)'),
    );
  });
});
