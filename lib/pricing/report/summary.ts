import { percent, unitPrice, usd } from '../format';
import type { CostReport } from './model';

/** The one-screen summary printed to stderr at synth. */
export function renderCostSummary(report: CostReport): string {
  const rows = [
    ['env', 'expected', 'range', 'worst case', 'budget', 'used', '$/GPU-h'],
    ...report.environments.map((e) => [
      e.environment,
      usd(e.monthly.expectedUsd),
      `${usd(e.monthly.lowUsd)}-${usd(e.monthly.highUsd)}`,
      usd(e.monthly.worstCaseUsd),
      usd(e.budget.monthlyLimitUsd),
      `${percent(e.budget.percentUsed)}${e.budget.overBudget ? ' OVER' : ''}`,
      e.monthly.costPerGpuHourUsd === null ? 'n/a' : unitPrice(e.monthly.costPerGpuHourUsd),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const { oldest, newest } = report.pricesValidOn;
  return [
    `Cost estimate, USD/month (prices: ${report.priceSources.join(', ')}, valid on ${oldest === newest ? oldest : `${oldest}..${newest}`})`,
    ...rows.map(fmt),
  ].join('\n');
}
