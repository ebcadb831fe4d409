import { UNIT_RESOURCES } from '../types';
import { CachedRegion, PriceCache, isFresh, readCache, writeCache } from './cache';
import type { LookupContext } from './context';
import type { LiveRegionResult } from './live';
import { onDemandPartFrom, RegionParts, relabel, spotPartFrom } from './parts';
import type { RegionRequest } from './requests';

/**
 * The local cache as a price source: the parts still fresh (relabelled `cache`), and the place live prices are kept
 * for the next synth. `auto` reads the cache file; `live` starts from an empty cache (it never uses cached prices)
 * but still stores what it fetched.
 */
export class CacheSource {
  /** The cache as read (or empty); the placement lookup adds its scores to it before `store` writes it. */
  readonly cache: PriceCache;

  constructor(private readonly ctx: LookupContext) {
    this.cache = ctx.mode === 'auto' ? readCache(ctx.cacheDir, ctx.warn) : { version: 1, regions: {} };
  }

  /** The parts of `r` the cache holds fresh (within their time to live, covering every type and AZ asked for). */
  fresh(r: RegionRequest): RegionParts {
    const cached: CachedRegion = this.cache.regions[r.region] ?? {};
    const { now } = this.ctx;
    const parts: { -readonly [K in keyof RegionParts]: RegionParts[K] } = {};
    // A cache written before a unit price was added (e.g. the load balancer's) is stale for that part: the live
    // lookup asks for every unit, so a complete cache holds every unit.
    const allUnits = UNIT_RESOURCES.every((u) => cached.onDemand?.units.some((p) => p.resource === u && p.region === r.region));
    if (allUnits && isFresh(cached.onDemand, r, now, this.ctx.onDemandTtlMs)) {
      const fromCache = onDemandPartFrom(cached.onDemand!, r);
      parts.onDemand = { ...fromCache, onDemand: relabel(fromCache.onDemand, 'cache'), units: relabel(fromCache.units, 'cache') };
    }
    if (isFresh(cached.spot, r, now, this.ctx.spotTtlMs)) {
      parts.spot = relabel(spotPartFrom(cached.spot!.spot, r), 'cache');
    }
    return parts;
  }

  /** Keeps live results (and any placement scores added meanwhile) in the cache file; a failed write is a warning. */
  store(results: readonly LiveRegionResult[]): void {
    const fetchedAt = this.ctx.now.toISOString();
    for (const res of results) {
      const r = this.ctx.regions.find((x) => x.region === res.region)!;
      const asked = { fetchedAt, instanceTypes: [...r.instanceTypes], availabilityZones: [...r.availabilityZones] };
      const entry: CachedRegion = { ...(this.cache.regions[res.region] ?? {}) };
      if (res.onDemand) {
        const offerings = res.onDemand.offerings.map((o) => ({ ...o, availabilityZones: [...o.availabilityZones] }));
        entry.onDemand = { ...asked, onDemand: res.onDemand.prices, units: res.onDemand.units, offerings };
      }
      if (res.spot) entry.spot = { ...asked, spot: res.spot.prices };
      this.cache.regions[res.region] = entry;
    }
    this.write();
  }

  /** Writes the cache file as it is now; a failed write is a warning. */
  write(): void {
    try {
      writeCache(this.ctx.cacheDir, this.cache);
    } catch (e) {
      this.ctx.warn(`pricing: could not write the price cache under ${this.ctx.cacheDir} (${(e as Error).message}); the next synth asks AWS again`);
    }
  }
}
