import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { estimateEnvironmentCost } from '../../../lib/pricing/estimate';
import { COST_COMMENT_MARKER } from '../../../lib/pricing/report/diff-markdown';
import { stableStringify } from '../../../lib/pricing/report/json';
import { buildCostReport } from '../../../lib/pricing/report/model';
import { runCostCheck } from '../../../scripts/cost-check';
import { runCostDiff } from '../../../scripts/cost-diff';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-scripts-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const report = (budget: number, spot: number) =>
  stableStringify(
    buildCostReport([
      estimateEnvironmentCost(
        threeTypeEnv({ budget: { monthlyLimitUsd: budget }, usage: { averageSpotInstances: spot, hoursPerMonth: 730 } }),
        threeTypeTable(),
        { hoursPerMonth: 200 },
      ),
    ]),
  );
const base = file('base.json', report(2000, 2));
const head = file('head.json', report(2000, 2));
const bigger = file('bigger.json', report(2000, 4)); // two more spot instances: +$135.05 on $371.72 = +36.3%
const over = file('over.json', report(300, 2));
const notJson = file('not.json', '{"schemaVersion":');
const notReport = file('other.json', '{"schemaVersion": 1, "currency": "EUR", "environments": []}');

function run(fn: typeof runCostCheck, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = fn(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cost:check', () => {
  test('0 when within budget and limit', () => {
    expect(run(runCostCheck, [head, '--base', base])).toEqual({
      code: 0,
      out: 'ok    staging: $371.72 of $2,000.00 budget (18.6%), 0.0% over base $371.72 (limit 15.0%), worst case $5,338.48 (over budget)',
      err: '',
    });
  });

  test('1 over budget, naming env and figures', () => {
    const r = run(runCostCheck, [over]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'FAIL  staging: expected monthly cost $371.72 exceeds budget.monthlyLimitUsd $300.00 by $71.72 (123.9% of budget); raise the budget or shrink the fleet',
    );
  });

  test('1 when the increase over base passes the limit', () => {
    const r = run(runCostCheck, [bigger, '--base', base]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'FAIL  staging: expected monthly cost grows +36.3% ($371.72 -> $506.77, +$135.05; +$135.05 from the code, $0.00 from price ' +
        'movement), more than cost.maxIncreasePercent 15.0%; shrink the change or raise the limit in config/environments.ts',
    );
  });

  test.each([
    [[], 'expected 1 report file, got 0\nusage: npm run cost:check -- <cost-report.json> [--base <base cost-report.json>]'],
    [['--bogus', 'x'], "Unknown option '--bogus'"],
    [[path.join(dir, 'missing.json')], `cannot read cost report ${path.join(dir, 'missing.json')}: ENOENT`],
    [[head, '--base', notJson], `${notJson} is not valid JSON`],
    [[notReport], `${notReport} is not a gpu-spot-fleet cost report (schema version 1):\n  currency: Invalid input: expected "USD"\n  environments: Too small`],
  ])('2 on bad input %j', (args, message) => {
    const r = run(runCostCheck, args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  test('the CLI exits with the code', () => {
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/cost-check.ts', over], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cost:check: FAIL  staging: expected monthly cost $371.72 exceeds budget.monthlyLimitUsd $300.00');
  });
});

describe('cost:diff', () => {
  test('prints the comment with the sticky marker and writes --out', () => {
    const out = path.join(dir, 'comment.md');
    const r = run(runCostDiff, [base, bigger, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`${COST_COMMENT_MARKER}\n`)).toBe(true);
    expect(r.out).toContain('| staging | $371.72 | $506.77 | +$135.05 (+36.3%) | +$135.05 | $0.00 | $2,000.00 (25.3% used) |');
    expect(fs.readFileSync(out, 'utf8')).toBe(r.out);
  });

  test.each([
    [[base], 'expected 2 report files, got 1\nusage: npm run cost:diff -- <base cost-report.json> <head cost-report.json> [--out <comment.md>]'],
    [[base, notJson], `${notJson} is not valid JSON`],
    [[path.join(dir, 'missing.json'), head], `cannot read cost report ${path.join(dir, 'missing.json')}: ENOENT`],
  ])('2 on bad input %j', (args, message) => {
    const r = run(runCostDiff, args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });
});
