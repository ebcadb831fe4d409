import * as path from 'path';
import {
  ArnFormat,
  CfnOutput,
  Duration,
  Lazy,
  Names,
  RemovalPolicy,
  Stack,
  Validations,
  aws_autoscaling as autoscaling,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as targets,
  aws_fis as fis,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_event_sources as sources,
  aws_logs as logs,
  aws_sqs as sqs,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { bundledCode } from '../shared/bundling';
import { FUNCTION_ARCHITECTURE } from '../shared/lambda-architecture';
import { drainDocumentContent, resumeDocumentContent } from './drain-document';
import { nagArn, spotInterruptionDrill } from './drill';
import { InterruptionHandlerProps, validate } from './interruption-props';
import { LEAVING_STATES } from './runtime/events';
import { encryptedLogGroup, fleetKey } from '../shared/encryption';
import { SERVING_UNIT_NAME } from '../shared/serving';
import { DRAINED_TAG_KEY } from '../shared/fleet-tag';
import { INTERRUPTION_ENV as ENV } from '../shared/interruption-env';
import { EVENT_TYPES as DETAIL_TYPES, FLEET_METRIC_NAMESPACE, HANDLER_METRICS, HANDLER_SERVICE } from '../shared/metric-names';

export { InterruptionConfigError } from './interruption-props';
export type { InterruptionHandlerProps } from './interruption-props';

/** Metric namespace of the handler's Powertools Metrics (default dimensions: service, Fleet); kept for library users. */
export const METRIC_NAMESPACE = FLEET_METRIC_NAMESPACE;

/** Failed receives before a message moves to the dead-letter queue. */
const MAX_RECEIVE_COUNT = 3;
/** AWS: "set the source queue's visibility timeout to at least six times the timeout that you configure on your function". */
const VISIBILITY_PER_FUNCTION_TIMEOUT = 6;
/** How often the drained-host sweep runs (a host drained on a rebalance comes back within its re-check delay plus this). */
const SWEEP_RATE = Duration.minutes(5);

/**
 * Spot interruption handling for a GPU Auto Scaling group: EventBridge -> SQS -> Lambda that drains hosts
 * (target group deregistration + SSM drain command), starts replacements early, completes the terminate
 * lifecycle hook, brings hosts drained on a rebalance recommendation back when nothing replaced them, records
 * launch failures, raises alarms, and ships a FIS drill template. `addAutoScalingGroup` adds a second group of the
 * same fleet (the on-demand fallback group) to the same drain path.
 */
export class InterruptionHandler extends Construct {
  readonly queue: sqs.Queue;
  /** Messages the handler failed on `maxReceiveCount` times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Events EventBridge could not deliver to the queue (after its retries). */
  readonly eventDeliveryDeadLetterQueue: sqs.Queue;
  readonly function: lambda.Function;
  readonly lifecycleHook: autoscaling.LifecycleHook;
  readonly idempotencyTable: dynamodb.Table;
  /** Name of the SSM document the handler runs to drain a host (created or given). */
  readonly drainDocumentName: string;
  /** Name of the SSM document that brings a drained host back (created or given); undefined when there is none. */
  readonly resumeDocumentName?: string;
  readonly rules: readonly events.Rule[];
  readonly dlqAlarm: cloudwatch.Alarm;
  readonly eventDeliveryAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly interruptionRateAlarm: cloudwatch.Alarm;
  readonly launchFailuresAlarm: cloudwatch.Alarm;
  readonly experimentTemplate: fis.CfnExperimentTemplate;

  private readonly groupNames: string[] = [];
  private readonly groupActions: iam.PolicyStatement;
  private readonly lifecycleRule: events.Rule;
  private readonly heartbeatTimeout: Duration;

  constructor(scope: Construct, id: string, props: InterruptionHandlerProps) {
    super(scope, id);
    const drainTimeout = props.drainTimeout ?? Duration.minutes(5);
    const recheckAfter = props.rebalanceRecheckAfter ?? Duration.minutes(15);
    const perHour = props.interruptionsPerHourAlarm ?? 5;
    const launchFailures = props.launchFailuresAlarmThreshold ?? 3;
    const sharePercent = props.fisSpotSharePercent ?? 25;
    const maxConcurrency = props.maxConcurrency ?? 5;
    const serviceName = props.drainServiceName ?? SERVING_UNIT_NAME;
    const rebalanceAction = props.rebalanceAction ?? 'drain';
    validate({ drainTimeout, recheckAfter, perHour, launchFailures, sharePercent, maxConcurrency, serviceName, props });

    const stack = Stack.of(this);
    const drainSeconds = drainTimeout.toSeconds();
    // Heartbeats every minute (or a third of the timeout) keep the hook alive however long the drain runs;
    // the timeout itself only matters if the handler dies, then the default result lets the host go.
    const heartbeatTimeoutSeconds = Math.min(7200, drainSeconds + 300);
    const heartbeatIntervalSeconds = Math.min(60, Math.floor(heartbeatTimeoutSeconds / 3));
    this.heartbeatTimeout = Duration.seconds(heartbeatTimeoutSeconds);
    // A lifecycle action waits for its drain inside one invocation (a gone host returns at once).
    const functionTimeout = Duration.seconds(drainSeconds + 120);

    this.groupNames.push(props.autoScalingGroup.autoScalingGroupName);
    this.lifecycleHook = this.addDrainHook(props.autoScalingGroup);

    // --- Host documents: drain, and resume after a rebalance drain --------------------------------------------
    const documentArn = (name: string) => stack.formatArn({
      service: 'ssm',
      resource: 'document',
      resourceName: name,
      // AWS-owned documents live in no account.
      account: name.startsWith('AWS-') ? '' : undefined,
    });
    let drainParameters: Readonly<Record<string, string[]>>;
    let resumeParameters: Readonly<Record<string, string[]>> = props.resumeDocumentParameters ?? {};
    if (props.drainDocumentName) {
      this.drainDocumentName = props.drainDocumentName;
      this.resumeDocumentName = props.resumeDocumentName;
      drainParameters = props.drainDocumentParameters ?? {};
    } else {
      const doc = new ssm.CfnDocument(this, 'DrainDocument', {
        documentType: 'Command',
        documentFormat: 'JSON',
        content: drainDocumentContent(drainSeconds, serviceName),
        updateMethod: 'NewVersion',
      });
      this.drainDocumentName = doc.ref;
      drainParameters = props.drainDocumentParameters ?? { serviceName: [serviceName], timeoutSeconds: [String(drainSeconds)] };
      if (props.resumeDocumentName) {
        this.resumeDocumentName = props.resumeDocumentName;
      } else {
        const resume = new ssm.CfnDocument(this, 'ResumeDocument', {
          documentType: 'Command',
          documentFormat: 'JSON',
          content: resumeDocumentContent(serviceName),
          updateMethod: 'NewVersion',
        });
        this.resumeDocumentName = resume.ref;
        resumeParameters = props.resumeDocumentParameters ?? { serviceName: [serviceName] };
      }
    }

    // --- Queues ---------------------------------------------------------------------------------------------
    // The DLQ accepts redrive from its source queue only, which it must name by ARN. Both ARNs from attributes
    // would be a dependency cycle (the source names the DLQ in its RedrivePolicy), so the source queue gets a
    // name derived from its construct path: deterministic, unique per stack and construct.
    const queueName = `${Names.uniqueResourceName(this, { maxLength: 73, separator: '-' })}-events`;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      redriveAllowPolicy: {
        redrivePermission: sqs.RedrivePermission.BY_QUEUE,
        sourceQueues: [sqs.Queue.fromQueueArn(this, 'SourceQueueRef', stack.formatArn({ service: 'sqs', resource: queueName }))],
      },
    });
    const visibilityTimeout = Duration.seconds(functionTimeout.toSeconds() * VISIBILITY_PER_FUNCTION_TIMEOUT);
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda may have to retry a throttled invocation of a batch it already received, so the visibility timeout
      // is 6x the function timeout (AWS's guidance), and the retention holds every receive of a failing message
      // (maxReceiveCount x visibility) so it reaches the DLQ and its alarm instead of expiring unseen. Time-critical
      // work does not wait for a redelivery: it retries inside the invocation, within its deadline.
      // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
      visibilityTimeout,
      retentionPeriod: Duration.seconds(visibilityTimeout.toSeconds() * MAX_RECEIVE_COUNT + 600),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.eventDeliveryDeadLetterQueue = new sqs.Queue(this, 'EventDeliveryDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Only EventBridge sends here; no queue may use it as its DLQ.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
    });
    Validations.of(this.eventDeliveryDeadLetterQueue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "it is a dead-letter queue: the EventBridge rule targets' DeadLetterConfig, which cdk-nag does not recognise (only RedrivePolicy); its depth is alarmed on",
    });

    const tableKey = fleetKey(this, 'IdempotencyTableKey', `Encrypts the interruption handler's idempotency table of ${props.fleetTag.value}`);
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: tableKey,
      // Records live one hour; losing them on stack deletion loses nothing.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // --- Function -------------------------------------------------------------------------------------------
    const logGroup = encryptedLogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Drains GPU hosts of ${props.fleetTag.value} on spot interruptions`,
    });
    logGroup.grantWrite(role);

    this.function = new lambda.Function(this, 'Function', {
      code: bundledCode(path.join(__dirname, 'runtime', 'handler.ts')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: 256,
      timeout: functionTimeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      description: 'Spot interruption handler: drains GPU hosts and completes their lifecycle hook',
      environment: {
        [ENV.groupNames]: Lazy.string({ produce: () => this.groupNames.join(',') }),
        [ENV.fleetTagKey]: props.fleetTag.key,
        [ENV.fleetTagValue]: props.fleetTag.value,
        [ENV.targetGroupArns]: (props.targetGroups ?? []).map((t) => t.targetGroupArn).join(','),
        [ENV.rebalanceAction]: rebalanceAction,
        [ENV.drainDocumentName]: this.drainDocumentName,
        [ENV.drainDocumentParameters]: JSON.stringify(drainParameters),
        [ENV.drainTimeoutSeconds]: String(drainSeconds),
        [ENV.resumeDocumentName]: this.resumeDocumentName ?? '',
        [ENV.resumeDocumentParameters]: JSON.stringify(resumeParameters),
        [ENV.rebalanceRecheckSeconds]: String(recheckAfter.toSeconds()),
        [ENV.heartbeatIntervalSeconds]: String(heartbeatIntervalSeconds),
        [ENV.pollIntervalSeconds]: '5',
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.idempotencyTableName]: this.idempotencyTable.tableName,
        POWERTOOLS_SERVICE_NAME: HANDLER_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: FLEET_METRIC_NAMESPACE,
      },
    });
    this.function.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency }),
    );

    // --- Permissions: everything scoped to this fleet's groups, documents, instances (tag), table and target
    // groups, except the read-only calls that have no resource-level permissions.
    this.groupActions = new iam.PolicyStatement({
      sid: 'FleetGroupActions',
      actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat', 'autoscaling:SetInstanceHealth'],
      resources: [this.groupArn(props.autoScalingGroup.autoScalingGroupName)],
    });
    role.addToPrincipalPolicy(this.groupActions);
    const documents = [this.drainDocumentName, ...(this.resumeDocumentName ? [this.resumeDocumentName] : [])];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'HostDocuments', actions: ['ssm:SendCommand'], resources: documents.map(documentArn) }));
    const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DrainFleetInstances',
      actions: ['ssm:SendCommand'],
      resources: [instances],
      conditions: { StringEquals: { [`ssm:resourceTag/${props.fleetTag.key}`]: props.fleetTag.value } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagDrainedFleetInstances',
      // The drained tag only, and only on this fleet's instances. ForAllValues is also true when the request has no
      // aws:TagKeys, and DeleteTags without Tags deletes every tag (the fleet tag included): Null false requires keys.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resources: [instances],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${props.fleetTag.key}`]: props.fleetTag.value },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [DRAINED_TAG_KEY] },
        Null: { 'aws:TagKeys': 'false' },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadOnlyWithoutResourceLevelPermissions',
      actions: ['ec2:DescribeInstances', 'ec2:DescribeSubnets', 'ssm:GetCommandInvocation', 'autoscaling:DescribeAutoScalingInstances'],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'IdempotencyRecords',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [this.idempotencyTable.tableArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'IdempotencyTableKey',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      resources: [tableKey.keyArn],
    }));
    if (props.targetGroups && props.targetGroups.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'LeaveAndRejoinTargetGroups',
        actions: ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:RegisterTargets'],
        resources: props.targetGroups.map((t) => t.targetGroupArn),
      }));
    }
    props.topic.grantPublish(role);
    this.acknowledgeWildcards(role, stack, props);

    // --- Events ---------------------------------------------------------------------------------------------
    // An event EventBridge cannot deliver (queue policy, throttling past its retries) is kept and alarmed on.
    const target = new targets.SqsQueue(this.queue, { deadLetterQueue: this.eventDeliveryDeadLetterQueue, retryAttempts: 3 });
    const rule = (ruleId: string, ruleProps: events.RuleProps): events.Rule => new events.Rule(this, ruleId, { ...ruleProps, targets: [target] });
    this.lifecycleRule = rule('TerminateLifecycleRule', {
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: [DETAIL_TYPES.terminateLifecycle],
        detail: { AutoScalingGroupName: [props.autoScalingGroup.autoScalingGroupName], LifecycleHookName: [this.lifecycleHook.lifecycleHookName] },
      },
      description: "This fleet's terminate lifecycle actions",
    });
    this.rules = [
      rule('SpotInterruptionRule', { eventPattern: { source: ['aws.ec2'], detailType: [DETAIL_TYPES.spotInterruption] }, description: 'Spot interruption warnings (2-minute notice)' }),
      rule('RebalanceRule', { eventPattern: { source: ['aws.ec2'], detailType: [DETAIL_TYPES.rebalance] }, description: 'EC2 rebalance recommendations' }),
      rule('StateChangeRule', {
        eventPattern: { source: ['aws.ec2'], detailType: [DETAIL_TYPES.stateChange], detail: { state: [...LEAVING_STATES] } },
        description: 'Instances stopping or terminating',
      }),
      this.lifecycleRule,
      rule('LaunchUnsuccessfulRule', {
        eventPattern: { source: ['aws.autoscaling'], detailType: [DETAIL_TYPES.launchUnsuccessful], detail: { AutoScalingGroupName: [props.autoScalingGroup.autoScalingGroupName] } },
        description: "This fleet's failed launches",
      }),
      ...(rebalanceAction === 'drain'
        ? [rule('DrainedHostSweepRule', { schedule: events.Schedule.rate(SWEEP_RATE), description: 'Brings hosts drained on a rebalance recommendation back when nothing replaced them' })]
        : []),
    ];

    // --- Alarms ---------------------------------------------------------------------------------------------
    const action = new cwActions.SnsAction(props.topic);
    const fleetMetric = (metricName: string, period: Duration): cloudwatch.Metric => new cloudwatch.Metric({
      namespace: FLEET_METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { service: HANDLER_SERVICE, Fleet: props.fleetTag.value },
      statistic: 'Sum',
      period,
    });
    const alarm = (alarmId: string, alarmProps: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      a.addAlarmAction(action);
      return a;
    };
    this.dlqAlarm = alarm('DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      alarmDescription: `${props.fleetTag.value}: interruption events failed permanently and wait in the dead-letter queue`,
    });
    this.eventDeliveryAlarm = alarm('EventDeliveryAlarm', {
      metric: this.eventDeliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      alarmDescription: `${props.fleetTag.value}: EventBridge could not deliver interruption events to the handler's queue; they wait in the event-delivery dead-letter queue`,
    });
    this.errorsAlarm = alarm('HandlerErrorsAlarm', {
      // Record failures are reported to SQS, not thrown, so Lambda Errors alone would miss them. Transient ones
      // (throttling, a duplicate in flight) are published as Retries instead: they must not page or stop a drill.
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(errors, 0) + FILL(failures, 0)',
        usingMetrics: {
          errors: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          failures: fleetMetric(HANDLER_METRICS.processingErrors, Duration.minutes(5)),
        },
        period: Duration.minutes(5),
        label: 'Handler errors and failed records',
      }),
      threshold: 1,
      alarmDescription: `${props.fleetTag.value}: the interruption handler failed on some events`,
    });
    this.interruptionRateAlarm = alarm('InterruptionRateAlarm', {
      metric: fleetMetric(HANDLER_METRICS.interruptions, Duration.hours(1)),
      threshold: perHour,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${props.fleetTag.value}: more than ${perHour} spot interruptions in an hour`,
    });
    this.launchFailuresAlarm = alarm('LaunchFailuresAlarm', {
      metric: fleetMetric(HANDLER_METRICS.launchFailures, Duration.minutes(15)),
      threshold: launchFailures,
      alarmDescription: `${props.fleetTag.value}: ${launchFailures}+ failed launches in 15 minutes (capacity shortage?)`,
    });

    this.experimentTemplate = spotInterruptionDrill(this, {
      fleetTag: props.fleetTag,
      sharePercent,
      // The interruption-rate alarm is left out on purpose: the drill itself raises it.
      stopAlarms: [this.dlqAlarm, this.errorsAlarm, this.launchFailuresAlarm],
    });
    new CfnOutput(this, 'FisExperimentTemplateId', {
      value: this.experimentTemplate.attrId,
      description: 'FIS spot interruption drill; start it with `npm run drill -- <env>`',
    });
  }

  /**
   * Gives a second group of the same fleet (e.g. OnDemandFallback.fallbackGroup) the same drain path: a terminate
   * lifecycle hook with the same timeouts, its lifecycle actions on the handler's queue, the handler's permissions on
   * the group, and membership (its instances must carry the fleet tag). Its launch failures are not recorded: the
   * capacity ledger is about the main group's spot pools.
   * @returns the group's drain lifecycle hook
   */
  addAutoScalingGroup(group: autoscaling.AutoScalingGroup): autoscaling.LifecycleHook {
    const hook = this.addDrainHook(group);
    this.groupNames.push(group.autoScalingGroupName);
    this.groupActions.addResources(this.groupArn(group.autoScalingGroupName));
    this.lifecycleRule.addEventPattern({ detail: { AutoScalingGroupName: [group.autoScalingGroupName], LifecycleHookName: [hook.lifecycleHookName] } });
    this.acknowledgeGroupArn(group);
    return hook;
  }

  private addDrainHook(group: autoscaling.AutoScalingGroup): autoscaling.LifecycleHook {
    return group.addLifecycleHook('DrainOnTerminate', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      heartbeatTimeout: this.heartbeatTimeout,
      defaultResult: autoscaling.DefaultResult.CONTINUE,
    });
  }

  private groupArn(groupName: string): string {
    return Stack.of(this).formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${groupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private acknowledgeGroupArn(group: autoscaling.AutoScalingGroup): void {
    const stack = Stack.of(this);
    const asg = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    Validations.of(this.function.role!.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'autoscaling')}:autoScalingGroup:*:autoScalingGroupName/<${stack.getLogicalId(asg)}>]`,
      reason: 'the group ARN contains a UUID known only after creation; the ARN is otherwise exact (this group name)',
    });
  }

  private acknowledgeWildcards(role: iam.Role, stack: Stack, props: InterruptionHandlerProps): void {
    const policy = role.node.findChild('DefaultPolicy');
    const ack = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    ack('Resource::*', 'ec2:DescribeInstances, ec2:DescribeSubnets, ssm:GetCommandInvocation, autoscaling:DescribeAutoScalingInstances and the X-Ray trace uploads (xray:PutTraceSegments, PutTelemetryRecords) have no resource-level permissions');
    ack(
      `Resource::${nagArn(stack, 'ec2')}:instance/*`,
      `ssm:SendCommand and ec2:CreateTags/DeleteTags on instances are limited by ssm:resourceTag / aws:ResourceTag/${props.fleetTag.key} conditions to this fleet (and the tag calls to the ${DRAINED_TAG_KEY} key)`,
    );
    this.acknowledgeGroupArn(props.autoScalingGroup);
    ack('Action::kms:GenerateDataKey*', "publishing to the fleet's KMS-encrypted topic and writing the encrypted idempotency table need GenerateDataKey*, on those keys only");
  }
}
