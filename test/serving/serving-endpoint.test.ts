import { App, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { GpuFleet } from '../../lib/fleet/gpu-fleet';
import { mayMatchBlockedPath, ServingEndpoint, ServingEndpointProps } from '../../lib/serving/serving-endpoint';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-1111-2222-3333-444455556666';

type PropsFor = (stack: Stack) => Partial<ServingEndpointProps>;

function build(propsFor: PropsFor = () => ({}), network: { existingVpc?: any } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
  const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, ...network });
  const endpoint = new ServingEndpoint(stack, 'Endpoint', { vpc, port: 8000, drainTimeout: Duration.seconds(300), ...propsFor(stack) });
  return { stack, vpc, endpoint };
}

/** The endpoint in front of a fleet (registered through GpuFleet.targetGroups) and a second group (registerGroup). */
function withGroups(propsFor: PropsFor = () => ({})) {
  const b = build(propsFor);
  const fleet = new GpuFleet(b.stack, 'Fleet', {
    vpc: b.vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 1, maxCapacity: 4,
    targetGroups: [b.endpoint.targetGroup],
  });
  const second = new autoscaling.AutoScalingGroup(b.stack, 'Second', {
    vpc: b.vpc, minCapacity: 0, maxCapacity: 2,
    mixedInstancesPolicy: { launchTemplate: fleet.launchTemplate, launchTemplateOverrides: [{ instanceType: new ec2.InstanceType('g6.xlarge') }] },
  });
  b.endpoint.registerGroup(second);
  b.endpoint.registerGroup(second); // idempotent
  return { ...b, fleet, second };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const internetFacing: PropsFor = (s) => ({ internetFacing: true, certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT) });

function attributes(resource: any): Record<string, string> {
  const list = resource.Properties.LoadBalancerAttributes ?? resource.Properties.TargetGroupAttributes;
  return Object.fromEntries(list.map((a: { Key: string; Value: string }) => [a.Key, a.Value]));
}
const only = (template: Template, type: string) => {
  const all = Object.entries(template.findResources(type));
  expect(all).toHaveLength(1);
  return { id: all[0][0], resource: all[0][1] as any };
};

describe('ServingEndpoint: internal (default)', () => {
  const { stack } = withGroups();
  const template = Template.fromStack(stack);

  test('an internal ALB in the private subnets, invalid headers dropped, 300 s idle timeout, access logs to its bucket', () => {
    const { resource: lb } = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties.Scheme).toBe('internal');
    expect(lb.Properties.Subnets).toEqual(['1', '2', '3'].map((n) => ({ Ref: expect.stringMatching(new RegExp(`^NetworkVpcFleetSubnet${n}Subnet`)) })));
    const bucket = only(template, 'AWS::S3::Bucket');
    expect(attributes(lb)).toEqual({
      'deletion_protection.enabled': 'false',
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'idle_timeout.timeout_seconds': '300',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: bucket.id },
      'access_logs.s3.prefix': 'alb',
    });
    // The ALB waits for the bucket policy, or access-log delivery fails the create.
    expect(lb.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EndpointAccessLogBucketPolicy/)]));
  });

  test('access-log bucket: SSE-S3, public access blocked, owner-enforced, lifecycle expiry, kept on stack delete', () => {
    const { id, resource } = only(template, 'AWS::S3::Bucket');
    expect(id).toBe('EndpointAccessLogBucketCA2188FA'); // pinned: a stateful resource
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.Properties).toEqual({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireAccessLogs', Status: 'Enabled', ExpirationInDays: 90, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
    });
  });

  test('access-log bucket policy: TLS only; ELB log delivery may write under alb/AWSLogs/<account>/ only', () => {
    const { resource } = only(template, 'AWS::S3::BucketPolicy');
    const statements = resource.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' },
    }));
    const puts = statements.filter((s: any) => s.Action === 's3:PutObject');
    expect(puts).toHaveLength(2);
    for (const p of puts) {
      expect(p.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['EndpointAccessLogBucketCA2188FA', 'Arn'] }, '/alb/AWSLogs/123456789012/*']] });
    }
  });

  test('HTTP :80 only, forwarding to the target group; no HTTPS without a certificate', () => {
    const { resource } = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
    const tg = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(resource.Properties).toMatchObject({ Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tg.id } }] });
  });

  test('priority 1 on the listener: /metrics and /metrics/* answer a fixed 403 (vLLM\'s API key does not cover them)', () => {
    const listener = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
    const { resource: rule } = only(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule.Properties).toEqual({
      ListenerArn: { Ref: listener.id },
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } }],
      Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' } }],
    });
  });

  test('target group: the workload\'s health check, slow start, deregistration delay within the drain, round robin', () => {
    const { resource } = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(resource.Properties).toMatchObject({
      Port: 8000, Protocol: 'HTTP', TargetType: 'instance',
      HealthCheckPath: '/health', Matcher: { HttpCode: '200' }, HealthCheckPort: 'traffic-port', HealthCheckProtocol: 'HTTP',
      HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 3,
    });
    expect(attributes(resource)).toEqual({
      'slow_start.duration_seconds': '120',
      'deregistration_delay.timeout_seconds': '120',
      'load_balancing.algorithm.type': 'round_robin',
      'stickiness.enabled': 'false',
    });
  });

  test('ALB security group: the VPC CIDR on port 80 in, out only to the hosts on the workload port', () => {
    const sgs = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Serving endpoint') } });
    const [albSgId, albSg] = Object.entries(sgs)[0] as [string, any];
    // The created VPC's CIDR as a literal (cdk-nag can judge it; a reviewer can read it).
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    expect(albSg.Properties.SecurityGroupIngress).toEqual([{
      CidrIp: '10.0.0.0/16', Description: 'Clients 10.0.0.0/16 on 80', FromPort: 80, ToPort: 80, IpProtocol: 'tcp',
    }]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r: any) => r.Properties)
      .filter((p) => p.GroupId['Fn::GetAtt'][0] === albSgId);
    expect(egress).toEqual([expect.objectContaining({
      IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, DestinationSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^FleetSecurityGroup/), 'GroupId'] },
    })]);
  });

  test('the hosts\' security group: exactly one ingress, from the ALB on the workload port', () => {
    const hostSgId = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).find((id) => id.startsWith('FleetSecurityGroup'))!;
    expect((template.findResources('AWS::EC2::SecurityGroup')[hostSgId] as any).Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties)
      .filter((p) => p.GroupId['Fn::GetAtt'][0] === hostSgId);
    expect(ingress).toEqual([{
      IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, Description: 'Load balancer to target',
      GroupId: { 'Fn::GetAtt': [hostSgId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^EndpointSecurityGroup/), 'GroupId'] },
    }]);
  });

  test('both groups register with the target group, once each', () => {
    const tg = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const groups = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup')) as any[];
    expect(groups).toHaveLength(2);
    for (const g of groups) expect(g.Properties.TargetGroupARNs).toEqual([{ Ref: tg.id }]);
  });
});

describe('ServingEndpoint: internet-facing', () => {
  const { stack } = build(internetFacing);
  const template = Template.fromStack(stack);

  test('in the public subnets', () => {
    const { resource: lb } = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb.Properties.Scheme).toBe('internet-facing');
    expect(lb.Properties.Subnets).toEqual(['1', '2', '3'].map((n) => ({ Ref: expect.stringMatching(new RegExp(`^NetworkVpcPublicSubnet${n}Subnet`)) })));
  });

  test('HTTPS :443 with the certificate and the current TLS policy; HTTP :80 redirects permanently to HTTPS', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09', Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^EndpointTargetGroup') } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  test('the /metrics 403 is on the HTTPS listener (HTTP only redirects to it)', () => {
    const https = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 443 } }));
    expect(https).toHaveLength(1);
    const { resource: rule } = only(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule.Properties).toMatchObject({ ListenerArn: { Ref: https[0] }, Priority: 1, Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403' } }] });
  });

  test('the ALB security group admits anyone on 443 and 80 (the redirect), nothing else', () => {
    const sgs = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Serving endpoint') } });
    const ingress = (Object.values(sgs)[0] as any).Properties.SecurityGroupIngress;
    expect(ingress.map((r: any) => [r.CidrIp, r.FromPort, r.ToPort])).toEqual([['0.0.0.0/0', 443, 443], ['0.0.0.0/0', 80, 80]]);
  });

  test('url is https://<ALB DNS name>', () => {
    const { stack: s, endpoint } = build(internetFacing);
    const lbId = Object.keys(Template.fromStack(s).findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    expect(s.resolve(endpoint.url)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [lbId, 'DNSName'] }]] });
    expect(s.resolve(endpoint.dnsName)).toEqual({ 'Fn::GetAtt': [lbId, 'DNSName'] });
  });
});

describe('ServingEndpoint: options', () => {
  test('an internal endpoint with a certificate serves HTTPS too (and redirects HTTP)', () => {
    const { stack, endpoint } = build((s) => ({ certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT), allowedCidrs: ['10.0.0.0/8'] }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09', Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^EndpointTargetGroup') } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    const sgs = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Serving endpoint') } });
    const ingress = (Object.values(sgs)[0] as any).Properties.SecurityGroupIngress;
    expect(ingress.map((r: any) => [r.CidrIp, r.FromPort, r.ToPort])).toEqual([['10.0.0.0/8', 443, 443], ['10.0.0.0/8', 80, 80]]);
    expect(endpoint.redirectListener).toBeDefined();
    // A deployed HTTP endpoint that gets a certificate: the redirect takes port 80 only once Listener has left it.
    const [redirectId] = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 80 } }));
    const [httpsId] = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 443 } }));
    expect(httpsId).toMatch(/^EndpointLoadBalancerListener/);
    expect(template.toJSON().Resources[redirectId].DependsOn).toEqual([httpsId]);
    expect(stack.resolve(endpoint.url)['Fn::Join'][1][0]).toBe('https://');
  });

  test('least outstanding requests: slow start off by default', () => {
    const { stack } = build(() => ({ routing: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS }));
    const { resource } = only(Template.fromStack(stack), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(attributes(resource)['load_balancing.algorithm.type']).toBe('least_outstanding_requests');
    expect(attributes(resource)).not.toHaveProperty('slow_start.duration_seconds');
  });

  test('health check, slow start, delays, retention and deletion protection from props', () => {
    const { stack, endpoint } = build(() => ({
      healthCheck: { path: '/v1/models', healthyHttpCodes: '200-299', interval: Duration.seconds(30), timeout: Duration.seconds(10), healthyThresholdCount: 3, unhealthyThresholdCount: 5 },
      slowStart: Duration.seconds(300), deregistrationDelay: Duration.seconds(300), idleTimeout: Duration.seconds(600),
      accessLogRetention: Duration.days(365), deletionProtection: true,
    }));
    const template = Template.fromStack(stack);
    const { resource: tg } = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tg.Properties).toMatchObject({
      HealthCheckPath: '/v1/models', Matcher: { HttpCode: '200-299' }, HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10,
      HealthyThresholdCount: 3, UnhealthyThresholdCount: 5,
    });
    expect(attributes(tg)).toMatchObject({ 'slow_start.duration_seconds': '300', 'deregistration_delay.timeout_seconds': '300' });
    const { resource: lb } = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(attributes(lb)).toMatchObject({ 'idle_timeout.timeout_seconds': '600', 'deletion_protection.enabled': 'true' });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] } });
    expect(endpoint.deregistrationDelay.toSeconds()).toBe(300);
  });

  test('the default deregistration delay never exceeds a short drain timeout', () => {
    const { stack, endpoint } = build(() => ({ drainTimeout: Duration.seconds(60) }));
    expect(attributes(only(Template.fromStack(stack), 'AWS::ElasticLoadBalancingV2::TargetGroup').resource)['deregistration_delay.timeout_seconds']).toBe('60');
    expect(endpoint.deregistrationDelay.toSeconds()).toBe(60);
  });

  test('allowed CIDRs: one ingress rule per CIDR on the listener port', () => {
    const { stack } = build(() => ({ allowedCidrs: ['10.0.0.0/8', '192.168.1.0/24'] }));
    const sgs = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Serving endpoint') } });
    expect((Object.values(sgs)[0] as any).Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort])).toEqual([['10.0.0.0/8', 80], ['192.168.1.0/24', 80]]);
  });

  test('an imported VPC with its CIDR given: internal default clients are that CIDR', () => {
    const existingVpc = { vpcId: 'vpc-0abc', cidrBlock: '10.20.0.0/16', privateSubnetIds: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b', 'us-east-1c': 'subnet-c' } };
    const { stack } = build(() => ({}), { existingVpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ['subnet-a', 'subnet-b', 'subnet-c'] });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 80 })] });
  });

  test('a VPC whose CIDR is only known at deploy time: the rule references it', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', vpcCidrBlock: Fn.importValue('network-cidr'), availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: ['subnet-a', 'subnet-b'],
    });
    new ServingEndpoint(stack, 'Endpoint', { vpc, port: 8000, drainTimeout: Duration.seconds(300) });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: { 'Fn::ImportValue': 'network-cidr' }, Description: 'Clients (the VPC CIDR) on 80', FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }],
    });
  });

  test('metrics for alarms and dashboards: requests, latency percentiles, 5xx, hosts', () => {
    const { endpoint } = build();
    const shape = (m: any) => {
      const c = m.toMetricConfig().metricStat;
      return [c.metricName, c.statistic, c.period.toSeconds(), c.dimensions.map((d: any) => d.name).sort().join(',')];
    };
    expect(shape(endpoint.metrics.requests())).toEqual(['RequestCount', 'Sum', 60, 'LoadBalancer,TargetGroup']);
    expect(shape(endpoint.metrics.latency('p90'))).toEqual(['TargetResponseTime', 'p90', 60, 'LoadBalancer,TargetGroup']);
    expect(shape(endpoint.metrics.target5xx())).toEqual(['HTTPCode_Target_5XX_Count', 'Sum', 60, 'LoadBalancer,TargetGroup']);
    expect(shape(endpoint.metrics.elb5xx())).toEqual(['HTTPCode_ELB_5XX_Count', 'Sum', 60, 'LoadBalancer']);
    expect(shape(endpoint.metrics.healthyHosts())).toEqual(['HealthyHostCount', 'Minimum', 60, 'LoadBalancer,TargetGroup']);
    expect(shape(endpoint.metrics.unhealthyHosts({ period: Duration.minutes(5) }))).toEqual(['UnHealthyHostCount', 'Maximum', 300, 'LoadBalancer,TargetGroup']);
  });

  test('scaling on request count works with the target group (it is attached to its load balancer at construction)', () => {
    const b = build();
    const fleet = new GpuFleet(b.stack, 'Fleet', {
      vpc: b.vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 1, maxCapacity: 4,
      targetGroups: [b.endpoint.targetGroup],
      scalingMetric: { kind: 'request-count', targetGroup: b.endpoint.targetGroup, targetRequestsPerMinute: 540 },
    });
    expect(fleet).toBeDefined();
    Template.fromStack(b.stack).hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' }, TargetValue: 540 },
    });
  });
});

describe('ServingEndpoint: allowedPaths', () => {
  const FORBIDDEN = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' } };
  const rules = (template: Template) => Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r: any) => r.Properties)
    .sort((a, b) => a.Priority - b.Priority);

  test('/v1/*: the listener answers 403 by default, priority 1 forwards /v1/* to the target group, no /metrics rule', () => {
    const { stack, endpoint } = withGroups(() => ({ allowedPaths: ['/v1/*'] }));
    const template = Template.fromStack(stack);
    const listener = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
    const tg = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(listener.resource.Properties.DefaultActions).toEqual([FORBIDDEN]);
    expect(rules(template)).toEqual([{
      ListenerArn: { Ref: listener.id }, Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: tg.id } }],
    }]);
    expect(endpoint.metricsBlockRule).toBeUndefined();
    expect(endpoint.allowedPathsRule).toBeDefined();
    // The health check goes from the target group to the hosts, not through the listener: unchanged.
    expect(tg.resource.Properties).toMatchObject({ HealthCheckPath: '/health', HealthCheckPort: 'traffic-port' });
    // Request-count scaling needs the target group attached to the load balancer: the forward rule attaches it.
    expect(() => endpoint.targetGroup.firstLoadBalancerFullName).not.toThrow();
  });

  test('patterns that may match /metrics: the /metrics 403 stays at priority 1, the forward rule comes second', () => {
    const { stack } = build(() => ({ allowedPaths: ['/v1/*', '/m*'] }));
    const template = Template.fromStack(stack);
    const listener = only(template, 'AWS::ElasticLoadBalancingV2::Listener');
    const tg = only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(listener.resource.Properties.DefaultActions).toEqual([FORBIDDEN]);
    expect(rules(template)).toEqual([
      { ListenerArn: { Ref: listener.id }, Priority: 1, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } }], Actions: [FORBIDDEN] },
      { ListenerArn: { Ref: listener.id }, Priority: 2, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*', '/m*'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: tg.id } }] },
    ]);
  });

  test('with HTTPS: the 403 default and the forward rule are on the HTTPS listener; HTTP still only redirects', () => {
    const { stack } = build((s) => ({ ...internetFacing(s), allowedPaths: ['/v1/*'] }));
    const template = Template.fromStack(stack);
    const listeners = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::Listener')) as [string, any][];
    const https = listeners.find(([, l]) => l.Properties.Port === 443)!;
    const http = listeners.find(([, l]) => l.Properties.Port === 80)!;
    expect(https[1].Properties.DefaultActions).toEqual([FORBIDDEN]);
    expect(http[1].Properties.DefaultActions[0].Type).toBe('redirect');
    expect(rules(template)).toEqual([expect.objectContaining({ ListenerArn: { Ref: https[0] }, Priority: 1, Actions: [expect.objectContaining({ Type: 'forward' })] })]);
  });

  test.each<[string, boolean]>([
    ['/metrics', true], ['/metrics/x', true], ['/metricsx', false], ['/v1/*', false], ['/*', true], ['/m?trics', true], ['/me*', true],
    ['/metrics*', true], ['/metricsx*', true], ['/x*', false], ['/health', false], ['*', true],
  ])('mayMatchBlockedPath(%s) is %s', (pattern, may) => {
    expect(mayMatchBlockedPath(pattern)).toBe(may);
  });
});

describe('ServingEndpoint: construction errors', () => {
  const error = (propsFor: PropsFor, network: { existingVpc?: any } = {}) => {
    try {
      build(propsFor, network);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  const one = (problem: string) => `ServingEndpoint Test/Endpoint props are invalid:\n  - ${problem}`;
  const cert = (arn: string): PropsFor => (s) => ({ certificate: acm.Certificate.fromCertificateArn(s, 'Cert', arn) });
  const hc = (h: object): PropsFor => () => ({ healthCheck: h });

  test.each<[string, PropsFor, string]>([
    ['internet-facing without a certificate', () => ({ internetFacing: true }),
      'certificate (missing) is required when internetFacing is true: an internet-facing endpoint serves HTTPS only'],
    ['not an ACM ARN', cert('arn:aws:iam::123456789012:server-certificate/x'),
      'certificate (arn:aws:iam::123456789012:server-certificate/x) must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>'],
    ['certificate of another region', cert('arn:aws:acm:eu-west-1:123456789012:certificate/abc'),
      "certificate (arn:aws:acm:eu-west-1:123456789012:certificate/abc) must be in the stack's region (us-east-1): a load balancer uses certificates of its own region"],
    ['port 0', () => ({ port: 0 }), 'port (0) must be a whole number from 1 to 65535: a TCP port'],
    ['port 65536', () => ({ port: 65536 }), 'port (65536) must be a whole number from 1 to 65535: a TCP port'],
    ['health path', hc({ path: 'health' }), 'healthCheck.path ("health") must start with / (e.g. /health) and hold at most 1024 URL path characters'],
    ['healthy codes format', hc({ healthyHttpCodes: '2xx' }), 'healthCheck.healthyHttpCodes ("2xx") must be codes 200-499 as "200", "200-299" or "200,202"'],
    ['healthy codes range', hc({ healthyHttpCodes: '200-599' }), 'healthCheck.healthyHttpCodes ("200-599") must be codes 200-499 as "200", "200-299" or "200,202"'],
    ['interval', hc({ interval: Duration.seconds(301) }), 'healthCheck.interval (301) must be a whole number from 5 to 300: seconds between checks (ALB range)'],
    ['timeout', hc({ timeout: Duration.seconds(1) }), 'healthCheck.timeout (1) must be a whole number from 2 to 120: seconds of one check (ALB range)'],
    ['interval not above timeout', hc({ interval: Duration.seconds(10), timeout: Duration.seconds(10) }),
      'healthCheck.interval (10s) must be longer than healthCheck.timeout (10s)'],
    ['healthy threshold', hc({ healthyThresholdCount: 1 }), 'healthCheck.healthyThresholdCount (1) must be a whole number from 2 to 10: ALB range'],
    ['unhealthy threshold', hc({ unhealthyThresholdCount: 11 }), 'healthCheck.unhealthyThresholdCount (11) must be a whole number from 2 to 10: ALB range'],
    ['slow start 29 s', () => ({ slowStart: Duration.seconds(29) }), 'slowStart (29s) must be 0 or from 30s to 900s (ALB range)'],
    ['slow start 901 s', () => ({ slowStart: Duration.seconds(901) }), 'slowStart (901s) must be 0 or from 30s to 900s (ALB range)'],
    ['slow start with least outstanding requests', () => ({ slowStart: Duration.seconds(120), routing: elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS }),
      'slowStart (120s) must be 0 when routing is least_outstanding_requests: ALB has slow start with round robin only'],
    ['deregistration delay above the drain', () => ({ deregistrationDelay: Duration.seconds(301) }),
      'deregistrationDelay (301s) must be <= drainTimeout (300s): the drain must last as long as the load balancer lets in-flight requests finish'],
    ['idle timeout', () => ({ idleTimeout: Duration.seconds(4001) }), 'idleTimeout (4001) must be a whole number from 1 to 4000: seconds (ALB range)'],
    ['access-log retention 0', () => ({ accessLogRetention: Duration.days(0) }), 'accessLogRetention (0) must be a whole number from 1 to 3650: whole days of access logs'],
    ['access-log retention in part days', () => ({ accessLogRetention: Duration.hours(36) }), 'accessLogRetention (1.5) must be a whole number from 1 to 3650: whole days of access logs'],
    ['access-log retention 3651 days', () => ({ accessLogRetention: Duration.days(3651) }), 'accessLogRetention (3651) must be a whole number from 1 to 3650: whole days of access logs'],
    ['no allowed path', () => ({ allowedPaths: [] }), 'allowedPaths ([]) must list at least one path pattern: every request would be refused'],
    ['six allowed paths', () => ({ allowedPaths: ['/a', '/b', '/c', '/d', '/e', '/f'] }),
      'allowedPaths (["/a","/b","/c","/d","/e","/f"]) must list at most 5 path patterns: one listener rule\'s condition limit (ALB quota)'],
    ['an allowed path without /', () => ({ allowedPaths: ['v1/*'] }), 'allowedPaths ("v1/*") must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?'],
    ['an allowed path of 129 characters', () => ({ allowedPaths: [`/${'a'.repeat(128)}`] }), `allowedPaths ("/${'a'.repeat(128)}") must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?`],
    ['an allowed path twice', () => ({ allowedPaths: ['/v1/*', '/v1/*'] }), 'allowedPaths (["/v1/*","/v1/*"]) lists "/v1/*" more than once: each pattern once'],
    ['six wildcards', () => ({ allowedPaths: ['/a/*/*/*', '/b/*/?/*'] }),
      'allowedPaths (["/a/*/*/*","/b/*/?/*"]) has 6 wildcards (* and ?): one listener rule takes at most 5 (ALB quota)'],
    ['no allowed CIDR', () => ({ allowedCidrs: [] }), 'allowedCidrs ([]) must list at least one CIDR: nobody could reach the endpoint'],
    ['bad CIDR', () => ({ allowedCidrs: ['10.0.0.0/33'] }), 'allowedCidrs ("10.0.0.0/33") must be an IPv4 CIDR like 10.0.0.0/8'],
    ['one AZ', (s) => ({ subnets: { subnets: [ec2.Subnet.fromSubnetAttributes(s, 'One', { subnetId: 'subnet-1', availabilityZone: 'us-east-1a' })] } }),
      'subnets (1 subnet(s) in us-east-1a) must span at least 2 AZs: an Application Load Balancer needs subnets in two'],
  ])('%s', (_name, propsFor, problem) => {
    expect(error(propsFor)).toBe(one(problem));
  });

  test('allowed bounds', () => {
    expect(() => build(() => ({ slowStart: Duration.seconds(30), deregistrationDelay: Duration.seconds(300), port: 65535 }))).not.toThrow();
    expect(() => build(() => ({ slowStart: Duration.seconds(900), deregistrationDelay: Duration.seconds(0), port: 1 }))).not.toThrow();
    expect(() => build(() => ({ slowStart: Duration.seconds(0), accessLogRetention: Duration.days(3650) }))).not.toThrow();
  });

  test('an imported VPC without its CIDR: allowedCidrs must be given', () => {
    const existingVpc = { vpcId: 'vpc-0abc', privateSubnetIds: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b', 'us-east-1c': 'subnet-c' } };
    expect(error(() => ({}), { existingVpc })).toBe(one('allowedCidrs (missing) is required for this VPC: it was imported without vpcCidrBlock, so the default (the VPC CIDR) is unknown'));
    expect(() => build(() => ({ allowedCidrs: ['10.0.0.0/8'] }), { existingVpc })).not.toThrow();
  });

  test('internet-facing in a VPC without public subnets', () => {
    const existingVpc = { vpcId: 'vpc-0abc', privateSubnetIds: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b', 'us-east-1c': 'subnet-c' } };
    // The second half is CDK's own message.
    expect(error(internetFacing, { existingVpc })).toMatch(new RegExp(`^${escape(one(
      'subnets (default: public) cannot be selected in the VPC: There are no \'Public\' subnet groups in this VPC. Available types: ',
    ))}[A-Za-z_,]*Private[A-Za-z_,]*$`));
  });

  test('every problem at once, one line each', () => {
    expect(error(() => ({ internetFacing: true, port: 0, deregistrationDelay: Duration.seconds(900) })).split('\n')).toEqual([
      'ServingEndpoint Test/Endpoint props are invalid:',
      '  - certificate (missing) is required when internetFacing is true: an internet-facing endpoint serves HTTPS only',
      '  - port (0) must be a whole number from 1 to 65535: a TCP port',
      '  - deregistrationDelay (900s) must be <= drainTimeout (300s): the drain must last as long as the load balancer lets in-flight requests finish',
    ]);
  });
});
