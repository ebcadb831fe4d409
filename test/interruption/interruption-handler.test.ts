import { App, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { InterruptionConfigError } from '../../lib/interruption';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { allows, PolicyStatementJson } from '../support/iam-policy';
import { FLEET_TAG, fleetStack } from './support/fleet-stack';

let template: Template;
let stack: Stack;
beforeAll(() => {
  ({ stack } = fleetStack(new App(), {}, true));
  template = Template.fromStack(stack);
});

const groupRef = { Ref: Match.stringLikeRegexp('^GroupASG') };

describe('EventBridge rules', () => {
  test.each([
    ['aws.ec2', 'EC2 Spot Instance Interruption Warning', undefined],
    ['aws.ec2', 'EC2 Instance Rebalance Recommendation', undefined],
    ['aws.ec2', 'EC2 Instance State-change Notification', { state: ['stopping', 'stopped', 'shutting-down', 'terminated'] }],
    ['aws.autoscaling', 'EC2 Instance Launch Unsuccessful', { AutoScalingGroupName: [groupRef] }],
    [
      'aws.autoscaling',
      'EC2 Instance-terminate Lifecycle Action',
      { AutoScalingGroupName: [groupRef], LifecycleHookName: [{ Ref: Match.stringLikeRegexp('^GroupLifecycleHookDrainOnTerminate') }] },
    ],
  ])('%s "%s" -> queue, with a dead-letter queue for events EventBridge cannot deliver', (source, detailType, detail) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact({ source: [source], 'detail-type': [detailType], ...(detail ? { detail } : {}) }),
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionEventDeliveryDeadLetterQueue'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 3 },
        }),
      ],
    });
  });

  test('the drained-host sweep runs every 5 minutes into the same queue (rebalanceAction drain)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionQueue'), 'Arn'] } })],
    });
    const notify = Template.fromStack(fleetStack(new App(), { rebalanceAction: 'notify' }).stack);
    expect(Object.values(notify.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression)).toEqual([]);
  });

  test('exactly six rules', () => template.resourceCountIs('AWS::Events::Rule', 6));

  test('undeliverable events: kept 14 days in their own dead-letter queue, which no queue may redrive into, and alarmed on', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
      RedriveAllowPolicy: { redrivePermission: 'denyAll' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionEventDeliveryDeadLetterQueue'), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: 'TopicBFC7AF6E' }],
    });
  });
});

describe('queues', () => {
  test('event queue: visibility 6x the function timeout (AWS guidance for Lambda event sources), and 3 receives fit in its retention', () => {
    const queue = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    const [props] = Object.values(queue).map((q) => q.Properties);
    const timeout = (Object.values(template.findResources('AWS::Lambda::Function'))[0] as any).Properties.Timeout;
    expect(timeout).toBe(420);
    expect(props).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 2520,
      MessageRetentionPeriod: 3 * 2520 + 600,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: { 'Fn::GetAtt': ['InterruptionDeadLetterQueue3747AD34', 'Arn'] } },
    });
    expect(props.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(props.MessageRetentionPeriod).toBeGreaterThan(props.RedrivePolicy.maxReceiveCount * props.VisibilityTimeout);
  });

  test('the DLQ accepts redrive only from its source queue (by name, so the two queues do not reference each other)', () => {
    const queue = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }))[0] as any;
    expect(queue.Properties.QueueName).toBe('GpuFleettest-Interruption-9AC1A911-events');
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 1209600,
      RedrivePolicy: Match.absent(),
      RedriveAllowPolicy: {
        redrivePermission: 'byQueue',
        sourceQueueArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:us-east-1:123456789012:GpuFleettest-Interruption-9AC1A911-events']] }],
      },
    });
  });

  test('every queue denies non-TLS access', () => {
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(3);
    for (const p of Object.values(policies)) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  test('stateful resources keep their logical ids', () => {
    expect(Object.keys(template.findResources('AWS::SQS::Queue')).sort()).toEqual(['InterruptionDeadLetterQueue3747AD34', 'InterruptionEventDeliveryDeadLetterQueue0E6B37EE', 'InterruptionQueueA3EE13F3']);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(['InterruptionIdempotencyTable5A8E3441']);
  });
});

describe('function', () => {
  test('Node.js 24 on arm64, X-Ray active, partial batch responses, bounded concurrency, log retention', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^InterruptionLogGroup') } }),
      Environment: {
        Variables: Match.objectLike({
          AUTO_SCALING_GROUP_NAMES: groupRef,
          FLEET_TAG_KEY: 'gpu-spot-fleet:fleet',
          FLEET_TAG_VALUE: 'GpuFleet-test',
          TARGET_GROUP_ARNS: { Ref: Match.stringLikeRegexp('^TargetGroup') },
          REBALANCE_ACTION: 'drain',
          DRAIN_DOCUMENT_NAME: { Ref: Match.stringLikeRegexp('^InterruptionDrainDocument') },
          DRAIN_DOCUMENT_PARAMETERS: '{"serviceName":["inference.service"],"timeoutSeconds":["300"]}',
          DRAIN_TIMEOUT_SECONDS: '300',
          HEARTBEAT_INTERVAL_SECONDS: '60',
          RESUME_DOCUMENT_NAME: { Ref: Match.stringLikeRegexp('^InterruptionResumeDocument') },
          RESUME_DOCUMENT_PARAMETERS: '{"serviceName":["inference.service"]}',
          REBALANCE_RECHECK_SECONDS: '900',
          // The handler's own queue: a failed time-critical record is made visible again on it within seconds.
          QUEUE_URL: { Ref: Match.stringLikeRegexp('^InterruptionQueue') },
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogEncryptionKey'), 'Arn'] } });
  });

  test('log retention and key from props', () => {
    const app = new App();
    const key = kms.Key.fromKeyArn(new Stack(app, 'Keys'), 'LogKey', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const t = Template.fromStack(fleetStack(app, { logRetention: logs.RetentionDays.THIRTEEN_MONTHS, logEncryptionKey: key }).stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 400, KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555' });
  });

  test('the idempotency table is encrypted with its own customer-managed key (rotation, grant guard); the role may use that key only', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionIdempotencyTableKey'), 'Arn'] } },
    });
    const keys = template.findResources('AWS::KMS::Key');
    const tableKey = Object.entries(keys).find(([id]) => id.startsWith('InterruptionIdempotencyTableKey'))![1] as any;
    expect(tableKey.Properties.EnableKeyRotation).toBe(true);
    expect(tableKey.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({ Sid: 'DenyGrantsExceptForAwsResources', Effect: 'Deny', Action: 'kms:CreateGrant' }));
  });

  test('terminate lifecycle hook: CONTINUE by default, heartbeat timeout covers the drain', () => {
    template.hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
      AutoScalingGroupName: groupRef,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      DefaultResult: 'CONTINUE',
      HeartbeatTimeout: 600,
      NotificationTargetARN: Match.absent(),
    });
  });

  test('drain document: runs the workload script, else stops the unit, bounded by the timeout', () => {
    template.hasResourceProperties('AWS::SSM::Document', {
      DocumentType: 'Command',
      Name: Match.absent(),
      Content: Match.objectLike({
        parameters: Match.objectLike({ serviceName: Match.objectLike({ default: 'inference.service', allowedPattern: '^[A-Za-z0-9@._-]+$' }) }),
        mainSteps: [
          Match.objectLike({
            action: 'aws:runShellScript',
            inputs: {
              timeoutSeconds: '315',
              runCommand: Match.arrayWith([
                '  exec timeout "{{ timeoutSeconds }}" /usr/local/bin/gpu-fleet-drain',
                'systemctl daemon-reload',
                'exec timeout "$(( {{ timeoutSeconds }} + 10 ))" systemctl stop "{{ serviceName }}"',
              ]),
            },
          }),
        ],
      }),
    });
  });
});

describe('IAM', () => {
  const statements = () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^InterruptionRole') }] } });
    return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
  };

  test('lifecycle and health actions only on this group', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat', 'autoscaling:SetInstanceHealth'],
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', { Ref: 'GroupASG3C6DFE3B' }]],
        },
      }),
    );
  });

  test('SendCommand only with the drain and resume documents and on instances tagged with this fleet', () => {
    const doc = (ref: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:123456789012:document/', { Ref: ref }]] });
    expect(statements()).toContainEqual(
      expect.objectContaining({ Action: 'ssm:SendCommand', Resource: [doc('InterruptionDrainDocumentD981CF13'), doc('InterruptionResumeDocument8010E010')] }),
    );
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Action: 'ssm:SendCommand',
        Condition: { StringEquals: { 'ssm:resourceTag/gpu-spot-fleet:fleet': 'GpuFleet-test' } },
      }),
    );
  });

  test('"*" only for the read-only calls without resource-level permissions', () => {
    const star = statements().filter((s) => s.Resource === '*');
    expect(star).toEqual([
      expect.objectContaining({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] }),
      expect.objectContaining({ Action: ['ec2:DescribeInstances', 'ec2:DescribeSubnets', 'ssm:GetCommandInvocation', 'autoscaling:DescribeAutoScalingInstances'] }),
    ]);
  });

  test('the drained tag, only that key, only on instances tagged with this fleet', () => {
    expect(statements()).toContainEqual(expect.objectContaining({
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Condition: {
        StringEquals: { 'aws:ResourceTag/gpu-spot-fleet:fleet': 'GpuFleet-test' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['gpu-spot-fleet:drained'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    }));
  });

  test('DeleteTags without Tags (which deletes every tag, the fleet tag included) is not allowed; the drained tag is', () => {
    const statement = statements().find((s) => s.Sid === 'TagDrainedFleetInstances') as unknown as PolicyStatementJson;
    const resolved = { ...statement, Resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*' };
    const instance = 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0';
    const fleetInstance = { 'aws:ResourceTag/gpu-spot-fleet:fleet': ['GpuFleet-test'] };
    expect(allows(resolved, 'ec2:DeleteTags', instance, fleetInstance)).toBe(false);
    expect(allows(resolved, 'ec2:DeleteTags', instance, { ...fleetInstance, 'aws:TagKeys': ['gpu-spot-fleet:fleet'] })).toBe(false);
    expect(allows(resolved, 'ec2:DeleteTags', instance, { ...fleetInstance, 'aws:TagKeys': ['gpu-spot-fleet:drained'] })).toBe(true);
    expect(allows(resolved, 'ec2:CreateTags', instance, { ...fleetInstance, 'aws:TagKeys': ['gpu-spot-fleet:drained'] })).toBe(true);
  });

  test('sqs:ChangeMessageVisibility only on its own queue (granted with the event source)', () => {
    const visibility = statements().filter((st) => ([] as unknown[]).concat(st.Action).includes('sqs:ChangeMessageVisibility'));
    expect(visibility.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': ['InterruptionQueueA3EE13F3', 'Arn'] }]);
  });

  test('deregistration only from the given target groups; idempotency records only in its table', () => {
    expect(statements()).toContainEqual(
      expect.objectContaining({ Action: ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'], Resource: { Ref: 'TargetGroup3D7CD9B8' } }),
    );
    expect(statements()).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::GetAtt': ['InterruptionIdempotencyTable5A8E3441', 'Arn'] },
      }),
    );
    expect(statements()).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: 'TopicBFC7AF6E' } }));
  });

  test('no target groups: no DeregisterTargets statement', () => {
    const t = Template.fromStack(fleetStack(new App()).stack);
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).not.toContain('elasticloadbalancing:DeregisterTargets');
  });
});

describe('alarms', () => {
  const topic = [{ Ref: 'TopicBFC7AF6E' }];
  test('DLQ messages', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['InterruptionDeadLetterQueue3747AD34', 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: topic,
    });
  });
  test('handler errors: Lambda errors plus failed records', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(errors, 0) + FILL(failures, 0)' }),
        Match.objectLike({ Id: 'failures', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ProcessingErrors', Namespace: 'GpuSpotFleet' }) }) }),
      ]),
      AlarmActions: topic,
    });
  });
  test('interruption rate above the configured threshold per hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Interruptions',
      Namespace: 'GpuSpotFleet',
      Dimensions: [{ Name: 'Fleet', Value: 'GpuFleet-test' }, { Name: 'service', Value: 'interruption-handler' }],
      Period: 3600,
      Statistic: 'Sum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: topic,
    });
    const t = Template.fromStack(fleetStack(new App(), { interruptionsPerHourAlarm: 12 }).stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Interruptions', Threshold: 12 });
  });
  test('launch failures', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LaunchFailures', Period: 900, Threshold: 3, AlarmActions: topic });
  });
});

describe('FIS drill', () => {
  test('interrupts a share of this fleet\'s running spot instances, stops on the handler alarms', () => {
    template.hasResourceProperties('AWS::FIS::ExperimentTemplate', {
      Targets: {
        FleetSpotInstances: {
          ResourceType: 'aws:ec2:spot-instance',
          ResourceTags: { [FLEET_TAG.key]: FLEET_TAG.value },
          Filters: [{ Path: 'State.Name', Values: ['running'] }],
          SelectionMode: 'PERCENT(25)',
        },
      },
      Actions: {
        InterruptSpot: Match.objectLike({
          ActionId: 'aws:ec2:send-spot-instance-interruptions',
          Parameters: { durationBeforeInterruption: 'PT2M' },
          Targets: { SpotInstances: 'FleetSpotInstances' },
        }),
      },
      StopConditions: [
        { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': ['InterruptionDeadLetterAlarm2442E3EA', 'Arn'] } },
        { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionHandlerErrorsAlarm'), 'Arn'] } },
        { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionLaunchFailuresAlarm'), 'Arn'] } },
      ],
      Tags: Match.objectLike({ 'gpu-spot-fleet:stack': 'GpuFleet-test', [FLEET_TAG.key]: FLEET_TAG.value }),
    });
  });

  test('its role may interrupt only instances with the fleet tag', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^InterruptionDrillRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ec2:SendSpotInstanceInterruptions', Condition: { StringEquals: { 'aws:ResourceTag/gpu-spot-fleet:fleet': 'GpuFleet-test' } } }),
        ]),
      },
    });
  });

  test('template id is a stack output', () => {
    template.hasOutput('*', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InterruptionDrillTemplate'), 'Id'] } });
  });

  test('share is configurable', () => {
    const t = Template.fromStack(fleetStack(new App(), { fisSpotSharePercent: 50 }).stack);
    t.hasResourceProperties('AWS::FIS::ExperimentTemplate', { Targets: { FleetSpotInstances: Match.objectLike({ SelectionMode: 'PERCENT(50)' }) } });
  });
});

describe('options', () => {
  test("rebalanceAction 'notify', custom document with parameters, longer drain", () => {
    const t = Template.fromStack(
      fleetStack(new App(), {
        rebalanceAction: 'notify',
        drainDocumentName: 'AWS-RunShellScript',
        drainDocumentParameters: { commands: ['/opt/drain.sh'] },
        drainTimeout: Duration.minutes(10),
      }).stack,
    );
    t.resourceCountIs('AWS::SSM::Document', 0);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 720,
      // A custom drain document has no resume document unless one is given: the sweep replaces instead.
      Environment: { Variables: Match.objectLike({ REBALANCE_ACTION: 'notify', DRAIN_DOCUMENT_NAME: 'AWS-RunShellScript', DRAIN_DOCUMENT_PARAMETERS: '{"commands":["/opt/drain.sh"]}', RESUME_DOCUMENT_NAME: '' }) },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ssm:SendCommand', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1::document/AWS-RunShellScript']] } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', { HeartbeatTimeout: 900 });
  });

  test('invalid props: every problem reported at once, naming value and rule', () => {
    let error: unknown;
    try {
      fleetStack(new App(), {
        drainTimeout: Duration.minutes(14),
        interruptionsPerHourAlarm: 0,
        launchFailuresAlarmThreshold: 1.5,
        fisSpotSharePercent: 150,
        maxConcurrency: 1,
        drainServiceName: 'x; rm -rf /',
        rebalanceRecheckAfter: Duration.minutes(1),
        fleetTag: { key: 'aws:fleet', value: '' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterruptionConfigError);
    expect((error as InterruptionConfigError).problems).toEqual([
      'drainTimeout (840s) must be between 30s and 720s: the handler waits for the drain inside one Lambda invocation (max 15 min); shorten the drain or checkpoint sooner',
      'rebalanceRecheckAfter (60s) must be at least drainTimeout + 60s (900s) and at most 6 hours: a host is brought back only after its drain has ended',
      'interruptionsPerHourAlarm (0) must be an integer from 1 to 10000: the alarm fires above this many interruptions per hour',
      'launchFailuresAlarmThreshold (1.5) must be an integer from 1 to 10000: the alarm fires at this many failed launches in 15 minutes',
      'fisSpotSharePercent (150) must be an integer from 1 to 100: the share of running spot instances a drill interrupts',
      'maxConcurrency (1) must be an integer from 2 to 1000: the SQS event source accepts 2-1000',
      'drainServiceName ("x; rm -rf /") must be a systemd unit name (letters, digits, @ . _ -)',
      'fleetTag.key ("aws:fleet") must be a non-empty tag key not starting with "aws:"',
      'fleetTag.value ("") must be non-empty: it tells this fleet\'s instances from every other instance in the account',
    ]);
    expect((error as Error).message).toMatch(/^InterruptionHandler props are invalid:\n {2}- drainTimeout \(840s\)/);
  });
});

describe('cdk-nag', () => {
  test.each([false, true])('no unacknowledged findings under the construct (environment-agnostic: %p)', (agnostic) => {
    const app = nagApp();
    fleetStack(app, {}, true, agnostic);
    const mine = nagFindings(app).filter((f) => f.path.includes('/Interruption/'));
    expect(formatFindings(mine)).toEqual([]);
  });
});

describe('a second group of the fleet (issue 9, defect 6: fallback hosts are drained too)', () => {
  const build = (app: App = new App()) => {
    const { stack, handler } = fleetStack(app, {}, true);
    const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
    const launchTemplate = stack.node.findChild('LaunchTemplate') as ec2.LaunchTemplate;
    const fallback = new autoscaling.AutoScalingGroup(stack, 'FallbackGroup', {
      vpc,
      minCapacity: 0,
      maxCapacity: 2,
      mixedInstancesPolicy: { launchTemplate, launchTemplateOverrides: [{ instanceType: new ec2.InstanceType('g6.xlarge') }], instancesDistribution: { onDemandPercentageAboveBaseCapacity: 100 } },
    });
    const hook = handler.addAutoScalingGroup(fallback);
    return { app, stack, fallback, hook };
  };
  const fallbackRef = { Ref: Match.stringLikeRegexp('^FallbackGroupASG') };

  test('its own terminate hook (same timeouts), its lifecycle actions on the same rule, its name in the handler env', () => {
    const { stack, hook } = build();
    const t = Template.fromStack(stack);
    expect(hook).toBeDefined();
    t.hasResourceProperties('AWS::AutoScaling::LifecycleHook', { AutoScalingGroupName: fallbackRef, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', DefaultResult: 'CONTINUE', HeartbeatTimeout: 600 });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
        detail: {
          AutoScalingGroupName: [groupRef, fallbackRef],
          LifecycleHookName: [{ Ref: Match.stringLikeRegexp('^GroupLifecycleHookDrainOnTerminate') }, { Ref: Match.stringLikeRegexp('^FallbackGroupLifecycleHookDrainOnTerminate') }],
        },
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTO_SCALING_GROUP_NAMES: { 'Fn::Join': ['', [groupRef, ',', fallbackRef]] } }) },
    });
  });

  test('the handler may complete, heartbeat and set health on both groups, nothing wider; cdk-nag stays clean', () => {
    const { stack } = build();
    const t = Template.fromStack(stack);
    const arn = (ref: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', { Ref: ref }]] });
    const fallbackId = Object.keys(t.findResources('AWS::AutoScaling::AutoScalingGroup')).find((id) => id.startsWith('FallbackGroupASG'))!;
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'FleetGroupActions', Resource: [arn('GroupASG3C6DFE3B'), arn(fallbackId)] })]) },
    });
    const nagged = nagApp();
    build(nagged);
    expect(formatFindings(nagFindings(nagged).filter((f) => f.path.includes('/Interruption/')))).toEqual([]);
  });
});
