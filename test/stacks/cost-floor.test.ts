import { prod, staging } from '../../config/environments';
import { costCeilingFloorRequestsPerMinute, minimumFleetCost } from '../../lib/stacks/cost-floor';
import { fixtureEstimate } from '../support/prices';
import { buildEnvironmentStack, withOverrides } from '../support/stacks';

const ceilingExpression = (template: ReturnType<typeof buildEnvironmentStack>['template'], idPart: string): string => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  const [, alarm] = Object.entries(alarms).find(([id]) => id.includes(idPart))!;
  return (alarm as any).Properties.Metrics.find((m: any) => m.ReturnData && !String(m.Expression).startsWith('ANOMALY')).Expression;
};

describe('cost per 1,000 requests: the minimum fleet sets the floor (defect: prod paged at 10-83 requests/min)', () => {
  const cost = fixtureEstimate(prod);
  const od = cost.hourly.onDemandBaseRunningUsdPerInstance;

  test('prod: 2 on-demand base hosts, no spot at the minimum; $2.04/h against $0.40 is 86 requests/min', () => {
    const min = minimumFleetCost(prod, cost, { 'g6.2xlarge': 1, 'g5.2xlarge': 1, 'g6e.2xlarge': 1, 'g4dn.2xlarge': 1 });
    expect(min).toEqual({ minCapacity: 2, onDemandInstances: 2, spotInstances: 0, usdPerHour: 2 * od });
    // Fixture prices: on-demand $1.00/h + a 200 GiB gp3 root volume at $0.08/GB-month over 730 h.
    expect(od).toBeCloseTo(1 + (200 * 0.08) / 730, 10);
    expect(costCeilingFloorRequestsPerMinute(min.usdPerHour, 0.4)).toBe(86);
  });

  test('prod template: both cost alarms read 0 under 86 requests/min (430 per 5-minute point); 50 requests/min at the minimum no longer breaches', () => {
    const { template } = buildEnvironmentStack(prod);
    const ceiling = ceilingExpression(template, 'CostPer1kCeilingAlarm');
    expect(ceiling).toBe('IF(r >= 430, 1000 * cost / (12 * r), 0)');
    expect(ceilingExpression(template, 'CostPer1kAnomalyAlarm')).toBe(ceiling);
    const at = (perMinute: number, usdPerHour: number) => (perMinute * 5 >= 430 ? (1000 * usdPerHour) / (12 * perMinute * 5) : 0);
    // Old floor (50 per point) at 50 requests/min: $2.04/h / 3,000 requests/h = $0.68 > $0.40. Now 0.
    expect(at(50, 2 * od)).toBe(0);
    // 3 hosts at 100 requests/min: $0.51 per 1,000, above the ceiling: still pages (more hosts than the minimum).
    expect(at(100, 3 * od)).toBeGreaterThan(0.4);
  });

  test('the rest of the minimum above the base is spot, in the fewest instances; capacity levels: the highest minimum', () => {
    const spot = cost.hourly.spotExpectedRunningUsdPerInstance;
    const weights = { 'g6.2xlarge': 1, 'g5.2xlarge': 1, 'g6e.2xlarge': 1, 'g4dn.2xlarge': 1 };
    const four = withOverrides(prod, { fleet: { minSize: 4 } });
    expect(minimumFleetCost(four, cost, weights)).toEqual({ minCapacity: 4, onDemandInstances: 2, spotInstances: 2, usdPerHour: 2 * od + 2 * spot });
    const levels = withOverrides(staging, {
      schedule: { capacity: [{ days: ['MON'], start: '09:00', end: '12:00', minCapacity: 3 }, { days: ['TUE'], start: '09:00', end: '12:00', minCapacity: 2 }] },
    });
    const sc = fixtureEstimate(staging);
    expect(minimumFleetCost(levels, sc, { 'g6.xlarge': 1 })).toMatchObject({ minCapacity: 3, onDemandInstances: 1, spotInstances: 2 });
    // Weighted (throughput units): 40 units above a 20-unit base, at most 44 units an instance, is 1 more instance.
    const units = withOverrides(prod, { fleet: { minSize: 60 } });
    const weighted = { 'g6.2xlarge': 20, 'g5.2xlarge': 24, 'g6e.2xlarge': 44, 'g4dn.2xlarge': 10 };
    expect(minimumFleetCost(units, { ...cost, fleet: { ...cost.fleet, baseInstanceType: 'g6.2xlarge', baseInstances: 1 } }, weighted))
      .toMatchObject({ minCapacity: 60, onDemandInstances: 1, spotInstances: 1 });
    // A minimum under the base runs only that many base hosts.
    expect(minimumFleetCost(withOverrides(prod, { fleet: { minSize: 1 } }), cost, weights)).toMatchObject({ onDemandInstances: 1, spotInstances: 0 });
  });
});
