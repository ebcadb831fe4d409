import type { UnitPrice } from '../types';
import type { FleetShape } from './fleet-shape';
import { PriceUsed } from './types';

/** Every price the estimate considered, flattened for the report: on-demand per offered type, every spot pool, units. */
export function pricesUsed(shape: FleetShape, units: readonly UnitPrice[]): PriceUsed[] {
  const favoured = new Set(shape.favoured);
  const prices: PriceUsed[] = [];
  for (const t of shape.offered) {
    const p = shape.onDemand.get(t.name)!;
    prices.push({ market: 'on-demand', instanceType: p.instanceType, region: p.region, usdPerHour: p.usdPerHour, source: p.source, validOn: p.validOn, origin: p.origin });
  }
  for (const pool of shape.pools) {
    const p = pool.price;
    prices.push({
      market: 'spot', instanceType: p.instanceType, region: p.region, availabilityZone: p.availabilityZone,
      usdPerHour: p.p50UsdPerHour, currentUsdPerHour: p.currentUsdPerHour, p90UsdPerHour: p.p90UsdPerHour,
      samples: p.samples, favoured: favoured.has(pool), source: p.source, validOn: p.validOn, origin: p.origin,
    });
  }
  for (const p of new Set(units)) {
    prices.push({ market: 'unit', resource: p.resource, region: p.region, usdPerUnit: p.usdPerUnit, unit: p.unit, source: p.source, validOn: p.validOn, origin: p.origin });
  }
  return prices;
}
