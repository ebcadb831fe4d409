import { Template } from 'aws-cdk-lib/assertions';
import { prod, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { environmentProblems } from '../../config/validate';
import { buildCostReport } from '../../lib/pricing/report/model';
import { renderCostReportMarkdown } from '../../lib/pricing/report/markdown';
import { costModelEnvironment, priceRequestsFor } from '../../lib/stacks/cost-inputs';
import { fixtureEstimate } from '../support/prices';
import { buildEnvironmentStack, resourcesOfType, withOverrides } from '../support/stacks';

// fleet.capacityUnit 'throughput' end to end: config -> estimate -> stack -> report. staging switched to throughput
// units (g6.xlarge 18, g5.xlarge 22, g6e.xlarge 40, g4dn.xlarge 9 requests/second): the base is one g6.xlarge (18
// units), the group runs 18-120 units, 40 units of spot on average. The committed environments stay in 'auto'.

const LOR = { routing: 'least_outstanding_requests' as const, slowStartSeconds: 0 };
const stagingTu: EnvironmentConfig = withOverrides(staging, {
  fleet: { capacityUnit: 'throughput', onDemandBaseCapacity: 18, minSize: 18, maxSize: 120 },
  usage: { averageSpotInstances: 40 },
  serving: { endpoint: LOR },
});
const WEIGHTS = { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40, 'g4dn.xlarge': 9 };

type Policy = { Properties: Record<string, any> };
const policies = (t: Template) => Object.values(resourcesOfType(t, 'AWS::AutoScaling::ScalingPolicy')) as Policy[];
const mainGroup = (t: Template) => Object.values(resourcesOfType(t, 'AWS::AutoScaling::AutoScalingGroup')).find((g) => g.Properties.MinSize !== '0')!;
const customExpression = (p: Policy): string =>
  (p.Properties.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics as Array<{ Expression?: string }>).find((m) => m.Expression)!.Expression!;

describe('staging in throughput units: validate -> estimate -> stack -> report', () => {
  const e = fixtureEstimate(stagingTu);
  const { template: t } = buildEnvironmentStack(stagingTu);

  test('the config is valid; the estimate gets the group\'s weights (round(cost.throughputRps)) and a placement target in instances', () => {
    expect(environmentProblems(stagingTu)).toEqual([]);
    expect(costModelEnvironment(stagingTu).fleet.throughputWeights).toEqual(WEIGHTS);
    expect(costModelEnvironment(staging).fleet.throughputWeights).toBeUndefined();
    // (120 - 18) units over the smallest weight (g4dn, 9) = at most 12 spot instances
    expect(priceRequestsFor([stagingTu])[0].spotTargetCapacity).toBe(12);
  });

  test('the estimate at fixture prices ($1.00 on-demand, $0.50 spot p50 for every type), worked by hand', () => {
    expect(e.capacityUnit).toBe('throughput');
    expect(e.hoursPerMonth).toBe(261);
    expect(e.fleet).toMatchObject({ baseInstanceType: 'g6.xlarge', baseInstances: 1, burstUnits: 40, spotUnits: 40 });
    // Cheapest per unit in every AZ: g6e $0.50/40 and g5 $0.50/22; 40 units over 6 pools, 6.67 units each:
    // g6e 3 x 6.67 / 40 = 0.5 instances, g5 3 x 6.67 / 22 = 0.909.
    expect(e.fleet.averageInstances).toEqual([
      { instanceType: 'g6.xlarge', onDemand: 1, spot: 0 },
      { instanceType: 'g5.xlarge', onDemand: 0, spot: expect.closeTo(20 / 22, 12) },
      { instanceType: 'g6e.xlarge', onDemand: 0, spot: expect.closeTo(0.5, 12) },
    ]);
    const perUnit = (0.5 / 40 + 0.5 / 22) / 2; // $0.017614/unit-h
    const c = (id: string) => e.components.find((x) => x.id === id)!.monthlyUsd;
    expect(c('on-demand-base')).toBeCloseTo(261, 9);
    expect(c('spot-burst')).toBeCloseTo(40 * perUnit * 261, 9); // 183.89
    // 1 + 0.5 + 0.909 instances x 261 h x 150 GiB x $0.08 / 730 h
    expect(c('ebs')).toBeCloseTo(((1 + 0.5 + 20 / 22) * 261 * 12) / 730, 9);
    // $/instance for the burn alarm and the dashboard: the spot units' cost over their instances (all $0.50 here)
    expect(e.hourly.spotExpectedUsdPerInstance).toBeCloseTo(0.5, 12);
    expect(e.hourly.onDemandUsdPerCapacityUnit).toBeCloseTo(1 / 18, 12);
    // Worst case: 120 units on g4dn ($1.00 / 9 units, the priciest per unit) all month, ceil(120 / 9) = 14 root volumes
    const notScaled = e.components.filter((x) => ['nat-gateway', 'cloudwatch-alarms', 'lambda', 'sqs'].includes(x.id)).reduce((a, x) => a + x.monthlyUsd, 0);
    expect(e.monthly.worstCaseUsd).toBeCloseTo((120 / 9) * 730 + 14 * 12 + notScaled, 9);
    // GPU-hours: 2.41 one-GPU instances x 261 h
    expect(e.monthly.costPerGpuHourUsd).toBeCloseTo(e.monthly.expectedUsd / ((1 + 0.5 + 20 / 22) * 261), 9);
  });

  test('the main group carries the weights; sizes are units', () => {
    const g = mainGroup(t).Properties;
    expect(g).toMatchObject({ MinSize: '18', MaxSize: '120' });
    expect(g.MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity).toBe(18);
    expect(g.MixedInstancesPolicy.LaunchTemplate.Overrides.map((o: any) => [o.InstanceType, o.WeightedCapacity])).toEqual(
      Object.entries(WEIGHTS).map(([type, w]) => [type, String(w)]),
    );
  });

  test('requests per second per unit at targetUtilizationPercent, the latency guard, no request-count-per-host policy', () => {
    const all = policies(t);
    expect(all.filter((p) => p.Properties.TargetTrackingConfiguration?.PredefinedMetricSpecification)).toEqual([]);
    expect(all.map((p) => p.Properties.PolicyType)).toEqual(['TargetTrackingScaling', 'TargetTrackingScaling']);
    const tracking = all.find((p) => customExpression(p).includes('FILL(r, 0) / 60'))!;
    expect(tracking.Properties.TargetTrackingConfiguration.TargetValue).toBe(1);
    expect(customExpression(tracking)).toBe('IF(FILL(m, 0) > 0, FILL(r, 0) / 60 / (FILL(m, 0)), 0)');
    const guard = all.find((p) => p !== tracking)!;
    expect(guard.Properties.TargetTrackingConfiguration.TargetValue).toBe(10);
    expect(customExpression(guard)).toBe('IF(FILL(r, 0) >= 10, FILL(p, 0), 0)');
    expect(guard.Properties.TargetTrackingConfiguration.CustomizedMetricSpecification.Metrics[0].MetricStat.Stat).toBe('p90');
  });

  test('the cost-per-hour expressions split in-service instances at the base in instances (1), not in units (18)', () => {
    const json = JSON.stringify(t.toJSON());
    expect(json).toContain('IF(c > 1, (c - 1) * 1, 0)');
    expect(json).not.toContain('IF(c > 18');
    // The burn alarm: 1 base instance at $1.00, the rest at the spot $0.50 per instance, each with its 150 GiB root
    // volume (150 x $0.08 / 730 = $0.016438 per instance-hour).
    expect(json).toContain('IF(n > 1, 1.016438 + (n - 1) * 0.516438, n * 1.016438)');
  });

  test('the report says what a unit is and how many instances of each type it runs', () => {
    const md = renderCostReportMarkdown(buildCostReport([e]));
    expect(md).toContain('capacity unit: throughput unit; on-demand base 1 x g6.xlarge, burst 40 throughput units (40 spot).');
    expect(md).toContain('Capacity unit: throughput unit (1 request/second at the SLO; each type weighs its rounded cost.throughputRps).');
    expect(md).toContain('Throughput weights (units per instance): g6.xlarge 18, g5.xlarge 22, g6e.xlarge 40, g4dn.xlarge 9.');
    expect(md).toContain('On-demand base: 1 x g6.xlarge (prioritized: first configured type offered), 18 units for onDemandBaseCapacity 18.');
    expect(md).toContain('Average instances: g6.xlarge 1 on-demand, g5.xlarge 0.91 spot, g6e.xlarge 0.5 spot');
  });
});

describe('prod in throughput units, with the on-demand fallback', () => {
  const prodTu = (throughputRps: Record<string, number>): EnvironmentConfig => withOverrides(prod, {
    fleet: { capacityUnit: 'throughput', onDemandBaseCapacity: 40, minSize: 40, maxSize: 240, scaling: { predictive: 'off' } },
    usage: { averageSpotInstances: 80 },
    cost: { throughputRps },
    serving: { endpoint: LOR },
  });

  test('the fallback group carries the same weights and the throughput policy counts its in-service units', () => {
    const cfg = prodTu(prod.cost.throughputRps!);
    expect(environmentProblems(cfg)).toEqual([]);
    const { template: t, stack } = buildEnvironmentStack(cfg);
    const fallback = Object.values(resourcesOfType(t, 'AWS::AutoScaling::AutoScalingGroup')).find((g) => g.Properties.MinSize === '0')!;
    expect(fallback.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides.map((o: any) => o.WeightedCapacity)).toEqual(['20', '24', '44', '10']);
    // maxInstances 4 x the smallest weight (10): no more than 4 instances fill it
    expect(fallback.Properties.MaxSize).toBe('40');
    expect(stack.fallback!.unitsPerFallbackCapacity).toBe(1);
    const tracking = policies(t).find((p) => customExpression(p).includes('FILL(r, 0) / 60'))!;
    expect(customExpression(tracking)).toBe('IF(FILL(m, 0) + FILL(f, 0) > 0, FILL(r, 0) / 60 / (FILL(m, 0) + FILL(f, 0)), 0)');
  });

  test('equal throughput: the fallback stays unweighted (instances), and the policy weighs its capacity', () => {
    const { template: t } = buildEnvironmentStack(prodTu({ 'g6.2xlarge': 20, 'g5.2xlarge': 20, 'g6e.2xlarge': 20, 'g4dn.2xlarge': 20 }));
    const tracking = policies(t).find((p) => customExpression(p).includes('FILL(r, 0) / 60'))!;
    expect(customExpression(tracking)).toBe('IF(FILL(m, 0) + FILL(f, 0) * 20 > 0, FILL(r, 0) / 60 / (FILL(m, 0) + FILL(f, 0) * 20), 0)');
  });
});
