import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import {
  buildCostReport,
  COST_REPORT_JSON,
  COST_REPORT_MARKDOWN,
  CostReportError,
  parseCostReport,
  readCostReport,
  renderCostReportMarkdown,
  renderCostSummary,
  stableStringify,
  writeCostReport,
} from '../../../lib/pricing/report';
import { PriceTable } from '../../../lib/pricing/types';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

function report(table: PriceTable = threeTypeTable()) {
  return buildCostReport([
    estimateEnvironmentCost(threeTypeEnv(), table, { hoursPerMonth: 200, scheduleDescription: 'MON-FRI 08:00-17:00 UTC' }),
    estimateEnvironmentCost(threeTypeEnv({ name: 'prod', budget: { monthlyLimitUsd: 300 } }), table, { hoursPerMonth: 730 }),
  ]);
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cost-report-'));
}

describe('buildCostReport', () => {
  const r = report();

  test('rounds money to cents and keeps the prices and inputs', () => {
    const staging = r.environments[0];
    expect(staging.monthly.expectedUsd).toBe(371.72);
    expect(staging.monthly.worstCaseUsd).toBe(5338.48);
    expect(staging.components.find((c) => c.id === 'spot-burst')).toMatchObject({ monthlyUsd: 130.67, lowUsd: 76, highUsd: 240 });
    expect(staging.hourly.spotExpectedUsdPerInstance).toBe(0.326667);
    expect(staging.budget.percentUsed).toBe(18.6); // one decimal, as every view shows it
    expect(staging.perMillionRequests!.blendedUsd).toBe(10.205761);
    expect(staging.prices).toHaveLength(17);
    expect(staging.inputs.environment.fleet.instanceTypes).toEqual(['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge']);
    expect(r.priceSources).toEqual(['snapshot']);
    expect(r.pricesValidOn).toEqual({ oldest: '2026-11-01', newest: '2026-11-01' });
  });

  test('oldest and newest price dates, sources sorted', () => {
    const t = threeTypeTable();
    const mixed: PriceTable = {
      ...t,
      onDemand: t.onDemand.map((p, i) => (i === 0 ? { ...p, source: 'live' as const, validOn: '2026-11-20' } : p)),
      units: t.units.map((u) => ({ ...u, source: 'cache' as const, validOn: '2026-09-30' })),
    };
    const m = report(mixed);
    expect(m.priceSources).toEqual(['cache', 'live', 'snapshot']);
    expect(m.pricesValidOn).toEqual({ oldest: '2026-09-30', newest: '2026-11-20' });
  });

  test('rejects no estimates and duplicate environments', () => {
    expect(() => buildCostReport([])).toThrow('buildCostReport: no environment estimates to report');
    const e = estimateEnvironmentCost(threeTypeEnv(), threeTypeTable(), { hoursPerMonth: 730 });
    expect(() => buildCostReport([e, e])).toThrow('buildCostReport: environment staging is estimated twice; each environment appears once');
  });
});

describe('determinism', () => {
  test('same inputs give byte-identical files, whatever order the price table lists prices in', () => {
    const a = tmp();
    const b = tmp();
    writeCostReport(a, report());
    const t = threeTypeTable();
    const shuffled: PriceTable = {
      onDemand: [...t.onDemand].reverse(),
      spot: [...t.spot].reverse(),
      units: [...t.units].reverse(),
      offerings: [...t.offerings].reverse(),
    };
    writeCostReport(b, report(shuffled));
    for (const f of [COST_REPORT_JSON, COST_REPORT_MARKDOWN]) {
      expect(fs.readFileSync(path.join(b, f))).toEqual(fs.readFileSync(path.join(a, f)));
    }
  });

  test('keys are sorted at every level and the file ends with a newline', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{\n  "a": {\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  test('a NaN never reaches the file', () => {
    expect(() => stableStringify({ x: NaN })).toThrow('cost report: a figure is NaN; every figure must be a finite number');
  });

  test('no timestamp other than the prices\' dates', () => {
    const dir = tmp();
    writeCostReport(dir, report());
    const text = fs.readFileSync(path.join(dir, COST_REPORT_JSON), 'utf8') + fs.readFileSync(path.join(dir, COST_REPORT_MARKDOWN), 'utf8');
    const dates = [...new Set(text.match(/\d{4}-\d{2}-\d{2}/g))];
    expect(dates).toEqual(['2026-11-01']);
  });
});

describe('markdown', () => {
  const md = renderCostReportMarkdown(report());

  test('overview row per environment with budget flag', () => {
    // Savings against on-demand of the same types; a worst case above the budget is flagged.
    expect(md).toContain('| staging | **$371.72** | $317.05 – $481.05 | $5,338.48 ⚠️ over budget | $2,000.00 | 18.6% | $189.33 (33.7%) |');
    expect(md).toContain('| prod | **$1,265.41** | $1,065.88 – $1,664.48 | $5,338.48 ⚠️ over budget | $300.00 | 421.8% ⚠️ over |');
    expect(md).toContain('- Type mix (apart from spot): running the spot burst on its types instead of the base type g6.xlarge saves $80.00 on-demand');
  });

  test('component table, facts and a Mermaid pie per environment', () => {
    expect(md).toContain('| Spot burst | $130.67 | $76.00 | $240.00 | 2 instances x $0.3267/instance-h (p50 over 6 favoured pools) x 200 h |');
    expect(md).toContain('| **Total** | **$371.72** | $317.05 | $481.05 | |');
    expect(md).toContain('- The schedule saves $893.69 against running all month ($1,265.41)');
    expect(md).toContain('- No schedule: the fleet runs all month');
    expect(md).toContain('| **Blend (this fleet)** | | | **$10.21** |');
    expect(md).toContain(
      '```mermaid\npie showData title staging: expected USD per month by component\n    "On-demand base" : 200.00\n    "Spot burst" : 130.67\n',
    );
    expect(md.match(/```mermaid/g)).toHaveLength(2);
    expect(md).toContain('| g6.xlarge (favoured) | us-east-1 | us-east-1a | spot | $0.4000/h p50 (now $0.3000, p90 $0.5000) | snapshot | 2026-11-01 |');
    expect(md).toContain('| lambda-request | us-east-1 | | | $0.0000002/Requests | snapshot | 2026-11-01 |');
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });

  test('one-screen summary', () => {
    expect(renderCostSummary(report()).split('\n')).toEqual([
      'Cost estimate, USD/month (prices: snapshot, valid on 2026-11-01)',
      'env       expected                range  worst case     budget         used  $/GPU-h',
      'staging    $371.72      $317.05-$481.05   $5,338.48  $2,000.00        18.6%  $0.6195',
      'prod     $1,265.41  $1,065.88-$1,664.48   $5,338.48    $300.00  421.8% OVER  $0.5778',
    ]);
  });
});

describe('reading a report back', () => {
  test('round-trips', () => {
    const dir = tmp();
    const written = writeCostReport(dir, report());
    expect(readCostReport(written.json)).toEqual(JSON.parse(stableStringify(report())));
  });

  test('missing file', () => {
    expect(() => readCostReport('/nonexistent/cost-report.json')).toThrow('cannot read cost report /nonexistent/cost-report.json: ENOENT');
  });

  test('not JSON', () => {
    expect(() => parseCostReport('{"schemaVersion": 1,', 'base.json')).toThrow(CostReportError);
    expect(() => parseCostReport('{"schemaVersion": 1,', 'base.json')).toThrow(/^base\.json is not valid JSON \(.+\); pass the cost-report\.json that cdk synth wrote$/);
  });

  test('JSON that is not a cost report names the fields', () => {
    expect(() => parseCostReport('{"hello": 1}', 'head.json')).toThrow(
      'head.json is not a gpu-spot-fleet cost report (schema version 1):\n  schemaVersion: Invalid input: expected 1',
    );
    const r = JSON.parse(stableStringify(report()));
    r.environments[1].monthly.expectedUsd = 'a lot';
    r.environments[0].prices[0].market = 'reserved';
    let message = '';
    try {
      parseCostReport(JSON.stringify(r), 'head.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("environments.0.prices.0.market: Invalid discriminator value. Expected 'on-demand' | 'spot' | 'unit'");
    expect(message).toContain('environments.1.monthly.expectedUsd: Invalid input: expected number, received string');
  });
});
