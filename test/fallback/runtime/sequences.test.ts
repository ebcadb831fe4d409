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
