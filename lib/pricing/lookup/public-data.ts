import { BUCKET_LABELS } from '../types';
import type { InterruptionFrequency, OnDemandPrice, PriceSource, RegionalSpotPrice } from '../types';

export { BUCKET_LABELS };

/**
 * AWS's two credential-free spot feeds, parsed, and the regional figures derived from them. Pure: the HTTP fetch
 * lives in public-feeds.ts, the committed snapshot is built from the same functions (scripts/snapshot-from-public-data.ts).
 *
 * - Spot Instance Advisor (`spot-advisor-data.json`): per region and type, `s` = average savings over on-demand in
 *   percent and `r` = the bucket of the frequency of interruption, both over the trailing month, regional.
 * - Spot pricing page feed (`spot.json`): per region and type, a point-in-time Linux USD/hour quote.
 */

export const ADVISOR_URL = 'https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json';
export const PRICE_FEED_URL = 'https://website.spot.ec2.aws.a2z.com/spot.json';


/** One region's advisor entries: type -> savings percent and bucket. */
export type AdvisorRegion = ReadonlyMap<string, { readonly savingsPercent: number; readonly bucket: number }>;
/** One region's quotes: type -> USD/hour. */
export type QuoteRegion = ReadonlyMap<string, number>;

export interface ParsedFeed<T> {
  readonly regions: ReadonlyMap<string, T>;
  /** Entries that could not be read (skipped, never turned into a $0). */
  readonly problems: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON of a feed body; the pricing page's feed has been served wrapped as `callback({...});`. */
function feedJson(text: string, what: string): unknown {
  const body = text.trim().replace(/^callback\(/, '').replace(/\);?$/, '');
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new Error(`${what} is not JSON (${(e as Error).message})`);
  }
}

/** The advisor document (`{ ranges, spot_advisor: { region: { Linux: { type: { s, r } } } } }`), Linux only. */
export function parseAdvisor(text: string, what = 'the Spot Instance Advisor data'): ParsedFeed<AdvisorRegion> {
  const doc = feedJson(text, what);
  if (!isRecord(doc) || !isRecord(doc.spot_advisor)) throw new Error(`${what} has no spot_advisor object`);
  const problems: string[] = [];
  const regions = new Map<string, AdvisorRegion>();
  for (const [region, byOs] of Object.entries(doc.spot_advisor)) {
    const linux = isRecord(byOs) ? byOs.Linux : undefined;
    if (!isRecord(linux)) continue;
    const types = new Map<string, { savingsPercent: number; bucket: number }>();
    for (const [type, v] of Object.entries(linux)) {
      const s = isRecord(v) ? v.s : undefined;
      const r = isRecord(v) ? v.r : undefined;
      if (typeof s !== 'number' || !(s > 0 && s < 100) || typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r >= BUCKET_LABELS.length) {
        problems.push(`${what}: ${region} ${type} has ${JSON.stringify(v)}, not savings 1-99 and a bucket 0-4; entry skipped`);
        continue;
      }
      types.set(type, { savingsPercent: s, bucket: r });
    }
    regions.set(region, types);
  }
  return { regions, problems };
}

/** The pricing page's feed (`config.regions[].instanceTypes[].sizes[].valueColumns[linux].prices.USD`). */
export function parsePriceFeed(text: string, what = 'the spot pricing feed'): ParsedFeed<QuoteRegion> {
  const doc = feedJson(text, what);
  const config = isRecord(doc) ? doc.config : undefined;
  if (!isRecord(config) || !Array.isArray(config.regions)) throw new Error(`${what} has no config.regions list`);
  const problems: string[] = [];
  const regions = new Map<string, QuoteRegion>();
  for (const r of config.regions) {
    if (!isRecord(r) || typeof r.region !== 'string' || !Array.isArray(r.instanceTypes)) continue;
    const quotes = new Map<string, number>();
    for (const it of r.instanceTypes) {
      for (const size of isRecord(it) && Array.isArray(it.sizes) ? it.sizes : []) {
        if (!isRecord(size) || typeof size.size !== 'string' || !Array.isArray(size.valueColumns)) continue;
        const linux = size.valueColumns.find((c) => isRecord(c) && c.name === 'linux');
        const text = isRecord(linux) && isRecord(linux.prices) ? linux.prices.USD : undefined;
        const usd = typeof text === 'string' ? Number(text) : NaN;
        // "N/A*" and the like: no quote, never a $0.
        if (!(Number.isFinite(usd) && usd > 0)) {
          if (text !== undefined && !/^N\/A/.test(String(text))) problems.push(`${what}: ${r.region} ${size.size} has Linux price ${JSON.stringify(text)}; skipped`);
          continue;
        }
        // Some sizes are listed twice with the same values; the first wins.
        if (!quotes.has(size.size)) quotes.set(size.size, usd);
      }
    }
    regions.set(r.region, quotes);
  }
  return { regions, problems };
}

/** Where the figures were read: the feed URL, when, and (for the snapshot) the mirror they were copied from. */
export interface FeedProvenance {
  readonly source: PriceSource;
  /** `YYYY-MM-DD` of the fetch. */
  readonly validOn: string;
  readonly advisor: string;
  readonly priceFeed: string;
}

/** Rounds a derived USD/hour to 6 decimals (the feeds quote 4), so a snapshot does not carry float noise. */
const usd6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The regional figures of one region: for every type the advisor or the quote feed knows, the expected price
 * (on-demand x (1 - savings) when both are known; else the quote alone), the quote, and the interruption bucket.
 * A type with advisor savings but no on-demand price and no quote gets a bucket only: no price is ever guessed.
 */
export function regionalFigures(
  region: string,
  advisor: AdvisorRegion | undefined,
  quotes: QuoteRegion | undefined,
  onDemand: (type: string) => OnDemandPrice | undefined,
  prov: FeedProvenance,
): { regionalSpot: RegionalSpotPrice[]; interruption: InterruptionFrequency[] } {
  const regionalSpot: RegionalSpotPrice[] = [];
  const interruption: InterruptionFrequency[] = [];
  const types = [...new Set([...(advisor?.keys() ?? []), ...(quotes?.keys() ?? [])])].sort();
  for (const type of types) {
    const a = advisor?.get(type);
    const quote = quotes?.get(type) ?? null;
    const od = onDemand(type);
    const base = { instanceType: type, region, source: prov.source, validOn: prov.validOn };
    if (a) {
      interruption.push({
        ...base, bucket: a.bucket, label: BUCKET_LABELS[a.bucket], savingsPercent: a.savingsPercent,
        origin: `Spot Instance Advisor, regional, trailing month: ${prov.advisor}`,
      });
    }
    const quoteText = quote === null ? 'no quote in the spot pricing feed' : `spot pricing page quote $${quote}/h (Linux, regional, point in time: ${prov.priceFeed})`;
    if (a && od) {
      regionalSpot.push({
        ...base,
        expectedUsdPerHour: usd6(od.usdPerHour * (1 - a.savingsPercent / 100)),
        quoteUsdPerHour: quote,
        savingsPercent: a.savingsPercent,
        origin:
          `regional, not per AZ: on-demand $${od.usdPerHour}/h (${od.validOn}) x (1 - ${a.savingsPercent}% Spot Instance Advisor ` +
          `average savings, ${prov.advisor}); ${quoteText}`,
      });
    } else if (quote !== null) {
      regionalSpot.push({
        ...base,
        expectedUsdPerHour: quote,
        quoteUsdPerHour: quote,
        savingsPercent: null,
        origin: `regional, not per AZ: ${quoteText}; ${a ? 'no on-demand price to apply the advisor savings to' : 'the Spot Instance Advisor has no entry for this type'}`,
      });
    }
  }
  return { regionalSpot, interruption };
}
