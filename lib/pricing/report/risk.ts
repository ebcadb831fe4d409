import type { CostModelEnvironment } from '../estimate';
import { quantity, roundCents } from '../format';
import type { ReportEnvironment } from './model';

/**
 * The config changes that move cost or risk, read from two reports' inputs, and the worst case before and after. A
 * change of maxSize alone moves no expected dollar but can multiply the worst case: the gate must see it.
 */

export interface RiskChange {
  /** e.g. `fleet.maxSize` */
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

export interface RiskDiff {
  readonly changes: readonly RiskChange[];
  readonly worstCaseBeforeUsd: number | null;
  readonly worstCaseAfterUsd: number | null;
  readonly worstCaseChangeUsd: number;
}

const show = (v: unknown) => (v === undefined ? 'none' : Array.isArray(v) ? v.join(', ') : String(v));

/** The fields a reviewer must see change, with how to read each from the estimate's inputs. */
const FIELDS: readonly [string, (e: ReportEnvironment) => unknown][] = [
  ['fleet.maxSize', (e) => e.inputs.environment.fleet.maxSize],
  ['fleet.onDemandBaseCapacity', (e) => e.inputs.environment.fleet.onDemandBaseCapacity],
  ['fleet.instanceTypes', (e) => e.inputs.environment.fleet.instanceTypes],
  ['fleet.spotPercentageAboveBase', (e) => e.inputs.environment.fleet.spotPercentageAboveBase],
  // Switching to (or from) throughput units changes what every size above counts.
  ['fleet.capacityUnit "throughput" (units per instance)', (e) => {
    const w = (e.inputs.environment as CostModelEnvironment).fleet.throughputWeights;
    return w && Object.entries(w).map(([t, units]) => `${t} ${units}`).join(', ');
  }],
  ['schedule', (e) => e.inputs.scheduleDescription ?? `none (${e.inputs.hoursPerMonth} h/month)`],
  ['schedule.capacity (hours a month at each minimum)', (e) => e.inputs.capacityProfile?.map((l) => `${quantity(l.hours)} h at min ${l.minCapacity}`).join(', ')],
  ['fallback.maxInstances', (e) => (e.inputs.environment as CostModelEnvironment).fallback?.maxInstances],
  ['serving.expectedLoad.requestsPerSecond', (e) => (e.inputs.environment as CostModelEnvironment).serving?.requestsPerSecond],
  ['cost.maxWorstCaseUsd', (e) => (e.inputs.environment as CostModelEnvironment).cost.maxWorstCaseUsd],
];

export function riskDiff(base: ReportEnvironment | undefined, head: ReportEnvironment | undefined): RiskDiff {
  const changes: RiskChange[] = [];
  if (base && head) {
    for (const [field, read] of FIELDS) {
      const before = show(read(base));
      const after = show(read(head));
      if (before !== after) changes.push({ field, before, after });
    }
  }
  const before = base ? base.monthly.worstCaseUsd : null;
  const after = head ? head.monthly.worstCaseUsd : null;
  return { changes, worstCaseBeforeUsd: before, worstCaseAfterUsd: after, worstCaseChangeUsd: roundCents((after ?? 0) - (before ?? 0)) };
}
