import type { FleetShape } from './fleet-shape';
import { CostModelEnvironment, EnvironmentCostEstimate } from './types';

/**
 * Cost per million requests from `cost.throughputRps`: per offered type (on-demand, and spot at the mean p50 of its
 * pools), and blended over what the average fleet serves. Undefined when the environment gives no throughput.
 */
export function perMillionRequests(
  env: CostModelEnvironment,
  shape: FleetShape,
  hours: number,
  instanceCostUsd: number,
  assumptions: string[],
): EnvironmentCostEstimate['perMillionRequests'] {
  const rps = env.cost.throughputRps;
  if (!rps) return undefined;
  const perMillion = (usdPerHour: number, r: number) => (usdPerHour / (r * 3600)) * 1e6;
  const byType = shape.offered
    .filter((t) => rps[t.name] !== undefined && rps[t.name] > 0)
    .map((t) => {
      const spot = shape.pools.filter((p) => p.type === t).map((p) => p.price.p50UsdPerHour);
      return {
        instanceType: t.name,
        requestsPerSecond: rps[t.name],
        onDemandUsd: perMillion(shape.onDemand.get(t.name)!.usdPerHour, rps[t.name]),
        spotUsd: spot.length ? perMillion(spot.reduce((a, b) => a + b, 0) / spot.length, rps[t.name]) : null,
      };
    });
  // Requests the average fleet serves per hour: base and on-demand burst on the base type, spot shared equally
  // over the favoured pools.
  const { base, favoured, hasSpot } = shape;
  const running = [base, ...(hasSpot ? favoured.map((p) => p.type) : [])];
  const missing = [...new Set(running.filter((t) => !(rps[t.name] > 0)).map((t) => t.name))];
  let blendedUsd: number | null = null;
  if (missing.length) {
    assumptions.push(`Blended cost per million requests left out: cost.throughputRps has no figure for ${missing.join(', ')}.`);
  } else {
    const spotRpsPerUnit = hasSpot && favoured.length
      ? favoured.reduce((a, p) => a + rps[p.type.name] / p.type.weight, 0) / favoured.length
      : 0;
    const rpsServed =
      (shape.baseInstances + shape.onDemandBurstUnits / base.weight) * rps[base.name] + shape.spotUnits * spotRpsPerUnit;
    const requests = rpsServed * 3600 * hours;
    if (requests > 0) blendedUsd = (instanceCostUsd / requests) * 1e6;
    else assumptions.push('Blended cost per million requests left out: the fleet serves no requests in the month.');
  }
  return { byType, blendedUsd };
}
