import type { EnvironmentConfig } from '../../../config/types';
import type { PriceRequest } from '../types';

/** One PriceRequest per environment: what the lookups need to know about its fleet. */
export function priceRequestsFor(environments: readonly EnvironmentConfig[]): PriceRequest[] {
  return environments.map((e) => ({
    environment: e.name,
    region: e.region,
    availabilityZones: [...e.availabilityZones],
    instanceTypes: [...e.fleet.instanceTypes],
    ...(spotBurst(e) > 0 ? { spotTargetCapacity: spotBurst(e) } : {}),
    ...(e.fleet.existingVpc ? { needsNat: false } : {}),
  }));
}

/** The spot capacity the fleet can ask for at most: its burst above the base, when that burst is spot. */
function spotBurst(e: EnvironmentConfig): number {
  return e.fleet.spotPercentageAboveBase > 0 ? Math.max(0, e.fleet.maxSize - e.fleet.onDemandBaseCapacity) : 0;
}
