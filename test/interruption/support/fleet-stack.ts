import { App, Stack } from 'aws-cdk-lib';
import { InterruptionHandler, InterruptionHandlerProps } from '../../../lib/interruption';
import { TEST_ENV, TEST_FLEET_TAG, testFleet } from '../../support/test-fleet';

export const FLEET_TAG = TEST_FLEET_TAG;

/** A minimal fleet as GpuFleet exposes it (test/support/test-fleet.ts) with an InterruptionHandler on it. */
export function fleetStack(app: App = new App(), extra: Partial<InterruptionHandlerProps> = {}, withTargetGroup = false, agnostic = false) {
  const stack = new Stack(app, 'GpuFleet-test', agnostic ? {} : { env: TEST_ENV });
  const { group, topic, targetGroups } = testFleet(stack, { maxCapacity: 4, withTargetGroup });
  const handler = new InterruptionHandler(stack, 'Interruption', {
    autoScalingGroup: group,
    topic,
    fleetTag: FLEET_TAG,
    targetGroups,
    ...extra,
  });
  return { app, stack, group, topic, handler, targetGroups };
}
