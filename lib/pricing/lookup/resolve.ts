import { PriceBook } from '../price-book';
import { UNIT_RESOURCES } from '../types';
import type { SpotPlacementScores } from '../../placement/spot-placement-scores';
import type { EnvironmentPlacementScores, InstanceOffering, OnDemandPrice, PriceRequest, PriceSource, PriceTable, SpotPrice, UnitPrice, UnitResource } from '../types';
// The AWS SDK clients load only when AWS is asked (~0.2 s of a snapshot synth otherwise): type imports here,
// `await import` below.
import type { AwsClientOptions, AwsClients } from './aws-clients';
import { CachedPlacement, CachedRegion, PriceCache, isFresh, readCache, writeCache } from './cache';
import { PricingLookupError, describeError } from './errors';
import type { LiveRegionResult, LivePartsWanted, LookupCalls, RegionRequest } from './live';
import { sortTable } from './schema';
import { PriceSnapshot, ageInDays, oldestDate, readSnapshot } from './snapshot';

/** Where prices come from: see docs/pricing-sources.md. */
export type PricingMode = 'live' | 'auto' | 'snapshot';
export const PRICING_MODES: readonly PricingMode[] = ['live', 'auto', 'snapshot'];

/** The `pricing` context value as a mode; anything else is an error naming the value and the choices. */
export function parsePricingMode(value: unknown): PricingMode {
  if (value === undefined || value === null || value === '') return 'auto';
  if (typeof value === 'string' && (PRICING_MODES as readonly string[]).includes(value)) return value as PricingMode;
  throw new PricingLookupError([
    `pricing: context pricing=${JSON.stringify(value)} is not a pricing mode; use one of ${PRICING_MODES.join(', ')} (e.g. -c pricing=snapshot)`,
  ]);
}

export interface ResolveOptions {
  /** `live`: AWS or fail; `auto`: fresh cache, else AWS if credentials resolve, else snapshot; `snapshot`: only the snapshot. */
  readonly mode: PricingMode;
  /** Directory of the local cache, e.g. `.cache/pricing` (gitignored). */
  readonly cacheDir: string;
  /** The committed snapshot, e.g. `pricing/snapshot.json`. */
  readonly snapshotPath: string;
  /**
   * The time the lookup happens at (cache freshness, spot window, snapshot age).
   * @default new Date()
   */
  readonly now?: Date;
  /**
   * Progress lines (printed to stderr by the app).
   * @default - no progress output
   */
  readonly log?: (line: string) => void;
  /**
   * AWS lookups in flight at once.
   * @default 24
   */
  readonly concurrency?: number;
  /**
   * Milliseconds one lookup (all its pages and retries) may take before it fails with a message naming it.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds `auto` and `live` wait for credentials to resolve before treating them as absent.
   * @default 3000
   */
  readonly credentialsTimeoutMs?: number;
  /**
   * How long cached spot prices stay fresh.
   * @default 6 hours
   */
  readonly spotTtlHours?: number;
  /**
   * How long cached on-demand, unit prices and offerings stay fresh.
   * @default 7 days
   */
  readonly onDemandTtlDays?: number;
  /**
   * Days of spot price history the statistics cover.
   * @default 7
   */
  readonly spotLookbackDays?: number;
  /**
   * Snapshot prices older than this many days draw a warning.
   * @default 30
   */
  readonly snapshotMaxAgeDays?: number;
  /**
   * How long cached spot placement scores stay fresh (AWS allows 10 score configurations per account a day).
   * @default 24 hours
   */
  readonly placementTtlHours?: number;
  /**
   * Placement scores below this (1-10) draw a warning naming the pool.
   * @default 5
   */
  readonly placementScoreThreshold?: number;
  /**
   * AWS client settings (endpoint, credentials, attempts, HTTP timeout). Normally unset: the standard SDK
   * configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_*) applies.
   * @default {}
   */
  readonly aws?: AwsClientOptions;
}

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

/** One entry per region: the union of types and AZs of every environment there, sorted. */
export function mergeRegions(requests: readonly PriceRequest[]): RegionRequest[] {
  const byRegion = new Map<string, { types: Set<string>; azs: Set<string> }>();
  for (const r of requests) {
    const e = byRegion.get(r.region) ?? { types: new Set<string>(), azs: new Set<string>() };
    r.instanceTypes.forEach((t) => e.types.add(t));
    r.availabilityZones.forEach((az) => e.azs.add(az));
    byRegion.set(r.region, e);
  }
  return [...byRegion.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([region, e]) => ({ region, instanceTypes: [...e.types].sort(), availabilityZones: [...e.azs].sort() }));
}

function validateRequests(requests: readonly PriceRequest[]): void {
  const problems: string[] = [];
  if (requests.length === 0) problems.push('pricing: no price requests; pass one PriceRequest per environment');
  for (const r of requests) {
    const name = r.environment || '(unnamed environment)';
    if (!r.region) problems.push(`pricing: ${name}.region is empty; give the AWS region, e.g. us-east-1`);
    if (r.instanceTypes.length === 0) problems.push(`pricing: ${name}.instanceTypes is empty; give at least one GPU instance type`);
    if (r.availabilityZones.length === 0) problems.push(`pricing: ${name}.availabilityZones is empty; give the fleet's AZs`);
    for (const az of r.availabilityZones) {
      if (r.region && !az.startsWith(r.region)) {
        problems.push(`pricing: ${name} availability zone ${az} is not in region ${r.region}; AZ names start with their region`);
      }
    }
  }
  if (problems.length > 0) throw new PricingLookupError(problems);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Parts {
  onDemand: OnDemandPrice[];
  units: UnitPrice[];
  offerings: InstanceOffering[];
  spot: SpotPrice[];
}

function emptyParts(): Parts {
  return { onDemand: [], units: [], offerings: [], spot: [] };
}

function onDemandPartFrom(table: PriceTable, r: RegionRequest): Pick<Parts, 'onDemand' | 'units' | 'offerings'> {
  return {
    onDemand: table.onDemand.filter((p) => p.region === r.region && r.instanceTypes.includes(p.instanceType)),
    units: table.units.filter((p) => p.region === r.region),
    offerings: table.offerings
      .filter((o) => o.region === r.region && r.instanceTypes.includes(o.instanceType))
      .map((o) => ({ ...o, availabilityZones: o.availabilityZones.filter((az) => r.availabilityZones.includes(az)) })),
  };
}

function spotPartFrom(table: PriceTable, r: RegionRequest): SpotPrice[] {
  return table.spot.filter(
    (p) => p.region === r.region && r.instanceTypes.includes(p.instanceType) && r.availabilityZones.includes(p.availabilityZone),
  );
}

const relabel = <T extends { source: PriceSource }>(xs: readonly T[], source: PriceSource): T[] => xs.map((x) => ({ ...x, source }));

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
  const now = options.now ?? new Date();
  const log = options.log ?? (() => undefined);
  const warnings: string[] = [];
  const warn = (line: string) => {
    if (!warnings.includes(line)) warnings.push(line);
  };
  const calls: LookupCalls = { getProducts: 0, describeSpotPriceHistory: 0, describeInstanceTypeOfferings: 0, describeInstanceTypes: 0 };
  const regions = mergeRegions(requests);
  const parts = new Map<string, Parts>(regions.map((r) => [r.region, emptyParts()]));
  let snapshotUsed: PriceSnapshot | undefined;
  let snapshotReason: string | undefined;
  const placement: EnvironmentPlacementScores[] = [];

  const useSnapshot = (r: RegionRequest, which: LivePartsWanted) => {
    snapshotUsed ??= readSnapshot(options.snapshotPath);
    const p = parts.get(r.region)!;
    if (which.onDemand) Object.assign(p, onDemandPartFrom(snapshotUsed.table, r));
    if (which.spot) p.spot = spotPartFrom(snapshotUsed.table, r);
  };

  if (options.mode === 'snapshot') {
    regions.forEach((r) => useSnapshot(r, { onDemand: true, spot: true }));
  } else {
    const cache = options.mode === 'auto' ? readCache(options.cacheDir, warn) : { version: 1 as const, regions: {} };
    const wanted = new Map<string, LivePartsWanted>();
    for (const r of regions) {
      const cached: CachedRegion = cache.regions[r.region] ?? {};
      const odFresh = options.mode === 'auto' && isFresh(cached.onDemand, r, now, (options.onDemandTtlDays ?? 7) * DAY);
      const spotFresh = options.mode === 'auto' && isFresh(cached.spot, r, now, (options.spotTtlHours ?? 6) * HOUR);
      const p = parts.get(r.region)!;
      if (odFresh) {
        const c = cached.onDemand!;
        const fromCache = onDemandPartFrom({ onDemand: c.onDemand, units: c.units, offerings: c.offerings, spot: [] }, r);
        Object.assign(p, { ...fromCache, onDemand: relabel(fromCache.onDemand, 'cache'), units: relabel(fromCache.units, 'cache') });
      }
      if (spotFresh) {
        p.spot = relabel(spotPartFrom({ onDemand: [], units: [], offerings: [], spot: cached.spot!.spot }, r), 'cache');
      }
      if (!odFresh || !spotFresh) wanted.set(r.region, { onDemand: !odFresh, spot: !spotFresh });
    }

    if (wanted.size > 0) {
      const { AwsClients: Clients } = await import('./aws-clients');
      const clients = new Clients(options.aws);
      try {
        // Placement scores run beside the price lookups (same credentials check), not after them.
        const live = await askAws(regions.filter((r) => wanted.has(r.region)), wanted, clients, options, now, calls, warn, log,
          () => readPlacement(requests, cache, clients, options, now, placement, warn, log));
        if (live.ok) {
          storeLive(live.results, regions, parts, cache, options, now, warn);
        } else if (options.mode === 'live') {
          throw new PricingLookupError([
            'pricing=live: could not get live prices from AWS, and live mode never falls back to the cache or snapshot ' +
              '(use -c pricing=auto to allow that, or -c pricing=snapshot to synth offline):',
            ...live.problems,
          ]);
        } else {
          snapshotReason = live.reason;
          for (const r of regions) if (wanted.has(r.region)) useSnapshot(r, wanted.get(r.region)!);
        }
      } finally {
        clients.destroy();
      }
    } else {
      log('pricing: every price is in the local cache and fresh; no AWS calls');
      await readPlacement(requests, cache, undefined, options, now, placement, warn, log);
    }
  }

  const resolved: PriceTable = {
    onDemand: regions.flatMap((r) => parts.get(r.region)!.onDemand),
    spot: regions.flatMap((r) => parts.get(r.region)!.spot),
    units: regions.flatMap((r) => parts.get(r.region)!.units),
    offerings: regions.flatMap((r) => parts.get(r.region)!.offerings),
  };
  // Only snapshot prices may be bounded this way: live and cached spot prices are real or the lookup fails.
  const table = sortTable(snapshotUsed ? { ...resolved, spot: [...resolved.spot, ...spotCapPrices(requests, resolved, options.snapshotPath, warn)] } : resolved);

  let snapshotAgeDays: number | undefined;
  if (snapshotUsed) {
    const used: PriceTable = { ...table, onDemand: table.onDemand.filter((p) => p.source === 'snapshot'), spot: table.spot.filter((p) => p.source === 'snapshot'), units: table.units.filter((p) => p.source === 'snapshot') };
    const oldest = oldestDate(used);
    if (oldest) {
      snapshotAgeDays = ageInDays(oldest, now);
      const maxAge = options.snapshotMaxAgeDays ?? 30;
      const age = `its oldest price is dated ${oldest}, ${snapshotAgeDays} days ago`;
      if (snapshotReason) {
        warn(`pricing: using the committed snapshot ${options.snapshotPath} because ${snapshotReason}; ${age}`);
      }
      if (snapshotAgeDays > maxAge) {
        warn(
          `pricing: the price snapshot ${options.snapshotPath} is older than ${maxAge} days (${age}); ` +
            'run `npm run pricing:refresh` with AWS credentials to update it',
        );
      }
    }
  }

  checkCompleteness(requests, table, snapshotUsed !== undefined, options.snapshotPath, warn);

  const sources = [...new Set<PriceSource>([...table.onDemand, ...table.spot, ...table.units].map((p) => p.source))].sort();
  log(`pricing: prices from ${sources.join(' + ')} (${table.onDemand.length} on-demand, ${table.spot.length} spot pools, ${table.units.length} unit prices)`);
  return { table, warnings, sources, snapshotAgeDays, calls, placement };
}

const placementKey = (r: PriceRequest) =>
  `${r.region}|${[...r.instanceTypes].sort().join(',')}|${[...r.availabilityZones].sort().join(',')}|${r.spotTargetCapacity}`;

/**
 * Spot placement scores (capacity preflight) for every environment that uses spot: from the cache while fresh,
 * else from EC2 when `clients` are given. A failed lookup is a warning, not an error: scores inform, prices decide.
 * Writes nothing itself; the caller's cache write (after live prices) stores new scores.
 */
async function readPlacement(
  requests: readonly PriceRequest[],
  cache: PriceCache,
  clients: AwsClients | undefined,
  options: ResolveOptions,
  now: Date,
  out: EnvironmentPlacementScores[],
  warn: (line: string) => void,
  log: (line: string) => void,
): Promise<void> {
  const ttl = (options.placementTtlHours ?? 24) * HOUR;
  const wanted = requests.filter((r) => r.spotTargetCapacity !== undefined && r.spotTargetCapacity > 0);
  if (wanted.length === 0) return;
  const placementModule = await import('../../placement/spot-placement-scores');
  const results = await Promise.all(wanted.map(async (r) => {
    const key = placementKey(r);
    const cached = cache.placement?.[key];
    if (cached && now.getTime() - Date.parse(cached.fetchedAt) >= 0 && now.getTime() - Date.parse(cached.fetchedAt) <= ttl) {
      return { r, result: { ...cached, origin: 'EC2 GetSpotPlacementScores' as const }, source: 'cache' as const };
    }
    if (!clients) return undefined;
    try {
      const result = await placementModule.lookupSpotPlacementScores(
        { region: r.region, instanceTypes: r.instanceTypes, availabilityZones: r.availabilityZones, targetCapacity: r.spotTargetCapacity! },
        clients.ec2For(r.region),
        () => now,
      );
      const entry: CachedPlacement = { fetchedAt: now.toISOString(), ...result, instanceTypes: [...result.instanceTypes], scores: result.scores.map((x) => ({ ...x, instanceTypes: [...x.instanceTypes] })), unscoredAvailabilityZones: [...result.unscoredAvailabilityZones] };
      cache.placement = { ...(cache.placement ?? {}), [key]: entry };
      return { r, result, source: 'live' as const };
    } catch (e) {
      warn(`pricing: ${r.environment}: spot placement scores not read (${describeError(e)}); the report shows none`);
      return undefined;
    }
  }));
  for (const x of results) {
    if (!x) continue;
    const res: SpotPlacementScores = x.result;
    for (const line of placementModule.lowPlacementScoreWarnings(res, options.placementScoreThreshold ?? 5)) warn(`pricing: ${x.r.environment}: ${line}`);
    out.push({
      environment: x.r.environment,
      region: x.r.region,
      targetCapacity: res.targetCapacity,
      source: x.source,
      validOn: res.validOn,
      scores: x.r.availabilityZones.map((az) => ({ availabilityZone: az, score: res.scores.find((s) => s.availabilityZone === az)?.score ?? null })),
    });
  }
  if (out.length > 0) log(`pricing: spot placement scores for ${out.map((p) => p.environment).join(', ')}`);
}

type LiveOutcome = { ok: true; results: LiveRegionResult[] } | { ok: false; reason: string; problems: string[] };

async function askAws(
  regions: readonly RegionRequest[],
  wanted: ReadonlyMap<string, LivePartsWanted>,
  clients: AwsClients,
  options: ResolveOptions,
  now: Date,
  calls: LookupCalls,
  warn: (line: string) => void,
  log: (line: string) => void,
  alongside: () => Promise<void> = async () => undefined,
): Promise<LiveOutcome> {
  const credsTimeout = options.credentialsTimeoutMs ?? 3000;
  if (!(await clients.credentialsResolve(credsTimeout))) {
    const reason = `no AWS credentials resolved within ${credsTimeout} ms (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login)`;
    return { ok: false, reason, problems: [`pricing: ${reason}`] };
  }
  const types = new Set(regions.flatMap((r) => r.instanceTypes)).size;
  const what = [...wanted.values()].some((w) => w.onDemand) ? 'on-demand, unit prices, offerings and spot' : 'spot';
  log(`pricing: asking AWS for ${types} instance types x ${regions.length} region(s) (${regions.map((r) => r.region).join(', ')}): ${what} ...`);
  const started = Date.now();
  try {
    const { lookUpLive } = await import('./live');
    const besides = alongside();
    let results;
    try {
      results = await lookUpLive(regions, wanted, {
        clients,
        now,
        concurrency: options.concurrency ?? 24,
        timeoutMs: options.timeoutMs ?? 30_000,
        spotLookbackDays: options.spotLookbackDays ?? 7,
        calls,
        warn,
      });
    } finally {
      await besides;
    }
    const n = Object.values(calls).reduce((a, b) => a + b, 0);
    log(`pricing: AWS answered ${n} calls in ${Date.now() - started} ms`);
    return { ok: true, results };
  } catch (err) {
    const problems = err instanceof PricingLookupError ? [...err.problems] : [`pricing: ${describeError(err)}`];
    return { ok: false, reason: `AWS lookups failed (${problems.length === 1 ? problems[0] : `${problems.length} problems, first: ${problems[0]}`})`, problems };
  }
}

function storeLive(
  results: readonly LiveRegionResult[],
  regions: readonly RegionRequest[],
  parts: Map<string, Parts>,
  cache: PriceCache,
  options: ResolveOptions,
  now: Date,
  warn: (line: string) => void,
): void {
  const fetchedAt = now.toISOString();
  for (const res of results) {
    const r = regions.find((x) => x.region === res.region)!;
    const p = parts.get(res.region)!;
    const entry: CachedRegion = { ...(cache.regions[res.region] ?? {}) };
    if (res.onDemand) {
      Object.assign(p, { onDemand: res.onDemand.prices, units: res.onDemand.units, offerings: res.onDemand.offerings });
      entry.onDemand = { fetchedAt, instanceTypes: [...r.instanceTypes], availabilityZones: [...r.availabilityZones], onDemand: res.onDemand.prices, units: res.onDemand.units, offerings: res.onDemand.offerings.map((o) => ({ ...o, availabilityZones: [...o.availabilityZones] })) };
    }
    if (res.spot) {
      p.spot = res.spot.prices;
      entry.spot = { fetchedAt, instanceTypes: [...r.instanceTypes], availabilityZones: [...r.availabilityZones], spot: res.spot.prices };
    }
    cache.regions[res.region] = entry;
  }
  try {
    writeCache(options.cacheDir, cache);
  } catch (e) {
    warn(`pricing: could not write the price cache under ${options.cacheDir} (${(e as Error).message}); the next synth asks AWS again`);
  }
}

/** Unit prices whose absence leaves a few cents out of the estimate (with a warning) rather than stopping synth. */
const OPTIONAL_UNITS: readonly UnitResource[] = ['cloudwatch-alarm-month', 'lambda-gb-second', 'lambda-request', 'sqs-request'];

/**
 * For an environment whose snapshot holds no spot price for any of its pools: price each offered pool at the spot
 * cap, the type's on-demand price (EC2 never charges more than on-demand for spot), so the estimate is an upper
 * bound, never $0. Each entry says so in its origin, and a warning per environment says how to get real prices.
 */
function spotCapPrices(requests: readonly PriceRequest[], table: PriceTable, snapshotPath: string, warn: (line: string) => void): SpotPrice[] {
  const caps: SpotPrice[] = [];
  const capped = new Set<string>();
  for (const req of requests) {
    const book = PriceBook.of(table, req.region);
    if (book.hasAnySpot(req.instanceTypes, req.availabilityZones)) continue;
    let added = 0;
    for (const type of req.instanceTypes) {
      const od = book.onDemand(type);
      if (!od) continue; // reported by checkCompleteness
      const offering = book.offering(type);
      for (const az of req.availabilityZones.filter((a) => !offering || offering.availabilityZones.includes(a))) {
        const pool = `${req.region} ${type} ${az}`;
        if (capped.has(pool)) continue;
        capped.add(pool);
        caps.push({
          instanceType: type, region: req.region, availabilityZone: az,
          currentUsdPerHour: od.usdPerHour, p50UsdPerHour: od.usdPerHour, p90UsdPerHour: od.usdPerHour, samples: 1,
          source: 'snapshot', validOn: od.validOn,
          origin: `spot cap, not a spot price: the snapshot holds no spot history for this pool, so it is priced at the on-demand price (${od.origin})`,
        });
        added++;
      }
    }
    if (added > 0) {
      warn(
        `pricing: ${req.environment}: the snapshot ${snapshotPath} holds no spot prices for ${req.region}; the spot burst is priced ` +
          'at its cap (the on-demand price), so its spot part is an upper bound; run ' +
          '`npm run pricing:refresh` with AWS credentials, or synth with -c pricing=live, for real spot prices',
      );
    }
  }
  return caps;
}

/**
 * The rules that make a table usable, per environment: an on-demand price for every type, every unit price, the
 * preflight findings (offered nowhere = error, missing in an AZ = warning) and at least one spot pool.
 */
function checkCompleteness(
  requests: readonly PriceRequest[],
  table: PriceTable,
  fromSnapshot: boolean,
  snapshotPath: string,
  warn: (line: string) => void,
): void {
  const problems: string[] = [];
  const fix = fromSnapshot ? `; run \`npm run pricing:refresh\` to add it to ${snapshotPath}` : '';
  const unitsNeeded: readonly UnitResource[] = UNIT_RESOURCES;
  const seenRegionUnits = new Set<string>();
  for (const req of requests) {
    const env = req.environment;
    const book = PriceBook.of(table, req.region);
    for (const type of req.instanceTypes) {
      if (!book.onDemand(type)) problems.push(`pricing: ${env}: no on-demand price for ${type} in ${req.region}${fix}`);
    }
    if (!seenRegionUnits.has(req.region)) {
      seenRegionUnits.add(req.region);
      const natInRegion = requests.some((r) => r.region === req.region && r.needsNat !== false);
      for (const u of unitsNeeded) {
        if (book.unit(u)) continue;
        if (!natInRegion && u.startsWith('nat-gateway-')) continue; // existing VPCs: their NAT is not this stack's cost
        if (OPTIONAL_UNITS.includes(u)) warn(`pricing: no ${u} price for ${req.region}; that small part is left out of the estimate${fix}`);
        else problems.push(`pricing: no ${u} price for ${req.region}${fix}`);
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
