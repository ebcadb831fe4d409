import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { FALLBACK_ENV } from '../../../lib/shared/fallback-env';

// The deployed entry point, as Lambda loads it: configuration from the environment the construct sets, clients
// at module scope, the Tracer (disabled outside Lambda, so no X-Ray daemon is needed here).
const ENV: Record<string, string> = {
  [FALLBACK_ENV.mainGroupName]: 'main-asg',
  [FALLBACK_ENV.fallbackGroupName]: 'fallback-asg',
  [FALLBACK_ENV.stateParameterName]: '/gpu-spot-fleet/GpuFleet-test/fallback-state',
  [FALLBACK_ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:fleet',
  [FALLBACK_ENV.fleet]: 'GpuFleet-test',
  [FALLBACK_ENV.engageAfterMinutes]: '5',
  [FALLBACK_ENV.engageWithoutFailuresAfterMinutes]: '15',
  [FALLBACK_ENV.releaseAfterMinutes]: '15',
  [FALLBACK_ENV.maxFallbackInstances]: '4',
  [FALLBACK_ENV.unitsPerInstance]: '1',
  [FALLBACK_ENV.fallbackWeighted]: 'false',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
mockClient(SNSClient);
const context = { functionName: 'controller', awsRequestId: 'req-1' } as Context;

const saved = { ...process.env };
Object.assign(process.env, ENV);
// Loaded after the environment is set, as Lambda does; the SDK classes are the mocked ones.
const { handler } = require('../../../lib/fallback/runtime/handler') as typeof import('../../../lib/fallback/runtime/handler');

beforeEach(() => {
  for (const m of [asg, ec2, ssm]) m.reset();
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      { AutoScalingGroupName: 'main-asg', DesiredCapacity: 2, MaxSize: 4, Instances: [{ InstanceId: 'i-1', LifecycleState: 'InService', HealthStatus: 'Healthy' }, { InstanceId: 'i-2', LifecycleState: 'InService', HealthStatus: 'Healthy' }] } as never,
      { AutoScalingGroupName: 'fallback-asg', DesiredCapacity: 0, Instances: [] } as never,
    ],
  });
  asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
  ssm.on(PutParameterCommand).resolves({});
});
afterAll(() => {
  process.env = { ...saved };
});

test('a run returns its summary (tracing off outside Lambda)', async () => {
  await expect(handler({}, context)).resolves.toEqual({ action: 'hold', desiredFallback: 0, resized: false, notified: false, rebuilt: 'missing' });
  expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
});

test('a failed run throws, so Lambda counts the error and sends the event to the on-failure destination', async () => {
  asg.on(DescribeAutoScalingGroupsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
  await expect(handler({}, context)).rejects.toThrow('denied');
});

test('a missing variable stops the cold start with its name', () => {
  const topic = process.env[FALLBACK_ENV.topicArn];
  delete process.env[FALLBACK_ENV.topicArn];
  try {
    expect(() => jest.isolateModules(() => require('../../../lib/fallback/runtime/handler'))).toThrow(
      'environment variable TOPIC_ARN is not set: the OnDemandFallback construct sets it; redeploy the stack',
    );
  } finally {
    process.env[FALLBACK_ENV.topicArn] = topic;
  }
});
