import { App, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_elasticloadbalancingv2 as elbv2, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { InterruptionHandler, InterruptionHandlerProps } from '../../../lib/interruption';

export const FLEET_TAG = { key: 'gpu-spot-fleet:fleet', value: 'GpuFleet-test' } as const;

/** A minimal fleet as GpuFleet exposes it: mixed-instances group over two GPU types, KMS-encrypted topic. */
export function fleetStack(app: App = new App(), extra: Partial<InterruptionHandlerProps> = {}, withTargetGroup = false, agnostic = false) {
  const stack = new Stack(app, 'GpuFleet-test', agnostic ? {} : { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const launchTemplate = new ec2.LaunchTemplate(stack, 'LaunchTemplate', {
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    requireImdsv2: true,
  });
  const group = new autoscaling.AutoScalingGroup(stack, 'Group', {
    vpc,
    minCapacity: 0,
    maxCapacity: 4,
    mixedInstancesPolicy: {
      launchTemplate,
      instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 },
      launchTemplateOverrides: [{ instanceType: new ec2.InstanceType('g6.xlarge') }, { instanceType: new ec2.InstanceType('g5.xlarge') }],
    },
  });
  const topic = new sns.Topic(stack, 'Topic', { masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }), enforceSSL: true });
  const targetGroups = withTargetGroup
    ? [new elbv2.ApplicationTargetGroup(stack, 'TargetGroup', { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE })]
    : undefined;
  const handler = new InterruptionHandler(stack, 'Interruption', {
    autoScalingGroup: group,
    topic,
    fleetTag: FLEET_TAG,
    targetGroups,
    ...extra,
  });
  return { app, stack, group, topic, handler, targetGroups };
}
