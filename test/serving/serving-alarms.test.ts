import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { fleetCostPerHour } from '../../lib/dashboard/cost-metric';
import { FleetNetwork } from '../../lib/fleet/fleet-network';
import { ServingAlarms, ServingAlarmsProps, ServingFleetAlarmsProps } from '../../lib/serving/serving-alarms';
import { ServingEndpoint } from '../../lib/serving/serving-endpoint';
import { servingStack } from './support/serving-stack';

type Resources = Record<string, { Type: string; Properties: any; UpdatePolicy?: any }>;

// One composed stack for the read-only assertions (bundling the fallback controller is the slow part).
const built = servingStack();
const resources = Template.fromStack(built.stack).toJSON().Resources as Resources;
const idOf = (c: any) => built.stack.getLogicalId(c.node.defaultChild ?? c);
const alarm = (c: cloudwatch.Alarm) => resources[idOf(c)].Properties;
const topicRef = { Ref: idOf(built.fleet.topic) };

/** Queries of a metric-math alarm by id. */
const queries = (props: any): Record<string, any> => Object.fromEntries(props.Metrics.map((m: any) => [m.Id, m]));
/** The expression the alarm watches (ReturnData true, no band). */
const watched = (props: any) => props.Metrics.find((m: any) => m.ReturnData && !String(m.Expression ?? '').startsWith('ANOMALY_DETECTION_BAND'));

/**
 * Evaluates a CloudWatch metric-math expression of this construct with plain numbers (`undefined` = no datapoint):
 * IF and FILL as CloudWatch defines them; the operators are JavaScript's. Both branches of IF are evaluated, as
 * CloudWatch does per datapoint, so a guarded division by zero still yields the guard's value.
 */
function evaluate(expression: string, values: Record<string, number | undefined>): number {
  const names = Object.keys(values);
  const IF = (c: unknown, a: number, b: number) => (c ? a : b);
  const FILL = (x: number | undefined, v: number) => x ?? v;
  // eslint-disable-next-line no-new-func
  return new Function('IF', 'FILL', ...names, `return ${expression};`)(IF, FILL, ...names.map((n) => values[n]));
}

describe('ServingAlarms part 1 (endpoint only): the alarms a rollout watches', () => {
  test('5xx rate: (target + ELB 5xx) / (requests + ELB 5xx) in %, 0 under 10 requests/min, > 1 % in 3 of 5 minutes', () => {
    const p = alarm(built.servingAlarms.fiveXxRateAlarm);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching', AlarmActions: [topicRef],
    });
    const q = queries(p);
    expect(watched(p).Expression).toBe('IF(FILL(h, 0) + FILL(u, 0) >= 1, IF(FILL(r, 0) + FILL(e, 0) >= 10, 100 * (FILL(t, 0) + FILL(e, 0)) / (FILL(r, 0) + FILL(e, 0)), 0), 0)');
    expect([q.r, q.t, q.e, q.h, q.u].map((m) => [m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period, m.ReturnData]))
      .toEqual([['RequestCount', 'Sum', 60, false], ['HTTPCode_Target_5XX_Count', 'Sum', 60, false], ['HTTPCode_ELB_5XX_Count', 'Sum', 60, false],
        ['HealthyHostCount', 'Maximum', 60, false], ['UnHealthyHostCount', 'Maximum', 60, false]]);
  });

  test('5xx rate values: 2 % of 100, noise below 10 requests, no requests at night, a load balancer answering 503 alone', () => {
    const rate = watched(alarm(built.servingAlarms.fiveXxRateAlarm)).Expression;
    expect(evaluate(rate, { r: 100, t: 2, e: undefined, h: 2, u: undefined })).toBe(2);
    expect(evaluate(rate, { r: 5, t: 5, e: undefined, h: 2, u: 0 })).toBe(0);
    expect(evaluate(rate, { r: undefined, t: undefined, e: undefined, h: undefined, u: undefined })).toBe(0);
    // Hosts registered but none healthy: every request is the load balancer's 503, 100 %.
    expect(evaluate(rate, { r: undefined, t: undefined, e: 30, h: 0, u: 2 })).toBe(100);
  });

  test('5xx rate: a fleet scaled to zero (no host registered) stays quiet under a probe\'s 503s; the first registered host counts', () => {
    const rate = watched(alarm(built.servingAlarms.fiveXxRateAlarm)).Expression;
    // 30 requests/min at night, all answered 503 by the load balancer: no target, no host metrics (or 0).
    expect(evaluate(rate, { r: undefined, t: undefined, e: 30, h: undefined, u: undefined })).toBe(0);
    expect(evaluate(rate, { r: undefined, t: undefined, e: 30, h: 0, u: 0 })).toBe(0);
    expect(evaluate(rate, { r: 20, t: 10, e: 10, h: 0, u: 1 })).toBe(100 * 20 / 30);
  });

  test('latency: the SLO percentile of TargetResponseTime > the SLO seconds in 3 of 5 minutes, 0 under 10 requests/min', () => {
    const p = alarm(built.servingAlarms.latencyAlarm);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 10, EvaluationPeriods: 5, DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching', AlarmActions: [topicRef],
    });
    const q = queries(p);
    expect(watched(p).Expression).toBe('IF(FILL(r, 0) >= 10, FILL(l, 0), 0)');
    expect(q.l.MetricStat).toMatchObject({ Metric: { MetricName: 'TargetResponseTime', Namespace: 'AWS/ApplicationELB' }, Stat: 'p90', Period: 60 });
    expect(q.r.MetricStat).toMatchObject({ Metric: { MetricName: 'RequestCount' }, Stat: 'Sum', Period: 60 });
    // 12 s at 100 requests/min breaches; one slow request a minute at night, or no traffic at all, does not.
    expect(evaluate(watched(p).Expression, { r: 100, l: 12 })).toBe(12);
    expect(evaluate(watched(p).Expression, { r: 1, l: 40 })).toBe(0);
    expect(evaluate(watched(p).Expression, { r: undefined, l: undefined })).toBe(0);
  });

  test('both group rollouts roll back on exactly these two alarms (by name)', () => {
    expect(built.servingAlarms.rolloutAlarms).toEqual([built.servingAlarms.fiveXxRateAlarm, built.servingAlarms.latencyAlarm]);
    const names = [{ Ref: idOf(built.servingAlarms.fiveXxRateAlarm) }, { Ref: idOf(built.servingAlarms.latencyAlarm) }];
    for (const group of [built.fleet.autoScalingGroup, built.fallback.fallbackGroup]) {
      expect(resources[idOf(group)].UpdatePolicy.AutoScalingInstanceRefresh.Preferences.AlarmSpecification).toEqual({ Alarms: names });
    }
  });
});

describe('ServingAlarms part 2 (addFleetAlarms): hosts and cost', () => {
  test('no healthy host: hosts in service all minute (min) but no healthy one at any time in it (max), 3 of 3 minutes', () => {
    const p = alarm(built.fleetAlarms.noHealthyHost);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching', AlarmActions: [topicRef],
    });
    const q = queries(p);
    expect(watched(p).Expression).toBe('IF(FILL(mi, 0) + FILL(fi, 0) >= 1, IF(FILL(h, 0) < 1, 1, 0), 0)');
    expect(q.mi.MetricStat).toEqual({ Metric: { Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceInstances', Dimensions: [{ Name: 'AutoScalingGroupName', Value: { Ref: idOf(built.fleet.autoScalingGroup) } }] }, Period: 60, Stat: 'Minimum' });
    expect(q.fi.MetricStat.Metric.Dimensions[0].Value).toEqual({ Ref: idOf(built.fallback.fallbackGroup) });
    expect(q.h.MetricStat).toMatchObject({ Metric: { MetricName: 'HealthyHostCount' }, Stat: 'Maximum', Period: 60 });
    const e = watched(p).Expression;
    // Scaled to zero at night, or booting from zero (no host in service yet): quiet. Hosts in service, none healthy: 1.
    expect(evaluate(e, { mi: 0, fi: undefined, h: undefined })).toBe(0);
    expect(evaluate(e, { mi: 2, fi: undefined, h: 2 })).toBe(0);
    expect(evaluate(e, { mi: 2, fi: undefined, h: 0 })).toBe(1);
    expect(evaluate(e, { mi: 0, fi: 1, h: undefined })).toBe(1);
  });

  test('cost per 1,000 requests over the ceiling: 5-minute points, 6 of 6 (30 minutes), guarded below 10 requests/min', () => {
    const p = alarm(built.fleetAlarms.costPer1kCeiling!);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 0.5, EvaluationPeriods: 6, DatapointsToAlarm: 6,
      TreatMissingData: 'notBreaching', AlarmActions: [topicRef],
    });
    const q = queries(p);
    expect(watched(p).Expression).toBe('IF(r >= 50, 1000 * cost / (12 * r), 0)');
    expect(q.cost.Expression).toBe('(c - IF(c > 1, (c - 1) * 1, 0)) * 0.805 + IF(c > 1, (c - 1) * 1, 0) * 0.32 + FILL(f, 0) * 0.805');
    // Every metric at the alarm's 5-minute period (the nested cost expression's too).
    expect(p.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.Id, m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period]))
      .toEqual([['r', 'RequestCount', 'Sum', 300], ['c', 'GroupInServiceInstances', 'Average', 300], ['f', 'GroupInServiceInstances', 'Average', 300]]);
  });

  test('cost per 1,000 requests in units: 3 hosts (1 on-demand, 2 spot) + 1 fallback = $2.25/h at 120 requests/min = $0.3125', () => {
    const p = alarm(built.fleetAlarms.costPer1kCeiling!);
    const cost = evaluate(queries(p).cost.Expression, { c: 3, f: 1 });
    expect(cost).toBeCloseTo(0.805 + 2 * 0.32 + 0.805, 10);
    // 120 requests/min = 600 per 5-minute point = 7,200 per hour.
    expect(evaluate(watched(p).Expression, { r: 600, cost })).toBeCloseTo(1000 * 2.25 / 7200, 10);
    // 9 requests/min (45 per point): noise, 0; no requests: 0, never a division by zero.
    expect(evaluate(watched(p).Expression, { r: 45, cost })).toBe(0);
    expect(evaluate(watched(p).Expression, { r: 0, cost })).toBe(0);
  });

  test('cost anomaly: above the upper band (3 standard deviations) of the same expression, 6 of 6 five-minute points', () => {
    const p = alarm(built.fleetAlarms.costPer1kAnomaly);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanUpperThreshold', EvaluationPeriods: 6, DatapointsToAlarm: 6,
      TreatMissingData: 'notBreaching', AlarmActions: [topicRef], ThresholdMetricId: 'expr_1',
    });
    expect(p.Threshold).toBeUndefined();
    const q = queries(p);
    expect(q.expr_1).toEqual({ Id: 'expr_1', Expression: 'ANOMALY_DETECTION_BAND(m0, 3)', Label: 'Anomaly Detection Band', ReturnData: true });
    expect(q.m0).toEqual({ Id: 'm0', Expression: 'IF(r >= 50, 1000 * cost / (12 * r), 0)', Label: 'USD per 1,000 requests', ReturnData: true });
    expect(q.r.MetricStat.Period).toBe(300);
  });

  test('every serving alarm is allowed to publish to the fleet topic (topic policy names it by ARN)', () => {
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics) === JSON.stringify([topicRef]))!;
    const grant = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'AllowThisStacksAlarmsToPublish');
    const arns = JSON.stringify(grant.Condition.ArnLike['aws:SourceArn']);
    for (const a of built.servingAlarms.alarms) expect(arns).toContain(JSON.stringify({ 'Fn::GetAtt': [idOf(a), 'Arn'] }));
    expect(built.servingAlarms.alarms).toHaveLength(5);
  });
});

/** The dashboard body as JSON, every CloudFormation token written as <token>. */
function dashboardBody(): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const dash = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
  const parts = dash.Properties.DashboardBody['Fn::Join'][1] as Array<string | object>;
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<token>')).join(''));
}

describe('ServingAlarms dashboard rows (FleetDashboard servingRows)', () => {
  const widgets = dashboardBody().widgets;
  const byTitle = (title: string) => {
    const w = widgets.find((x) => x.properties.title === title);
    if (!w) throw new Error(`no widget ${title}: ${widgets.map((x) => x.properties.title).join(' | ')}`);
    return w;
  };
  const expressions = (w: { properties: Record<string, any> }) => w.properties.metrics.flatMap((m: any[]) => m.filter((x) => x?.expression).map((x) => x.expression));

  test('row 1: requests per minute, p50/p90/p99 latency with the SLO line, 5xx rate with its SLO line, healthy and unhealthy hosts', () => {
    const requests = byTitle('Requests per minute');
    expect(requests.properties.metrics).toEqual([['AWS/ApplicationELB', 'RequestCount', 'LoadBalancer', '<token>/<token>/<token>', 'TargetGroup', '<token>', { label: 'Requests per minute', period: 60, stat: 'Sum' }]]);
    const latency = byTitle('Target response time (s)');
    expect(latency.properties.metrics.map((m: any[]) => m[m.length - 1])).toEqual(['p50', 'p90', 'p99'].map((p) => ({ label: p, period: 60, stat: p })));
    expect(latency.properties.annotations.horizontal).toEqual([{ value: 10, label: 'SLO p90 10s', yAxis: 'left' }]);
    const rate = byTitle('5xx rate (%)');
    expect(expressions(rate)).toEqual(['IF(FILL(h, 0) + FILL(u, 0) >= 1, IF(FILL(r, 0) + FILL(e, 0) >= 10, 100 * (FILL(t, 0) + FILL(e, 0)) / (FILL(r, 0) + FILL(e, 0)), 0), 0)']);
    expect(rate.properties.annotations.horizontal).toEqual([{ value: 1, label: 'SLO 1%', yAxis: 'left' }]);
    const hosts = byTitle('Hosts (target group)');
    expect(hosts.properties.metrics.map((m: any[]) => [m[1], m[m.length - 1].stat])).toEqual([['HealthyHostCount', 'Minimum'], ['UnHealthyHostCount', 'Maximum']]);
    // One row of four, under the capacity rows.
    expect(new Set([requests, latency, rate, hosts].map((w) => (w as any).y)).size).toBe(1);
  });

  test('row 2: cost per 1,000 requests per minute (the cost-per-hour expression / requests per hour, ceiling line) and the anomaly alarm', () => {
    const cost = byTitle('Cost per 1,000 requests (USD, estimated)');
    expect(expressions(cost)).toEqual([
      'IF(r >= 10, 1000 * cost / (60 * r), 0)',
      '(c - IF(c > 1, (c - 1) * 1, 0)) * 0.805 + IF(c > 1, (c - 1) * 1, 0) * 0.32 + FILL(f, 0) * 0.805',
    ]);
    expect(cost.properties.annotations.horizontal).toEqual([{ value: 0.5, label: 'Ceiling $0.5', yAxis: 'left' }]);
    expect(cost.properties.metrics.filter((m: any[]) => typeof m[0] === 'string').map((m: any[]) => m[m.length - 1].period)).toEqual([60, 60, 60]);
    const anomaly = byTitle('Cost per 1,000 requests vs its anomaly band (5 min)');
    expect(anomaly.properties.annotations.alarms).toEqual(['<token>']);
  });

  test('the serving alarms are in the dashboard\'s alarm states', () => {
    const states = widgets.find((w) => w.type === 'alarm')!;
    expect(states.properties.alarms).toHaveLength(5);
  });
});

describe('ServingAlarms: options and construction errors', () => {
  function endpointStack() {
    const stack = new Stack(new App(), 'Test', { env: { region: 'us-east-1', account: '123456789012' } });
    const { vpc } = new FleetNetwork(stack, 'Network', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const endpoint = new ServingEndpoint(stack, 'Endpoint', { vpc, port: 8000, drainTimeout: Duration.minutes(5) });
    const group = new autoscaling.AutoScalingGroup(stack, 'Group', {
      vpc, minCapacity: 0, maxCapacity: 2, instanceType: new ec2.InstanceType('g6.xlarge'), machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    const topic = new sns.Topic(stack, 'Topic');
    const costPerHour = fleetCostPerHour({ mainGroup: group, onDemandBaseCapacity: 0, hourlyPrices: { onDemandUsdPerInstance: 1, spotUsdPerInstance: 0.4 } });
    return { stack, endpoint, group, topic, costPerHour };
  }
  const make = (e: ReturnType<typeof endpointStack>, props: Partial<ServingAlarmsProps> = {}) =>
    new ServingAlarms(e.stack, 'ServingAlarms', { endpoint: e.endpoint, slo: { latency: Duration.seconds(8) }, ...props });
  const lines = (...problems: string[]) => `ServingAlarms Test/ServingAlarms props are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  test('defaults: p90, 1 % 5xx, 10 requests/min; another percentile and guard are used everywhere', () => {
    const e = endpointStack();
    const a = make(e, { slo: { latencyPercentile: 'p99', latency: Duration.millis(2500), max5xxPercent: 0.5 }, minRequestsPerMinute: 30, topic: e.topic });
    a.addFleetAlarms({ mainGroup: e.group, costPerHour: e.costPerHour, costAnomalyStdDevs: 2 });
    const r = Template.fromStack(e.stack).toJSON().Resources as Resources;
    const props = (c: any) => r[e.stack.getLogicalId(c.node.defaultChild)].Properties;
    expect(props(a.latencyAlarm).Threshold).toBe(2.5);
    expect(queries(props(a.latencyAlarm)).l.MetricStat.Stat).toBe('p99');
    expect(watched(props(a.latencyAlarm)).Expression).toBe('IF(FILL(r, 0) >= 30, FILL(l, 0), 0)');
    expect(props(a.fiveXxRateAlarm).Threshold).toBe(0.5);
    expect(watched(props(a.fiveXxRateAlarm)).Expression).toMatch(/^IF\(FILL\(h, 0\) \+ FILL\(u, 0\) >= 1, IF\(FILL\(r, 0\) \+ FILL\(e, 0\) >= 30, /);
    const anomaly = a.alarms[a.alarms.length - 1] as cloudwatch.Alarm;
    expect(queries(props(anomaly))).toMatchObject({ expr_1: { Expression: 'ANOMALY_DETECTION_BAND(m0, 2)' }, m0: { Expression: 'IF(r >= 150, 1000 * cost / (12 * r), 0)' } });
    // Without a ceiling: no ceiling alarm; without a fallback: the main group's hosts only.
    expect(a.alarms).toHaveLength(4);
    const noHost = props(a.alarms[2] as cloudwatch.Alarm);
    expect(watched(noHost).Expression).toBe('IF(FILL(mi, 0) >= 1, IF(FILL(h, 0) < 1, 1, 0), 0)');
    for (const x of a.alarms) expect(props(x).AlarmActions).toEqual([{ Ref: e.stack.getLogicalId(e.topic.node.defaultChild as any) }]);
    // The latency line of the dashboard follows the SLO percentile and the p50/p90/p99 set gains it when missing.
    const g = endpointStack();
    const b = make(g, { slo: { latencyPercentile: 'p95', latency: Duration.seconds(3) } });
    const latencyWidget = b.dashboardRows()[0][1] as cloudwatch.GraphWidget;
    const rendered = g.stack.resolve(latencyWidget.toJson())[0];
    expect(rendered.properties.metrics.map((m: any[]) => m[m.length - 1].label)).toEqual(['p50', 'p90', 'p99', 'p95']);
    expect(b.dashboardRows()).toHaveLength(1);
  });

  test('cost floor: both cost alarms read 0 below costAlarmMinRequestsPerMinute, never below minRequestsPerMinute; the dashboard keeps 10', () => {
    const e = endpointStack();
    const a = make(e, { topic: e.topic });
    const alarms = a.addFleetAlarms({ mainGroup: e.group, costPerHour: e.costPerHour, costPer1kRequestsCeilingUsd: 0.4, costAlarmMinRequestsPerMinute: 86 });
    const r = Template.fromStack(e.stack).toJSON().Resources as Resources;
    const props = (c: any) => r[e.stack.getLogicalId(c.node.defaultChild)].Properties;
    // 86 requests/min = 430 per 5-minute point.
    expect(watched(props(alarms.costPer1kCeiling!)).Expression).toBe('IF(r >= 430, 1000 * cost / (12 * r), 0)');
    expect(queries(props(alarms.costPer1kAnomaly)).m0.Expression).toBe('IF(r >= 430, 1000 * cost / (12 * r), 0)');
    expect(props(alarms.costPer1kCeiling!).AlarmDescription).toContain('for 30 minutes (at 86+ requests/min)');
    // $2/h (the minimum fleet) at 50 requests/min is $0.67 per 1,000, above the ceiling: the minimum cannot shrink, 0.
    const e5m = watched(props(alarms.costPer1kCeiling!)).Expression;
    expect(evaluate(e5m, { r: 250, cost: 2 })).toBe(0);
    expect(evaluate(e5m, { r: 500, cost: 3 })).toBeCloseTo(0.5, 10);
    const costRow = e.stack.resolve((a.dashboardRows()[1][0] as cloudwatch.GraphWidget).toJson())[0];
    expect(JSON.stringify(costRow)).toContain('IF(r >= 10, 1000 * cost / (60 * r), 0)');
    // A floor under minRequestsPerMinute does not lower it.
    const g = endpointStack();
    const b = make(g, { topic: g.topic, minRequestsPerMinute: 20 });
    const low = b.addFleetAlarms({ mainGroup: g.group, costPerHour: g.costPerHour, costPer1kRequestsCeilingUsd: 1, costAlarmMinRequestsPerMinute: 5 });
    const rb = Template.fromStack(g.stack).toJSON().Resources as Resources;
    expect(watched(rb[g.stack.getLogicalId(low.costPer1kCeiling!.node.defaultChild as any)].Properties).Expression).toBe('IF(r >= 100, 1000 * cost / (12 * r), 0)');
  });

  test('part 1 alone notifies nobody until a topic comes (constructor or addFleetAlarms)', () => {
    const e = endpointStack();
    const a = make(e);
    const actions = () => e.stack.resolve((a.fiveXxRateAlarm.node.defaultChild as cloudwatch.CfnAlarm).alarmActions);
    expect(actions()).toBeUndefined();
    const r = () => Template.fromStack(e.stack).toJSON().Resources as Resources;
    a.addFleetAlarms({ topic: e.topic, mainGroup: e.group, costPerHour: e.costPerHour });
    expect(r()[e.stack.getLogicalId(a.fiveXxRateAlarm.node.defaultChild as any)].Properties.AlarmActions).toEqual([{ Ref: e.stack.getLogicalId(e.topic.node.defaultChild as any) }]);
  });

  test.each<[string, Partial<ServingAlarmsProps>, string[]]>([
    ['bad percentile and SLO', { slo: { latencyPercentile: 'P90', latency: Duration.seconds(0) } }, [
      'slo.latencyPercentile ("P90") must be a CloudWatch percentile above p0 and below p100, e.g. "p90" or "p99.9"',
      'slo.latency (0s) must be more than 0 and at most 4000 seconds (the longest ALB idle timeout)',
    ]],
    ['5xx share 0', { slo: { latency: Duration.seconds(5), max5xxPercent: 0 } }, ['slo.max5xxPercent (0) must be more than 0 and at most 100']],
    ['5xx share over 100', { slo: { latency: Duration.seconds(5), max5xxPercent: 101 } }, ['slo.max5xxPercent (101) must be more than 0 and at most 100']],
    ['minimum requests 0.5', { minRequestsPerMinute: 0.5 }, ['minRequestsPerMinute (0.5) must be a whole number >= 1']],
  ])('constructor: %s', (_name, props, problems) => {
    expect(message(() => make(endpointStack(), props))).toBe(lines(...problems));
  });

  test('addFleetAlarms: no topic, a bad ceiling and band, a second call, a second topic', () => {
    const e = endpointStack();
    const a = make(e);
    const fleet: ServingFleetAlarmsProps = { mainGroup: e.group, costPerHour: e.costPerHour };
    expect(message(() => a.addFleetAlarms({ ...fleet, costPer1kRequestsCeilingUsd: 0, costAnomalyStdDevs: -1, costAlarmMinRequestsPerMinute: -1 }))).toBe(lines(
      'topic (missing) must be given to the constructor or to addFleetAlarms: the alarms would notify nobody',
      'costPer1kRequestsCeilingUsd (0) must be USD > 0 per 1,000 requests',
      'costAnomalyStdDevs (-1) must be more than 0',
      'costAlarmMinRequestsPerMinute (-1) must be requests per minute >= 0',
    ));
    expect(message(() => a.addFleetAlarms({ ...fleet, topic: e.topic, costAlarmMinRequestsPerMinute: Number.NaN })))
      .toBe(lines('costAlarmMinRequestsPerMinute (NaN) must be requests per minute >= 0'));
    a.addFleetAlarms({ ...fleet, topic: e.topic });
    expect(message(() => a.addFleetAlarms({ ...fleet, topic: e.topic }))).toBe(lines('addFleetAlarms was already called: the fleet alarms exist'));
    const f = endpointStack();
    const b = make(f, { topic: f.topic });
    expect(message(() => b.addFleetAlarms({ ...fleet, mainGroup: f.group, costPerHour: f.costPerHour, topic: new sns.Topic(f.stack, 'Other') })))
      .toBe(lines('topic (a second topic) must be the one given first: every alarm notifies one topic'));
  });
});
