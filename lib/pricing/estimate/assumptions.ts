import { quantity, usd } from '../format';
import { FAVOURED_SPOT_POOLS_PER_AZ, FleetShape } from './fleet-shape';
import type { WorstCaseBasis } from './totals';
import { CapacityUnit, CostModelEnvironment, SmallPartsUsage } from './types';

/** The report's "Capacity unit" line. */
export const CAPACITY_UNIT_LINES: Readonly<Record<CapacityUnit, string>> = {
  instance: 'Capacity unit: instance.',
  gpu: 'Capacity unit: GPU (instance types differ in GPU count; each type weighs its GPU count).',
  throughput: 'Capacity unit: throughput unit (1 request/second at the SLO; each type weighs its rounded cost.throughputRps).',
};

/** How the fleet's hours were derived. */
export function hoursAssumption(hours: number, scheduleDescription: string | undefined): string {
  return scheduleDescription
    ? `Schedule: ${scheduleDescription}, ${quantity(hours)} h/month.`
    : `The fleet runs ${quantity(hours)} h/month (usage.hoursPerMonth; no schedule).`;
}

/** The fleet's shape, the spot rule, the worst case and the small parts, as the report states them. */
export function fleetAssumptions(
  env: CostModelEnvironment,
  shape: FleetShape,
  worst: WorstCaseBasis,
  smallParts: SmallPartsUsage,
  alwaysOnHours: number,
): string[] {
  const f = env.fleet;
  const { unitWord } = shape;
  const lines = [
    CAPACITY_UNIT_LINES[shape.capacityUnit],
    ...(shape.capacityUnit === 'throughput'
      ? [`Throughput weights (units per instance): ${shape.types.map((t) => `${t.name} ${t.weight}`).join(', ')}.`]
      : []),
    `On-demand base: ${shape.baseInstances} x ${shape.base.name} (prioritized: first configured type offered)` +
      // Whole instances: a base of fewer units than the base type weighs still runs one instance of it.
      (shape.capacityUnit === 'throughput'
        ? `, ${quantity(shape.baseInstances * shape.base.weight)} units for onDemandBaseCapacity ${f.onDemandBaseCapacity}.`
        : '.'),
    `Burst above base: ${quantity(shape.burstUnits)} ${unitWord}s on average, ${f.spotPercentageAboveBase}% spot.`,
  ];
  if (shape.capacityUnit !== 'instance') {
    lines.push(
      `Average instances: ${shape.averageInstances.map((t) => `${t.instanceType} ${quantity(t.onDemand + t.spot)}` +
        (t.onDemand > 0 && t.spot > 0 ? ` (${quantity(t.onDemand)} on-demand, ${quantity(t.spot)} spot)` : t.spot > 0 ? ' spot' : ' on-demand')).join(', ')}` +
        ` (${unitWord}s / each type's weight; the spot ${unitWord}s in equal shares over the favoured pools).`,
    );
  }
  if (shape.hasSpot) {
    lines.push(
      `Spot expected: mean p50 per ${unitWord} of the ${FAVOURED_SPOT_POOLS_PER_AZ} cheapest pools per AZ ` +
        `(${shape.favoured.map((p) => `${p.type.name}@${p.price.availabilityZone}`).join(', ')}); ` +
        `low: cheapest current pool price; high: highest p90 of those pools.`,
    );
  }
  lines.push(
    `Worst case: ${f.maxSize} ${unitWord}s on-demand (${worst.priciest.name}, the priciest per ${unitWord}) for ${alwaysOnHours} h` +
      (worst.fallbackInstances > 0
        ? `, plus the on-demand fallback's cap of ${worst.fallbackInstances} x ${worst.priciestInstance.name} ` +
          `(${usd(worst.fallbackPerHour)}/h with root volumes).`
        : '.'),
    `Small parts: ${smallParts.cloudwatchAlarms} alarm metrics, ${quantity(smallParts.lambdaRequestsPerMonth)} Lambda requests ` +
      `(${quantity(smallParts.lambdaGbSecondsPerMonth)} GB-s on ${smallParts.lambdaArchitecture}), ${quantity(smallParts.sqsRequestsPerMonth)} SQS requests; free tiers ignored.`,
  );
  return lines;
}
