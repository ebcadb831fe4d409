import type { InstanceOffering, OnDemandPrice, PriceTable, SpotPrice, UnitPrice, UnitResource } from './types';

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
  private readonly unitByResource = new Map<UnitResource, UnitPrice>();
  private readonly offeringByType = new Map<string, InstanceOffering>();

  private constructor(table: PriceTable, readonly region: string) {
    const add = <K, V>(map: Map<K, V>, key: K, value: V) => {
      if (!map.has(key)) map.set(key, value);
    };
    for (const p of table.onDemand) if (p.region === region) add(this.onDemandByType, p.instanceType, p);
    for (const p of table.spot) if (p.region === region) add(this.spotByPool, poolKey(p.instanceType, p.availabilityZone), p);
    for (const p of table.units) if (p.region === region) add(this.unitByResource, p.resource, p);
    for (const o of table.offerings) if (o.region === region) add(this.offeringByType, o.instanceType, o);
  }

  /** On-demand price of `instanceType`, or undefined when the table has none. */
  onDemand(instanceType: string): OnDemandPrice | undefined {
    return this.onDemandByType.get(instanceType);
  }

  /** Spot statistics of one pool (type x AZ), or undefined when the table has no history for it. */
  spot(instanceType: string, availabilityZone: string): SpotPrice | undefined {
    return this.spotByPool.get(poolKey(instanceType, availabilityZone));
  }

  /** Whether any of `instanceTypes` has a spot price in any of `availabilityZones`. */
  hasAnySpot(instanceTypes: readonly string[], availabilityZones: readonly string[]): boolean {
    return instanceTypes.some((t) => availabilityZones.some((az) => this.spotByPool.has(poolKey(t, az))));
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
