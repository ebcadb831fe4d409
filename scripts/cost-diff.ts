/**
 * npm run cost:diff -- <base.json> <head.json> [--out comment.md]
 * Prints the PR comment (Markdown, with the sticky-comment marker) comparing two cost-report.json files.
 * Exit 0 on success, 2 on bad input (missing, unreadable or malformed report).
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { diffCostReports } from '../lib/pricing/report/diff';
import { renderCostDiffMarkdown } from '../lib/pricing/report/diff-markdown';
import { CostReportError, readCostReport } from '../lib/pricing/report/json';

const USAGE = 'usage: npm run cost:diff -- <base cost-report.json> <head cost-report.json> [--out <comment.md>]';

export function runCostDiff(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let args;
  try {
    args = parseArgs({ args: [...argv], options: { out: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.positionals.length !== 2) {
    err(`expected 2 report files, got ${args.positionals.length}\n${USAGE}`);
    return 2;
  }
  try {
    const base = readCostReport(args.positionals[0]);
    const head = readCostReport(args.positionals[1]);
    const md = renderCostDiffMarkdown(diffCostReports(base, head), head);
    if (args.values.out) fs.writeFileSync(args.values.out, md);
    out(md);
    return 0;
  } catch (e) {
    if (e instanceof CostReportError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = runCostDiff(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(`cost:diff: ${s}\n`));
}
