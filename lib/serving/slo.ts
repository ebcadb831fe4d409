import { Duration, Token } from 'aws-cdk-lib';

/** The service level a serving endpoint is held to: alarms (ServingAlarms) and the latency guard (ServingScaling). */
export interface ServingSlo {
  /**
   * Percentile of the target response time the latency SLO is stated at: 'p50', 'p90', 'p95', 'p99', 'p99.9', ...
   * @default 'p90'
   */
  readonly latencyPercentile?: string;
  /** Target response time at that percentile. */
  readonly latency: Duration;
  /**
   * Highest share of requests answered with a 5xx (by the hosts or the load balancer), percent, more than 0 and at
   * most 100.
   * @default 1
   */
  readonly max5xxPercent?: number;
}

const PERCENTILE = /^p(\d{1,2}(\.\d{1,3})?)$/;

/** Problems of a percentile statistic named `name` (empty when valid). */
export function percentileProblems(name: string, value: string): string[] {
  const m = PERCENTILE.exec(value);
  return !m || Number(m[1]) <= 0
    ? [`${name} (${JSON.stringify(value)}) must be a CloudWatch percentile above p0 and below p100, e.g. "p90" or "p99.9"`]
    : [];
}

/** Problems of a latency threshold named `name` (empty when valid). */
export function latencyProblems(name: string, value: Duration): string[] {
  const seconds = value.toMilliseconds() / 1000;
  return !Token.isUnresolved(seconds) && !(seconds > 0 && seconds <= 4000)
    ? [`${name} (${seconds}s) must be more than 0 and at most 4000 seconds (the longest ALB idle timeout)`]
    : [];
}

/** Seconds of a latency threshold, fractions kept (Duration.toSeconds() refuses 0.75 s). */
export function latencySeconds(value: Duration): number {
  return value.toMilliseconds() / 1000;
}
