// The AWS SDK loads only when AWS is asked (~0.2 s of a snapshot synth otherwise): type imports here,
// `await import` below.
import type { EnvironmentPlacementScores } from '../types';
import type { AwsClients } from './aws-clients';
import type { PriceCache } from './cache';
import type { LookupContext } from './context';
import { PricingLookupError, describeError } from './errors';
import type { LivePartsWanted, LiveRegionResult } from './live';
import type { RegionParts } from './parts';
import { readPlacement } from './placement-source';
import type { RegionRequest } from './requests';

/** What AWS gave: the results, or why not (credentials, or every failed lookup as one line each). */
export type LiveOutcome = { ok: true; results: LiveRegionResult[] } | { ok: false; reason: string; problems: string[] };

export interface AwsAnswer {
  readonly outcome: LiveOutcome;
  /** Spot placement scores, read beside the prices (none when credentials did not resolve). */
  readonly placement: EnvironmentPlacementScores[];
}

/**
 * AWS as a price source: the wanted parts of each region, and the spot placement scores beside them (same
 * credentials check), new scores kept in `cache`. An AWS failure is an outcome, not an exception: the mode decides
 * what happens next.
 */
export async function fromAws(ctx: LookupContext, wanted: ReadonlyMap<string, LivePartsWanted>, cache: PriceCache): Promise<AwsAnswer> {
  if (!ctx.credentialSourceMayExist && !ctx.aws?.credentials) {
    const reason = 'no AWS credential source exists (no access key, profile, config file, web identity or container ' +
      'credentials, and instance metadata is disabled); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login';
    return { outcome: { ok: false, reason, problems: [`pricing: ${reason}`] }, placement: [] };
  }
  const { AwsClients: Clients } = await import('./aws-clients');
  const clients = new Clients(ctx.aws);
  let placement: EnvironmentPlacementScores[] = [];
  try {
    const regions = ctx.regions.filter((r) => wanted.has(r.region));
    const outcome = await askAws(ctx, regions, wanted, clients, async () => {
      placement = await readPlacement(ctx, cache, clients);
    });
    return { outcome, placement };
  } finally {
    clients.destroy();
  }
}

/** A live result as the parts it holds. */
export function liveParts(res: LiveRegionResult): RegionParts {
  return {
    ...(res.onDemand ? { onDemand: { onDemand: res.onDemand.prices, units: res.onDemand.units, offerings: res.onDemand.offerings } } : {}),
    ...(res.spot ? { spot: res.spot.prices } : {}),
  };
}

async function askAws(
  ctx: LookupContext,
  regions: readonly RegionRequest[],
  wanted: ReadonlyMap<string, LivePartsWanted>,
  clients: AwsClients,
  alongside: () => Promise<void>,
): Promise<LiveOutcome> {
  if (!(await clients.credentialsResolve(ctx.credentialsTimeoutMs))) {
    const reason =
      `no AWS credentials resolved within ${ctx.credentialsTimeoutMs} ms ` +
      '(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login)';
    return { ok: false, reason, problems: [`pricing: ${reason}`] };
  }
  const types = new Set(regions.flatMap((r) => r.instanceTypes)).size;
  const what = [...wanted.values()].some((w) => w.onDemand) ? 'on-demand, unit prices, offerings and spot' : 'spot';
  ctx.log(`pricing: asking AWS for ${types} instance types x ${regions.length} region(s) (${regions.map((r) => r.region).join(', ')}): ${what} ...`);
  const started = Date.now();
  try {
    const { lookUpLive } = await import('./live');
    const besides = alongside();
    let results;
    try {
      results = await lookUpLive(regions, wanted, { ...ctx, clients });
    } finally {
      await besides;
    }
    const n = Object.values(ctx.calls).reduce((a, b) => a + b, 0);
    ctx.log(`pricing: AWS answered ${n} calls in ${Date.now() - started} ms`);
    return { ok: true, results };
  } catch (err) {
    const problems = err instanceof PricingLookupError ? [...err.problems] : [`pricing: ${describeError(err)}`];
    return { ok: false, reason: `AWS lookups failed (${problems.length === 1 ? problems[0] : `${problems.length} problems, first: ${problems[0]}`})`, problems };
  }
}
