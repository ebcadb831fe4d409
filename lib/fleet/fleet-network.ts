import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encryption';

export interface FleetNetworkProps {
  /** AZs the VPC spans (explicit, so synth needs no AZ lookup). */
  readonly availabilityZones: readonly string[];

  /**
   * NAT gateways for the private subnets' egress: one per AZ for availability, fewer to save money.
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * Use this existing VPC instead of creating one (ids given, no context lookup, so synth needs no account).
   * @default - a new VPC
   */
  readonly existingVpc?: { readonly vpcId: string; readonly privateSubnetIds: Readonly<Record<string, string>> };

  /**
   * Retention of the VPC flow logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Retention of the VPC flow logs.
   * @deprecated use `logRetention`, the name every construct of this library uses
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Customer-managed key the flow log group is encrypted with.
   * @default - the stack's log key (`logEncryptionKey` in lib/shared/encryption.ts)
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The fleet's VPC: private subnets with NAT egress in every configured AZ, flow logs on (to a log group encrypted with
 * a customer-managed key); or an imported one.
 */
export class FleetNetwork extends Construct {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: FleetNetworkProps) {
    super(scope, id);
    if (props.existingVpc) {
      const azs = [...props.availabilityZones];
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: props.existingVpc.vpcId,
        availabilityZones: azs,
        privateSubnetIds: azs.map((az) => props.existingVpc!.privateSubnetIds[az]),
      });
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'Fleet', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      // The default security group loses its allow-all rules (CIS / Security Hub EC2.2); nothing here uses it.
      restrictDefaultSecurityGroup: true,
    });
    const flowLogGroup = encryptedLogGroup(this, 'FlowLogs', {
      retention: props.logRetention ?? props.flowLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logEncryptionKey,
    });
    const stack = Stack.of(this);
    // Our own role for the flow log, so its trust carries the confused-deputy conditions CDK's default lacks.
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }) },
        },
      }),
      description: 'Delivers the fleet VPC flow logs to their log group',
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    this.vpc = vpc;
  }
}
