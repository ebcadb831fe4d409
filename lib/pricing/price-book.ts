import type {
  InstanceOffering,
  InterruptionFrequency,
  OnDemandPrice,
  PriceTable,
  RegionalSpotPrice,
  SpotPrice,
  UnitPrice,
  UnitResource,
} from './types';

/**
 * One region's prices, indexed once: what the estimate and the lookup's completeness rules ask for, by key instead
 * of scanning the table's arrays each time. When a table lists a key twice, the first entry wins (as a scan would).
 */
export class PriceBook {
  /** The book of `region` in `table`; entries of other regions are left out. */
  static of(table: PriceTable, region: string): PriceBook {
    return new PriceBook(table, region);
  }

  private readonly onDemandByType = new Map<string, OnDemandPrice>();
  private readonly spotByPool = new Map<string, SpotPrice>();
  private readonly regionalByType = new Map<string, RegionalSpotPrice>();
  private readonly interruptionByType = new Map<string, InterruptionFrequency>();
  private readonly unitByResource = new Map<UnitResource, UnitPrice>();
  private readonly offeringByType = new Map<string, InstanceOffering>();

  private constructor(table: PriceTable, readonly region: string) {
    const add = <K, V>(map: Map<K, V>, key: K, value: V) => {
      if (!map.has(key)) map.set(key, value);
    };
    for (const p of table.onDemand) if (p.region === region) add(this.onDemandByType, p.instanceType, p);
    for (const p of table.spot) if (p.region === region) add(this.spotByPool, poolKey(p.instanceType, p.availabilityZone), p);
    for (const p of table.regionalSpot ?? []) if (p.region === region) add(this.regionalByType, p.instanceType, p);
    for (const p of table.interruption ?? []) if (p.region === region) add(this.interruptionByType, p.instanceType, p);
    for (const p of table.units) if (p.region === region) add(this.unitByResource, p.resource, p);
    for (const o of table.offerings) if (o.region === region) add(this.offeringByType, o.instanceType, o);
  }

  /** On-demand price of `instanceType`, or undefined when the table has none. */
  onDemand(instanceType: string): OnDemandPrice | undefined {
    return this.onDemandByType.get(instanceType);
  }

  /**
   * Spot statistics of one pool (type x AZ): its per-AZ history when the table has one (the better source), else the
   * type's regional figure as that AZ's pool (`kind: 'regional'`), else undefined.
   */
  spot(instanceType: string, availabilityZone: string): SpotPrice | undefined {
    const history = this.spotByPool.get(poolKey(instanceType, availabilityZone));
    if (history) return history;
    const regional = this.regionalByType.get(instanceType);
    return regional ? regionalPool(regional, availabilityZone) : undefined;
  }

  /** The regional public figure of `instanceType`, or undefined. */
  regionalSpot(instanceType: string): RegionalSpotPrice | undefined {
    return this.regionalByType.get(instanceType);
  }

  /** Whether any of `instanceTypes` has a spot price (history or regional) in any of `availabilityZones`. */
  hasAnySpot(instanceTypes: readonly string[], availabilityZones: readonly string[]): boolean {
    return instanceTypes.some((t) => this.regionalByType.has(t) || availabilityZones.some((az) => this.spotByPool.has(poolKey(t, az))));
  }

  /** The interruption-frequency bucket of `instanceType`, or undefined when the data has none. */
  interruption(instanceType: string): InterruptionFrequency | undefined {
    return this.interruptionByType.get(instanceType);
  }

  /** Every type with an interruption bucket in this region (for alternatives), in table order. */
  interruptionTypes(): readonly InterruptionFrequency[] {
    return [...this.interruptionByType.values()];
  }

  /** Unit price of a non-instance resource, or undefined. */
  unit(resource: UnitResource): UnitPrice | undefined {
    return this.unitByResource.get(resource);
  }

  /** Capacity facts of `instanceType` (AZs offered, GPUs), or undefined when the table has none. */
  offering(instanceType: string): InstanceOffering | undefined {
    return this.offeringByType.get(instanceType);
  }
}

const poolKey = (instanceType: string, availabilityZone: string) => `${instanceType} ${availabilityZone}`;

/**
 * A regional figure as one AZ's pool: p50 = the expected price, and a range that also covers the regional quote
 * (current = the lower of the two, p90 = the higher). One sample: it is not a history.
 */
function regionalPool(r: RegionalSpotPrice, availabilityZone: string): SpotPrice {
  const quote = r.quoteUsdPerHour ?? r.expectedUsdPerHour;
  return {
    kind: 'regional',
    instanceType: r.instanceType,
    region: r.region,
    availabilityZone,
    currentUsdPerHour: Math.min(r.expectedUsdPerHour, quote),
    p50UsdPerHour: r.expectedUsdPerHour,
    p90UsdPerHour: Math.max(r.expectedUsdPerHour, quote),
    samples: 1,
    source: r.source,
    validOn: r.validOn,
    origin: r.origin,
  };
}
