import { AutoScalingClient, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { FallbackDecision } from './decision';
import type { ControllerConfig } from './env';
import type { GroupsSnapshot } from './groups';

export interface AppliedDecision {
  /** Whether SetDesiredCapacity was called on the fallback group (false when it already had the decided size). */
  readonly resized: boolean;
  /** Capacity units added to the main group's desired capacity before the fallback shrank (0 when none). */
  readonly handedBack: number;
}

/**
 * Makes the groups match the decision. Handback first: spot gets the capacity (and launches the replacement) before
 * the fallback lets it go, so the main group's target tracking does not have to find the load again; capped at the
 * main group's MaxSize. If the handback fails, the fallback is not lowered (the error fails the run).
 * HonorCooldown false: the controller's own hysteresis is the damping; both calls are idempotent when repeated.
 */
export async function applyDecision(
  config: ControllerConfig,
  client: AutoScalingClient,
  groups: GroupsSnapshot,
  decision: FallbackDecision,
): Promise<AppliedDecision> {
  let handedBack = 0;
  if (decision.handbackUnits > 0 && decision.desiredFallback < groups.fallbackDesired) {
    const raised = Math.min(groups.mainMaxSize, groups.mainDesired + decision.handbackUnits);
    if (raised > groups.mainDesired) {
      await client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: config.mainGroupName, DesiredCapacity: raised, HonorCooldown: false }));
      handedBack = raised - groups.mainDesired;
    }
  }
  let resized = false;
  if (decision.desiredFallback !== groups.fallbackDesired) {
    await client.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: config.fallbackGroupName, DesiredCapacity: decision.desiredFallback, HonorCooldown: false }),
    );
    resized = true;
  }
  return { resized, handedBack };
}
