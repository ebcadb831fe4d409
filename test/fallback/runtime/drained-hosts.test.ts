import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drainedInstanceIds, INSTANCE_IDS_PER_REQUEST, servingCapacity } from '../../../lib/fallback/runtime/drained-hosts';
import type { GroupsSnapshot } from '../../../lib/fallback/runtime/groups';
import { DRAINED_TAG_KEY } from '../../../lib/shared/fleet-tag';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const host = (n: number, units = 1) => ({ instanceId: `i-${String(n).padStart(4, '0')}`, units });
const groups = (healthy: ReturnType<typeof host>[], inService = healthy.reduce((s, h) => s + h.units, 0)): GroupsSnapshot => ({
  mainDesired: 6, mainMaxSize: 10, mainInService: inService, mainHealthyInService: healthy, mainPending: 0, fallbackDesired: 0, fallbackInService: 0,
});
const drainedAnswer = (ids: string[]) => ({
  Reservations: ids.map((id) => ({ Instances: [{ InstanceId: id, Tags: [{ Key: DRAINED_TAG_KEY, Value: 'rebalance@2025-06-02T12:00:00.000Z' }] }] })),
});

describe('servingCapacity (mocked EC2)', () => {
  test('drained hosts and unhealthy hosts do not serve; weights count', async () => {
    ec2.on(DescribeInstancesCommand).resolves(drainedAnswer(['i-0001']));
    const result = await servingCapacity(groups([host(0, 4), host(1, 4), host(2, 2)], 14), new EC2Client({}));
    expect(result).toEqual({ serving: 6, drained: 4, unhealthy: 4 });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [{ Name: 'instance-id', Values: ['i-0000', 'i-0001', 'i-0002'] }, { Name: 'tag-key', Values: [DRAINED_TAG_KEY] }],
      MaxResults: 1000,
    });
  });

  test('an instance returned without the tag is not counted as drained', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0000', Tags: [{ Key: 'other', Value: 'x' }] }] }] });
    expect(await servingCapacity(groups([host(0)]), new EC2Client({}))).toEqual({ serving: 1, drained: 0, unhealthy: 0 });
  });

  test('no healthy host in service: no EC2 call', async () => {
    expect(await servingCapacity(groups([], 3), new EC2Client({}))).toEqual({ serving: 0, drained: 0, unhealthy: 3 });
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });

  test('a transient failure counts drained hosts as serving this run and says which call failed and why', async () => {
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } }));
    expect(await servingCapacity(groups([host(0), host(1)]), new EC2Client({}))).toEqual({
      serving: 2,
      drained: 0,
      unhealthy: 0,
      drainedTagsUnread: 'ec2:DescribeInstances (drained tags of 2 main-group hosts) failed: RequestLimitExceeded: Request limit exceeded.',
    });
  });

  test('a permanent failure fails the run, naming the call and keeping the error name', async () => {
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
    const run = servingCapacity(groups([host(0)]), new EC2Client({}));
    await expect(run).rejects.toThrow('ec2:DescribeInstances (drained tags of 1 main-group hosts) failed: UnauthorizedOperation: You are not authorized to perform this operation.');
    await expect(run).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('drainedInstanceIds (mocked EC2)', () => {
  test(`reads ${INSTANCE_IDS_PER_REQUEST} ids per request and follows NextToken`, async () => {
    const ids = Array.from({ length: 450 }, (_, i) => host(i).instanceId);
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ ...drainedAnswer(['i-0007']), NextToken: 'p2' })
      .resolvesOnce(drainedAnswer(['i-0150']))
      .resolvesOnce(drainedAnswer(['i-0300']))
      .resolvesOnce(drainedAnswer(['i-0449']));
    expect([...await drainedInstanceIds(new EC2Client({}), ids)]).toEqual(['i-0007', 'i-0150', 'i-0300', 'i-0449']);
    const calls = ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Filters![0].Values!.length, c.NextToken])).toEqual([[200, undefined], [200, 'p2'], [200, undefined], [50, undefined]]);
    expect(calls[1].Filters![0].Values).toEqual(calls[0].Filters![0].Values);
  });
});
