import { PriceBook } from '../price-book';
import { PriceTable, SpotPrice, UNIT_RESOURCES, UnitResource } from '../types';
import type { LookupContext } from './context';
import { PricingLookupError } from './errors';

/**
 * The rules a resolved table must meet before the estimate may use it, and the one bound the snapshot may fill a gap
 * with (the spot cap). Pure: they read the table and the requests and report through the context.
 */

/** Unit prices whose absence leaves a few cents out of the estimate (with a warning) rather than stopping synth. */
const OPTIONAL_UNITS: readonly UnitResource[] = ['cloudwatch-alarm-month', 'lambda-gb-second', 'lambda-gb-second-arm', 'lambda-request', 'sqs-request'];

/**
 * For each offered pool the snapshot has no spot figure for (no per-AZ history and no regional public figure): the
 * spot cap, the type's on-demand price (EC2 never charges more than on-demand for spot), so the estimate is an upper
 * bound, never $0. Each entry is `kind: 'cap'` and says so in its origin (the report shows "spot: no data"); a
 * warning per environment names the types and how to get real prices.
 */
export function spotCapPrices(ctx: LookupContext, table: PriceTable): SpotPrice[] {
  const caps: SpotPrice[] = [];
  const capped = new Set<string>();
  for (const req of ctx.requests) {
    const book = PriceBook.of(table, req.region);
    const none = !book.hasAnySpot(req.instanceTypes, req.availabilityZones);
    const cappedTypes = new Set<string>();
    for (const type of req.instanceTypes) {
      const od = book.onDemand(type);
      if (!od) continue; // reported by checkCompleteness
      const offering = book.offering(type);
      for (const az of req.availabilityZones.filter((a) => !offering || offering.availabilityZones.includes(a))) {
        if (book.spot(type, az)) continue;
        cappedTypes.add(type);
        const pool = `${req.region} ${type} ${az}`;
        if (capped.has(pool)) continue;
        capped.add(pool);
        caps.push({
          kind: 'cap', instanceType: type, region: req.region, availabilityZone: az,
          currentUsdPerHour: od.usdPerHour, p50UsdPerHour: od.usdPerHour, p90UsdPerHour: od.usdPerHour, samples: 1,
          source: 'snapshot', validOn: od.validOn,
          origin: `spot cap, not a spot price: the snapshot holds no spot figure for this pool, so it is priced at the on-demand price (${od.origin})`,
        });
      }
    }
    const fix = 'run `npm run pricing:refresh` with AWS credentials, or synth with -c pricing=live, for real spot prices';
    if (none && cappedTypes.size > 0) {
      ctx.warn(
        `pricing: ${req.environment}: the snapshot ${ctx.snapshotPath} holds no spot prices for ${req.region}; the spot burst is priced ` +
          `at its cap (the on-demand price), so its spot part is an upper bound; ${fix}`,
      );
    } else if (cappedTypes.size > 0) {
      ctx.warn(
        `pricing: ${req.environment}: spot: no data for ${[...cappedTypes].join(', ')} in ${req.region} (no per-AZ history, no public ` +
          `regional figure); those pools are priced at the spot cap (the on-demand price); ${fix}`,
      );
    }
  }
  return caps;
}

/**
 * The rules that make a table usable, per environment: an on-demand price for every type, every unit price, the
 * preflight findings (offered nowhere = error, missing in an AZ = warning) and at least one spot pool.
 */
export function checkCompleteness(ctx: LookupContext, table: PriceTable, fromSnapshot: boolean): void {
  const { requests, warn } = ctx;
  const problems: string[] = [];
  const fix = fromSnapshot ? `; run \`npm run pricing:refresh\` to add it to ${ctx.snapshotPath}` : '';
  const unitsNeeded: readonly UnitResource[] = UNIT_RESOURCES;
  const seenRegionUnits = new Set<string>();
  for (const req of requests) {
    const env = req.environment;
    const book = PriceBook.of(table, req.region);
    for (const type of req.instanceTypes) {
      if (book.onDemand(type)) continue;
      if (!fromSnapshot) {
        problems.push(`pricing: ${env}: no on-demand price for ${type} in ${req.region}`);
        continue;
      }
      // Tell a real type the snapshot cannot price from a name the data does not know at all.
      const known = book.regionalSpot(type) !== undefined || book.interruption(type) !== undefined;
      problems.push(
        known
          ? `pricing: ${env}: no on-demand price for ${type} in ${req.region}: AWS's public spot data lists ${type} there, but the ` +
              `snapshot ${ctx.snapshotPath} holds no traced on-demand price for it; synth with -c pricing=live, or run ` +
              '`npm run pricing:refresh` with AWS credentials to add it'
          : `pricing: ${env}: no on-demand price for ${type} in ${req.region}: neither the snapshot ${ctx.snapshotPath} nor AWS's ` +
              `public spot data knows ${type} there; check the name and the region (aws ec2 describe-instance-type-offerings ` +
              `--filters Name=instance-type,Values=${type} --region ${req.region}), then synth with -c pricing=live or run \`npm run pricing:refresh\``,
      );
    }
    if (!seenRegionUnits.has(req.region)) {
      seenRegionUnits.add(req.region);
      const natInRegion = requests.some((r) => r.region === req.region && r.needsNat !== false);
      const leftOut: string[] = [];
      for (const u of unitsNeeded) {
        if (book.unit(u)) continue;
        if (!natInRegion && u.startsWith('nat-gateway-')) continue; // existing VPCs: their NAT is not this stack's cost
        if (u === 'lambda-gb-second-arm' && book.unit('lambda-gb-second')) {
          // Not left out: the estimate prices Arm duration at the x86 rate, an upper bound (Arm costs less), and says so.
          warn(`pricing: ${req.region}: no lambda-gb-second-arm price; Arm Lambda duration is priced at the x86 rate (lambda-gb-second)${fix}`);
          continue;
        }
        // The committed snapshot holds only traced prices: a line it cannot price is left out and named, not invented.
        if (OPTIONAL_UNITS.includes(u) || fromSnapshot) leftOut.push(u);
        else problems.push(`pricing: no ${u} price for ${req.region}`);
      }
      if (leftOut.length) {
        warn(`pricing: ${req.region}: no ${leftOut.join(', ')} price${leftOut.length > 1 ? 's' : ''}; those lines are left out of the estimate (not priced)${fix}`);
      }
    }
    let pools = 0;
    const unchecked = req.instanceTypes.filter((type) => !book.offering(type));
    if (unchecked.length > 0) {
      warn(`pricing: ${env}: no capacity facts for ${unchecked.join(', ')} in ${req.region} (snapshot without offerings); AZ offerings not checked`);
    }
    for (const type of req.instanceTypes) {
      const offering = book.offering(type);
      const offeredAzs = offering ? req.availabilityZones.filter((az) => offering.availabilityZones.includes(az)) : [...req.availabilityZones];
      if (!offering) {
        // no offering data: warned above, once for all such types
      } else if (offeredAzs.length === 0) {
        problems.push(
          `pricing: ${env}: ${type} is not offered in any of the fleet's AZs (${req.availabilityZones.join(', ')}); ` +
            `remove it from ${env}.fleet.instanceTypes or choose AZs that offer it`,
        );
        continue;
      } else {
        for (const az of req.availabilityZones.filter((a) => !offeredAzs.includes(a))) {
          warn(`pricing: ${env}: ${type} is not offered in ${az}; it is left out of the estimate for ${az} (the group cannot launch it there)`);
        }
      }
      for (const az of offeredAzs) {
        if (book.spot(type, az)) pools++;
        else warn(`pricing: ${env}: no spot price history for ${type} in ${az} (Linux/UNIX); that pool is left out of the spot estimate${fix}`);
      }
    }
    if (pools === 0) {
      problems.push(
        `pricing: ${env}: no spot price for any of ${req.instanceTypes.join(', ')} in ${req.availabilityZones.join(', ')}; ` +
          `the spot burst cannot be priced${fix || '; check the types support spot in these AZs'}`,
      );
    }
  }
  if (problems.length > 0) throw new PricingLookupError(problems);
}
