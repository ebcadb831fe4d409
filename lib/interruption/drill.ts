import { Stack, Token, Validations, aws_cloudwatch as cloudwatch, aws_fis as fis, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { FleetTag } from '../shared/fleet-tag';

export interface SpotInterruptionDrillProps {
  /** The fleet's tag: the drill interrupts running spot instances that carry it. */
  readonly fleetTag: FleetTag;
  /** Share (1-100 %) of those instances that get the 2-minute notice. */
  readonly sharePercent: number;
  /** Alarms that stop the experiment when they fire. */
  readonly stopAlarms: readonly cloudwatch.IAlarm[];
}

/**
 * A FIS experiment template that sends the 2-minute spot interruption notice to a share of the fleet's running
 * spot instances, with a role that may interrupt only instances carrying the fleet tag.
 */
export function spotInterruptionDrill(scope: Construct, props: SpotInterruptionDrillProps): fis.CfnExperimentTemplate {
  const stack = Stack.of(scope);
  const sharePercent = props.sharePercent;
  const role = new iam.Role(scope, 'DrillRole', {
    assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
      // Confused-deputy guard: only FIS experiments of this account and region assume it.
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'fis', resource: 'experiment', resourceName: '*' }) },
      },
    }),
    description: `FIS interrupts spot instances of ${props.fleetTag.value} in drills`,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'InterruptFleetSpotInstances',
      actions: ['ec2:SendSpotInstanceInterruptions'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: { StringEquals: { [`aws:ResourceTag/${props.fleetTag.key}`]: props.fleetTag.value } },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ResolveTargets', actions: ['ec2:DescribeInstances'], resources: ['*'] }),
  );
  const policy = role.node.findChild('DefaultPolicy');
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ec2:DescribeInstances has no resource-level permissions; FIS needs it to resolve the tagged targets',
  });
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ec2')}:instance/*]`,
    reason: `instance ids are unknown at deploy time; the aws:ResourceTag/${props.fleetTag.key} condition limits interruptions to this fleet`,
  });

  return new fis.CfnExperimentTemplate(scope, 'DrillTemplate', {
    description: `Spot interruption drill: ${sharePercent}% of ${props.fleetTag.value} spot instances get a 2-minute notice`,
    roleArn: role.roleArn,
    stopConditions: props.stopAlarms.map((a) => ({
      source: 'aws:cloudwatch:alarm',
      value: a.alarmArn,
    })),
    targets: {
      FleetSpotInstances: {
        resourceType: 'aws:ec2:spot-instance',
        resourceTags: { [props.fleetTag.key]: props.fleetTag.value },
        filters: [{ path: 'State.Name', values: ['running'] }],
        selectionMode: `PERCENT(${sharePercent})`,
      },
    },
    actions: {
      InterruptSpot: {
        actionId: 'aws:ec2:send-spot-instance-interruptions',
        description: 'Two-minute spot interruption notice, then the instance is reclaimed',
        parameters: { durationBeforeInterruption: 'PT2M' },
        targets: { SpotInstances: 'FleetSpotInstances' },
      },
    },
    tags: {
      Name: `${props.fleetTag.value} spot interruption drill`,
      [props.fleetTag.key]: props.fleetTag.value,
      'gpu-spot-fleet:stack': stack.stackName,
    },
  });
}

/** An ARN prefix as cdk-nag prints it in finding ids: tokens as `<AWS::Region>`, concrete values as they are. */
export function nagArn(stack: Stack, service: string): string {
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}`;
}
