import * as path from 'path';
import { ArnFormat, Duration, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dependOnRolloutAlarms, FleetRolloutOptions, rolloutProblems, rolloutUpdatePolicy } from '../fleet/rollout';
import { bundledCode } from '../shared/bundling';
import { FUNCTION_ARCHITECTURE } from '../shared/lambda-architecture';
import { fallbackConfigProblems } from './runtime/decision';
import { encryptedLogGroup } from '../shared/encryption';
import { GpuFleetError } from '../shared/errors';
import { FALLBACK_ENV } from '../shared/fallback-env';
import type { FleetTag } from '../shared/fleet-tag';
import { FALLBACK_SERVICE, FLEET_METRIC_NAMESPACE } from '../shared/metric-names';

/** A fallback configuration problem; the message lists every problem, one per `;`. */
export class FallbackConfigError extends GpuFleetError {
  constructor(message: string) {
    super(message);
    this.name = 'FallbackConfigError';
  }
}

/** Tag on every instance the fallback group launches, so cost reports and operators can tell them apart. */
export const CAPACITY_TAG_KEY = 'gpu-spot-fleet:capacity';
export const FALLBACK_CAPACITY_TAG_VALUE = 'fallback-on-demand';

export interface OnDemandFallbackProps {
  /** The fleet's main (mixed on-demand/spot) group whose missing spot capacity the fallback covers. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;

  /** The fleet's launch template; the fallback group launches the same hosts. */
  readonly launchTemplate: ec2.ILaunchTemplate;

  /** VPC of the fleet. */
  readonly vpc: ec2.IVpc;

  /** Availability zones of the fleet; the fallback group gets the VPC's private subnets in exactly these. */
  readonly availabilityZones: readonly string[];

  /** The fleet's GPU instance types, in on-demand priority order. */
  readonly instanceTypes: readonly string[];

  /** The fleet's notification topic: every fallback change and the controller's error alarm go here. */
  readonly topic: sns.ITopic;

  /** The fleet tag (`FLEET_TAG_KEY`), put on every fallback instance too: the interruption handler drains hosts by it. */
  readonly fleetTag: FleetTag;

  /**
   * The fallback never runs more on-demand instances than this. It is the fallback group's MaxSize; when the
   * fallback group is weighted (the weights differ), MaxSize is this times the smallest weight in capacity units,
   * which no more than this many instances can fill.
   */
  readonly maxFallbackInstances: number;

  /**
   * How long the main group must stay short of its desired capacity, with failed launches, before on-demand is added.
   * @default Duration.minutes(5)
   */
  readonly engageAfter?: Duration;

  /**
   * How long a shortfall without any failed launch (launches stuck pending, capacity that never arrives) must last.
   * @default - three times `engageAfter`
   */
  readonly engageWithoutFailuresAfter?: Duration;

  /**
   * How long spot must cover the group before the fallback hands capacity back; also the smallest time between
   * a peak and a shrink, which is what keeps the fallback from flapping.
   * @default Duration.minutes(15)
   */
  readonly releaseAfter?: Duration;

  /**
   * Capacity weight per instance type, as the main group uses it (GpuFleet.weights). When the weights differ, the
   * fallback group's overrides carry the same weights and its size counts capacity units, so a shortfall of N units
   * gets N units whichever type launches. When they are all equal, the fallback group is unweighted and a shortfall
   * in units becomes instances by that weight.
   * @default - 1 for every type
   */
  readonly weights?: Readonly<Record<string, number>>;

  /**
   * Target groups the fallback hosts register with (those of the main group), so they serve like the main group's
   * hosts and the interruption handler's drain path can deregister them before they terminate (a handback then
   * waits out the deregistration delay instead of cutting requests off).
   * @default - none
   */
  readonly targetGroups?: readonly elbv2.IApplicationTargetGroup[];

  /**
   * How long the group waits before health-checking a new host; pass the main group's (GpuFleet `healthCheckGrace`).
   * With `targetGroups` the group also takes the load balancer's health checks (as GpuFleet's group does), so a host
   * whose model server died is replaced instead of staying InService; without them only EC2 status checks count.
   * @default - with `targetGroups` Duration.minutes(10), GpuFleet's default (7-minute warm-up plus 3 minutes);
   * without them Auto Scaling's default
   */
  readonly healthCheckGrace?: Duration;

  /**
   * Name of the SSM parameter the controller keeps its state in. The controller creates and owns it; it is not a
   * template resource, so no deploy can reset it (delete it by hand after deleting the stack).
   * @default `/gpu-spot-fleet/<fleetTag.value>/fallback-state`
   */
  readonly stateParameterName?: string;

  /**
   * Retention of the controller's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Key the controller's log group is encrypted with.
   * @default - the stack's log key (`logEncryptionKey` in lib/shared/encryption.ts)
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Roll host changes through the fallback group as through the main group (GpuFleet `rollout`): the group uses
   * the fleet's launch template, so a new image updates both. Pass the fleet's warm-up as `instanceWarmup`: this
   * group has none of its own. A refresh of an empty fallback group completes at once.
   * @default - no UpdatePolicy
   */
  readonly rollout?: FleetRolloutOptions;
}

/**
 * On-demand fallback for a spot fleet: a separate on-demand-only group (MinSize 0, MaxSize the cap, no
 * DesiredCapacity in the template) that only a once-a-minute controller sizes, from the main group's shortfall
 * and failed launches, with hysteresis (see decision.ts). CloudFormation never sets the fallback's size, so a
 * deploy neither undoes a fallback in progress nor is broken by one.
 */
export class OnDemandFallback extends Construct {
  /** The on-demand group only the controller sizes. */
  readonly fallbackGroup: autoscaling.AutoScalingGroup;
  /** The controller Lambda. */
  readonly controller: lambda.Function;
  /** The once-a-minute schedule that runs the controller. */
  readonly schedule: events.Rule;
  /** Alarms when the controller fails three runs in five minutes (then nothing covers a spot outage). */
  readonly controllerErrorsAlarm: cloudwatch.Alarm;
  /**
   * Alarms when the controller stops running (schedule disabled or deleted, invocations throttled or dropped):
   * fewer than 3 runs in each of two 5-minute periods, missing data counting as breaching. Lambda records no
   * `Invocations` and no `Errors` for an invocation that never starts, so the errors alarm stays OK then.
   */
  readonly controllerNotRunningAlarm: cloudwatch.Alarm;
  /**
   * Where runs that failed or never ran are kept (SSE-SQS, TLS only, 14 days): the controller's on-failure
   * destination (a failed run, or an event dropped after 60 s in Lambda's queue) and the schedule target's
   * dead-letter queue (an event EventBridge could not deliver).
   */
  readonly failureQueue: sqs.Queue;
  /** Alarms as soon as `failureQueue` holds a message. */
  readonly failureQueueAlarm: cloudwatch.Alarm;
  /** The most on-demand instances the fallback can add, for the cost report's worst case. */
  readonly worstCaseExtraOnDemandInstances: number;
  /**
   * Main-group capacity units one unit of the fallback group's capacity counts: 1 when it carries the weights (they
   * differ), else the common weight (it then counts instances). Multiply its GroupInServiceCapacity by this to add it
   * to the main group's (e.g. ServingScaling `throughputTracking.fallbackUnitsPerCapacity`).
   */
  readonly unitsPerFallbackCapacity: number;
  /** The SSM parameter the controller keeps its state in. */
  readonly stateParameterName: string;

  constructor(scope: Construct, id: string, props: OnDemandFallbackProps) {
    super(scope, id);
    const engageAfter = props.engageAfter ?? Duration.minutes(5);
    const engageWithoutFailuresAfter = props.engageWithoutFailuresAfter ?? Duration.minutes(engageAfter.toMinutes({ integral: false }) * 3);
    const releaseAfter = props.releaseAfter ?? Duration.minutes(15);
    const healthCheckGrace = props.healthCheckGrace ?? Duration.minutes(10);
    const weights = Object.fromEntries(props.instanceTypes.map((t) => [t, props.weights?.[t] ?? 1]));
    const unitsPerInstance = Math.min(...Object.values(weights));
    const fallbackWeighted = new Set(Object.values(weights)).size > 1;
    this.stateParameterName = props.stateParameterName ?? `/gpu-spot-fleet/${props.fleetTag.value}/fallback-state`;
    const subnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [...props.availabilityZones] });
    this.validate(props, subnets.subnets, {
      engageAfterMs: engageAfter.toMilliseconds(),
      engageWithoutFailuresAfterMs: engageWithoutFailuresAfter.toMilliseconds(),
      releaseAfterMs: releaseAfter.toMilliseconds(),
      maxFallbackInstances: props.maxFallbackInstances,
      unitsPerInstance,
    }, weights, fallbackWeighted);
    this.worstCaseExtraOnDemandInstances = props.maxFallbackInstances;
    this.unitsPerFallbackCapacity = fallbackWeighted ? 1 : unitsPerInstance;
    const stack = Stack.of(this);

    // --- The fallback group ---------------------------------------------------------------------------------
    this.fallbackGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnets: subnets.subnets },
      minCapacity: 0,
      // Weighted: MaxSize counts units; at the smallest weight it still admits at most maxFallbackInstances instances.
      maxCapacity: fallbackWeighted ? props.maxFallbackInstances * unitsPerInstance : props.maxFallbackInstances,
      // No desiredCapacity, on purpose: the template never states the size, so `cdk deploy` never changes what
      // the controller set. A lower cap on deploy shrinks the group to it (UpdateAutoScalingGroup does that).
      mixedInstancesPolicy: {
        launchTemplate: props.launchTemplate,
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 100,
          onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
        },
        launchTemplateOverrides: props.instanceTypes.map((t) => ({
          instanceType: new ec2.InstanceType(t),
          weightedCapacity: fallbackWeighted ? weights[t] : undefined,
        })),
      },
      groupMetrics: [autoscaling.GroupMetrics.all()],
      notifications: [{ topic: props.topic }],
      updatePolicy: props.rollout ? rolloutUpdatePolicy(props.rollout) : undefined,
      // EC2 status checks alone never see a dead model server: a host the target group marks unhealthy would stay
      // InService and keep the fallback's capacity counted.
      // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html
      healthChecks: props.targetGroups?.length
        ? autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod: healthCheckGrace })
        : props.healthCheckGrace && autoscaling.HealthChecks.ec2({ gracePeriod: props.healthCheckGrace }),
    });
    // AvailabilityZones named besides the subnets (they must agree; validate() checks every AZ has a subnet), so
    // the group's zones are stated in the template, not inferred. A deploy that changes them is then explicit.
    (this.fallbackGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).availabilityZones = [...props.availabilityZones];
    if (props.rollout) dependOnRolloutAlarms(this.fallbackGroup, props.rollout);
    Tags.of(this.fallbackGroup).add(props.fleetTag.key, props.fleetTag.value, { applyToLaunchedInstances: true });
    Tags.of(this.fallbackGroup).add(CAPACITY_TAG_KEY, FALLBACK_CAPACITY_TAG_VALUE, { applyToLaunchedInstances: true });
    for (const tg of props.targetGroups ?? []) this.fallbackGroup.attachToApplicationTargetGroup(tg);
    Validations.of(this.fallbackGroup.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-EC26',
      reason: 'cdk-nag EC26 cannot follow a MixedInstancesPolicy launch template (the rule throws); the group uses the fleet launch template, whose block devices are all encrypted (asserted in test/fleet).',
    });

    // --- The controller -------------------------------------------------------------------------------------
    const logGroup = encryptedLogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
    });
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "this queue is the controller's dead-letter destination (Lambda on-failure destination and the schedule target's DLQ); nothing consumes it, so it needs no DLQ of its own",
    });
    const role = new iam.Role(this, 'ControllerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Sizes the on-demand fallback group of ${props.fleetTag.value} when spot runs dry`,
    });
    logGroup.grantWrite(role);
    const mainGroupName = props.autoScalingGroup.autoScalingGroupName;
    this.controller = new lambda.Function(this, 'Controller', {
      code: bundledCode(path.join(__dirname, 'runtime', 'handler.ts')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: 256,
      // Under the 1-minute schedule, and at most one run at a time: two overlapping runs would both act on the
      // same minute. Reserving needs the region's concurrency limit above 100: Lambda keeps 100 unreserved.
      // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
      timeout: Duration.seconds(50),
      reservedConcurrentExecutions: 1,
      // Asynchronous invocation (the schedule): no Lambda retry, since a retry comes 1-2 minutes later, after the
      // next scheduled run, which is the retry; an event that waited 60 s (throttled behind a running one) is
      // dropped. Both go to the failure queue, so a run that failed or never ran is kept and alarms.
      // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new destinations.SqsDestination(this.failureQueue),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'On-demand fallback controller: sizes the fallback group from the main group\'s spot shortfall',
      environment: {
        [FALLBACK_ENV.mainGroupName]: mainGroupName,
        [FALLBACK_ENV.fallbackGroupName]: this.fallbackGroup.autoScalingGroupName,
        [FALLBACK_ENV.stateParameterName]: this.stateParameterName,
        [FALLBACK_ENV.topicArn]: props.topic.topicArn,
        [FALLBACK_ENV.fleet]: props.fleetTag.value,
        [FALLBACK_ENV.engageAfterMinutes]: String(engageAfter.toMinutes({ integral: false })),
        [FALLBACK_ENV.engageWithoutFailuresAfterMinutes]: String(engageWithoutFailuresAfter.toMinutes({ integral: false })),
        [FALLBACK_ENV.releaseAfterMinutes]: String(releaseAfter.toMinutes({ integral: false })),
        [FALLBACK_ENV.maxFallbackInstances]: String(props.maxFallbackInstances),
        [FALLBACK_ENV.unitsPerInstance]: String(unitsPerInstance),
        [FALLBACK_ENV.fallbackWeighted]: String(fallbackWeighted),
        POWERTOOLS_SERVICE_NAME: FALLBACK_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: FLEET_METRIC_NAMESPACE,
      },
    });

    const groupArn = (name: string) => stack.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${name}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SizeFallbackGroupOnly',
      actions: ['autoscaling:SetDesiredCapacity'],
      resources: [groupArn(this.fallbackGroup.autoScalingGroupName)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'HandBackToMainGroup',
      // Raises the main group's desired capacity by what the fallback hands back, before the fallback shrinks.
      actions: ['autoscaling:SetDesiredCapacity'],
      resources: [groupArn(mainGroupName)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadGroupsAndActivities',
      // Auto Scaling Describe* calls support no resource-level permissions.
      actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadDrainedTags',
      // Which main-group hosts the interruption handler drained (DRAINED_TAG_KEY). ec2:Describe* support no
      // resource-level permissions; the region condition is as narrow as the API allows.
      actions: ['ec2:DescribeInstances'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ControllerState',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.stateParameterName.replace(/^\//, '') })],
    }));
    props.topic.grantPublish(role);
    this.acknowledgeWildcards(role, stack, mainGroupName);

    // An EventBridge rule (not EventBridge Scheduler): its target retries a failed delivery (the asynchronous
    // Invoke call, not a run) twice within the minute, then puts the event in the failure queue.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
    this.schedule = new events.Rule(this, 'Schedule', {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      description: `Runs the on-demand fallback controller of ${props.fleetTag.value}`,
      targets: [new targets.LambdaFunction(this.controller, { retryAttempts: 2, maxEventAge: Duration.minutes(1), deadLetterQueue: this.failureQueue })],
    });

    this.controllerErrorsAlarm = new cloudwatch.Alarm(this, 'ControllerErrorsAlarm', {
      metric: this.controller.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.fleetTag.value}: the on-demand fallback controller failed 3+ runs in 5 minutes; spot outages are not covered until it runs again (see its log group)`,
    });
    this.controllerErrorsAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));

    // Runs every minute: about 5 per 5 minutes. Missing data is breaching, because a function that is not invoked
    // publishes no Invocations at all (and throttled invocations are not counted).
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#invocation-metrics
    this.controllerNotRunningAlarm = new cloudwatch.Alarm(this, 'ControllerNotRunningAlarm', {
      metric: this.controller.metricInvocations({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 3,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: `${props.fleetTag.value}: the on-demand fallback controller ran fewer than 3 times in each of the last two 5-minute periods (it runs every minute); spot outages are not covered. Check its schedule rule (enabled?), Throttles, and the failure queue`,
    });
    this.controllerNotRunningAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));

    this.failureQueueAlarm = new cloudwatch.Alarm(this, 'FailureQueueAlarm', {
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${props.fleetTag.value}: a fallback controller run failed or never ran; the record is in its failure queue (read the error, then purge the queue)`,
    });
    this.failureQueueAlarm.addAlarmAction(new cwActions.SnsAction(props.topic));
  }


  private acknowledgeWildcards(role: iam.Role, stack: Stack, mainGroupName: string): void {
    const policy = role.node.findChild('DefaultPolicy');
    const ack = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    ack('Resource::*', 'autoscaling:DescribeAutoScalingGroups, DescribeScalingActivities, ec2:DescribeInstances and xray:PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions (DescribeInstances limited to this region); every write is scoped to the fallback group and the state parameter');
    const group = this.fallbackGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    ack(
      `Resource::${nagArn(stack, 'autoscaling')}:autoScalingGroup:*:autoScalingGroupName/<${stack.getLogicalId(group)}>`,
      'the group ARN contains a UUID known only after creation; the ARN is otherwise exact (the fallback group, which this role sizes)',
    );
    const main = stack.resolve(mainGroupName) as unknown;
    const mainName = typeof main === 'string' ? main : (main as { Ref?: string })?.Ref !== undefined ? `<${(main as { Ref: string }).Ref}>` : undefined;
    if (mainName !== undefined) {
      ack(
        `Resource::${nagArn(stack, 'autoscaling')}:autoScalingGroup:*:autoScalingGroupName/${mainName}`,
        'the group ARN contains a UUID known only after creation; the ARN is otherwise exact (the main group, only raised by what the fallback hands back)',
      );
    }
    ack('Action::kms:GenerateDataKey*', "publishing to the fleet's KMS-encrypted topic needs GenerateDataKey*, on that key only");
  }

  private validate(
    props: OnDemandFallbackProps,
    subnets: readonly ec2.ISubnet[],
    config: Parameters<typeof fallbackConfigProblems>[0],
    weights: Record<string, number>,
    fallbackWeighted: boolean,
  ): void {
    const known = (n: number) => !Token.isUnresolved(n);
    const problems = known(props.maxFallbackInstances)
      ? fallbackConfigProblems(config).filter((p) => !p.startsWith('unitsPerInstance'))
      : fallbackConfigProblems({ ...config, maxFallbackInstances: 1 }).filter((p) => !p.startsWith('unitsPerInstance'));
    if (props.instanceTypes.length === 0) problems.push('instanceTypes ([]) must list at least one instance type (the fleet\'s)');
    if (props.availabilityZones.length === 0) problems.push('availabilityZones ([]) must list at least one AZ (the fleet\'s)');
    // The group names its AZs besides its subnets; CloudFormation rejects a subnet outside them, and an AZ without a
    // subnet would be named but never used.
    const zones = subnets.map((s) => s.availabilityZone);
    if (!zones.some((z) => Token.isUnresolved(z)) && !props.availabilityZones.some((z) => Token.isUnresolved(z))) {
      const missing = props.availabilityZones.filter((z) => !zones.includes(z));
      if (missing.length > 0) {
        problems.push(`availabilityZones (${missing.join(', ')}) must each have a private subnet with egress in the VPC; it has them in ${[...new Set(zones)].join(', ') || 'no AZ'}`);
      }
    }
    for (const [t, w] of Object.entries(weights)) {
      if (!Number.isFinite(w) || w <= 0) problems.push(`weights.${t} (${w}) must be a number > 0, as in the main group`);
      else if (fallbackWeighted && (!Number.isInteger(w) || w > 999)) {
        problems.push(`weights.${t} (${w}) must be a whole number from 1 to 999 when the weights differ: the fallback group carries them as WeightedCapacity`);
      }
    }
    if (fallbackWeighted && !known(props.maxFallbackInstances)) {
      problems.push('maxFallbackInstances (a token) must be a plain number when the weights differ: the fallback group\'s MaxSize is computed from it');
    }
    if (props.rollout) problems.push(...rolloutProblems(props.rollout));
    if (!Token.isUnresolved(this.stateParameterName) && !/^\/[A-Za-z0-9_.\-/]{1,1000}$/.test(this.stateParameterName)) {
      problems.push(`stateParameterName (${this.stateParameterName}) must start with / and use only letters, digits and _ . - /`);
    }
    if (problems.length) throw new FallbackConfigError(`OnDemandFallback ${this.node.path}: ${problems.join('; ')}`);
  }
}

/** An ARN prefix as cdk-nag prints it in finding ids: tokens as `<AWS::Region>`, concrete values as they are. */
function nagArn(stack: Stack, service: string): string {
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${region}:${account}`;
}
