import { App, Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import { CostMetricError, DashboardConfigError, FleetDashboard, FleetDashboardProps, fleetCostPerHour } from '../../lib/dashboard';
import { formatFindings, nagApp, nagFindings } from '../support/nag';
import { FLEET_TAG, fleetStack } from '../fallback/support/fleet-stack';

const PRICES = { onDemandUsdPerInstance: 0.8048, spotUsdPerInstance: 0.3412 };

function build(extra: Partial<FleetDashboardProps> = {}, app = new App(), full = true) {
  const f = fleetStack(app);
  const fallbackGroup = new autoscaling.AutoScalingGroup(f.stack, 'FallbackGroup', {
    vpc: f.vpc,
    minCapacity: 0,
    maxCapacity: 4,
    mixedInstancesPolicy: { launchTemplate: f.launchTemplate, launchTemplateOverrides: [{ instanceType: new ec2.InstanceType('g6.xlarge') }] },
  });
  const controller = new lambda.Function(f.stack, 'Controller', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
  const dlq = new sqs.Queue(f.stack, 'Dlq', { enforceSSL: true });
  const budgetAlarm = new cloudwatch.Alarm(f.stack, 'BudgetBurn', {
    metric: new cloudwatch.Metric({ namespace: 'AWS/Billing', metricName: 'EstimatedCharges', statistic: 'Maximum', period: Duration.hours(6) }),
    threshold: 100,
    evaluationPeriods: 1,
  });
  const dashboard = new FleetDashboard(f.stack, 'Dashboard', {
    fleetTag: FLEET_TAG,
    mainGroup: f.group,
    onDemandBaseCapacity: 1,
    hourlyPrices: PRICES,
    ...(full ? { fallbackGroup, fallbackController: controller, deadLetterQueue: dlq, budgetAlarm, alarms: [budgetAlarm] } : {}),
    ...extra,
  });
  return { ...f, dashboard, fallbackGroup, controller, dlq, budgetAlarm };
}

/** The dashboard body as JSON, with every `Ref` written `${Ref:LogicalId}` and every GetAtt `${Att:Id.Attr}`. */
function body(t: Template): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const [dash] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  const parts = dash.Properties.DashboardBody['Fn::Join'][1] as Array<string | Record<string, unknown>>;
  const text = parts.map((p) => {
    if (typeof p === 'string') return p;
    if ('Ref' in p) return `\${Ref:${p.Ref}}`;
    if ('Fn::GetAtt' in p) return `\${Att:${(p['Fn::GetAtt'] as string[]).join('.')}}`;
    throw new Error(`unexpected token ${JSON.stringify(p)}`);
  }).join('');
  return JSON.parse(text);
}

const built = build();
const template = Template.fromStack(built.stack);
const widgets = body(template).widgets;
const graphs = widgets.filter((w) => w.type === 'metric');
const byTitle = (title: string) => {
  const w = graphs.find((g) => String(g.properties.title).startsWith(title));
  if (!w) throw new Error(`no widget titled ${title}; have: ${graphs.map((g) => g.properties.title).join(' | ')}`);
  return w.properties;
};

describe('FleetDashboard', () => {
  test('one dashboard, without a physical name', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dash] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dash.Properties).not.toHaveProperty('DashboardName');
    expect(body(template)).toMatchObject({ start: '-PT6H' });
  });

  test('opens with the fleet header and the alarm states', () => {
    expect(widgets[0]).toMatchObject({ type: 'text', properties: { markdown: '# GPU fleet GpuFleet-test' } });
    const status = widgets.find((w) => w.type === 'alarm');
    expect(status?.properties).toMatchObject({ title: 'Alarms', alarms: [expect.stringMatching(/^\$\{Att:BudgetBurn[0-9A-F]{8}\.Arn\}$/)] });
  });

  test('capacity by market splits the main group at the on-demand base and adds the fallback group', () => {
    const p = byTitle('Capacity by market');
    expect(p.stacked).toBe(true);
    expect(p.metrics).toEqual([
      [{ expression: 'c - IF(c > 1, (c - 1) * 1, 0)', label: 'On-demand (base and above)', period: 60 }],
      ['AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', expect.stringMatching(/^\$\{Ref:GroupASG/), { visible: false, id: 'c', period: 60 }],
      [{ expression: 'IF(c > 1, (c - 1) * 1, 0)', label: 'Spot', period: 60 }],
      ['AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', expect.stringMatching(/^\$\{Ref:FallbackGroupASG/), { label: 'Fallback on-demand', period: 60 }],
    ]);
  });

  test('estimated cost per hour multiplies running capacity by the report prices', () => {
    const p = byTitle('Estimated cost per hour now');
    expect(p.metrics[0]).toEqual([{
      expression: '(c - IF(c > 1, (c - 1) * 1, 0)) * 0.8048 + IF(c > 1, (c - 1) * 1, 0) * 0.3412 + FILL(f, 0) * 0.8048',
      label: 'Estimated USD per hour',
      period: 60,
    }]);
    expect(built.dashboard.costPerHour.expression).toBe(p.metrics[0][0].expression);
  });

  test('a separate fallback price and on-demand share above the base change the math', () => {
    const t = Template.fromStack(build({ onDemandPercentageAboveBase: 25, hourlyPrices: { ...PRICES, fallbackOnDemandUsdPerInstance: 1.1 } }).stack);
    const cost = body(t).widgets.find((w) => String(w.properties.title).startsWith('Estimated cost'))!;
    expect(cost.properties.metrics[0][0].expression).toBe('(c - IF(c > 1, (c - 1) * 0.75, 0)) * 0.8048 + IF(c > 1, (c - 1) * 0.75, 0) * 0.3412 + FILL(f, 0) * 1.1');
  });

  test('fallback state shows engaged, desired, in service and the shortfall from the controller metrics', () => {
    const p = byTitle('Fallback state');
    const names = p.metrics.map((m: unknown[]) => m.slice(0, 6));
    expect(names).toEqual(['FallbackEngaged', 'FallbackDesiredInstances', 'FallbackInServiceInstances', 'MainGroupShortfallCapacity']
      .map((n) => ['GpuSpotFleet', n, 'Fleet', 'GpuFleet-test', 'service', 'fallback-controller']));
    expect(byTitle('Fallback decisions by action').metrics[0][0].expression).toBe(
      'SEARCH(\'{"GpuSpotFleet","service","Fleet","Action"} "service"="fallback-controller" "Fleet"="GpuFleet-test" MetricName="FallbackDecisions" NOT Action="hold"\', \'Sum\', 300)',
    );
  });

  test.each([
    ['Interruption warnings by pool', 'Interruptions', 'EC2 Spot Instance Interruption Warning', 'Sum', ''],
    ['Rebalance recommendations by pool', 'RebalanceRecommendations', 'EC2 Instance Rebalance Recommendation', 'Sum', ''],
    ['Launch failures naming a type, by pool and error code', 'LaunchFailures', 'EC2 Instance Launch Unsuccessful', 'Sum', ',"ErrorCode"'],
    ['Mean time from launch to interruption', 'TimeToInterruptionSeconds', 'EC2 Spot Instance Interruption Warning', 'Average', ''],
    ['Drain duration by pool', 'DrainDurationSeconds', 'EC2 Instance-terminate Lifecycle Action', 'Maximum', ''],
  ])('%s searches the handler metric %s per pool', (title, metric, eventType, stat, extra) => {
    expect(byTitle(title).metrics[0][0].expression).toBe(
      `SEARCH('{"GpuSpotFleet","service","Fleet","EventType","InstanceType","AvailabilityZone"${extra}} ` +
      `"service"="interruption-handler" "Fleet"="GpuFleet-test" "EventType"="${eventType}" MetricName="${metric}"', '${stat}', 300)`,
    );
  });

  test.each([
    ['Launch failures by AZ and error code', 'LaunchFailures', 'ErrorCode'],
    ['Capacity launch failures by AZ and market (spot capacity short)', 'CapacityLaunchFailures', 'Market'],
  ])('%s searches the handler metric %s per AZ (spot shortages name no type, issue 9 defect 7)', (title, metric, dim) => {
    expect(byTitle(title).metrics[0][0].expression).toBe(
      `SEARCH('{"GpuSpotFleet","service","Fleet","EventType","AvailabilityZone","${dim}"} ` +
      `"service"="interruption-handler" "Fleet"="GpuFleet-test" "EventType"="EC2 Instance Launch Unsuccessful" MetricName="${metric}"', 'Sum', 300)`,
    );
  });

  test('budget burn is the budget alarm, DLQ depth and the controller come from the library segments', () => {
    const budget = widgets.find((w) => w.properties.title === 'Budget burn');
    expect(budget?.properties.annotations).toEqual({ alarms: [expect.stringMatching(/^\$\{Att:BudgetBurn[0-9A-F]{8}\.Arn\}$/)] });
    const text = (g: { properties: unknown }) => JSON.stringify(g.properties);
    const dlqWidgets = graphs.filter((g) => text(g).includes('${Att:Dlq'));
    expect(dlqWidgets.some((g) => text(g).includes('"AWS/SQS","ApproximateNumberOfMessagesVisible"'))).toBe(true);
    expect(graphs.some((g) => text(g).includes('"AWS/Lambda"') && text(g).includes('${Ref:Controller'))).toBe(true);
  });

  test('creates no alarms of its own (alarms are the ledger\'s, the handler\'s and the fallback\'s)', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1); // the test's budget alarm
  });

  test('without the optional parts it shows capacity, cost and pools only', () => {
    const t = Template.fromStack(build({}, new App(), false).stack);
    const titles = body(t).widgets.filter((w) => w.type === 'metric').map((w) => String(w.properties.title));
    expect(titles.some((x) => x.startsWith('Fallback'))).toBe(false);
    expect(titles.some((x) => x.startsWith('Budget'))).toBe(false);
    const cost = body(t).widgets.find((w) => String(w.properties.title).startsWith('Estimated cost'))!;
    expect(cost.properties.metrics[0][0].expression).toBe('(c - IF(c > 1, (c - 1) * 1, 0)) * 0.8048 + IF(c > 1, (c - 1) * 1, 0) * 0.3412');
  });

  test('validation refuses placeholder prices and impossible splits, naming each', () => {
    expect(() => build({ onDemandBaseCapacity: -1, onDemandPercentageAboveBase: 120, hourlyPrices: { onDemandUsdPerInstance: 0, spotUsdPerInstance: NaN } })).toThrow(
      new DashboardConfigError(
        'FleetDashboard GpuFleet-test/Dashboard: onDemandBaseCapacity (-1) must be a whole number >= 0; onDemandPercentageAboveBase (120) must be from 0 to 100; ' +
        "hourlyPrices.onDemandUsdPerInstance (0) must be a price > 0 in USD per instance-hour; pass the cost report's figure, not a placeholder; " +
        "hourlyPrices.spotUsdPerInstance (NaN) must be a price > 0 in USD per instance-hour; pass the cost report's figure, not a placeholder; " +
        "hourlyPrices.fallbackOnDemandUsdPerInstance (0) must be a price > 0 in USD per instance-hour; pass the cost report's figure, not a placeholder",
      ),
    );
  });

  test('cdk-nag finds nothing under the construct', () => {
    const app = nagApp();
    build({}, app);
    expect(formatFindings(nagFindings(app).filter((f) => f.path.includes('/Dashboard/')))).toEqual([]);
  });
});

describe('FleetDashboard: serving rows and the shared cost expression', () => {
  test('servingRows: each row becomes one dashboard row, right after capacity and cost', () => {
    const rowOf = (title: string, width: number) => new cloudwatch.TextWidget({ markdown: title, width, height: 2 });
    const t = Template.fromStack(build({ servingRows: [[rowOf('A', 12), rowOf('B', 12)], [], [rowOf('C', 24)]] }).stack);
    const all = body(t).widgets;
    const texts = all.filter((w) => w.type === 'text' && ['A', 'B', 'C'].includes(w.properties.markdown));
    expect(texts.map((w: any) => [w.properties.markdown, w.x, w.width])).toEqual([['A', 0, 12], ['B', 12, 12], ['C', 0, 24]]);
    expect((texts[0] as any).y).toBe((texts[1] as any).y);
    expect((texts[2] as any).y).toBeGreaterThan((texts[0] as any).y);
    const costY = (all.find((w) => String(w.properties.title).startsWith('Estimated cost')) as any).y;
    const fallbackY = (all.find((w) => String(w.properties.title).startsWith('Fallback state')) as any).y;
    expect((texts[0] as any).y).toBeGreaterThan(costY);
    expect((texts[2] as any).y).toBeLessThan(fallbackY);
  });

  test('fleetCostPerHour is the dashboard\'s expression, reusable before the dashboard exists, and validates the same way', () => {
    const e = fleetCostPerHour({ mainGroup: built.group, fallbackGroup: built.fallbackGroup, onDemandBaseCapacity: 1, hourlyPrices: PRICES });
    expect(e.expression).toBe(built.dashboard.costPerHour.expression);
    expect(Object.keys(e.usingMetrics)).toEqual(['c', 'f']);
    expect(e.period.toSeconds()).toBe(60);
    expect(() => fleetCostPerHour({ mainGroup: built.group, onDemandBaseCapacity: 0.5, hourlyPrices: { onDemandUsdPerInstance: 1, spotUsdPerInstance: -1 } }))
      .toThrow(new CostMetricError('fleetCostPerHour: onDemandBaseCapacity (0.5) must be a whole number >= 0; ' +
        "hourlyPrices.spotUsdPerInstance (-1) must be a price > 0 in USD per instance-hour; pass the cost report's figure, not a placeholder"));
  });
});
