import { App, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as sns from 'aws-cdk-lib/aws-sns';
import { TEST_ENV, testFleet as sharedTestFleet } from '../support/test-fleet';

/** A plain stand-in for GpuFleet: VPC, launch template, mixed-instances group without DesiredCapacity, topic. */
export interface TestFleet {
  readonly stack: Stack;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly topic: sns.Topic;
}

export function testFleet(app: App = new App(), id = 'TestStack'): TestFleet {
  const stack = new Stack(app, id, { env: TEST_ENV });
  const { group, topic } = sharedTestFleet(stack, {
    minCapacity: 1,
    maxCapacity: 6,
    groupMetrics: [autoscaling.GroupMetrics.all()],
    ids: { topic: 'FleetTopic', topicKey: 'FleetTopicKey' },
  });
  return { stack, autoScalingGroup: group, topic };
}
