import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import 'aws-sdk-client-mock-jest';
import { runFallbackController } from '../../../lib/fallback/runtime/controller';
import { ControllerWorld, MIN, WORLD_CONFIG } from '../support/controller-world';

// Event sequences over time through the whole controller (mocked AWS, one run per minute).

describe('issue 9, defect 2: drained hosts are not serving capacity', () => {
  test('3 of 6 hosts drained on rebalance while spot launches fail for 60 minutes -> the fallback engages', async () => {
    const world = new ControllerWorld(6);
    const deps = world.deps();
    const decisions: string[] = [];
    world.drain(3);
    for (let minute = 0; minute < 60; minute++) {
      world.failSpotLaunch(); // capacity rebalancing tries to replace the drained hosts; spot is dry
      const { decision } = await runFallbackController(WORLD_CONFIG, deps);
      decisions.push(decision.action);
      world.advance(1);
    }
    // The hosts stay InService and Healthy to Auto Scaling all along; only their drained tag says they serve nothing.
    expect(world.mainHosts.every((h) => h.state === 'InService' && h.health === 'Healthy')).toBe(true);
    // Engages once the shortfall with failed launches has lasted engageAfter (5 minutes), with what is missing.
    expect(decisions.indexOf('engage')).toBe(5);
    expect(decisions.filter((a) => a !== 'hold')).toEqual(['engage']);
    expect(world.resizes).toEqual([{ group: 'fallback-asg', desired: 3, at: world.now - 55 * MIN }]);
    expect(world.fallbackDesired).toBe(3);
    expect(world.fallbackInstances).toHaveLength(3);
    expect(world.published).toHaveLength(1);
    expect(world.published[0].Subject).toBe('GPU fleet GpuFleet-test: on-demand fallback engaged (0 -> 3)');
    expect(world.published[0].Message).toContain(
      'adding 3 on-demand instance(s) (main group serving 3 (3 more in service but drained or unhealthy) of desired 6 capacity units)',
    );
    expect(world.metrics.addMetric).toHaveBeenCalledWith('MainGroupServingCapacity', 'Count', 3);
    expect(world.metrics.addMetric).toHaveBeenCalledWith('MainGroupDrainedCapacity', 'Count', 3);
    expect(world.asg).not.toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'main-asg' });
  });

  test('hosts back in service (tag removed) hand the capacity back after the release window', async () => {
    const world = new ControllerWorld(6);
    const deps = world.deps();
    world.drain(3);
    for (let minute = 0; minute < 10; minute++) {
      world.failSpotLaunch();
      await runFallbackController(WORLD_CONFIG, deps);
      world.advance(1);
    }
    expect(world.fallbackDesired).toBe(3);
    for (const h of world.mainHosts) h.drained = undefined; // the interruption handler put them back into service
    world.spotAvailable = true;
    const actions: string[] = [];
    for (let minute = 0; minute < 30; minute++) {
      actions.push((await runFallbackController(WORLD_CONFIG, deps)).decision.action);
      world.advance(1);
    }
    // Held for the 15-minute release window, then one instance at a time, each handed back to the main group first
    // and the next only once its spot replacement is in service.
    expect(actions.indexOf('shrink')).toBe(15);
    expect(actions.filter((a) => a !== 'hold')).toEqual(['shrink', 'shrink', 'release']);
    expect(world.fallbackDesired).toBe(0);
    expect(world.resizes.filter((r) => r.group === 'main-asg').map((r) => r.desired)).toEqual([7, 8, 9]);
  });
});

/** Runs the controller once a minute for `minutes`, calling `each` before every run; returns each run's result. */
async function runFor(world: ControllerWorld, minutes: number, each: (minute: number) => void = () => undefined) {
  const deps = world.deps();
  const results = [];
  for (let minute = 0; minute < minutes; minute++) {
    each(minute);
    const resizesBefore = world.resizes.length;
    const publishedBefore = world.published.length;
    const result = await runFallbackController(WORLD_CONFIG, deps);
    // Every capacity change the controller makes is published in the same run.
    if (world.resizes.length > resizesBefore) expect({ minute, published: world.published.length - publishedBefore }).toEqual({ minute, published: 1 });
    results.push(result);
    world.advance(1);
  }
  return results;
}

const DAY = 24 * 60 * MIN;

describe('issue 9, defect 8: stale or overridden state never relaunches on-demand hosts silently', () => {
  /** What the controller stored when it last ran: engaged with 3 through a spot outage. */
  const engagedState = (at: number) => ({
    version: 1, mode: 'engaged', desiredFallback: 3, failuresInStreak: 0, window: [[at - 10 * MIN, 3]], countedFailureIds: ['fail-old'],
  });

  test('state saved 3 days ago + a fully served main group -> no relaunch; the topic hears why', async () => {
    const world = new ControllerWorld(6);
    const savedAt = world.now - 3 * DAY;
    world.parameter = { value: JSON.stringify({ ...engagedState(savedAt), savedAt }), lastModified: new Date(savedAt) };
    world.fallbackDesired = 0; // released since (the controller was disabled, someone scaled it in)
    const results = await runFor(world, 30);

    expect(world.asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(results.map((r) => r.decision.action)).toEqual(Array(30).fill('hold'));
    expect(results[0].rebuilt).toBe('stale');
    expect(results.slice(1).every((r) => r.rebuilt === undefined)).toBe(true);
    expect(world.published).toHaveLength(1);
    expect(world.published[0].Subject).toBe('GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 0)');
    expect(world.published[0].Message).toContain(
      'State: the stored state is 4320m 0s old (saved 2025-05-30T12:00:00.000Z), older than 10m 0s: the controller did not run in between ' +
      '(schedule disabled, throttled or failing); it said the fallback group should be at 3, the group is at 0; ' +
      'it starts in standby with the fallback group at 0',
    );
    expect(world.state()).toMatchObject({ mode: 'standby', desiredFallback: 0, savedAt: world.now - MIN });
  });

  test('a state written before states carried savedAt ages by the parameter\'s LastModifiedDate', async () => {
    const world = new ControllerWorld(6);
    world.parameter = { value: JSON.stringify(engagedState(world.now - 2 * DAY)), lastModified: new Date(world.now - 2 * DAY) };
    const [first] = await runFor(world, 1);
    expect(first.rebuilt).toBe('stale');
    expect(world.asg).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
  });

  test('stale state with a fallback still running: adopted and held for the release window, then handed back with notices', async () => {
    const world = new ControllerWorld(6);
    const savedAt = world.now - DAY;
    world.parameter = { value: JSON.stringify({ ...engagedState(savedAt), savedAt }), lastModified: new Date(savedAt) };
    world.setFallback(3);
    world.advance(5); // its instances are in service
    world.spotAvailable = true;
    const results = await runFor(world, 30);
    expect(results[0]).toMatchObject({ rebuilt: 'stale', resized: false, notified: true, decision: { action: 'hold', desiredFallback: 3 } });
    expect(results.findIndex((r) => r.decision.action !== 'hold')).toBe(15);
    expect(world.fallbackDesired).toBe(0);
    expect(world.published.map((p) => p.Subject)).toEqual([
      'GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 3)',
      'GPU fleet GpuFleet-test: on-demand fallback shrank (3 -> 2)',
      'GPU fleet GpuFleet-test: on-demand fallback shrank (2 -> 1)',
      'GPU fleet GpuFleet-test: on-demand fallback released (1 -> 0)',
    ]);
  });

  test('operator zeroes the fallback group while the main group is served -> reconciled, notified, not relaunched', async () => {
    const world = new ControllerWorld(6);
    world.drain(3);
    await runFor(world, 8, () => world.failSpotLaunch()); // engaged with 3
    expect(world.fallbackDesired).toBe(3);
    for (const h of world.mainHosts) h.drained = undefined; // hosts back in service
    world.setFallback(0); // `aws autoscaling set-desired-capacity --desired-capacity 0` on the fallback group
    const published = world.published.length;
    const resizes = world.resizes.length;

    const results = await runFor(world, 30);
    expect(results[0]).toMatchObject({ rebuilt: 'mismatch', resized: false, notified: true, decision: { action: 'hold', desiredFallback: 0 } });
    expect(world.resizes.slice(resizes)).toEqual([]);
    expect(world.fallbackDesired).toBe(0);
    expect(world.published.slice(published).map((p) => p.Subject)).toEqual([
      'GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 0)',
    ]);
    expect(world.published[published].Message).toContain(
      "State: the fallback group's desired capacity is 0, not the 3 the controller last decided: it was changed outside the controller",
    );
  });

  test('operator zeroes the fallback group during an outage -> followed; engages again only after a new engageAfter, with a notice', async () => {
    const world = new ControllerWorld(6);
    world.drain(3);
    await runFor(world, 8, () => world.failSpotLaunch());
    world.setFallback(0);
    const published = world.published.length;
    const results = await runFor(world, 10, () => world.failSpotLaunch());
    expect(results.map((r) => r.decision.action)).toEqual(['hold', 'hold', 'hold', 'hold', 'hold', 'engage', 'hold', 'hold', 'hold', 'hold']);
    expect(world.published.slice(published).map((p) => p.Subject)).toEqual([
      'GPU fleet GpuFleet-test: on-demand fallback state reconciled (fallback group at 0)',
      'GPU fleet GpuFleet-test: on-demand fallback engaged (0 -> 3)',
    ]);
  });

  test('engage, grow, shrink and release each notify the topic with the reason', async () => {
    const world = new ControllerWorld(6);
    world.drain(2);
    await runFor(world, 7, () => world.failSpotLaunch()); // engage 2
    world.drain(5);
    await runFor(world, 3, () => world.failSpotLaunch()); // grow to the cap, 4 (5 short)
    for (const h of world.mainHosts) h.drained = undefined;
    world.spotAvailable = true;
    await runFor(world, 40);
    expect(world.published.map((p) => p.Subject)).toEqual([
      'GPU fleet GpuFleet-test: on-demand fallback engaged (0 -> 2)',
      'GPU fleet GpuFleet-test: on-demand fallback grew (2 -> 4)',
      'GPU fleet GpuFleet-test: on-demand fallback shrank (4 -> 3)',
      'GPU fleet GpuFleet-test: on-demand fallback shrank (3 -> 2)',
      'GPU fleet GpuFleet-test: on-demand fallback shrank (2 -> 1)',
      'GPU fleet GpuFleet-test: on-demand fallback released (1 -> 0)',
    ]);
    expect(world.published.every((p) => /\nReason: .+/.test(p.Message!))).toBe(true);
    expect(world.published[1].Message).toContain('capped at maxFallbackInstances 4');
    expect(world.published[5].Message).toContain('Handback: main group main-asg desired 9 -> 10');
  });
});
