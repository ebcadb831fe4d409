import { Duration, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * How a change of the hosts (image, model, user data, instance types) rolls through a group: a CloudFormation-driven
 * instance refresh (`UpdatePolicy: AutoScalingInstanceRefresh`) that launches new hosts before it terminates old
 * ones, never drops below the desired capacity, waits for each new host's warm-up, bakes, and fails (so the stack
 * rolls back and refreshes to the previous launch template version) as soon as one of `alarms` is in ALARM.
 *
 * The refresh starts when CloudFormation updates the group's LaunchTemplate/MixedInstancesPolicy, subnets or AZs;
 * `cdk deploy` waits for it.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html
 */
export interface FleetRolloutOptions {
  /**
   * Alarms watched during the refresh and its bake time; any in ALARM fails the refresh and rolls the deployment
   * back. Up to 10. Use the endpoint's 5xx-rate and latency alarms (`ServingAlarms.rolloutAlarms`), not cost alarms.
   * @default - none: only failed health checks stop a refresh
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];

  /**
   * How long CloudFormation keeps watching `alarms` after the last host was replaced before the update counts as
   * done, 0-172800 seconds.
   * @default Duration.minutes(10)
   */
  readonly bakeTime?: Duration;

  /**
   * Percentages of the group to replace before pausing for `checkpointDelay` (a canary), ascending, unique, 1-100,
   * the last one 100.
   * @default - no checkpoints
   */
  readonly checkpointPercentages?: readonly number[];

  /**
   * Pause at each checkpoint, 0-172800 seconds; needs `checkpointPercentages`.
   * @default - AWS's 1 hour when checkpoints are set
   */
  readonly checkpointDelay?: Duration;

  /**
   * How long after a new host is InService the refresh waits before it counts it and moves on (terminating an old
   * host), 0-172800 seconds.
   * @default - the group's warm-up (GpuFleet: its `warmup`; other groups: their DefaultInstanceWarmup or health
   * check grace period, as AWS defaults)
   */
  readonly instanceWarmup?: Duration;

  /**
   * Upper bound of in-service plus pending hosts during the refresh, in percent of the desired capacity, 100-200.
   * The lower bound is always 100: launch before terminate, never below the serving capacity. 200 replaces the
   * whole group in one batch next to the old hosts; a lower value replaces in smaller batches (slower, less
   * overlap cost).
   * @default 200
   */
  readonly maxHealthyPercentage?: number;

  /**
   * Leave hosts alone that already run the desired launch template version (a resumed or repeated refresh).
   * @default true
   */
  readonly skipMatching?: boolean;
}

/** Every seconds field AWS limits to 0-172800 (RefreshPreferences). */
const MAX_PREFERENCE_SECONDS = 172800;

/**
 * Problems of `options`, one line each, prop names under `rollout.` (an empty list when valid). Checked by the
 * constructs before CDK's own checks, so every problem is reported at once with the construct's path.
 */
export function rolloutProblems(options: FleetRolloutOptions): string[] {
  const problems: string[] = [];
  const seconds = (name: string, d: Duration | undefined) => {
    if (d === undefined || d.isUnresolved()) return;
    const s = d.toSeconds({ integral: false });
    if (!Number.isInteger(s) || s < 0 || s > MAX_PREFERENCE_SECONDS) {
      problems.push(`rollout.${name} (${s}s) must be whole seconds from 0 to ${MAX_PREFERENCE_SECONDS} (48 hours, the instance refresh limit)`);
    }
  };
  seconds('bakeTime', options.bakeTime);
  seconds('checkpointDelay', options.checkpointDelay);
  seconds('instanceWarmup', options.instanceWarmup);
  const max = options.maxHealthyPercentage;
  if (max !== undefined && !Token.isUnresolved(max) && (!Number.isInteger(max) || max < 100 || max > 200)) {
    problems.push(`rollout.maxHealthyPercentage (${max}) must be a whole number from 100 to 200: new hosts launch before old ones terminate, so the group never drops below 100%`);
  }
  const points = options.checkpointPercentages;
  if (points !== undefined && !Token.isUnresolved(points) && !points.some((p) => Token.isUnresolved(p))) {
    const shown = JSON.stringify(points);
    const ascending = points.every((p, i) => i === 0 || points[i - 1] < p);
    if (points.length === 0 || points.some((p) => !Number.isInteger(p) || p < 1 || p > 100) || !ascending || points[points.length - 1] !== 100) {
      problems.push(`rollout.checkpointPercentages (${shown}) must be whole percentages from 1 to 100, strictly ascending, the last 100 (so the refresh replaces every host)`);
    }
  }
  if (options.checkpointDelay !== undefined && points === undefined) {
    problems.push(`rollout.checkpointDelay (${options.checkpointDelay.toSeconds({ integral: false })}s) needs rollout.checkpointPercentages: there is no checkpoint to pause at`);
  }
  const alarms = options.alarms ?? [];
  if (alarms.length > 10) problems.push(`rollout.alarms (${alarms.length} alarms) must be at most 10 (instance refresh limit)`);
  return problems;
}

/**
 * The group's UpdatePolicy for `options` (validate with `rolloutProblems` first): rolling instance refresh,
 * min healthy 100%, hosts protected from scale-in and hosts in standby ignored rather than waited for (this project
 * uses neither; AWS's default `Wait` would hold a deploy for a host someone parked).
 */
export function rolloutUpdatePolicy(options: FleetRolloutOptions, defaultWarmup?: Duration): autoscaling.UpdatePolicy {
  return autoscaling.UpdatePolicy.instanceRefresh({
    strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
    minHealthyPercentage: 100,
    maxHealthyPercentage: options.maxHealthyPercentage ?? 200,
    skipMatching: options.skipMatching ?? true,
    instanceWarmup: options.instanceWarmup ?? defaultWarmup,
    bakeTime: options.bakeTime ?? Duration.minutes(10),
    checkpointPercentages: options.checkpointPercentages ? [...options.checkpointPercentages] : undefined,
    checkpointDelay: options.checkpointDelay,
    alarms: options.alarms?.length ? [...options.alarms] : undefined,
    scaleInProtectedInstances: autoscaling.ScaleInProtectedInstances.IGNORE,
    standbyInstances: autoscaling.StandbyInstances.IGNORE,
  });
}

/**
 * Makes `group` depend on the rollout's alarms. Their names appear only in the UpdatePolicy attribute, and
 * CloudFormation documents ordering from references in Properties, not in update policies: the explicit DependsOn
 * makes sure the alarms exist whenever the group is created or updated (and are removed only after it).
 */
export function dependOnRolloutAlarms(group: autoscaling.AutoScalingGroup, options: FleetRolloutOptions): void {
  const resource = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  for (const alarm of options.alarms ?? []) resource.node.addDependency(alarm);
}
