import type { PriceRequest } from '../types';
import { PricingLookupError } from './errors';

/** What to ask about one region: the union of every environment in it. */
export interface RegionRequest {
  readonly region: string;
  readonly instanceTypes: readonly string[];
  readonly availabilityZones: readonly string[];
}

/** One entry per region: the union of types and AZs of every environment there, sorted. */
export function mergeRegions(requests: readonly PriceRequest[]): RegionRequest[] {
  const byRegion = new Map<string, { types: Set<string>; azs: Set<string> }>();
  for (const r of requests) {
    const e = byRegion.get(r.region) ?? { types: new Set<string>(), azs: new Set<string>() };
    r.instanceTypes.forEach((t) => e.types.add(t));
    r.availabilityZones.forEach((az) => e.azs.add(az));
    byRegion.set(r.region, e);
  }
  return [...byRegion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, e]) => ({ region, instanceTypes: [...e.types].sort(), availabilityZones: [...e.azs].sort() }));
}

/** Every problem with the requests at once, as one PricingLookupError. */
export function validateRequests(requests: readonly PriceRequest[]): void {
  const problems: string[] = [];
  if (requests.length === 0) problems.push('pricing: no price requests; pass one PriceRequest per environment');
  for (const r of requests) {
    const name = r.environment || '(unnamed environment)';
    if (!r.region) problems.push(`pricing: ${name}.region is empty; give the AWS region, e.g. us-east-1`);
    if (r.instanceTypes.length === 0) problems.push(`pricing: ${name}.instanceTypes is empty; give at least one GPU instance type`);
    if (r.availabilityZones.length === 0) problems.push(`pricing: ${name}.availabilityZones is empty; give the fleet's AZs`);
    for (const az of r.availabilityZones) {
      if (r.region && !az.startsWith(r.region)) {
        problems.push(`pricing: ${name} availability zone ${az} is not in region ${r.region}; AZ names start with their region`);
      }
    }
  }
  if (problems.length > 0) throw new PricingLookupError(problems);
}
