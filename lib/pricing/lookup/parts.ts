import type {
  InstanceOffering,
  InterruptionFrequency,
  OnDemandPrice,
  PriceSource,
  PriceTable,
  RegionalSpotPrice,
  SpotPrice,
  UnitPrice,
} from '../types';
import type { RegionRequest } from './requests';

/**
 * A region's prices come in two parts that age differently and may come from different sources: the slow-moving
 * on-demand part (instance prices, unit prices, offerings) and the spot part.
 */
export interface OnDemandPart {
  readonly onDemand: readonly OnDemandPrice[];
  readonly units: readonly UnitPrice[];
  readonly offerings: readonly InstanceOffering[];
}

/** The public part: regional spot figures and interruption buckets (the credential-free feeds, or the snapshot). */
export interface PublicPart {
  readonly regionalSpot: readonly RegionalSpotPrice[];
  readonly interruption: readonly InterruptionFrequency[];
}

/** What a source has for one region: any part may be missing. */
export interface RegionParts {
  readonly onDemand?: OnDemandPart;
  readonly spot?: readonly SpotPrice[];
  readonly public?: PublicPart;
}

/** The public part of `table` that `r` asked for. */
export function publicPartFrom(table: Pick<PriceTable, 'regionalSpot' | 'interruption'>, r: RegionRequest): PublicPart {
  const mine = <T extends { region: string; instanceType: string }>(xs: readonly T[] | undefined) =>
    (xs ?? []).filter((p) => p.region === r.region && r.instanceTypes.includes(p.instanceType));
  return { regionalSpot: mine(table.regionalSpot), interruption: mine(table.interruption) };
}

/** The on-demand part of `table` that `r` asked for (offerings cut to the asked AZs). */
export function onDemandPartFrom(table: Omit<PriceTable, 'spot'>, r: RegionRequest): OnDemandPart {
  return {
    onDemand: table.onDemand.filter((p) => p.region === r.region && r.instanceTypes.includes(p.instanceType)),
    units: table.units.filter((p) => p.region === r.region),
    offerings: table.offerings
      .filter((o) => o.region === r.region && r.instanceTypes.includes(o.instanceType))
      .map((o) => ({ ...o, availabilityZones: o.availabilityZones.filter((az) => r.availabilityZones.includes(az)) })),
  };
}

/** The spot pools of `spot` that `r` asked for. */
export function spotPartFrom(spot: readonly SpotPrice[], r: RegionRequest): SpotPrice[] {
  return spot.filter(
    (p) => p.region === r.region && r.instanceTypes.includes(p.instanceType) && r.availabilityZones.includes(p.availabilityZone),
  );
}

export const relabel = <T extends { source: PriceSource }>(xs: readonly T[], source: PriceSource): T[] => xs.map((x) => ({ ...x, source }));

/** The parts resolved so far, per region; a later `fill` of a part replaces it. */
export class ResolvedParts {
  private readonly byRegion = new Map<string, { onDemand: OnDemandPart; spot: readonly SpotPrice[]; public: PublicPart }>();

  constructor(private readonly regions: readonly RegionRequest[]) {
    for (const r of regions) {
      this.byRegion.set(r.region, { onDemand: { onDemand: [], units: [], offerings: [] }, spot: [], public: { regionalSpot: [], interruption: [] } });
    }
  }

  fill(region: string, parts: RegionParts): void {
    const p = this.byRegion.get(region)!;
    if (parts.onDemand) p.onDemand = parts.onDemand;
    if (parts.spot) p.spot = parts.spot;
    if (parts.public) p.public = parts.public;
  }

  /** The public part resolved so far for `region`. */
  publicOf(region: string): PublicPart {
    return this.byRegion.get(region)!.public;
  }

  /** Every region's parts as one table, regions in request order. */
  table(): PriceTable {
    const all = this.regions.map((r) => this.byRegion.get(r.region)!);
    return {
      onDemand: all.flatMap((p) => p.onDemand.onDemand),
      spot: all.flatMap((p) => p.spot),
      units: all.flatMap((p) => p.onDemand.units),
      offerings: all.flatMap((p) => p.onDemand.offerings),
      regionalSpot: all.flatMap((p) => p.public.regionalSpot),
      interruption: all.flatMap((p) => p.public.interruption),
    };
  }
}
