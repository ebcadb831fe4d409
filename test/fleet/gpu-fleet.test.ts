import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DEFAULT_GPU_AMI_PARAMETER, GpuFleet, GpuFleetProps, gpuWeights } from '../../lib/fleet/gpu-fleet';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { HostParameterReadGuard } from '../../lib/shared/host-parameter-reads';

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function build(overrides: Partial<GpuFleetProps> = {}, network: { existingVpc?: any } = {}) {
  const { stack, fleet } = unsynthesized(overrides, network);
  return { stack, fleet, template: Template.fromStack(stack) };
}

/** The fleet before synth (a synthesized app is cached: what is added after it is not in the template). */
function unsynthesized(overrides: Partial<GpuFleetProps> = {}, network: { existingVpc?: any } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } });
  const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS, natGateways: 1, ...network });
  const fleet = new GpuFleet(stack, 'Fleet', {
    vpc,
    availabilityZones: AZS,
    instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'],
    minCapacity: 1,
    maxCapacity: 6,
    onDemandBaseCapacity: 1,
    ...overrides,
  });
  return { stack, fleet };
}

function asgProps(template: Template): Record<string, any> {
  const groups = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'));
  expect(groups).toHaveLength(1);
  return (groups[0] as any).Properties;
}

describe('GpuFleet: the group', () => {
  const { template } = build();

  test('mixed instances policy: on-demand base, spot above it, price-capacity-optimized, prioritized on-demand', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: {
        InstancesDistribution: {
          OnDemandBaseCapacity: 1,
          OnDemandPercentageAboveBaseCapacity: 0,
          OnDemandAllocationStrategy: 'prioritized',
          SpotAllocationStrategy: 'price-capacity-optimized',
        },
        LaunchTemplate: {
          Overrides: [{ InstanceType: 'g6.xlarge' }, { InstanceType: 'g5.xlarge' }, { InstanceType: 'g4dn.xlarge' }],
        },
      },
      CapacityRebalance: true,
      MinSize: '1',
      MaxSize: '6',
    });
  });

  test('no DesiredCapacity, so a deploy never resets the running fleet', () => {
    expect(asgProps(template)).not.toHaveProperty('DesiredCapacity');
  });

  test('replacement launches before termination (instance maintenance policy)', () => {
    expect(asgProps(template).InstanceMaintenancePolicy).toEqual({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
  });

  test('subnets in every configured AZ: the fleet subnets of the VPC', () => {
    const subnets = template.findResources('AWS::EC2::Subnet', { Properties: { MapPublicIpOnLaunch: false, Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Private' }]) } });
    const byId = Object.fromEntries(Object.entries(subnets).map(([id, r]: [string, any]) => [id, r.Properties.AvailabilityZone]));
    const used = asgProps(template).VPCZoneIdentifier.map((ref: { Ref: string }) => byId[ref.Ref]);
    expect(used.sort()).toEqual(AZS);
  });

  test('names its AvailabilityZones explicitly, equal to its subnets\' AZs in the same order (issue 9 hardening)', () => {
    const subnets = template.findResources('AWS::EC2::Subnet');
    const p = asgProps(template);
    const subnetAzs = p.VPCZoneIdentifier.map((ref: { Ref: string }) => (subnets[ref.Ref] as any).Properties.AvailabilityZone);
    expect(p.AvailabilityZones).toEqual(subnetAzs);
    expect([...p.AvailabilityZones].sort()).toEqual(AZS);
  });

  test('group metrics on, health check grace covers model loading, warm-up set', () => {
    const p = asgProps(template);
    expect(p.MetricsCollection).toEqual([{ Granularity: '1Minute' }]);
    expect(p.HealthCheckType).toBe('EC2');
    expect(p.HealthCheckGracePeriod).toBe(600); // 7 min warm-up + 3 min
    expect(p.DefaultInstanceWarmup).toBe(420);
  });

  test('scaling notifications go to a KMS-encrypted, TLS-only topic', () => {
    const p = asgProps(template);
    expect(p.NotificationConfigurations[0].NotificationTypes).toEqual([
      'autoscaling:EC2_INSTANCE_LAUNCH', 'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
      'autoscaling:EC2_INSTANCE_TERMINATE', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
    ]);
    const topicId = p.NotificationConfigurations[0].TopicARN.Ref;
    const topic = template.toJSON().Resources[topicId];
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FleetTopicKey/), 'Arn'] });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([
        // The Auto Scaling service-linked role, by condition: it may not exist yet when the key is created.
        Match.objectLike({
          Sid: 'AllowAutoScalingServiceLinkedRoleToPublish',
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Principal: { AWS: '*' },
          Condition: {
            ArnEquals: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling']] } },
            StringEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' } },
          },
        }),
        // CloudWatch alarms of this account and region only.
        Match.objectLike({
          Sid: 'AllowCloudWatchAlarmsToPublish',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:us-east-1:', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
          },
        }),
      ]) },
    });
    const keyPolicy = JSON.stringify(template.findResources('AWS::KMS::Key'));
    expect(keyPolicy).not.toContain('events.amazonaws.com');
  });

  test('the topic key denies grants except for AWS resources or AWS services (fleetKey)', () => {
    const [, key] = Object.entries(template.findResources('AWS::KMS::Key')).find(([id]) => id.startsWith('FleetTopicKey'))!;
    expect((key as any).Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Sid: 'DenyGrantsExceptForAwsResources',
      Effect: 'Deny',
      Action: 'kms:CreateGrant',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
  });

  test('instances carry the fleet tag', () => {
    expect(asgProps(template).Tags).toContainEqual({ Key: 'gpu-spot-fleet:fleet', PropagateAtLaunch: true, Value: 'Test' });
  });
});

describe('GpuFleet: the launch template', () => {
  const { template } = build({ rootVolumeSize: Size.gibibytes(250), userDataCommands: ['systemctl start inference.service'] });
  const data = () => (Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0] as any).Properties.LaunchTemplateData;

  test('IMDSv2 required with hop limit 1 by default, so containers cannot reach the host role\'s credentials', () => {
    expect(data().MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    const closed = build({ containerImdsAccess: false }).template;
    const lt = (Object.values(closed.findResources('AWS::EC2::LaunchTemplate'))[0] as any).Properties.LaunchTemplateData;
    expect(lt.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  test('containerImdsAccess true: hop limit 2, so containers on the host (one more hop) reach IMDSv2', () => {
    const open = build({ containerImdsAccess: true }).template;
    const lt = (Object.values(open.findResources('AWS::EC2::LaunchTemplate'))[0] as any).Properties.LaunchTemplateData;
    expect(lt.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
  });

  test('encrypted gp3 root volume of the configured size, detailed monitoring', () => {
    expect(data().BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 250, VolumeType: 'gp3' } },
    ]);
    expect(data().Monitoring).toEqual({ Enabled: true });
  });

  test('the AMI resolves at deploy time from the Deep Learning Base GPU AMI parameter', () => {
    const params = template.toJSON().Parameters;
    const imageRef = data().ImageId.Ref;
    expect(params[imageRef]).toEqual({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: DEFAULT_GPU_AMI_PARAMETER });
  });

  test('a different AMI parameter can be configured', () => {
    const t = build({ amiSsmParameter: '/my/ami' }).template;
    expect(Object.values(t.toJSON().Parameters)).toContainEqual({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/my/ami' });
  });

  test('user data sets up the NVIDIA GPU metrics agent, then runs the workload hook', () => {
    const ud: string = data().UserData['Fn::Base64'];
    expect(ud).toContain('"nvidia_gpu"');
    expect(ud).toContain('"AutoScalingGroupName": "${aws:AutoScalingGroupName}"');
    expect(ud).toContain('amazon-cloudwatch-agent-ctl -a fetch-config');
    expect(ud.indexOf('amazon-cloudwatch-agent-ctl')).toBeLessThan(ud.indexOf('systemctl start inference.service'));
  });

  test('no inbound rules, no SSH key', () => {
    const sgs = Object.values(template.findResources('AWS::EC2::SecurityGroup')) as any[];
    expect(sgs).toHaveLength(1);
    expect(sgs[0].Properties.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(data().KeyName).toBeUndefined();
  });

  test('host role: Session Manager core and GPU metrics pinned to the CWAgent namespace, nothing more', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
    });
    const policies = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('FleetInstanceRole')));
    const documents = policies.map((p) => p.Properties.PolicyDocument.Statement);
    expect(documents).toHaveLength(2);
    expect(documents).toContainEqual([
      { Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'CWAgent' } } },
      { Action: 'ec2:DescribeTags', Effect: 'Allow', Resource: '*' },
    ]);
    expect(documents).toContainEqual([DENY_ALL_PARAMETER_READS]);
  });
});

const PARAMETER_READS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'];
const DENY_ALL_PARAMETER_READS = { Sid: 'DenyParameterReadsOutsideGrants', Effect: 'Deny', Action: PARAMETER_READS, Resource: '*' };

/** The host role's Deny statements on parameter reads, from every policy attached to it. */
function parameterDenies(template: Template): any[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('FleetInstanceRole')))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((st) => st.Effect === 'Deny' && PARAMETER_READS.some((a) => [st.Action].flat().includes(a)));
}

describe('GpuFleet: SSM parameter reads (AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on *)', () => {
  test('the host reads no parameter of its own: every parameter read is denied by default', () => {
    expect(parameterDenies(build().template)).toEqual([DENY_ALL_PARAMETER_READS]);
  });

  test('parameters registered after construction (as ServingWorkload.attachTo does) are the only ones spared', () => {
    const { stack, fleet } = unsynthesized();
    const token = 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/hf-token';
    fleet.parameterReadGuard.allowRead(token, 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/other', token);
    expect(parameterDenies(Template.fromStack(stack))).toEqual([{
      Sid: 'DenyParameterReadsOutsideGrants', Effect: 'Deny', Action: PARAMETER_READS,
      NotResource: [token, 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/other'],
    }]);
    expect(fleet.parameterReadGuard.allowedParameterArns).toEqual([token, 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/other']);
  });

  test('the group waits for the deny, so no host starts without it', () => {
    const { template } = build();
    const [guardId] = Object.keys(template.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: [DENY_ALL_PARAMETER_READS] } } }));
    const group = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0] as any;
    expect(group.DependsOn).toContain(guardId);
  });

  test('one guard per role', () => {
    const { stack, fleet } = build();
    expect(() => new HostParameterReadGuard(stack, 'Again', { role: fleet.role }))
      .toThrow(`HostParameterReadGuard Test/Again: role Test/Fleet/InstanceRole already has one`);
    expect(HostParameterReadGuard.of(fleet.role)).toBe(fleet.parameterReadGuard);
  });
});

describe('GpuFleet: scaling', () => {
  test('by default the burst tracks average GPU utilization of the group', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 420,
      TargetTrackingConfiguration: {
        TargetValue: 70,
        CustomizedMetricSpecification: {
          Namespace: 'CWAgent',
          MetricName: 'nvidia_smi_utilization_gpu',
          Statistic: 'Average',
          Dimensions: [{ Name: 'AutoScalingGroupName', Value: { Ref: Match.stringLikeRegexp('^FleetGroupASG') } }],
        },
      },
    });
  });

  test('a custom metric such as queue depth can drive it', () => {
    const metric = new cloudwatch.Metric({ namespace: 'Inference', metricName: 'QueueDepthPerHost', statistic: 'Average' });
    const { template } = build({ scalingMetric: { kind: 'custom', metric, targetValue: 8 }, warmup: Duration.minutes(10) });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      EstimatedInstanceWarmup: 600,
      TargetTrackingConfiguration: { TargetValue: 8, CustomizedMetricSpecification: { Namespace: 'Inference', MetricName: 'QueueDepthPerHost' } },
    });
  });

  test('with a target group: ALB request count per target, ELB health checks, registration', () => {
    const app = new App();
    const stack = new Stack(app, 'Alb', { env: { region: 'us-east-1' } });
    const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: AZS });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 8080, protocol: elbv2.ApplicationProtocol.HTTP, targetType: elbv2.TargetType.INSTANCE });
    alb.addListener('L', { port: 80, defaultTargetGroups: [tg] });
    new GpuFleet(stack, 'Fleet', { vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 1, maxCapacity: 4, targetGroups: [tg], predictiveScaling: 'forecast-only' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { HealthCheckType: 'ELB', TargetGroupARNs: [{ Ref: Match.stringLikeRegexp('^Tg') }] });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: { TargetValue: 600, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } },
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'PredictiveScaling',
      PredictiveScalingConfiguration: { MetricSpecifications: [Match.objectLike({ PredefinedMetricPairSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCount' }) })] },
    });
  });

  test('predictive scaling on GPU utilization, buffered by the warm-up', () => {
    const { template } = build({ predictiveScaling: 'forecast-and-scale' });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'PredictiveScaling',
      PredictiveScalingConfiguration: {
        Mode: 'ForecastAndScale',
        SchedulingBufferTime: 420,
        MetricSpecifications: [{
          TargetValue: 70,
          CustomizedScalingMetricSpecification: { MetricDataQueries: [Match.objectLike({ MetricStat: Match.objectLike({ Stat: 'Average', Metric: Match.objectLike({ MetricName: 'nvidia_smi_utilization_gpu' }) }) })] },
          CustomizedLoadMetricSpecification: { MetricDataQueries: [Match.objectLike({ MetricStat: Match.objectLike({ Stat: 'Sum' }) })] },
        }],
      },
    });
  });

  test('predictive scaling is off by default', () => {
    build().template.resourcePropertiesCountIs('AWS::AutoScaling::ScalingPolicy', { PolicyType: 'PredictiveScaling' }, 0);
  });
});

describe('GpuFleet: weights by GPU count', () => {
  test('types with different GPU counts are weighted by GPUs', () => {
    const { template } = build({ instanceTypes: ['g5.12xlarge', 'g5.xlarge', 'g6.xlarge'], minCapacity: 4, maxCapacity: 16, onDemandBaseCapacity: 4 });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: [
        { InstanceType: 'g5.12xlarge', WeightedCapacity: '4' },
        { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
        { InstanceType: 'g6.xlarge', WeightedCapacity: '1' },
      ] } },
    });
  });

  test('same GPU count: no weights', () => {
    expect(gpuWeights(['g6.xlarge', 'g5.2xlarge'])).toEqual({ 'g6.xlarge': 1, 'g5.2xlarge': 1 });
    expect(gpuWeights(['g6.12xlarge', 'g5.xlarge'])).toEqual({ 'g6.12xlarge': 4, 'g5.xlarge': 1 });
  });
});

describe('GpuFleet: capacity weights in units of the caller (e.g. throughput)', () => {
  const weights = { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g4dn.xlarge': 9 };

  test('replace the GPU-count weights, are always rendered, and are what the fleet exposes', () => {
    const { template, fleet } = build({ capacityWeights: weights, minCapacity: 9, maxCapacity: 200, onDemandBaseCapacity: 9 });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '9',
      MaxSize: '200',
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: [
        { InstanceType: 'g6.xlarge', WeightedCapacity: '18' },
        { InstanceType: 'g5.xlarge', WeightedCapacity: '22' },
        { InstanceType: 'g4dn.xlarge', WeightedCapacity: '9' },
      ] } },
    });
    expect(fleet.weights).toEqual(weights);
  });

  test('explicit weights are rendered even when all are 1 (the units stay the caller\'s; GPU-count weights of 1 are not)', () => {
    const { template } = build({ capacityWeights: { 'g6.xlarge': 1, 'g5.xlarge': 1, 'g4dn.xlarge': 1 } });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: { LaunchTemplate: { Overrides: [
        { InstanceType: 'g6.xlarge', WeightedCapacity: '1' },
        { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
        { InstanceType: 'g4dn.xlarge', WeightedCapacity: '1' },
      ] } },
    });
  });

  test('a weight for every type, none for others, whole numbers 1-999', () => {
    expect(() => build({ capacityWeights: { 'g6.xlarge': 0, 'g5.xlarge': 1000, 'g5.2xlarge': 4 } })).toThrow(
      'GpuFleet Test/Fleet: capacityWeights (missing g4dn.xlarge) must give a weight for every instance type; ' +
      'capacityWeights (g5.2xlarge) names types the fleet does not use; instanceTypes are g6.xlarge, g5.xlarge, g4dn.xlarge; ' +
      'capacityWeights.g6.xlarge (0) must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity); ' +
      'capacityWeights.g5.xlarge (1000) must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)');
    expect(() => build({ capacityWeights: { ...weights, 'g6.xlarge': 18.5 } })).toThrow(
      'capacityWeights.g6.xlarge (18.5) must be a whole number from 1 to 999 (Auto Scaling WeightedCapacity)');
  });
});

describe('GpuFleet: external scaling (another construct attaches the policies)', () => {
  test('no scaling policy and no tracked metric', () => {
    const { template, fleet } = build({ scalingMetric: { kind: 'external' } });
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 0);
    expect(fleet.scalingMetric).toBeUndefined();
  });

  test('predictive scaling is skipped with a warning naming the external metric', () => {
    const { stack, template } = build({ scalingMetric: { kind: 'external' }, predictiveScaling: 'forecast-only' });
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 0);
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp(
      'predictive scaling is only built for the GPU utilization and request-count metrics; none was added for the external metric'));
  });
});

describe('GpuFleet: risky choices are warned about at synth', () => {
  test('a production fleet without an on-demand base', () => {
    const { stack } = build({ production: true, onDemandBaseCapacity: 0, minCapacity: 0 });
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('production fleet has no on-demand base'));
  });

  test('a single instance family', () => {
    const { stack } = build({ instanceTypes: ['g5.xlarge', 'g5.2xlarge'] });
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('all instance types are family g5'));
  });

  test('a single AZ and a single spot pool', () => {
    const app = new App();
    const stack = new Stack(app, 'One', { env: { region: 'us-east-1' } });
    const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: ['us-east-1a'] });
    new GpuFleet(stack, 'Fleet', { vpc, availabilityZones: ['us-east-1a'], instanceTypes: ['g6.xlarge'], minCapacity: 0, maxCapacity: 2, onDemandBaseCapacity: 0 });
    const a = Annotations.fromStack(stack);
    a.hasWarning('/One/Fleet', Match.stringLikeRegexp('the fleet spans one AZ \\(us-east-1a\\)'));
    a.hasWarning('/One/Fleet', Match.stringLikeRegexp('spot is used with a single instance type \\(g6.xlarge\\)'));
  });

  test('a sound fleet gets no warning', () => {
    const { stack } = build();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('GpuFleet: bad props fail at construction with every problem named', () => {
  test.each<[Partial<GpuFleetProps>, string]>([
    [{ minCapacity: 5, maxCapacity: 2, onDemandBaseCapacity: 0 }, 'minCapacity (5) must be <= maxCapacity (2)'],
    [{ onDemandBaseCapacity: 7 }, 'onDemandBaseCapacity (7) must be <= maxCapacity (6)'],
    [{ minCapacity: -1 }, 'minCapacity (-1) must be a whole number >= 0'],
    [{ onDemandPercentageAboveBase: 150 }, 'onDemandPercentageAboveBase (150) must be from 0 to 100'],
    [{ instanceTypes: ['g6.xlarge', 'm5.large'] }, 'instanceTypes (m5.large) is not a GPU instance type this construct knows'],
    [{ instanceTypes: [] }, 'instanceTypes ([]) must list at least one GPU instance type'],
  ])('%o', (overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  test('an AZ without a private subnet in the VPC is named, with the AZs the VPC has', () => {
    const app = new App();
    const stack = new Stack(app, 'Own', { env: { region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'] });
    expect(() => new GpuFleet(stack, 'Fleet', { vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 0, maxCapacity: 2 }))
      .toThrow('GpuFleet Own/Fleet: availabilityZones (us-east-1c) have no private subnet with egress in the VPC; the VPC has them in us-east-1a, us-east-1b. Add subnets there or remove the AZs');
  });

  test('problems are reported together with the construct path', () => {
    expect(() => build({ minCapacity: 9, onDemandPercentageAboveBase: -1 })).toThrow(
      'GpuFleet Test/Fleet: minCapacity (9) must be <= maxCapacity (6); onDemandPercentageAboveBase (-1) must be from 0 to 100');
  });
});

describe('FleetNetwork', () => {
  test('creates a VPC over the configured AZs with private subnets, NAT egress and flow logs', () => {
    const { template } = build();
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    // Encrypted with the stack's customer-managed log key; 90 days unless `logRetention` says otherwise.
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogEncryptionKey'), 'Arn'] } });
    // Flow logs are delivered by our own role, trusted only for this account's flow logs (confused deputy).
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:us-east-1:', { Ref: 'AWS::AccountId' }, ':vpc-flow-log/*']] } },
        },
      })] },
    });
    // The default security group's allow-all rules are removed.
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    const azs = Object.values(template.findResources('AWS::EC2::Subnet')).map((s: any) => s.Properties.AvailabilityZone);
    expect([...new Set(azs)].sort()).toEqual(AZS);
  });

  test('flow log retention and key are configurable (logRetention; flowLogRetention still read)', () => {
    const retention = (props: Record<string, unknown>) => {
      const app = new App();
      const stack = new Stack(app, 'Net', { env: { region: 'us-east-1' } });
      new FleetNetwork(stack, 'Network', { availabilityZones: AZS, ...props });
      return Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties);
    };
    // Two log groups: the flow logs and CDK's restrict-default-security-group provider function (its logs go to an
    // encrypted group with the same retention instead of an implicit one that never expires).
    expect(retention({ logRetention: logs.RetentionDays.ONE_YEAR })).toEqual([expect.objectContaining({ RetentionInDays: 365 }), expect.objectContaining({ RetentionInDays: 365 })]);
    expect(retention({ flowLogRetention: logs.RetentionDays.ONE_WEEK })).toEqual([expect.objectContaining({ RetentionInDays: 7 }), expect.objectContaining({ RetentionInDays: 7 })]);
    const app = new App();
    const stack = new Stack(app, 'Net', { env: { region: 'us-east-1' } });
    const key = new kms.Key(stack, 'OwnKey', { enableKeyRotation: true });
    new FleetNetwork(stack, 'Network', { availabilityZones: AZS, logEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] } });
  });

  test('imports an existing VPC by id, with no lookup and no new network', () => {
    const existingVpc = { vpcId: 'vpc-0abc', privateSubnetIds: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b', 'us-east-1c': 'subnet-c' } };
    const { template } = build({}, { existingVpc });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(asgProps(template).VPCZoneIdentifier).toEqual(['subnet-a', 'subnet-b', 'subnet-c']);
    expect(asgProps(template).AvailabilityZones).toEqual(AZS);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc' });
  });

  test('a custom VPC is accepted as is', () => {
    const app = new App();
    const stack = new Stack(app, 'Own', { env: { region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: AZS });
    new GpuFleet(stack, 'Fleet', { vpc, availabilityZones: AZS, instanceTypes: ['g6.xlarge', 'g5.xlarge'], minCapacity: 0, maxCapacity: 2, onDemandBaseCapacity: 0 });
    expect(asgProps(Template.fromStack(stack)).VPCZoneIdentifier).toHaveLength(3);
  });
});
