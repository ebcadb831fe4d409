import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DETAIL_TYPES } from '../../lib/interruption/runtime/events';
import { fastRetryDelaySeconds, TIME_CRITICAL_DETAIL_TYPES } from '../../lib/interruption/runtime/fast-retry';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describeLaunchFailure } from '../../lib/interruption/runtime/launch-failure';
import { configFromEnv } from '../../lib/interruption/runtime/env';
import { createInterruptionProcessor } from '../../lib/interruption/runtime/processor';
import type { HandlerConfig } from '../../lib/interruption/runtime/types';
import {
  awsError,
  captureEmf,
  CONFIG,
  describeReturns,
  events,
  fakeClock,
  instance,
  lambdaContext,
  makeDeps,
  metricPoints,
  sqsEvent,
} from './support/handler-fixtures';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const clients = () => ({
  ec2: new EC2Client({}),
  autoScaling: new AutoScalingClient({}),
  ssm: new SSMClient({}),
  elbv2: new ElasticLoadBalancingV2Client({}),
  sns: new SNSClient({}),
  sqs: new SQSClient({}),
});

let emf: ReturnType<typeof captureEmf>;
beforeEach(() => {
  for (const m of [ec2, autoScaling, ssm, elbv2, sns, sqs]) m.reset();
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
  ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success' });
  emf = captureEmf();
});
afterEach(() => emf.restore());

/** Points of the fleet-wide series (default dimensions only), the one the alarms read. */
function fleetWide(name: string) {
  return metricPoints(emf.blobs).filter((p) => p.name === name && Object.keys(p.dims).length === 2);
}

function setup(config: HandlerConfig = CONFIG, clock = fakeClock()) {
  const deps = makeDeps(clients(), clock);
  const processor = createInterruptionProcessor(config, deps);
  const spies = {
    info: jest.spyOn(deps.logger, 'info'),
    warn: jest.spyOn(deps.logger, 'warn'),
    error: jest.spyOn(deps.logger, 'error'),
  };
  return { processor, deps, spies, run: (...bodies: Array<object | string>) => processor.handle(sqsEvent(...bodies), lambdaContext()) };
}

describe('spot interruption warning', () => {
  test('fleet instance: leaves every target group, gets the drain command, is marked unhealthy, metrics and summary', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaaaa1', { type: 'g5.xlarge', az: 'us-east-1c' })]);
    const { run } = setup();
    const res = await run(events.interruption('i-0aaaaaaaaaaaaaaa1'));

    expect(res.batchItemFailures).toEqual([]);
    expect(elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(elbv2).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[1], Targets: [{ Id: 'i-0aaaaaaaaaaaaaaa1' }] });
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: 'GpuFleet-test-DrainDocument',
      InstanceIds: ['i-0aaaaaaaaaaaaaaa1'],
      Parameters: { serviceName: ['inference.service'], timeoutSeconds: ['300'] },
      TimeoutSeconds: 330,
    });
    expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, {
      InstanceId: 'i-0aaaaaaaaaaaaaaa1',
      HealthStatus: 'Unhealthy',
      ShouldRespectGracePeriod: false,
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = sns.commandCalls(PublishCommand)[0].args[0].input.Message!;
    expect(message).toContain('EC2 Spot Instance Interruption Warning: drained i-0aaaaaaaaaaaaaaa1');
    const points = metricPoints(emf.blobs);
    expect(points).toContainEqual({
      name: 'Interruptions',
      value: 1,
      dims: { service: 'interruption-handler', Fleet: 'GpuFleet-test', EventType: 'EC2 Spot Instance Interruption Warning', InstanceType: 'g5.xlarge', AvailabilityZone: 'us-east-1c' },
    });
    expect(points).toContainEqual(expect.objectContaining({ name: 'Drains', dims: expect.objectContaining({ InstanceType: 'g5.xlarge' }) }));
    // The fleet-wide series the alarms read: default dimensions only.
    expect(points).toContainEqual({ name: 'Interruptions', value: 1, dims: { service: 'interruption-handler', Fleet: 'GpuFleet-test' } });
  });

  test('records how long the instance lived before spot took it back, per pool', async () => {
    // Event time 2025-11-22T10:00:00Z, launched 07:30:00Z: 2.5 h = 9000 s.
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaaaa2', { type: 'g6.xlarge', az: 'us-east-1b', launchTime: new Date('2025-11-22T07:30:00Z') })]);
    const { run } = setup();
    await run(events.interruption('i-0aaaaaaaaaaaaaaa2'));
    expect(metricPoints(emf.blobs)).toContainEqual({
      name: 'TimeToInterruptionSeconds',
      value: 9000,
      dims: { service: 'interruption-handler', Fleet: 'GpuFleet-test', EventType: 'EC2 Spot Instance Interruption Warning', InstanceType: 'g6.xlarge', AvailabilityZone: 'us-east-1b' },
    });
  });

  test('no launch time from EC2: no lifetime metric rather than a made-up one', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaaaa3')]);
    const { run } = setup();
    await run(events.interruption('i-0aaaaaaaaaaaaaaa3'));
    expect(metricPoints(emf.blobs).filter((p) => p.name === 'TimeToInterruptionSeconds')).toEqual([]);
  });

  test('instance of another fleet: acknowledged and dropped with a log line, nothing drained', async () => {
    describeReturns(ec2, [instance('i-0bbbbbbbbbbbbbbb1', { fleet: false })]);
    const { run, spies } = setup();
    const res = await run(events.interruption('i-0bbbbbbbbbbbbbbb1'));
    expect(res.batchItemFailures).toEqual([]);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(spies.info).toHaveBeenCalledWith('event dropped: instance belongs to another fleet', expect.objectContaining({ instanceId: 'i-0bbbbbbbbbbbbbbb1' }));
  });

  test('instance already gone (InvalidInstanceID.NotFound): acknowledged and dropped', async () => {
    describeReturns(ec2, []);
    const { run, spies } = setup();
    const res = await run(events.interruption('i-0ccccccccccccccc1'));
    expect(res.batchItemFailures).toEqual([]);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(spies.info).toHaveBeenCalledWith('event dropped: instance no longer exists', expect.objectContaining({ instanceId: 'i-0ccccccccccccccc1' }));
  });

  test('instance already terminated: acknowledged and dropped', async () => {
    describeReturns(ec2, [instance('i-0ccccccccccccccc2', { state: 'terminated' })]);
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0ccccccccccccccc2'))).batchItemFailures).toEqual([]);
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(spies.info).toHaveBeenCalledWith('event dropped: instance already leaving', expect.objectContaining({ state: 'terminated' }));
  });

  test('duplicate delivery in a later invocation: stored outcome, no second drain, no second summary', async () => {
    describeReturns(ec2, [instance('i-0ddddddddddddddd1')]);
    const { run } = setup();
    const event = events.interruption('i-0ddddddddddddddd1');
    await run(event);
    const res = await run(event);
    expect(res.batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  test('duplicate delivery in the same batch: one drains, the in-flight copy is retried (transient) and then acknowledged', async () => {
    describeReturns(ec2, [instance('i-0ddddddddddddddd2')]);
    const { run, spies } = setup();
    const event = events.interruption('i-0ddddddddddddddd2');
    const first = await run(event, event);
    expect(first.batchItemFailures).toHaveLength(1);
    expect(spies.warn).toHaveBeenCalledWith('transient failure: message will be retried', expect.objectContaining({ errorName: 'IdempotencyAlreadyInProgressError', errorKind: 'transient' }));
    // A retry is not a failure: counted as Retries, not as the ProcessingErrors the errors alarm reads.
    expect(fleetWide('Retries')).toHaveLength(1);
    expect(fleetWide('ProcessingErrors')).toEqual([]);
    const retry = await run(event);
    expect(retry.batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  test('interruption then rebalance for the same instance: one drain per instance', async () => {
    describeReturns(ec2, [instance('i-0eeeeeeeeeeeeee01')]);
    const { run } = setup();
    await run(events.rebalance('i-0eeeeeeeeeeeeee01'));
    await run(events.interruption('i-0eeeeeeeeeeeeee01'));
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  test('DescribeInstances throttled: retried inside the invocation, within the warning\'s 2 minutes; no SQS redelivery needed', async () => {
    let calls = 0;
    ec2.on(DescribeInstancesCommand).callsFake(() => {
      if (++calls === 1) throw awsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      return { Reservations: [{ Instances: [instance('i-0fffffffffffffff1')] }] };
    });
    const { run, spies } = setup();
    const first = await run(events.interruption('i-0fffffffffffffff1'));
    expect(first.batchItemFailures).toEqual([]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(spies.info).toHaveBeenCalledWith('transient error; retrying within the deadline', expect.objectContaining({ call: 'ec2:DescribeInstances', errorName: 'RequestLimitExceeded' }));
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
    expect(fleetWide('Retries')).toEqual([]);
  });

  test('permanent API error: record fails, logged as permanent, other records in the batch still succeed', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaab01'), instance('i-0aaaaaaaaaaaaab02')]);
    autoScaling.on(SetInstanceHealthCommand, { InstanceId: 'i-0aaaaaaaaaaaaab01' }).rejects(awsError('AccessDenied', 'User is not authorized', 403));
    const { run, spies } = setup();
    const bad = events.interruption('i-0aaaaaaaaaaaaab01');
    const res = await run(bad, events.interruption('i-0aaaaaaaaaaaaab02'));
    expect(res.batchItemFailures).toHaveLength(1);
    expect(spies.error).toHaveBeenCalledWith(
      'permanent failure: goes to the DLQ after maxReceiveCount',
      expect.objectContaining({ eventId: bad.id, errorName: 'AccessDenied', errorKind: 'permanent', error: 'User is not authorized' }),
    );
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ['i-0aaaaaaaaaaaaab02'] });
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'ProcessingErrors', dims: { service: 'interruption-handler', Fleet: 'GpuFleet-test' } }));
  });

  test('instance not reachable by SSM: drain skipped with a warning, replacement still started', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaac01')]);
    ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'Instances not in a valid state'));
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaac01'))).batchItemFailures).toEqual([]);
    expect(spies.warn).toHaveBeenCalledWith('drain skipped: instance not reachable by SSM Run Command', expect.objectContaining({ instanceId: 'i-0aaaaaaaaaaaaac01' }));
    expect(autoScaling).toHaveReceivedCommand(SetInstanceHealthCommand);
  });

  test('instance already out of the group: SetInstanceHealth ValidationError is acknowledged', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaad01')]);
    autoScaling.on(SetInstanceHealthCommand).rejects(awsError('ValidationError', 'Instance Id not found'));
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaad01'))).batchItemFailures).toEqual([]);
    expect(spies.info).toHaveBeenCalledWith('instance no longer in the group; health not set', expect.objectContaining({ instanceId: 'i-0aaaaaaaaaaaaad01' }));
  });

  test('an instance not registered in a target group is fine: no error, no DrainFailures', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae01')]);
    elbv2.on(DeregisterTargetsCommand).rejects(awsError('InvalidTargetException', 'not registered'));
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae01'))).batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(spies.error).not.toHaveBeenCalled();
    expect(fleetWide('DrainFailures')).toEqual([]);
  });

  test('missing target group (permanent): logged and counted, the drain command and the replacement still run', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae02')]);
    elbv2.on(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[0] }).rejects(awsError('TargetGroupNotFoundException', 'One or more target groups not found'));
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae02'))).batchItemFailures).toEqual([]);
    // The other target group is still left.
    expect(elbv2).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[1] });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: 'i-0aaaaaaaaaaaaae02', HealthStatus: 'Unhealthy' });
    expect(spies.error).toHaveBeenCalledWith(
      'drain step failed permanently; carrying on without it: elasticloadbalancing:DeregisterTargets for i-0aaaaaaaaaaaaae02 returned TargetGroupNotFoundException',
      expect.objectContaining({
        instanceId: 'i-0aaaaaaaaaaaaae02',
        call: 'elasticloadbalancing:DeregisterTargets',
        targetGroupArn: CONFIG.targetGroupArns[0],
        errorName: 'TargetGroupNotFoundException',
        error: 'One or more target groups not found',
      }),
    );
    expect(fleetWide('DrainFailures')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(fleetWide('ProcessingErrors')).toEqual([]);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('"drainFailed":"elasticloadbalancing:DeregisterTargets: TargetGroupNotFoundException"');
  });

  test('SendCommand denied (permanent): drain recorded as skipped, logged and counted, the replacement still starts', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae03', { type: 'g5.xlarge' })]);
    ssm.on(SendCommandCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: ssm:SendCommand', 400));
    const { run, spies } = setup();
    const event = events.interruption('i-0aaaaaaaaaaaaae03');
    expect((await run(event)).batchItemFailures).toEqual([]);
    expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: 'i-0aaaaaaaaaaaaae03', HealthStatus: 'Unhealthy' });
    expect(spies.error).toHaveBeenCalledWith(
      'drain step failed permanently; carrying on without it: ssm:SendCommand for i-0aaaaaaaaaaaaae03 returned AccessDeniedException',
      expect.objectContaining({ instanceId: 'i-0aaaaaaaaaaaaae03', call: 'ssm:SendCommand', documentName: CONFIG.drainDocumentName, errorKind: 'permanent' }),
    );
    expect(fleetWide('DrainFailures')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'DrainFailures', dims: expect.objectContaining({ InstanceType: 'g5.xlarge' }) }));
    expect(fleetWide('ProcessingErrors')).toEqual([]);
  });

  test('SendCommand throttled twice: retried in the invocation; the replacement starts meanwhile, nothing waits for SQS', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae04')]);
    ssm.on(SendCommandCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).resolves({ Command: { CommandId: 'cmd-2' } });
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae04'))).batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 3);
    expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
    expect(spies.error).not.toHaveBeenCalled();
    expect(fleetWide('Retries')).toEqual([]);
    expect(fleetWide('DrainFailures')).toEqual([]);
    expect(fleetWide('Drains')).toEqual([expect.objectContaining({ value: 1 })]);
  });

  test('DeregisterTargets throttled until the deadline (issue 9, defect 4): the drain command and Unhealthy still happen; the record is retried', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae05')]);
    elbv2.on(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[1] }).rejects(awsError('Throttling', 'Rate exceeded'));
    const clock = fakeClock(Date.parse('2025-11-22T10:00:05Z'));
    const { run, spies } = setup(CONFIG, clock);
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae05'))).batchItemFailures).toHaveLength(1);
    // Deadline-critical steps do not wait for each other.
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: 'i-0aaaaaaaaaaaaae05', HealthStatus: 'Unhealthy' });
    // Retried within the warning's 2 minutes (event at 10:00:00), not after them.
    expect(elbv2.commandCalls(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[1] }).length).toBeGreaterThan(10);
    expect(clock.now()).toBeLessThanOrEqual(Date.parse('2025-11-22T10:02:00Z'));
    expect(spies.warn).toHaveBeenCalledWith('transient failure: message will be retried', expect.objectContaining({ errorName: 'Throttling' }));
  });

  test('SetInstanceHealth throttled until the deadline: drain still runs; the record is retried', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae06')]);
    autoScaling.on(SetInstanceHealthCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const { run } = setup(CONFIG, fakeClock(Date.parse('2025-11-22T10:00:05Z')));
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae06'))).batchItemFailures).toHaveLength(1);
    expect(elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(fleetWide('Retries')).toHaveLength(1);
  });

  test('a time-critical record that still fails transiently is made visible again in seconds, not after the 6x visibility timeout (issue 9, defect 4)', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae08')]);
    autoScaling.on(SetInstanceHealthCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const event = sqsEvent(events.interruption('i-0aaaaaaaaaaaaae08'));
    (event.Records[0].attributes as { ApproximateReceiveCount?: string }).ApproximateReceiveCount = '2';
    const res = await setup(CONFIG, fakeClock(Date.parse('2025-11-22T10:00:05Z'))).processor.handle(event, lambdaContext());
    expect(res.batchItemFailures).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      QueueUrl: CONFIG.queueUrl,
      ReceiptHandle: event.Records[0].receiptHandle,
      VisibilityTimeout: 10,
    });
  });

  test('the fast retry is best effort: a failed ChangeMessageVisibility is logged with the call and the record still fails for SQS to retry', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae09')]);
    autoScaling.on(SetInstanceHealthCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    sqs.on(ChangeMessageVisibilityCommand).rejects(awsError('ReceiptHandleIsInvalid', 'The receipt handle has expired.', 400));
    const { run, spies } = setup(CONFIG, fakeClock(Date.parse('2025-11-22T10:00:05Z')));
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae09'))).batchItemFailures).toHaveLength(1);
    expect(spies.error).toHaveBeenCalledWith(expect.stringContaining('sqs:ChangeMessageVisibility failed'), expect.objectContaining({ errorName: 'ReceiptHandleIsInvalid' }));
    expect(spies.warn).toHaveBeenCalledWith('transient failure: message will be retried', expect.objectContaining({ retryInSeconds: 'visibility timeout' }));
  });

  test('permanent failures and events that are not time-critical keep the queue\'s visibility timeout (no fast retry)', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaab01')]);
    autoScaling.on(SetInstanceHealthCommand).rejects(awsError('AccessDenied', 'User is not authorized', 403));
    const { run } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaab01'))).batchItemFailures).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 0);
  });

  test('a warning that arrives late (a redelivery after its deadline) still gets one attempt of every step', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaae07')]);
    const { run } = setup(CONFIG, fakeClock(Date.parse('2025-11-22T10:05:00Z')));
    expect((await run(events.interruption('i-0aaaaaaaaaaaaae07'))).batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
  });
});

describe('rebalance recommendation and interruption warning together', () => {
  test.each([
    ['rebalance first', (id: string) => [events.rebalance(id), events.interruption(id)]],
    ['interruption first', (id: string) => [events.interruption(id), events.rebalance(id)]],
  ])('%s, same batch: one drain, the other event joins it without an error; Unhealthy set once by the warning', async (_order, make) => {
    describeReturns(ec2, [instance('i-0abcabcabcabcab10')]);
    const { run, spies } = setup();
    const res = await run(...make('i-0abcabcabcabcab10'));
    expect(res.batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
    expect(spies.info).toHaveBeenCalledWith(
      'drain of this instance already started by another event; not starting a second one',
      expect.objectContaining({ instanceId: 'i-0abcabcabcabcab10' }),
    );
    expect(spies.warn).not.toHaveBeenCalled();
    expect(fleetWide('ProcessingErrors')).toEqual([]);
    expect(fleetWide('Retries')).toEqual([]);
    expect(fleetWide('Drains')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain(': drain-joined i-0abcabcabcabcab10');
  });

  test('lifecycle action meeting a drain in progress: joins it, waits on that command and completes, no retry', async () => {
    // The warning's drain start is slow; the lifecycle event arrives while it is in progress.
    const found = { Reservations: [{ Instances: [instance('i-0abcabcabcabcab11')] }] };
    let describes = 0;
    ec2.on(DescribeInstancesCommand).callsFake(async () => {
      if (++describes === 2) await new Promise((r) => setTimeout(r, 20));
      return found;
    });
    ssm.on(SendCommandCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return { Command: { CommandId: 'cmd-1' } };
    });
    const { run } = setup(CONFIG, fakeClock(undefined, 5));
    const lifecycle = events.lifecycle('i-0abcabcabcabcab11');
    const first = await run(events.interruption('i-0abcabcabcabcab11'), lifecycle);
    expect(first.batchItemFailures).toEqual([]);
    expect(fleetWide('Retries')).toEqual([]);
    expect(fleetWide('ProcessingErrors')).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: 'i-0abcabcabcabcab11' });
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });
});

describe('rebalance recommendation', () => {
  test("default 'drain': drains early; capacity rebalancing launches the replacement, so no SetInstanceHealth", async () => {
    describeReturns(ec2, [instance('i-0abcabcabcabcab01')]);
    const { run } = setup();
    expect((await run(events.rebalance('i-0abcabcabcabcab01'))).batchItemFailures).toEqual([]);
    expect(elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'RebalanceRecommendations', value: 1 }));
    expect(fleetWide('Drains')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('EC2 Instance Rebalance Recommendation: drained i-0abcabcabcabcab01');
  });

  test('SendCommand with a bad document (permanent): the drain is skipped with an error log, the record succeeds', async () => {
    describeReturns(ec2, [instance('i-0abcabcabcabcab03')]);
    ssm.on(SendCommandCommand).rejects(awsError('InvalidDocument', 'Document GpuFleet-test-DrainDocument does not exist'));
    const { run, spies } = setup();
    expect((await run(events.rebalance('i-0abcabcabcabcab03'))).batchItemFailures).toEqual([]);
    expect(spies.error).toHaveBeenCalledWith(expect.stringContaining('ssm:SendCommand for i-0abcabcabcabcab03 returned InvalidDocument'), expect.objectContaining({ call: 'ssm:SendCommand' }));
    expect(fleetWide('DrainFailures')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  });

  test("'notify': notification and metric only", async () => {
    describeReturns(ec2, [instance('i-0abcabcabcabcab02')]);
    const { run } = setup({ ...CONFIG, rebalanceAction: 'notify' });
    await run(events.rebalance('i-0abcabcabcabcab02'));
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('EC2 Instance Rebalance Recommendation: notified i-0abcabcabcabcab02');
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'RebalanceRecommendations' }));
  });
});

describe('terminate lifecycle action', () => {
  const heartbeat = () => autoScaling.commandCalls(RecordLifecycleActionHeartbeatCommand).length;

  test('drains, waits for the command, completes with CONTINUE and records the drain duration', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde01')]);
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('InvocationDoesNotExist', 'not yet'))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success' });
    const { run } = setup();
    const res = await run(events.lifecycle('i-0123456789abcde01'));
    expect(res.batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: CONFIG.autoScalingGroupNames[0],
      LifecycleHookName: 'DrainOnTerminate-hook',
      LifecycleActionToken: 'token-1',
      InstanceId: 'i-0123456789abcde01',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(heartbeat()).toBe(1);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'DrainDurationSeconds', value: 10, dims: expect.objectContaining({ InstanceType: 'g6.xlarge' }) }));
  });

  test('long drain: heartbeats keep the hook alive until the command finishes', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde02')]);
    let polls = 0;
    // 200 s of InProgress at a 5 s poll interval, then Success.
    ssm.on(GetCommandInvocationCommand).callsFake(() => ({ Status: ++polls > 40 ? 'Success' : 'InProgress' }));
    const { run } = setup();
    await run(events.lifecycle('i-0123456789abcde02'));
    // One at the start, then one per 60 s interval: 60, 120, 180.
    expect(heartbeat()).toBe(4);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });

  test('drain exceeding its timeout: the host is let go (CONTINUE) and DrainFailures is counted', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde03')]);
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const { run, spies } = setup();
    await run(events.lifecycle('i-0123456789abcde03'));
    expect(spies.warn).toHaveBeenCalledWith('drain did not finish within its timeout; letting the instance go', expect.objectContaining({ seconds: 330 }));
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'DrainFailures', value: 1 }));
  });

  test('drain already started by the interruption warning: waits on that command, no second SendCommand', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde04')]);
    const { run } = setup();
    await run(events.interruption('i-0123456789abcde04'));
    await run(events.lifecycle('i-0123456789abcde04'));
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetCommandInvocationCommand, { CommandId: 'cmd-1', InstanceId: 'i-0123456789abcde04' });
    expect(autoScaling).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 1);
  });

  test('hook already completed or expired (heartbeat ValidationError): acknowledged, nothing completed', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde05')]);
    autoScaling.on(RecordLifecycleActionHeartbeatCommand).rejects(awsError('ValidationError', 'No active Lifecycle Action found with token'));
    const { run, spies } = setup();
    expect((await run(events.lifecycle('i-0123456789abcde05'))).batchItemFailures).toEqual([]);
    expect(autoScaling).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(spies.info).toHaveBeenCalledWith('lifecycle action already completed or expired; nothing to complete', expect.objectContaining({ instanceId: 'i-0123456789abcde05' }));
  });

  test('CompleteLifecycleAction ValidationError (completed meanwhile): acknowledged', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde06')]);
    autoScaling.on(CompleteLifecycleActionCommand).rejects(awsError('ValidationError', 'No active Lifecycle Action found'));
    const { run, spies } = setup();
    expect((await run(events.lifecycle('i-0123456789abcde06'))).batchItemFailures).toEqual([]);
    expect(spies.info).toHaveBeenCalledWith('lifecycle action already completed or expired', expect.objectContaining({ instanceId: 'i-0123456789abcde06' }));
  });

  test('throttled CompleteLifecycleAction: retried in the invocation, without a second drain', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde07')]);
    autoScaling.on(CompleteLifecycleActionCommand).rejectsOnce(awsError('Throttling', 'Rate exceeded')).resolves({});
    const { run } = setup();
    const event = events.lifecycle('i-0123456789abcde07');
    expect((await run(event)).batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 2);
  });

  test('SendCommand permanently failing (InvalidDocument): completes with CONTINUE at once, DrainFailures counted once', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde09')]);
    ssm.on(SendCommandCommand).rejects(awsError('InvalidDocument', 'Document GpuFleet-test-DrainDocument does not exist'));
    const { run, spies } = setup();
    expect((await run(events.lifecycle('i-0123456789abcde09'))).batchItemFailures).toEqual([]);
    expect(ssm).not.toHaveReceivedCommand(GetCommandInvocationCommand);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { InstanceId: 'i-0123456789abcde09', LifecycleActionResult: 'CONTINUE' });
    expect(spies.error).toHaveBeenCalledWith(
      'drain step failed permanently; carrying on without it: ssm:SendCommand for i-0123456789abcde09 returned InvalidDocument',
      expect.objectContaining({ instanceId: 'i-0123456789abcde09', call: 'ssm:SendCommand' }),
    );
    expect(fleetWide('DrainFailures')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(fleetWide('ProcessingErrors')).toEqual([]);
  });

  test('missing target group (permanent): the drain still runs and the action completes, DrainFailures counted once', async () => {
    describeReturns(ec2, [instance('i-0123456789abcde10')]);
    elbv2.on(DeregisterTargetsCommand, { TargetGroupArn: CONFIG.targetGroupArns[0] }).rejects(awsError('TargetGroupNotFoundException', 'gone'));
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed' });
    const { run } = setup();
    expect((await run(events.lifecycle('i-0123456789abcde10'))).batchItemFailures).toEqual([]);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(fleetWide('DrainFailures')).toEqual([expect.objectContaining({ value: 1 })]);
  });

  test('instance not reachable by SSM: completes at once', async () => {
    describeReturns(ec2, []);
    ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'not managed'));
    const { run } = setup();
    await run(events.lifecycle('i-0123456789abcde08'));
    expect(ssm).not.toHaveReceivedCommand(GetCommandInvocationCommand);
    expect(autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });
});

describe('launch unsuccessful', () => {
  test('a mixed-instances spot shortage (no type named) is counted per AZ and market, where the ledger\'s AZ alarm reads it', async () => {
    const { run, spies } = setup();
    await run(events.launchUnsuccessful('Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.', 'us-east-1b'));
    const base = { service: 'interruption-handler', Fleet: 'GpuFleet-test', EventType: 'EC2 Instance Launch Unsuccessful', AvailabilityZone: 'us-east-1b' };
    expect(metricPoints(emf.blobs)).toEqual(expect.arrayContaining([
      { name: 'LaunchFailures', value: 1, dims: { service: 'interruption-handler', Fleet: 'GpuFleet-test' } },
      { name: 'LaunchFailures', value: 1, dims: { ...base, ErrorCode: 'InsufficientInstanceCapacity' } },
      { name: 'CapacityLaunchFailures', value: 1, dims: { ...base, Market: 'spot' } },
    ]));
    // No series with InstanceType=unknown, which no alarm could ever match.
    expect(metricPoints(emf.blobs).filter((p) => 'InstanceType' in p.dims)).toEqual([]);
    expect(spies.warn).toHaveBeenCalledWith('launch unsuccessful', expect.objectContaining({ errorCode: 'InsufficientInstanceCapacity', market: 'spot', capacityShortage: true }));
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('launch-failure-recorded');
  });

  test('a failure that names the type is also counted per pool', async () => {
    const { run } = setup();
    await run(events.launchUnsuccessful('Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient g6.xlarge capacity in the Availability Zone you requested (us-east-1b).', 'us-east-1b'));
    const pool = { service: 'interruption-handler', Fleet: 'GpuFleet-test', EventType: 'EC2 Instance Launch Unsuccessful', InstanceType: 'g6.xlarge', AvailabilityZone: 'us-east-1b' };
    expect(metricPoints(emf.blobs)).toEqual(expect.arrayContaining([
      { name: 'LaunchFailures', value: 1, dims: { ...pool, ErrorCode: 'InsufficientInstanceCapacity' } },
      { name: 'CapacityLaunchFailures', value: 1, dims: pool },
    ]));
  });

  test('a quota error is a launch failure but not a capacity shortage', async () => {
    const { run } = setup();
    await run(events.launchUnsuccessful('Could not launch Spot Instances. MaxSpotInstanceCountExceeded - Max spot instance count exceeded.', 'us-east-1b'));
    expect(metricPoints(emf.blobs).map((p) => p.name)).not.toContain('CapacityLaunchFailures');
    expect(fleetWide('LaunchFailures')).toHaveLength(1);
  });

  test('only the subnet in the details: its AZ from DescribeSubnets', async () => {
    ec2.on(DescribeSubnetsCommand, { SubnetIds: ['subnet-0c'] }).resolves({ Subnets: [{ SubnetId: 'subnet-0c', AvailabilityZone: 'us-east-1c' }] });
    const { run } = setup();
    const e = events.launchUnsuccessful('Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration.', '');
    (e.detail as { Details: Record<string, string> }).Details = { 'Subnet ID': 'subnet-0c' };
    await run(e);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'CapacityLaunchFailures', dims: expect.objectContaining({ AvailabilityZone: 'us-east-1c', Market: 'spot' }) }));
  });

  test('subnet lookup failing: counted with AZ unknown and a warning, not dropped', async () => {
    ec2.on(DescribeSubnetsCommand).rejects(awsError('UnauthorizedOperation', 'not authorized', 403));
    const { run, spies } = setup();
    const e = events.launchUnsuccessful('Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request.', '');
    (e.detail as { Details: Record<string, string> }).Details = { 'Subnet ID': 'subnet-0d' };
    expect((await run(e)).batchItemFailures).toEqual([]);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'CapacityLaunchFailures', dims: expect.objectContaining({ AvailabilityZone: 'unknown' }) }));
    expect(spies.warn).toHaveBeenCalledWith('could not resolve the subnet of a failed launch to its AZ', expect.objectContaining({ subnetId: 'subnet-0d', errorName: 'UnauthorizedOperation' }));
  });
});

describe('instance state change', () => {
  test('fleet instance stopping: leaves the target groups, state recorded', async () => {
    describeReturns(ec2, [instance('i-0999999999999aa01', { state: 'stopping' })]);
    const { run } = setup();
    await run(events.stateChange('i-0999999999999aa01', 'stopping'));
    expect(elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'InstanceStateChanges', dims: expect.objectContaining({ State: 'stopping' }) }));
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  test('fleet instance terminated: recorded only', async () => {
    describeReturns(ec2, [instance('i-0999999999999aa02', { state: 'terminated' })]);
    const { run } = setup();
    await run(events.stateChange('i-0999999999999aa02', 'terminated'));
    expect(elbv2).not.toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(metricPoints(emf.blobs)).toContainEqual(expect.objectContaining({ name: 'InstanceStateChanges', dims: expect.objectContaining({ State: 'terminated' }) }));
  });

  test('another fleet: dropped', async () => {
    describeReturns(ec2, [instance('i-0999999999999aa03', { fleet: false })]);
    const { run } = setup();
    expect((await run(events.stateChange('i-0999999999999aa03', 'stopping'))).batchItemFailures).toEqual([]);
    expect(elbv2).not.toHaveReceivedCommand(DeregisterTargetsCommand);
  });
});

describe('bad input', () => {
  test.each([
    ['not JSON', 'hello', 'message body is not JSON (first 80 chars: "hello")'],
    [
      'unknown detail type',
      JSON.stringify({ id: 'x', source: 'aws.ec2', time: 't', 'detail-type': 'EC2 Fleet Error', detail: {} }),
      'unknown detail-type "EC2 Fleet Error": expected one of EC2 Spot Instance Interruption Warning, EC2 Instance Rebalance Recommendation, EC2 Instance State-change Notification, EC2 Instance-terminate Lifecycle Action, EC2 Instance Launch Unsuccessful, Scheduled Event',
    ],
    [
      'missing instance id',
      JSON.stringify({ id: 'x', source: 'aws.ec2', time: 't', 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: {} }),
      '"EC2 Spot Instance Interruption Warning" event is missing or has invalid fields: detail.instance-id: Invalid input: expected string, received undefined',
    ],
    [
      'invalid instance id',
      JSON.stringify({ id: 'x', source: 'aws.ec2', time: 't', 'detail-type': 'EC2 Instance Rebalance Recommendation', detail: { 'instance-id': 'web-1' } }),
      '"EC2 Instance Rebalance Recommendation" event is missing or has invalid fields: detail.instance-id: an EC2 instance id (i-...)',
    ],
  ])('%s: record fails as permanent with a clear log line, others succeed', async (_name, body, message) => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaaf01')]);
    const { run, spies } = setup();
    const res = await run(body, events.interruption('i-0aaaaaaaaaaaaaf01'));
    expect(res.batchItemFailures).toHaveLength(1);
    expect(spies.error).toHaveBeenCalledWith('permanent failure: malformed event, goes to the DLQ after maxReceiveCount', expect.objectContaining({ error: message, errorKind: 'permanent' }));
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
  });

  test('a whole batch failing is reported record by record, never thrown', async () => {
    const { run } = setup();
    const res = await run('x', 'y');
    expect(res.batchItemFailures).toHaveLength(2);
  });

  test('a failed summary notification does not fail the records', async () => {
    describeReturns(ec2, [instance('i-0aaaaaaaaaaaaaf02')]);
    sns.on(PublishCommand).rejects(awsError('KMSAccessDeniedException', 'kms'));
    const { run, spies } = setup();
    expect((await run(events.interruption('i-0aaaaaaaaaaaaaf02'))).batchItemFailures).toEqual([]);
    expect(spies.error).toHaveBeenCalledWith('summary notification failed', expect.objectContaining({ error: 'kms' }));
  });
});

describe('configFromEnv', () => {
  const env = {
    AUTO_SCALING_GROUP_NAMES: 'g,f',
    RESUME_DOCUMENT_NAME: 'r',
    RESUME_DOCUMENT_PARAMETERS: '{"serviceName":["x"]}',
    REBALANCE_RECHECK_SECONDS: '900',
    FLEET_TAG_KEY: 'k',
    FLEET_TAG_VALUE: 'v',
    TARGET_GROUP_ARNS: 'a,b',
    REBALANCE_ACTION: 'notify',
    DRAIN_DOCUMENT_NAME: 'd',
    DRAIN_DOCUMENT_PARAMETERS: '{"serviceName":["x"]}',
    DRAIN_TIMEOUT_SECONDS: '300',
    HEARTBEAT_INTERVAL_SECONDS: '60',
    POLL_INTERVAL_SECONDS: '5',
    TOPIC_ARN: 't',
    QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
  };
  test('reads every variable', () => {
    expect(configFromEnv(env)).toEqual(expect.objectContaining({ queueUrl: env.QUEUE_URL, autoScalingGroupNames: ['g', 'f'], resumeDocumentName: 'r', rebalanceRecheckSeconds: 900, targetGroupArns: ['a', 'b'], rebalanceAction: 'notify', drainTimeoutSeconds: 300, drainDocumentParameters: { serviceName: ['x'] } }));
  });
  test.each([
    [{ TOPIC_ARN: '' }, 'environment variable TOPIC_ARN is not set: the InterruptionHandler construct sets it; redeploy the stack'],
    [{ QUEUE_URL: '' }, 'environment variable QUEUE_URL is not set: the InterruptionHandler construct sets it; redeploy the stack'],
    [{ REBALANCE_ACTION: 'ignore' }, "environment variable REBALANCE_ACTION (ignore) must be 'drain' or 'notify'"],
    [{ DRAIN_TIMEOUT_SECONDS: 'soon' }, 'environment variable DRAIN_TIMEOUT_SECONDS (soon) must be a positive number'],
    [{ DRAIN_DOCUMENT_PARAMETERS: '{' }, 'environment variable DRAIN_DOCUMENT_PARAMETERS is not JSON: {'],
    [{ RESUME_DOCUMENT_PARAMETERS: '[' }, 'environment variable RESUME_DOCUMENT_PARAMETERS is not JSON: ['],
    [{ REBALANCE_RECHECK_SECONDS: '0' }, 'environment variable REBALANCE_RECHECK_SECONDS (0) must be a positive number'],
    [{ AUTO_SCALING_GROUP_NAMES: '' }, 'environment variable AUTO_SCALING_GROUP_NAMES is not set: the InterruptionHandler construct sets it; redeploy the stack'],
  ])('%p', (override, message) => {
    expect(() => configFromEnv({ ...env, ...override })).toThrow(message);
  });
});

describe('describeLaunchFailure (issue 9, defect 7: real codes, attributed by AZ)', () => {
  test.each([
    ['Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.', 'InsufficientInstanceCapacity', 'unknown', 'spot', true],
    ['Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration. Please adjust your request and try again. Launching EC2 instance failed.', 'UnfulfillableCapacity', 'unknown', 'spot', true],
    ['Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient g6.xlarge capacity in the Availability Zone you requested (us-east-1e). Launching EC2 instance failed.', 'InsufficientInstanceCapacity', 'g6.xlarge', 'on-demand', true],
    ['Could not launch Spot Instances. SpotMaxPriceTooLow - Your Spot request price of 0.5 is lower than the minimum required Spot request fulfillment price of 0.61. Launching EC2 instance failed.', 'SpotMaxPriceTooLow', 'unknown', 'spot', true],
    ['Could not launch Spot Instances. MaxSpotInstanceCountExceeded - Max spot instance count exceeded. Launching EC2 instance failed.', 'MaxSpotInstanceCountExceeded', 'unknown', 'spot', false],
    ['Could not launch On-Demand Instances. VcpuLimitExceeded - You have requested more vCPU capacity than your current vCPU limit of 64 allows for the instance bucket that the specified instance type g6e.2xlarge belongs to.', 'VcpuLimitExceeded', 'g6e.2xlarge', 'on-demand', false],
    ['Your requested instance type (g4dn.xlarge) is not supported in your requested Availability Zone (us-east-1e).', 'Unsupported', 'g4dn.xlarge', 'unknown', false],
    ['There is no Spot capacity available that matches your request. Launching EC2 instance failed.', 'InsufficientInstanceCapacity', 'unknown', 'spot', true],
    ['An error occurred (InsufficientCapacity) when calling the RunInstances operation', 'InsufficientCapacity', 'unknown', 'unknown', true],
    ['Something new', 'Unknown', 'unknown', 'unknown', false],
  ])('%s', (message, errorCode, instanceType, market, capacityShortage) => {
    const e = events.launchUnsuccessful(message, 'us-east-1e');
    expect(describeLaunchFailure(e as never)).toEqual({ errorCode, instanceType, availabilityZone: 'us-east-1e', subnetId: 'subnet-1', market, capacityShortage });
  });

  test('no AZ in the details: the AZ the message names', () => {
    const e = events.launchUnsuccessful('Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient g6.xlarge capacity in the Availability Zone you requested (us-east-1e).', '');
    expect(describeLaunchFailure(e as never).availabilityZone).toBe('us-east-1e');
  });
});

describe('fast retry of time-critical records', () => {
  test.each([[1, 5], [2, 10], [3, 15], [6, 30], [50, 30], [NaN, 5], [0, 5]])('receive count %p -> visible again after %p s', (count, seconds) => {
    expect(fastRetryDelaySeconds(count)).toBe(seconds);
  });

  test('warnings, terminate hooks and rebalance recommendations are time-critical; launch failures and state changes are not', () => {
    expect([...TIME_CRITICAL_DETAIL_TYPES].sort()).toEqual([DETAIL_TYPES.terminateLifecycle, DETAIL_TYPES.rebalance, DETAIL_TYPES.spotInterruption].sort());
  });
});
