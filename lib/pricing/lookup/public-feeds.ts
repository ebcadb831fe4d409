import type { LookupContext } from './context';
import type { PublicFeedOptions } from './options';
import { describeError } from './errors';
import { AdvisorRegion, parseAdvisor, parsePriceFeed, QuoteRegion } from './public-data';
import type { RegionRequest } from './requests';

/** What the feeds gave for one region, cut to the requested types. */
export interface FeedRegion {
  readonly advisor: AdvisorRegion;
  readonly quotes: QuoteRegion;
}

export interface FeedAnswer {
  /** Per region; a region whose feeds both failed is absent. */
  readonly regions: ReadonlyMap<string, FeedRegion>;
  /** ISO time of the fetch. */
  readonly fetchedAt: string;
  /** Whether the advisor and the price feed were read. */
  readonly advisorRead: boolean;
  readonly priceFeedRead: boolean;
}

async function getText(url: string, timeoutMs: number, what: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new Error(`${what} (${url}) did not answer within ${timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${what} (${url}) could not be read: ${cause?.code ?? cause?.message ?? describeError(err)}`);
  }
  if (!res.ok) throw new Error(`${what} (${url}) answered HTTP ${res.status}`);
  try {
    return await res.text();
  } catch (e) {
    throw new Error(`${what} (${url}) broke off: ${describeError(e)}`);
  }
}

/**
 * Reads both feeds at once, each within its deadline. A feed that is down, slow or malformed is a labelled warning,
 * never an exception and never a $0: the caller falls back to the next source. Returns undefined when neither feed
 * could be read.
 */
export async function readPublicFeeds(ctx: LookupContext, feeds: PublicFeedOptions, regions: readonly RegionRequest[]): Promise<FeedAnswer | undefined> {
  const timeoutMs = feeds.timeoutMs ?? 3000;
  const fetchedAt = ctx.now.toISOString();
  // `.catch` after the parse, so a malformed body becomes a warning like a failed request, never an exception.
  const [advisor, prices] = await Promise.all([
    getText(feeds.advisorUrl, timeoutMs, 'the Spot Instance Advisor feed')
      .then((t) => parseAdvisor(t, `the Spot Instance Advisor feed (${feeds.advisorUrl})`))
      .catch((e: Error) => e),
    getText(feeds.priceFeedUrl, timeoutMs, 'the spot pricing feed')
      .then((t) => parsePriceFeed(t, `the spot pricing feed (${feeds.priceFeedUrl})`))
      .catch((e: Error) => e),
  ]);
  for (const r of [advisor, prices]) {
    if (r instanceof Error) ctx.warn(`pricing: ${r.message}`);
    else r.problems.forEach((p) => ctx.warn(`pricing: ${p}`));
  }
  if (advisor instanceof Error && prices instanceof Error) return undefined;
  const out = new Map<string, FeedRegion>();
  for (const r of regions) {
    const a = advisor instanceof Error ? undefined : advisor.regions.get(r.region);
    const q = prices instanceof Error ? undefined : prices.regions.get(r.region);
    const cut = <V>(m: ReadonlyMap<string, V> | undefined) => new Map([...(m ?? new Map<string, V>())].filter(([t]) => r.instanceTypes.includes(t)));
    const region = { advisor: cut(a), quotes: cut(q) };
    const missing = r.instanceTypes.filter((t) => !region.advisor.has(t) && !region.quotes.has(t));
    if (missing.length) {
      ctx.warn(`pricing: AWS's public spot feeds have no figure for ${missing.join(', ')} in ${r.region}; those pools fall back to the next source`);
    }
    out.set(r.region, region);
  }
  return { regions: out, fetchedAt, advisorRead: !(advisor instanceof Error), priceFeedRead: !(prices instanceof Error) };
}
