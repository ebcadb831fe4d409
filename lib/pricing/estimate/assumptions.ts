import { quantity, usd } from '../format';
import { FAVOURED_SPOT_POOLS_PER_AZ, FleetShape } from './fleet-shape';
import type { WorstCaseBasis } from './totals';
import { CostModelEnvironment, SmallPartsUsage } from './types';

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
    `Capacity unit: ${unitWord}${shape.weighted ? ' (instance types differ in GPU count; each type weighs its GPU count)' : ''}.`,
    `On-demand base: ${shape.baseInstances} x ${shape.base.name} (prioritized: first configured type offered).`,
    `Burst above base: ${quantity(shape.burstUnits)} ${unitWord}s on average, ${f.spotPercentageAboveBase}% spot.`,
  ];
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
      `(${quantity(smallParts.lambdaGbSecondsPerMonth)} GB-s), ${quantity(smallParts.sqsRequestsPerMonth)} SQS requests; free tiers ignored.`,
  );
  return lines;
}
