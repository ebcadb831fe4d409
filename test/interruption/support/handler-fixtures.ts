import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { AwsClientStub } from 'aws-sdk-client-mock';
import { DETAIL_TYPES } from '../../../lib/interruption/runtime/events';
import type { HandlerConfig, HandlerDeps } from '../../../lib/interruption/runtime/types';
import { InMemoryPersistenceLayer } from './in-memory-persistence';

export const GROUP = 'GpuFleet-test-GroupASG-ABC';
/** A second group of the same fleet (the on-demand fallback group). */
export const FALLBACK_GROUP = 'GpuFleet-test-FallbackGroupASG-DEF';
export const FLEET = { key: 'gpu-spot-fleet:fleet', value: 'GpuFleet-test' };

export const CONFIG: HandlerConfig = {
  autoScalingGroupNames: [GROUP, FALLBACK_GROUP],
  fleetTag: FLEET,
  targetGroupArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a/1', 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/2'],
  rebalanceAction: 'drain',
  drainDocumentName: 'GpuFleet-test-DrainDocument',
  drainDocumentParameters: { serviceName: ['inference.service'], timeoutSeconds: ['300'] },
  drainTimeoutSeconds: 300,
  resumeDocumentName: 'GpuFleet-test-ResumeDocument',
  resumeDocumentParameters: { serviceName: ['inference.service'] },
  rebalanceRecheckSeconds: 900,
  heartbeatIntervalSeconds: 60,
  pollIntervalSeconds: 5,
  topicArn: 'arn:aws:sns:us-east-1:123456789012:fleet',
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
};

let seq = 0;
const envelope = (detailType: string, detail: Record<string, unknown>, id?: string) => ({
  version: '0',
  id: id ?? `evt-${++seq}`,
  'detail-type': detailType,
  source: detailType === 'Scheduled Event' ? 'aws.events' : detailType.includes('Lifecycle') || detailType.includes('Launch') ? 'aws.autoscaling' : 'aws.ec2',
  account: '123456789012',
  time: '2025-11-22T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

export const events = {
  /** The drained-host sweep's tick (EventBridge schedule), at `time`. */
  sweep: (time: Date, id?: string) => ({ ...envelope('Scheduled Event', {}, id), time: time.toISOString() }),
  interruption: (instanceId: string, id?: string) =>
    envelope(DETAIL_TYPES.spotInterruption, { 'instance-id': instanceId, 'instance-action': 'terminate' }, id),
  rebalance: (instanceId: string, id?: string) => envelope(DETAIL_TYPES.rebalance, { 'instance-id': instanceId }, id),
  stateChange: (instanceId: string, state: string, id?: string) => envelope(DETAIL_TYPES.stateChange, { 'instance-id': instanceId, state }, id),
  lifecycle: (instanceId: string, id?: string, group = GROUP) =>
    envelope(
      DETAIL_TYPES.terminateLifecycle,
      {
        EC2InstanceId: instanceId,
        AutoScalingGroupName: group,
        LifecycleHookName: 'DrainOnTerminate-hook',
        LifecycleActionToken: 'token-1',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      },
      id,
    ),
  launchUnsuccessful: (statusMessage: string, az = 'us-east-1b', id?: string) =>
    envelope(
      DETAIL_TYPES.launchUnsuccessful,
      { AutoScalingGroupName: GROUP, StatusCode: 'Failed', StatusMessage: statusMessage, Details: { 'Availability Zone': az, 'Subnet ID': 'subnet-1' } },
      id,
    ),
};

let msg = 0;
export function sqsEvent(...bodies: Array<object | string>): SQSEvent {
  return {
    Records: bodies.map(
      (b) =>
        ({
          messageId: `msg-${++msg}`,
          receiptHandle: 'rh',
          body: typeof b === 'string' ? b : JSON.stringify(b),
          attributes: {} as SQSRecord['attributes'],
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
          awsRegion: 'us-east-1',
        }) as SQSRecord,
    ),
  };
}

export function lambdaContext(): Context {
  return {
    functionName: 'interruption-handler',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 400_000,
  } as unknown as Context;
}

/** An instance as DescribeInstances returns it; `fleet: false` makes it another fleet's. */
export function instance(instanceId: string, opts: { fleet?: boolean; state?: string; type?: string; az?: string; launchTime?: Date; group?: string } = {}) {
  const tags = [{ Key: 'aws:autoscaling:groupName', Value: opts.fleet === false ? 'other-group' : opts.group ?? GROUP }];
  tags.push({ Key: FLEET.key, Value: opts.fleet === false ? 'GpuFleet-other' : FLEET.value });
  return {
    InstanceId: instanceId,
    InstanceType: opts.type ?? 'g6.xlarge',
    InstanceLifecycle: 'spot' as const,
    State: { Name: (opts.state ?? 'running') as 'running' },
    Placement: { AvailabilityZone: opts.az ?? 'us-east-1a' },
    ...(opts.launchTime ? { LaunchTime: opts.launchTime } : {}),
    Tags: tags,
  };
}

export function describeReturns(ec2: AwsClientStub<EC2Client>, instances: ReturnType<typeof instance>[]): void {
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    const found = instances.filter((i) => input.InstanceIds?.includes(i.InstanceId));
    if (found.length === 0) throw awsError('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceIds?.[0]}' does not exist`);
    return { Reservations: [{ Instances: found }] };
  });
}

export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/** A fake clock: `sleep` advances `now` without waiting. */
export function fakeClock(start = 1_700_000_000_000, realSleepMs = 0) {
  let t = start;
  const sleep = async (ms: number) => {
    // A few real milliseconds let other records' real (setTimeout-based) mock latencies progress meanwhile.
    if (realSleepMs > 0) await new Promise((r) => setTimeout(r, realSleepMs));
    t += ms;
  };
  return { now: () => t, sleep, advance: (ms: number) => void (t += ms) };
}

export interface Deps extends HandlerDeps {
  readonly logger: Logger;
}

export function makeDeps(
  clients: { ec2: EC2Client; autoScaling: AutoScalingClient; ssm: SSMClient; elbv2: ElasticLoadBalancingV2Client; sns: SNSClient; sqs: SQSClient },
  clock = fakeClock(),
): Deps {
  const table = new Map();
  return {
    ...clients,
    logger: new Logger({ serviceName: 'interruption-handler', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'GpuSpotFleet', serviceName: 'interruption-handler', defaultDimensions: { Fleet: FLEET.value } }),
    eventStore: new InMemoryPersistenceLayer(table),
    drainStore: new InMemoryPersistenceLayer(table),
    sleep: clock.sleep,
    now: clock.now,
  };
}

/** Captures EMF blobs the Powertools Metrics write to stdout. */
export function captureEmf(): { blobs: Array<Record<string, unknown>>; restore: () => void } {
  const blobs: Array<Record<string, unknown>> = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    for (const line of String(chunk).split('\n')) {
      if (line.includes('"_aws"')) blobs.push(JSON.parse(line));
    }
    return true;
  });
  return { blobs, restore: () => spy.mockRestore() };
}

/** Metric names with the dimensions they were emitted with, one entry per blob. */
export function metricPoints(blobs: Array<Record<string, unknown>>) {
  return blobs.flatMap((b) => {
    const cw = (b._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics[0];
    return cw.Metrics.map((m) => ({ name: m.Name, value: b[m.Name], dims: Object.fromEntries(cw.Dimensions[0].map((d) => [d, b[d]])) }));
  });
}
