import type { FleetShape } from './fleet-shape';
import { CostModelEnvironment, EnvironmentCostEstimate, EstimateNotes } from './types';

/**
 * The base at a Savings Plan / Reserved Instance rate (`cost.commitment`), beside its on-demand cost. Undefined, with
 * a warning, when the commitment has no positive rate for the base type.
 */
export function commitmentFigure(
  env: CostModelEnvironment,
  shape: FleetShape,
  hours: { readonly fleet: number; readonly alwaysOn: number },
  notes: EstimateNotes,
): EnvironmentCostEstimate['commitment'] {
  const c = env.cost.commitment;
  if (!c) return undefined;
  const { base, baseInstances } = shape;
  const rate = c.hourlyUsd[base.name];
  if (rate === undefined || !(rate > 0)) {
    notes.warnings.push(
      `${env.name}.cost.commitment.hourlyUsd has no positive rate for the base type ${base.name} ` +
        `(${rate}); the ${c.label} figure is left out`,
    );
    return undefined;
  }
  notes.assumptions.push(`${c.label}: the commitment is billed all ${hours.alwaysOn} h, whatever the schedule.`);
  return {
    label: c.label,
    instanceType: base.name,
    hourlyUsd: rate,
    baselineMonthlyUsd: baseInstances * rate * hours.alwaysOn,
    onDemandBaselineMonthlyUsd: baseInstances * shape.baseOnDemand.usdPerHour * hours.fleet,
  };
}
