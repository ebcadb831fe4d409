import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { offeringSchema, onDemandPriceSchema, spotPriceSchema, unitPriceSchema, formatIssues } from './schema';

export const CACHE_FILE = 'prices-v1.json';

const partBase = {
  /** ISO timestamp of the lookup. */
  fetchedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO timestamp'),
  instanceTypes: z.array(z.string()),
  availabilityZones: z.array(z.string()),
};

const regionSchema = z.object({
  onDemand: z
    .object({ ...partBase, onDemand: z.array(onDemandPriceSchema), units: z.array(unitPriceSchema), offerings: z.array(offeringSchema) })
    .optional(),
  spot: z.object({ ...partBase, spot: z.array(spotPriceSchema) }).optional(),
  /** What AWS's public spot feeds gave for the asked types (raw figures: regional prices are derived on use). */
  feeds: z.object({
    fetchedAt: partBase.fetchedAt,
    instanceTypes: z.array(z.string()),
    advisor: z.record(z.string(), z.object({ savingsPercent: z.number().gt(0).lt(100), bucket: z.number().int().min(0).max(4) })),
    quotes: z.record(z.string(), z.number().finite().positive()),
  }).optional(),
});

const placementSchema = z.object({
  fetchedAt: partBase.fetchedAt,
  region: z.string(),
  instanceTypes: z.array(z.string()),
  targetCapacity: z.number().int().positive(),
  scores: z.array(z.object({
    region: z.string(), availabilityZone: z.string(), availabilityZoneId: z.string(), instanceTypes: z.array(z.string()),
    targetCapacity: z.number(), score: z.number().int().min(1).max(10),
  })),
  unscoredAvailabilityZones: z.array(z.string()),
  validOn: z.string(),
});

const cacheSchema = z.object({
  version: z.literal(1),
  regions: z.record(z.string(), regionSchema),
  /** Spot placement scores per request key (region, types, AZs, capacity): AWS allows 10 configurations a day. */
  placement: z.record(z.string(), placementSchema).optional(),
});

export type CachedPlacement = z.infer<typeof placementSchema>;

export type PriceCache = z.infer<typeof cacheSchema>;
export type CachedRegion = z.infer<typeof regionSchema>;

/**
 * The local cache, or an empty one. A cache is a convenience: one that cannot be read or fails validation is
 * reported through `warn` and ignored (the next live lookup rewrites it), never trusted.
 */
export function readCache(dir: string, warn: (line: string) => void): PriceCache {
  const file = path.join(dir, CACHE_FILE);
  const empty: PriceCache = { version: 1, regions: {} };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`pricing: ignoring the price cache ${file}: ${(e as Error).message}`);
    return empty;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    warn(`pricing: ignoring the price cache ${file}: not valid JSON (${(e as Error).message}); it is rewritten after the next AWS lookup`);
    return empty;
  }
  const parsed = cacheSchema.safeParse(json);
  if (!parsed.success) {
    warn(`pricing: ignoring the price cache ${file}: ${formatIssues(parsed.error)}; it is rewritten after the next AWS lookup`);
    return empty;
  }
  return parsed.data;
}

/** Writes the cache atomically (temp file + rename) so two synths at once never leave half a file. */
export function writeCache(dir: string, cache: PriceCache): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, CACHE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cache, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Whether a cached part was fetched within `ttlMs` of `now` and covers every type and AZ asked for. */
export function isFresh(
  part: { fetchedAt: string; instanceTypes: readonly string[]; availabilityZones: readonly string[] } | undefined,
  want: { instanceTypes: readonly string[]; availabilityZones: readonly string[] },
  now: Date,
  ttlMs: number,
): boolean {
  if (!part) return false;
  const age = now.getTime() - Date.parse(part.fetchedAt);
  return (
    age >= 0 &&
    age <= ttlMs &&
    want.instanceTypes.every((t) => part.instanceTypes.includes(t)) &&
    want.availabilityZones.every((az) => part.availabilityZones.includes(az))
  );
}
