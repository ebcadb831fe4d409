import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ControllerConfig, controllerConfigFromEnv } from '../../../lib/fallback/runtime/env';
import { runFallbackController } from '../../../lib/fallback/runtime/controller';
import { FallbackState } from '../../../lib/fallback/runtime/decision';
import { failureCode, MAX_COUNTED_FAILURE_IDS } from '../../../lib/fallback/runtime/launch-failures';
import { serializeState } from '../../../lib/fallback/runtime/state-store';

const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);
const CONFIG: ControllerConfig = {
  mainGroupName: 'main-asg',
  fallbackGroupName: 'fallback-asg',
  stateParameterName: '/gpu-spot-fleet/GpuFleet-test/fallback-state',
  topicArn: 'arn:aws:sns:us-east-1:123456789012:fleet',
  fleet: 'GpuFleet-test',
  engageAfterMs: 5 * MIN,
  engageWithoutFailuresAfterMs: 15 * MIN,
  releaseAfterMs: 15 * MIN,
  maxFallbackInstances: 4,
  unitsPerInstance: 1,
};

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

function fakes() {
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const single = { addDimension: jest.fn(), addMetric: jest.fn() };
  const metrics = { addMetric: jest.fn(), singleMetric: jest.fn(() => single), publishStoredMetrics: jest.fn() };
  return {
    logger,
    metrics,
    single,
    deps: {
      autoScaling: new AutoScalingClient({ region: 'us-east-1' }),
      ec2: new EC2Client({ region: 'us-east-1' }),
      ssm: new SSMClient({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
      logger: logger as unknown as Logger,
      metrics: metrics as unknown as Metrics,
      now: () => NOW,
    },
  };
}

const instances = (n: number, state = 'InService', weight?: string, health = 'Healthy') =>
  Array.from({ length: n }, (_, i) => ({ InstanceId: `i-${state}-${String(i).padStart(8, '0')}`, LifecycleState: state, HealthStatus: health, WeightedCapacity: weight }));

function groups(
  main: { desired: number; inService: number; pending?: number; weight?: string; maxSize?: number; instances?: ReturnType<typeof instances> },
  fallback: { desired: number; inService?: number },
) {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'main-asg',
        DesiredCapacity: main.desired,
        MaxSize: main.maxSize ?? 10,
        Instances: main.instances ?? [...instances(main.inService, 'InService', main.weight), ...instances(main.pending ?? 0, 'Pending', main.weight)],
      } as never,
      { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: fallback.desired, Instances: instances(fallback.inService ?? fallback.desired) } as never,
    ],
  });
}

function stored(state: (FallbackState & { savedAt?: number }) | string | undefined) {
  if (state === undefined) {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
  } else {
    // A state object is stored fresh (saved a minute ago) unless it says when it was saved.
    const value = typeof state === 'string' ? state : JSON.stringify({ savedAt: NOW - MIN, ...state });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: value } });
  }
}

const failed = (minutesAgo: number, message = 'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.') => ({
  ActivityId: `a-${minutesAgo}`,
  AutoScalingGroupName: 'main-asg',
  Cause: 'x',
  StartTime: new Date(NOW - minutesAgo * MIN),
  StatusCode: 'Failed' as const,
  StatusMessage: message,
  Description: 'Launching a new EC2 instance.  Status Reason: ' + message,
});
const inProgress = (id: string, minutesAgo: number) => ({
  ActivityId: id,
  AutoScalingGroupName: 'main-asg',
  Cause: 'x',
  StartTime: new Date(NOW - minutesAgo * MIN),
  StatusCode: 'InProgress' as const,
  Description: 'Launching a new EC2 instance: i-0fedcba9876543210',
});
const succeeded = (minutesAgo: number) => ({
  ActivityId: `s-${minutesAgo}`,
  AutoScalingGroupName: 'main-asg',
  Cause: 'x',
  StartTime: new Date(NOW - minutesAgo * MIN),
  StatusCode: 'Successful' as const,
  Description: 'Launching a new EC2 instance: i-0123456789abcdef0',
});

/** A state 5 minutes into an outage with failures already counted. */
const troubled: FallbackState = {
  version: 1, mode: 'standby', desiredFallback: 0, troubleSince: NOW - 5 * MIN, failuresInStreak: 6, window: [[NOW - 5 * MIN, 3]], countedFailureIds: ['a-2'],
};

/** Engaged with 2 for longer than the release window; spot has covered everything since. */
const covered: FallbackState = {
  version: 1, mode: 'engaged', desiredFallback: 2, failuresInStreak: 0, window: [[NOW - 20 * MIN, 0]], countedFailureIds: [],
};

beforeEach(() => {
  asg.reset();
  ec2.reset();
  ssm.reset();
  sns.reset();
  asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  asg.on(SetDesiredCapacityCommand).resolves({});
  ssm.on(PutParameterCommand).resolves({ Version: 2 });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

const putState = (): FallbackState => JSON.parse(ssm.commandCalls(PutParameterCommand)[0].args[0].input.Value!);

describe('runFallbackController', () => {
  test('spot covering the group: holds, stores the state, resizes nothing and notifies no one', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 0 });
    stored(undefined);
    const { logger, metrics, single, deps } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: false, notified: false, decision: { action: 'hold', desiredFallback: 0 } });
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: CONFIG.stateParameterName, Type: 'String', Overwrite: true });
    expect(putState()).toMatchObject({ version: 1, mode: 'standby', desiredFallback: 0, countedFailureIds: [] });
    expect(asg).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['main-asg', 'fallback-asg'] });
    expect(logger.info).toHaveBeenCalledWith('stored fallback state not used; rebuilt from the fallback group', {
      reason: 'missing',
      detail: 'no stored state; the controller starts in standby with the fallback group at 0',
      fallbackGroupDesired: 0,
      parameter: CONFIG.stateParameterName,
    });
    expect(result.rebuilt).toBe('missing');
    expect(metrics.addMetric).not.toHaveBeenCalledWith('FallbackStateRebuilt', 'Count', 1);
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ action: 'hold', resized: false }));
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackDesiredInstances', 'Count', 0);
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackEngaged', 'Count', 0);
    expect(metrics.addMetric).toHaveBeenCalledWith('MainGroupShortfallCapacity', 'Count', 0);
    expect(single.addDimension).toHaveBeenCalledWith('Action', 'hold');
    expect(single.addMetric).toHaveBeenCalledWith('FallbackDecisions', 'Count', 1);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  test('a persisting outage engages: resizes the fallback group, logs, counts and notifies the reason', async () => {
    groups({ desired: 5, inService: 2 }, { desired: 0 });
    stored(troubled);
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [failed(0.2), failed(0.5), succeeded(0.7), failed(2)] });
    const { logger, metrics, single, deps } = fakes();
    const result = await runFallbackController(CONFIG, deps);

    expect(result).toMatchObject({ resized: true, handedBack: 0, notified: true, decision: { action: 'engage', desiredFallback: 3 } });
    expect(asg).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 1);
    expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 3, HonorCooldown: false });
    expect(asg).toHaveReceivedCommandWith(DescribeScalingActivitiesCommand, { AutoScalingGroupName: 'main-asg', MaxRecords: 100 });
    // Two new failures (the one 2 minutes ago was counted last run, by its id).
    expect(putState()).toMatchObject({ mode: 'engaged', desiredFallback: 3, failuresInStreak: 8, countedFailureIds: ['a-2', 'a-0.2', 'a-0.5'] });
    const reason = 'short 3 for 5m 0s with 8 failed launch(es) (this run: InsufficientInstanceCapacity x2) (rule: 5m 0s); adding 3 on-demand instance(s) (main group serving 2 of desired 5 capacity units)';
    expect(logger.warn).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ action: 'engage', reason, launchFailures: 2, failureCodes: { InsufficientInstanceCapacity: 2 }, resized: true }));
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: CONFIG.topicArn,
      Subject: 'GPU fleet GpuFleet-test: on-demand fallback engaged (0 -> 3)',
      Message: `Fleet: GpuFleet-test\nDecision: engage, fallback group fallback-asg desired 0 -> 3 (cap 4; 0 in service now)\nReason: ${reason}`,
    });
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackDesiredInstances', 'Count', 3);
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackEngaged', 'Count', 1);
    expect(metrics.addMetric).toHaveBeenCalledWith('MainGroupLaunchFailures', 'Count', 2);
    expect(single.addDimension).toHaveBeenCalledWith('Action', 'engage');
  });

  test('state lost with the fallback running: the group is adopted, not resized, and the topic is told', async () => {
    groups({ desired: 5, inService: 2 }, { desired: 3, inService: 1 });
    stored(undefined);
    const { deps, logger } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: false, notified: true, rebuilt: 'missing', decision: { action: 'hold', desiredFallback: 3 } });
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ fallbackGroupDesired: 3, fallbackInService: 1, stateRebuilt: 'missing' }));
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: 'GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 3)' });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain(
      "\nState: no stored state; the controller adopts the fallback group's 3 and holds it for a full release window before handing back",
    );
  });

  test('a group resized by hand is followed, not fought: the state is rebuilt from it and the topic is told why', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 2 });
    stored({ version: 1, mode: 'standby', desiredFallback: 0, failuresInStreak: 0, window: [] });
    const { deps, logger, metrics } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: false, notified: true, rebuilt: 'mismatch', decision: { action: 'hold', desiredFallback: 2 } });
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    const detail = "the fallback group's desired capacity is 2, not the 0 the controller last decided: it was changed outside the controller " +
      "(by hand, or a deploy that lowered its MaxSize) or the last run failed after resizing; the controller adopts the fallback group's 2 " +
      'and holds it for a full release window before handing back, and engages again only after a new shortfall';
    expect(logger.warn).toHaveBeenCalledWith('stored fallback state not used; rebuilt from the fallback group', {
      reason: 'mismatch', detail, fallbackGroupDesired: 2, parameter: CONFIG.stateParameterName,
    });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toBe(
      'Fleet: GpuFleet-test\n' +
      'Decision: hold, fallback group fallback-asg desired 2 -> 2 (cap 4; 2 in service now)\n' +
      `Reason: ${result.decision.reason}\n` +
      `State: ${detail}`,
    );
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackStateRebuilt', 'Count', 1);
    expect(putState()).toMatchObject({ mode: 'engaged', desiredFallback: 2, window: [[NOW, 2], [NOW, 0]], savedAt: NOW });
  });

  test('weighted instances count their weight; InService and Pending* count, other states do not', async () => {
    groups({
      desired: 30,
      inService: 0,
      instances: [
        ...instances(2, 'InService', '4'),
        ...instances(1, 'Pending', '4'),
        ...instances(1, 'Pending:Wait', '2'),
        ...instances(1, 'Pending:Proceed', '1'),
        ...instances(1, 'Terminating', '4'),
        ...instances(1, 'Standby', '4'),
        ...instances(1, 'Warmed:Pending', '4'),
      ],
    }, { desired: 0 });
    stored(undefined);
    const { deps, logger } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(decision.shortfall).toBe(30 - 8 - 7);
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ mainInService: 8, mainPending: 7 }));
    expect(decision.reason).toContain('(main group serving 8 + 7 pending of desired 30 capacity units)');
  });

  test('serving capacity: drained (tagged) and unhealthy hosts are shortfall; only healthy InService hosts are looked up', async () => {
    groups({
      desired: 6,
      inService: 0,
      instances: [...instances(4, 'InService'), ...instances(1, 'InService', undefined, 'Unhealthy'), ...instances(1, 'Pending')],
    }, { desired: 0 });
    stored(undefined);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-InService-00000001', Tags: [{ Key: 'gpu-spot-fleet:drained', Value: 'rebalance@2025-06-02T11:50:00.000Z' }] }] }] });
    const { deps, logger, metrics } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(decision.shortfall).toBe(6 - 3 - 1);
    expect(decision.reason).toContain('(main group serving 3 + 1 pending (2 more in service but drained or unhealthy) of desired 6 capacity units)');
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters![0]).toEqual({
      Name: 'instance-id', Values: ['i-InService-00000000', 'i-InService-00000001', 'i-InService-00000002', 'i-InService-00000003'],
    });
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ mainInService: 5, mainServing: 3, mainDrained: 1, mainUnhealthy: 1, mainPending: 1 }));
    expect(metrics.addMetric).toHaveBeenCalledWith('MainGroupServingCapacity', 'Count', 3);
    expect(metrics.addMetric).toHaveBeenCalledWith('MainGroupDrainedCapacity', 'Count', 1);
    expect(metrics.addMetric).not.toHaveBeenCalledWith('FallbackDrainedTagReadFailures', 'Count', 1);
  });

  test('drained tags unreadable (EC2 throttled past the retries): warns, counts it, and still decides', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 0 });
    stored(undefined);
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } }));
    const { deps, logger, metrics } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result.decision).toMatchObject({ action: 'hold', shortfall: 0 });
    const why = 'ec2:DescribeInstances (drained tags of 3 main-group hosts) failed: RequestLimitExceeded: Request limit exceeded.';
    expect(logger.warn).toHaveBeenCalledWith('drained hosts unknown this run; counted as serving', { error: why });
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ drainedTagsUnread: why }));
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackDrainedTagReadFailures', 'Count', 1);
    expect(ssm).toHaveReceivedCommand(PutParameterCommand);
  });

  test('pending spot launches are not shortfall: an engaged fallback does not grow for a scale-out', async () => {
    groups({ desired: 8, inService: 4, pending: 2 }, { desired: 2 });
    stored({ ...troubled, mode: 'engaged', desiredFallback: 2, failuresSinceGrowth: 0, window: [[NOW - 5 * MIN, 2]], countedFailureIds: [] });
    const { deps } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: false, decision: { action: 'hold', desiredFallback: 2, shortfall: 2 } });
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
  });

  test('an unreadable stored state is replaced by one rebuilt from the group, with a warning', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 2 });
    stored('{"version":7}');
    const { deps, logger } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(logger.warn).toHaveBeenCalledWith('stored fallback state not used; rebuilt from the fallback group', {
      reason: 'unreadable',
      detail: 'the stored state is unreadable ({"version":7}); the controller adopts the fallback group\'s 2 and holds it for a full release window before handing back',
      fallbackGroupDesired: 2,
      parameter: CONFIG.stateParameterName,
    });
    expect(decision).toMatchObject({ action: 'hold', desiredFallback: 2 });
  });

  test('state that is not JSON is treated the same way', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 0 });
    stored('not json');
    const { deps, logger } = fakes();
    await runFallbackController(CONFIG, deps);
    expect(logger.warn).toHaveBeenCalledWith('stored fallback state not used; rebuilt from the fallback group', expect.objectContaining({
      detail: 'the stored state is unreadable (not json); the controller starts in standby with the fallback group at 0',
    }));
    // An unreadable state is news even with nothing running: someone or something wrote the parameter.
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: 'GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 0)' });
  });

  test('activities: reads past in-progress ones and stops at the first finished one older than the lookback', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    stored({ ...troubled, countedFailureIds: [] });
    asg.on(DescribeScalingActivitiesCommand)
      .resolvesOnce({ Activities: [inProgress('p-1', 45), inProgress('p-2', 0.1)], NextToken: 'page-2' })
      .resolvesOnce({ Activities: [failed(1, 'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a).')], NextToken: 'page-3' })
      .resolvesOnce({ Activities: [failed(3, 'You have requested more vCPU capacity than your current vCPU limit. VcpuLimitExceeded'), failed(31)], NextToken: 'page-4' });
    const { deps } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(asg).toHaveReceivedCommandTimes(DescribeScalingActivitiesCommand, 3);
    expect(asg.commandCalls(DescribeScalingActivitiesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
    expect(decision.reason).toContain('(this run: InsufficientInstanceCapacity x1, VcpuLimitExceeded x1)');
    expect(putState().countedFailureIds).toEqual(['a-1', 'a-3']);
  });

  test('activities: reads at most 5 pages and then keeps every counted id', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 0 });
    stored({ ...troubled, countedFailureIds: ['old-1'] });
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [succeeded(1)], NextToken: 'more' });
    const { deps } = fakes();
    await runFallbackController(CONFIG, deps);
    expect(asg).toHaveReceivedCommandTimes(DescribeScalingActivitiesCommand, 5);
    expect(putState().countedFailureIds).toEqual(['old-1']);
  });

  test('activities: failures with the same start time are each counted, and only once across runs; ids out of the window are dropped', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    stored({ ...troubled, countedFailureIds: ['gone'] });
    const twin = { ...failed(0.5), ActivityId: 'twin' };
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [failed(0.5), twin] });
    const first = await runFallbackController(CONFIG, fakes().deps);
    expect(first.decision.state.failuresInStreak).toBe(troubled.failuresInStreak + 2);
    const afterFirst = putState();
    groups({ desired: 3, inService: 1 }, { desired: afterFirst.desiredFallback }); // the first run's resize took effect
    expect(afterFirst.countedFailureIds).toEqual(['a-0.5', 'twin']);

    ssm.reset();
    ssm.on(PutParameterCommand).resolves({ Version: 3 });
    stored(afterFirst);
    const second = await runFallbackController(CONFIG, fakes().deps);
    expect(second.decision.state.failuresInStreak).toBe(troubled.failuresInStreak + 2);
  });

  test('activities: a launch seen in progress that fails later is counted on the run that sees it failed; Cancelled counts too', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    stored({ ...troubled, countedFailureIds: [] });
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [inProgress('slow', 0.5)] });
    const first = await runFallbackController(CONFIG, fakes().deps);
    expect(first.decision.state.failuresInStreak).toBe(troubled.failuresInStreak);
    const afterFirst = putState();
    groups({ desired: 3, inService: 1 }, { desired: afterFirst.desiredFallback }); // the first run's resize took effect

    ssm.reset();
    ssm.on(PutParameterCommand).resolves({ Version: 3 });
    stored(afterFirst);
    asg.on(DescribeScalingActivitiesCommand).resolves({
      Activities: [{ ...failed(0.5), ActivityId: 'slow' }, { ...failed(0.7), ActivityId: 'cancelled', StatusCode: 'Cancelled' as never }],
    });
    const second = await runFallbackController(CONFIG, fakes().deps);
    expect(second.decision.state.failuresInStreak).toBe(troubled.failuresInStreak + 2);
    expect(putState().countedFailureIds).toEqual(['slow', 'cancelled']);
  });

  test('activities: without stored ids (first run, lost state) only the last minute is counted, older failures are remembered', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    stored(undefined);
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [failed(0.5), failed(5), failed(12)] });
    const { deps, logger } = fakes();
    await runFallbackController(CONFIG, deps);
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ launchFailures: 1 }));
    expect(putState().countedFailureIds).toEqual(['a-0.5', 'a-5', 'a-12']);
  });

  test('the stored state keeps at most MAX_COUNTED_FAILURE_IDS ids and fits the 4 KB parameter', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    const many = Array.from({ length: 80 }, (_, i) => ({ ...failed(0.5), ActivityId: `f${i}-0123456789abcdef-0123456789abcdef` }));
    stored({ ...troubled, countedFailureIds: [] });
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: many });
    await runFallbackController(CONFIG, fakes().deps);
    const ids = putState().countedFailureIds!;
    expect(ids).toHaveLength(MAX_COUNTED_FAILURE_IDS);
    expect(ids[ids.length - 1]).toBe('f79-0123456789abcdef-0123456789abcdef');

    const window = Array.from({ length: 120 }, (_, i) => [NOW + i * MIN, i % 5] as [number, number]);
    const json = serializeState({ ...troubled, window, countedFailureIds: many.map((a) => a.ActivityId).slice(0, 50) }, NOW);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(4096);
    const kept = JSON.parse(json).countedFailureIds as string[];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept[kept.length - 1]).toBe('f49-0123456789abcdef-0123456789abcdef');
  });

  test('handback: raises the main group by the units handed back, then shrinks the fallback by one instance', async () => {
    groups({ desired: 4, inService: 4, maxSize: 10 }, { desired: 2 });
    stored(covered);
    const { deps, logger } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: true, handedBack: 1, notified: true, decision: { action: 'shrink', desiredFallback: 1, handbackUnits: 1 } });
    expect(asg.commandCalls(SetDesiredCapacityCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'main-asg', DesiredCapacity: 5, HonorCooldown: false },
      { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 1, HonorCooldown: false },
    ]);
    expect(logger.warn).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ handbackUnits: 1, handedBack: 1, mainDesiredBefore: 4 }));
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('\nHandback: main group main-asg desired 4 -> 5');
  });

  test('handback: capped at the main group MaxSize; the fallback still shrinks', async () => {
    groups({ desired: 10, inService: 10, maxSize: 10 }, { desired: 2 });
    stored(covered);
    const result = await runFallbackController(CONFIG, fakes().deps);
    expect(result).toMatchObject({ handedBack: 0, decision: { desiredFallback: 1 } });
    expect(asg.commandCalls(SetDesiredCapacityCommand).map((c) => c.args[0].input.AutoScalingGroupName)).toEqual(['fallback-asg']);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('Handback: main group main-asg desired 10 -> 10 (1 asked, capped at its MaxSize)');
  });

  test('handback: a failed main-group resize leaves the fallback and the stored state as they were', async () => {
    groups({ desired: 4, inService: 4 }, { desired: 2 });
    stored(covered);
    asg.on(SetDesiredCapacityCommand, { AutoScalingGroupName: 'main-asg' }).rejects(
      Object.assign(new Error('User is not authorized to perform: autoscaling:SetDesiredCapacity on main-asg'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(runFallbackController(CONFIG, fakes().deps)).rejects.toThrow('not authorized');
    expect(asg).not.toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'fallback-asg' });
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('a weighted fallback group is sized in capacity units', async () => {
    groups({ desired: 12, inService: 2, weight: '2' }, { desired: 0 });
    stored({ ...troubled, window: [[NOW - 5 * MIN, 8]], countedFailureIds: [] });
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [failed(0.2)] });
    const { decision } = await runFallbackController({ ...CONFIG, unitsPerInstance: 2, fallbackWeighted: true }, fakes().deps);
    expect(decision).toMatchObject({ action: 'engage', desiredFallback: 8, shortfall: 8 });
    expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 8 });
  });

  test('a SNS failure is logged and counted but does not fail the run (the resize happened)', async () => {
    groups({ desired: 5, inService: 2 }, { desired: 0 });
    stored(troubled);
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    const { deps, logger, metrics } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: true, notified: false });
    expect(logger.error).toHaveBeenCalledWith('fallback notification failed', expect.objectContaining({ error: 'KMS key disabled', action: 'engage' }));
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackNotificationFailures', 'Count', 1);
  });

  test('throttling is logged as transient and thrown, so the run counts as an error and the next one retries', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const { deps, logger, metrics } = fakes();
    await expect(runFallbackController(CONFIG, deps)).rejects.toThrow('Rate exceeded');
    expect(logger.warn).toHaveBeenCalledWith('controller run failed; the next run retries', { errorName: 'Throttling', error: 'Rate exceeded', errorKind: 'transient' });
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  test('a permanent error on the resize is logged as needing attention and leaves the stored state untouched', async () => {
    groups({ desired: 5, inService: 2 }, { desired: 0 });
    stored(troubled);
    asg.on(SetDesiredCapacityCommand).rejects(Object.assign(new Error('User is not authorized to perform: autoscaling:SetDesiredCapacity'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const { deps, logger } = fakes();
    await expect(runFallbackController(CONFIG, deps)).rejects.toThrow('not authorized');
    expect(logger.error).toHaveBeenCalledWith('controller run failed; needs attention', expect.objectContaining({ errorName: 'AccessDenied', errorKind: 'permanent' }));
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  test('a state read error other than "not found" fails the run instead of resetting the state', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 2 });
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { deps } = fakes();
    await expect(runFallbackController(CONFIG, deps)).rejects.toThrow('denied');
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
  });

  test('missing groups are named with what to do', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    const { deps } = fakes();
    await expect(runFallbackController(CONFIG, deps)).rejects.toThrow(
      'main group main-asg and fallback group fallback-asg not found by DescribeAutoScalingGroups: was the stack deleted or the group replaced? Redeploy the stack',
    );
  });
});

describe('failureCode', () => {
  test.each([
    ['Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available.', 'InsufficientInstanceCapacity'],
    ['There is no Spot capacity available that matches your request.', 'InsufficientInstanceCapacity'],
    ['We currently do not have sufficient g6.xlarge capacity in the Availability Zone you requested', 'InsufficientInstanceCapacity'],
    ['Could not launch Spot Instances. SpotMaxPriceTooLow - Your Spot request price is lower than the minimum.', 'SpotMaxPriceTooLow'],
    ['InsufficientFreeAddressesInSubnet: no free addresses', 'InsufficientFreeAddressesInSubnet'],
    ['Something new went wrong', 'Unknown'],
  ])('%s -> %s', (msg, code) => {
    expect(failureCode({ StatusMessage: msg } as never)).toBe(code);
  });
});

describe('controllerConfigFromEnv', () => {
  const env = {
    MAIN_GROUP_NAME: 'main-asg',
    FALLBACK_GROUP_NAME: 'fallback-asg',
    STATE_PARAMETER_NAME: '/p',
    TOPIC_ARN: 'arn:t',
    FLEET_TAG_VALUE: 'GpuFleet-test',
    ENGAGE_AFTER_MINUTES: '5',
    ENGAGE_WITHOUT_FAILURES_AFTER_MINUTES: '15',
    RELEASE_AFTER_MINUTES: '15',
    MAX_FALLBACK_INSTANCES: '4',
    UNITS_PER_INSTANCE: '1',
    FALLBACK_WEIGHTED: 'false',
  };

  test('reads every setting', () => {
    expect(controllerConfigFromEnv(env)).toEqual({
      mainGroupName: 'main-asg', fallbackGroupName: 'fallback-asg', stateParameterName: '/p', topicArn: 'arn:t', fleet: 'GpuFleet-test',
      engageAfterMs: 5 * MIN, engageWithoutFailuresAfterMs: 15 * MIN, releaseAfterMs: 15 * MIN, maxFallbackInstances: 4, unitsPerInstance: 1,
      fallbackWeighted: false,
    });
    expect(controllerConfigFromEnv({ ...env, FALLBACK_WEIGHTED: 'true' }).fallbackWeighted).toBe(true);
  });

  test('names a missing variable, a non-number and an invalid setting', () => {
    expect(() => controllerConfigFromEnv({ ...env, TOPIC_ARN: undefined })).toThrow(
      'environment variable TOPIC_ARN is not set: the OnDemandFallback construct sets it; redeploy the stack',
    );
    expect(() => controllerConfigFromEnv({ ...env, MAX_FALLBACK_INSTANCES: 'four' })).toThrow('environment variable MAX_FALLBACK_INSTANCES (four) must be a number');
    expect(() => controllerConfigFromEnv({ ...env, FALLBACK_WEIGHTED: 'yes' })).toThrow('environment variable FALLBACK_WEIGHTED (yes) must be true or false');
    expect(() => controllerConfigFromEnv({ ...env, RELEASE_AFTER_MINUTES: '2' })).toThrow(
      'fallback controller environment is invalid: releaseAfter (2m 0s) must be >= engageAfter (5m 0s): releasing faster than engaging makes the fallback flap',
    );
  });
});
