import { INSTANCE_COMPONENTS, EstimateHours, PricedComponents } from './components';
import type { FleetShape, FleetType } from './fleet-shape';
import { CostComponentId, CostModelEnvironment, CostModelError, EnvironmentCostEstimate } from './types';

/** Lines that accrue only while the fleet serves (the load balancer's LCUs at the expected load). */
const FLEET_HOUR_COMPONENTS: readonly CostComponentId[] = ['endpoint-lcu'];

/** What the worst case was priced at, for its explanation. */
export interface WorstCaseBasis {
  /** The priciest offered type per capacity unit: maxSize runs on it. */
  readonly priciest: FleetType;
  /** The priciest offered type per instance: the fallback's cap runs on it. */
  readonly priciestInstance: FleetType;
  readonly fallbackInstances: number;
  /** The fallback cap's USD per hour, root volumes included. */
  readonly fallbackPerHour: number;
}

export interface MonthlyTotals {
  readonly monthly: EnvironmentCostEstimate['monthly'];
  /** Expected cost of the instance lines alone. */
  readonly instanceCostUsd: number;
  readonly worstCase: WorstCaseBasis;
}

/** The month's figures from the components: expected, range, worst case, all on-demand, always on, per GPU-hour. */
export function monthlyTotals(env: CostModelEnvironment, shape: FleetShape, parts: PricedComponents, hours: EstimateHours): MonthlyTotals {
  const f = env.fleet;
  const H = hours.fleet;
  const { components, ebsPerInstanceHour } = parts;
  const { baseInstances, offered, types } = shape;
  const baseOd = shape.baseOnDemand.usdPerHour;
  const sum = (k: 'monthlyUsd' | 'lowUsd' | 'highUsd') => components.reduce((a, c) => a + c[k], 0);
  const expected = sum('monthlyUsd');
  const instanceCostUsd = components.filter((c) => INSTANCE_COMPONENTS.includes(c.id)).reduce((a, c) => a + c.monthlyUsd, 0);
  // NAT, the small parts and the endpoint's fixed lines do not follow the fleet's hours; its LCUs (requests) do.
  const notScaled = components
    .filter((c) => !INSTANCE_COMPONENTS.includes(c.id) && c.id !== 'ebs' && !FLEET_HOUR_COMPONENTS.includes(c.id))
    .reduce((a, c) => a + c.monthlyUsd, 0);
  const fleetHourUsd = components.filter((c) => FLEET_HOUR_COMPONENTS.includes(c.id)).reduce((a, c) => a + c.monthlyUsd, 0);
  const fleetHourPerHour = H > 0 ? fleetHourUsd / H : 0;

  // Same average fleet with each spot pool on-demand at its own type: what spot saves. Comparing with the base type
  // instead would credit spot with the saving of cheaper types; that type-mix effect is its own figure.
  const sameTypeOdPerUnit = shape.spotSameTypeOnDemandPerUnit;
  const churnUsd = components.find((c) => c.id === 'spot-churn')?.monthlyUsd ?? 0;
  const allOnDemandPerHour =
    baseInstances * baseOd + shape.onDemandBurstUnits * shape.onDemandPerUnit + shape.spotUnits * sameTypeOdPerUnit +
    shape.instancesRunning * ebsPerInstanceHour;
  const allOnDemand = allOnDemandPerHour * H + notScaled + fleetHourUsd;
  const typeMixUsd = shape.spotUnits * (shape.onDemandPerUnit - sameTypeOdPerUnit) * H;
  const savings = shape.hasSpot && shape.spotData === 'none' ? null : allOnDemand - expected;

  // Worst case: maxSize units, all on-demand, all month, on the priciest offered type per unit.
  const od = (t: FleetType) => shape.onDemand.get(t.name)!.usdPerHour;
  const perUnit = (t: FleetType) => od(t) / t.weight;
  const priciest = [...offered].sort((a, b) => perUnit(b) - perUnit(a) || types.indexOf(a) - types.indexOf(b))[0];
  const worstInstances = Math.ceil(f.maxSize / priciest.weight);
  // The fallback group adds at most its cap of on-demand instances on top, at the priciest offered type per instance.
  const fallbackInstances = env.fallback?.maxInstances ?? 0;
  const priciestInstance = [...offered].sort((a, b) => od(b) - od(a) || types.indexOf(a) - types.indexOf(b))[0];
  const fallbackPerHour = fallbackInstances * (od(priciestInstance) + ebsPerInstanceHour);
  const worstCase =
    (f.maxSize * perUnit(priciest) + worstInstances * ebsPerInstanceHour + fallbackPerHour + fleetHourPerHour) * hours.alwaysOn + notScaled;

  // What the fleet costs per hour it runs, so the always-on figure needs no division by H (which may be 0).
  const runPerHour =
    baseInstances * baseOd + shape.onDemandBurstUnits * shape.onDemandPerUnit + shape.spotUnits * shape.spotExpectedPerUnit +
    shape.instancesRunning * ebsPerInstanceHour + (H > 0 ? churnUsd / H : 0) + fleetHourPerHour;
  const alwaysOnExpectedUsd = runPerHour * hours.alwaysOn + notScaled;
  // GPUs per unit differ by type (throughput units): count each type's instances x its GPUs.
  const gpuHours = shape.gpusRunning * H;

  return {
    monthly: {
      expectedUsd: expected,
      lowUsd: sum('lowUsd'),
      highUsd: sum('highUsd'),
      worstCaseUsd: worstCase,
      allOnDemandUsd: allOnDemand,
      savingsVsOnDemandUsd: savings,
      savingsVsOnDemandPercent: savings === null ? null : allOnDemand > 0 ? (savings / allOnDemand) * 100 : 0,
      typeMixUsd,
      alwaysOnExpectedUsd,
      scheduleSavingUsd: H < hours.alwaysOn ? alwaysOnExpectedUsd - expected : null,
      costPerGpuHourUsd: gpuHours > 0 ? expected / gpuHours : null,
    },
    instanceCostUsd,
    worstCase: { priciest, priciestInstance, fallbackInstances, fallbackPerHour },
  };
}

/** The expected cost against the budget. Throws `CostModelError` for a budget that is not a positive amount. */
export function budgetFigures(env: CostModelEnvironment, expectedUsd: number, worstCaseUsd: number): EnvironmentCostEstimate['budget'] {
  const limit = env.budget.monthlyLimitUsd;
  if (!(limit > 0)) {
    throw new CostModelError(`${env.name}.budget.monthlyLimitUsd (${limit}) must be a positive number of USD`);
  }
  return {
    monthlyLimitUsd: limit,
    headroomUsd: limit - expectedUsd,
    percentUsed: (expectedUsd / limit) * 100,
    overBudget: expectedUsd > limit,
    worstCaseOverBudget: worstCaseUsd > limit,
  };
}
