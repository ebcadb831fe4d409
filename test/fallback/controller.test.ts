import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ControllerConfig,
  controllerConfigFromEnv,
  failureCode,
  isTransient,
  runFallbackController,
} from '../../lib/fallback/controller-logic';
import { FallbackState } from '../../lib/fallback/decision';

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
      ssm: new SSMClient({ region: 'us-east-1' }),
      sns: new SNSClient({ region: 'us-east-1' }),
      logger: logger as unknown as Logger,
      metrics: metrics as unknown as Metrics,
      now: () => NOW,
    },
  };
}

const instances = (n: number, state = 'InService', weight?: string) =>
  Array.from({ length: n }, (_, i) => ({ InstanceId: `i-${String(i).padStart(8, '0')}`, LifecycleState: state, WeightedCapacity: weight }));

function groups(main: { desired: number; inService: number; pending?: number; weight?: string }, fallback: { desired: number; inService?: number }) {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'main-asg',
        DesiredCapacity: main.desired,
        Instances: [...instances(main.inService, 'InService', main.weight), ...instances(main.pending ?? 0, 'Pending')],
      } as never,
      { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: fallback.desired, Instances: instances(fallback.inService ?? fallback.desired) } as never,
    ],
  });
}

function stored(state: FallbackState | string | undefined) {
  if (state === undefined) {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
  } else {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: typeof state === 'string' ? state : JSON.stringify(state) } });
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
  version: 1, mode: 'standby', desiredFallback: 0, troubleSince: NOW - 5 * MIN, failuresInStreak: 6, window: [[NOW - 5 * MIN, 3]], activitiesSeenUntil: NOW - 1.5 * MIN,
};

beforeEach(() => {
  asg.reset();
  ssm.reset();
  sns.reset();
  asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
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
    expect(putState()).toMatchObject({ version: 1, mode: 'standby', desiredFallback: 0, activitiesSeenUntil: NOW - MIN });
    expect(asg).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['main-asg', 'fallback-asg'] });
    expect(logger.info).toHaveBeenCalledWith('no stored fallback state; starting from the fallback group', { fallbackGroupDesired: 0, parameter: CONFIG.stateParameterName });
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ action: 'hold', resized: false }));
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackDesiredInstances', 'Count', 0);
    expect(metrics.addMetric).toHaveBeenCalledWith('FallbackEngaged', 'Count', 0);
    expect(metrics.addMetric).toHaveBeenCalledWith('MainGroupShortfallCapacity', 'Count', 0);
    expect(single.addDimension).toHaveBeenCalledWith('Action', 'hold');
    expect(single.addMetric).toHaveBeenCalledWith('FallbackDecisions', 'Count', 1);
    expect(metrics.publishStoredMetrics).toHaveBeenCalledTimes(1);
  });

  test('a persisting outage engages: resizes the fallback group, logs, counts and notifies the reason', async () => {
    groups({ desired: 5, inService: 2, pending: 3 }, { desired: 0 });
    stored(troubled);
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [failed(0.2), failed(0.5), succeeded(0.7), failed(2)] });
    const { logger, metrics, single, deps } = fakes();
    const result = await runFallbackController(CONFIG, deps);

    expect(result).toMatchObject({ resized: true, notified: true, decision: { action: 'engage', desiredFallback: 3 } });
    expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 3, HonorCooldown: false });
    expect(asg).toHaveReceivedCommandWith(DescribeScalingActivitiesCommand, { AutoScalingGroupName: 'main-asg', MaxRecords: 100 });
    // Two failures after the watermark (the one 2 minutes ago was counted last run).
    expect(putState()).toMatchObject({ mode: 'engaged', desiredFallback: 3, failuresInStreak: 8, activitiesSeenUntil: NOW - 0.2 * MIN });
    const reason = 'short 3 for 5m 0s with 8 failed launch(es) (this run: InsufficientInstanceCapacity x2) (rule: 5m 0s); adding 3 on-demand instance(s) (main group in service 2 of desired 5 capacity units)';
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

  test('idempotent: a group already at the decided size is not resized again (state lost after a resize)', async () => {
    groups({ desired: 5, inService: 2 }, { desired: 3, inService: 1 });
    stored(undefined);
    const { deps, logger } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: false, notified: false, decision: { action: 'hold', desiredFallback: 3 } });
    expect(asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(logger.info).toHaveBeenCalledWith('fallback decision', expect.objectContaining({ fallbackGroupDesired: 3, fallbackInService: 1 }));
  });

  test('a group resized by hand is set back to the decided size', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 2 });
    stored({ version: 1, mode: 'standby', desiredFallback: 0, failuresInStreak: 0, window: [] });
    const { deps } = fakes();
    const result = await runFallbackController(CONFIG, deps);
    expect(result).toMatchObject({ resized: true, notified: false, decision: { action: 'hold', desiredFallback: 0 } });
    expect(asg).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 0 });
  });

  test('weighted instances count their weight; only InService ones count', async () => {
    groups({ desired: 8, inService: 2, pending: 1, weight: '4' }, { desired: 0 });
    stored(undefined);
    const { deps } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(decision.shortfall).toBe(0);
  });

  test('an unreadable stored state is replaced by one rebuilt from the group, with a warning', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 2 });
    stored('{"version":7}');
    const { deps, logger } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(logger.warn).toHaveBeenCalledWith('stored fallback state is unreadable; starting from the fallback group', {
      parameter: CONFIG.stateParameterName,
      value: '{"version":7}',
    });
    expect(decision).toMatchObject({ action: 'hold', desiredFallback: 2 });
  });

  test('state that is not JSON is treated the same way', async () => {
    groups({ desired: 3, inService: 3 }, { desired: 0 });
    stored('not json');
    const { deps, logger } = fakes();
    await runFallbackController(CONFIG, deps);
    expect(logger.warn).toHaveBeenCalledWith('stored fallback state is unreadable; starting from the fallback group', expect.objectContaining({ value: 'not json' }));
  });

  test('reads a second page of activities only while all are newer than the watermark', async () => {
    groups({ desired: 3, inService: 1 }, { desired: 0 });
    stored({ ...troubled, activitiesSeenUntil: NOW - 10 * MIN });
    asg.on(DescribeScalingActivitiesCommand)
      .resolvesOnce({ Activities: [failed(1, 'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a).')], NextToken: 'page-2' })
      .resolvesOnce({ Activities: [failed(3, 'You have requested more vCPU capacity than your current vCPU limit. VcpuLimitExceeded'), failed(11)], NextToken: 'page-3' });
    const { deps } = fakes();
    const { decision } = await runFallbackController(CONFIG, deps);
    expect(asg).toHaveReceivedCommandTimes(DescribeScalingActivitiesCommand, 2);
    expect(asg.commandCalls(DescribeScalingActivitiesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(decision.reason).toContain('(this run: InsufficientInstanceCapacity x1, VcpuLimitExceeded x1)');
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

describe('isTransient', () => {
  test('throttling, 5xx and 429 are transient; access and validation errors are not', () => {
    expect(isTransient({ name: 'RequestLimitExceeded' })).toBe(true);
    expect(isTransient({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransient({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isTransient({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isTransient(undefined)).toBe(false);
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
  };

  test('reads every setting', () => {
    expect(controllerConfigFromEnv(env)).toEqual({
      mainGroupName: 'main-asg', fallbackGroupName: 'fallback-asg', stateParameterName: '/p', topicArn: 'arn:t', fleet: 'GpuFleet-test',
      engageAfterMs: 5 * MIN, engageWithoutFailuresAfterMs: 15 * MIN, releaseAfterMs: 15 * MIN, maxFallbackInstances: 4, unitsPerInstance: 1,
    });
  });

  test('names a missing variable, a non-number and an invalid setting', () => {
    expect(() => controllerConfigFromEnv({ ...env, TOPIC_ARN: undefined })).toThrow(
      'environment variable TOPIC_ARN is not set: the OnDemandFallback construct sets it; redeploy the stack',
    );
    expect(() => controllerConfigFromEnv({ ...env, MAX_FALLBACK_INSTANCES: 'four' })).toThrow('environment variable MAX_FALLBACK_INSTANCES (four) must be a number');
    expect(() => controllerConfigFromEnv({ ...env, RELEASE_AFTER_MINUTES: '2' })).toThrow(
      'fallback controller environment is invalid: releaseAfter (2m 0s) must be >= engageAfter (5m 0s): releasing faster than engaging makes the fallback flap',
    );
  });
});
