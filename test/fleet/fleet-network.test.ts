import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { FleetNetwork, FleetNetworkProps } from '../../lib/fleet/fleet-network';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const EXISTING = {
  vpcId: 'vpc-0abc',
  privateSubnetIds: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b', 'us-east-1c': 'subnet-c' },
  privateRouteTableIds: { 'us-east-1a': 'rtb-a', 'us-east-1b': 'rtb-b', 'us-east-1c': 'rtb-c' },
};

function build(props: Partial<FleetNetworkProps> = {}, allowHosts = true) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const network = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, ...props });
  const hosts = new ec2.SecurityGroup(stack, 'Hosts', { vpc: network.vpc, description: 'hosts' });
  if (props.ecrInterfaceEndpoints && allowHosts) network.allowEndpointAccessFrom(hosts);
  return { stack, network, hosts };
}

/** Logical ids of the route tables of the created VPC's subnets of one type. */
function routeTableRefs(template: Template, subnetName: 'Public' | 'Fleet'): Array<{ Ref: string }> {
  return Object.keys(template.findResources('AWS::EC2::RouteTable'))
    .filter((id) => id.includes(`${subnetName}Subnet`))
    .map((id) => ({ Ref: id }));
}

describe('FleetNetwork: VPC endpoints', () => {
  test('none by default (today\'s networks unchanged)', () => {
    const template = Template.fromStack(build().stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  test('S3 gateway endpoint on exactly the private subnets\' route tables', () => {
    const template = Template.fromStack(build({ s3GatewayEndpoint: true }).stack);
    const privateTables = routeTableRefs(template, 'Fleet');
    expect(privateTables).toHaveLength(3);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint'))[0] as any;
    expect(endpoint.Properties.VpcEndpointType).toBe('Gateway');
    expect(endpoint.Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
    expect(endpoint.Properties.RouteTableIds).toEqual(expect.arrayContaining(privateTables));
    expect(endpoint.Properties.RouteTableIds).toHaveLength(3);
    // No endpoint policy: the host role is the boundary.
    expect(endpoint.Properties.PolicyDocument).toBeUndefined();
  });

  test('existing VPC: the S3 endpoint goes on the given private route tables', () => {
    const template = Template.fromStack(build({ existingVpc: EXISTING, s3GatewayEndpoint: true }).stack);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcId: 'vpc-0abc', VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-a', 'rtb-b', 'rtb-c'],
    });
  });

  test('existing VPC without a route table per AZ: construction error naming the AZs', () => {
    const existingVpc = { ...EXISTING, privateRouteTableIds: { 'us-east-1a': 'rtb-a' } };
    expect(() => build({ existingVpc, s3GatewayEndpoint: true })).toThrow(
      "FleetNetwork Test/Network: existingVpc.privateRouteTableIds (missing us-east-1b, us-east-1c) must name the route table of every AZ's private subnet when s3GatewayEndpoint is true: the endpoint is a route in them",
    );
    // Without the endpoint the route tables are not needed.
    expect(() => build({ existingVpc: { vpcId: 'vpc-0abc', privateSubnetIds: EXISTING.privateSubnetIds } })).not.toThrow();
  });

  test('ECR interface endpoints: ecr.api and ecr.dkr, private DNS, private subnets, HTTPS only from the hosts', () => {
    const { stack } = build({ ecrInterfaceEndpoints: true });
    const template = Template.fromStack(stack);
    for (const service of ['ecr.api', 'ecr.dkr']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.us-east-1.${service}`,
        PrivateDnsEnabled: true,
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('NetworkVpcFleetSubnet1Subnet') }]),
      });
    }
    const sgs = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'ECR interface endpoints: HTTPS from the fleet hosts only' } });
    const [sgId] = Object.keys(sgs);
    expect((sgs[sgId] as any).Properties.SecurityGroupIngress).toBeUndefined(); // no CIDR rule
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((r: any) => r.Properties).filter((p) => p.GroupId['Fn::GetAtt'][0] === sgId);
    expect(ingress).toEqual([expect.objectContaining({
      IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^Hosts/), 'GroupId'] },
    })]);
  });

  test('ECR interface endpoints nobody may reach fail synth with the fix in the message', () => {
    const { stack } = build({ ecrInterfaceEndpoints: true }, false);
    expect(() => Template.fromStack(stack)).toThrow(
      'FleetNetwork Test/Network: ecrInterfaceEndpoints (true) need allowEndpointAccessFrom(<fleet hosts>): with private DNS, every ECR call goes to these endpoints, which admit nobody yet',
    );
  });

  test('allowEndpointAccessFrom without interface endpoints is an error', () => {
    const { network, hosts } = build();
    expect(() => network.allowEndpointAccessFrom(hosts)).toThrow(
      'FleetNetwork Test/Network: allowEndpointAccessFrom needs ecrInterfaceEndpoints: true (there are no interface endpoints)',
    );
  });
});

describe('FleetNetwork: an existing VPC\'s public subnets (internet-facing serving endpoints)', () => {
  test('imported per AZ, in the configured AZs\' order', () => {
    const existingVpc = { ...EXISTING, publicSubnetIds: { 'us-east-1c': 'subnet-pc', 'us-east-1a': 'subnet-pa', 'us-east-1b': 'subnet-pb' } };
    const { network } = build({ existingVpc });
    expect(network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PUBLIC }).subnetIds).toEqual(['subnet-pa', 'subnet-pb', 'subnet-pc']);
    expect(network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
  });

  test('none unless given', () => {
    expect(build({ existingVpc: EXISTING }).network.vpc.publicSubnets).toEqual([]);
  });

  test('given for some AZs only: construction error naming them', () => {
    const existingVpc = { ...EXISTING, publicSubnetIds: { 'us-east-1a': 'subnet-pa' } };
    expect(() => build({ existingVpc })).toThrow(
      'FleetNetwork Test/Network: existingVpc.publicSubnetIds (missing us-east-1b, us-east-1c) must name a public subnet in every AZ when given: a load balancer reaches targets only in its own AZs',
    );
  });
});
