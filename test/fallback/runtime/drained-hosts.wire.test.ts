import { EC2Client } from '@aws-sdk/client-ec2';
import { drainedInstanceIds, servingCapacity } from '../../../lib/fallback/runtime/drained-hosts';
import type { GroupsSnapshot } from '../../../lib/fallback/runtime/groups';
import { DRAINED_TAG_KEY } from '../../../lib/shared/fleet-tag';
import { LocalEc2Instances, startLocalEc2Instances } from '../support/local-ec2-instances';

// The real EC2Client against a local query/XML endpoint: filter serialization, paging, tag sets, throttling.
const groups = (healthy: Array<{ instanceId: string; units: number }>): GroupsSnapshot => ({
  mainDesired: 6, mainMaxSize: 10, mainInService: healthy.length, mainHealthyInService: healthy, mainPending: 0, fallbackDesired: 0, fallbackInService: 0,
});

describe('drainedInstanceIds against a local EC2 endpoint (real SDK, XML wire)', () => {
  let server: LocalEc2Instances | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const client = (maxAttempts = 3) => new EC2Client({
    region: 'us-east-1',
    endpoint: server!.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts,
  });
  const fleet = Array.from({ length: 7 }, (_, i) => ({
    id: `i-0a${i}`,
    tags: { 'gpu-spot-fleet:fleet': 'GpuFleet-test', ...(i % 2 === 0 ? { [DRAINED_TAG_KEY]: `rebalance@2025-06-02T12:0${i}:00.000Z` } : {}) },
  }));

  test('sends both filters, pages with nextToken and reads the tag set', async () => {
    server = await startLocalEc2Instances(fleet, { pageSize: 2 });
    const drained = await drainedInstanceIds(client(), ['i-0a0', 'i-0a1', 'i-0a2', 'i-0a3', 'i-0a4', 'i-0a6']);
    expect([...drained]).toEqual(['i-0a0', 'i-0a2', 'i-0a4', 'i-0a6']);
    expect(server.calls.map((c) => c.NextToken)).toEqual([undefined, '2']);
    expect(server.calls[0]).toMatchObject({
      Action: 'DescribeInstances',
      'Filter.1.Name': 'instance-id',
      'Filter.1.Value.1': 'i-0a0',
      'Filter.1.Value.6': 'i-0a6',
      'Filter.2.Name': 'tag-key',
      'Filter.2.Value.1': DRAINED_TAG_KEY,
      MaxResults: '1000',
    });
  });

  test('EC2 throttling (503 RequestLimitExceeded) is retried by the SDK', async () => {
    server = await startLocalEc2Instances(fleet, { throttleFirst: 1 });
    expect([...await drainedInstanceIds(client(), ['i-0a0', 'i-0a1'])]).toEqual(['i-0a0']);
    expect(server.calls).toHaveLength(2);
  });

  test('throttling that outlasts the retries leaves drained hosts counted as serving, with the reason', async () => {
    server = await startLocalEc2Instances(fleet, { throttleFirst: 5 });
    const snapshot = groups([{ instanceId: 'i-0a0', units: 1 }, { instanceId: 'i-0a1', units: 1 }]);
    expect(await servingCapacity(snapshot, client(2))).toEqual({
      serving: 2, drained: 0, unhealthy: 0,
      drainedTagsUnread: 'ec2:DescribeInstances (drained tags of 2 main-group hosts) failed: RequestLimitExceeded: Request limit exceeded.',
    });
  });

  test('an XML error the SDK parses as permanent fails the run', async () => {
    server = await startLocalEc2Instances(fleet, { failWith: { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } });
    await expect(servingCapacity(groups([{ instanceId: 'i-0a0', units: 1 }]), client())).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
