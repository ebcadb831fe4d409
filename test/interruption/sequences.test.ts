import { CompleteLifecycleActionCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import { awsError, describeReturns, events, instance } from './support/handler-fixtures';
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
