import { EC2Client } from '@aws-sdk/client-ec2';
import {
  lookupSpotPlacementScores,
  lowPlacementScoreWarnings,
  PlacementScoreError,
  SpotPlacementScoreRequest,
} from '../../lib/placement';
import { Ec2Faults, Ec2World, LocalEc2, startLocalEc2 } from './support/local-ec2';

const REQUEST: SpotPlacementScoreRequest = {
  region: 'us-east-1',
  instanceTypes: ['g6.xlarge', 'g5.xlarge'],
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  targetCapacity: 4,
};
const WORLD: Ec2World = {
  region: 'us-east-1',
  zones: { 'us-east-1a': 'use1-az6', 'us-east-1b': 'use1-az1', 'us-east-1c': 'use1-az2', 'us-east-1d': 'use1-az4' },
  scores: { 'use1-az6': '9', 'use1-az1': '3', 'use1-az2': '5', 'use1-az4': '1' },
};
const TODAY = () => new Date('2026-09-01T10:00:00Z');

let server: LocalEc2 | undefined;
async function client(world: Ec2World = WORLD, faults: Ec2Faults = {}) {
  server = await startLocalEc2(world, faults);
  return new EC2Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 3,
  });
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('lookupSpotPlacementScores against a local EC2 endpoint', () => {
  test('maps AZ names to IDs and returns one score per fleet AZ, in request order', async () => {
    const result = await lookupSpotPlacementScores(REQUEST, await client(), TODAY);
    expect(result).toEqual({
      region: 'us-east-1',
      instanceTypes: ['g6.xlarge', 'g5.xlarge'],
      targetCapacity: 4,
      scores: [
        { region: 'us-east-1', availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az6', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 9 },
        { region: 'us-east-1', availabilityZone: 'us-east-1b', availabilityZoneId: 'use1-az1', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 3 },
        { region: 'us-east-1', availabilityZone: 'us-east-1c', availabilityZoneId: 'use1-az2', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 5 },
      ],
      unscoredAvailabilityZones: [],
      validOn: '2026-09-01',
      origin: 'EC2 GetSpotPlacementScores',
    });
  });

  test('asks for single-AZ scores of the fleet types in the fleet region, in units', async () => {
    await lookupSpotPlacementScores(REQUEST, await client(), TODAY);
    const calls = server!.calls;
    expect(calls.map((c) => c.action)).toEqual(['DescribeAvailabilityZones', 'GetSpotPlacementScores']);
    expect(calls[0].params).toMatchObject({ 'ZoneName.1': 'us-east-1a', 'ZoneName.2': 'us-east-1b', 'ZoneName.3': 'us-east-1c' });
    expect(calls[1].params).toMatchObject({
      'InstanceType.1': 'g6.xlarge',
      'InstanceType.2': 'g5.xlarge',
      TargetCapacity: '4',
      TargetCapacityUnitType: 'units',
      SingleAvailabilityZone: 'true',
      'RegionName.1': 'us-east-1',
      MaxResults: '100',
    });
  });

  test('follows nextToken across pages and ignores other regions', async () => {
    const world = { ...WORLD, pageSize: 1, otherRegionItems: [{ region: 'us-west-2', zoneId: 'use1-az6', score: '1' }] };
    const result = await lookupSpotPlacementScores(REQUEST, await client(world), TODAY);
    expect(server!.calls.filter((c) => c.action === 'GetSpotPlacementScores').map((c) => c.params.NextToken)).toEqual([undefined, '1', '2', '3', '4']);
    expect(result.scores.map((s) => s.score)).toEqual([9, 3, 5]);
  });

  test('an AZ EC2 does not score is reported, not given a made-up score', async () => {
    const result = await lookupSpotPlacementScores(REQUEST, await client({ ...WORLD, scores: { 'use1-az6': '8' } }), TODAY);
    expect(result.scores.map((s) => s.availabilityZone)).toEqual(['us-east-1a']);
    expect(result.unscoredAvailabilityZones).toEqual(['us-east-1b', 'us-east-1c']);
  });

  test('throttling (503 RequestLimitExceeded) is retried by the SDK', async () => {
    const result = await lookupSpotPlacementScores(REQUEST, await client(WORLD, { throttle: 2 }), TODAY);
    expect(server!.calls.filter((c) => c.action === 'GetSpotPlacementScores')).toHaveLength(3);
    expect(result.scores).toHaveLength(3);
  });

  test('throttling beyond the retries fails with the call, the error and what to do', async () => {
    await expect(lookupSpotPlacementScores(REQUEST, await client(WORLD, { throttle: 5 }), TODAY)).rejects.toThrow(
      new PlacementScoreError('GetSpotPlacementScores for us-east-1 (g6.xlarge, g5.xlarge, target 4) failed: RequestLimitExceeded: Request limit exceeded.; retry later, or turn live pricing off to use the snapshot'),
    );
  });

  test('a missing permission names it', async () => {
    const faults = { fail: { action: 'GetSpotPlacementScores', status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } };
    await expect(lookupSpotPlacementScores(REQUEST, await client(WORLD, faults), TODAY)).rejects.toThrow(
      'GetSpotPlacementScores for us-east-1 (g6.xlarge, g5.xlarge, target 4) failed: UnauthorizedOperation: You are not authorized to perform this operation.; grant ec2:GetSpotPlacementScores to the synth credentials, or turn live pricing off to use the snapshot',
    );
  });

  test('a failing zone lookup names its call and permission', async () => {
    const faults = { fail: { action: 'DescribeAvailabilityZones', status: 403, code: 'UnauthorizedOperation', message: 'nope' } };
    await expect(lookupSpotPlacementScores(REQUEST, await client(WORLD, faults), TODAY)).rejects.toThrow(
      'DescribeAvailabilityZones for us-east-1a, us-east-1b, us-east-1c failed: UnauthorizedOperation: nope; grant ec2:DescribeAvailabilityZones to the synth credentials, or turn live pricing off to use the snapshot',
    );
  });

  test('an AZ the region does not know is named', async () => {
    await expect(lookupSpotPlacementScores({ ...REQUEST, availabilityZones: ['us-east-1a', 'us-east-1z'] }, await client(), TODAY)).rejects.toThrow(
      "DescribeAvailabilityZones returned no zone ID for us-east-1z in us-east-1: check the fleet's availabilityZones",
    );
  });

  test('a score outside 1-10 is refused rather than reported', async () => {
    await expect(lookupSpotPlacementScores(REQUEST, await client({ ...WORLD, scores: { 'use1-az6': '11' } }), TODAY)).rejects.toThrow(
      'GetSpotPlacementScores for us-east-1 (g6.xlarge, g5.xlarge, target 4) returned score 11 for use1-az6: expected a whole number 1-10',
    );
  });

  test('an invalid request is refused before any call, every problem named', async () => {
    const ec2 = await client();
    await expect(lookupSpotPlacementScores({ region: 'us-east-1', instanceTypes: [], availabilityZones: ['eu-west-1a'], targetCapacity: 0 }, ec2)).rejects.toThrow(
      'spot placement score request: instanceTypes ([]) must list at least one instance type; availabilityZones (eu-west-1a) is not in region us-east-1; targetCapacity (0) must be a whole number from 1 to 2000000',
    );
    await expect(lookupSpotPlacementScores({ region: '', instanceTypes: ['g5.xlarge'], availabilityZones: [], targetCapacity: 1.5 }, ec2)).rejects.toThrow(
      'spot placement score request: region is empty; availabilityZones ([]) must list at least one AZ; targetCapacity (1.5) must be a whole number from 1 to 2000000',
    );
    expect(server!.calls).toEqual([]);
  });
});

describe('lowPlacementScoreWarnings', () => {
  const result = {
    region: 'us-east-1', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, validOn: '2026-09-01', origin: 'EC2 GetSpotPlacementScores' as const,
    scores: [
      { region: 'us-east-1', availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az6', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 9 },
      { region: 'us-east-1', availabilityZone: 'us-east-1b', availabilityZoneId: 'use1-az1', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 3 },
      { region: 'us-east-1', availabilityZone: 'us-east-1c', availabilityZoneId: 'use1-az2', instanceTypes: ['g6.xlarge', 'g5.xlarge'], targetCapacity: 4, score: 5 },
    ],
    unscoredAvailabilityZones: ['us-east-1d'],
  };

  test('names every pool below the threshold with its score, and every unscored AZ', () => {
    expect(lowPlacementScoreWarnings(result)).toEqual([
      'spot placement score 3/10 for g6.xlarge, g5.xlarge in us-east-1b (use1-az1), target 4: below 5, spot requests there are unlikely to be filled; add instance types or AZs, or expect the on-demand fallback to engage',
      'spot placement score missing for g6.xlarge, g5.xlarge in us-east-1d: EC2 gave no score (no spot capacity for these types there?); check the AZ offers them',
    ]);
  });

  test('the threshold is exclusive and configurable', () => {
    expect(lowPlacementScoreWarnings({ ...result, unscoredAvailabilityZones: [] }, 3)).toEqual([]);
    expect(lowPlacementScoreWarnings({ ...result, unscoredAvailabilityZones: [] }, 6).map((l) => l.slice(0, 41))).toEqual([
      'spot placement score 3/10 for g6.xlarge, ',
      'spot placement score 5/10 for g6.xlarge, ',
    ]);
  });

  test('an invalid threshold is refused', () => {
    expect(() => lowPlacementScoreWarnings(result, 0)).toThrow('placement score threshold (0) must be a whole number from 1 to 10');
  });
});
