import type { PriceBook } from '../price-book';
import type { OnDemandPrice, SpotPrice, UnitPrice, UnitResource } from '../types';
import { CostModelEnvironment, CostModelError } from './types';

/**
 * The prices the estimate takes from the price book, checked: a missing price the estimate cannot do without, or a
 * price that is not a positive finite number, is an error naming the environment, the price and its source. Never a
 * silent $0 or NaN.
 */

export function requireOnDemand(env: CostModelEnvironment, book: PriceBook, type: string): OnDemandPrice {
  const p = book.onDemand(type);
  if (!p) {
    throw new CostModelError(
      `${env.name}: no on-demand price for ${type} in ${env.region} in the price table; ` +
        'run npm run pricing:refresh (or synth with -c pricing=live), or remove the type from the fleet',
    );
  }
  if (!(Number.isFinite(p.usdPerHour) && p.usdPerHour > 0)) {
    throw new CostModelError(
      `${env.name}: on-demand price of ${type} in ${env.region} is ${p.usdPerHour} (${p.source}, ${p.validOn}); ` +
        'it must be a positive USD per hour: the price table is corrupt, refresh it',
    );
  }
  return p;
}

export function validSpot(env: CostModelEnvironment, p: SpotPrice): SpotPrice {
  const bad = (['currentUsdPerHour', 'p50UsdPerHour', 'p90UsdPerHour'] as const).filter(
    (k) => !(Number.isFinite(p[k]) && p[k] > 0),
  );
  if (bad.length) {
    throw new CostModelError(
      `${env.name}: spot price of ${p.instanceType} in ${p.availabilityZone} has ` +
        `${bad.map((k) => `${k} = ${p[k]}`).join(', ')} (${p.source}, ${p.validOn}); ` +
        'each must be a positive USD per hour: the price table is corrupt, refresh it',
    );
  }
  return p;
}

export function requireUnit(env: CostModelEnvironment, book: PriceBook, resource: UnitResource): UnitPrice {
  const p = book.unit(resource);
  if (!p) {
    throw new CostModelError(
      `${env.name}: no ${resource} price for ${env.region} in the price table; ` +
        'run npm run pricing:refresh (or synth with -c pricing=live)',
    );
  }
  return validUnit(env, p);
}

export function validUnit(env: CostModelEnvironment, p: UnitPrice): UnitPrice {
  if (!(Number.isFinite(p.usdPerUnit) && p.usdPerUnit > 0)) {
    throw new CostModelError(
      `${env.name}: ${p.resource} price in ${p.region} is ${p.usdPerUnit} (${p.source}, ${p.validOn}); ` +
        'it must be a positive USD amount: the price table is corrupt, refresh it',
    );
  }
  return p;
}
