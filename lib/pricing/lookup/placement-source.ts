import type { SpotPlacementScores } from '../../placement/spot-placement-scores';
import type { EnvironmentPlacementScores, PriceRequest } from '../types';
import type { AwsClients } from './aws-clients';
import type { CachedPlacement, PriceCache } from './cache';
import type { LookupContext } from './context';
import { describeError } from './errors';

const placementKey = (r: PriceRequest) =>
  `${r.region}|${[...r.instanceTypes].sort().join(',')}|${[...r.availabilityZones].sort().join(',')}|${r.spotTargetCapacity}`;

/**
 * Spot placement scores (capacity preflight) for every environment that uses spot: from the cache while fresh,
 * else from EC2 when `clients` are given. A failed lookup is a warning, not an error: scores inform, prices decide.
 * Writes nothing itself: new scores go into `cache`, which the cache source writes after live prices.
 */
export async function readPlacement(
  ctx: LookupContext,
  cache: PriceCache,
  clients: AwsClients | undefined,
): Promise<EnvironmentPlacementScores[]> {
  const { now, warn } = ctx;
  const ttl = ctx.placementTtlMs;
  const out: EnvironmentPlacementScores[] = [];
  const wanted = ctx.requests.filter((r) => r.spotTargetCapacity !== undefined && r.spotTargetCapacity > 0);
  if (wanted.length === 0) return out;
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
    for (const line of placementModule.lowPlacementScoreWarnings(res, ctx.placementScoreThreshold)) warn(`pricing: ${x.r.environment}: ${line}`);
    out.push({
      environment: x.r.environment,
      region: x.r.region,
      targetCapacity: res.targetCapacity,
      source: x.source,
      validOn: res.validOn,
      scores: x.r.availabilityZones.map((az) => ({ availabilityZone: az, score: res.scores.find((s) => s.availabilityZone === az)?.score ?? null })),
    });
  }
  if (out.length > 0) ctx.log(`pricing: spot placement scores for ${out.map((p) => p.environment).join(', ')}`);
  return out;
}
