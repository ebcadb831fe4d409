import * as path from 'path';
import { Aspects, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundledCode } from '../shared/bundling';
import { FUNCTION_ARCHITECTURE } from '../shared/lambda-architecture';
import { encryptedLogGroup } from '../shared/encryption';
import { KILL_SWITCH_ENV as ENV } from '../shared/kill-switch-env';
import { FLEET_METRIC_NAMESPACE, KILL_SWITCH_METRICS, KILL_SWITCH_SERVICE } from '../shared/metric-names';

/** What the kill switch does when 100% of the budget is actually spent. */
export interface KillSwitchOptions {
  /** `zero`: min = max = desired = 0 (dev, staging). `base`: all three to `baseCapacity` (prod). */
  readonly capTo: 'zero' | 'base';
  /** The on-demand base the `base` cap keeps running. */
  readonly baseCapacity: number;
  /** Min/max the restore command puts back: the group's configured sizes. */
  readonly restoreCapacity: { readonly minCapacity: number; readonly maxCapacity: number };
}

/**
 * Lambda retries a failed asynchronous invocation at most twice. Each attempt re-reads the group first (the cap and the
 * restore are idempotent), so retrying is safe and gives a throttled or briefly failing Auto Scaling API two more
 * chances before the event is parked in the failure queue.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export const KILL_SWITCH_RETRY_ATTEMPTS = 2;

/**
 * One run at a time: two runs (a notification and a retry, or a cap and a restore) would read and resize the same
 * group concurrently. A throttled asynchronous event is not lost: Lambda keeps retrying it for up to the event age
 * below. A hand-run `{"action":"restore"}` during a run gets TooManyRequestsException and is simply run again.
 */
export const KILL_SWITCH_RESERVED_CONCURRENCY = 1;

/** What `addKillSwitch` builds, for BudgetGuard's public fields. */
export interface KillSwitchResources {
  readonly function: lambda.Function;
  /** Events that failed every attempt (or expired while throttled): Lambda's on-failure destination. */
  readonly failureQueue: sqs.Queue;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly failureQueueAlarm: cloudwatch.Alarm;
  readonly unrecognisedMessagesAlarm: cloudwatch.Alarm;
}

export interface AddKillSwitchProps {
  readonly environmentName: string;
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  readonly options: KillSwitchOptions;
  /** The budget topic: the function is subscribed to it and reports to it; alarms notify it. */
  readonly topic: sns.Topic;
  /** The budget topic's key; it also encrypts the failure queue (no second key to pay for). */
  readonly topicKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The kill switch, built into `scope` (BudgetGuard) with the ids it always had, so logical ids stay stable: its role,
 * log group, function (code in ./runtime/), on-failure queue and alarms.
 */
export function addKillSwitch(scope: Construct, props: AddKillSwitchProps): KillSwitchResources {
  const { environmentName: env, options, topic } = props;
  const group = props.autoScalingGroup;
  const stack = Stack.of(scope);
  const logGroup = encryptedLogGroup(scope, 'KillSwitchLogs', { retention: props.logRetention, encryptionKey: props.logEncryptionKey });
  // Own role instead of the default one: no AWSLambdaBasicExecutionRole managed policy, logs scoped to one group.
  const role = new iam.Role(scope, 'KillSwitchRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Budget kill switch of the ${env} GPU fleet`,
  });
  logGroup.grantWrite(role);
  // The group ARN embeds a UUID CloudFormation does not expose; the name pins the one group.
  const groupArn = stack.formatArn({
    service: 'autoscaling',
    resource: 'autoScalingGroup',
    resourceName: `*:autoScalingGroupName/${group.autoScalingGroupName}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPolicy(killSwitchResizeStatement(groupArn, options.restoreCapacity.maxCapacity));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['autoscaling:SuspendProcesses', 'autoscaling:ResumeProcesses'], resources: [groupArn] }));
  // Describe* has no resource-level permissions in Auto Scaling.
  role.addToPolicy(new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }));
  topic.grantPublish(role);

  const failureQueue = new sqs.Queue(scope, 'KillSwitchFailures', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: props.topicKey,
    enforceSSL: true,
    // The longest SQS keeps a message: two weeks to read why the fleet was not capped.
    retentionPeriod: Duration.days(14),
  });
  Validations.of(failureQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the kill switch\'s Lambda on-failure destination, the last stop of a failed event; a dead-letter queue behind it would only move the same messages. Its alarm notifies the budget topic.',
  });

  const fn = new lambda.Function(scope, 'KillSwitch', {
    code: bundledCode(path.join(__dirname, 'runtime', 'handler.ts'), { sourceMap: false }),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: FUNCTION_ARCHITECTURE,
    memorySize: 256,
    timeout: Duration.seconds(30),
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    description: `Caps the ${env} GPU fleet when its budget is spent; {"action":"restore"} lifts the cap`,
    reservedConcurrentExecutions: KILL_SWITCH_RESERVED_CONCURRENCY,
    retryAttempts: KILL_SWITCH_RETRY_ATTEMPTS,
    // Lambda's maximum: a cap that arrives hours late (throttled behind other runs) is still the right action.
    maxEventAge: Duration.hours(6),
    onFailure: new destinations.SqsDestination(failureQueue),
    environment: {
      [ENV.groupName]: group.autoScalingGroupName,
      [ENV.capTo]: options.capTo,
      [ENV.baseCapacity]: String(options.baseCapacity),
      [ENV.restoreMin]: String(options.restoreCapacity.minCapacity),
      [ENV.restoreMax]: String(options.restoreCapacity.maxCapacity),
      [ENV.topicArn]: topic.topicArn,
      [ENV.environmentName]: env,
      POWERTOOLS_SERVICE_NAME: KILL_SWITCH_SERVICE,
    },
  });
  topic.addSubscription(new subscriptions.LambdaSubscription(fn));

  const alarm = (id: string, metric: cloudwatch.Metric, description: string) => {
    const a = metric.createAlarm(scope, id, {
      alarmDescription: description,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    a.addAlarmAction(new cwActions.SnsAction(topic));
    return a;
  };
  // Any failed attempt is visible at once, in the inbox the budget alerts go to.
  const errorsAlarm = alarm('KillSwitchErrorsAlarm', fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    `The ${env} budget kill switch failed: the fleet may NOT be capped. See the function's logs.`);
  // After every retry the event lands in the queue and stays there until someone reads it.
  const failureQueueAlarm = alarm('KillSwitchFailuresAlarm',
    failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    `The ${env} budget kill switch gave up on an event after ${KILL_SWITCH_RETRY_ATTEMPTS} retries: the fleet may NOT be capped. ` +
      'The event and the error are in the failure queue; cap by hand with {"action":"cap"} if the budget is spent.');
  // A message the kill switch cannot classify may be a Budgets format change that would disarm it: say so.
  const unrecognisedMessagesAlarm = alarm('KillSwitchUnrecognisedMessagesAlarm',
    new cloudwatch.Metric({
      namespace: FLEET_METRIC_NAMESPACE,
      metricName: KILL_SWITCH_METRICS.unrecognisedMessages,
      dimensionsMap: { service: KILL_SWITCH_SERVICE, Environment: env },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
    }),
    `The ${env} budget kill switch got a message it cannot read on the budget topic: ` +
      'if AWS changed the Budgets notification format, the kill switch would not act. See the function\'s logs.');

  acknowledgeWildcards(scope, role, groupArn);
  return { function: fn, failureQueue, errorsAlarm, failureQueueAlarm, unrecognisedMessagesAlarm };
}

/**
 * UpdateAutoScalingGroup may only resize (never above the configured max), not move subnets, change the launch
 * template, the instance types (mixed instances policy overrides) or set a launch configuration. The Service
 * Authorization Reference lists VPCZoneIdentifiers, LaunchTemplateVersionSpecified, InstanceTypes and
 * LaunchConfigurationName as condition keys of UpdateAutoScalingGroup; they are request keys, present only when the
 * request carries the parameter (LaunchTemplateVersionSpecified is a Bool "whether users can specify any version of a
 * launch template or only the Latest or Default version"). The kill switch's own calls send only MinSize, MaxSize
 * and DesiredCapacity, so the Null conditions hold for them and deny any request that carries one of those
 * parameters; test/budget/kill-switch-policy.test.ts evaluates the statement against those calls.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html#amazonec2autoscaling-policy-keys
 */
export function killSwitchResizeStatement(groupArn: string, maxCapacity: number): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['autoscaling:UpdateAutoScalingGroup'],
    resources: [groupArn],
    conditions: {
      NumericLessThanEquals: { 'autoscaling:MaxSize': maxCapacity },
      Null: {
        'autoscaling:VPCZoneIdentifiers': 'true',
        'autoscaling:LaunchTemplateVersionSpecified': 'true',
        'autoscaling:InstanceTypes': 'true',
        'autoscaling:LaunchConfigurationName': 'true',
      },
    },
  });
}

/**
 * cdk-nag names each IAM5 finding by the flattened resource or action, so each reviewed wildcard is acknowledged
 * by its exact id, on the kill switch's policy only. The group ARN is flattened at synth (an aspect) so the id
 * matches the group's final logical id.
 */
function acknowledgeWildcards(scope: Construct, role: iam.Role, groupArn: string): void {
  const policy = role.node.findChild('DefaultPolicy');
  const ack = (finding: string, reason: string) =>
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  ack('Resource::*', 'autoscaling:DescribeAutoScalingGroups and the X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords) support no resource-level permissions.');
  ack(
    'Action::kms:GenerateDataKey*',
    'CDK grants on the budget topic key (publish to the topic, send to the failure queue): GenerateDataKey* on that one customer-managed key (resource is the key ARN).',
  );
  ack('Action::kms:ReEncrypt*', 'CDK grantSendMessages on the failure queue: ReEncrypt* on the budget topic\'s one customer-managed key (resource is the key ARN).');
  Aspects.of(scope).add({
    visit: (node) => {
      if (node !== policy.node.defaultChild) return;
      ack(
        `Resource::${flattenCfnReference(Stack.of(scope).resolve(groupArn))}`,
        'Auto Scaling group ARNs contain a UUID unknown at synth; the ARN is pinned by group name ' +
          '(autoScalingGroup:*:autoScalingGroupName/<group>), i.e. exactly one group.',
      );
    },
  });
}

/** The flat form cdk-nag gives a CloudFormation reference in finding ids (`<Logical.Attr>`, joins concatenated). */
function flattenCfnReference(ref: unknown): string {
  if (ref === undefined) return '';
  if (typeof ref === 'string') return ref.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = ref as Record<string, any>;
  if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(flattenCfnReference).join(o['Fn::Join'][0]);
  if (o['Fn::Sub']) return flattenCfnReference(o['Fn::Sub']);
  if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'][0]}.${o['Fn::GetAtt'][1]}>`;
  if (o.Ref) return `<${o.Ref}>`;
  return JSON.stringify(ref);
}
