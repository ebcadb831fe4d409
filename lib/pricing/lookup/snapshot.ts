import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import type { PriceTable } from '../types';
import { PricingLookupError } from './errors';
import { formatIssues, priceTableSchema, sortTable } from './schema';

export const SNAPSHOT_FORMAT = 'gpu-spot-fleet/price-snapshot@1';

const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  /** Free text: how the snapshot was made and what its figures are. */
  notes: z.array(z.string()),
  table: priceTableSchema,
});

export type PriceSnapshot = z.infer<typeof snapshotSchema>;

/**
 * Reads and checks the committed snapshot. Every price is relabelled `snapshot` whatever it was when written.
 * A missing, unparsable or malformed file is an error naming the file and the problem: the snapshot is what
 * offline CI relies on, so it must never be skipped quietly.
 */
export function readSnapshot(file: string): PriceSnapshot {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PricingLookupError([
      `pricing: cannot read the price snapshot ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        'restore it from git or run `npm run pricing:refresh` with AWS credentials',
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PricingLookupError([
      `pricing: the price snapshot ${file} is not valid JSON (${(e as Error).message}); restore it from git or run \`npm run pricing:refresh\``,
    ]);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    throw new PricingLookupError([
      `pricing: the price snapshot ${file} is malformed: ${formatIssues(parsed.error)}; restore it from git or run \`npm run pricing:refresh\``,
    ]);
  }
  const t = parsed.data.table;
  return {
    ...parsed.data,
    table: {
      onDemand: t.onDemand.map((p) => ({ ...p, source: 'snapshot' as const })),
      spot: t.spot.map((p) => ({ ...p, source: 'snapshot' as const })),
      units: t.units.map((p) => ({ ...p, source: 'snapshot' as const })),
      offerings: t.offerings,
      regionalSpot: (t.regionalSpot ?? []).map((p) => ({ ...p, source: 'snapshot' as const })),
      interruption: (t.interruption ?? []).map((p) => ({ ...p, source: 'snapshot' as const })),
    },
  };
}

/** Writes a snapshot with stable ordering and formatting, so a refresh with unchanged prices changes no byte. */
export function writeSnapshot(file: string, table: PriceTable, notes: readonly string[]): void {
  const sorted = sortTable(table);
  const relabel = <T extends { source: string }>(xs: readonly T[]) => xs.map((x) => ({ ...x, source: 'snapshot' }));
  const doc = {
    format: SNAPSHOT_FORMAT,
    notes,
    table: {
      onDemand: relabel(sorted.onDemand),
      spot: relabel(sorted.spot),
      units: relabel(sorted.units),
      offerings: sorted.offerings,
      ...(sorted.regionalSpot?.length ? { regionalSpot: relabel(sorted.regionalSpot) } : {}),
      ...(sorted.interruption?.length ? { interruption: relabel(sorted.interruption) } : {}),
    },
  };
  snapshotSchema.parse(doc);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
}

/** Oldest `validOn` among the given prices, or undefined for none. */
export function oldestDate(table: PriceTable): string | undefined {
  const dates = [...table.onDemand, ...table.spot, ...table.units, ...(table.regionalSpot ?? [])].map((p) => p.validOn).sort();
  return dates[0];
}

/** Whole days from `isoDay` to `now` (UTC). */
export function ageInDays(isoDay: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(`${isoDay}T00:00:00Z`)) / 86_400_000);
}
