import type { InstanceOffering, OnDemandPrice, PriceSource, PriceTable, SpotPrice, UnitPrice } from '../types';
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

/** What a source has for one region: either part may be missing. */
export interface RegionParts {
  readonly onDemand?: OnDemandPart;
  readonly spot?: readonly SpotPrice[];
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
  private readonly byRegion = new Map<string, { onDemand: OnDemandPart; spot: readonly SpotPrice[] }>();

  constructor(private readonly regions: readonly RegionRequest[]) {
    for (const r of regions) this.byRegion.set(r.region, { onDemand: { onDemand: [], units: [], offerings: [] }, spot: [] });
  }

  fill(region: string, parts: RegionParts): void {
    const p = this.byRegion.get(region)!;
    if (parts.onDemand) p.onDemand = parts.onDemand;
    if (parts.spot) p.spot = parts.spot;
  }

  /** Every region's parts as one table, regions in request order. */
  table(): PriceTable {
    const all = this.regions.map((r) => this.byRegion.get(r.region)!);
    return {
      onDemand: all.flatMap((p) => p.onDemand.onDemand),
      spot: all.flatMap((p) => p.spot),
      units: all.flatMap((p) => p.onDemand.units),
      offerings: all.flatMap((p) => p.onDemand.offerings),
    };
  }
}
