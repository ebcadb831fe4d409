import { WARNING_IDS, WarningId } from '../../shared/warning-ids';
import type { EnvironmentCostEstimate } from '../estimate/types';
import { quantity, usd } from '../format';

/** A synth warning: `id` is what `Annotations.addWarningV2` takes and a user acknowledges. */
export interface CostWarning {
  readonly id: WarningId;
  readonly message: string;
}

/** Messages for the fleet's synth annotations: one info line, and warnings (over budget, parts left out). */
export function costAnnotations(e: EnvironmentCostEstimate): { readonly info: string; readonly warnings: readonly CostWarning[] } {
  const m = e.monthly;
  const info =
    `${e.environment} expected ${usd(m.expectedUsd)}/month (range ${usd(m.lowUsd)}-${usd(m.highUsd)}, ` +
    `worst case ${usd(m.worstCaseUsd)}) at ${quantity(e.hoursPerMonth)} h/month`;
  const warnings: CostWarning[] = [
    ...e.warnings.map((message): CostWarning => ({ id: WARNING_IDS.costPartLeftOut, message })),
    ...e.interruptionWarnings.map((message): CostWarning => ({ id: WARNING_IDS.spotInterruptionRisk, message })),
  ];
  // Over the budget alone is flagged in the report (most fleets' worst case is); over an explicit limit warns.
  if (e.maxWorstCaseUsd !== undefined && m.worstCaseUsd > e.maxWorstCaseUsd) {
    warnings.push({
      id: WARNING_IDS.worstCaseOverBudget,
      message:
        `${e.environment} worst case ${usd(m.worstCaseUsd)}/month exceeds cost.maxWorstCaseUsd ${usd(e.maxWorstCaseUsd)}; ` +
        'lower fleet.maxSize or fallback.maxInstances, or raise the limit',
    });
  }
  if (e.budget.overBudget) {
    warnings.unshift({
      id: WARNING_IDS.costOverBudget,
      message:
        `${e.environment} expected monthly cost ${usd(m.expectedUsd)} exceeds budget.monthlyLimitUsd ` +
        `${usd(e.budget.monthlyLimitUsd)} by ${usd(-e.budget.headroomUsd)}; raise the budget or shrink the fleet ` +
        '(fewer base instances, fewer hours, cheaper types)',
    });
  }
  return { info, warnings };
}
