import type { PriceTable } from '../types';
import type { LookupContext } from './context';
import type { LivePartsWanted } from './live';
import { onDemandPartFrom, publicPartFrom, RegionParts, spotPartFrom } from './parts';
import type { RegionRequest } from './requests';
import { PriceSnapshot, ageInDays, oldestDate, readSnapshot } from './snapshot';

/**
 * The committed snapshot as a price source. The file is read on first use only (a missing or corrupt snapshot is an
 * error then, never before it is needed).
 */
export class SnapshotSource {
  private snapshot?: PriceSnapshot;
  private pricesUsed = false;

  constructor(private readonly ctx: LookupContext) {}

  /** Whether on-demand or spot prices came from the snapshot (its public figures alone do not count). */
  get used(): boolean {
    return this.pricesUsed;
  }

  /** The wanted parts of `r` from the snapshot (the public part with the spot part: both are spot figures). */
  parts(r: RegionRequest, which: LivePartsWanted & { readonly public?: boolean }): RegionParts {
    this.snapshot ??= readSnapshot(this.ctx.snapshotPath);
    const t = this.snapshot.table;
    if (which.onDemand || which.spot) this.pricesUsed = true;
    return {
      ...(which.onDemand ? { onDemand: onDemandPartFrom(t, r) } : {}),
      ...(which.spot ? { spot: spotPartFrom(t.spot, r) } : {}),
      ...((which.public ?? which.spot) ? { public: publicPartFrom(t, r) } : {}),
    };
  }

  /**
   * Age in days of the oldest snapshot price in `table`, with a warning when it is over the limit, and one saying
   * why the snapshot was used when `reason` is given. Undefined when no snapshot price is in the table.
   */
  checkAge(table: PriceTable, reason: string | undefined): number | undefined {
    const { ctx } = this;
    const fromSnapshot = <T extends { source: string }>(xs: readonly T[]) => xs.filter((p) => p.source === 'snapshot');
    const oldest = oldestDate({
      ...table,
      onDemand: fromSnapshot(table.onDemand),
      spot: fromSnapshot(table.spot),
      units: fromSnapshot(table.units),
      regionalSpot: fromSnapshot(table.regionalSpot ?? []),
    });
    if (!oldest) return undefined;
    const days = ageInDays(oldest, ctx.now);
    const age = `its oldest price is dated ${oldest}, ${days} days ago`;
    // One line for the snapshot's age, whatever the reason it was used.
    const stale = days > ctx.snapshotMaxAgeDays
      ? `; older than ${ctx.snapshotMaxAgeDays} days: run \`npm run pricing:refresh\` with AWS credentials to update it`
      : '';
    if (reason) ctx.warn(`pricing: using the committed snapshot ${ctx.snapshotPath} because ${reason}; ${age}${stale}`);
    else if (stale) ctx.warn(`pricing: the price snapshot ${ctx.snapshotPath}: ${age}${stale}`);
    return days;
  }
}
