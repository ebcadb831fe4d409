import type { EnvironmentConfig } from '../../../config/types';
import type { PriceRequest } from '../types';

/** One PriceRequest per environment: what the lookups need to know about its fleet. */
export function priceRequestsFor(environments: readonly EnvironmentConfig[]): PriceRequest[] {
  return environments.map((e) => ({
    environment: e.name,
    region: e.region,
    availabilityZones: [...e.availabilityZones],
    instanceTypes: [...e.fleet.instanceTypes],
  }));
}
