import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createInterruptionProcessor } from '../../../lib/interruption/runtime/processor';
import type { HandlerConfig } from '../../../lib/interruption/runtime/types';
import { captureEmf, CONFIG, fakeClock, lambdaContext, makeDeps, metricPoints, sqsEvent } from './handler-fixtures';

/**
 * Mocked AWS clients plus a processor factory for handler tests. Call once per test file (at module level): it
 * resets the mocks and captures the EMF output around every test.
 */
export function handlerHarness() {
  const mocks = {
    ec2: mockClient(EC2Client),
    autoScaling: mockClient(AutoScalingClient),
    ssm: mockClient(SSMClient),
    elbv2: mockClient(ElasticLoadBalancingV2Client),
    sns: mockClient(SNSClient),
    sqs: mockClient(SQSClient),
  };
  let emf: ReturnType<typeof captureEmf>;
  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    mocks.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    mocks.ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success' });
    emf = captureEmf();
  });
  afterEach(() => emf.restore());

  const clients = () => ({
    ec2: new EC2Client({}),
    autoScaling: new AutoScalingClient({}),
    ssm: new SSMClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    sns: new SNSClient({}),
    sqs: new SQSClient({}),
  });

  function setup(config: HandlerConfig = CONFIG, clock = fakeClock()) {
    const deps = makeDeps(clients(), clock);
    const processor = createInterruptionProcessor(config, deps);
    const spies = {
      info: jest.spyOn(deps.logger, 'info'),
      warn: jest.spyOn(deps.logger, 'warn'),
      error: jest.spyOn(deps.logger, 'error'),
    };
    return { processor, deps, spies, clock, run: (...bodies: Array<object | string>) => processor.handle(sqsEvent(...bodies), lambdaContext()) };
  }

  return {
    ...mocks,
    setup,
    /** Every metric point emitted in this test. */
    points: () => metricPoints(emf.blobs),
    /** Points of the fleet-wide series (default dimensions only), the one the alarms read. */
    fleetWide: (name: string) => metricPoints(emf.blobs).filter((p) => p.name === name && Object.keys(p.dims).length === 2),
  };
}
