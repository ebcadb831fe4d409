import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../shared/encryption';
import { GpuFleetError } from '../shared/errors';

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
  readonly existingVpc?: ExistingVpc;

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

  /**
   * An S3 gateway endpoint on the private subnets' route tables (free): model downloads and ECR image layers, which
   * ECR stores in S3, stop paying NAT per GB on every launch. With `existingVpc` it needs
   * `existingVpc.privateRouteTableIds`; leave it off when those route tables already have an S3 endpoint (a second
   * one fails the deploy).
   * https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
   * @default false
   */
  readonly s3GatewayEndpoint?: boolean;

  /**
   * ECR interface endpoints (`ecr.api` and `ecr.dkr`, private DNS) in the private subnets, so tokens and manifests
   * stay off NAT (layers come from S3: use `s3GatewayEndpoint` too). They cost per endpoint, AZ and hour, so they
   * pay off mainly in VPCs without internet egress. Their security group admits only what
   * `allowEndpointAccessFrom` names (synth fails until something is named).
   * https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
   * @default false
   */
  readonly ecrInterfaceEndpoints?: boolean;
}

/** An existing VPC, by ids (no context lookup, so synth needs no account). */
export interface ExistingVpc {
  readonly vpcId: string;
  /** Private subnet (with egress) per AZ. */
  readonly privateSubnetIds: Readonly<Record<string, string>>;
  /**
   * Route table of each private subnet, per AZ; needed for `s3GatewayEndpoint`.
   * @default - unknown
   */
  readonly privateRouteTableIds?: Readonly<Record<string, string>>;
  /**
   * Public subnet per AZ, one for every AZ when given: an internet-facing load balancer needs them (it routes only to
   * targets in AZs it is enabled in).
   * @default - none
   */
  readonly publicSubnetIds?: Readonly<Record<string, string>>;
  /**
   * The VPC's IPv4 CIDR, for rules that default to "the VPC" (e.g. an internal endpoint's allowed clients).
   * @default - unknown
   */
  readonly cidrBlock?: string;
}

/**
 * The fleet's VPC: private subnets with NAT egress in every configured AZ, flow logs on (to a log group encrypted with
 * a customer-managed key); or an imported one.
 */
export class FleetNetwork extends Construct {
  public readonly vpc: ec2.IVpc;
  /** The S3 gateway endpoint, with `s3GatewayEndpoint`. */
  public readonly s3Endpoint?: ec2.GatewayVpcEndpoint;
  /** `ecr.api` and `ecr.dkr` interface endpoints, with `ecrInterfaceEndpoints`. */
  public readonly ecrEndpoints: readonly ec2.InterfaceVpcEndpoint[] = [];
  /** Security group of the ECR interface endpoints, with `ecrInterfaceEndpoints`. */
  public readonly endpointSecurityGroup?: ec2.SecurityGroup;

  private endpointClients = 0;

  constructor(scope: Construct, id: string, props: FleetNetworkProps) {
    super(scope, id);
    this.vpc = props.existingVpc ? this.importVpc(props, props.existingVpc) : this.createVpc(props);
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    if (props.s3GatewayEndpoint) {
      // No endpoint policy: the host role is the boundary, and a policy would also have to allow ECR's layer bucket
      // and the OS package repositories.
      this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [privateSubnets] });
    }
    if (props.ecrInterfaceEndpoints) {
      const sg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'ECR interface endpoints: HTTPS from the fleet hosts only',
        allowAllOutbound: false,
      });
      this.endpointSecurityGroup = sg;
      const endpoint = (id: string, service: ec2.InterfaceVpcEndpointAwsService) => this.vpc.addInterfaceEndpoint(id, {
        service, privateDnsEnabled: true, subnets: privateSubnets, securityGroups: [sg], open: false,
      });
      this.ecrEndpoints = [endpoint('EcrApiEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR), endpoint('EcrDockerEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER)];
      // With private DNS on, ECR's names resolve to these endpoints: a closed security group would break every pull.
      this.node.addValidation({
        validate: () => (this.endpointClients > 0 ? [] : [
          `FleetNetwork ${this.node.path}: ecrInterfaceEndpoints (true) need allowEndpointAccessFrom(<fleet hosts>): with private DNS, every ECR call goes to these endpoints, which admit nobody yet`,
        ]),
      });
    }
  }

  /** Lets `peer` (the fleet hosts) reach the ECR interface endpoints on HTTPS. */
  allowEndpointAccessFrom(peer: ec2.IConnectable): void {
    if (!this.endpointSecurityGroup) {
      throw new Error(`FleetNetwork ${this.node.path}: allowEndpointAccessFrom needs ecrInterfaceEndpoints: true (there are no interface endpoints)`);
    }
    this.endpointSecurityGroup.connections.allowFrom(peer, ec2.Port.tcp(443), 'Fleet hosts to the ECR interface endpoints');
    this.endpointClients++;
  }

  private importVpc(props: FleetNetworkProps, existing: ExistingVpc): ec2.IVpc {
    const azs = [...props.availabilityZones];
    const routeTables = existing.privateRouteTableIds;
    const missing = azs.filter((az) => !routeTables?.[az]);
    if (props.s3GatewayEndpoint && missing.length > 0) {
      throw new Error(`FleetNetwork ${this.node.path}: existingVpc.privateRouteTableIds (missing ${missing.join(', ')}) must name the route table of every AZ's private subnet when s3GatewayEndpoint is true: the endpoint is a route in them`);
    }
    const publicSubnets = existing.publicSubnetIds;
    const noPublic = publicSubnets ? azs.filter((az) => !publicSubnets[az]) : [];
    if (noPublic.length > 0) {
      throw new GpuFleetError(`FleetNetwork ${this.node.path}: existingVpc.publicSubnetIds (missing ${noPublic.join(', ')}) must name a public subnet in every AZ when given: a load balancer reaches targets only in its own AZs`);
    }
    return ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: existing.vpcId,
      vpcCidrBlock: existing.cidrBlock,
      availabilityZones: azs,
      privateSubnetIds: azs.map((az) => existing.privateSubnetIds[az]),
      privateSubnetRouteTableIds: routeTables ? azs.map((az) => routeTables[az]) : undefined,
      publicSubnetIds: publicSubnets ? azs.map((az) => publicSubnets[az]) : undefined,
    });
  }

  private createVpc(props: FleetNetworkProps): ec2.IVpc {
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
    const retention = props.logRetention ?? props.flowLogRetention ?? logs.RetentionDays.THREE_MONTHS;
    const flowLogGroup = encryptedLogGroup(this, 'FlowLogs', { retention, encryptionKey: props.logEncryptionKey });
    const stack = Stack.of(this);
    // CDK's provider function behind restrictDefaultSecurityGroup (one per stack) would log to an implicit log
    // group, unencrypted and kept forever; it has no logging props, so its LoggingConfig is set by escape hatch.
    const provider = stack.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const providerFunction = provider?.node.tryFindChild('Handler');
    if (provider && providerFunction instanceof CfnResource && !provider.node.tryFindChild('Logs')) {
      const providerLogs = encryptedLogGroup(provider, 'Logs', { retention, encryptionKey: props.logEncryptionKey });
      providerFunction.addPropertyOverride('LoggingConfig', { LogGroup: providerLogs.logGroupName });
    }
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
    return vpc;
  }
}
