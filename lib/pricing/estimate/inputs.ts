import type { PriceTable } from '../types';
import { CostModelEnvironment, CostModelError } from './types';

/** Only the fields the cost model reads, so the report does not carry e-mail addresses or VPC ids. */
export function pickCostInputs(env: CostModelEnvironment): CostModelEnvironment {
  const f = env.fleet;
  return {
    name: env.name,
    region: env.region,
    availabilityZones: [...env.availabilityZones],
    fleet: {
      instanceTypes: [...f.instanceTypes],
      onDemandBaseCapacity: f.onDemandBaseCapacity,
      spotPercentageAboveBase: f.spotPercentageAboveBase,
      minSize: f.minSize,
      maxSize: f.maxSize,
      rootVolumeGiB: f.rootVolumeGiB,
      natGateways: f.natGateways,
      ...(f.existingVpc ? { existingVpc: true } : {}),
      ...(f.throughputWeights ? { throughputWeights: { ...f.throughputWeights } } : {}),
    },
    budget: { monthlyLimitUsd: env.budget.monthlyLimitUsd },
    usage: { averageSpotInstances: env.usage.averageSpotInstances, hoursPerMonth: env.usage.hoursPerMonth },
    ...(env.fallback ? { fallback: { maxInstances: env.fallback.maxInstances } } : {}),
    ...(env.churn
      ? {
          churn: {
            warmupSeconds: env.churn.warmupSeconds,
            drainSeconds: env.churn.drainSeconds,
            ...(env.churn.modelSizeGb !== undefined ? { modelSizeGb: env.churn.modelSizeGb } : {}),
          },
        }
      : {}),
    ...(env.serving ? { serving: { ...env.serving } } : {}),
    cost: {
      maxIncreasePercent: env.cost.maxIncreasePercent,
      ...(env.cost.maxWorstCaseUsd !== undefined ? { maxWorstCaseUsd: env.cost.maxWorstCaseUsd } : {}),
      ...(env.cost.throughputRps ? { throughputRps: { ...env.cost.throughputRps } } : {}),
      ...(env.cost.commitment
        ? { commitment: { label: env.cost.commitment.label, hourlyUsd: { ...env.cost.commitment.hourlyUsd } } }
        : {}),
    },
  };
}

/**
 * The year whose calendar the schedule hours are averaged over: the year of the newest price in the table,
 * not the clock's, so the same prices always give byte-identical reports (no change on January 1st).
 */
export function pricingYear(table: PriceTable): number {
  const dates = [...table.onDemand, ...table.spot, ...table.units, ...(table.regionalSpot ?? [])].map((p) => p.validOn).sort();
  const newest = dates[dates.length - 1];
  if (!newest) throw new CostModelError('pricing: the price table holds no price, so no estimate can be made');
  return Number(newest.slice(0, 4));
}
