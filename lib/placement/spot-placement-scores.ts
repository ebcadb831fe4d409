import { DescribeAvailabilityZonesCommand, EC2Client, paginateGetSpotPlacementScores } from '@aws-sdk/client-ec2';
import { GpuFleetError } from '../shared/errors';

/**
 * Spot placement scores (EC2 GetSpotPlacementScores): how likely a spot request for the fleet's instance types
 * and target capacity is to succeed in each AZ, 1 (unlikely) to 10 (very likely), for the capacity preflight.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-placement-score.html
 *
 * EC2 answers per AZ *ID* (`use1-az6`), which maps to a different AZ name in every account, so the lookup
 * resolves the fleet's AZ names with DescribeAvailabilityZones first. AWS allows only 10 distinct score
 * configurations per account per 24 hours: callers cache the result (the pricing cache does).
 */

export interface SpotPlacementScoreRequest {
  readonly region: string;
  /** The fleet's instance types; the score is for the set (a request may launch any of them). */
  readonly instanceTypes: readonly string[];
  /** AZ names of the fleet, e.g. `us-east-1a`. */
  readonly availabilityZones: readonly string[];
  /** Spot capacity the fleet asks for (instances, or capacity units when weighted), 1 to 2,000,000. */
  readonly targetCapacity: number;
}

export interface SpotPlacementScore {
  readonly region: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly instanceTypes: readonly string[];
  readonly targetCapacity: number;
  /** 1 to 10. */
  readonly score: number;
}

export interface SpotPlacementScores {
  readonly region: string;
  readonly instanceTypes: readonly string[];
  readonly targetCapacity: number;
  /** One per fleet AZ EC2 scored, in the order of the request. */
  readonly scores: readonly SpotPlacementScore[];
  /** Fleet AZs EC2 returned no score for (no capacity for these types there, as far as EC2 can tell). */
  readonly unscoredAvailabilityZones: readonly string[];
  /** `YYYY-MM-DD` the scores were read. */
  readonly validOn: string;
  readonly origin: 'EC2 GetSpotPlacementScores';
}

/** A request or an answer the lookup cannot use; the message names the value and what to do. */
export class PlacementScoreError extends GpuFleetError {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementScoreError';
  }
}

export const MAX_TARGET_CAPACITY = 2_000_000;

export function placementRequestProblems(req: SpotPlacementScoreRequest): string[] {
  const problems: string[] = [];
  if (!req.region) problems.push('region is empty');
  if (req.instanceTypes.length === 0) problems.push('instanceTypes ([]) must list at least one instance type');
  if (req.availabilityZones.length === 0) problems.push('availabilityZones ([]) must list at least one AZ');
  for (const az of req.availabilityZones) {
    if (req.region && !az.startsWith(req.region)) problems.push(`availabilityZones (${az}) is not in region ${req.region}`);
  }
  if (!Number.isInteger(req.targetCapacity) || req.targetCapacity < 1 || req.targetCapacity > MAX_TARGET_CAPACITY) {
    problems.push(`targetCapacity (${req.targetCapacity}) must be a whole number from 1 to ${MAX_TARGET_CAPACITY}`);
  }
  return problems;
}

/** Reads the spot placement score of every fleet AZ for the fleet's instance types. */
export async function lookupSpotPlacementScores(req: SpotPlacementScoreRequest, ec2: EC2Client, today: () => Date = () => new Date()): Promise<SpotPlacementScores> {
  const problems = placementRequestProblems(req);
  if (problems.length) throw new PlacementScoreError(`spot placement score request: ${problems.join('; ')}`);
  const what = `${req.region} (${req.instanceTypes.join(', ')}, target ${req.targetCapacity})`;

  let zones;
  try {
    zones = await ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: [...req.availabilityZones] }));
  } catch (e) {
    throw wrap(e, `DescribeAvailabilityZones for ${req.availabilityZones.join(', ')}`, 'ec2:DescribeAvailabilityZones');
  }
  const idByName = new Map((zones.AvailabilityZones ?? []).map((z) => [z.ZoneName ?? '', z.ZoneId ?? '']));
  const unknown = req.availabilityZones.filter((az) => !idByName.get(az));
  if (unknown.length) {
    throw new PlacementScoreError(`DescribeAvailabilityZones returned no zone ID for ${unknown.join(', ')} in ${req.region}: check the fleet's availabilityZones`);
  }

  const scoreById = new Map<string, number>();
  try {
    const pages = paginateGetSpotPlacementScores({ client: ec2, pageSize: 100 }, {
      InstanceTypes: [...req.instanceTypes],
      TargetCapacity: req.targetCapacity,
      TargetCapacityUnitType: 'units',
      SingleAvailabilityZone: true,
      RegionNames: [req.region],
    });
    for await (const page of pages) {
      for (const s of page.SpotPlacementScores ?? []) {
        if (s.Region !== req.region || !s.AvailabilityZoneId) continue;
        if (typeof s.Score !== 'number' || !Number.isInteger(s.Score) || s.Score < 1 || s.Score > 10) {
          throw new PlacementScoreError(`GetSpotPlacementScores for ${what} returned score ${JSON.stringify(s.Score)} for ${s.AvailabilityZoneId}: expected a whole number 1-10`);
        }
        scoreById.set(s.AvailabilityZoneId, s.Score);
      }
    }
  } catch (e) {
    if (e instanceof PlacementScoreError) throw e;
    throw wrap(e, `GetSpotPlacementScores for ${what}`, 'ec2:GetSpotPlacementScores');
  }

  const scores: SpotPlacementScore[] = [];
  const unscored: string[] = [];
  for (const az of req.availabilityZones) {
    const id = idByName.get(az)!;
    const score = scoreById.get(id);
    if (score === undefined) unscored.push(az);
    else scores.push({ region: req.region, availabilityZone: az, availabilityZoneId: id, instanceTypes: [...req.instanceTypes], targetCapacity: req.targetCapacity, score });
  }
  return {
    region: req.region,
    instanceTypes: [...req.instanceTypes],
    targetCapacity: req.targetCapacity,
    scores,
    unscoredAvailabilityZones: unscored,
    validOn: today().toISOString().slice(0, 10),
    origin: 'EC2 GetSpotPlacementScores',
  };
}

function wrap(e: unknown, call: string, permission: string): PlacementScoreError {
  const err = e as { name?: string; message?: string };
  const hint = err.name === 'UnauthorizedOperation' || err.name === 'AccessDenied' || err.name === 'AccessDeniedException'
    ? `grant ${permission} to the synth credentials, or turn live pricing off to use the snapshot`
    : 'retry later, or turn live pricing off to use the snapshot';
  return new PlacementScoreError(`${call} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}; ${hint}`);
}

/**
 * Warning lines for the cost report and synth annotations: every AZ scored below `threshold`, and every AZ
 * EC2 did not score. Empty when all pools look healthy.
 */
export function lowPlacementScoreWarnings(result: SpotPlacementScores, threshold = 5): string[] {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 10) {
    throw new PlacementScoreError(`placement score threshold (${threshold}) must be a whole number from 1 to 10`);
  }
  const types = result.instanceTypes.join(', ');
  const lines = result.scores
    .filter((s) => s.score < threshold)
    .map((s) =>
      `spot placement score ${s.score}/10 for ${types} in ${s.availabilityZone} (${s.availabilityZoneId}), target ${s.targetCapacity}: ` +
      `below ${threshold}, spot requests there are unlikely to be filled; add instance types or AZs, or expect the on-demand fallback to engage`);
  for (const az of result.unscoredAvailabilityZones) {
    lines.push(`spot placement score missing for ${types} in ${az}: EC2 gave no score (no spot capacity for these types there?); check the AZ offers them`);
  }
  return lines;
}
