import { z } from 'zod';
import type { PriceTable } from '../types';

/**
 * The shape of a stored price table (cache and snapshot). Prices must be positive finite numbers and dates real
 * `YYYY-MM-DD` days, so a damaged file is refused instead of turning into a $0 or NaN estimate.
 */
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date')
  // Round-trip, because Date.parse accepts 2026-02-31 and rolls it over into March.
  .refine((s) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
  }, 'must be a real calendar date');
const price = z.number().finite().positive();
const provenance = {
  source: z.enum(['live', 'cache', 'snapshot']),
  validOn: isoDay,
  origin: z.string().min(1),
};

export const onDemandPriceSchema = z.object({ instanceType: z.string().min(1), region: z.string().min(1), usdPerHour: price, ...provenance });
export const spotPriceSchema = z.object({
  kind: z.enum(['az-history', 'regional', 'cap']).optional(),
  instanceType: z.string().min(1),
  region: z.string().min(1),
  availabilityZone: z.string().min(1),
  currentUsdPerHour: price,
  p50UsdPerHour: price,
  p90UsdPerHour: price,
  samples: z.number().int().positive(),
  ...provenance,
});
export const unitPriceSchema = z.object({
  resource: z.enum([
    'ebs-gp3-gb-month',
    'nat-gateway-hour',
    'nat-gateway-gb-processed',
    'cloudwatch-alarm-month',
    'lambda-gb-second',
    'lambda-gb-second-arm',
    'lambda-request',
    'sqs-request',
    'alb-hour',
    'alb-lcu-hour',
    'vpc-interface-endpoint-hour',
  ]),
  region: z.string().min(1),
  usdPerUnit: price,
  unit: z.string().min(1),
  ...provenance,
});
export const offeringSchema = z.object({
  instanceType: z.string().min(1),
  region: z.string().min(1),
  availabilityZones: z.array(z.string().min(1)),
  gpus: z.number().int().positive(),
  gpuMemoryGiB: z.number().positive(),
  origin: z.string().min(1).optional(),
  validOn: isoDay.optional(),
});

export const regionalSpotSchema = z.object({
  instanceType: z.string().min(1),
  region: z.string().min(1),
  expectedUsdPerHour: price,
  quoteUsdPerHour: price.nullable(),
  savingsPercent: z.number().min(0).max(100).nullable(),
  ...provenance,
});
export const interruptionSchema = z.object({
  instanceType: z.string().min(1),
  region: z.string().min(1),
  bucket: z.number().int().min(0).max(4),
  label: z.string().min(1),
  savingsPercent: z.number().min(0).max(100),
  ...provenance,
});

export const priceTableSchema = z.object({
  onDemand: z.array(onDemandPriceSchema),
  spot: z.array(spotPriceSchema),
  units: z.array(unitPriceSchema),
  offerings: z.array(offeringSchema),
  regionalSpot: z.array(regionalSpotSchema).optional(),
  interruption: z.array(interruptionSchema).optional(),
});

/** zod issues as `path: message` lines, for error text a person can act on. */
export function formatIssues(error: z.ZodError, max = 5): string {
  const lines = error.issues.slice(0, max).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  const more = error.issues.length > max ? `; and ${error.issues.length - max} more` : '';
  return lines.join('; ') + more;
}

/** Tables compare and serialize the same whatever order lookups finished in. */
export function sortTable(t: PriceTable): PriceTable {
  const by = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    onDemand: [...t.onDemand].sort(by((p) => `${p.region} ${p.instanceType}`)),
    spot: [...t.spot].sort(by((p) => `${p.region} ${p.instanceType} ${p.availabilityZone}`)),
    units: [...t.units].sort(by((p) => `${p.region} ${p.resource}`)),
    offerings: [...t.offerings].sort(by((p) => `${p.region} ${p.instanceType}`)),
    ...(t.regionalSpot ? { regionalSpot: [...t.regionalSpot].sort(by((p) => `${p.region} ${p.instanceType}`)) } : {}),
    ...(t.interruption ? { interruption: [...t.interruption].sort(by((p) => `${p.region} ${p.instanceType}`)) } : {}),
  };
}
