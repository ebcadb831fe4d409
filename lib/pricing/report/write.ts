import * as fs from 'fs';
import * as path from 'path';
import { stableStringify } from './json';
import { renderCostReportMarkdown } from './markdown';
import { COST_REPORT_JSON, COST_REPORT_MARKDOWN, CostReport } from './model';

/** Writes `cost-report.json` and `cost-report.md` into `outdir` (created if missing); returns both paths. */
export function writeCostReport(outdir: string, report: CostReport): { readonly json: string; readonly markdown: string } {
  fs.mkdirSync(outdir, { recursive: true });
  const json = path.join(outdir, COST_REPORT_JSON);
  const markdown = path.join(outdir, COST_REPORT_MARKDOWN);
  fs.writeFileSync(json, stableStringify(report));
  fs.writeFileSync(markdown, renderCostReportMarkdown(report));
  return { json, markdown };
}

/**
 * Removes `cost-report.json` and `cost-report.md` from `outdir` (if there): a synth removes them before it starts, so
 * one that fails never leaves the previous run's report for someone to read as current.
 */
export function removeCostReport(outdir: string): void {
  for (const f of [COST_REPORT_JSON, COST_REPORT_MARKDOWN]) fs.rmSync(path.join(outdir, f), { force: true });
}
