import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ce from 'aws-cdk-lib/aws-ce';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { HOURS_PER_MONTH } from '../pricing/types';
import { allowStackAlarmsToPublish } from '../shared/alarm-topic';
import { fleetKey } from '../shared/encryption';
import { addKillSwitch, KillSwitchOptions, KillSwitchResources } from './kill-switch';

/** Thrown for invalid BudgetGuard props; the message lists every problem, one a line. */
export class BudgetConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid budget guard:\n  ${problems.join('\n  ')}`);
    this.name = 'BudgetConfigError';
  }
}

/** Hours in an average month (8760 / 12): the budget's pace is `monthlyLimitUsd / 730` USD per hour. */

/** The notifications every budget gets: percent of the monthly limit, actual or forecasted spend. */
export const BUDGET_NOTIFICATIONS: readonly { readonly type: 'ACTUAL' | 'FORECASTED'; readonly percent: number }[] = [
  { type: 'ACTUAL', percent: 70 },
  { type: 'ACTUAL', percent: 90 },
  { type: 'ACTUAL', percent: 100 },
  { type: 'FORECASTED', percent: 100 },
];

/** Hourly prices the burn alarm multiplies the running instances by (the cost report's figures). */
export interface BurnRateOptions {
  /** On-demand price of the base instance type, USD per instance-hour. */
  readonly onDemandUsdPerHour: number;
  /** Expected spot price per instance above the base, USD per instance-hour. */
  readonly spotUsdPerHour: number;
  /** Instances the group runs on-demand (its on-demand base); the rest are priced as spot. */
  readonly onDemandBaseCapacity: number;
  /**
   * Consecutive 5-minute datapoints above the budget's pace before the alarm fires.
   * @default 3 - alarms within 15 minutes, ignores a short burst
   */
  readonly datapoints?: number;
}

export interface BudgetGuardProps {
  /** Environment name, in messages, descriptions and the anomaly monitor's name. */
  readonly environmentName: string;
  /** Monthly budget for the environment's tagged resources, USD. */
  readonly monthlyLimitUsd: number;
  /** Subscribed (by email) to the budget topic: budget and anomaly alerts, burn alarm, kill-switch reports. */
  readonly alertEmails: readonly string[];
  /** Cost-allocation tag the budget filters on, e.g. `{ key: 'Environment', value: 'staging' }`; must be activated. */
  readonly costAllocationTag: { readonly key: string; readonly value: string };
  /** The fleet's group: the burn alarm reads its metrics, the kill switch caps it. Group metrics collection must be on. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** Prices for the near-real-time burn alarm. */
  readonly burnRate: BurnRateOptions;
  /**
   * Cap the fleet when actual spend reaches 100% of the budget.
   * @default false - notify only
   */
  readonly killSwitch?: KillSwitchOptions | false;
  /**
   * Create a Cost Anomaly Detection monitor for the cost-allocation tag, alerting the budget topic.
   * @default false
   */
  readonly anomalyMonitor?: boolean;
  /**
   * Total impact (USD) from which an anomaly is reported.
   * @default - a day of budget, `monthlyLimitUsd / 30`, rounded to cents
   */
  readonly anomalyThresholdUsd?: number;
  /**
   * How long the kill switch's log group keeps its events.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed key the kill switch's log group is encrypted with.
   * @default - the stack's log key (`logEncryptionKey` in lib/shared/encryption.ts)
   */
  readonly logEncryptionKey?: kms.IKey;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Budget guardrails for one environment: a tag-filtered monthly AWS Budget with 70/90/100% actual and 100%
 * forecasted notifications, an encrypted topic they go to, a burn-rate alarm that reacts within minutes (Budgets
 * refreshes a few times a day), an optional cost anomaly monitor and an optional kill switch that caps the fleet.
 */
export class BudgetGuard extends Construct {
  /** Budget notifications, burn alarm, anomaly alerts and kill-switch reports. */
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly budget: budgets.CfnBudget;
  /** Estimated fleet spend, USD per hour (5-minute periods). */
  readonly burnRateMetric: cloudwatch.MathExpression;
  readonly burnAlarm: cloudwatch.Alarm;
  /** The kill-switch function, when enabled. */
  readonly killSwitchFunction?: lambda.Function;
  /** The kill switch's on-failure destination (events that failed every retry), when enabled. */
  readonly killSwitchFailureQueue?: sqs.Queue;
  /** The kill switch's alarms (errors, failure queue, unrecognised messages), when enabled. */
  readonly killSwitchAlarms: readonly cloudwatch.Alarm[];
  readonly anomalyMonitor?: ce.CfnAnomalyMonitor;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    validate(this, props);
    const env = props.environmentName;
    const stack = Stack.of(this);
    const killSwitch = props.killSwitch || undefined;

    this.topicKey = fleetKey(this, 'TopicKey', `Encrypts the budget topic of the ${env} GPU fleet`);
    this.topic = new sns.Topic(this, 'Topic', { masterKey: this.topicKey, enforceSSL: true });

    // Services publish to an encrypted topic only if both the key and the topic let them; aws:SourceAccount keeps
    // other accounts' budgets/alerts from using this topic (confused deputy).
    const publishers = ['budgets.amazonaws.com', 'cloudwatch.amazonaws.com'];
    if (props.anomalyMonitor) publishers.push('costalerts.amazonaws.com');
    for (const service of publishers) {
      const principal = new iam.ServicePrincipal(service);
      this.topicKey.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [principal],
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
      // CloudWatch's topic grant names this stack's alarms by ARN (allowStackAlarmsToPublish, below).
      if (service === 'cloudwatch.amazonaws.com') continue;
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [principal],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
    allowStackAlarmsToPublish(this.topic);
    for (const email of props.alertEmails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const { key, value } = props.costAllocationTag;
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyLimitUsd, unit: 'USD' },
        // Budgets wants user-defined tags as `user:<Key>$<Value>`; an unactivated tag matches nothing.
        costFilters: { TagKeyValue: [`user:${key}$${value}`] },
      },
      notificationsWithSubscribers: BUDGET_NOTIFICATIONS.map((n) => ({
        notification: {
          notificationType: n.type,
          comparisonOperator: 'GREATER_THAN',
          threshold: n.percent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
      })),
    });
    // Budgets checks at creation that it may publish, so the topic policy must exist first.
    this.budget.node.addDependency(this.topic);

    const burn = this.createBurnAlarm(props);
    this.burnRateMetric = burn.metric;
    this.burnAlarm = burn.alarm;

    if (props.anomalyMonitor) this.anomalyMonitor = this.createAnomalyMonitor(props);
    let ks: KillSwitchResources | undefined;
    if (killSwitch) {
      ks = addKillSwitch(this, {
        environmentName: env,
        autoScalingGroup: props.autoScalingGroup,
        options: killSwitch,
        topic: this.topic,
        topicKey: this.topicKey,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        logEncryptionKey: props.logEncryptionKey,
      });
    }
    this.killSwitchFunction = ks?.function;
    this.killSwitchFailureQueue = ks?.failureQueue;
    this.killSwitchAlarms = ks ? [ks.errorsAlarm, ks.failureQueueAlarm, ks.unrecognisedMessagesAlarm] : [];
  }

  private createBurnAlarm(props: BudgetGuardProps): { metric: cloudwatch.MathExpression; alarm: cloudwatch.Alarm } {
    const { onDemandUsdPerHour: od, spotUsdPerHour: spot, onDemandBaseCapacity: base } = props.burnRate;
    const period = Duration.minutes(5);
    // Total, not InService: pending and warming-up GPU hosts are billed too.
    const instances = new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupTotalInstances',
      dimensionsMap: { AutoScalingGroupName: props.autoScalingGroup.autoScalingGroupName },
      statistic: cloudwatch.Stats.AVERAGE,
      period,
    });
    const n = (x: number) => String(Number(x.toFixed(6)));
    const expression =
      base > 0 ? `IF(n > ${base}, ${n(base * od)} + (n - ${base}) * ${n(spot)}, n * ${n(od)})` : `n * ${n(spot)}`;
    const metric = new cloudwatch.MathExpression({
      expression,
      usingMetrics: { n: instances },
      label: 'Estimated fleet spend (USD/hour)',
      period,
    });
    const pace = Number((props.monthlyLimitUsd / HOURS_PER_MONTH).toFixed(4));
    const datapoints = props.burnRate.datapoints ?? 3;
    const alarm = metric.createAlarm(this, 'BurnRateAlarm', {
      alarmDescription:
        `${props.environmentName} GPU fleet spends more than its budget's pace (${props.monthlyLimitUsd} USD / ${HOURS_PER_MONTH} h = ` +
        `${pace} USD/h) for ${datapoints * 5} minutes. Estimate: base instances at ${od} USD/h on-demand, the rest at ${spot} USD/h spot.`,
      threshold: pace,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: datapoints,
      datapointsToAlarm: datapoints,
      // No datapoints means no group metrics (e.g. the group is gone): that is not spend.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    alarm.addOkAction(new cwActions.SnsAction(this.topic));
    return { metric, alarm };
  }

  private createAnomalyMonitor(props: BudgetGuardProps): ce.CfnAnomalyMonitor {
    const { key, value } = props.costAllocationTag;
    const monitor = new ce.CfnAnomalyMonitor(this, 'AnomalyMonitor', {
      // Required by the resource type; unique per account, so it carries the environment.
      monitorName: `gpu-spot-fleet-${props.environmentName}`,
      monitorType: 'CUSTOM',
      monitorSpecification: JSON.stringify({ Tags: { Key: key, Values: [value], MatchOptions: ['EQUALS'] } }),
    });
    const threshold = props.anomalyThresholdUsd ?? Math.round((props.monthlyLimitUsd / 30) * 100) / 100;
    const subscription = new ce.CfnAnomalySubscription(this, 'AnomalySubscription', {
      subscriptionName: `gpu-spot-fleet-${props.environmentName}`,
      monitorArnList: [monitor.attrMonitorArn],
      // SNS subscribers require IMMEDIATE; the topic's email subscribers receive it from there.
      frequency: 'IMMEDIATE',
      subscribers: [{ type: 'SNS', address: this.topic.topicArn }],
      thresholdExpression: JSON.stringify({
        Dimensions: { Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', MatchOptions: ['GREATER_THAN_OR_EQUAL'], Values: [String(threshold)] },
      }),
    });
    subscription.node.addDependency(this.topic);
    return monitor;
  }
}

function validate(scope: Construct, props: BudgetGuardProps): void {
  const env = props.environmentName;
  const at = `${env}.budget`;
  const problems: string[] = [];
  const known = (x: number) => !Token.isUnresolved(x);
  const positive = (field: string, x: number, unit: string, hint: string) => {
    if (known(x) && !(typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      problems.push(`${field} (${x}) must be a number > 0 ${unit}; ${hint}`);
    }
  };
  const wholeNumber = (field: string, x: number) => {
    if (known(x) && !(Number.isInteger(x) && x >= 0)) problems.push(`${field} (${x}) must be a whole number >= 0`);
  };
  if (!env || !/^[A-Za-z0-9-]+$/.test(env)) {
    problems.push(`environmentName (${JSON.stringify(env)}) must be letters, digits and dashes, e.g. staging`);
  }
  positive(`${at}.monthlyLimitUsd`, props.monthlyLimitUsd, 'USD per month', 'set the budget in config/environments.ts');
  props.alertEmails.forEach((e, i) => {
    if (!EMAIL.test(e)) problems.push(`${at}.alertEmails[${i}] (${e}) must be an email address such as team@example.com`);
  });
  const { key, value } = props.costAllocationTag;
  if (!key || !value) {
    problems.push(`${env} costAllocationTag (${key}=${value}) needs a key and a value, e.g. Environment=${env}`);
  } else if (key.toLowerCase().startsWith('aws:')) {
    problems.push(`${env} costAllocationTag key (${key}) must be a user-defined tag: the aws: prefix is reserved for AWS-generated tags`);
  }
  const hint = 'pass the cost model\'s hourly price (an estimate of $0 would never alarm)';
  positive(`${env} burnRate.onDemandUsdPerHour`, props.burnRate.onDemandUsdPerHour, 'USD per instance-hour', hint);
  positive(`${env} burnRate.spotUsdPerHour`, props.burnRate.spotUsdPerHour, 'USD per instance-hour', hint);
  wholeNumber(`${env} burnRate.onDemandBaseCapacity`, props.burnRate.onDemandBaseCapacity);
  const dp = props.burnRate.datapoints;
  if (dp !== undefined && !(Number.isInteger(dp) && dp >= 1 && dp <= 12)) {
    problems.push(`${env} burnRate.datapoints (${dp}) must be a whole number from 1 to 12 (5-minute periods, at most an hour)`);
  }
  if (props.anomalyThresholdUsd !== undefined) {
    positive(`${env} anomalyThresholdUsd`, props.anomalyThresholdUsd, 'USD', 'or leave it out for a day of budget');
  }
  const ks = props.killSwitch;
  if (ks) {
    if (ks.capTo !== 'zero' && ks.capTo !== 'base') problems.push(`${env} killSwitch.capTo (${ks.capTo}) must be "zero" or "base"`);
    wholeNumber(`${env} killSwitch.baseCapacity`, ks.baseCapacity);
    const { minCapacity, maxCapacity } = ks.restoreCapacity;
    wholeNumber(`${env} killSwitch.restoreCapacity.minCapacity`, minCapacity);
    wholeNumber(`${env} killSwitch.restoreCapacity.maxCapacity`, maxCapacity);
    if (known(minCapacity) && known(maxCapacity) && minCapacity > maxCapacity) {
      problems.push(`${env} killSwitch.restoreCapacity.minCapacity (${minCapacity}) must be <= maxCapacity (${maxCapacity})`);
    }
  }
  if (problems.length > 0) throw new BudgetConfigError(problems);

  if (props.alertEmails.length === 0) {
    Annotations.of(scope).addWarningV2(
      'gpu-fleet:budgetNoEmails',
      `${at}.alertEmails is empty: budget alerts and kill-switch reports reach only what you subscribe to the budget topic yourself.`,
    );
  }
  if (ks && ks.capTo === 'base' && known(ks.baseCapacity) && ks.baseCapacity === 0) {
    Annotations.of(scope).addWarningV2(
      'gpu-fleet:killSwitchBaseIsZero',
      `${env} kill switch caps to the base, which is 0: it stops the whole fleet. Use capTo "zero" to say so explicitly.`,
    );
  }
}
