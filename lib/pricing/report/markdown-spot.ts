import { percent, quantity, unitPrice, usd } from '../format';
import { cell } from './markdown-cell';
import type { ReportEnvironment } from './model';

/** The spot part of an environment's section: savings against same-type on-demand, each pool's risk, the churn. */

/** `$123.45 (12.3%)`, or `spot: no data` when no pool has a real spot price. */
export function savingsCell(e: ReportEnvironment): string {
  const m = e.monthly;
  if (m.savingsVsOnDemandUsd === null || m.savingsVsOnDemandPercent === null) return 'spot: no data';
  return `${usd(m.savingsVsOnDemandUsd)} (${percent(m.savingsVsOnDemandPercent)})`;
}

const KIND: Record<string, string> = { 'az-history': 'AZ history', regional: 'regional', cap: 'spot: no data' };

/** Facts lines: savings, type mix, churn, effective spot $/GPU-h. */
export function spotFacts(e: ReportEnvironment): string[] {
  const m = e.monthly;
  const lines = [
    m.savingsVsOnDemandUsd === null
      ? `- All on-demand (same types): ${usd(m.allOnDemandUsd)}; spot saves: spot: no data (no real spot price for the pools the estimate runs)`
      : `- All on-demand (same types): ${usd(m.allOnDemandUsd)}; spot saves ${savingsCell(e)} against on-demand of the same types`,
    `- Type mix (apart from spot): running the spot burst on its types instead of the base type ${e.fleet.baseInstanceType} ` +
      `${m.typeMixUsd >= 0 ? 'saves' : 'costs'} ${usd(Math.abs(m.typeMixUsd))} on-demand`,
  ];
  if (e.fleet.spotUnits > 0) {
    const c = e.churn;
    lines.push(
      `- Churn: ${quantity(c.interruptionsPerMonth)} interruptions/month cost ${usd(c.expectedUsd)} ` +
        `(${c.warmupSeconds} s warm-up + ${c.drainSeconds} s drain per interruption, not serving` +
        (c.modelSizeGb === null ? '; model download not priced: size unknown' : `; ${quantity(c.modelSizeGb)} GB model per launch`) + ')',
      `- Effective spot: ${c.effectiveSpotUsdPerGpuHour === null ? 'n/a' : `${unitPrice(c.effectiveSpotUsdPerGpuHour)}/GPU-h`} including churn`,
    );
  }
  return lines;
}

/** One row per configured spot pool. */
export function spotPoolTable(e: ReportEnvironment): string[] {
  if (e.spotPools.length === 0) return [];
  return [
    '| Spot pool | Spot $/h (p50) | On-demand $/h | Saved vs same type | Interruption bucket | Interruptions/month | Price basis |',
    '|---|---:|---:|---:|---|---:|---|',
    ...e.spotPools.map((p) =>
      `| ${p.instanceType} @ ${p.availabilityZone}${p.favoured ? ' (favoured)' : ''} | ` +
      `${p.kind === 'cap' ? 'spot: no data' : unitPrice(p.usdPerHour)} | ${unitPrice(p.onDemandUsdPerHour)} | ` +
      `${p.savingsVsOnDemandPercent === null ? 'spot: no data' : percent(p.savingsVsOnDemandPercent)} | ` +
      `${p.bucket === null ? 'no data' : `${cell(p.bucket)}${p.bucket === '>20%' ? ' ⚠️' : ''}`} | ` +
      `${p.interruptionsPerMonth === null ? 'n/a' : quantity(p.interruptionsPerMonth)} | ${KIND[p.kind] ?? p.kind} |`,
    ),
    '',
  ];
}

/** Lines left out for want of a traced price. */
export function notPricedLines(e: ReportEnvironment): string[] {
  if (e.notPriced.length === 0) return [];
  return ['Not priced (no traced price; the estimate is low by these lines):', '', ...e.notPriced.map((n) => `- ⚠️ ${cell(n)}`), ''];
}
