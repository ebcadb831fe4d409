/**
 * What the constructs and their Lambda code agree on about a fleet's hosts. Runtime code imports this file too, so
 * it must stay free of aws-cdk-lib and constructs.
 */

/** Tag key every host (main and fallback group) carries; its value names the fleet. */
export const FLEET_TAG_KEY = 'gpu-spot-fleet:fleet';

/** The tag that marks a fleet's hosts (`{ key: FLEET_TAG_KEY, value: <fleet name> }`). */
export interface FleetTag {
  readonly key: string;
  readonly value: string;
}

/**
 * Set by the interruption handler on a host whose workload it has drained (value: `<reason>@<ISO time>`), removed
 * when the host comes back into service. A drained host is InService and Healthy to Auto Scaling but serves nothing,
 * so whatever counts serving capacity (the fallback controller) must leave tagged hosts out.
 */
export const DRAINED_TAG_KEY = 'gpu-spot-fleet:drained';
