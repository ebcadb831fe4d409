import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { CostComponent, EnvironmentCostEstimate, PriceUsed } from './estimate';
import { renderCostReportMarkdown } from './report-markdown';
import { roundCents } from './format';
import { PriceSource } from './types';

/**
 * The cost report: `cdk.out/cost-report.json` (read by `cost:diff` and `cost:check`) and `cost-report.md`.
 * Byte-deterministic: keys sorted, money rounded to cents, environments in the order given, and no timestamp other
 * than the prices' own `validOn` dates.
 */

export const COST_REPORT_SCHEMA_VERSION = 1;
export const COST_REPORT_JSON = 'cost-report.json';
export const COST_REPORT_MARKDOWN = 'cost-report.md';

/** One environment in the report: the estimate with money rounded to cents. */
export type ReportEnvironment = EnvironmentCostEstimate;

export interface CostReport {
  readonly schemaVersion: typeof COST_REPORT_SCHEMA_VERSION;
  readonly currency: 'USD';
  /** Where this synth's prices came from, sorted. */
  readonly priceSources: readonly PriceSource[];
  /** Oldest and newest `validOn` of the prices used. */
  readonly pricesValidOn: { readonly oldest: string; readonly newest: string };
  readonly environments: readonly ReportEnvironment[];
}

const money = (x: number) => roundCents(x);
// Hourly rates keep enough digits to re-derive figures; 1e-6 USD hides float noise in the last bits.
const rate = (x: number) => Math.round(x * 1e6) / 1e6;
// One decimal, as displayed: rounding twice (to 2 decimals here, to 1 in Markdown) could show 24.2% where cost:check says 24.1%.
const pct = (x: number) => Math.round(x * 10) / 10;
const nullable = (x: number | null, f: (n: number) => number) => (x === null ? null : f(x));

function roundComponent(c: CostComponent): CostComponent {
  return { ...c, monthlyUsd: money(c.monthlyUsd), lowUsd: money(c.lowUsd), highUsd: money(c.highUsd) };
}

function roundEstimate(e: EnvironmentCostEstimate): ReportEnvironment {
  const m = e.monthly;
  return {
    ...e,
    components: e.components.map(roundComponent),
    monthly: {
      expectedUsd: money(m.expectedUsd),
      lowUsd: money(m.lowUsd),
      highUsd: money(m.highUsd),
      worstCaseUsd: money(m.worstCaseUsd),
      allOnDemandUsd: money(m.allOnDemandUsd),
      savingsVsOnDemandUsd: money(m.savingsVsOnDemandUsd),
      savingsVsOnDemandPercent: pct(m.savingsVsOnDemandPercent),
      alwaysOnExpectedUsd: money(m.alwaysOnExpectedUsd),
      scheduleSavingUsd: nullable(m.scheduleSavingUsd, money),
      costPerGpuHourUsd: nullable(m.costPerGpuHourUsd, rate),
    },
    hourly: {
      onDemandBaseUsdPerInstance: rate(e.hourly.onDemandBaseUsdPerInstance),
      spotExpectedUsdPerInstance: rate(e.hourly.spotExpectedUsdPerInstance),
      onDemandUsdPerCapacityUnit: rate(e.hourly.onDemandUsdPerCapacityUnit),
      spotExpectedUsdPerCapacityUnit: rate(e.hourly.spotExpectedUsdPerCapacityUnit),
    },
    budget: {
      ...e.budget,
      headroomUsd: money(e.budget.headroomUsd),
      percentUsed: pct(e.budget.percentUsed),
    },
    ...(e.perMillionRequests
      ? {
          perMillionRequests: {
            byType: e.perMillionRequests.byType.map((t) => ({
              ...t,
              onDemandUsd: rate(t.onDemandUsd),
              spotUsd: nullable(t.spotUsd, rate),
            })),
            blendedUsd: nullable(e.perMillionRequests.blendedUsd, rate),
          },
        }
      : {}),
    ...(e.commitment
      ? {
          commitment: {
            ...e.commitment,
            baselineMonthlyUsd: money(e.commitment.baselineMonthlyUsd),
            onDemandBaselineMonthlyUsd: money(e.commitment.onDemandBaselineMonthlyUsd),
          },
        }
      : {}),
    hoursPerMonth: rate(e.hoursPerMonth),
  };
}

/** The report object for `estimates` (one per environment, in the order they should be shown). */
export function buildCostReport(estimates: readonly EnvironmentCostEstimate[]): CostReport {
  if (estimates.length === 0) throw new Error('buildCostReport: no environment estimates to report');
  const names = estimates.map((e) => e.environment);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`buildCostReport: environment ${dup} is estimated twice; each environment appears once`);
  const prices: PriceUsed[] = estimates.flatMap((e) => [...e.prices]);
  const dates = prices.map((p) => p.validOn).sort();
  return {
    schemaVersion: COST_REPORT_SCHEMA_VERSION,
    currency: 'USD',
    priceSources: [...new Set(prices.map((p) => p.source))].sort(),
    pricesValidOn: { oldest: dates[0] ?? 'none', newest: dates[dates.length - 1] ?? 'none' },
    environments: estimates.map(roundEstimate),
  };
}

/** JSON with object keys sorted at every level (arrays keep their order), 2-space indent, final newline. */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    // JSON.stringify would write null and hide the bug; a report never carries NaN.
    throw new Error(`cost report: a figure is ${value}; every figure must be a finite number`);
  }
  return value;
}

/** Writes `cost-report.json` and `cost-report.md` into `outdir` (created if missing); returns both paths. */
export function writeCostReport(outdir: string, report: CostReport): { readonly json: string; readonly markdown: string } {
  fs.mkdirSync(outdir, { recursive: true });
  const json = path.join(outdir, COST_REPORT_JSON);
  const markdown = path.join(outdir, COST_REPORT_MARKDOWN);
  fs.writeFileSync(json, stableStringify(report));
  fs.writeFileSync(markdown, renderCostReportMarkdown(report));
  return { json, markdown };
}

/** A cost report file is missing, unreadable or not a cost report. */
export class CostReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostReportError';
  }
}

const num = z.number().refine(Number.isFinite, 'must be a finite number');
const provenance = { source: z.enum(['live', 'cache', 'snapshot']), validOn: z.string(), origin: z.string() };
const priceUsed = z.discriminatedUnion('market', [
  z.looseObject({ market: z.literal('on-demand'), instanceType: z.string(), region: z.string(), usdPerHour: num, ...provenance }),
  z.looseObject({
    market: z.literal('spot'), instanceType: z.string(), region: z.string(), availabilityZone: z.string(), usdPerHour: num,
    currentUsdPerHour: num, p90UsdPerHour: num, samples: num, favoured: z.boolean(), ...provenance,
  }),
  z.looseObject({ market: z.literal('unit'), resource: z.string(), region: z.string(), usdPerUnit: num, unit: z.string(), ...provenance }),
]);
const reportSchema = z.looseObject({
  schemaVersion: z.literal(COST_REPORT_SCHEMA_VERSION),
  currency: z.literal('USD'),
  environments: z.array(
    z.looseObject({
      environment: z.string(),
      region: z.string(),
      components: z.array(z.looseObject({ id: z.string(), label: z.string(), monthlyUsd: num, lowUsd: num, highUsd: num })),
      monthly: z.looseObject({ expectedUsd: num, lowUsd: num, highUsd: num, worstCaseUsd: num }),
      budget: z.looseObject({ monthlyLimitUsd: num }),
      maxIncreasePercent: num,
      prices: z.array(priceUsed),
      inputs: z.looseObject({
        environment: z.looseObject({
          name: z.string(),
          region: z.string(),
          availabilityZones: z.array(z.string()),
          fleet: z.looseObject({ instanceTypes: z.array(z.string()) }),
        }),
        hoursPerMonth: num,
        smallParts: z.looseObject({}),
        offerings: z.array(z.looseObject({ instanceType: z.string(), region: z.string(), availabilityZones: z.array(z.string()) })),
      }),
    }),
  ).min(1),
});

/** Parses a cost report file's text; `file` names it in errors. */
export function parseCostReport(text: string, file: string): CostReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CostReportError(`${file} is not valid JSON (${(e as Error).message}); pass the cost-report.json that cdk synth wrote`);
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new CostReportError(
      `${file} is not a gpu-spot-fleet cost report (schema version ${COST_REPORT_SCHEMA_VERSION}):\n  ${problems.join('\n  ')}\n` +
        'pass the cost-report.json that cdk synth wrote',
    );
  }
  // Validated above; the original object keeps every field (the schema only checks what diff and check read).
  return raw as CostReport;
}

/** Reads and parses a cost report file. */
export function readCostReport(file: string): CostReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CostReportError(`cannot read cost report ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseCostReport(text, file);
}
