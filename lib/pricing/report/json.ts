import * as fs from 'fs';
import { z } from 'zod';
import { GpuFleetError } from '../../shared/errors';
import { COST_REPORT_SCHEMA_VERSION, CostReport } from './model';

/** The report file's JSON: written byte-deterministic, read back checked. */

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

/** A cost report file is missing, unreadable or not a cost report. */
export class CostReportError extends GpuFleetError {
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
