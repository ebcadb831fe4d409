import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { dev, prod, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { configFromEnv } from '../../lib/interruption/runtime/env';
import { INTERRUPTION_ENV } from '../../lib/shared/interruption-env';
import { requestsPerHostPerMinute, servingTimings } from '../../lib/stacks/serving-timings';
import { events, lambdaContext, sqsEvent } from '../interruption/support/handler-fixtures';
import { handlerHarness } from '../interruption/support/handler-harness';
import { shellcheck, shellcheckAvailability } from '../support/shellcheck';
import { buildEnvironmentStack, resourcesOfType, withoutServing } from '../support/stacks';

// Issue 11, "Done when", on the composed staging and prod templates: endpoint, workload, network, drain wiring,
// request-count scaling with the latency guard, rollouts with alarm rollback, serving alarms and dashboard rows.

const built = { dev: buildEnvironmentStack(dev), staging: buildEnvironmentStack(staging), prod: buildEnvironmentStack(prod) };
const CONFIGS: Record<string, EnvironmentConfig> = { dev, staging, prod };

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
const resources = (t: Template) => t.toJSON().Resources as Resources;
const only = (t: Template, type: string) => {
  const found = Object.entries(resourcesOfType(t, type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], ...found[0][1] };
};
const attributes = (r: { Properties: Record<string, any> }, key: 'LoadBalancerAttributes' | 'TargetGroupAttributes') =>
  Object.fromEntries((r.Properties[key] as Array<{ Key: string; Value: unknown }>).map((a) => [a.Key, a.Value]));

/** The launch template's user data as the host gets it, CloudFormation references replaced by placeholders. */
function userData(t: Template): string {
  const data = only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData['Fn::Base64'];
  if (typeof data === 'string') return data;
  const [sep, parts] = data['Fn::Join'];
  return parts.map((p: unknown) => (typeof p === 'string' ? p : 'resolved-by-cloudformation')).join(sep);
}

describe.each(['staging', 'prod'])('%s: the serving endpoint, composed', (name) => {
  const { template: t, stack } = built[name as 'staging' | 'prod'];
  const cfg = CONFIGS[name];
  const s = cfg.serving!;
  const tg = () => only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');

  test('an internal Application Load Balancer with access logs to an encrypted, expiring, TLS-only bucket', () => {
    const alb = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.Scheme).toBe('internal');
    const bucket = only(t, 'AWS::S3::Bucket');
    expect(attributes(alb, 'LoadBalancerAttributes')).toMatchObject({
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: bucket.id },
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'idle_timeout.timeout_seconds': '300',
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: name === 'prod' ? 365 : 90, Status: 'Enabled' })]);
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket.id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('clients only from the allowed CIDRs (prod: the corporate network), on 443 and on 80 (the redirect)', () => {
    const albSg = resources(t)[only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.SecurityGroups[0]['Fn::GetAtt'][0]];
    const cidr = name === 'prod' ? '10.0.0.0/8' : '10.0.0.0/16';
    expect(albSg.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: cidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      expect.objectContaining({ CidrIp: cidr, FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }),
    ]);
  });

  test('HTTPS (clients send VLLM_API_KEY): 443 with the configured certificate and the TLS policy, 80 only redirects', () => {
    const listeners = Object.values(resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::Listener')).map((l) => l.Properties);
    expect(listeners).toHaveLength(2);
    expect(listeners).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09', Certificates: [{ CertificateArn: s.endpoint!.certificateArn }],
        // allowedPaths ['/v1/*']: the forward is a listener rule, every other path answers 403 (test below).
        DefaultActions: [expect.objectContaining({ Type: 'fixed-response' })],
      }),
      expect.objectContaining({
        Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      }),
    ]));
    expect(s.endpoint!.certificateArn).toMatch(new RegExp(`^arn:aws:acm:${cfg.region}:[0-9]{12}:certificate/`));
  });

  test('a target group with the workload\'s health check, slow start, and a deregistration delay within the drain', () => {
    const { Properties: p } = tg();
    expect(p).toMatchObject({
      Port: 8000, Protocol: 'HTTP', TargetType: 'instance', HealthCheckPath: '/health', HealthCheckPort: 'traffic-port', Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 3,
    });
    const a = attributes(tg(), 'TargetGroupAttributes');
    // startupSeconds 480 / 4
    expect(a['slow_start.duration_seconds']).toBe('120');
    expect(a['load_balancing.algorithm.type']).toBe('round_robin');
    const drainDocument = resources(t)[Object.keys(resourcesOfType(t, 'AWS::SSM::Document')).find((id) => id.startsWith('InterruptionDrainDocument'))!];
    const drainDefault = Number(drainDocument.Properties.Content.parameters.timeoutSeconds.default);
    expect(drainDefault).toBe(cfg.interruption.drainTimeoutSeconds);
    expect(Number(a['deregistration_delay.timeout_seconds'])).toBe(120);
    expect(Number(a['deregistration_delay.timeout_seconds'])).toBeLessThanOrEqual(drainDefault);
  });

  test('every group registers with the target group (prod: main and fallback) and is replaced on failed ELB checks', () => {
    const groups = Object.entries(resourcesOfType(t, 'AWS::AutoScaling::AutoScalingGroup'));
    expect(groups.map(([id]) => id.replace(/ASG.*$/, '')).sort()).toEqual(name === 'prod' ? ['FallbackGroup', 'FleetGroup'] : ['FleetGroup']);
    for (const [, g] of groups) expect(g.Properties.TargetGroupARNs).toEqual([{ Ref: tg().id }]);
    const main = groups.find(([id]) => id.startsWith('FleetGroup'))![1].Properties;
    expect(main).toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 60, DefaultInstanceWarmup: 150 });
    // prod's fallback hosts serve too: the same ELB check and grace, or a dead model server would stay InService.
    const fallback = groups.find(([id]) => id.startsWith('FallbackGroup'))?.[1].Properties;
    expect(fallback).toEqual(name === 'prod' ? expect.objectContaining({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 60 }) : undefined);
  });

  test('the hosts\' security group admits only the load balancer, only on the workload port', () => {
    const hostSg = Object.keys(resourcesOfType(t, 'AWS::EC2::SecurityGroup')).find((id) => id.startsWith('FleetSecurityGroup'))!;
    const albSg = Object.keys(resourcesOfType(t, 'AWS::EC2::SecurityGroup')).find((id) => id.startsWith('EndpointSecurityGroup'))!;
    expect(resources(t)[hostSg].Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(resourcesOfType(t, 'AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === hostSg);
    expect(ingress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, SourceSecurityGroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] } }),
    ]);
    const egress = Object.values(resourcesOfType(t, 'AWS::EC2::SecurityGroupEgress')).filter((r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === albSg);
    expect(egress.map((r) => r.Properties)).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 8000, ToPort: 8000, DestinationSecurityGroupId: { 'Fn::GetAtt': [hostSg, 'GroupId'] } }),
    ]);
  });

  test('the S3 gateway endpoint on the private subnets\' route tables (no ECR interface endpoints unless configured)', () => {
    const endpoint = only(t, 'AWS::EC2::VPCEndpoint');
    expect(endpoint.Properties.VpcEndpointType).toBe('Gateway');
    expect(endpoint.Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
    const privateTables = Object.keys(resourcesOfType(t, 'AWS::EC2::RouteTable')).filter((id) => id.includes('FleetSubnet')).sort();
    expect(privateTables).toHaveLength(cfg.availabilityZones.length);
    expect(endpoint.Properties.RouteTableIds.map((r: { Ref: string }) => r.Ref).sort()).toEqual(privateTables);
  });

  test('host grants: ECR pull on the named repository only, S3 read under the named prefix only, the secret by its ARN', () => {
    const policy = Object.entries(resourcesOfType(t, 'AWS::IAM::Policy')).find(([id]) => id.startsWith('WorkloadHostPolicy'))![1];
    expect(policy.Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^FleetInstanceRole/) }]);
    const bySid = Object.fromEntries(policy.Properties.PolicyDocument.Statement.map((st: any) => [st.Sid, st]));
    expect(Object.keys(bySid).sort()).toEqual(['EcrAuth', 'EcrPull', 'Logs', 'ModelList', 'ModelRead', 'SecretsRead']);
    expect(bySid.EcrPull.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:us-east-1:', { Ref: 'AWS::AccountId' }, ':repository/ml-platform/vllm-openai']] });
    const bucket = `ml-platform-models-${name}`;
    expect(bySid.ModelRead).toMatchObject({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucket}/llama-3.1-8b-instruct-awq/*`]] } });
    expect(bySid.ModelList).toMatchObject({
      Action: 's3:ListBucket',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucket}`]] },
      Condition: { StringLike: { 's3:prefix': ['llama-3.1-8b-instruct-awq/', 'llama-3.1-8b-instruct-awq/*'] } },
    });
    expect(bySid.SecretsRead).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: s.secrets!.VLLM_API_KEY.arn });
    // The one `*`: the ECR token call, which has no resource type.
    const stars = policy.Properties.PolicyDocument.Statement.filter((st: any) => st.Resource === '*');
    expect(stars).toEqual([expect.objectContaining({ Sid: 'EcrAuth', Action: 'ecr:GetAuthorizationToken' })]);
  });

  test('user data: the systemd unit runs the image by digest with all GPUs; containers cannot reach IMDS', () => {
    const text = userData(t);
    expect(text).toContain('cat > /etc/systemd/system/inference.service');
    expect(text).toContain('TimeoutStopSec=300');
    expect(text).toContain('TimeoutStartSec=480');
    expect(text).toContain('systemctl enable --now --no-block inference.service');
    expect(text).toContain('exec docker run --rm --name "$CONTAINER" --gpus all');
    expect(text).toContain(`/ml-platform/vllm-openai@${s.image.digest}'`);
    expect(text).toContain(`MODEL_S3_URI='${s.model!.s3Uri}'`);
    expect(text).toContain(`secretsmanager VLLM_API_KEY ${s.secrets!.VLLM_API_KEY.arn}`);
    expect(text).toContain("'--served-model-name' 'llama-3.1-8b-instruct'");
    expect(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });

  const lint = shellcheckAvailability();
  (lint.run ? test : test.skip)('user data and every script it writes are shellcheck clean', () => {
    const text = userData(t);
    const bash = Object.entries(stack.workload!.hostFiles).filter(([, f]) => f.kind === 'bash').map(([path]) => path);
    // Heredoc bodies, as the host writes them (shellcheck does not look into here-documents).
    const bodies = Object.fromEntries(bash.map((path) => {
      const m = new RegExp(`cat > ${path} <<'GPU_FLEET_EOF'\\n([\\s\\S]*?)GPU_FLEET_EOF`).exec(text);
      return [path, m?.[1] ?? `missing ${path}`];
    }));
    expect(Object.keys(bodies).length).toBeGreaterThanOrEqual(7);
    expect(shellcheck(lint.binary, { 'user data': text, ...bodies })).toEqual([]);
  });

  test('readiness: both groups get the launch hook, completed by the host once healthy (startup + 5 minutes at most)', () => {
    const hooks = Object.values(resourcesOfType(t, 'AWS::AutoScaling::LifecycleHook')).filter((h) => h.Properties.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
    expect(hooks).toHaveLength(name === 'prod' ? 2 : 1);
    for (const h of hooks) expect(h.Properties).toMatchObject({ LifecycleHookName: 'gpu-fleet-serving-ready', HeartbeatTimeout: 780, DefaultResult: 'ABANDON' });
  });

  test('the burst follows requests per host: 60 x the slowest type\'s throughput', () => {
    const perHost = name === 'prod' ? 600 : 540;
    expect(requestsPerHostPerMinute(cfg)).toBe(perHost);
    t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      AutoScalingGroupName: { Ref: Match.stringLikeRegexp('^FleetGroupASG') },
      EstimatedInstanceWarmup: 150,
      TargetTrackingConfiguration: {
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'ALBRequestCountPerTarget',
          ResourceLabel: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [tg().id, 'TargetGroupFullName'] }])] },
        },
        TargetValue: perHost,
      },
    });
    const gpuPolicies = Object.keys(resourcesOfType(t, 'AWS::AutoScaling::ScalingPolicy')).filter((id) => id.includes('GpuUtilization'));
    expect(gpuPolicies).toEqual([]);
  });

  test('the latency guard: a second target-tracking policy on the SLO percentile, scale-in enabled (in only when both agree)', () => {
    const guard = Object.entries(resourcesOfType(t, 'AWS::AutoScaling::ScalingPolicy')).find(([id]) => id.startsWith('ServingScalingLatencyGuard'))![1].Properties;
    expect(guard).toMatchObject({ AutoScalingGroupName: { Ref: expect.stringMatching(/^FleetGroupASG/) }, PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 150 });
    const tt = guard.TargetTrackingConfiguration;
    expect(tt.TargetValue).toBe(s.slo.latencySeconds);
    expect(tt.DisableScaleIn).toBe(false);
    const metrics = tt.CustomizedMetricSpecification.Metrics;
    expect(metrics.find((m: any) => m.Id === 'p').MetricStat).toMatchObject({ Metric: { MetricName: 'TargetResponseTime', Namespace: 'AWS/ApplicationELB' }, Stat: 'p90' });
    expect(metrics.find((m: any) => m.ReturnData !== false).Expression).toBe('IF(FILL(r, 0) >= 10, FILL(p, 0), 0)');
  });

  test('rollouts: every group replaces hosts by an instance refresh that launches first and rolls back on the 5xx and latency alarms', () => {
    const alarms = Object.keys(resourcesOfType(t, 'AWS::CloudWatch::Alarm'));
    const fiveXx = alarms.find((id) => id.startsWith('ServingAlarmsFiveXxRateAlarm'))!;
    const latency = alarms.find((id) => id.startsWith('ServingAlarmsLatencyAlarm'))!;
    const groups = Object.values(resources(t)).filter((r) => r.Type === 'AWS::AutoScaling::AutoScalingGroup') as unknown as Array<{ UpdatePolicy: any; DependsOn: string[] }>;
    expect(groups).toHaveLength(name === 'prod' ? 2 : 1);
    for (const g of groups) {
      expect(g.UpdatePolicy.AutoScalingInstanceRefresh).toEqual({
        Strategy: 'Rolling',
        Preferences: {
          MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 150, SkipMatching: true,
          BakeTime: name === 'prod' ? 900 : 600,
          ...(name === 'prod' ? { CheckpointPercentages: [25, 100], CheckpointDelay: 600 } : {}),
          AlarmSpecification: { Alarms: [{ Ref: fiveXx }, { Ref: latency }] },
          ScaleInProtectedInstances: 'Ignore', StandbyInstances: 'Ignore',
        },
      });
      expect(g.DependsOn).toEqual(expect.arrayContaining([fiveXx, latency]));
    }
  });

  test('alarms to the fleet topic: 5xx rate, latency over the SLO, no healthy host, cost per 1,000 requests (ceiling and anomaly)', () => {
    const alarms = Object.entries(resourcesOfType(t, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('ServingAlarms'));
    expect(alarms.map(([id]) => id.replace(/Alarm[0-9A-F]{8}$/, '')).sort()).toEqual([
      'ServingAlarmsCostPer1kAnomaly', 'ServingAlarmsCostPer1kCeiling', 'ServingAlarmsFiveXxRate', 'ServingAlarmsLatency', 'ServingAlarmsNoHealthyHost',
    ]);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^FleetTopic/) }]);
    const byName = Object.fromEntries(alarms.map(([id, a]) => [id.replace(/Alarm[0-9A-F]{8}$/, ''), a.Properties]));
    expect(byName.ServingAlarmsFiveXxRate).toMatchObject({ Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    expect(byName.ServingAlarmsLatency).toMatchObject({ Threshold: s.slo.latencySeconds, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    expect(byName.ServingAlarmsCostPer1kCeiling).toMatchObject({ Threshold: s.slo.costPer1kRequestsUsd, EvaluationPeriods: 6, DatapointsToAlarm: 6 });
    expect(byName.ServingAlarmsCostPer1kAnomaly).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', EvaluationPeriods: 6 });
  });

  test('dashboard rows: requests, latency, 5xx rate, healthy hosts and cost per 1,000 requests', () => {
    const body = JSON.stringify(only(t, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const text of ['Requests per minute', '5xx rate (%)', 'USD per 1,000 requests', 'TargetResponseTime', 'HealthyHostCount']) expect(body).toContain(text);
  });

  test('only /v1/* (the paths vLLM\'s API key guards) is forwarded: the HTTPS listener answers 403 to the rest, /metrics included', () => {
    const listeners = Object.entries(resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::Listener'));
    const https = listeners.filter(([, l]) => l.Properties.Port === 443);
    expect(https).toHaveLength(1);
    expect(https[0][1].Properties.DefaultActions).toEqual([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden' } }]);
    expect(listeners.filter(([, l]) => l.Properties.Port === 80).map(([, l]) => l.Properties.DefaultActions[0].Type)).toEqual(['redirect']);
    // /v1/* cannot match /metrics: the default 403 answers it, no rule of its own.
    expect(only(t, 'AWS::ElasticLoadBalancingV2::ListenerRule').Properties).toMatchObject({
      ListenerArn: { Ref: https[0][0] },
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: tg().id } }],
    });
  });

  test('stack output: the endpoint URL, https://', () => {
    t.hasOutput('EndpointUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').id, 'DNSName'] }]] },
    });
  });

  test('the drain deregisters from the endpoint\'s target group: the handler\'s env and IAM name it', () => {
    const fn = Object.entries(resourcesOfType(t, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('InterruptionFunction'))![1];
    expect(fn.Properties.Environment.Variables[INTERRUPTION_ENV.targetGroupArns]).toEqual({ Ref: tg().id });
    const statements = Object.values(resourcesOfType(t, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const elb = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('elasticloadbalancing:')));
    expect(elb).toEqual([expect.objectContaining({ Action: ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'], Resource: { Ref: tg().id } })]);
  });

  test('stateful serving resources keep their logical ids', () => {
    expect(Object.keys(resources(t))).toEqual(expect.arrayContaining([
      'EndpointAccessLogBucketCA2188FA', 'EndpointLoadBalancer861A2FE2', 'EndpointTargetGroup61FFB038', 'WorkloadLogGroup8481D4A1', 'NetworkVpcS3Endpoint87783328',
    ]));
  });
});

describe('the drain, end to end from the composed template', () => {
  // The handler's environment as the staging template sets it (references replaced by fake values), run on a spot
  // warning for a host of the main group: it must leave the endpoint's target group before the drain command.
  const aws = handlerHarness();
  const t = built.staging.template;
  const tgId = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').id;
  const fake = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const ref = (v as { Ref?: string }).Ref;
    if (ref === tgId) return `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/serving/${ref}`;
    if (ref?.startsWith('FleetGroupASG')) return 'GpuFleet-staging-FleetGroupASG-XYZ';
    return `resolved-${JSON.stringify(v).length}`;
  };
  const fn = Object.entries(resourcesOfType(t, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('InterruptionFunction'))![1];
  const env = Object.fromEntries(Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [k, fake(v)]));

  test('DeregisterTargets on the endpoint\'s target group, then the drain document', async () => {
    const config = configFromEnv(env);
    expect(config.targetGroupArns).toEqual([`arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/serving/${tgId}`]);
    aws.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{
      InstanceId: 'i-0aaaaaaaaaaaaaaa1', InstanceType: 'g6.xlarge', InstanceLifecycle: 'spot', State: { Name: 'running' },
      Placement: { AvailabilityZone: 'us-east-1a' },
      Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'GpuFleet-staging-FleetGroupASG-XYZ' }, { Key: config.fleetTag.key, Value: config.fleetTag.value }],
    }] }] });
    const { processor } = aws.setup(config);
    const res = await processor.handle(sqsEvent(events.interruption('i-0aaaaaaaaaaaaaaa1')), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    const deregister = aws.elbv2.commandCalls(DeregisterTargetsCommand);
    expect(deregister.map((c) => c.args[0].input)).toEqual([{ TargetGroupArn: config.targetGroupArns[0], Targets: [{ Id: 'i-0aaaaaaaaaaaaaaa1' }] }]);
    const drain = aws.ssm.commandCalls(SendCommandCommand);
    expect(drain).toHaveLength(1);
    expect(drain[0].args[0].input.DocumentName).toBe(config.drainDocumentName);
    expect(deregister[0].calledBefore(drain[0] as never)).toBe(true);
  });
});

describe('a deploy of a new image (docs/serving.md)', () => {
  test('a new digest changes the launch template only; the groups follow its new version (new hosts run the new image), nothing else is replaced', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const next = buildEnvironmentStack({ ...staging, serving: { ...staging.serving!, image: { ...staging.serving!.image, digest } } }).template;
    const before = resources(built.staging.template);
    const after = resources(next);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const changed = Object.keys(after).filter((id) => JSON.stringify(after[id]) !== JSON.stringify(before[id]));
    expect(changed).toEqual([only(next, 'AWS::EC2::LaunchTemplate').id]);
    expect(userData(next)).toContain(`@${digest}'`);
    // The groups follow the template's latest version, so CloudFormation updates them with it.
    const group = only(next, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(group.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version).toEqual({ 'Fn::GetAtt': [changed[0], 'LatestVersionNumber'] });
  });
});

test.each(['dev', 'staging', 'prod'] as const)('%s: the serving alarms synthesize without CDK warnings (a quiet synth: no metric-period overrides)', (name) => {
  const warnings = Annotations.fromStack(built[name].stack).findWarning('*', Match.anyValue());
  expect(warnings.filter((w) => /ServingAlarms|overridden/.test(`${w.id} ${JSON.stringify(w.entry.data)}`)).map((w) => w.entry.data)).toEqual([]);
});

describe('dev: serving by tag, acknowledged in its config', () => {
  test('the mutable-tag warning is acknowledged (no gpu-fleet warning shows), the image is pulled by tag', () => {
    expect(dev.acknowledge).toContainEqual(expect.objectContaining({ id: 'gpu-fleet:mutableImageTag' }));
    expect(Annotations.fromStack(built.dev.stack).findWarning('*', Match.stringLikeRegexp('gpu-fleet:'))).toEqual([]);
    expect(userData(built.dev.template)).toContain("/ml-platform/vllm-openai:v0.10.1'");
    expect(userData(built.dev.template)).toContain("'--dtype' 'half'");
  });

  test('dev sets no allowedPaths: every path is forwarded, only /metrics answers 403 (priority 1)', () => {
    expect(dev.serving!.endpoint?.allowedPaths).toBeUndefined();
    const listener = only(built.dev.template, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties.DefaultActions[0].Type).toBe('forward');
    expect(only(built.dev.template, 'AWS::ElasticLoadBalancingV2::ListenerRule').Properties).toMatchObject({
      Priority: 1, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } }], Actions: [{ Type: 'fixed-response' }],
    });
  });

  test('dev keeps its GPU-utilization burst, with the derived warm-up (startup 300 s: slow start 75 + 2 x 15)', () => {
    expect(servingTimings(dev.serving!)).toEqual({ slowStartSeconds: 75, warmupSeconds: 105, healthCheckGraceSeconds: 60, notServingSeconds: 330 });
    built.dev.template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { EstimatedInstanceWarmup: 105, TargetTrackingConfiguration: { TargetValue: 70 } });
  });
});

describe('timings derived from the workload', () => {
  const base = staging.serving!;
  test.each<[string, object, object]>([
    ['a quarter of the startup', {}, { slowStartSeconds: 120, warmupSeconds: 150, healthCheckGraceSeconds: 60, notServingSeconds: 510 }],
    ['at least 30 s of slow start', { startupSeconds: 60 }, { slowStartSeconds: 30, warmupSeconds: 60, healthCheckGraceSeconds: 60, notServingSeconds: 90 }],
    ['at most 900 s of slow start', { startupSeconds: 6900 }, { slowStartSeconds: 900, warmupSeconds: 930, healthCheckGraceSeconds: 60, notServingSeconds: 6930 }],
    ['slow start as configured', { endpoint: { slowStartSeconds: 300 } }, { slowStartSeconds: 300, warmupSeconds: 330, healthCheckGraceSeconds: 60, notServingSeconds: 510 }],
    ['no slow start with least outstanding requests', { endpoint: { routing: 'least_outstanding_requests' } }, { slowStartSeconds: 0, warmupSeconds: 30, healthCheckGraceSeconds: 60, notServingSeconds: 510 }],
    ['health checks drive the rest', { healthCheck: { intervalSeconds: 30, healthyThreshold: 3 } }, { slowStartSeconds: 120, warmupSeconds: 180, healthCheckGraceSeconds: 120, notServingSeconds: 570 }],
  ])('%s', (_name, o, expected) => {
    expect(servingTimings({ ...base, ...o })).toEqual(expected);
  });

  test('request-count target: 60 x the slowest type x utilization (lib/serving\'s requestTargetPerHost)', () => {
    const metric = { kind: 'request-count' as const, targetUtilizationPercent: 50 };
    expect(requestsPerHostPerMinute({ ...staging, fleet: { ...staging.fleet, scaling: { ...staging.fleet.scaling, metric } } })).toBe(270);
    // Config validation stops a target under 1 first; the construct's own check is the backstop.
    expect(() => requestsPerHostPerMinute({ ...staging, cost: { ...staging.cost, throughputRps: { 'g6.xlarge': 0.001, 'g5.xlarge': 1, 'g6e.xlarge': 1, 'g4dn.xlarge': 1 } } }))
      .toThrow('the target must be at least 1');
  });
});

describe('without serving, the stack is what it was', () => {
  const plain = buildEnvironmentStack(withoutServing(staging));
  const t = plain.template;

  test('no load balancer, target group, endpoint, workload or output; IMDS hop limit 1 (the GpuFleet default); EC2 health checks', () => {
    for (const type of ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::ListenerRule', 'AWS::EC2::VPCEndpoint', 'AWS::S3::Bucket']) {
      t.resourceCountIs(type, 0);
    }
    expect(Object.keys(resources(t)).filter((id) => id.startsWith('Workload') || id.startsWith('Endpoint'))).toEqual([]);
    expect(t.toJSON().Outputs.EndpointUrl).toBeUndefined();
    expect(only(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    const group = only(t, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    expect(group).toMatchObject({ HealthCheckType: 'EC2', DefaultInstanceWarmup: 420, HealthCheckGracePeriod: 600 });
    expect(group.TargetGroupARNs).toBeUndefined();
    expect(userData(t)).not.toContain('inference.service');
    t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { TargetTrackingConfiguration: { TargetValue: 70 } });
    expect(plain.stack.endpoint).toBeUndefined();
    expect(plain.stack.workload).toBeUndefined();
  });

  test('the handler deregisters from nothing', () => {
    const fn = Object.entries(resourcesOfType(t, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('InterruptionFunction'))![1];
    expect(fn.Properties.Environment.Variables[INTERRUPTION_ENV.targetGroupArns]).toBe('');
  });
});

describe('serving choices the stack turns into props', () => {
  test('ECR interface endpoints when configured: HTTPS from the hosts only', () => {
    const cfg = { ...staging, serving: { ...staging.serving!, network: { ecrInterfaceEndpoints: true } } };
    const t = buildEnvironmentStack(cfg).template;
    const endpoints = Object.values(resourcesOfType(t, 'AWS::EC2::VPCEndpoint')).map((e) => e.Properties.VpcEndpointType).sort();
    expect(endpoints).toEqual(['Gateway', 'Interface', 'Interface']);
    const endpointSg = Object.keys(resourcesOfType(t, 'AWS::EC2::SecurityGroup')).find((id) => id.startsWith('NetworkEndpointSecurityGroup'))!;
    const ingress = Object.values(resourcesOfType(t, 'AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.GroupId['Fn::GetAtt']?.[0] === endpointSg);
    expect(ingress.map((r) => r.Properties)).toEqual([expect.objectContaining({
      FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^FleetSecurityGroup/), 'GroupId'] },
    })]);
  });

  test('internet-facing: HTTPS with the configured certificate in the public subnets, HTTP redirects', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-1111-2222-3333-444455556666';
    const cfg = { ...staging, serving: { ...staging.serving!, endpoint: { scheme: 'internet-facing' as const, certificateArn } } };
    const t = buildEnvironmentStack(cfg).template;
    const alb = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.Scheme).toBe('internet-facing');
    expect(alb.Properties.Subnets.every((s: { Ref: string }) => s.Ref.includes('PublicSubnet'))).toBe(true);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
    t.hasOutput('EndpointUrl', { Value: { 'Fn::Join': ['', ['https://', Match.anyValue()]] } });
  });

  test('an existing VPC: its CIDR admits clients, the S3 endpoint on its route tables when asked to create one', () => {
    const existingVpc = {
      vpcId: 'vpc-0123456789abcdef0',
      privateSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef0', 'us-east-1b': 'subnet-0123456789abcdef1', 'us-east-1c': 'subnet-0123456789abcdef2' },
      privateRouteTableIds: { 'us-east-1a': 'rtb-0123456789abcdef0', 'us-east-1b': 'rtb-0123456789abcdef1', 'us-east-1c': 'rtb-0123456789abcdef2' },
      cidrBlock: '10.20.0.0/16',
      s3GatewayEndpoint: 'create' as const,
    };
    const t = buildEnvironmentStack({ ...staging, fleet: { ...staging.fleet, existingVpc } }).template;
    expect(only(t, 'AWS::EC2::VPCEndpoint').Properties.RouteTableIds).toEqual(Object.values(existingVpc.privateRouteTableIds));
    const albSg = resources(t)[only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.SecurityGroups[0]['Fn::GetAtt'][0]];
    expect(albSg.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 443 }), expect.objectContaining({ CidrIp: '10.20.0.0/16', FromPort: 80 })]);
    const exists = buildEnvironmentStack({ ...staging, fleet: { ...staging.fleet, existingVpc: { ...existingVpc, s3GatewayEndpoint: 'exists' } } }).template;
    exists.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  test('warnings: no S3 endpoint in an existing VPC; a model near the GPU memory of the smallest type', () => {
    const existingVpc = { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef0', 'us-east-1b': 'subnet-0123456789abcdef1', 'us-east-1c': 'subnet-0123456789abcdef2' }, cidrBlock: '10.20.0.0/16', s3GatewayEndpoint: 'none' as const };
    const cfg = { ...staging, fleet: { ...staging.fleet, existingVpc }, serving: { ...staging.serving!, model: { ...staging.serving!.model!, sizeGiB: 15 } } };
    const a = Annotations.fromStack(buildEnvironmentStack(cfg).stack);
    a.hasWarning('/GpuFleet-staging/Network', Match.stringLikeRegexp('every launch downloads the model and the image layers through NAT.*gpu-fleet:downloadsOverNat'));
    a.hasWarning('/GpuFleet-staging/Workload', Match.stringLikeRegexp('serving.model.sizeGiB \\(15\\) is more than 90% of the GPU memory of g4dn.xlarge \\(16 GiB\\).*gpu-fleet:modelMayNotFit'));
  });

  describe('gpu-fleet:secretOverHttp: credentials behind an endpoint without a certificate', () => {
    const httpEndpoint = { ...staging.serving!.endpoint, certificateArn: undefined };
    const secretWarnings = (cfg: EnvironmentConfig) =>
      Annotations.fromStack(buildEnvironmentStack(cfg).stack).findWarning('*', Match.stringLikeRegexp('gpu-fleet:secretOverHttp'));
    const message = 'serving has credentials \\(VLLM_API_KEY\\) but serving.endpoint.certificateArn is missing: the endpoint is plain HTTP on port 80, ' +
      'so clients send the API key in cleartext across every network between them and the load balancer; set endpoint.certificateArn to an ACM ' +
      'certificate in us-east-1 \\(HTTPS on 443 with the TLS policy, HTTP redirects, also on an internal endpoint\\).*gpu-fleet:secretOverHttp';

    test('staging\'s secret without its certificate: the warning on the endpoint names the secret, the rule and the fix', () => {
      const a = Annotations.fromStack(buildEnvironmentStack({ ...staging, serving: { ...staging.serving!, endpoint: httpEndpoint } }).stack);
      a.hasWarning('/GpuFleet-staging/Endpoint', Match.stringLikeRegexp(message));
    });

    test('an API key in the plain environment counts too, other variables do not', () => {
      const serving = { ...staging.serving!, secrets: undefined, environment: { OPENAI_API_KEY: 'k', HF_HOME: '/models' }, endpoint: httpEndpoint };
      const found = secretWarnings({ ...staging, serving });
      expect(found).toHaveLength(1);
      expect(String(found[0].entry.data)).toContain('serving has credentials (OPENAI_API_KEY) but');
    });

    test('none for the committed environments: dev has no credential, staging and prod serve HTTPS', () => {
      for (const cfg of [dev, staging, prod]) expect(secretWarnings(cfg)).toEqual([]);
    });

    test('acknowledged in the environment\'s config: gone', () => {
      const acknowledge = [...staging.acknowledge!, { id: 'gpu-fleet:secretOverHttp' as const, reason: 'test' }];
      const a = Annotations.fromStack(buildEnvironmentStack({ ...staging, acknowledge, serving: { ...staging.serving!, endpoint: httpEndpoint } }).stack);
      a.hasNoWarning('*', Match.stringLikeRegexp('^serving has credentials'));
    });
  });

  test.each<[string, boolean | undefined, string[]]>([
    ['latencyGuard false: request-count scaling without the guard', false, []],
    ['latencyGuard absent: the guard by default', undefined, ['ServingScalingLatencyGuard']],
  ])('%s', (_name, latencyGuard, guards) => {
    const metric = { kind: 'request-count' as const, ...(latencyGuard === undefined ? {} : { latencyGuard }) };
    const t = buildEnvironmentStack({ ...staging, fleet: { ...staging.fleet, scaling: { ...staging.fleet.scaling, metric } } }).template;
    expect(Object.keys(resourcesOfType(t, 'AWS::AutoScaling::ScalingPolicy')).filter((id) => id.startsWith('ServingScaling')).map((id) => id.slice(0, -8))).toEqual(guards);
    t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { TargetTrackingConfiguration: { TargetValue: 540 } });
  });

  test('no cost ceiling configured: no ceiling alarm (the anomaly alarm stays)', () => {
    const cfg = { ...staging, serving: { ...staging.serving!, slo: { ...staging.serving!.slo, costPer1kRequestsUsd: undefined } } };
    const ids = Object.keys(resourcesOfType(buildEnvironmentStack(cfg).template, 'AWS::CloudWatch::Alarm')).filter((id) => id.startsWith('ServingAlarmsCostPer1k'));
    expect(ids.map((id) => id.replace(/Alarm[0-9A-F]{8}$/, ''))).toEqual(['ServingAlarmsCostPer1kAnomaly']);
  });
});
