import { ServingConfigError } from './errors';

/**
 * Scaling targets from measured throughput: pure functions (no aws-cdk-lib), so the app's composition can derive the
 * request-count target and the capacity weights from the config before it builds the fleet.
 */

/** What each of the fleet's instance types serves. */
export interface ThroughputInput {
  /**
   * Requests per second one host of each type serves at the SLO (measured with the model and the traffic mix,
   * e.g. the cost config's `throughputRps`). A figure for every type of `instanceTypes`.
   */
  readonly throughputRps: Readonly<Record<string, number>>;
  /** The fleet's instance types. */
  readonly instanceTypes: readonly string[];
}

export interface RequestTargetInput extends ThroughputInput {
  /**
   * Share of the measured throughput to run each host at, 1-100 (a figure measured at the SLO is already a
   * target, hence the default).
   * @default 100
   */
  readonly targetUtilizationPercent?: number;
}

/** The per-host request target of a round-robin fleet and how uneven its types are. */
export interface RequestTarget {
  /** ALB requests per target per minute for GpuFleet's request-count policy (`targetRequestsPerMinute`). */
  readonly requestsPerMinutePerHost: number;
  /** The slowest type: round robin gives every host the same share, so it sets the target. */
  readonly slowestType: string;
  readonly slowestRps: number;
  readonly fastestType: string;
  readonly fastestRps: number;
  /** fastestRps / slowestRps: above 2, faster hosts idle at under half their throughput (warning `unevenThroughput`). */
  readonly throughputSpread: number;
}

/** Throughput spread above which round robin wastes more than half of the fastest type's throughput. */
export const UNEVEN_THROUGHPUT_SPREAD = 2;

/** Problems of a throughput input, one line each, named as the prop `throughputRps`. */
export function throughputProblems(input: ThroughputInput): string[] {
  const problems: string[] = [];
  if (input.instanceTypes.length === 0) problems.push('instanceTypes ([]) must list at least one instance type');
  const missing = input.instanceTypes.filter((t) => input.throughputRps[t] === undefined);
  if (missing.length) {
    problems.push(`throughputRps (missing ${missing.map((t) => JSON.stringify(t)).join(', ')}) must give a figure for every instance type of the fleet`);
  }
  for (const t of input.instanceTypes) {
    const rps = input.throughputRps[t];
    if (rps !== undefined && !(Number.isFinite(rps) && rps > 0)) {
      problems.push(`throughputRps.${t} (${rps}) must be requests per second > 0, measured at the SLO`);
    }
  }
  return problems;
}

/**
 * Per-host target of ALB requests per minute: `floor(60 x slowest rps x utilization)`. Round robin sends every
 * host the same share, so the slowest type decides (staging's g4dn.xlarge at 9 req/s: 540 per minute).
 */
export function requestTargetPerHost(input: RequestTargetInput): RequestTarget {
  const problems = throughputProblems(input);
  const utilization = input.targetUtilizationPercent ?? 100;
  if (!(Number.isFinite(utilization) && utilization >= 1 && utilization <= 100)) {
    problems.push(`targetUtilizationPercent (${utilization}) must be from 1 to 100`);
  }
  if (problems.length) throw new ServingConfigError('requestTargetPerHost', problems);
  const byRps = [...input.instanceTypes].sort((a, b) => input.throughputRps[a] - input.throughputRps[b]);
  const slowestType = byRps[0];
  const fastestType = byRps[byRps.length - 1];
  const slowestRps = input.throughputRps[slowestType];
  const fastestRps = input.throughputRps[fastestType];
  const requestsPerMinutePerHost = Math.floor(60 * slowestRps * utilization / 100);
  if (requestsPerMinutePerHost < 1) {
    throw new ServingConfigError('requestTargetPerHost', [
      `throughputRps.${slowestType} (${slowestRps}) at ${utilization}% gives ${60 * slowestRps * utilization / 100} requests per minute per host: the target must be at least 1`,
    ]);
  }
  return { requestsPerMinutePerHost, slowestType, slowestRps, fastestType, fastestRps, throughputSpread: fastestRps / slowestRps };
}

/**
 * Capacity weights in throughput units, `round(rps)` per type (1 unit = 1 request per second at the SLO), for
 * GpuFleet `capacityWeights`: a 40 req/s g6e.xlarge then counts 40, a 9 req/s g4dn.xlarge 9. Auto Scaling weights are
 * whole numbers 1-999.
 */
export function throughputWeights(input: ThroughputInput): Record<string, number> {
  const problems = throughputProblems(input);
  for (const t of input.instanceTypes) {
    const rps = input.throughputRps[t];
    if (rps === undefined || !(Number.isFinite(rps) && rps > 0)) continue;
    const units = Math.round(rps);
    if (units < 1 || units > 999) {
      problems.push(`throughputRps.${t} (${rps}) rounds to ${units} units; a capacity weight must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)`);
    }
  }
  if (problems.length) throw new ServingConfigError('throughputWeights', problems);
  return Object.fromEntries(input.instanceTypes.map((t) => [t, Math.round(input.throughputRps[t])]));
}
