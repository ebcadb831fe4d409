import { gpuInstanceType } from '../../catalog/gpu-instance-types';
import { quantity, unitPrice, usd } from '../format';
import type { PriceBook } from '../price-book';
import type { FleetPool, FleetShape } from './fleet-shape';
import { CostModelEnvironment, EstimateNotes, PoolRisk } from './types';

/**
 * What spot interruptions cost the fleet: per pool the Spot Instance Advisor's bucket, the interruptions a month it
 * implies, and the churn they cause. Pure.
 *
 * The assumption (stated in the report): the advisor's "frequency of interruption" is the share of a pool's running
 * instances that spot reclaims in a month of running. A bucket is taken at its middle (`<5%` = 2.5%, `5-10%` = 7.5%,
 * `10-15%` = 12.5%, `15-20%` = 17.5%) and `>20%` at 25%; the range runs from each bucket's floor to its ceiling
 * (`>20%`: up to 100%). Fewer hours run means proportionally fewer interruptions.
 * https://aws.amazon.com/ec2/spot/instance-advisor/
 */
export const BUCKET_RATES: readonly { readonly expected: number; readonly low: number; readonly high: number }[] = [
  { expected: 0.025, low: 0, high: 0.05 },
  { expected: 0.075, low: 0.05, high: 0.1 },
  { expected: 0.125, low: 0.1, high: 0.15 },
  { expected: 0.175, low: 0.15, high: 0.2 },
  { expected: 0.25, low: 0.2, high: 1 },
];

/** The advisor's worst bucket (`>20%`): configured pools in it draw a warning with alternatives. */
export const WORST_BUCKET = 4;

export const BUCKET_ASSUMPTION =
  'Interruptions: the Spot Instance Advisor bucket is read as the share of a pool\'s running instances interrupted per ' +
  'month of running, taken at the bucket\'s middle (<5% = 2.5%, 5-10% = 7.5%, 10-15% = 12.5%, 15-20% = 17.5%, >20% = 25%); ' +
  'the range runs from the bucket\'s floor to its ceiling (>20%: up to 100%).';

export interface ChurnFigures {
  /** Per configured pool (type x AZ): price, savings, bucket, interruptions. */
  readonly pools: readonly PoolRisk[];
  readonly expectedUsd: number;
  readonly lowUsd: number;
  readonly highUsd: number;
  readonly interruptionsPerMonth: number;
  /** USD one interruption costs, per favoured pool's price (for the basis line). */
  readonly perInterruptionUsd: number;
  readonly basis: string;
  /** Types of favoured pools without a bucket: their churn is not counted. */
  readonly unknownBucketPools: readonly string[];
  /** Whether each interruption's cost includes the model download (cost.churn.modelSizeGb, priced through NAT). */
  readonly pricesDownload: boolean;
}

/**
 * Churn of the spot burst: each favoured pool runs an equal share of the spot units; its interruptions a month are
 * its instances x its bucket's rate x (hours run / hours in the month). Each interruption pays, at the pool's
 * expected price, the replacement's warm-up and the drain overlap (both not serving), plus the model download per
 * launch when its size is known (through NAT, at the NAT GB price).
 */
export function churnFigures(env: CostModelEnvironment, shape: FleetShape, book: PriceBook, hours: { fleet: number; alwaysOn: number }, notes: EstimateNotes): ChurnFigures {
  const c = env.churn ?? { warmupSeconds: 0, drainSeconds: 0 };
  const favoured = new Set(shape.favoured);
  const share = shape.favoured.length ? shape.spotUnits / shape.favoured.length : 0;
  const runShare = hours.alwaysOn > 0 ? hours.fleet / hours.alwaysOn : 0;
  const natGb = !env.fleet.existingVpc && env.fleet.natGateways > 0 ? book.unit('nat-gateway-gb-processed') : undefined;
  const downloadUsd = c.modelSizeGb && natGb ? c.modelSizeGb * natGb.usdPerUnit : 0;
  const perInterruption = (p: FleetPool) => ((c.warmupSeconds + c.drainSeconds) / 3600) * p.price.p50UsdPerHour + downloadUsd;

  let expectedUsd = 0;
  let lowUsd = 0;
  let highUsd = 0;
  let interruptions = 0;
  const unknown: string[] = [];
  const pools: PoolRisk[] = shape.pools.map((p) => {
    const bucket = book.interruption(p.type.name);
    const od = shape.onDemand.get(p.type.name)!.usdPerHour;
    const instances = favoured.has(p) ? share / p.type.weight : 0;
    const rate = bucket ? BUCKET_RATES[bucket.bucket] : undefined;
    const perMonth = rate ? instances * rate.expected * runShare : null;
    if (favoured.has(p)) {
      if (rate) {
        expectedUsd += instances * rate.expected * runShare * perInterruption(p);
        lowUsd += instances * rate.low * runShare * perInterruption(p);
        highUsd += instances * rate.high * runShare * perInterruption(p);
        interruptions += perMonth!;
      } else if (!unknown.includes(p.type.name)) unknown.push(p.type.name);
    }
    return {
      instanceType: p.type.name,
      availabilityZone: p.price.availabilityZone,
      kind: p.price.kind ?? 'az-history',
      usdPerHour: p.price.p50UsdPerHour,
      onDemandUsdPerHour: od,
      savingsVsOnDemandPercent: p.price.kind === 'cap' ? null : ((od - p.price.p50UsdPerHour) / od) * 100,
      bucket: bucket ? bucket.label : null,
      interruptionsPerMonth: perMonth,
      favoured: favoured.has(p),
    };
  });
  if (unknown.length) {
    notes.warnings.push(`${env.name} (${env.region}): no interruption bucket for ${unknown.join(', ')} in the data; their pools' churn is not counted`);
  }
  if (c.modelSizeGb && !natGb) {
    notes.assumptions.push(`Model download (${quantity(c.modelSizeGb)} GB per launch) is not priced: no NAT gateway GB price (or no NAT) in this estimate.`);
  }
  const meanPerInterruption = shape.favoured.length ? shape.favoured.reduce((a, p) => a + perInterruption(p), 0) / shape.favoured.length : 0;
  const basis =
    `${quantity(interruptions)} interruptions/month x ${usd(meanPerInterruption)} each ` +
    `(${c.warmupSeconds} s warm-up + ${c.drainSeconds} s drain at the pool's price` +
    (downloadUsd > 0 ? ` + ${quantity(c.modelSizeGb!)} GB model download x ${unitPrice(natGb!.usdPerUnit)}/GB` : '') + ')';
  return { pools, expectedUsd, lowUsd, highUsd, interruptionsPerMonth: interruptions, perInterruptionUsd: meanPerInterruption, basis, unknownBucketPools: unknown, pricesDownload: downloadUsd > 0 };
}

/**
 * A warning for each configured type in the `>20%` bucket, naming the region's types in a lower bucket with the same
 * GPU memory per instance or more (from the advisor data and the GPU catalog), lowest bucket first.
 */
export function worstBucketWarnings(env: CostModelEnvironment, book: PriceBook, notes: EstimateNotes): void {
  const memory = (t: string) => {
    const o = book.offering(t);
    const g = o && o.gpus > 0 ? { gpus: o.gpus, gpuMemoryGiB: o.gpuMemoryGiB } : gpuInstanceType(t);
    return g ? g.gpus * g.gpuMemoryGiB : undefined;
  };
  for (const type of env.fleet.instanceTypes) {
    const b = book.interruption(type);
    if (!b || b.bucket < WORST_BUCKET) continue;
    const need = memory(type);
    const alternatives = book
      .interruptionTypes()
      .filter((a) => a.bucket < WORST_BUCKET && a.instanceType !== type && need !== undefined && (memory(a.instanceType) ?? -1) >= need)
      .sort((x, y) => x.bucket - y.bucket || memory(x.instanceType)! - memory(y.instanceType)! || x.instanceType.localeCompare(y.instanceType))
      .slice(0, 5)
      .map((a) => `${a.instanceType} (${a.label}, ${memory(a.instanceType)} GiB GPU memory, ${a.savingsPercent}% savings)`);
    notes.risks.push(
      `${env.name} (${env.region}): ${type} is in the Spot Instance Advisor's >20% interruption bucket (${b.validOn}); ` +
        (alternatives.length
          ? `types with at least its GPU memory (${need} GiB) and fewer interruptions there: ${alternatives.join(', ')}`
          : `the data names no type with at least its GPU memory${need === undefined ? '' : ` (${need} GiB)`} in a lower bucket there`),
    );
  }
}
