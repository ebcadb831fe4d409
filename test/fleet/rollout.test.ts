import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { OnDemandFallback } from '../../lib/fallback/on-demand-fallback';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { GpuFleet, GpuFleetProps } from '../../lib/fleet/gpu-fleet';
import { FleetRolloutOptions, rolloutProblems } from '../../lib/fleet/rollout';

const AZS = ['us-east-1a', 'us-east-1b'];
const TYPES = ['g6.xlarge', 'g5.xlarge'];

function build(overrides: Partial<GpuFleetProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, natGateways: 1 });
  const alarm = (id: string) => new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: id }), threshold: 1, evaluationPeriods: 1,
  });
  const fleet = new GpuFleet(stack, 'Fleet', { vpc, availabilityZones: AZS, instanceTypes: TYPES, minCapacity: 1, maxCapacity: 4, ...overrides });
  return { stack, vpc, fleet, alarm };
}

/** CDK's UpdatePolicy on every group (scheduled actions leave sizes alone); the refresh comes next to it. */
const SCHEDULED_ACTIONS_KEEP_SIZES = { AutoScalingScheduledAction: { IgnoreUnmodifiedGroupSizeProperties: true } };

type Resources = Record<string, { Type: string; Properties?: any; UpdatePolicy?: any; DependsOn?: string[] }>;
const resources = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Resources;
const group = (stack: Stack, fleet: GpuFleet) => resources(stack)[stack.getLogicalId(fleet.autoScalingGroup.node.defaultChild as any)];

describe('GpuFleet rollout: an instance refresh that launches before it terminates', () => {
  test('defaults: rolling, min 100 / max 200 % healthy, skip matching, the fleet warm-up, 10 min bake, parked hosts ignored', () => {
    const { stack, fleet } = build({ rollout: {}, warmup: Duration.minutes(9) });
    expect(group(stack, fleet).UpdatePolicy).toEqual({
      ...SCHEDULED_ACTIONS_KEEP_SIZES,
      AutoScalingInstanceRefresh: {
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: 200,
          SkipMatching: true,
          InstanceWarmup: 540,
          BakeTime: 600,
          ScaleInProtectedInstances: 'Ignore',
          StandbyInstances: 'Ignore',
        },
      },
    });
  });

  test('alarms roll it back (by name), checkpoints pause it, the bounds and warm-up are settable', () => {
    const b = build();
    const fiveXx = b.alarm('FiveXx');
    const latency = b.alarm('Latency');
    const fleet = new GpuFleet(b.stack, 'Second', {
      vpc: b.vpc, availabilityZones: AZS, instanceTypes: TYPES, minCapacity: 1, maxCapacity: 4,
      rollout: {
        alarms: [fiveXx, latency], checkpointPercentages: [25, 100], checkpointDelay: Duration.minutes(10),
        bakeTime: Duration.minutes(15), maxHealthyPercentage: 150, instanceWarmup: Duration.minutes(4), skipMatching: false,
      },
    });
    const ref = (a: cloudwatch.Alarm) => ({ Ref: b.stack.getLogicalId(a.node.defaultChild as any) });
    expect(group(b.stack, fleet).UpdatePolicy.AutoScalingInstanceRefresh.Preferences).toEqual({
      MinHealthyPercentage: 100,
      MaxHealthyPercentage: 150,
      SkipMatching: false,
      InstanceWarmup: 240,
      BakeTime: 900,
      CheckpointPercentages: [25, 100],
      CheckpointDelay: 600,
      AlarmSpecification: { Alarms: [ref(fiveXx), ref(latency)] },
      ScaleInProtectedInstances: 'Ignore',
      StandbyInstances: 'Ignore',
    });
    // The alarm names sit only in the UpdatePolicy: an explicit DependsOn orders the group after its alarms.
    expect(group(b.stack, fleet).DependsOn).toEqual(expect.arrayContaining([ref(fiveXx).Ref, ref(latency).Ref]));
  });

  test('the only template change a rollout makes is the UpdatePolicy of the group', () => {
    const without = resources(build().stack);
    const withRollout = resources(build({ rollout: { bakeTime: Duration.minutes(5) } }).stack);
    expect(Object.keys(withRollout).sort()).toEqual(Object.keys(without).sort());
    const changed = Object.keys(without).filter((id) => JSON.stringify(without[id]) !== JSON.stringify(withRollout[id]));
    expect(changed).toHaveLength(1);
    const id = changed[0];
    expect(without[id].Type).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(without[id].UpdatePolicy).toEqual(SCHEDULED_ACTIONS_KEEP_SIZES);
    expect(withRollout[id].UpdatePolicy).toEqual({ ...SCHEDULED_ACTIONS_KEEP_SIZES, AutoScalingInstanceRefresh: expect.anything() });
    expect({ ...withRollout[id], UpdatePolicy: undefined }).toEqual({ ...without[id], UpdatePolicy: undefined });
  });
});

describe('rollout validation: every problem named, all at once', () => {
  const fails = (rollout: FleetRolloutOptions) => () => build({ rollout });

  test.each<[string, FleetRolloutOptions, string]>([
    ['bake time over 48 h', { bakeTime: Duration.hours(49) },
      'rollout.bakeTime (176400s) must be whole seconds from 0 to 172800 (48 hours, the instance refresh limit)'],
    ['fractional bake time', { bakeTime: Duration.millis(1500) },
      'rollout.bakeTime (1.5s) must be whole seconds from 0 to 172800 (48 hours, the instance refresh limit)'],
    ['warm-up over 48 h', { instanceWarmup: Duration.hours(49) },
      'rollout.instanceWarmup (176400s) must be whole seconds from 0 to 172800 (48 hours, the instance refresh limit)'],
    ['max healthy 99', { maxHealthyPercentage: 99 },
      'rollout.maxHealthyPercentage (99) must be a whole number from 100 to 200: new hosts launch before old ones terminate, so the group never drops below 100%'],
    ['max healthy 201', { maxHealthyPercentage: 201 },
      'rollout.maxHealthyPercentage (201) must be a whole number from 100 to 200: new hosts launch before old ones terminate, so the group never drops below 100%'],
    ['checkpoints not ending at 100', { checkpointPercentages: [25, 50] },
      'rollout.checkpointPercentages ([25,50]) must be whole percentages from 1 to 100, strictly ascending, the last 100 (so the refresh replaces every host)'],
    ['checkpoints not ascending', { checkpointPercentages: [50, 25, 100] },
      'rollout.checkpointPercentages ([50,25,100]) must be whole percentages from 1 to 100, strictly ascending, the last 100 (so the refresh replaces every host)'],
    ['checkpoint 0', { checkpointPercentages: [0, 100] },
      'rollout.checkpointPercentages ([0,100]) must be whole percentages from 1 to 100, strictly ascending, the last 100 (so the refresh replaces every host)'],
    ['no checkpoints', { checkpointPercentages: [] },
      'rollout.checkpointPercentages ([]) must be whole percentages from 1 to 100, strictly ascending, the last 100 (so the refresh replaces every host)'],
    ['delay without checkpoints', { checkpointDelay: Duration.minutes(5) },
      'rollout.checkpointDelay (300s) needs rollout.checkpointPercentages: there is no checkpoint to pause at'],
    ['checkpoint delay over 48 h', { checkpointPercentages: [100], checkpointDelay: Duration.hours(49) },
      'rollout.checkpointDelay (176400s) must be whole seconds from 0 to 172800 (48 hours, the instance refresh limit)'],
  ])('%s', (_name, rollout, message) => {
    expect(fails(rollout)).toThrow(`GpuFleet Test/Fleet: ${message}`);
    expect(rolloutProblems(rollout)).toEqual([message]);
  });

  test('more than 10 alarms', () => {
    const stack = new Stack();
    const alarms = Array.from({ length: 11 }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `A${i}`, `a${i}`));
    expect(rolloutProblems({ alarms })).toEqual(['rollout.alarms (11 alarms) must be at most 10 (instance refresh limit)']);
    expect(rolloutProblems({ alarms: alarms.slice(0, 10) })).toEqual([]);
  });

  test('the edges are accepted', () => {
    expect(rolloutProblems({
      bakeTime: Duration.seconds(172800), instanceWarmup: Duration.seconds(0), maxHealthyPercentage: 100,
      checkpointPercentages: [1, 100], checkpointDelay: Duration.seconds(0),
    })).toEqual([]);
    expect(rolloutProblems({ maxHealthyPercentage: 200, checkpointPercentages: [100] })).toEqual([]);
  });

  test('problems come together with the fleet\'s own', () => {
    expect(() => build({ minCapacity: 9, rollout: { maxHealthyPercentage: 300 } })).toThrow(
      'GpuFleet Test/Fleet: minCapacity (9) must be <= maxCapacity (4); ' +
      'rollout.maxHealthyPercentage (300) must be a whole number from 100 to 200: new hosts launch before old ones terminate, so the group never drops below 100%');
  });
});

describe('OnDemandFallback rollout: the same refresh on the fallback group', () => {
  const b = build({ rollout: {} });
  const latency = b.alarm('Latency');
  const fallback = new OnDemandFallback(b.stack, 'Fallback', {
    autoScalingGroup: b.fleet.autoScalingGroup, launchTemplate: b.fleet.launchTemplate, vpc: b.vpc, availabilityZones: AZS,
    instanceTypes: TYPES, topic: b.fleet.topic, fleetTag: b.fleet.fleetTag, maxFallbackInstances: 2,
    rollout: { alarms: [latency], instanceWarmup: Duration.minutes(7) },
  });

  test('rolling, 100-200 %, the given warm-up, the alarms', () => {
    const fallbackGroup = resources(b.stack)[b.stack.getLogicalId(fallback.fallbackGroup.node.defaultChild as any)];
    expect(fallbackGroup.UpdatePolicy).toEqual({
      ...SCHEDULED_ACTIONS_KEEP_SIZES,
      AutoScalingInstanceRefresh: {
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: 100,
          MaxHealthyPercentage: 200,
          SkipMatching: true,
          InstanceWarmup: 420,
          BakeTime: 600,
          AlarmSpecification: { Alarms: [{ Ref: b.stack.getLogicalId(latency.node.defaultChild as any) }] },
          ScaleInProtectedInstances: 'Ignore',
          StandbyInstances: 'Ignore',
        },
      },
    });
    expect(fallbackGroup.DependsOn).toEqual(expect.arrayContaining([b.stack.getLogicalId(latency.node.defaultChild as any)]));
  });

  test('without the prop, no instance refresh (fallback groups of existing stacks are unchanged)', () => {
    const p = build();
    const plain = new OnDemandFallback(p.stack, 'Plain', {
      autoScalingGroup: p.fleet.autoScalingGroup, launchTemplate: p.fleet.launchTemplate, vpc: p.vpc, availabilityZones: AZS,
      instanceTypes: TYPES, topic: p.fleet.topic, fleetTag: p.fleet.fleetTag, maxFallbackInstances: 2,
    });
    expect(resources(p.stack)[p.stack.getLogicalId(plain.fallbackGroup.node.defaultChild as any)].UpdatePolicy).toEqual(SCHEDULED_ACTIONS_KEEP_SIZES);
  });

  test('its rollout problems are named with the fallback path', () => {
    const p = build();
    expect(() => new OnDemandFallback(p.stack, 'Bad', {
      autoScalingGroup: p.fleet.autoScalingGroup, launchTemplate: p.fleet.launchTemplate, vpc: p.vpc, availabilityZones: AZS,
      instanceTypes: TYPES, topic: p.fleet.topic, fleetTag: p.fleet.fleetTag, maxFallbackInstances: 2,
      rollout: { checkpointDelay: Duration.minutes(1) },
    })).toThrow('OnDemandFallback Test/Bad: rollout.checkpointDelay (60s) needs rollout.checkpointPercentages: there is no checkpoint to pause at');
  });
});
