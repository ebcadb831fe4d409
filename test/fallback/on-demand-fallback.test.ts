import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FallbackConfigError, OnDemandFallback, OnDemandFallbackProps } from '../../lib/fallback/on-demand-fallback';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FLEET_TAG_KEY } from '../../lib/shared/fleet-tag';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { fallbackProps, FLEET_TAG, fleetStack } from './support/fleet-stack';

function build(extra: Partial<OnDemandFallbackProps> = {}, app = new App(), withTargetGroup = false) {
  const f = fleetStack(app, { withTargetGroup });
  const fallback = new OnDemandFallback(f.stack, 'Fallback', { ...fallbackProps(f), targetGroups: withTargetGroup ? f.targetGroups : undefined, ...extra });
  return { ...f, fallback };
}

// One synth shared by the read-only assertions (bundling the controller is the slow part).
const base = build();
const template = Template.fromStack(base.stack);
const fallbackGroupProps = () => Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'))
  .map((r) => r.Properties)
  .find((p) => p.MinSize === '0' && p.MaxSize === '4');

describe('OnDemandFallback: the fallback group', () => {
  test('is on-demand only, prioritized over the fleet types, in the fleet subnets, 0 to the cap', () => {
    expect(fallbackGroupProps()).toMatchObject({
      MinSize: '0',
      MaxSize: '4',
      VPCZoneIdentifier: [{ Ref: expect.stringMatching(/^VpcPrivateSubnet1/) }, { Ref: expect.stringMatching(/^VpcPrivateSubnet2/) }],
      // Hardening (issue 9): the zones are named besides the subnets.
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      MixedInstancesPolicy: {
        InstancesDistribution: { OnDemandAllocationStrategy: 'prioritized', OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100 },
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: { Ref: expect.stringMatching(/^LaunchTemplate/) } },
          Overrides: [{ InstanceType: 'g6.xlarge' }, { InstanceType: 'g5.xlarge' }],
        },
      },
      MetricsCollection: [{ Granularity: '1Minute' }],
      NotificationConfigurations: [{ TopicARN: { Ref: expect.stringMatching(/^Topic/) } }],
      Tags: [
        { Key: 'gpu-spot-fleet:capacity', Value: 'fallback-on-demand', PropagateAtLaunch: true },
        { Key: FLEET_TAG.key, Value: FLEET_TAG.value, PropagateAtLaunch: true },
      ],
    });
  });

  test('exposes the cap as the worst case for the cost report', () => {
    expect(base.fallback.worstCaseExtraOnDemandInstances).toBe(4);
  });

  test('registers with the fleet target groups when given (issue 9, defect 6: the drain path deregisters it), tagged for the fleet', () => {
    const f = build({}, new App(), true);
    const t = Template.fromStack(f.stack);
    const groups = Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup')).map((r) => r.Properties);
    const fb = groups.find((p) => p.MinSize === '0' && p.MaxSize === '4');
    expect(fb.TargetGroupARNs).toEqual([{ Ref: expect.stringMatching(/^TargetGroup/) }]);
    expect(fb.Tags).toContainEqual({ Key: FLEET_TAG_KEY, Value: FLEET_TAG.value, PropagateAtLaunch: true });
    // Public, so the stack can hand it to the interruption handler.
    expect(f.fallback.fallbackGroup.autoScalingGroupName).toBeDefined();
  });

  test('with target groups it takes the load balancer\'s health checks, after the grace given (default 10 minutes); without them EC2 only', () => {
    const fallbackGroup = (t: Template) => Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup'))
      .map((r) => r.Properties).find((p) => p.MinSize === '0' && p.MaxSize === '4');
    // A fallback host whose model server died fails the target group's check: Auto Scaling replaces it.
    expect(fallbackGroup(Template.fromStack(build({}, new App(), true).stack))).toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 600 });
    expect(fallbackGroup(Template.fromStack(build({ healthCheckGrace: Duration.seconds(90) }, new App(), true).stack)))
      .toMatchObject({ HealthCheckType: 'ELB', HealthCheckGracePeriod: 90 });
    expect(fallbackGroupProps().HealthCheckType).toBeUndefined();
    expect(fallbackGroup(Template.fromStack(build({ healthCheckGrace: Duration.seconds(90) }).stack))).toMatchObject({ HealthCheckType: 'EC2', HealthCheckGracePeriod: 90 });
  });

  test('an AZ without a private subnet is refused with the zones the VPC has', () => {
    expect(() => build({ availabilityZones: ['us-east-1a', 'us-east-1c'] })).toThrow(
      'OnDemandFallback GpuFleet-test/Fallback: availabilityZones (us-east-1c) must each have a private subnet with egress in the VPC; it has them in us-east-1a',
    );
  });
});

describe('OnDemandFallback: a redeploy leaves fallback capacity alone', () => {
  test('the fallback group has no DesiredCapacity, and scheduled actions ignore unchanged sizes', () => {
    expect(fallbackGroupProps()).toBeDefined();
    expect(fallbackGroupProps()).not.toHaveProperty('DesiredCapacity');
    const [fb] = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup', { Properties: { MinSize: '0', MaxSize: '4' } }));
    expect(fb.UpdatePolicy).toEqual({ AutoScalingScheduledAction: { IgnoreUnmodifiedGroupSizeProperties: true } });
  });

  test('the controller state is not a template resource: no deploy can reset it', () => {
    template.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(base.fallback.stateParameterName).toBe('/gpu-spot-fleet/GpuFleet-test/fallback-state');
  });

  test('a redeploy with new settings changes the bounds and timing, never a size', () => {
    const changed = Template.fromStack(build({ maxFallbackInstances: 6, engageAfter: Duration.minutes(3), releaseAfter: Duration.minutes(30) }).stack);
    const [fb] = Object.values(changed.findResources('AWS::AutoScaling::AutoScalingGroup', { Properties: { MinSize: '0', MaxSize: '6' } }));
    expect(fb.Properties).not.toHaveProperty('DesiredCapacity');
    changed.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ENGAGE_AFTER_MINUTES: '3', ENGAGE_WITHOUT_FAILURES_AFTER_MINUTES: '9', RELEASE_AFTER_MINUTES: '30', MAX_FALLBACK_INSTANCES: '6' }) },
    });
  });

  test('the fallback group logical ID is pinned (a rename would replace the group and drop its instances)', () => {
    const ids = Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup', { Properties: { MinSize: '0', MaxSize: '4' } }));
    expect(ids).toEqual(['FallbackGroupASG40A88CE3']);
  });
});

describe('OnDemandFallback: the controller', () => {
  test('is a Node.js 24 function with the fallback settings in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 50,
      Environment: {
        Variables: {
          MAIN_GROUP_NAME: { Ref: Match.stringLikeRegexp('^GroupASG') },
          FALLBACK_GROUP_NAME: { Ref: 'FallbackGroupASG40A88CE3' },
          STATE_PARAMETER_NAME: '/gpu-spot-fleet/GpuFleet-test/fallback-state',
          TOPIC_ARN: { Ref: Match.stringLikeRegexp('^Topic') },
          FLEET_TAG_VALUE: 'GpuFleet-test',
          ENGAGE_AFTER_MINUTES: '5',
          ENGAGE_WITHOUT_FAILURES_AFTER_MINUTES: '15',
          RELEASE_AFTER_MINUTES: '15',
          MAX_FALLBACK_INSTANCES: '4',
          UNITS_PER_INSTANCE: '1',
          FALLBACK_WEIGHTED: 'false',
          POWERTOOLS_SERVICE_NAME: 'fallback-controller',
          POWERTOOLS_METRICS_NAMESPACE: 'GpuSpotFleet',
        },
      },
    });
  });

  test('an EventBridge rule runs it every minute; a delivery that fails twice within the minute goes to the failure queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackController'), 'Arn'] },
        Id: 'Target0',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackFailureQueue'), 'Arn'] } },
      }],
    });
    // EventBridge may send to the queue only for this rule.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^FallbackFailureQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: Match.anyValue(),
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackFailureQueue'), 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackSchedule'), 'Arn'] } } },
        }]),
      },
    });
  });

  test('hardening (issue 9): one run at a time, no Lambda retry, failed or dropped runs kept in the failure queue, X-Ray active', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'fallback-controller' }) },
      ReservedConcurrentExecutions: 1,
      Timeout: 50,
      TracingConfig: { Mode: 'Active' },
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^FallbackController') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackFailureQueue'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    // The destination is written with the function's role.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^FallbackControllerRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }),
          Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackFailureQueue'), 'Arn'] } }),
        ]),
      },
    });
    // TLS only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^FallbackFailureQueue') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('a message in the failure queue alarms to the fleet topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FallbackFailureQueue'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
    expect(base.fallback.failureQueueAlarm.alarmArn).toBeDefined();
  });

  test('suspicion (issue 9): a controller that stops running alarms; missing invocations count as breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^FallbackController') } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 3,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
  });

  test('its log group is encrypted with the stack\'s log key (or the one given) and kept', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const [id, group] = Object.entries(logGroups).find(([k]) => k.startsWith('FallbackLogGroup'))!;
    expect(group).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogEncryptionKey/), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: id } } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });

    const f = fleetStack();
    const key = new kms.Key(f.stack, 'MyKey', { enableKeyRotation: true });
    new OnDemandFallback(f.stack, 'Fallback', { ...fallbackProps(f), logEncryptionKey: key, logRetention: logs.RetentionDays.ONE_YEAR });
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } });
  });

  test('can resize the fallback group, raise the main group (handback), and read/write only its state parameter', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'SizeFallbackGroupOnly',
            Effect: 'Allow',
            Action: 'autoscaling:SetDesiredCapacity',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', { Ref: 'FallbackGroupASG40A88CE3' }]],
            },
          },
          {
            Sid: 'HandBackToMainGroup',
            Effect: 'Allow',
            Action: 'autoscaling:SetDesiredCapacity',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', { Ref: Match.stringLikeRegexp('^GroupASG') }]],
            },
          },
          { Sid: 'ReadGroupsAndActivities', Effect: 'Allow', Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'], Resource: '*' },
          // Issue 9, defect 2: serving capacity leaves out hosts carrying the drained tag, read from EC2.
          { Sid: 'ReadDrainedTags', Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
          {
            Sid: 'ControllerState',
            Effect: 'Allow',
            Action: ['ssm:GetParameter', 'ssm:PutParameter'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:123456789012:parameter/gpu-spot-fleet/GpuFleet-test/fallback-state']] },
          },
          { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: Match.stringLikeRegexp('^Topic') } },
        ]),
      },
    });
    // Nothing else may set a group's size, and each statement names exactly one group.
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('autoscaling:Set') || a.startsWith('autoscaling:Update')));
    expect(statements.map((s: { Sid: string; Resource: unknown }) => [s.Sid, Array.isArray(s.Resource)])).toEqual([
      ['SizeFallbackGroupOnly', false], ['HandBackToMainGroup', false],
    ]);
  });

  test('its repeated failures alarm to the fleet topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^FallbackController') } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
    });
  });

  test('different weights: the fallback group carries them and counts units, MaxSize the cap times the smallest weight', () => {
    const b = build({ weights: { 'g6.xlarge': 4, 'g5.xlarge': 2 } });
    expect(b.fallback.unitsPerFallbackCapacity).toBe(1);
    const t = Template.fromStack(b.stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ UNITS_PER_INSTANCE: '2', FALLBACK_WEIGHTED: 'true' }) } });
    const [fb] = Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup', { Properties: { MinSize: '0', MaxSize: '8' } }));
    expect(fb.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual([
      { InstanceType: 'g6.xlarge', WeightedCapacity: '4' },
      { InstanceType: 'g5.xlarge', WeightedCapacity: '2' },
    ]);
  });

  test('equal weights: the fallback group stays unweighted and counts instances', () => {
    const b = build({ weights: { 'g6.xlarge': 4, 'g5.xlarge': 4 } });
    // Its capacity counts instances: each is 4 of the main group's units.
    expect(b.fallback.unitsPerFallbackCapacity).toBe(4);
    const t = Template.fromStack(b.stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ UNITS_PER_INSTANCE: '4', FALLBACK_WEIGHTED: 'false' }) } });
    const [fb] = Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup', { Properties: { MinSize: '0', MaxSize: '4' } }));
    expect(fb.Properties.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual([{ InstanceType: 'g6.xlarge' }, { InstanceType: 'g5.xlarge' }]);
  });

  test('cdk-nag finds nothing unacknowledged under the construct', () => {
    const app = nagApp();
    build({}, app);
    const mine = nagFindings(app).filter((f) => f.path.includes('/Fallback/'));
    expect(formatFindings(mine)).toEqual([]);
  });
});

describe('OnDemandFallback: validation', () => {
  const fails = (extra: Partial<OnDemandFallbackProps>) => () => build(extra);

  test('every problem is named with its value and rule, all at once', () => {
    expect(fails({ maxFallbackInstances: 0, engageAfter: Duration.seconds(30), releaseAfter: Duration.minutes(200) })).toThrow(
      new FallbackConfigError(
        'OnDemandFallback GpuFleet-test/Fallback: engageAfter (30s) must be whole minutes from 1 to 120: the controller runs once a minute; ' +
        'engageWithoutFailuresAfter (1m 30s) must be whole minutes from 1 to 120: the controller runs once a minute; ' +
        'releaseAfter (200m 0s) must be whole minutes from 1 to 120: the controller runs once a minute; ' +
        'maxFallbackInstances (0) must be a whole number from 1 to 1000; leave the fallback out to disable it',
      ),
    );
  });

  test('release faster than engage is refused', () => {
    expect(fails({ engageAfter: Duration.minutes(10), releaseAfter: Duration.minutes(5) })).toThrow(
      'releaseAfter (5m 0s) must be >= engageAfter (10m 0s): releasing faster than engaging makes the fallback flap',
    );
  });

  test('empty types and zones, bad weights and a bad parameter name are refused', () => {
    expect(fails({ instanceTypes: [], availabilityZones: [], stateParameterName: 'no-slash' })).toThrow(
      "OnDemandFallback GpuFleet-test/Fallback: instanceTypes ([]) must list at least one instance type (the fleet's); " +
      "availabilityZones ([]) must list at least one AZ (the fleet's); " +
      'stateParameterName (no-slash) must start with / and use only letters, digits and _ . - /',
    );
    expect(fails({ weights: { 'g6.xlarge': 0 } })).toThrow('weights.g6.xlarge (0) must be a number > 0, as in the main group');
    expect(fails({ weights: { 'g6.xlarge': 1.5, 'g5.xlarge': 1000 } })).toThrow(
      'OnDemandFallback GpuFleet-test/Fallback: ' +
      'weights.g6.xlarge (1.5) must be a whole number from 1 to 999 when the weights differ: the fallback group carries them as WeightedCapacity; ' +
      'weights.g5.xlarge (1000) must be a whole number from 1 to 999 when the weights differ: the fallback group carries them as WeightedCapacity',
    );
  });
});
