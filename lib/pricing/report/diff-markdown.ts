import { percent, quantity, signedUsd, unitPrice, usd } from '../format';
import type { CostDiff, EnvironmentDiff } from './diff';
import { cell } from './markdown-cell';
import type { CostReport } from './model';

/** Hidden marker that lets the workflow find and update its one sticky comment. */
export const COST_COMMENT_MARKER = '<!-- gpu-spot-fleet-cost-report -->';

const orDash = (x: number | null) => (x === null ? '–' : usd(x));

function changeCell(e: EnvironmentDiff): string {
  if (e.changeUsd === 0) return '$0.00';
  return `${signedUsd(e.changeUsd)}${e.changePercent === null ? '' : ` (${percent(e.changePercent, true)})`}`;
}

/** The endpoint's cost per 1,000 requests, when it changed. */
function costPer1kLine(e: EnvironmentDiff): string[] {
  const { beforeUsd, afterUsd, requestsPerSecondAfter } = e.costPer1kRequests;
  if (beforeUsd === afterUsd) return [];
  const show = (x: number | null) => (x === null ? '–' : unitPrice(x));
  const rps = requestsPerSecondAfter === null ? '' : ` (at ${quantity(requestsPerSecondAfter)} rps)`;
  return [`- Endpoint cost per 1,000 requests: ${show(beforeUsd)} → ${show(afterUsd)}${rps}`, ''];
}

/** The PR comment body: summary table, the code/price split, per-component details. */
export function renderCostDiffMarkdown(diff: CostDiff, head: CostReport): string {
  const lines = [
    COST_COMMENT_MARKER,
    '## 💰 GPU fleet cost change',
    '',
    `Expected monthly cost, USD. Head prices: ${head.priceSources.join(', ')}, valid on ${head.pricesValidOn.newest}.`,
    '',
    '| Environment | Before | After | Change | From code | From prices | Budget |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const e of diff.environments) {
    const budget = e.budgetUsd === null || e.afterUsd === null ? '–' : `${usd(e.budgetUsd)} (${percent((e.afterUsd / e.budgetUsd) * 100)} used${e.afterUsd > e.budgetUsd ? ' ⚠️' : ''})`;
    lines.push(
      `| ${cell(e.environment)}${e.status === 'added' ? ' (new)' : e.status === 'removed' ? ' (removed)' : ''} | ${orDash(e.beforeUsd)} | ` +
        `${orDash(e.afterUsd)} | ${changeCell(e)} | ${e.codeChangeUsd === null ? '–' : signedUsd(e.codeChangeUsd)} | ` +
        `${e.priceMovementUsd === null ? '–' : signedUsd(e.priceMovementUsd)} | ${budget} |`,
    );
  }
  lines.push(
    `| **Total** | ${usd(diff.beforeUsd)} | ${usd(diff.afterUsd)} | **${signedUsd(diff.changeUsd)}** | ` +
      `${diff.codeChangeUsd === null ? '–' : signedUsd(diff.codeChangeUsd)} | ${diff.priceMovementUsd === null ? '–' : signedUsd(diff.priceMovementUsd)} | |`,
    '',
  );
  if (diff.priceMovementUsd !== null) {
    lines.push(
      diff.priceMovementUsd === 0
        ? 'Price movement: none (the base fleet costs the same at the head\'s prices); every change above comes from the code.'
        : `Price movement: ${signedUsd(diff.priceMovementUsd)}/month is AWS prices moving, not this change ` +
            `(the base fleet re-priced at the head's prices); the code changes cost by ${signedUsd(diff.codeChangeUsd!)}/month.`,
      '',
    );
  }
  const risky = diff.environments.filter((e) => e.risk.changes.length > 0 || e.risk.worstCaseChangeUsd !== 0);
  if (risky.length) {
    lines.push('### Risk: worst case and config changes', '', '| Environment | Worst case before | After | Change | Config changes |', '|---|---:|---:|---:|---|');
    for (const e of risky) {
      const changes = e.risk.changes.map((c) => `${c.field} ${c.before} → ${c.after}`).join('; ') || '–';
      lines.push(
        `| ${cell(e.environment)} | ${orDash(e.risk.worstCaseBeforeUsd)} | ${orDash(e.risk.worstCaseAfterUsd)} | ` +
          `${signedUsd(e.risk.worstCaseChangeUsd)}${e.risk.worstCaseChangeUsd > 0 ? ' ⚠️' : ''} | ${cell(changes)} |`,
      );
    }
    lines.push('');
  }
  for (const e of diff.environments) {
    if (e.status === 'unchanged') continue;
    lines.push(
      `<details><summary>${cell(e.environment)}: ${changeCell(e)}</summary>`,
      '',
      '| Component | Before | After | Change |',
      '|---|---:|---:|---:|',
      ...e.components.map((c) => `| ${cell(c.label)} | ${orDash(c.beforeUsd)} | ${orDash(c.afterUsd)} | ${signedUsd(c.changeUsd)} |`),
      '',
      ...costPer1kLine(e),
      ...e.notes.map((n) => `- ${cell(n)}`),
      '',
      '</details>',
      '',
    );
  }
  if (diff.environments.every((e) => e.status === 'unchanged')) lines.push('No cost or risk change in any environment.', '');
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
