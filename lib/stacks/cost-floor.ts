import type { EnvironmentConfig } from '../../config/types';
import type { EnvironmentCostEstimate } from '../pricing/estimate';

/** What the fleet costs per hour at its minimum size, and the request rate at which that reaches the cost ceiling. */
export interface MinimumFleetCost {
  /** The minimum the floor is priced at, in capacity units: `fleet.minSize`, or the highest scheduled capacity level. */
  readonly minCapacity: number;
  /** On-demand base instances of that minimum (priced at the base's running price). */
  readonly onDemandInstances: number;
  /** The rest of the minimum, in instances at the largest weight (priced at the expected spot running price). */
  readonly spotInstances: number;
  /** USD per hour of those instances, root volumes included. */
  readonly usdPerHour: number;
}

/**
 * The minimum fleet's hourly cost from the estimate's per-instance running prices: the base instances on-demand, the
 * rest of the minimum at the spot price, counted in the fewest instances (largest weight) so the floor never
 * overstates the cost. With schedule capacity levels the highest level's minimum is priced: below the rate it needs,
 * a level's own minimum hosts make the cost per request high and nobody can act on that either.
 */
export function minimumFleetCost(cfg: EnvironmentConfig, cost: EnvironmentCostEstimate, weights: Readonly<Record<string, number>>): MinimumFleetCost {
  const minCapacity = Math.max(cfg.fleet.minSize, ...(cfg.schedule?.capacity ?? []).map((l) => l.minCapacity));
  const baseWeight = weights[cost.fleet.baseInstanceType] ?? 1;
  const onDemandInstances = Math.min(cost.fleet.baseInstances, Math.ceil(minCapacity / baseWeight));
  const restUnits = Math.max(0, minCapacity - onDemandInstances * baseWeight);
  const spotInstances = Math.ceil(restUnits / Math.max(1, ...Object.values(weights)));
  const usdPerHour = onDemandInstances * cost.hourly.onDemandBaseRunningUsdPerInstance + spotInstances * cost.hourly.spotExpectedRunningUsdPerInstance;
  return { minCapacity, onDemandInstances, spotInstances, usdPerHour };
}

/**
 * Requests per minute at which `usdPerHour` costs `ceilingUsd` per 1,000 requests (usdPerHour x 1000 / ceiling / 60),
 * rounded up to a whole request (ServingAlarms never goes below its `minRequestsPerMinute`). Below it the minimum fleet
 * alone is above the ceiling.
 */
export function costCeilingFloorRequestsPerMinute(usdPerHour: number, ceilingUsd: number): number {
  return Math.ceil((usdPerHour * 1000) / ceilingUsd / 60);
}
