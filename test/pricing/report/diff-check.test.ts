import { CostModelEnvironment, estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import { checkCostReport } from '../../../lib/pricing/report/check';
import { diffCostReports } from '../../../lib/pricing/report/diff';
import { COST_COMMENT_MARKER, renderCostDiffMarkdown } from '../../../lib/pricing/report/diff-markdown';
import { buildCostReport, CostReport } from '../../../lib/pricing/report/model';
import { PriceTable } from '../../../lib/pricing/types';
import { od, threeTypeEnv, threeTypeTable } from '../support/fixtures';

const HOURS = 200;

function reportOf(envs: CostModelEnvironment[], table: PriceTable = threeTypeTable()): CostReport {
  return buildCostReport(envs.map((e) => estimateEnvironmentCost(e, table, { hoursPerMonth: HOURS })));
}

/** The fixture table with g6.xlarge on-demand at $1.10 instead of $1.00, dated later. */
function dearerTable(): PriceTable {
  const t = threeTypeTable();
  return { ...t, onDemand: t.onDemand.map((p) => (p.instanceType === 'g6.xlarge' ? { ...od('g6.xlarge', 1.1), validOn: '2026-12-01' } : p)) };
}

const staging = threeTypeEnv();
const moreSpot = threeTypeEnv({ usage: { averageSpotInstances: 3, hoursPerMonth: 730 } });
const SPOT_P50 = (0.22 + 0.4 + 0.23 + 0.45 + 0.24 + 0.42) / 6;

describe('diffCostReports', () => {
  test('identical reports: unchanged, no price movement', () => {
    const d = diffCostReports(reportOf([staging]), reportOf([staging]));
    expect(d.environments[0]).toMatchObject({ status: 'unchanged', changeUsd: 0, priceMovementUsd: 0, codeChangeUsd: 0, notes: [] });
    expect(renderCostDiffMarkdown(d, reportOf([staging]))).toContain('No cost or risk change in any environment.');
  });

  test('a code change only: all of it is code', () => {
    const base = reportOf([staging]);
    const head = reportOf([moreSpot]);
    const e = diffCostReports(base, head).environments[0];
    // One more spot instance for 200 h: 1 x 0.326667 x 200 = 65.33 spot, 200 h x $8/730 = 2.19 EBS
    expect(e.components.find((c) => c.id === 'spot-burst')!.changeUsd).toBeCloseTo(Math.round(SPOT_P50 * 200 * 100) / 100, 2);
    expect(e.components.find((c) => c.id === 'ebs')!.changeUsd).toBe(2.19);
    expect(e.changeUsd).toBe(Math.round((head.environments[0].monthly.expectedUsd - base.environments[0].monthly.expectedUsd) * 100) / 100);
    expect(e.changeUsd).toBeCloseTo(67.52, 1);
    expect(e.priceMovementUsd).toBe(0);
    expect(e.codeChangeUsd).toBe(e.changeUsd);
    expect(e.status).toBe('changed');
    expect(e.changePercent).toBeCloseTo((e.changeUsd / base.environments[0].monthly.expectedUsd) * 100, 1);
  });

  test('a price movement only: none of it is code', () => {
    const d = diffCostReports(reportOf([staging]), reportOf([staging], dearerTable()));
    const e = d.environments[0];
    // The base instance: 1 x ($1.10 - $1.00) x 200 h = +$20.00
    expect(e.changeUsd).toBe(20);
    expect(e.priceMovementUsd).toBe(20);
    expect(e.codeChangeUsd).toBe(0);
    expect(e.components.find((c) => c.id === 'on-demand-base')).toMatchObject({ beforeUsd: 200, afterUsd: 220, changeUsd: 20 });
  });

  test('both at once are told apart', () => {
    const base = reportOf([staging]);
    const head = reportOf([moreSpot], dearerTable());
    const d = diffCostReports(base, head);
    const e = d.environments[0];
    expect(e.priceMovementUsd).toBe(20);
    expect(e.codeChangeUsd).toBe(Math.round((e.changeUsd - 20) * 100) / 100);
    expect(e.codeChangeUsd).toBeCloseTo(67.52, 1);
    const md = renderCostDiffMarkdown(d, head);
    expect(md.startsWith(`${COST_COMMENT_MARKER}\n## 💰 GPU fleet cost change\n`)).toBe(true);
    expect(md).toContain('Head prices: snapshot, valid on 2026-12-01.');
    expect(md).toContain(`| staging | $371.72 | ${usdOf(head)} | +$${(e.changeUsd).toFixed(2)} (+${e.changePercent!.toFixed(1)}%) | +$${e.codeChangeUsd!.toFixed(2)} | +$20.00 | $2,000.00 (`);
    expect(md).toContain(
      `Price movement: +$20.00/month is AWS prices moving, not this change (the base fleet re-priced at the head's prices); ` +
        `the code changes cost by +$${e.codeChangeUsd!.toFixed(2)}/month.`,
    );
    expect(md).toContain('| On-demand base | $200.00 | $220.00 | +$20.00 |');
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });

  test('base prices the head lacks are used and named', () => {
    const noG5 = { ...staging, fleet: { ...staging.fleet, instanceTypes: ['g6.xlarge', 'g4dn.xlarge'] } };
    const e = diffCostReports(reportOf([staging]), reportOf([noG5])).environments[0];
    expect(e.priceMovementUsd).toBe(0);
    expect(e.notes).toEqual([
      "priced with the base's own price (the head has none): g5.xlarge us-east-1, g5.xlarge us-east-1 us-east-1a, g5.xlarge us-east-1 us-east-1b",
    ]);
  });

  test('environments added and removed', () => {
    const prod = threeTypeEnv({ name: 'prod' });
    const d = diffCostReports(reportOf([staging, prod]), reportOf([staging, threeTypeEnv({ name: 'dev' })]));
    expect(d.environments.map((e) => [e.environment, e.status])).toEqual([['staging', 'unchanged'], ['dev', 'added'], ['prod', 'removed']]);
    const removed = d.environments[2];
    expect(removed).toMatchObject({ afterUsd: null, changeUsd: -371.72, changePercent: null, priceMovementUsd: null, codeChangeUsd: null });
    expect(removed.notes).toEqual(['environment removed by this change']);
    expect(d.priceMovementUsd).toBe(0);
    expect(d.changeUsd).toBe(0); // dev (+371.72) replaces prod (-371.72)
    const md = renderCostDiffMarkdown(d, reportOf([staging]));
    expect(md).toContain('| dev (new) | – | $371.72 | +$371.72 | – | – | $2,000.00 (18.6% used) |');
    expect(md).toContain('| prod (removed) | $371.72 | – | -$371.72 | – | – | – |');
  });

  test('a base that cannot be re-priced keeps the total and says why', () => {
    const base = reportOf([staging]);
    const broken = JSON.parse(JSON.stringify(base));
    broken.environments[0].inputs.hoursPerMonth = 9999;
    const d = diffCostReports(broken, reportOf([moreSpot]));
    expect(d.environments[0].priceMovementUsd).toBeNull();
    expect(d.environments[0].notes).toEqual([
      "could not re-price the base fleet with the head's prices, so the change is not split: staging: hoursPerMonth (9999) must be a " +
        'number from 0 to 730; compute it from the schedule or set usage.hoursPerMonth',
    ]);
    expect(d.priceMovementUsd).toBeNull();
    expect(d.codeChangeUsd).toBeNull();
    expect(renderCostDiffMarkdown(d, reportOf([moreSpot]))).not.toContain('Price movement:');
  });
});

function usdOf(r: CostReport): string {
  return `$${r.environments[0].monthly.expectedUsd.toFixed(2)}`;
}

describe('checkCostReport', () => {
  test('within budget, no base', () => {
    expect(checkCostReport(reportOf([staging]))).toEqual({
      ok: true,
      failures: [],
      passes: ['staging: $371.72 of $2,000.00 budget (18.6%), worst case $5,338.48 (over budget)'],
    });
  });

  test('over budget fails naming env and figures', () => {
    const r = checkCostReport(reportOf([threeTypeEnv({ budget: { monthlyLimitUsd: 300 } })]));
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([
      'staging: expected monthly cost $371.72 exceeds budget.monthlyLimitUsd $300.00 by $71.72 (123.9% of budget); raise the budget or shrink the fleet',
    ]);
  });

  test('an increase over maxIncreasePercent fails with the code/price split', () => {
    // Head: 371.72 + 20.00 (g6 base $0.10/h dearer x 200 h) + 65.33 (one more spot, 0.326667 x 200) + 2.19 (EBS,
    // 200 h x $8/730) = 459.25; +87.53 on 371.72 = +23.5%, over staging's 15%
    const r = checkCostReport(reportOf([moreSpot], dearerTable()), reportOf([staging]));
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toBe(
      'staging: expected monthly cost grows +23.5% ($371.72 -> $459.25, +$87.53; +$67.53 from the code, +$20.00 from ' +
        'price movement), more than cost.maxIncreasePercent 15.0%; shrink the change or raise the limit in config/environments.ts',
    );
  });

  test('an increase within the limit passes and says so', () => {
    const limit = threeTypeEnv({ cost: { maxIncreasePercent: 25 } });
    const head = reportOf([{ ...moreSpot, cost: limit.cost }], dearerTable());
    const r = checkCostReport(head, reportOf([staging]));
    expect(r.ok).toBe(true);
    expect(r.passes[0]).toBe('staging: $459.25 of $2,000.00 budget (23.0%), +23.5% over base $371.72 (limit 25.0%), worst case $5,338.48 (over budget)');
  });

  test('a new environment is not held to an increase', () => {
    const r = checkCostReport(reportOf([staging, threeTypeEnv({ name: 'dev' })]), reportOf([staging]));
    expect(r.ok).toBe(true);
    expect(r.passes[1]).toBe('dev: $371.72 of $2,000.00 budget (18.6%), new environment (no base to compare), worst case $5,338.48 (over budget)');
  });

  test('a decrease passes', () => {
    const r = checkCostReport(reportOf([staging]), reportOf([moreSpot]));
    expect(r.ok).toBe(true);
    // Base with one more spot instance: 371.72 + 65.33 + 2.19 = 439.25; 371.72 is 15.4% less
    expect(r.passes[0]).toBe('staging: $371.72 of $2,000.00 budget (18.6%), -15.4% over base $439.25 (limit 15.0%), worst case $5,338.48 (over budget)');
  });
});

describe('a gate that sees risk', () => {
  const bigger = threeTypeEnv({ fleet: { ...staging.fleet, maxSize: 60 } });

  test('cost:diff lists a maxSize change that moves no expected dollar, with the worst-case delta', () => {
    const base = reportOf([staging]);
    const head = reportOf([bigger]);
    const d = diffCostReports(base, head);
    const e = d.environments[0];
    expect(e.changeUsd).toBe(0);
    expect(e.status).toBe('changed');
    expect(e.risk.changes).toEqual([{ field: 'fleet.maxSize', before: '6', after: '60' }]);
    // 54 more g5.xlarge ($1.20) all month with root volumes: 54 x 1.20 x 730 + 54 x $8 = 47,736
    expect(e.risk.worstCaseChangeUsd).toBeCloseTo(54 * 1.2 * 730 + 54 * 8, 1);
    const md = renderCostDiffMarkdown(d, head);
    expect(md).toContain('### Risk: worst case and config changes');
    expect(md).toContain('| staging | $5,338.48 | $53,074.48 | +$47,736.00 ⚠️ | fleet.maxSize 6 → 60 |');
    expect(md).not.toContain('No cost or risk change');
  });

  test.each([
    ['base', threeTypeEnv({ fleet: { ...staging.fleet, onDemandBaseCapacity: 2 } }), 'fleet.onDemandBaseCapacity', '1', '2'],
    ['types', threeTypeEnv({ fleet: { ...staging.fleet, instanceTypes: ['g6.xlarge', 'g4dn.xlarge'] } }), 'fleet.instanceTypes', 'g6.xlarge, g5.xlarge, g4dn.xlarge', 'g6.xlarge, g4dn.xlarge'],
    ['fallback cap', threeTypeEnv({ fallback: { maxInstances: 4 } }), 'fallback.maxInstances', 'none', '4'],
  ] as const)('cost:diff lists a %s change', (_n, head, field, before, after) => {
    expect(diffCostReports(reportOf([staging]), reportOf([head])).environments[0].risk.changes).toContainEqual({ field, before, after });
  });

  test('cost:diff lists a schedule change', () => {
    const base = buildCostReport([estimateEnvironmentCost(staging, threeTypeTable(), { hoursPerMonth: 200, scheduleDescription: 'MON-FRI 08:00-17:00 UTC' })]);
    const head = buildCostReport([estimateEnvironmentCost(staging, threeTypeTable(), { hoursPerMonth: 250, scheduleDescription: 'MON-FRI 07:00-19:00 UTC' })]);
    expect(diffCostReports(base, head).environments[0].risk.changes).toEqual([
      { field: 'schedule', before: 'MON-FRI 08:00-17:00 UTC', after: 'MON-FRI 07:00-19:00 UTC' },
    ]);
  });

  test('cost:check fails a worst case above cost.maxWorstCaseUsd and names the change that moved it', () => {
    const limited = (e: CostModelEnvironment) => ({ ...e, cost: { ...e.cost, maxWorstCaseUsd: 10_000 } });
    const r = checkCostReport(reportOf([limited(bigger)]), reportOf([limited(staging)]));
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([
      'staging: worst case $53,074.48/month exceeds cost.maxWorstCaseUsd $10,000.00 by $43,074.48 (changed: fleet.maxSize 6 -> 60); ' +
        'lower fleet.maxSize or fallback.maxInstances, or raise the limit in config/environments.ts',
    ]);
    expect(checkCostReport(reportOf([limited(staging)])).passes).toEqual(['staging: $371.72 of $2,000.00 budget (18.6%), worst case $5,338.48 of $10,000.00']);
  });

  test.each([
    ['a negative expected cost', (r: any) => { r.environments[0].monthly.expectedUsd = -5; }, 'monthly.expectedUsd is -5'],
    ['a non-finite worst case', (r: any) => { r.environments[0].monthly.worstCaseUsd = Infinity; }, 'monthly.worstCaseUsd is Infinity'],
    ['a negative component', (r: any) => { r.environments[0].components[1].lowUsd = -0.01; }, 'components.spot-burst.lowUsd is -0.01'],
  ])('cost:check fails %s', (_n, corrupt, what) => {
    const r = JSON.parse(JSON.stringify(reportOf([staging])));
    corrupt(r);
    const res = checkCostReport(r);
    expect(res.ok).toBe(false);
    expect(res.failures).toEqual([`staging: ${what}; every cost figure must be a finite number >= 0: the estimate or the report is corrupt`]);
  });
});

test('re-pricing keeps the interruption buckets: identical reports with a churn line split into $0 code and $0 prices', () => {
  const t: PriceTable = {
    ...threeTypeTable(),
    interruption: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'].map((instanceType) => ({
      instanceType, region: 'us-east-1', bucket: 4, label: '>20%', savingsPercent: 50, source: 'snapshot' as const, validOn: '2026-08-10', origin: 'x',
    })),
  };
  const env = threeTypeEnv({ churn: { warmupSeconds: 3600, drainSeconds: 3600 } });
  const r = reportOf([env], t);
  expect(r.environments[0].components.find((c) => c.id === 'spot-churn')!.monthlyUsd).toBeGreaterThan(0.01);
  const e = diffCostReports(r, reportOf([env], t)).environments[0];
  expect(e).toMatchObject({ status: 'unchanged', changeUsd: 0, priceMovementUsd: 0, codeChangeUsd: 0 });
});
