import * as path from 'path';
import {
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  aws_autoscaling as autoscaling,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  aws_dynamodb as dynamodb,
  aws_elasticloadbalancingv2 as elbv2,
  aws_events as events,
  aws_events_targets as targets,
  aws_fis as fis,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_event_sources as sources,
  aws_lambda_nodejs as nodejs,
  aws_logs as logs,
  aws_sns as sns,
  aws_sqs as sqs,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { drainDocumentContent } from './drain-document';
import { nagArn, spotInterruptionDrill } from './drill';
import { LEAVING_STATES } from './runtime/events';
import type { FleetTag } from '../shared/fleet-tag';
import { INTERRUPTION_ENV as ENV } from '../shared/interruption-env';
import { EVENT_TYPES as DETAIL_TYPES, FLEET_METRIC_NAMESPACE, HANDLER_METRICS, HANDLER_SERVICE } from '../shared/metric-names';

/** Raised at construction when InterruptionHandler props break a rule; one line per problem. */
export class InterruptionConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`InterruptionHandler props are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InterruptionConfigError';
  }
}

export interface InterruptionHandlerProps {
  /** The fleet's group. The handler acts only on its instances, and adds a terminate lifecycle hook to it. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The fleet's notification topic: alarms and event summaries go here. */
  readonly topic: sns.ITopic;
  /** The tag on every instance the group launches; identifies this fleet's instances (membership, SSM, FIS). */
  readonly fleetTag: FleetTag;
  /**
   * Target groups the fleet's instances are registered in; a draining instance leaves them first.
   * @default - none: no deregistration
   */
  readonly targetGroups?: readonly elbv2.ITargetGroup[];
  /**
   * What a rebalance recommendation does: `drain` the host early (and start its replacement), or only `notify`.
   * @default 'drain' - it buys GPU hosts minutes before the 2-minute warning
   */
  readonly rebalanceAction?: 'drain' | 'notify';
  /**
   * Alarm when more spot interruptions than this arrive within an hour.
   * @default 5
   */
  readonly interruptionsPerHourAlarm?: number;
  /**
   * Alarm when at least this many launches fail within 15 minutes (e.g. InsufficientInstanceCapacity).
   * @default 3
   */
  readonly launchFailuresAlarmThreshold?: number;
  /**
   * How long the drain command may run before the host is let go. Between 30 seconds and 12 minutes
   * (the handler waits for it within one Lambda invocation of at most 15 minutes).
   * @default Duration.minutes(5)
   */
  readonly drainTimeout?: Duration;
  /**
   * Name of an existing SSM Command document to run as the drain instead of the one this construct creates.
   * @default - a document that runs /usr/local/bin/gpu-fleet-drain if present, else stops `drainServiceName`
   */
  readonly drainDocumentName?: string;
  /**
   * Parameters sent with `drainDocumentName`.
   * @default - none for a custom document; `serviceName` and `timeoutSeconds` for the created one
   */
  readonly drainDocumentParameters?: Readonly<Record<string, string[]>>;
  /**
   * systemd unit the created drain document stops when the workload installed no drain script.
   * @default 'inference.service'
   */
  readonly drainServiceName?: string;
  /**
   * Share (1-100 %) of the fleet's running spot instances a FIS drill interrupts.
   * @default 25
   */
  readonly fisSpotSharePercent?: number;
  /**
   * Maximum concurrent handler invocations (SQS event source maxConcurrency, 2-1000).
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Retention of the handler's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Metric namespace of the handler's Powertools Metrics (default dimensions: service, Fleet); kept for library users. */
export const METRIC_NAMESPACE = FLEET_METRIC_NAMESPACE;

/**
 * Spot interruption handling for a GPU Auto Scaling group: EventBridge -> SQS -> Lambda that drains hosts
 * (target group deregistration + SSM drain command), starts replacements early, completes the terminate
 * lifecycle hook, records launch failures, raises alarms, and ships a FIS drill template.
 */
export class InterruptionHandler extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: nodejs.NodejsFunction;
  readonly lifecycleHook: autoscaling.LifecycleHook;
  readonly idempotencyTable: dynamodb.Table;
  /** Name of the SSM document the handler runs to drain a host (created or given). */
  readonly drainDocumentName: string;
  readonly rules: readonly events.Rule[];
  readonly dlqAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly interruptionRateAlarm: cloudwatch.Alarm;
  readonly launchFailuresAlarm: cloudwatch.Alarm;
  readonly experimentTemplate: fis.CfnExperimentTemplate;

  constructor(scope: Construct, id: string, props: InterruptionHandlerProps) {
    super(scope, id);
    const drainTimeout = props.drainTimeout ?? Duration.minutes(5);
    const perHour = props.interruptionsPerHourAlarm ?? 5;
    const launchFailures = props.launchFailuresAlarmThreshold ?? 3;
    const sharePercent = props.fisSpotSharePercent ?? 25;
    const maxConcurrency = props.maxConcurrency ?? 5;
    const serviceName = props.drainServiceName ?? 'inference.service';
    validate({ drainTimeout, perHour, launchFailures, sharePercent, maxConcurrency, serviceName, props });

    const stack = Stack.of(this);
    const drainSeconds = drainTimeout.toSeconds();
    const groupName = props.autoScalingGroup.autoScalingGroupName;
    // Heartbeats every minute (or a third of the timeout) keep the hook alive however long the drain runs;
    // the timeout itself only matters if the handler dies, then the default result lets the host go.
    const heartbeatTimeoutSeconds = Math.min(7200, drainSeconds + 300);
    const heartbeatIntervalSeconds = Math.min(60, Math.floor(heartbeatTimeoutSeconds / 3));
    const functionTimeout = Duration.seconds(drainSeconds + 120);

    this.lifecycleHook = props.autoScalingGroup.addLifecycleHook('DrainOnTerminate', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_TERMINATING,
      heartbeatTimeout: Duration.seconds(heartbeatTimeoutSeconds),
      defaultResult: autoscaling.DefaultResult.CONTINUE,
    });

    let documentArn: string;
    if (props.drainDocumentName) {
      this.drainDocumentName = props.drainDocumentName;
      documentArn = stack.formatArn({
        service: 'ssm',
        resource: 'document',
        resourceName: props.drainDocumentName,
        // AWS-owned documents live in no account.
        account: props.drainDocumentName.startsWith('AWS-') ? '' : undefined,
      });
    } else {
      const doc = new ssm.CfnDocument(this, 'DrainDocument', {
        documentType: 'Command',
        documentFormat: 'JSON',
        content: drainDocumentContent(drainSeconds, serviceName),
        updateMethod: 'NewVersion',
      });
      this.drainDocumentName = doc.ref;
      documentArn = stack.formatArn({ service: 'ssm', resource: 'document', resourceName: doc.ref });
    }
    const documentParameters = props.drainDocumentParameters ?? (props.drainDocumentName ? {} : { serviceName: [serviceName], timeoutSeconds: [String(drainSeconds)] });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A 2-minute warning is worthless after an hour; 3 receives x visibility fits inside it, so a message
      // that keeps failing lands in the DLQ (and its alarm) before it could expire.
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: functionTimeout.plus(Duration.seconds(30)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Records live one hour; losing them on stack deletion loses nothing.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Drains GPU hosts of ${props.fleetTag.value} on spot interruptions`,
    });
    logGroup.grantWrite(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, 'runtime', 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: functionTimeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'Spot interruption handler: drains GPU hosts and completes their lifecycle hook',
      environment: {
        [ENV.groupName]: groupName,
        [ENV.fleetTagKey]: props.fleetTag.key,
        [ENV.fleetTagValue]: props.fleetTag.value,
        [ENV.targetGroupArns]: (props.targetGroups ?? []).map((t) => t.targetGroupArn).join(','),
        [ENV.rebalanceAction]: props.rebalanceAction ?? 'drain',
        [ENV.drainDocumentName]: this.drainDocumentName,
        [ENV.drainDocumentParameters]: JSON.stringify(documentParameters),
        [ENV.drainTimeoutSeconds]: String(drainSeconds),
        [ENV.heartbeatIntervalSeconds]: String(heartbeatIntervalSeconds),
        [ENV.pollIntervalSeconds]: '5',
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.idempotencyTableName]: this.idempotencyTable.tableName,
        POWERTOOLS_SERVICE_NAME: HANDLER_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: FLEET_METRIC_NAMESPACE,
      },
      bundling: { minify: true, sourceMap: true, target: 'node24' },
    });
    this.function.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency }),
    );

    // Least privilege: everything scoped to this group, its document, its instances' tag and its table,
    // except the read-only calls that have no resource-level permissions.
    const groupArn = stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${groupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FleetGroupActions',
        actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat', 'autoscaling:SetInstanceHealth'],
        resources: [groupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DrainDocument', actions: ['ssm:SendCommand'], resources: [documentArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DrainFleetInstances',
        actions: ['ssm:SendCommand'],
        resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
        conditions: { StringEquals: { [`ssm:resourceTag/${props.fleetTag.key}`]: props.fleetTag.value } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOnlyWithoutResourceLevelPermissions',
        actions: ['ec2:DescribeInstances', 'ssm:GetCommandInvocation'],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'IdempotencyRecords',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );
    if (props.targetGroups && props.targetGroups.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'LeaveTargetGroups',
          actions: ['elasticloadbalancing:DeregisterTargets'],
          resources: props.targetGroups.map((t) => t.targetGroupArn),
        }),
      );
    }
    props.topic.grantPublish(role);
    this.acknowledgeWildcards(role, stack, props);

    const target = new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 3 });
    const rule = (ruleId: string, pattern: events.EventPattern, description: string): events.Rule =>
      new events.Rule(this, ruleId, { eventPattern: pattern, description, targets: [target] });
    this.rules = [
      rule('SpotInterruptionRule', { source: ['aws.ec2'], detailType: [DETAIL_TYPES.spotInterruption] }, 'Spot interruption warnings (2-minute notice)'),
      rule('RebalanceRule', { source: ['aws.ec2'], detailType: [DETAIL_TYPES.rebalance] }, 'EC2 rebalance recommendations'),
      rule(
        'StateChangeRule',
        { source: ['aws.ec2'], detailType: [DETAIL_TYPES.stateChange], detail: { state: [...LEAVING_STATES] } },
        'Instances stopping or terminating',
      ),
      rule(
        'TerminateLifecycleRule',
        {
          source: ['aws.autoscaling'],
          detailType: [DETAIL_TYPES.terminateLifecycle],
          detail: { AutoScalingGroupName: [groupName], LifecycleHookName: [this.lifecycleHook.lifecycleHookName] },
        },
        "This fleet's terminate lifecycle actions",
      ),
      rule(
        'LaunchUnsuccessfulRule',
        { source: ['aws.autoscaling'], detailType: [DETAIL_TYPES.launchUnsuccessful], detail: { AutoScalingGroupName: [groupName] } },
        "This fleet's failed launches",
      ),
    ];

    const action = new cwActions.SnsAction(props.topic);
    const fleetMetric = (metricName: string, period: Duration): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: FLEET_METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { service: HANDLER_SERVICE, Fleet: props.fleetTag.value },
        statistic: 'Sum',
        period,
      });
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, alarmId, alarmProps);
      a.addAlarmAction(action);
      return a;
    };
    this.dlqAlarm = alarm('DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.fleetTag.value}: interruption events failed permanently and wait in the dead-letter queue`,
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
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.fleetTag.value}: the interruption handler failed on some events`,
    });
    this.interruptionRateAlarm = alarm('InterruptionRateAlarm', {
      metric: fleetMetric(HANDLER_METRICS.interruptions, Duration.hours(1)),
      threshold: perHour,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.fleetTag.value}: more than ${perHour} spot interruptions in an hour`,
    });
    this.launchFailuresAlarm = alarm('LaunchFailuresAlarm', {
      metric: fleetMetric(HANDLER_METRICS.launchFailures, Duration.minutes(15)),
      threshold: launchFailures,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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

  private acknowledgeWildcards(role: iam.Role, stack: Stack, props: InterruptionHandlerProps): void {
    const policy = role.node.findChild('DefaultPolicy');
    const ack = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    ack('Resource::*', 'ec2:DescribeInstances and ssm:GetCommandInvocation have no resource-level permissions (read-only)');
    ack(
      `Resource::${nagArn(stack, 'ec2')}:instance/*`,
      `ssm:SendCommand on instances is limited by the ssm:resourceTag/${props.fleetTag.key} condition to this fleet`,
    );
    const asg = props.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    ack(
      `Resource::${nagArn(stack, 'autoscaling')}:autoScalingGroup:*:autoScalingGroupName/<${stack.getLogicalId(asg)}>`,
      'the group ARN contains a UUID known only after creation; the ARN is otherwise exact (this group name)',
    );
    ack('Action::kms:GenerateDataKey*', "publishing to the fleet's KMS-encrypted topic needs GenerateDataKey*, on that key only");
  }
}

interface ValidationInput {
  readonly drainTimeout: Duration;
  readonly perHour: number;
  readonly launchFailures: number;
  readonly sharePercent: number;
  readonly maxConcurrency: number;
  readonly serviceName: string;
  readonly props: InterruptionHandlerProps;
}

function validate(v: ValidationInput): void {
  const problems: string[] = [];
  const seconds = v.drainTimeout.toSeconds();
  if (seconds < 30 || seconds > 720) {
    problems.push(`drainTimeout (${seconds}s) must be between 30s and 720s: the handler waits for the drain inside one Lambda invocation (max 15 min); shorten the drain or checkpoint sooner`);
  }
  const intRange = (name: string, value: number, min: number, max: number, hint: string) => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} (${value}) must be an integer from ${min} to ${max}: ${hint}`);
  };
  intRange('interruptionsPerHourAlarm', v.perHour, 1, 10000, 'the alarm fires above this many interruptions per hour');
  intRange('launchFailuresAlarmThreshold', v.launchFailures, 1, 10000, 'the alarm fires at this many failed launches in 15 minutes');
  intRange('fisSpotSharePercent', v.sharePercent, 1, 100, 'the share of running spot instances a drill interrupts');
  intRange('maxConcurrency', v.maxConcurrency, 2, 1000, 'the SQS event source accepts 2-1000');
  if (!/^[A-Za-z0-9@._-]+$/.test(v.serviceName)) {
    problems.push(`drainServiceName (${JSON.stringify(v.serviceName)}) must be a systemd unit name (letters, digits, @ . _ -)`);
  }
  if (!Token.isUnresolved(v.props.fleetTag.key) && (v.props.fleetTag.key.length === 0 || v.props.fleetTag.key.startsWith('aws:'))) {
    problems.push(`fleetTag.key (${JSON.stringify(v.props.fleetTag.key)}) must be a non-empty tag key not starting with "aws:"`);
  }
  if (!Token.isUnresolved(v.props.fleetTag.value) && v.props.fleetTag.value.length === 0) {
    problems.push('fleetTag.value ("") must be non-empty: it tells this fleet\'s instances from every other instance in the account');
  }
  if (problems.length > 0) throw new InterruptionConfigError(problems);
}
