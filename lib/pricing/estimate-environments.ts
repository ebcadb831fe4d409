import { EnvironmentConfig } from '../../config/types';
import { environmentHours, estimateEnvironmentCost, EnvironmentCostEstimate, SmallPartsUsage } from './cost-model';
import { PriceTable } from './types';

/**
 * The year whose calendar the schedule hours are averaged over: the year of the newest price in the table,
 * not the clock's, so the same prices always give byte-identical reports (no change on January 1st).
 */
export function pricingYear(table: PriceTable): number {
  const dates = [...table.onDemand, ...table.spot, ...table.units].map((p) => p.validOn).sort();
  const newest = dates[dates.length - 1];
  if (!newest) throw new Error('pricing: the price table holds no price, so no estimate can be made');
  return Number(newest.slice(0, 4));
}

/**
 * One cost estimate per environment, hours from its schedule (if any) over the pricing year.
 * `smallParts` gives what the built stack counted (e.g. its alarm metrics); else the cost model's defaults apply.
 */
export function estimateEnvironments(
  envs: readonly EnvironmentConfig[],
  table: PriceTable,
  smallParts?: (cfg: EnvironmentConfig) => Partial<SmallPartsUsage>,
): EnvironmentCostEstimate[] {
  const year = pricingYear(table);
  return envs.map((cfg) => estimateEnvironmentCost(cfg, table, { ...environmentHours(cfg, year), smallParts: smallParts?.(cfg) }));
}
