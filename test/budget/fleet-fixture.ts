import { App, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';

/** A plain stand-in for GpuFleet: VPC, launch template, mixed-instances group without DesiredCapacity, topic. */
export interface TestFleet {
  readonly stack: Stack;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly topic: sns.Topic;
}

export function testFleet(app: App = new App(), id = 'TestStack'): TestFleet {
  const stack = new Stack(app, id, { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const launchTemplate = new ec2.LaunchTemplate(stack, 'LaunchTemplate', {
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    requireImdsv2: true,
  });
  const autoScalingGroup = new autoscaling.AutoScalingGroup(stack, 'Group', {
    vpc,
    minCapacity: 1,
    maxCapacity: 6,
    mixedInstancesPolicy: {
      launchTemplate,
      instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 },
      launchTemplateOverrides: [
        { instanceType: new ec2.InstanceType('g6.xlarge') },
        { instanceType: new ec2.InstanceType('g5.xlarge') },
      ],
    },
    groupMetrics: [autoscaling.GroupMetrics.all()],
  });
  const topic = new sns.Topic(stack, 'FleetTopic', {
    masterKey: new kms.Key(stack, 'FleetTopicKey', { enableKeyRotation: true }),
    enforceSSL: true,
  });
  return { stack, autoScalingGroup, topic };
}
