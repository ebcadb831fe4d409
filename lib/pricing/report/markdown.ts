import { percent, quantity, unitPrice, usd } from '../format';
import { cell } from './markdown-cell';
import { costPer1kCell, endpointLines } from './markdown-endpoint';
import { notPricedLines, savingsCell, spotFacts, spotPoolTable } from './markdown-spot';
import { UNIT_WORDS } from '../estimate/fleet-shape';
import type { CostReport, ReportEnvironment } from './model';

/** `cost-report.md`: pure string building, the same report gives the same bytes. */

/** Mermaid labels are quoted; a quote inside would end them early. */
function mermaidLabel(s: string): string {
  return s.replace(/"/g, "'");
}

function range(e: ReportEnvironment): string {
  return `${usd(e.monthly.lowUsd)} – ${usd(e.monthly.highUsd)}`;
}

function sourcesLine(report: CostReport): string {
  const { oldest, newest } = report.pricesValidOn;
  const dates = oldest === newest ? `valid on ${oldest}` : `valid on ${oldest} to ${newest}`;
  return `Prices: ${report.priceSources.join(', ')}, ${dates}. All figures USD per month.`;
}

/** The one-table overview: one row per environment. */
export function renderOverviewTable(report: CostReport): string[] {
  const lines = [
    '| Environment | Expected | Range | Worst case | Budget | Budget used | Saved vs all on-demand (same types) | Per 1,000 requests |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const e of report.environments) {
    const over = e.budget.overBudget ? ' ⚠️ over' : '';
    lines.push(
      `| ${cell(e.environment)} | **${usd(e.monthly.expectedUsd)}** | ${range(e)} | ${usd(e.monthly.worstCaseUsd)}${worstFlag(e)} | ` +
        `${usd(e.budget.monthlyLimitUsd)} | ${percent(e.budget.percentUsed)}${over} | ${savingsCell(e)} | ${costPer1kCell(e)} |`,
    );
  }
  return lines;
}

/** ` ⚠️ over budget` when the worst case exceeds the budget (or `cost.maxWorstCaseUsd`). */
function worstFlag(e: ReportEnvironment): string {
  if (e.maxWorstCaseUsd !== undefined && e.monthly.worstCaseUsd > e.maxWorstCaseUsd) return ' ⚠️ over cost.maxWorstCaseUsd';
  return e.budget.worstCaseOverBudget ? ' ⚠️ over budget' : '';
}

/** A Mermaid pie of cost by component; GitHub renders it in PR comments and Markdown files. */
export function renderPie(e: ReportEnvironment): string[] {
  const slices = e.components.filter((c) => c.monthlyUsd >= 0.01);
  return [
    '```mermaid',
    `pie showData title ${mermaidLabel(e.environment)}: expected USD per month by component`,
    ...slices.map((c) => `    "${mermaidLabel(c.label)}" : ${c.monthlyUsd.toFixed(2)}`),
    '```',
  ];
}

/** The time-of-day capacity the estimate priced: hours a month at each minimum, so a reviewer sees the profile. */
function capacityProfileFacts(e: ReportEnvironment, unit: string): string[] {
  const profile = e.inputs.capacityProfile;
  if (!profile) return [];
  return [
    `- Minimum capacity by time of day (schedule.capacity), hours a month: ` +
      `${profile.map((l) => `min ${l.minCapacity} ${unit}${l.minCapacity === 1 ? '' : 's'} for ${quantity(l.hours)} h`).join(', ')}; ` +
      'each hour is priced with the burst its minimum needs',
  ];
}

function environmentSection(e: ReportEnvironment): string[] {
  const unit = UNIT_WORDS[e.capacityUnit];
  const hours = e.scheduleDescription
    ? `${quantity(e.hoursPerMonth)} h/month on schedule (${cell(e.scheduleDescription)})`
    : `${quantity(e.hoursPerMonth)} h/month`;
  const lines = [
    `## ${e.environment} (${e.region})`,
    '',
    `${hours}; capacity unit: ${unit}; on-demand base ${e.fleet.baseInstances} x ${e.fleet.baseInstanceType}, ` +
      `burst ${quantity(e.fleet.burstUnits)} ${unit}s (${quantity(e.fleet.spotUnits)} spot).`,
    '',
    '| Component | Expected | Low | High | How |',
    '|---|---:|---:|---:|---|',
    ...e.components.map(
      (c) => `| ${cell(c.label)} | ${usd(c.monthlyUsd)} | ${usd(c.lowUsd)} | ${usd(c.highUsd)} | ${cell(c.basis)} |`,
    ),
    `| **Total** | **${usd(e.monthly.expectedUsd)}** | ${usd(e.monthly.lowUsd)} | ${usd(e.monthly.highUsd)} | |`,
    '',
  ];
  const facts = [
    `- Worst case (${quantity(e.inputs.environment.fleet.maxSize)} ${unit}s on-demand all month` +
      (e.inputs.environment.fallback ? ` + ${e.inputs.environment.fallback.maxInstances} fallback on-demand instances` : '') +
      `): ${usd(e.monthly.worstCaseUsd)}${worstFlag(e)}`,
    ...spotFacts(e),
    e.monthly.scheduleSavingUsd === null
      ? '- No schedule: the fleet runs all month'
      : `- The schedule saves ${usd(e.monthly.scheduleSavingUsd)} against running all month (${usd(e.monthly.alwaysOnExpectedUsd)})`,
    ...capacityProfileFacts(e, unit),
    e.monthly.costPerGpuHourUsd === null
      ? '- Cost per GPU-hour: n/a (the fleet runs no GPU-hours)'
      : `- Cost per GPU-hour: ${unitPrice(e.monthly.costPerGpuHourUsd)}`,
    `- Budget ${usd(e.budget.monthlyLimitUsd)}: ${percent(e.budget.percentUsed)} used, headroom ${usd(e.budget.headroomUsd)}` +
      (e.budget.overBudget ? ' ⚠️ **over budget**' : ''),
    `- Hourly: on-demand base ${unitPrice(e.hourly.onDemandBaseUsdPerInstance)}/instance, spot expected ` +
      `${unitPrice(e.hourly.spotExpectedUsdPerInstance)}/instance; per running instance (the burn alarm and dashboard): ` +
      `${unitPrice(e.hourly.onDemandBaseRunningUsdPerInstance)} on-demand, ${unitPrice(e.hourly.spotExpectedRunningUsdPerInstance)} spot ` +
      `(${e.hourly.runningBasis})`,
  ];
  facts.push(
    e.placement
      ? `- Spot placement score (1-10, EC2, ${e.placement.validOn}, target ${e.placement.targetCapacity}): ` +
        e.placement.scores.map((p) => `${p.availabilityZone} ${p.score === null ? 'none ⚠️' : p.score < 5 ? `${p.score} ⚠️` : p.score}`).join(', ')
      : '- Spot placement score: not read (only with live pricing: `-c pricing=live`, or `auto` with AWS credentials)',
  );
  if (e.commitment) {
    facts.push(
      `- Baseline at ${cell(e.commitment.label)} (${unitPrice(e.commitment.hourlyUsd)}/h, billed all month): ` +
        `${usd(e.commitment.baselineMonthlyUsd)} vs ${usd(e.commitment.onDemandBaselineMonthlyUsd)} on-demand`,
    );
  }
  lines.push(...facts, '', ...endpointLines(e), ...spotPoolTable(e), ...notPricedLines(e));
  if (e.perMillionRequests) {
    lines.push('| Cost per million requests | rps | On-demand | Spot (p50) |', '|---|---:|---:|---:|');
    for (const t of e.perMillionRequests.byType) {
      lines.push(
        `| ${t.instanceType} | ${quantity(t.requestsPerSecond)} | ${usd(t.onDemandUsd)} | ${t.spotUsd === null ? 'n/a' : usd(t.spotUsd)} |`,
      );
    }
    lines.push(
      `| **Blend (this fleet)** | | | ${e.perMillionRequests.blendedUsd === null ? 'n/a' : `**${usd(e.perMillionRequests.blendedUsd)}**`} |`,
      '',
    );
  }
  lines.push(...renderPie(e), '');
  const warnings = [...e.warnings, ...e.interruptionWarnings];
  if (warnings.length) lines.push('Warnings:', '', ...warnings.map((w) => `- ⚠️ ${w}`), '');
  lines.push(
    '<details><summary>Assumptions and prices</summary>',
    '',
    ...e.assumptions.map((a) => `- ${a}`),
    '',
    '| Price | Region | AZ | Market | USD | Source | Valid on |',
    '|---|---|---|---|---:|---|---|',
    ...e.prices.map((p) => {
      if (p.market === 'unit') {
        return `| ${p.resource} | ${p.region} | | | ${unitPrice(p.usdPerUnit)}/${cell(p.unit)} | ${p.source} | ${p.validOn} |`;
      }
      if (p.market === 'spot') {
        return (
          `| ${p.instanceType}${p.favoured ? ' (favoured)' : ''} | ${p.region} | ${p.availabilityZone} | spot | ` +
          `${unitPrice(p.usdPerHour)}/h p50 (now ${unitPrice(p.currentUsdPerHour)}, p90 ${unitPrice(p.p90UsdPerHour)}) | ${p.source} | ${p.validOn} |`
        );
      }
      return `| ${p.instanceType} | ${p.region} | | on-demand | ${unitPrice(p.usdPerHour)}/h | ${p.source} | ${p.validOn} |`;
    }),
    '',
    '</details>',
    '',
  );
  return lines;
}

/** The full `cost-report.md`. */
export function renderCostReportMarkdown(report: CostReport): string {
  const lines = ['# GPU fleet cost estimate', '', sourcesLine(report), '', ...renderOverviewTable(report), ''];
  for (const e of report.environments) lines.push(...environmentSection(e));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
