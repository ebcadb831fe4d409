import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BudgetConfigError, BudgetGuard, BudgetGuardProps, KILL_SWITCH_RESERVED_CONCURRENCY, KILL_SWITCH_RETRY_ATTEMPTS } from '../../lib/budget';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { testFleet } from './fleet-fixture';

type Overrides = Partial<Omit<BudgetGuardProps, 'autoScalingGroup'>>;

function props(fleet: ReturnType<typeof testFleet>, o: Overrides = {}): BudgetGuardProps {
  return {
    environmentName: 'staging',
    monthlyLimitUsd: 2500,
    alertEmails: ['ml-platform-alerts@example.com'],
    costAllocationTag: { key: 'Environment', value: 'staging' },
    autoScalingGroup: fleet.autoScalingGroup,
    burnRate: { onDemandUsdPerHour: 0.8048, spotUsdPerHour: 0.35, onDemandBaseCapacity: 1 },
    killSwitch: { capTo: 'zero', baseCapacity: 1, restoreCapacity: { minCapacity: 1, maxCapacity: 6 } },
    ...o,
  };
}

function synth(o: Overrides = {}, app = new App()) {
  const fleet = testFleet(app);
  const guard = new BudgetGuard(fleet.stack, 'Budget', props(fleet, o));
  return { fleet, guard, stack: fleet.stack, template: Template.fromStack(fleet.stack) };
}

const TOPIC = { Ref: Match.stringLikeRegexp('^BudgetTopic[0-9A-F]{8}$') };
const GROUP = { Ref: Match.stringLikeRegexp('^GroupASG') };

describe('BudgetGuard with the kill switch (staging)', () => {
  const { template, guard } = synth();

  test('monthly cost budget filtered on the cost-allocation tag in the user:<Key>$<Value> form', () => {
    template.resourceCountIs('AWS::Budgets::Budget', 1);
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 2500, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:Environment$staging'] },
      },
    });
  });

  test('four notifications: 70/90/100% actual and 100% forecasted, all to the budget topic', () => {
    const n = (NotificationType: string, Threshold: number) => ({
      Notification: { NotificationType, Threshold, ComparisonOperator: 'GREATER_THAN', ThresholdType: 'PERCENTAGE' },
      Subscribers: [{ SubscriptionType: 'SNS', Address: TOPIC }],
    });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      NotificationsWithSubscribers: [n('ACTUAL', 70), n('ACTUAL', 90), n('ACTUAL', 100), n('FORECASTED', 100)],
    });
  });

  test('the budget is created after the topic policy (Budgets checks it may publish)', () => {
    const [budget] = Object.values(template.findResources('AWS::Budgets::Budget'));
    expect(budget.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^BudgetTopicPolicy/)]));
  });

  test('topic encrypted with a rotated customer-managed key, TLS enforced, emails subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the budget topic of the staging GPU fleet',
      EnableKeyRotation: true,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: TOPIC,
      Protocol: 'email',
      Endpoint: 'ml-platform-alerts@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('topic policy lets budgets.amazonaws.com and cloudwatch publish, only from this account', () => {
    for (const service of ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [TOPIC],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: service },
              Action: 'sns:Publish',
              Resource: TOPIC,
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
    }
  });

  test('key policy lets budgets and cloudwatch encrypt for the topic', () => {
    for (const service of ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
              Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
            }),
          ]),
        },
      });
    }
  });

  test('burn alarm: metric math over the group\'s instances, base at on-demand, rest at spot, above the budget pace', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        {
          Expression: 'IF(n > 1, 0.8048 + (n - 1) * 0.35, n * 0.8048)',
          Label: 'Estimated fleet spend (USD/hour)',
          ReturnData: true,
        },
        {
          Id: 'n',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/AutoScaling',
              MetricName: 'GroupTotalInstances',
              Dimensions: [{ Name: 'AutoScalingGroupName', Value: GROUP }],
            },
            Period: 300,
            Stat: 'Average',
          },
        },
      ],
      // 2500 USD / 730 h = 3.42466 -> 3.4247 USD/h.
      Threshold: 3.4247,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
      AlarmDescription: Match.stringLikeRegexp('2500 USD / 730 h = 3.4247 USD/h\\) for 15 minutes'),
    });
    expect(guard.burnRateMetric.expression).toBe('IF(n > 1, 0.8048 + (n - 1) * 0.35, n * 0.8048)');
  });

  test('no anomaly monitor unless asked, and no costalerts grant', () => {
    template.resourceCountIs('AWS::CE::AnomalyMonitor', 0);
    template.resourceCountIs('AWS::CE::AnomalySubscription', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('costalerts.amazonaws.com');
  });

  test('kill switch: Node 24 function with its settings, subscribed to the budget topic', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 30,
      Environment: {
        Variables: {
          KILL_SWITCH_GROUP_NAME: GROUP,
          KILL_SWITCH_CAP_TO: 'zero',
          KILL_SWITCH_BASE_CAPACITY: '1',
          KILL_SWITCH_RESTORE_MIN: '1',
          KILL_SWITCH_RESTORE_MAX: '6',
          KILL_SWITCH_TOPIC_ARN: TOPIC,
          KILL_SWITCH_ENVIRONMENT: 'staging',
        },
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: TOPIC,
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetKillSwitch'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: TOPIC });
  });

  test('kill switch IAM: mutating calls scoped to the one group ARN; no managed policies', () => {
    const GROUP_ARN = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/', GROUP]],
    };
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'autoscaling:UpdateAutoScalingGroup',
            Resource: GROUP_ARN,
            // Resize only, never above the configured max (6), never subnets, launch template, instance types or launch configuration.
            Condition: {
              NumericLessThanEquals: { 'autoscaling:MaxSize': 6 },
              Null: {
                'autoscaling:VPCZoneIdentifiers': 'true',
                'autoscaling:LaunchTemplateVersionSpecified': 'true',
                'autoscaling:InstanceTypes': 'true',
                'autoscaling:LaunchConfigurationName': 'true',
              },
            },
          },
          { Effect: 'Allow', Action: ['autoscaling:SuspendProcesses', 'autoscaling:ResumeProcesses'], Resource: GROUP_ARN },
          { Effect: 'Allow', Action: 'autoscaling:DescribeAutoScalingGroups', Resource: '*' },
          { Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC },
        ]),
      },
    });
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] } },
    });
    expect(Object.values(roles).map((r) => r.Properties.ManagedPolicyArns)).toEqual([undefined]);
  });

  test('kill-switch failures alarm to the budget topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [TOPIC],
    });
  });

  test('kill switch: X-Ray tracing, one run at a time, two retries, 6 h event age, failures to an encrypted queue (issue 9)', () => {
    expect([KILL_SWITCH_RESERVED_CONCURRENCY, KILL_SWITCH_RETRY_ATTEMPTS]).toEqual([1, 2]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^BudgetKillSwitchLogs') } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^BudgetKillSwitch[0-9A-F]{8}$') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetKillSwitchFailures'), 'Arn'] } } },
    });
    // Encrypted with the budget topic's customer-managed key, TLS only, kept as long as SQS allows.
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetTopicKey'), 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    // The function may send there (Lambda delivers the failed event with the function's role) and trace.
    for (const statement of [
      Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetKillSwitchFailures'), 'Arn'] } }),
      Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }),
    ]) {
      template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([statement]) } });
    }
  });

  test('an event parked in the failure queue alarms to the budget topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetKillSwitchFailures'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [TOPIC],
      AlarmDescription: Match.stringLikeRegexp('^The staging budget kill switch gave up on an event after 2 retries'),
    });
    expect(guard.killSwitchAlarms).toHaveLength(3);
  });

  test('the kill switch log group: encrypted with the stack log key, a month by default', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogEncryptionKey'), 'Arn'] },
    });
  });

  test('the budget topic key denies grants except for AWS resources or AWS services (fleetKey)', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the budget topic of the staging GPU fleet',
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'DenyGrantsExceptForAwsResources',
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      })]) },
    });
  });

  test('a message the kill switch cannot read alarms too (a Budgets format change must not disarm it silently)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GpuSpotFleet',
      MetricName: 'UnrecognisedBudgetTopicMessages',
      Dimensions: [{ Name: 'Environment', Value: 'staging' }, { Name: 'service', Value: 'gpu-fleet-budget-kill-switch' }],
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: [TOPIC],
    });
  });
});

describe('what the next cdk deploy does to a capped fleet', () => {
  test('the group template has no DesiredCapacity and the guard adds nothing to the group', () => {
    const without = testFleet();
    const withGuard = synth();
    const group = (t: Template) => Object.values(t.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    const plain = group(Template.fromStack(without.stack));
    expect(plain.Properties.DesiredCapacity).toBeUndefined();
    expect(plain.Properties).toMatchObject({ MinSize: '1', MaxSize: '6' });
    // The kill switch works out of band: the group's template is unchanged, so an unrelated deploy leaves a
    // capped group alone; only a change to the group resource itself resets MinSize/MaxSize (see the docs).
    expect(group(withGuard.template)).toEqual(plain);
  });

  test('synth is deterministic: an unchanged app gives a byte-identical template (an empty change set)', () => {
    const a = JSON.stringify(synth().template.toJSON());
    const b = JSON.stringify(synth().template.toJSON());
    expect(a).toEqual(b);
  });
});

describe('BudgetGuard options', () => {
  test('prod: kill switch off by default creates no function', () => {
    const { template, guard } = synth({ killSwitch: undefined, environmentName: 'prod' });
    template.resourceCountIs('AWS::Lambda::Function', 0);
    expect(guard.killSwitchFunction).toBeUndefined();
    const { template: t2 } = synth({ killSwitch: false });
    t2.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('prod with a kill switch caps to the base', () => {
    const { template } = synth({
      environmentName: 'prod',
      killSwitch: { capTo: 'base', baseCapacity: 2, restoreCapacity: { minCapacity: 2, maxCapacity: 12 } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KILL_SWITCH_CAP_TO: 'base', KILL_SWITCH_BASE_CAPACITY: '2', KILL_SWITCH_RESTORE_MAX: '12' }) },
    });
  });

  test('anomaly monitor: custom tag monitor, immediate SNS subscription at a day of budget, costalerts allowed', () => {
    const { template } = synth({ anomalyMonitor: true, killSwitch: false, environmentName: 'prod', monthlyLimitUsd: 9000, costAllocationTag: { key: 'Environment', value: 'prod' } });
    template.hasResourceProperties('AWS::CE::AnomalyMonitor', {
      MonitorName: 'gpu-spot-fleet-prod',
      MonitorType: 'CUSTOM',
      MonitorSpecification: '{"Tags":{"Key":"Environment","Values":["prod"],"MatchOptions":["EQUALS"]}}',
    });
    template.hasResourceProperties('AWS::CE::AnomalySubscription', {
      Frequency: 'IMMEDIATE',
      MonitorArnList: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BudgetAnomalyMonitor'), 'MonitorArn'] }],
      Subscribers: [{ Type: 'SNS', Address: TOPIC }],
      // 9000 / 30 = 300 USD.
      ThresholdExpression:
        '{"Dimensions":{"Key":"ANOMALY_TOTAL_IMPACT_ABSOLUTE","MatchOptions":["GREATER_THAN_OR_EQUAL"],"Values":["300"]}}',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'costalerts.amazonaws.com' }, Action: 'sns:Publish' })]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'costalerts.amazonaws.com' } })]) },
    });
  });

  test('log retention and key of the kill switch are props', () => {
    const app = new App();
    const fleet = testFleet(app);
    const key = new kms.Key(fleet.stack, 'OwnLogKey', { enableKeyRotation: true });
    new BudgetGuard(fleet.stack, 'Budget', props(fleet, { logRetention: logs.RetentionDays.ONE_YEAR, logEncryptionKey: key }));
    Template.fromStack(fleet.stack).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnLogKey'), 'Arn'] },
    });
  });

  test('an explicit anomaly threshold', () => {
    const { template } = synth({ anomalyMonitor: true, anomalyThresholdUsd: 50, killSwitch: false });
    template.hasResourceProperties('AWS::CE::AnomalySubscription', {
      ThresholdExpression: Match.stringLikeRegexp('"Values":\\["50"\\]'),
    });
  });

  test('no on-demand base: everything priced at spot; custom datapoints', () => {
    const { template } = synth({
      killSwitch: false,
      burnRate: { onDemandUsdPerHour: 0.8048, spotUsdPerHour: 0.3312, onDemandBaseCapacity: 0, datapoints: 2 },
      monthlyLimitUsd: 800,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'n * 0.3312' })]),
      // 800 / 730 = 1.09589 -> 1.0959.
      Threshold: 1.0959,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
  });

  test('warns when there is no email and when a base cap is zero', () => {
    const { stack } = synth({
      alertEmails: [],
      killSwitch: { capTo: 'base', baseCapacity: 0, restoreCapacity: { minCapacity: 0, maxCapacity: 2 } },
    });
    const a = Annotations.fromStack(stack);
    a.hasWarning('/TestStack/Budget', Match.stringLikeRegexp('staging.budget.alertEmails is empty'));
    a.hasWarning('/TestStack/Budget', Match.stringLikeRegexp('staging kill switch caps to the base, which is 0'));
  });
});

describe('BudgetGuard validation', () => {
  const fails = (o: Overrides, ...messages: string[]) => {
    const fleet = testFleet();
    expect(() => new BudgetGuard(fleet.stack, 'Budget', props(fleet, o))).toThrow(new BudgetConfigError(messages));
  };

  test('monthly limit', () => {
    fails({ monthlyLimitUsd: 0 }, 'staging.budget.monthlyLimitUsd (0) must be a number > 0 USD per month; set the budget in config/environments.ts');
    fails({ monthlyLimitUsd: NaN }, 'staging.budget.monthlyLimitUsd (NaN) must be a number > 0 USD per month; set the budget in config/environments.ts');
  });

  test('emails', () => {
    fails({ alertEmails: ['ops@example.com', 'not-an-email'] }, 'staging.budget.alertEmails[1] (not-an-email) must be an email address such as team@example.com');
  });

  test('cost-allocation tag', () => {
    fails({ costAllocationTag: { key: '', value: 'staging' } }, 'staging costAllocationTag (=staging) needs a key and a value, e.g. Environment=staging');
    fails(
      { costAllocationTag: { key: 'aws:createdBy', value: 'x' } },
      'staging costAllocationTag key (aws:createdBy) must be a user-defined tag: the aws: prefix is reserved for AWS-generated tags',
    );
  });

  test('prices: never silently $0 or NaN', () => {
    fails(
      { burnRate: { onDemandUsdPerHour: 0, spotUsdPerHour: NaN, onDemandBaseCapacity: 1.5, datapoints: 0 } },
      "staging burnRate.onDemandUsdPerHour (0) must be a number > 0 USD per instance-hour; pass the cost model's hourly price (an estimate of $0 would never alarm)",
      "staging burnRate.spotUsdPerHour (NaN) must be a number > 0 USD per instance-hour; pass the cost model's hourly price (an estimate of $0 would never alarm)",
      'staging burnRate.onDemandBaseCapacity (1.5) must be a whole number >= 0',
      'staging burnRate.datapoints (0) must be a whole number from 1 to 12 (5-minute periods, at most an hour)',
    );
  });

  test('anomaly threshold', () => {
    fails({ anomalyThresholdUsd: -5 }, 'staging anomalyThresholdUsd (-5) must be a number > 0 USD; or leave it out for a day of budget');
  });

  test('kill switch', () => {
    fails(
      { killSwitch: { capTo: 'half' as never, baseCapacity: -1, restoreCapacity: { minCapacity: 3, maxCapacity: 2 } } },
      'staging killSwitch.capTo (half) must be "zero" or "base"',
      'staging killSwitch.baseCapacity (-1) must be a whole number >= 0',
      'staging killSwitch.restoreCapacity.minCapacity (3) must be <= maxCapacity (2)',
    );
    fails(
      { killSwitch: { capTo: 'zero', baseCapacity: 0, restoreCapacity: { minCapacity: 0.5, maxCapacity: 2 } } },
      'staging killSwitch.restoreCapacity.minCapacity (0.5) must be a whole number >= 0',
    );
  });

  test('environment name', () => {
    fails({ environmentName: 'my env' }, 'environmentName ("my env") must be letters, digits and dashes, e.g. staging');
  });
});

test('cdk-nag: no unacknowledged findings under the construct, with every option on', () => {
  const app = nagApp();
  const fleet = testFleet(app);
  new BudgetGuard(fleet.stack, 'Budget', props(fleet, { anomalyMonitor: true }));
  const all = nagFindings(app);
  expect(formatFindings(all.filter((f) => f.path.startsWith('TestStack/Budget/')))).toEqual([]);
  // The test fixture's own findings (no VPC flow log) prove the pack ran.
  expect(all.map((f) => f.rule)).toContain('AwsSolutions-VPC7');
});
