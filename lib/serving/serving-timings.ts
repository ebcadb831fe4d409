import { Duration } from 'aws-cdk-lib';
import { ServingConfigError } from './errors';

/** What the timings of a serving fleet are derived from: the endpoint's target group settings. */
export interface ServingTimingsInput {
  /** The target group's slow start (0 when routing is least outstanding requests). */
  readonly slowStart: Duration;
  /** The target group's health check interval. */
  readonly healthCheckInterval: Duration;
  /** Consecutive successful checks before a host gets traffic. */
  readonly healthyThresholdCount: number;
}

/** Timings for GpuFleet (`warmup`, `healthCheckGrace`) and the rollout (`instanceWarmup`). */
export interface ServingTimings {
  /**
   * How long after InService a new host's metrics count (ASG default warm-up, target tracking, instance refresh):
   * slow start plus two health check intervals. With the readiness hook a host is InService only once its server
   * answers, so what remains is the load balancer's health checks and the slow-start ramp.
   */
  readonly warmup: Duration;
  /**
   * How long the group ignores failed ELB health checks of a new host: the checks it needs to turn healthy
   * (interval x healthy threshold) plus 30 s of registration.
   */
  readonly healthCheckGrace: Duration;
}

/** Warm-up and health check grace of a serving fleet, from its target group. */
export function servingTimings(input: ServingTimingsInput): ServingTimings {
  const interval = input.healthCheckInterval.toSeconds();
  const slowStart = input.slowStart.toSeconds();
  const healthy = input.healthyThresholdCount;
  if (!Number.isInteger(healthy) || healthy < 2 || healthy > 10) {
    throw new ServingConfigError('servingTimings', [`healthyThresholdCount (${healthy}) must be a whole number from 2 to 10: ALB range`]);
  }
  return {
    warmup: Duration.seconds(slowStart + 2 * interval),
    healthCheckGrace: Duration.seconds(interval * healthy + 30),
  };
}
