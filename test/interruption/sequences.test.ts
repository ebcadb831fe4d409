import { CompleteLifecycleActionCommand, DescribeAutoScalingInstancesCommand, RecordLifecycleActionHeartbeatCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import { DRAINED_TAG_KEY } from '../../lib/shared/fleet-tag';
import { awsError, CONFIG, describeReturns, events, fakeClock, FALLBACK_GROUP, GROUP, instance } from './support/handler-fixtures';
import { handlerHarness } from './support/handler-harness';

// Event sequences across time for one host: what an earlier event leaves behind must not change what a later
// event does wrongly.
const h = handlerHarness();
const MINUTE = 60_000;

describe('a skipped drain is not a drain (issue 9, defect 3)', () => {
  test('rebalance while SSM cannot reach the host, interruption warning 20 minutes later: the warning drains', async () => {
    describeReturns(h.ec2, [instance('i-0d3d3d3d3d3d3d301')]);
    h.ssm.on(SendCommandCommand).rejectsOnce(awsError('InvalidInstanceId', 'Instances not in a valid state for account')).resolves({ Command: { CommandId: 'cmd-late' } });
    const { run, clock, spies } = h.setup();

    expect((await run(events.rebalance('i-0d3d3d3d3d3d3d301'))).batchItemFailures).toEqual([]);
    expect(spies.warn).toHaveBeenCalledWith('drain skipped: instance not reachable by SSM Run Command', expect.objectContaining({ instanceId: 'i-0d3d3d3d3d3d3d301' }));

    clock.advance(20 * MINUTE);
    h.elbv2.resetHistory();
    expect((await run(events.interruption('i-0d3d3d3d3d3d3d301'))).batchItemFailures).toEqual([]);
    expect(h.ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
    expect(h.elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(h.autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: 'i-0d3d3d3d3d3d3d301', HealthStatus: 'Unhealthy' });
  });

  test('rebalance skipped, then the terminate hook: the hook drains and waits instead of completing at once', async () => {
    describeReturns(h.ec2, [instance('i-0d3d3d3d3d3d3d302')]);
    h.ssm.on(SendCommandCommand).rejectsOnce(awsError('InvalidInstanceId', 'not managed')).resolves({ Command: { CommandId: 'cmd-hook' } });
    const { run, clock } = h.setup();
    await run(events.rebalance('i-0d3d3d3d3d3d3d302'));
    clock.advance(10 * MINUTE);
    await run(events.lifecycle('i-0d3d3d3d3d3d3d302'));
    expect(h.ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { InstanceId: 'i-0d3d3d3d3d3d3d302', LifecycleActionResult: 'CONTINUE' });
  });

  test('a permanently failed SendCommand is not stored either: the next event of the host tries again', async () => {
    describeReturns(h.ec2, [instance('i-0d3d3d3d3d3d3d303')]);
    h.ssm.on(SendCommandCommand).rejectsOnce(awsError('InvalidDocument', 'Document is being updated')).resolves({ Command: { CommandId: 'cmd-2' } });
    const { run, clock } = h.setup();
    await run(events.rebalance('i-0d3d3d3d3d3d3d303'));
    clock.advance(5 * MINUTE);
    await run(events.interruption('i-0d3d3d3d3d3d3d303'));
    expect(h.ssm).toHaveReceivedCommandTimes(SendCommandCommand, 2);
  });
});

describe('drain metrics (issue 9, defect 9)', () => {
  const durations = () => h.points().filter((p) => p.name === 'DrainDurationSeconds' && Object.keys(p.dims).length === 2).map((p) => p.value);

  test('rebalance drain, terminate hook 10 minutes later: DrainDurationSeconds is the drain command\'s own run time, not 600 s', async () => {
    describeReturns(h.ec2, [instance('i-0d9d9d9d9d9d9d901')]);
    const { run, clock } = h.setup();
    const start = clock.now();
    await run(events.rebalance('i-0d9d9d9d9d9d9d901'));
    h.ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Success',
      ExecutionStartDateTime: new Date(start + 1_000).toISOString(),
      ExecutionEndDateTime: new Date(start + 43_000).toISOString(),
    });
    clock.advance(10 * MINUTE);
    await run(events.lifecycle('i-0d9d9d9d9d9d9d901'));
    expect(durations()).toEqual([42]);
  });

  test('a joined drain that ended unseen, without SSM times: no duration rather than a wrong one', async () => {
    describeReturns(h.ec2, [instance('i-0d9d9d9d9d9d9d902')]);
    const { run, clock } = h.setup();
    await run(events.rebalance('i-0d9d9d9d9d9d9d902'));
    clock.advance(10 * MINUTE);
    await run(events.lifecycle('i-0d9d9d9d9d9d9d902'));
    expect(durations()).toEqual([]);
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });

  test('InvalidInstanceId on the lifecycle path is a warning (DrainsSkipped), not a DrainFailures', async () => {
    describeReturns(h.ec2, [instance('i-0d9d9d9d9d9d9d903', { type: 'g6.xlarge' })]);
    h.ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'Instances not in a valid state for account'));
    const { run } = h.setup();
    expect((await run(events.lifecycle('i-0d9d9d9d9d9d9d903'))).batchItemFailures).toEqual([]);
    expect(h.fleetWide('DrainFailures')).toEqual([]);
    expect(h.fleetWide('DrainsSkipped')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(h.points()).toContainEqual(expect.objectContaining({ name: 'DrainsSkipped', dims: expect.objectContaining({ InstanceType: 'g6.xlarge', EventType: 'EC2 Instance-terminate Lifecycle Action' }) }));
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });
});

describe('a host drained on a rebalance recommendation comes back or is replaced (issue 9, defect 2)', () => {
  const ID = 'i-0d2d2d2d2d2d2d201';
  const T0 = Date.parse('2025-11-22T10:00:00Z');
  /** DescribeInstances as EC2 answers it: by id, or by the sweep's tag filters; tags follow CreateTags/DeleteTags. */
  function liveHost(state = 'running') {
    const tags = new Map<string, string>();
    const host = () => ({ ...instance(ID), State: { Name: state as 'running' }, Tags: [...instance(ID).Tags, ...[...tags].map(([Key, Value]) => ({ Key, Value }))] });
    h.ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: Array<{ Name: string }> }) => {
      if (input.Filters) return { Reservations: tags.has(DRAINED_TAG_KEY) && state === 'running' ? [{ Instances: [host()] }] : [] };
      return { Reservations: [{ Instances: [host()] }] };
    });
    h.ec2.on(CreateTagsCommand).callsFake((input: { Tags: Array<{ Key: string; Value: string }> }) => void input.Tags.forEach((t) => tags.set(t.Key, t.Value)));
    h.ec2.on(DeleteTagsCommand).callsFake((input: { Tags: Array<{ Key: string; Value: string }> }) => void input.Tags.forEach((t) => tags.get(t.Key) === t.Value && tags.delete(t.Key)));
    return { tags, setState: (s: string) => void (state = s) };
  }
  const inGroup = (LifecycleState: string, HealthStatus = 'HEALTHY') =>
    h.autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [{ InstanceId: ID, AutoScalingGroupName: GROUP, LifecycleState, HealthStatus } as never] });

  test('rebalance: tagged drained before the drain, out of the target groups, no SetInstanceHealth', async () => {
    const host = liveHost();
    const { run } = h.setup(CONFIG, fakeClock(T0));
    await run(events.rebalance(ID));
    expect(host.tags.get(DRAINED_TAG_KEY)).toBe('rebalance@2025-11-22T10:00:00.000Z');
    expect(h.ec2.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({ Resources: [ID], Tags: [{ Key: DRAINED_TAG_KEY, Value: 'rebalance@2025-11-22T10:00:00.000Z' }] });
    expect(h.elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(h.ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(h.autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  });

  test('rebalance, host still InService and Healthy at the re-check: resumed, back in the target groups, tag removed, drainable again', async () => {
    const host = liveHost();
    inGroup('InService');
    const clock = fakeClock(T0);
    const { run, spies } = h.setup(CONFIG, clock);
    await run(events.rebalance(ID));
    clock.advance(10 * MINUTE);
    await run(events.sweep(new Date(clock.now())));
    expect(h.elbv2).not.toHaveReceivedCommand(RegisterTargetsCommand); // not yet due (15 min)
    clock.advance(6 * MINUTE);
    expect((await run(events.sweep(new Date(clock.now())))).batchItemFailures).toEqual([]);
    expect(h.ssm).toHaveReceivedCommandWith(SendCommandCommand, { DocumentName: CONFIG.resumeDocumentName, InstanceIds: [ID], Parameters: { serviceName: ['inference.service'] } });
    expect(h.elbv2).toHaveReceivedCommandTimes(RegisterTargetsCommand, 2);
    expect(host.tags.has(DRAINED_TAG_KEY)).toBe(false);
    expect(h.fleetWide('HostsRestored')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(spies.info).toHaveBeenCalledWith('drained host back in service: still InService and Healthy after its rebalance drain', expect.objectContaining({ instanceId: ID }));
    // Back in service means drainable again: a warning later sends a new drain command.
    clock.advance(20 * MINUTE);
    await run(events.interruption(ID));
    expect(h.ssm.commandCalls(SendCommandCommand).filter((c) => c.args[0].input.DocumentName === CONFIG.drainDocumentName)).toHaveLength(2);
  });

  test('rebalance, interruption warning 20 minutes later: the warning drains and replaces; the sweep leaves the host alone', async () => {
    const host = liveHost();
    const clock = fakeClock(T0);
    const { run } = h.setup(CONFIG, clock);
    await run(events.rebalance(ID));
    clock.advance(20 * MINUTE);
    await run({ ...events.interruption(ID), time: new Date(clock.now()).toISOString() });
    expect(h.autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: ID, HealthStatus: 'Unhealthy' });
    expect(host.tags.get(DRAINED_TAG_KEY)).toMatch(/^interruption@/);
    inGroup('InService', 'UNHEALTHY');
    await run(events.sweep(new Date(clock.now())));
    expect(h.elbv2).not.toHaveReceivedCommand(RegisterTargetsCommand);
    expect(h.ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input.DocumentName)).not.toContain(CONFIG.resumeDocumentName);
  });

  test('rebalance, then the terminate hook (capacity rebalancing replaced it): the hook completes; the sweep does not bring it back', async () => {
    liveHost();
    const clock = fakeClock(T0);
    const { run } = h.setup(CONFIG, clock);
    await run(events.rebalance(ID));
    clock.advance(8 * MINUTE);
    await run(events.lifecycle(ID));
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { InstanceId: ID, LifecycleActionResult: 'CONTINUE' });
    expect(h.ssm).toHaveReceivedCommandTimes(SendCommandCommand, 1); // the hook joined the rebalance drain
    inGroup('Terminating:Wait');
    clock.advance(10 * MINUTE);
    await run(events.sweep(new Date(clock.now())));
    expect(h.elbv2).not.toHaveReceivedCommand(RegisterTargetsCommand);
  });

  test('no resume document (custom drain document): at the re-check the host is marked Unhealthy so the group replaces it', async () => {
    const host = liveHost();
    inGroup('InService');
    const clock = fakeClock(T0);
    const { run } = h.setup({ ...CONFIG, resumeDocumentName: undefined }, clock);
    await run(events.rebalance(ID));
    clock.advance(16 * MINUTE);
    await run(events.sweep(new Date(clock.now())));
    expect(h.autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: ID, HealthStatus: 'Unhealthy' });
    expect(h.elbv2).not.toHaveReceivedCommand(RegisterTargetsCommand);
    expect(host.tags.has(DRAINED_TAG_KEY)).toBe(true);
    expect(h.fleetWide('HostsReplaced')).toEqual([expect.objectContaining({ value: 1 })]);
  });

  test('resume impossible (SSM cannot reach the host): replaced instead', async () => {
    liveHost();
    inGroup('InService');
    const clock = fakeClock(T0);
    const { run, spies } = h.setup(CONFIG, clock);
    await run(events.rebalance(ID));
    h.ssm.on(SendCommandCommand, { DocumentName: CONFIG.resumeDocumentName }).rejects(awsError('InvalidInstanceId', 'not managed'));
    clock.advance(16 * MINUTE);
    expect((await run(events.sweep(new Date(clock.now())))).batchItemFailures).toEqual([]);
    expect(h.autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: ID, HealthStatus: 'Unhealthy' });
    expect(spies.warn).toHaveBeenCalledWith('drained host cannot be resumed; marked Unhealthy so the group replaces it', { instanceId: ID, reason: 'ssm:SendCommand: InvalidInstanceId' });
  });

  test('rebalance whose drain command cannot start: undone at once (back in the target groups, tag removed), the host keeps serving', async () => {
    const host = liveHost();
    h.ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'not managed'));
    const { run, spies } = h.setup(CONFIG, fakeClock(T0));
    expect((await run(events.rebalance(ID))).batchItemFailures).toEqual([]);
    expect(h.elbv2).toHaveReceivedCommandTimes(RegisterTargetsCommand, 2);
    expect(host.tags.has(DRAINED_TAG_KEY)).toBe(false);
    expect(spies.warn).toHaveBeenCalledWith('rebalance drain not started; the host stays in service', expect.objectContaining({ instanceId: ID, skipped: 'InvalidInstanceId' }));
  });

  test('rebalance when the host cannot be tagged drained (permanent): nothing is drained, the record fails and alarms', async () => {
    liveHost();
    h.ec2.on(CreateTagsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const { run } = h.setup(CONFIG, fakeClock(T0));
    expect((await run(events.rebalance(ID))).batchItemFailures).toHaveLength(1);
    expect(h.elbv2).not.toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(h.ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(h.fleetWide('ProcessingErrors')).toEqual([expect.objectContaining({ value: 1 })]);
  });

  test('hook for a host that is already gone (issue 9, defect 5): CONTINUE at once, no drain, no heartbeat, no polling', async () => {
    describeReturns(h.ec2, []);
    const { run, spies } = h.setup();
    expect((await run(events.lifecycle('i-0d5d5d5d5d5d5d501'))).batchItemFailures).toEqual([]);
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { InstanceId: 'i-0d5d5d5d5d5d5d501', LifecycleActionResult: 'CONTINUE' });
    expect(h.ssm).not.toHaveReceivedCommand(SendCommandCommand);
    expect(h.ssm).not.toHaveReceivedCommand(GetCommandInvocationCommand);
    expect(h.autoScaling).not.toHaveReceivedCommand(RecordLifecycleActionHeartbeatCommand);
    expect(spies.info).toHaveBeenCalledWith('host already gone; lifecycle action completed at once', expect.objectContaining({ state: 'not found' }));
  });

  test('hook for a host shutting down whose warning started a drain: no waiting on the dead host\'s command', async () => {
    describeReturns(h.ec2, [instance('i-0d5d5d5d5d5d5d502')]);
    h.ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const clock = fakeClock(T0);
    const { run } = h.setup(CONFIG, clock);
    await run(events.interruption('i-0d5d5d5d5d5d5d502'));
    describeReturns(h.ec2, [instance('i-0d5d5d5d5d5d5d502', { state: 'shutting-down' })]);
    clock.advance(110_000);
    const before = clock.now();
    await run(events.lifecycle('i-0d5d5d5d5d5d5d502'));
    expect(clock.now()).toBe(before);
    expect(h.ssm).not.toHaveReceivedCommand(GetCommandInvocationCommand);
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });

  test('hook while the drain runs and spot reclaims the host: the wait ends when the host is gone, not at the drain timeout', async () => {
    let describes = 0;
    h.ec2.on(DescribeInstancesCommand).callsFake(() => ({ Reservations: [{ Instances: [instance('i-0d5d5d5d5d5d5d503', { state: ++describes > 3 ? 'shutting-down' : 'running' })] }] }));
    h.ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    const clock = fakeClock(T0);
    const { run } = h.setup(CONFIG, clock);
    await run(events.lifecycle('i-0d5d5d5d5d5d5d503'));
    expect(clock.now() - T0).toBeLessThan(30_000);
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(h.fleetWide('DrainFailures')).toEqual([]);
  });
});

describe('fallback hosts get the same drain path (issue 9, defect 6)', () => {
  test('a terminate hook of the fallback group (a handback): drained, waited on, completed', async () => {
    describeReturns(h.ec2, [instance('i-0d6d6d6d6d6d6d601', { group: FALLBACK_GROUP })]);
    const { run } = h.setup();
    expect((await run(events.lifecycle('i-0d6d6d6d6d6d6d601', undefined, FALLBACK_GROUP))).batchItemFailures).toEqual([]);
    expect(h.elbv2).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(h.ssm).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ['i-0d6d6d6d6d6d6d601'], DocumentName: CONFIG.drainDocumentName });
    expect(h.autoScaling).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { AutoScalingGroupName: FALLBACK_GROUP, InstanceId: 'i-0d6d6d6d6d6d6d601', LifecycleActionResult: 'CONTINUE' });
  });

  test('membership accepts both groups of the fleet, and only them', async () => {
    describeReturns(h.ec2, [instance('i-0d6d6d6d6d6d6d602', { group: FALLBACK_GROUP }), instance('i-0d6d6d6d6d6d6d603', { group: 'GpuFleet-test-SomeOtherGroup' })]);
    const { run, spies } = h.setup();
    await run(events.interruption('i-0d6d6d6d6d6d6d602'), events.interruption('i-0d6d6d6d6d6d6d603'));
    expect(h.ssm).toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ['i-0d6d6d6d6d6d6d602'] });
    expect(h.ssm).not.toHaveReceivedCommandWith(SendCommandCommand, { InstanceIds: ['i-0d6d6d6d6d6d6d603'] });
    expect(spies.info).toHaveBeenCalledWith('event dropped: instance belongs to another fleet', expect.objectContaining({ instanceId: 'i-0d6d6d6d6d6d6d603' }));
  });

  test('a lifecycle action of a group the handler does not drain is dropped', async () => {
    describeReturns(h.ec2, [instance('i-0d6d6d6d6d6d6d604')]);
    const { run } = h.setup();
    expect((await run(events.lifecycle('i-0d6d6d6d6d6d6d604', undefined, 'someone-elses-group'))).batchItemFailures).toEqual([]);
    expect(h.autoScaling).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });
});
