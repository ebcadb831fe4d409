import { App, Stack } from 'aws-cdk-lib';
import { TEST_ENV, TEST_FLEET_TAG, TEST_INSTANCE_TYPES, testFleet } from '../../support/test-fleet';

export const FLEET_TAG = TEST_FLEET_TAG;
export const INSTANCE_TYPES = TEST_INSTANCE_TYPES;
export const AZS = ['us-east-1a', 'us-east-1b'] as const;

/** A minimal fleet as GpuFleet exposes it (test/support/test-fleet.ts), pinned to AZS. */
export function fleetStack(app: App = new App(), options: { withTargetGroup?: boolean } = {}) {
  const stack = new Stack(app, 'GpuFleet-test', { env: TEST_ENV });
  const { vpc, launchTemplate, group, topic, targetGroups } = testFleet(stack, { availabilityZones: AZS, withTargetGroup: options.withTargetGroup });
  return { app, stack, vpc, launchTemplate, group, topic, targetGroups };
}

/** The fallback props every test starts from. */
export function fallbackProps(f: ReturnType<typeof fleetStack>) {
  return {
    autoScalingGroup: f.group,
    launchTemplate: f.launchTemplate,
    vpc: f.vpc,
    availabilityZones: [...AZS],
    instanceTypes: [...INSTANCE_TYPES],
    topic: f.topic,
    fleetTag: FLEET_TAG,
    maxFallbackInstances: 4,
  };
}
