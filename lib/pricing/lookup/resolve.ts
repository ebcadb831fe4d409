import type { EnvironmentPlacementScores, PriceRequest, PriceSource, PriceTable } from '../types';
import { fromAws, liveParts } from './aws-source';
import { CacheSource } from './cache-source';
import { LookupCalls, LookupContext, lookupContext } from './context';
import { PricingLookupError } from './errors';
import type { LivePartsWanted } from './live';
import type { ResolveOptions } from './options';
import { ResolvedParts } from './parts';
import { readPlacement } from './placement-source';
import { PublicSource } from './public-source';
import { validateRequests } from './requests';
import { checkCompleteness, spotCapPrices } from './rules';
import { sortTable } from './schema';
import { SnapshotSource } from './snapshot-source';

export { PRICING_MODES, parsePricingMode } from './options';
export type { PricingMode, ResolveOptions } from './options';

export interface ResolvedPrices {
  /** Prices for every requested type, region, AZ and unit, each with source and date. */
  readonly table: PriceTable;
  /** One line each: snapshot age, offerings missing in an AZ, empty spot history, unreadable Price List entries, ... */
  readonly warnings: string[];
  /** The sources the table's prices came from, sorted. */
  readonly sources: PriceSource[];
  /** Age in days of the oldest snapshot price used, when the snapshot was used. */
  readonly snapshotAgeDays?: number;
  /** AWS calls made (pages counted), for the benchmark and logs. */
  readonly calls: LookupCalls;
  /**
   * Spot placement scores per environment that uses spot, when prices came from AWS (or the scores from a
   * fresh cache); empty with the snapshot: scores are never stored in it.
   */
  readonly placement: EnvironmentPlacementScores[];
}

/**
 * Resolves the prices of every environment's fleet. The main entry point: `bin/app.ts` calls it before building
 * the stacks and passes the table to them.
 *
 * Throws PricingLookupError (all problems at once, one line each) when the table would be incomplete: a type
 * without an on-demand price, a type offered in none of an environment's AZs, an environment with no spot price
 * at all from AWS or the cache, a missing/corrupt snapshot when it is needed, or, in `live` mode, any failed AWS
 * lookup. A snapshot without spot prices for an environment gives spot-cap prices (see spotCapPrices) and a warning.
 */
export async function resolvePriceTable(requests: readonly PriceRequest[], options: ResolveOptions): Promise<ResolvedPrices> {
  validateRequests(requests);
  const ctx = lookupContext(requests, options);
  const parts = new ResolvedParts(ctx.regions);
  const snapshot = new SnapshotSource(ctx);
  let snapshotReason: string | undefined;
  let placement: EnvironmentPlacementScores[] = [];

  if (ctx.mode === 'snapshot') {
    for (const r of ctx.regions) parts.fill(r.region, snapshot.parts(r, { onDemand: true, spot: true }));
  } else {
    // auto: what the cache holds fresh, the rest from AWS, the snapshot if AWS cannot answer.
    // live: everything from AWS, or fail; never the cache's or the snapshot's prices.
    const cache = new CacheSource(ctx);
    // The public feeds need no credentials: they run beside the cache and AWS, and fill in once on-demand is known.
    const publicSource = new PublicSource(ctx, cache);
    publicSource.start();
    const wanted = new Map<string, LivePartsWanted>();
    for (const r of ctx.regions) {
      const fresh = cache.fresh(r);
      parts.fill(r.region, fresh);
      if (!fresh.onDemand || !fresh.spot) wanted.set(r.region, { onDemand: !fresh.onDemand, spot: !fresh.spot });
    }
    if (wanted.size > 0) {
      const aws = await fromAws(ctx, wanted, cache.cache);
      placement = aws.placement;
      if (aws.outcome.ok) {
        for (const res of aws.outcome.results) parts.fill(res.region, liveParts(res));
        cache.store(aws.outcome.results);
      } else if (ctx.mode === 'live') {
        throw new PricingLookupError([
          'pricing=live: could not get live prices from AWS, and live mode never falls back to the cache or snapshot ' +
            '(use -c pricing=auto to allow that, or -c pricing=snapshot to synth offline):',
          ...aws.outcome.problems,
        ]);
      } else {
        snapshotReason = aws.outcome.reason;
        for (const r of ctx.regions) if (wanted.has(r.region)) parts.fill(r.region, snapshot.parts(r, { ...wanted.get(r.region)!, public: false }));
      }
    } else {
      ctx.log('pricing: every price is in the local cache and fresh; no AWS calls');
      placement = await readPlacement(ctx, cache.cache, undefined);
    }
    await publicSource.fill(parts, snapshot);
  }
  return finish(ctx, parts.table(), snapshot, snapshotReason, placement);
}

/** The rules every resolved table meets, whatever its sources; the summary of where its prices came from. */
function finish(
  ctx: LookupContext,
  resolved: PriceTable,
  snapshot: SnapshotSource,
  snapshotReason: string | undefined,
  placement: EnvironmentPlacementScores[],
): ResolvedPrices {
  // Only snapshot prices may be bounded this way: live and cached spot prices are real or the lookup fails.
  const table = sortTable(snapshot.used ? { ...resolved, spot: [...resolved.spot, ...spotCapPrices(ctx, resolved)] } : resolved);
  const snapshotAgeDays = snapshot.used ? snapshot.checkAge(table, snapshotReason) : undefined;
  checkCompleteness(ctx, table, snapshot.used);
  const sources = [...new Set<PriceSource>([...table.onDemand, ...table.spot, ...table.units, ...(table.regionalSpot ?? [])].map((p) => p.source))].sort();
  ctx.log(
    `pricing: prices from ${sources.join(' + ')} (${table.onDemand.length} on-demand, ${table.spot.length} spot pools with history or caps, ` +
      `${table.regionalSpot?.length ?? 0} regional spot figures, ${table.interruption?.length ?? 0} interruption buckets, ${table.units.length} unit prices)`,
  );
  return { table, warnings: [...ctx.warnings], sources, snapshotAgeDays, calls: ctx.calls, placement };
}
