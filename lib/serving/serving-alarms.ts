import { Duration, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ServingConfigError } from './errors';
import { ServingEndpoint } from './serving-endpoint';
import { latencyProblems, latencySeconds, percentileProblems, ServingSlo } from './slo';

export interface ServingAlarmsProps {
  /** The endpoint watched. */
  readonly endpoint: ServingEndpoint;
  /** The SLO: latency percentile and threshold, highest 5xx share. */
  readonly slo: ServingSlo;
  /**
   * Below this many requests per minute the 5xx rate and the cost per request read 0: a handful of requests makes
   * both noise (idle cost is the budget guard's job).
   * @default 10
   */
  readonly minRequestsPerMinute?: number;
  /**
   * Topic every alarm notifies (the fleet's topic, whose policy lets this stack's alarms publish).
   * @default - the topic given to `addFleetAlarms`
   */
  readonly topic?: sns.ITopic;
}

/** Alarms that need the fleet: hosts and cost. */
export interface ServingFleetAlarmsProps {
  /** The fleet's main group (GpuFleet.autoScalingGroup); it must collect group metrics (GpuFleet does). */
  readonly mainGroup: autoscaling.IAutoScalingGroup;
  /**
   * The on-demand fallback group (OnDemandFallback.fallbackGroup); its hosts serve too.
   * @default - the main group only
   */
  readonly fallbackGroup?: autoscaling.IAutoScalingGroup;
  /** Estimated USD per hour of the running fleet (`fleetCostPerHour()` of lib/dashboard). */
  readonly costPerHour: cloudwatch.IMetric;
  /**
   * Alarm when the cost per 1,000 requests stays above this many USD for 30 minutes.
   * @default - no ceiling alarm
   */
  readonly costPer1kRequestsCeilingUsd?: number;
  /**
   * Width of the anomaly band of the cost per 1,000 requests, in standard deviations; it alarms when the cost is
   * above the band for 30 minutes. CloudWatch learns the hourly, daily and weekly pattern (about two weeks of data
   * before the band means much).
   * @default 3
   */
  readonly costAnomalyStdDevs?: number;
  /**
   * Requests per minute below which the cost per 1,000 requests reads 0 in both cost alarms (never below
   * `minRequestsPerMinute`). Pass the rate at which the fleet at its minimum size costs the ceiling (minimum fleet
   * USD/h x 1000 / ceiling / 60): below it the cost per request is high only because the fleet cannot shrink, and an
   * alarm there pages every quiet night with nothing to do. The dashboard graph keeps `minRequestsPerMinute`.
   * @default - minRequestsPerMinute
   */
  readonly costAlarmMinRequestsPerMinute?: number;
  /**
   * Topic every alarm notifies.
   * @default - the topic given to the constructor
   */
  readonly topic?: sns.ITopic;
}

/** The alarms `addFleetAlarms` creates. */
export interface ServingFleetAlarms {
  /** Hosts are in service but the load balancer has no healthy one. */
  readonly noHealthyHost: cloudwatch.Alarm;
  /** Cost per 1,000 requests above the ceiling for 30 minutes; only with a ceiling. */
  readonly costPer1kCeiling?: cloudwatch.Alarm;
  /** Cost per 1,000 requests above its anomaly band for 30 minutes. */
  readonly costPer1kAnomaly: cloudwatch.Alarm;
}

const MINUTE = Duration.minutes(1);
/** Cost alarms look at 5-minute points, 6 of 6: 30 minutes. */
const COST_PERIOD = Duration.minutes(5);

/**
 * Live alarms and dashboard rows of a serving endpoint. Built in two steps because the rollout watches the first
 * ones: the constructor creates the 5xx-rate and latency alarms from the endpoint alone (`rolloutAlarms`, for GpuFleet
 * and OnDemandFallback `rollout.alarms`); `addFleetAlarms` then adds what needs the groups and the cost: no healthy
 * host, cost per 1,000 requests over a ceiling and above its anomaly band. Every alarm notifies the topic.
 *
 * Missing data never breaches: no traffic means no latency datapoint and a 0 rate (FILL). A fleet scaled to zero has
 * no host registered or in service, so the 5xx rate (the load balancer's own 503s included) and the no-healthy-host
 * alarm read 0 and a fleet at night stays quiet, whatever traffic still arrives.
 */
export class ServingAlarms extends Construct {
  /** 5xx share of requests (hosts' and the load balancer's) above `slo.max5xxPercent`, 3 of 5 minutes, while a host is registered. */
  public readonly fiveXxRateAlarm: cloudwatch.Alarm;
  /** The SLO percentile of the target response time above `slo.latency`, 3 of 5 minutes (0 below `minRequestsPerMinute`). */
  public readonly latencyAlarm: cloudwatch.Alarm;
  /** The alarms a rollout must watch (5xx rate, latency): pass them as `rollout.alarms`. */
  public readonly rolloutAlarms: readonly cloudwatch.IAlarm[];
  /** Requests routed to the hosts per minute. */
  public readonly requestsPerMinute: cloudwatch.Metric;
  /** 5xx answers in percent of requests (0 below `minRequestsPerMinute` and while no host is registered). */
  public readonly fiveXxRatePercent: cloudwatch.MathExpression;

  private readonly endpoint: ServingEndpoint;
  private readonly slo: Required<ServingSlo>;
  private readonly minRequestsPerMinute: number;
  private topic?: sns.ITopic;
  private readonly notifying = new Set<cloudwatch.Alarm>();
  private fleet?: { readonly alarms: ServingFleetAlarms; readonly costPer1k: cloudwatch.MathExpression; readonly ceiling?: number };

  constructor(scope: Construct, id: string, props: ServingAlarmsProps) {
    super(scope, id);
    this.endpoint = props.endpoint;
    this.slo = { latencyPercentile: props.slo.latencyPercentile ?? 'p90', latency: props.slo.latency, max5xxPercent: props.slo.max5xxPercent ?? 1 };
    this.minRequestsPerMinute = props.minRequestsPerMinute ?? 10;
    const problems = [
      ...percentileProblems('slo.latencyPercentile', this.slo.latencyPercentile),
      ...latencyProblems('slo.latency', this.slo.latency),
    ];
    const max5xx = this.slo.max5xxPercent;
    if (!Token.isUnresolved(max5xx) && !(max5xx > 0 && max5xx <= 100)) problems.push(`slo.max5xxPercent (${max5xx}) must be more than 0 and at most 100`);
    const min = this.minRequestsPerMinute;
    if (!Token.isUnresolved(min) && !(Number.isInteger(min) && min >= 1)) problems.push(`minRequestsPerMinute (${min}) must be a whole number >= 1`);
    if (problems.length) throw new ServingConfigError(`ServingAlarms ${this.node.path}`, problems);

    const m = props.endpoint.metrics;
    this.requestsPerMinute = m.requests({ label: 'Requests per minute' });
    // The load balancer's own 5xx (503 without a healthy host) reach no target, so RequestCount misses them: they
    // join the denominator. A 502/504 counted in both understates the rate by at most half, still far above an SLO.
    // Only while a host is registered (healthy or not): a fleet scaled to zero answers every request 503 by design, and
    // a night-time probe must not page. Auto Scaling registers a host when it goes InService and deregisters it when
    // it leaves, so registered targets are the in-service hosts of every group; the groups do not exist yet here.
    const served = 'FILL(r, 0) + FILL(e, 0)';
    this.fiveXxRatePercent = new cloudwatch.MathExpression({
      expression: `IF(FILL(h, 0) + FILL(u, 0) >= 1, IF(${served} >= ${min}, 100 * (FILL(t, 0) + FILL(e, 0)) / (${served}), 0), 0)`,
      usingMetrics: {
        r: m.requests(), t: m.target5xx(), e: m.elb5xx(),
        h: m.healthyHosts({ statistic: cloudwatch.Stats.MAXIMUM }), u: m.unhealthyHosts(),
      },
      label: '5xx rate (%)',
      period: MINUTE,
    });
    this.fiveXxRateAlarm = new cloudwatch.Alarm(this, 'FiveXxRateAlarm', {
      metric: this.fiveXxRatePercent,
      threshold: max5xx,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Serving endpoint: more than ${max5xx}% of requests answered 5xx in 3 of the last 5 minutes (at ${min}+ requests/min, with a host registered). ` +
        'A rollout in progress rolls back. Check the hosts\' model server logs and the target group health.',
    });
    const p = this.slo.latencyPercentile;
    const slo = latencySeconds(this.slo.latency);
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
      // A few requests a minute make a percentile noise: below the floor it reads 0 (as the 5xx rate does).
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(r, 0) >= ${min}, FILL(l, 0), 0)`,
        usingMetrics: { r: m.requests(), l: m.latency(p) },
        label: `${p} target response time (s), 0 under ${min} requests/min`,
        period: MINUTE,
      }),
      threshold: slo,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Serving endpoint: ${p} target response time above the ${slo}s SLO in 3 of the last 5 minutes (at ${min}+ requests/min). ` +
        'A rollout in progress rolls back. The latency guard adds hosts up to the fleet\'s max; check max capacity and the model server.',
    });
    this.rolloutAlarms = [this.fiveXxRateAlarm, this.latencyAlarm];
    if (props.topic) this.notify(props.topic);
  }

  /**
   * Adds the alarms that need the fleet (call once, after the groups exist): no healthy host, and cost per 1,000
   * requests above the ceiling and above its anomaly band.
   */
  public addFleetAlarms(props: ServingFleetAlarmsProps): ServingFleetAlarms {
    const problems: string[] = [];
    if (this.fleet) problems.push('addFleetAlarms was already called: the fleet alarms exist');
    const topic = props.topic ?? this.topic;
    if (!topic) problems.push('topic (missing) must be given to the constructor or to addFleetAlarms: the alarms would notify nobody');
    const ceiling = props.costPer1kRequestsCeilingUsd;
    if (ceiling !== undefined && !Token.isUnresolved(ceiling) && !(Number.isFinite(ceiling) && ceiling > 0)) {
      problems.push(`costPer1kRequestsCeilingUsd (${ceiling}) must be USD > 0 per 1,000 requests`);
    }
    const stdDevs = props.costAnomalyStdDevs ?? 3;
    if (!Token.isUnresolved(stdDevs) && !(Number.isFinite(stdDevs) && stdDevs > 0)) problems.push(`costAnomalyStdDevs (${stdDevs}) must be more than 0`);
    const costFloor = props.costAlarmMinRequestsPerMinute;
    if (costFloor !== undefined && !Token.isUnresolved(costFloor) && !(Number.isFinite(costFloor) && costFloor >= 0)) {
      problems.push(`costAlarmMinRequestsPerMinute (${costFloor}) must be requests per minute >= 0`);
    }
    if (problems.length) throw new ServingConfigError(`ServingAlarms ${this.node.path}`, problems);

    const noHealthyHost = new cloudwatch.Alarm(this, 'NoHealthyHostAlarm', {
      metric: this.noHealthyHostExpression(props),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Serving endpoint: hosts are in service but the load balancer has had no healthy host for 3 minutes; every request fails (503). ' +
        'Check the target group health reasons, the hosts\' security group and the health check path.',
    });
    // Ceiling and band alike: a high cost per request at the minimum fleet is not actionable (the band would otherwise
    // learn the 1/requests curve of quiet nights and page on a quieter one).
    const costMin = Math.max(this.minRequestsPerMinute, costFloor ?? 0);
    const costPer1k5m = this.costPer1k(props.costPerHour, COST_PERIOD, costMin);
    const costPer1kCeiling = ceiling === undefined ? undefined : new cloudwatch.Alarm(this, 'CostPer1kCeilingAlarm', {
      metric: costPer1k5m,
      threshold: ceiling,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 6,
      datapointsToAlarm: 6,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Serving endpoint: cost per 1,000 requests above $${ceiling} for 30 minutes (at ${costMin}+ requests/min). ` +
        'More hosts than the traffic needs (scale-in blocked? fallback engaged?) or slower requests; see the dashboard.',
    });
    const costPer1kAnomaly = new cloudwatch.AnomalyDetectionAlarm(this, 'CostPer1kAnomalyAlarm', {
      metric: costPer1k5m,
      stdDevs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 6,
      datapointsToAlarm: 6,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Serving endpoint: cost per 1,000 requests above its usual band (${stdDevs} standard deviations of the learned weekly pattern) for 30 minutes (at ${costMin}+ requests/min).`,
    });
    const alarms: ServingFleetAlarms = { noHealthyHost, costPer1kCeiling, costPer1kAnomaly };
    this.fleet = { alarms, costPer1k: this.costPer1k(props.costPerHour, MINUTE, this.minRequestsPerMinute), ceiling };
    this.notify(topic!);
    return alarms;
  }

  /** Every alarm created so far (for the dashboard's alarm states). */
  public get alarms(): cloudwatch.IAlarm[] {
    const fleet = this.fleet?.alarms;
    return [this.fiveXxRateAlarm, this.latencyAlarm, ...(fleet ? [fleet.noHealthyHost, ...(fleet.costPer1kCeiling ? [fleet.costPer1kCeiling] : []), fleet.costPer1kAnomaly] : [])];
  }

  /**
   * Dashboard rows (FleetDashboard `servingRows`): requests per minute, p50/p90/p99 latency against the SLO, 5xx
   * rate, healthy and unhealthy hosts; after `addFleetAlarms` also the cost per 1,000 requests and its anomaly band.
   */
  public dashboardRows(): cloudwatch.IWidget[][] {
    const m = this.endpoint.metrics;
    const slo = latencySeconds(this.slo.latency);
    const p = this.slo.latencyPercentile;
    const percentiles = [...new Set(['p50', 'p90', 'p99', p])];
    const graph = (title: string, left: cloudwatch.IMetric[], annotation?: cloudwatch.HorizontalAnnotation, width = 6) =>
      new cloudwatch.GraphWidget({ title, left, leftAnnotations: annotation ? [annotation] : undefined, width, height: 6 });
    const rows: cloudwatch.IWidget[][] = [[
      graph('Requests per minute', [this.requestsPerMinute]),
      graph('Target response time (s)', percentiles.map((q) => m.latency(q, { label: q })), { value: slo, label: `SLO ${p} ${slo}s` }),
      graph('5xx rate (%)', [this.fiveXxRatePercent], { value: this.slo.max5xxPercent, label: `SLO ${this.slo.max5xxPercent}%` }),
      graph('Hosts (target group)', [m.healthyHosts({ label: 'Healthy (min)' }), m.unhealthyHosts({ label: 'Unhealthy (max)' })]),
    ]];
    if (this.fleet) {
      const { costPer1k, ceiling, alarms } = this.fleet;
      rows.push([
        graph('Cost per 1,000 requests (USD, estimated)', [costPer1k], ceiling === undefined ? undefined : { value: ceiling, label: `Ceiling $${ceiling}` }, 12),
        new cloudwatch.AlarmWidget({ title: 'Cost per 1,000 requests vs its anomaly band (5 min)', alarm: alarms.costPer1kAnomaly, width: 12, height: 6 }),
      ]);
    }
    return rows;
  }

  /**
   * USD per 1,000 requests over `period`: cost (USD/h) / requests per hour x 1000, where requests per hour is the
   * period's request count x (3600 / period). 0 below `minPerMinute` requests/min, so never a division by zero.
   */
  private costPer1k(costPerHour: cloudwatch.IMetric, period: Duration, minPerMinute: number): cloudwatch.MathExpression {
    const seconds = period.toSeconds();
    const minPerPeriod = minPerMinute * seconds / 60;
    return new cloudwatch.MathExpression({
      expression: `IF(r >= ${minPerPeriod}, 1000 * cost / (${3600 / seconds} * r), 0)`,
      usingMetrics: { r: atPeriod(this.endpoint.metrics.requests(), period), cost: atPeriod(costPerHour, period) },
      label: 'USD per 1,000 requests',
      period,
    });
  }

  /**
   * 1 when hosts were in service all minute yet none was healthy in the target group at any time in it. In-service
   * (not desired) capacity: a fleet starting from zero each morning has desired hosts but no healthy one for its
   * start-up time, which must not page; hosts that cannot launch at all are the capacity alarms' job.
   */
  private noHealthyHostExpression(props: ServingFleetAlarmsProps): cloudwatch.MathExpression {
    const inService = (group: autoscaling.IAutoScalingGroup) => new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupInServiceInstances',
      dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: MINUTE,
    });
    const hosts = props.fallbackGroup ? 'FILL(mi, 0) + FILL(fi, 0)' : 'FILL(mi, 0)';
    return new cloudwatch.MathExpression({
      expression: `IF(${hosts} >= 1, IF(FILL(h, 0) < 1, 1, 0), 0)`,
      usingMetrics: {
        mi: inService(props.mainGroup),
        ...(props.fallbackGroup ? { fi: inService(props.fallbackGroup) } : {}),
        h: this.endpoint.metrics.healthyHosts({ statistic: cloudwatch.Stats.MAXIMUM }),
      },
      label: 'No healthy host while hosts are in service (1 = yes)',
      period: MINUTE,
    });
  }

  private notify(topic: sns.ITopic): void {
    if (this.topic && this.topic !== topic) {
      throw new ServingConfigError(`ServingAlarms ${this.node.path}`, ['topic (a second topic) must be the one given first: every alarm notifies one topic']);
    }
    this.topic = topic;
    const action = new cwActions.SnsAction(topic);
    for (const alarm of this.alarms as cloudwatch.Alarm[]) {
      if (this.notifying.has(alarm)) continue;
      alarm.addAlarmAction(action);
      this.notifying.add(alarm);
    }
  }
}

/**
 * `metric` with every metric in it at `period`. A math expression overrides the periods of the metrics it uses with
 * its own and warns at synth for each one; giving them the period first renders the same alarm without the warning.
 */
function atPeriod(metric: cloudwatch.IMetric, period: Duration): cloudwatch.IMetric {
  if (metric instanceof cloudwatch.MathExpression) {
    return new cloudwatch.MathExpression({
      expression: metric.expression,
      usingMetrics: Object.fromEntries(Object.entries(metric.usingMetrics).map(([id, m]) => [id, atPeriod(m, period)])),
      label: metric.label,
      color: metric.color,
      period,
      searchAccount: metric.searchAccount,
      searchRegion: metric.searchRegion,
    });
  }
  return metric instanceof cloudwatch.Metric ? metric.with({ period }) : metric;
}
