import { quantity, unitPrice, usd } from '../format';
import { cell } from './markdown-cell';
import type { ReportEnvironment } from './model';

/** The serving endpoint's part of an environment's section: its lines and its cost per 1,000 requests. */

/** `$0.0253 at 40 rps`, or `n/a`; for the overview. */
export function costPer1kCell(e: ReportEnvironment): string {
  const ep = e.endpoint;
  if (!ep) return '–';
  const value = ep.costPer1kRequestsUsd === null ? 'n/a' : unitPrice(ep.costPer1kRequestsUsd);
  return `${value} at ${quantity(ep.requestsPerSecond)} rps${ep.excludes.length ? ' (excl. not priced)' : ''}`;
}

export function endpointLines(e: ReportEnvironment): string[] {
  const ep = e.endpoint;
  if (!ep) return [];
  const lcu = ep.lcu;
  return [
    `Serving endpoint at ${quantity(ep.requestsPerSecond)} rps (${quantity(ep.bytesPerRequest)} B/request, ` +
      `${quantity(ep.requestsPerConnection)} request${ep.requestsPerConnection === 1 ? '' : 's'}/connection), ` +
      `${quantity(ep.requestsPerMonth)} requests a month while the fleet serves:`,
    '',
    '| Endpoint line | Expected | How |',
    '|---|---:|---|',
    ...ep.lines.map((l) => `| ${cell(l.label)} | ${l.monthlyUsd === null ? 'not priced ⚠️' : usd(l.monthlyUsd)} | ${cell(l.basis)} |`),
    '',
    `- LCUs per hour by dimension: new connections ${lcu.newConnections.toPrecision(3)}, active connections ` +
      `${lcu.activeConnections.toPrecision(3)} (each request holding its connection ${quantity(ep.requestSeconds)} s, the SLO latency), processed bytes ${lcu.processedBytes.toPrecision(3)}, rule evaluations ` +
      `${lcu.ruleEvaluations.toPrecision(3)}; billed: ${lcu.perHour.toPrecision(3)} (${lcu.dimension})`,
    `- Launches a month: ${quantity(ep.launches.perMonth)} = ${cell(ep.launches.basis.join(' + '))}`,
    `- **Cost per 1,000 requests at ${quantity(ep.requestsPerSecond)} rps: ` +
      `${ep.costPer1kRequestsUsd === null ? 'n/a' : unitPrice(ep.costPer1kRequestsUsd)}** (${cell(ep.costPer1kBasis)})`,
    '',
  ];
}
