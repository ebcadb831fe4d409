import { percent, signedUsd, usd } from '../format';
import { diffCostReports } from './diff';
import type { CostReport } from './model';

/**
 * `cost:check`: the gate. Fails when an environment's expected monthly cost exceeds its budget, or (given the base
 * branch's report) grows by more than the environment's `cost.maxIncreasePercent`. The increase is the total one,
 * price movement included: a reviewer should see a refresh that makes prod 12% dearer too; the message splits it.
 */

export interface CostCheckResult {
  readonly ok: boolean;
  /** One line per failed rule, naming the environment and the figures. */
  readonly failures: readonly string[];
  /** One line per environment that passed, with its figures. */
  readonly passes: readonly string[];
}

/** Figures that are money the fleet pays: each must be a finite number >= 0 (savings and headroom may be negative). */
function badFigures(e: CostReport['environments'][number]): string[] {
  const m = e.monthly;
  const figures: [string, number][] = [
    ['monthly.expectedUsd', m.expectedUsd], ['monthly.lowUsd', m.lowUsd], ['monthly.highUsd', m.highUsd],
    ['monthly.worstCaseUsd', m.worstCaseUsd], ['monthly.allOnDemandUsd', m.allOnDemandUsd], ['budget.monthlyLimitUsd', e.budget.monthlyLimitUsd],
    ...e.components.flatMap((c): [string, number][] => [[`components.${c.id}.monthlyUsd`, c.monthlyUsd], [`components.${c.id}.lowUsd`, c.lowUsd], [`components.${c.id}.highUsd`, c.highUsd]]),
    ...endpointFigures(e),
  ];
  return figures
    .filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    .map(([k, v]) => `${k} is ${typeof v === 'number' ? v : JSON.stringify(v)}`);
}

/** The endpoint's figures (a report from before the endpoint has none); null = not priced, which the report says. */
function endpointFigures(e: CostReport['environments'][number]): [string, number][] {
  const ep = e.endpoint;
  if (!ep) return [];
  return [
    ['endpoint.requestsPerMonth', ep.requestsPerMonth], ['endpoint.lcu.perHour', ep.lcu?.perHour], ['endpoint.launches.perMonth', ep.launches?.perMonth],
    ...(ep.costPer1kRequestsUsd === null ? [] : [['endpoint.costPer1kRequestsUsd', ep.costPer1kRequestsUsd] as [string, number]]),
    ...(ep.lines ?? []).filter((l) => l.monthlyUsd !== null).map((l): [string, number] => [`endpoint.lines.${l.id}.monthlyUsd`, l.monthlyUsd!]),
  ];
}

export function checkCostReport(head: CostReport, base?: CostReport): CostCheckResult {
  const failures: string[] = [];
  const passes: string[] = [];
  const diff = base ? diffCostReports(base, head) : undefined;
  for (const e of head.environments) {
    const name = e.environment;
    const bad = badFigures(e);
    if (bad.length) {
      // A report with a broken figure proves nothing else: fail it before comparing anything.
      failures.push(`${name}: ${bad.join(', ')}; every cost figure must be a finite number >= 0: the estimate or the report is corrupt`);
      continue;
    }
    const expected = e.monthly.expectedUsd;
    const budget = e.budget.monthlyLimitUsd;
    const used = (expected / budget) * 100;
    let failed = false;
    const worst = e.monthly.worstCaseUsd;
    const maxWorst = (e.inputs.environment as { cost?: { maxWorstCaseUsd?: number } }).cost?.maxWorstCaseUsd;
    if (maxWorst !== undefined && worst > maxWorst) {
      failed = true;
      const d = diff?.environments.find((x) => x.environment === name);
      const why = d && d.risk.changes.length ? ` (changed: ${d.risk.changes.map((c) => `${c.field} ${c.before} -> ${c.after}`).join('; ')})` : '';
      failures.push(
        `${name}: worst case ${usd(worst)}/month exceeds cost.maxWorstCaseUsd ${usd(maxWorst)} by ${usd(worst - maxWorst)}${why}; ` +
          'lower fleet.maxSize or fallback.maxInstances, or raise the limit in config/environments.ts',
      );
    }
    if (expected > budget) {
      failed = true;
      failures.push(
        `${name}: expected monthly cost ${usd(expected)} exceeds budget.monthlyLimitUsd ${usd(budget)} by ` +
          `${usd(expected - budget)} (${percent(used)} of budget); raise the budget or shrink the fleet`,
      );
    }
    const d = diff?.environments.find((x) => x.environment === name);
    let growth = '';
    if (d && d.changePercent !== null && d.beforeUsd !== null) {
      growth = `, ${percent(d.changePercent, true)} over base ${usd(d.beforeUsd)} (limit ${percent(e.maxIncreasePercent)})`;
      if (d.changePercent > e.maxIncreasePercent) {
        failed = true;
        const split =
          d.codeChangeUsd === null || d.priceMovementUsd === null
            ? ''
            : `; ${signedUsd(d.codeChangeUsd)} from the code, ${signedUsd(d.priceMovementUsd)} from price movement`;
        failures.push(
          `${name}: expected monthly cost grows ${percent(d.changePercent, true)} (${usd(d.beforeUsd)} -> ${usd(expected)}, ` +
            `${signedUsd(d.changeUsd)}${split}), more than cost.maxIncreasePercent ${percent(e.maxIncreasePercent)}; ` +
            'shrink the change or raise the limit in config/environments.ts',
        );
      }
    } else if (base) {
      growth = ', new environment (no base to compare)';
    }
    const worstNote = maxWorst !== undefined ? `, worst case ${usd(worst)} of ${usd(maxWorst)}` : `, worst case ${usd(worst)}${worst > budget ? ' (over budget)' : ''}`;
    if (!failed) passes.push(`${name}: ${usd(expected)} of ${usd(budget)} budget (${percent(used)})${growth}${worstNote}`);
  }
  return { ok: failures.length === 0, failures, passes };
}
