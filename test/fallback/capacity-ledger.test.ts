import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CapacityLedger, CapacityLedgerProps } from '../../lib/fallback/capacity-ledger';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { AZS, FLEET_TAG, fleetStack, INSTANCE_TYPES } from './support/fleet-stack';

function build(extra: Partial<CapacityLedgerProps> = {}, app = new App()) {
  const f = fleetStack(app);
  const ledger = new CapacityLedger(f.stack, 'Ledger', {
    fleetTag: FLEET_TAG, instanceTypes: [...INSTANCE_TYPES], availabilityZones: [...AZS], topic: f.topic, ...extra,
  });
  return { ...f, ledger, template: () => Template.fromStack(f.stack) };
}

const built = build();
const { ledger } = built;
const template = built.template();
const dims = (type: string, az: string, eventType: string, extra: Array<{ Name: string; Value: string }> = []) => [
  { Name: 'AvailabilityZone', Value: az },
  ...extra,
  { Name: 'EventType', Value: eventType },
  { Name: 'Fleet', Value: 'GpuFleet-test' },
  { Name: 'InstanceType', Value: type },
  { Name: 'service', Value: 'interruption-handler' },
];

describe('CapacityLedger', () => {
  test('one interruption alarm and one launch-failure alarm per instance type x AZ', () => {
    expect(ledger.pools.map((p) => `${p.pool.instanceType}/${p.pool.availabilityZone}`)).toEqual([
      'g6.xlarge/us-east-1a', 'g6.xlarge/us-east-1b', 'g5.xlarge/us-east-1a', 'g5.xlarge/us-east-1b',
    ]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
  });

  test('the interruption alarm reads the handler\'s per-pool Interruptions over an hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GpuSpotFleet',
      MetricName: 'Interruptions',
      Dimensions: dims('g5.xlarge', 'us-east-1b', 'EC2 Spot Instance Interruption Warning'),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 2,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      AlarmDescription: 'GpuFleet-test spot pool g5.xlarge in us-east-1b: more than 2 interruption warnings in an hour. ' +
        'This pool is being reclaimed; if it persists, drop the type or AZ from the fleet or add another GPU family.',
    });
  });

  test('the launch-failure alarm sums the pool\'s capacity error codes over 15 minutes', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties).filter((p) => p.Metrics);
    expect(alarms).toHaveLength(4);
    const g6a = alarms.find((p) => p.AlarmDescription.startsWith('GpuFleet-test spot pool g6.xlarge in us-east-1a'));
    expect(g6a).toMatchObject({
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: expect.stringMatching(/^Topic/) }],
    });
    const [expr, ...metrics] = g6a.Metrics;
    expect(expr).toEqual({
      Id: 'expr_1',
      Expression: 'FILL(c0, 0) + FILL(c1, 0) + FILL(c2, 0) + FILL(c3, 0) + FILL(c4, 0)',
      Label: 'Capacity launch failures g6.xlarge us-east-1a',
      ReturnData: true,
    });
    expect(metrics.map((m: { Id: string; MetricStat: { Metric: { Dimensions: unknown }; Period: number; Stat: string }; ReturnData: boolean }) => ({
      id: m.Id, period: m.MetricStat.Period, stat: m.MetricStat.Stat, returnData: m.ReturnData, dims: m.MetricStat.Metric.Dimensions,
    }))).toEqual(['InsufficientInstanceCapacity', 'MaxSpotInstanceCountExceeded', 'SpotMaxPriceTooLow', 'Unsupported', 'Unknown'].map((code, i) => ({
      id: `c${i}`, period: 900, stat: 'Sum', returnData: false,
      dims: dims('g6.xlarge', 'us-east-1a', 'EC2 Instance Launch Unsuccessful', [{ Name: 'ErrorCode', Value: code }]),
    })));
    expect(g6a.AlarmDescription).toBe('GpuFleet-test spot pool g6.xlarge in us-east-1a: 3+ capacity launch failures in 15 minutes ' +
      '(InsufficientInstanceCapacity, MaxSpotInstanceCountExceeded, SpotMaxPriceTooLow, Unsupported, Unknown). ' +
      'The pool is dry; the group tries other pools, the on-demand fallback covers a lasting shortfall.');
  });

  test('thresholds are configurable', () => {
    const t = build({ interruptionsPerHourPerPool: 5, launchFailuresPer15MinutesPerPool: 1 }).template();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Interruptions', Threshold: 5 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.anyValue(), Threshold: 1 });
  });

  test('alarm logical IDs are named after the pool, so adding a pool renames nothing', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort();
    expect(ids.filter((i) => i.startsWith('LedgerG6XlargeUsEast1a'))).toEqual([
      expect.stringMatching(/^LedgerG6XlargeUsEast1aInterruptionsAlarm/),
      expect.stringMatching(/^LedgerG6XlargeUsEast1aLaunchFailuresAlarm/),
    ]);
    const more = Object.keys(build({ instanceTypes: ['g4dn.xlarge', ...INSTANCE_TYPES] }).template().findResources('AWS::CloudWatch::Alarm'));
    expect(more).toEqual(expect.arrayContaining(ids));
  });

  test('validation names every problem', () => {
    expect(() => build({ instanceTypes: [], availabilityZones: ['us-east-1a', 'us-east-1a'], interruptionsPerHourPerPool: 0, launchFailuresPer15MinutesPerPool: 1.5 })).toThrow(
      "CapacityLedger GpuFleet-test/Ledger: instanceTypes ([]) must list the fleet's instance types; " +
      'availabilityZones lists us-east-1a more than once; each pool gets one pair of alarms; ' +
      'interruptionsPerHourPerPool (0) must be a whole number >= 1; launchFailuresPer15MinutesPerPool (1.5) must be a whole number >= 1',
    );
    expect(() => build({ availabilityZones: [] })).toThrow("availabilityZones ([]) must list the fleet's AZs");
  });

  test('cdk-nag finds nothing under the construct', () => {
    const app = nagApp();
    build({}, app);
    expect(formatFindings(nagFindings(app).filter((f) => f.path.includes('/Ledger/')))).toEqual([]);
  });
});
