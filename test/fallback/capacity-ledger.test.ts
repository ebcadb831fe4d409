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
  test('one interruption alarm and one launch-failure alarm per instance type x AZ, one spot-capacity alarm per AZ', () => {
    expect(ledger.pools.map((p) => `${p.pool.instanceType}/${p.pool.availabilityZone}`)).toEqual([
      'g6.xlarge/us-east-1a', 'g6.xlarge/us-east-1b', 'g5.xlarge/us-east-1a', 'g5.xlarge/us-east-1b',
    ]);
    expect(ledger.zones.map((z) => z.availabilityZone)).toEqual(['us-east-1a', 'us-east-1b']);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
  });

  test('"spot capacity short" per AZ (issue 9, defect 7): the handler\'s capacity launch failures of spot in that AZ, whatever the type', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GpuSpotFleet',
      MetricName: 'CapacityLaunchFailures',
      Dimensions: [
        { Name: 'AvailabilityZone', Value: 'us-east-1b' },
        { Name: 'EventType', Value: 'EC2 Instance Launch Unsuccessful' },
        { Name: 'Fleet', Value: 'GpuFleet-test' },
        { Name: 'Market', Value: 'spot' },
        { Name: 'service', Value: 'interruption-handler' },
      ],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      AlarmDescription: 'GpuFleet-test: spot capacity short in us-east-1b: 3+ spot launches failed there for lack of capacity in 15 minutes ' +
        '(InsufficientInstanceCapacity, UnfulfillableCapacity, InsufficientCapacity, SpotMaxPriceTooLow), whatever the type. ' +
        'The group tries the other AZs; the on-demand fallback covers a lasting shortfall.',
    });
    const t = build({ spotCapacityFailuresPer15MinutesPerZone: 6 }).template();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CapacityLaunchFailures', Dimensions: Match.arrayWith([{ Name: 'Market', Value: 'spot' }]), Threshold: 6 });
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

  test('the pool launch-failure alarm reads the handler\'s capacity launch failures that name the pool\'s type (one metric)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GpuSpotFleet',
      MetricName: 'CapacityLaunchFailures',
      Dimensions: dims('g6.xlarge', 'us-east-1a', 'EC2 Instance Launch Unsuccessful'),
      Statistic: 'Sum',
      Period: 900,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
      AlarmDescription: 'GpuFleet-test pool g6.xlarge in us-east-1a: 3+ capacity launch failures naming this type in 15 minutes ' +
        '(InsufficientInstanceCapacity, UnfulfillableCapacity, InsufficientCapacity, SpotMaxPriceTooLow). ' +
        'The pool is dry; the group tries other pools, the on-demand fallback covers a lasting shortfall.',
    });
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((r) => r.Properties.Metrics)).toEqual([]);
  });

  test('thresholds are configurable', () => {
    const t = build({ interruptionsPerHourPerPool: 5, launchFailuresPer15MinutesPerPool: 1 }).template();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Interruptions', Threshold: 5 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CapacityLaunchFailures', Dimensions: Match.arrayWith([{ Name: 'InstanceType', Value: 'g6.xlarge' }]), Threshold: 1 });
  });

  test('alarm logical IDs are named after the pool, so adding a pool renames nothing', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort();
    expect(ids.filter((i) => i.startsWith('LedgerG6XlargeUsEast1a'))).toEqual([
      expect.stringMatching(/^LedgerG6XlargeUsEast1aInterruptionsAlarm/),
      expect.stringMatching(/^LedgerG6XlargeUsEast1aLaunchFailuresAlarm/),
    ]);
    const more = Object.keys(build({ instanceTypes: ['g4dn.xlarge', ...INSTANCE_TYPES] }).template().findResources('AWS::CloudWatch::Alarm'));
    expect(more).toEqual(expect.arrayContaining(ids));
    expect(ids.filter((i) => i.startsWith('LedgerSpotUsEast1a'))).toEqual([expect.stringMatching(/^LedgerSpotUsEast1aSpotCapacityShortAlarm/)]);
  });

  test('validation names every problem', () => {
    expect(() => build({ instanceTypes: [], availabilityZones: ['us-east-1a', 'us-east-1a'], interruptionsPerHourPerPool: 0, launchFailuresPer15MinutesPerPool: 1.5, spotCapacityFailuresPer15MinutesPerZone: 0 })).toThrow(
      "CapacityLedger GpuFleet-test/Ledger: instanceTypes ([]) must list the fleet's instance types; " +
      'availabilityZones lists us-east-1a more than once; each pool gets one pair of alarms; ' +
      'interruptionsPerHourPerPool (0) must be a whole number >= 1; launchFailuresPer15MinutesPerPool (1.5) must be a whole number >= 1; ' +
      'spotCapacityFailuresPer15MinutesPerZone (0) must be a whole number >= 1',
    );
    expect(() => build({ availabilityZones: [] })).toThrow("availabilityZones ([]) must list the fleet's AZs");
  });

  test('cdk-nag finds nothing under the construct', () => {
    const app = nagApp();
    build({}, app);
    expect(formatFindings(nagFindings(app).filter((f) => f.path.includes('/Ledger/')))).toEqual([]);
  });
});
