import { Duration } from 'aws-cdk-lib';
import { SERVING_DEFAULTS } from '../../config/schema';
import { servingHealthCheck } from '../../config/serving-rules';
import type { EnvironmentConfig, ServingConfig } from '../../config/types';
import { requestTargetPerHost } from '../serving/request-targets';
import { servingTimings as fleetTimings } from '../serving/serving-timings';

// Numbers derived from the config's serving block, for the stack (construct props) and the cost inputs. The formulas
// of warm-up, grace and the request target are lib/serving's (one definition); this adds the config's defaults.

/** Timings derived from the workload, so a host counts, is health-checked and gets traffic when it can serve. */
export interface ServingTimings {
  /** The target group's slow start: a quarter of the startup (30-900 s) with round robin, 0 otherwise. */
  readonly slowStartSeconds: number;
  /**
   * A new host's warm-up (group default, target tracking, predictive buffer): slow start plus two health-check
   * intervals. The readiness hook already keeps a host out of service until its server answers, so the warm-up only
   * covers the ramp of its share of requests.
   */
  readonly warmupSeconds: number;
  /**
   * Grace before the group acts on the load balancer's health checks: the checks a host needs to turn healthy, plus
   * 30 s. With a launch readiness hook the grace only has to cover those first checks.
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
   */
  readonly healthCheckGraceSeconds: number;
  /**
   * How long a replacement host is paid before it serves, for the churn cost of an interruption: its startup (boot,
   * image pull, model sync, server up) plus the load balancer's checks until it is healthy.
   */
  readonly notServingSeconds: number;
}

export function servingTimings(s: ServingConfig): ServingTimings {
  const hc = servingHealthCheck(s);
  const roundRobin = (s.endpoint?.routing ?? SERVING_DEFAULTS.endpoint.routing) === 'round_robin';
  const slowStartSeconds = s.endpoint?.slowStartSeconds ?? (roundRobin ? Math.min(900, Math.max(30, Math.round(s.startupSeconds / 4))) : 0);
  const fleet = fleetTimings({
    slowStart: Duration.seconds(slowStartSeconds),
    healthCheckInterval: Duration.seconds(hc.intervalSeconds),
    healthyThresholdCount: hc.healthyThreshold,
  });
  return {
    slowStartSeconds,
    warmupSeconds: fleet.warmup.toSeconds(),
    healthCheckGraceSeconds: fleet.healthCheckGrace.toSeconds(),
    notServingSeconds: s.startupSeconds + hc.intervalSeconds * hc.healthyThreshold,
  };
}

/** `targetUtilizationPercent` of a request-count metric, default applied (100 for other metrics). */
export function targetUtilizationPercent(cfg: EnvironmentConfig): number {
  const m = cfg.fleet.scaling.metric;
  return m.kind === 'request-count' ? m.targetUtilizationPercent ?? SERVING_DEFAULTS.requestCount.targetUtilizationPercent : 100;
}

/**
 * Requests a minute per host for request-count scaling (`requestTargetPerHost` of lib/serving): round robin gives
 * every host the same share, so the slowest type sets it, floor(60 x min throughputRps x targetUtilizationPercent /
 * 100). Config validation guarantees a figure for every type and a target of at least 1.
 */
export function requestsPerHostPerMinute(cfg: EnvironmentConfig): number {
  return requestTargetPerHost({
    throughputRps: cfg.cost.throughputRps ?? {},
    instanceTypes: cfg.fleet.instanceTypes,
    targetUtilizationPercent: targetUtilizationPercent(cfg),
  }).requestsPerMinutePerHost;
}

