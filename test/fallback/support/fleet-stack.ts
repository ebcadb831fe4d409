import { App, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';

export const FLEET_TAG = { key: 'gpu-spot-fleet:fleet', value: 'GpuFleet-test' } as const;
export const INSTANCE_TYPES = ['g6.xlarge', 'g5.xlarge'] as const;
export const AZS = ['us-east-1a', 'us-east-1b'] as const;

/** A minimal fleet as GpuFleet exposes it: a mixed-instances group over two GPU types and a KMS-encrypted topic. */
export function fleetStack(app: App = new App(), options: { withTargetGroup?: boolean } = {}) {
  const stack = new Stack(app, 'GpuFleet-test', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: [...AZS], natGateways: 1 });
  const launchTemplate = new ec2.LaunchTemplate(stack, 'LaunchTemplate', {
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    requireImdsv2: true,
  });
  const group = new autoscaling.AutoScalingGroup(stack, 'Group', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [...AZS] },
    minCapacity: 0,
    maxCapacity: 6,
    mixedInstancesPolicy: {
      launchTemplate,
      instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 },
      launchTemplateOverrides: INSTANCE_TYPES.map((t) => ({ instanceType: new ec2.InstanceType(t) })),
    },
  });
  const topic = new sns.Topic(stack, 'Topic', { masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }), enforceSSL: true });
  const targetGroups = options.withTargetGroup
    ? [new elbv2.ApplicationTargetGroup(stack, 'TargetGroup', { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE })]
    : undefined;
  return { app, stack, vpc, launchTemplate, group, topic, targetGroups };
}

/** The fallback props every test starts from. */
export function fallbackProps(f: ReturnType<typeof fleetStack>) {
  return {
    autoScalingGroup: f.group,
    launchTemplate: f.launchTemplate,
    vpc: f.vpc,
    availabilityZones: [...AZS],
    instanceTypes: [...INSTANCE_TYPES],
    topic: f.topic,
    fleetTag: FLEET_TAG,
    maxFallbackInstances: 4,
  };
}
