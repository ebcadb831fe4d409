import { CostModelEnvironment, estimateEnvironmentCost, ServingCostInputs } from '../../../lib/pricing/estimate';
import { checkCostReport } from '../../../lib/pricing/report/check';
import { diffCostReports } from '../../../lib/pricing/report/diff';
import { renderCostDiffMarkdown } from '../../../lib/pricing/report/diff-markdown';
import { parseCostReport, stableStringify } from '../../../lib/pricing/report/json';
import { renderCostReportMarkdown } from '../../../lib/pricing/report/markdown';
import { buildCostReport, CostReport } from '../../../lib/pricing/report/model';
import type { PriceTable, UnitPrice } from '../../../lib/pricing/types';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

/** Round test figures, not AWS prices. */
const prov = { source: 'snapshot' as const, validOn: '2026-11-01', origin: 'test fixture', region: 'us-east-1' };
const WITH_ALB: PriceTable = {
  ...threeTypeTable(),
  units: [
    ...threeTypeTable().units,
    { resource: 'alb-hour', usdPerUnit: 0.02, unit: 'Hrs', ...prov } as UnitPrice,
    { resource: 'alb-lcu-hour', usdPerUnit: 0.01, unit: 'LCU-Hrs', ...prov } as UnitPrice,
  ],
};
const SERVING: ServingCostInputs = {
  requestsPerSecond: 10, bytesPerRequest: 16384, requestsPerConnection: 1, requestSeconds: 8, scheduledStartsPerMonth: 0,
  launchesPerMonth: 10, modelSizeGiB: 4, imageSizeGiB: 6, imageSource: 'ecr', s3GatewayEndpoint: true, ecrInterfaceEndpoints: false,
};
const serving = (s: Partial<ServingCostInputs> = {}): CostModelEnvironment => threeTypeEnv({ serving: { ...SERVING, ...s } });
const reportOf = (env: CostModelEnvironment, table: PriceTable = WITH_ALB): CostReport =>
  buildCostReport([estimateEnvironmentCost(env, table, { hoursPerMonth: 200 })]);

describe('the endpoint in the cost report', () => {
  test('Markdown: the overview and the section show the cost per 1,000 requests with its rps, and each endpoint line', () => {
    const r = reportOf(serving());
    const e = r.environments[0];
    const md = renderCostReportMarkdown(r);
    expect(md).toContain('| Per 1,000 requests |');
    expect(md).toContain(`| $${e.endpoint!.costPer1kRequestsUsd!.toFixed(4)} at 10 rps |`);
    expect(md).toContain('| Endpoint: ALB hours | $14.60 | 1 ALB x $0.0200/h x 730 h (all month, also while the fleet is scaled to zero) |');
    expect(md).toMatch(/\| Endpoint: LCUs \(10 rps, 16,384 B\/request\) \| \$1\.18 \| 0\.590 LCU \(processed bytes, the largest of the four dimensions\) x \$0\.0100\/LCU-h x 200 h the fleet serves \|/);
    expect(md).toContain('| S3 gateway endpoint | $0.00 | gateway endpoints have no hourly or data charge');
    expect(md).toMatch(/- \*\*Cost per 1,000 requests at 10 rps: \$0\.\d{4}\*\* \(\$[\d,.]+ expected a month \(every priced line\) x 1,000 \/ 7,200,000 requests/);
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });

  test('Markdown: a line without a price says "not priced", and the cost per 1,000 requests says what it excludes', () => {
    const md = renderCostReportMarkdown(reportOf(serving(), threeTypeTable()));
    expect(md).toMatch(/\| Endpoint: ALB hours \| not priced ⚠️ \| 1 ALB x \(no price\)\/h x 730 h .*; not priced: no alb-hour price in the price table \(the snapshot holds no traced one; use live pricing, -c pricing=live\) \|/);
    expect(md).toMatch(/ at 10 rps \(excl\. not priced\) \|/);
    expect(md).toMatch(/excludes the lines not priced: .*Endpoint: ALB hours, Endpoint: LCUs \(10 rps, 16,384 B\/request\)/);
  });

  test('JSON: the endpoint is written with the environment and read back', () => {
    const r = reportOf(serving());
    const back = parseCostReport(stableStringify(r), 'cost-report.json');
    expect(back.environments[0].endpoint).toEqual(JSON.parse(JSON.stringify(r.environments[0].endpoint)));
    expect(back.environments[0].endpoint!.lines.map((l) => [l.id, l.monthlyUsd])).toEqual([
      ['endpoint-alb', 14.6], ['endpoint-lcu', 1.18], ['s3-gateway-endpoint', 0], ['endpoint-downloads', 0],
    ]);
  });

  test.each([
    ['a non-finite cost per 1,000 requests', (r: any) => { r.environments[0].endpoint.costPer1kRequestsUsd = NaN; }, 'endpoint.costPer1kRequestsUsd is NaN'],
    ['a negative endpoint line', (r: any) => { r.environments[0].endpoint.lines[0].monthlyUsd = -1; }, 'endpoint.lines.endpoint-alb.monthlyUsd is -1'],
    ['a negative endpoint component', (r: any) => { r.environments[0].components.find((c: any) => c.id === 'endpoint-lcu').monthlyUsd = -1; }, 'components.endpoint-lcu.monthlyUsd is -1'],
    ['non-finite LCUs', (r: any) => { r.environments[0].endpoint.lcu.perHour = Infinity; }, 'endpoint.lcu.perHour is Infinity'],
  ])('cost:check fails %s', (_n, corrupt, what) => {
    const r = JSON.parse(JSON.stringify(reportOf(serving())));
    corrupt(r);
    const res = checkCostReport(r);
    expect(res.ok).toBe(false);
    expect(res.failures).toEqual([`staging: ${what}; every cost figure must be a finite number >= 0: the estimate or the report is corrupt`]);
  });

  test('cost:check passes lines that are not priced (null) and a fleet serving no hours (no cost per 1,000 requests)', () => {
    expect(checkCostReport(reportOf(serving(), threeTypeTable())).ok).toBe(true);
    const idle = buildCostReport([estimateEnvironmentCost(serving(), WITH_ALB, { hoursPerMonth: 0 })]);
    expect(idle.environments[0].endpoint!.costPer1kRequestsUsd).toBeNull();
    expect(checkCostReport(idle).ok).toBe(true);
  });

  test('cost:diff shows the endpoint lines and the cost per 1,000 requests when the expected load changes', () => {
    const base = reportOf(serving());
    const head = reportOf(serving({ requestsPerSecond: 20 }));
    const d = diffCostReports(base, head);
    const e = d.environments[0];
    expect(e.status).toBe('changed');
    expect(e.components.find((c) => c.id === 'endpoint-lcu')).toEqual(expect.objectContaining({ beforeUsd: 1.18, afterUsd: 2.36, changeUsd: 1.18 }));
    expect(e.risk.changes).toEqual([{ field: 'serving.expectedLoad.requestsPerSecond', before: '10', after: '20' }]);
    const before = base.environments[0].endpoint!.costPer1kRequestsUsd!;
    const after = head.environments[0].endpoint!.costPer1kRequestsUsd!;
    expect(e.costPer1kRequests).toEqual({ beforeUsd: before, afterUsd: after, requestsPerSecondAfter: 20 });
    expect(renderCostDiffMarkdown(d, head)).toContain(`- Endpoint cost per 1,000 requests: $${before.toFixed(4)} → $${after.toFixed(4)} (at 20 rps)`);
  });
});
