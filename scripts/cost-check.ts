/**
 * npm run cost:check -- <report.json> [--base <base.json>]
 * Exit 0 when every environment is within budget and (with --base) within its cost.maxIncreasePercent,
 * 1 naming the environment and figures otherwise, 2 on bad input (missing, unreadable or malformed report).
 */
import { parseArgs } from 'util';
import { checkCostReport } from '../lib/pricing/report/check';
import { CostReportError, readCostReport } from '../lib/pricing/report/json';

const USAGE = 'usage: npm run cost:check -- <cost-report.json> [--base <base cost-report.json>]';

export function runCostCheck(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let args;
  try {
    args = parseArgs({ args: [...argv], options: { base: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.positionals.length !== 1) {
    err(`expected 1 report file, got ${args.positionals.length}\n${USAGE}`);
    return 2;
  }
  try {
    const head = readCostReport(args.positionals[0]);
    const base = args.values.base ? readCostReport(args.values.base) : undefined;
    const result = checkCostReport(head, base);
    for (const p of result.passes) out(`ok    ${p}`);
    for (const f of result.failures) err(`FAIL  ${f}`);
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof CostReportError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = runCostCheck(process.argv.slice(2), (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`cost:check: ${s}\n`));
}
