import { Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';

/** The account and region of environment-bound test stacks (ARNs in assertions spell them out). */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** The fleet tag construct tests hand to the constructs under test; its value is the stand-in stack's id. */
export const TEST_FLEET_TAG = { key: 'gpu-spot-fleet:fleet', value: 'GpuFleet-test' } as const;

/** The two GPU types of the stand-in group, in override order. */
export const TEST_INSTANCE_TYPES = ['g6.xlarge', 'g5.xlarge'] as const;

export interface TestFleetOptions {
  /**
   * Pin the VPC and the group's subnets (private with egress) to these zones.
   * @default - `maxAzs: 2`, the group in the VPC's default subnets
   */
  readonly availabilityZones?: readonly string[];
  /** @default 0 */
  readonly minCapacity?: number;
  /** @default 6 */
  readonly maxCapacity?: number;
  /** @default - no group metrics */
  readonly groupMetrics?: autoscaling.GroupMetrics[];
  /**
   * Construct ids of the topic and its key; tests pin the logical ids derived from them.
   * @default { topic: 'Topic', topicKey: 'TopicKey' }
   */
  readonly ids?: { readonly topic?: string; readonly topicKey?: string };
  /**
   * Add an instance-mode ALB target group ('TargetGroup', HTTP 8080) in the VPC.
   * @default false
   */
  readonly withTargetGroup?: boolean;
}

export interface TestFleet {
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly group: autoscaling.AutoScalingGroup;
  readonly topicKey: kms.Key;
  readonly topic: sns.Topic;
  /** One target group with `withTargetGroup`, otherwise undefined (the constructs' prop is optional). */
  readonly targetGroups?: elbv2.ApplicationTargetGroup[];
}

/**
 * A plain stand-in for what GpuFleet exposes, built in `stack`: VPC, launch template, mixed-instances group over
 * the two GPU types (on-demand base 1, spot above it, no DesiredCapacity) and a KMS-encrypted, TLS-only topic.
 */
export function testFleet(stack: Stack, options: TestFleetOptions = {}): TestFleet {
  const azs = options.availabilityZones ? [...options.availabilityZones] : undefined;
  const vpc = new ec2.Vpc(stack, 'Vpc', azs ? { availabilityZones: azs, natGateways: 1 } : { maxAzs: 2, natGateways: 1 });
  const launchTemplate = new ec2.LaunchTemplate(stack, 'LaunchTemplate', {
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    requireImdsv2: true,
  });
  const group = new autoscaling.AutoScalingGroup(stack, 'Group', {
    vpc,
    vpcSubnets: azs ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: azs } : undefined,
    minCapacity: options.minCapacity ?? 0,
    maxCapacity: options.maxCapacity ?? 6,
    mixedInstancesPolicy: {
      launchTemplate,
      instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 },
      launchTemplateOverrides: TEST_INSTANCE_TYPES.map((t) => ({ instanceType: new ec2.InstanceType(t) })),
    },
    groupMetrics: options.groupMetrics,
  });
  const topicKey = new kms.Key(stack, options.ids?.topicKey ?? 'TopicKey', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, options.ids?.topic ?? 'Topic', { masterKey: topicKey, enforceSSL: true });
  const targetGroups = options.withTargetGroup
    ? [new elbv2.ApplicationTargetGroup(stack, 'TargetGroup', { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE })]
    : undefined;
  return { stack, vpc, launchTemplate, group, topicKey, topic, targetGroups };
}
