import { PriceBook } from '../price-book';
import type { PriceTable } from '../types';
import type { CacheSource } from './cache-source';
import type { LookupContext } from './context';
import type { PublicPart, ResolvedParts } from './parts';
import { ADVISOR_URL, PRICE_FEED_URL, regionalFigures } from './public-data';
import { FeedAnswer, FeedRegion, readPublicFeeds } from './public-feeds';
import type { SnapshotSource } from './snapshot-source';

/**
 * The public part of each region (regional spot figures, interruption buckets): from AWS's credential-free feeds when
 * configured (`auto` and `live`; a fresh cache first in `auto`), else, in `auto`, from the snapshot, type by type.
 * `start` begins the fetch so it runs beside the AWS lookups; `fill` waits for it and fills the parts once the
 * on-demand prices are known (an expected price is on-demand x (1 - the advisor's savings)).
 */
export class PublicSource {
  private pending?: Promise<FeedAnswer | undefined>;
  private fromCache = new Map<string, { fetchedAt: string; region: FeedRegion }>();

  constructor(private readonly ctx: LookupContext, private readonly cache: CacheSource) {}

  /** Starts reading the feeds for the regions the cache does not hold fresh. */
  start(): void {
    const { ctx } = this;
    if (!ctx.feeds) return;
    const stale = ctx.regions.filter((r) => {
      const f = ctx.mode === 'auto' ? this.cache.cache.regions[r.region]?.feeds : undefined;
      const age = f ? ctx.now.getTime() - Date.parse(f.fetchedAt) : Infinity;
      if (f && age >= 0 && age <= ctx.spotTtlMs && r.instanceTypes.every((t) => f.instanceTypes.includes(t))) {
        const region = { advisor: new Map(Object.entries(f.advisor)), quotes: new Map(Object.entries(f.quotes)) };
        this.fromCache.set(r.region, { fetchedAt: f.fetchedAt, region });
        return false;
      }
      return true;
    });
    if (stale.length === 0) return;
    ctx.calls.publicFeeds += 2;
    this.pending = readPublicFeeds(ctx, ctx.feeds, stale);
  }

  /** Waits for the feeds and fills every region's public part; new feed figures go into the cache. */
  async fill(parts: ResolvedParts, snapshot: SnapshotSource): Promise<void> {
    const { ctx } = this;
    const answer = await this.pending;
    if (answer) {
      for (const [region, r] of answer.regions) {
        const entry = { ...(this.cache.cache.regions[region] ?? {}) };
        entry.feeds = {
          fetchedAt: answer.fetchedAt,
          instanceTypes: [...ctx.regions.find((x) => x.region === region)!.instanceTypes],
          advisor: Object.fromEntries(r.advisor),
          quotes: Object.fromEntries(r.quotes),
        };
        this.cache.cache.regions[region] = entry;
      }
      this.cache.write();
    }
    const table = parts.table();
    for (const r of ctx.regions) {
      const book = PriceBook.of(table, r.region);
      const cached = this.fromCache.get(r.region);
      const live = answer?.regions.get(r.region);
      const feed = live ? { fetchedAt: answer!.fetchedAt, region: live, source: 'live' as const } : cached ? { ...cached, source: 'cache' as const } : undefined;
      let part: PublicPart = { regionalSpot: [], interruption: [] };
      if (feed) {
        const adv = ctx.feeds?.advisorUrl ?? ADVISOR_URL;
        const pf = ctx.feeds?.priceFeedUrl ?? PRICE_FEED_URL;
        part = regionalFigures(r.region, feed.region.advisor, feed.region.quotes, (t) => book.onDemand(t), {
          source: feed.source,
          validOn: feed.fetchedAt.slice(0, 10),
          advisor: `${adv} fetched ${feed.fetchedAt}`,
          priceFeed: `${pf} fetched ${feed.fetchedAt}`,
        });
      }
      if (ctx.mode === 'auto') part = this.withSnapshot(r, part, snapshot, Boolean(ctx.feeds) && !feed);
      else if (ctx.feeds && !feed) {
        ctx.warn(`pricing: ${r.region}: no interruption buckets or regional spot figures (AWS's public spot feeds could not be read; live mode never uses the snapshot's)`);
      }
      parts.fill(r.region, { public: part });
    }
  }

  /** `auto`: types the feeds did not cover take the snapshot's figures, with one warning when the feeds failed. */
  private withSnapshot(r: LookupContext['regions'][number], part: PublicPart, snapshot: SnapshotSource, feedsFailed: boolean): PublicPart {
    let fromSnapshot: PublicPart;
    try {
      fromSnapshot = snapshot.parts(r, { onDemand: false, spot: false, public: true }).public!;
    } catch {
      return part; // no snapshot: nothing to add (a needed snapshot is reported where prices are read from it)
    }
    const have = (xs: readonly { instanceType: string }[], t: string) => xs.some((x) => x.instanceType === t);
    const merged: PublicPart = {
      regionalSpot: [...part.regionalSpot, ...fromSnapshot.regionalSpot.filter((p) => !have(part.regionalSpot, p.instanceType))],
      interruption: [...part.interruption, ...fromSnapshot.interruption.filter((p) => !have(part.interruption, p.instanceType))],
    };
    const dates = [...new Set(fromSnapshot.interruption.map((p) => p.validOn))].join(', ');
    if (feedsFailed && fromSnapshot.regionalSpot.length + fromSnapshot.interruption.length > 0) {
      this.ctx.warn(
        `pricing: ${r.region}: AWS's public spot feeds could not be read; regional spot figures and interruption buckets come from ` +
          `the snapshot ${this.ctx.snapshotPath} (${dates || 'undated'})`,
      );
    }
    return merged;
  }
}

/** The table's public part, for the sources summary. */
export function publicSources(table: PriceTable): string[] {
  return [...(table.regionalSpot ?? []), ...(table.interruption ?? [])].map((p) => p.source);
}
