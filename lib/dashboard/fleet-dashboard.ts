import { Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  DefaultDashboards,
  GraphWidgetType,
  IDynamicDashboardFactory,
  IDynamicDashboardSegment,
  MetricStatistic,
  MonitoringFacade,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { fallbackMetric } from '../fallback/ledger-metrics';
import { costPerHourProblems, FleetHourlyPrices, fleetCostPerHour, inServiceInstances, spotInstancesExpression } from './cost-metric';
import { GpuFleetError } from '../shared/errors';
import {
  EVENT_TYPES,
  FALLBACK_METRICS,
  FALLBACK_SERVICE,
  FLEET_METRIC_NAMESPACE,
  HANDLER_METRICS,
  HANDLER_SERVICE,
} from '../shared/metric-names';

export type { FleetHourlyPrices } from './cost-metric';

export interface FleetDashboardProps {
  /** The fleet tag; its value is the `Fleet` dimension of the fleet's own metrics. */
  readonly fleetTag: { readonly key: string; readonly value: string };

  /** The fleet's main (mixed on-demand/spot) group; it must collect group metrics (GpuFleet does). */
  readonly mainGroup: autoscaling.IAutoScalingGroup;

  /** The main group's on-demand base, to split its in-service instances into on-demand and spot. */
  readonly onDemandBaseCapacity: number;

  /**
   * Share of the capacity above the base that is on-demand, 0-100.
   * @default 0
   */
  readonly onDemandPercentageAboveBase?: number;

  /** Prices for the estimated cost per hour. */
  readonly hourlyPrices: FleetHourlyPrices;

  /**
   * The on-demand fallback group (OnDemandFallback.fallbackGroup).
   * @default - no fallback capacity or state is shown
   */
  readonly fallbackGroup?: autoscaling.IAutoScalingGroup;

  /**
   * The fallback controller, for its errors and runs.
   * @default - not shown
   */
  readonly fallbackController?: lambda.IFunction;

  /**
   * The budget burn alarm (BudgetGuard).
   * @default - no budget widget
   */
  readonly budgetAlarm?: cloudwatch.IAlarm;

  /**
   * The interruption handler's dead-letter queue.
   * @default - no DLQ widget
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * Alarms whose state the dashboard shows at the top (ledger, handler, fallback, budget).
   * @default - none
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];

  /**
   * Rows of widgets about the serving endpoint (`ServingAlarms.dashboardRows()`: requests, latency, 5xx, hosts, cost
   * per 1,000 requests), shown after capacity and cost.
   * @default - none
   */
  readonly servingRows?: ReadonlyArray<readonly cloudwatch.IWidget[]>;

  /**
   * Time range the dashboard opens with.
   * @default Duration.hours(6)
   */
  readonly defaultInterval?: Duration;
}

/** A configuration problem of the dashboard; the message lists every problem. */
export class DashboardConfigError extends GpuFleetError {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardConfigError';
  }
}

/**
 * The dashboard factory for cdk-monitoring-constructs' facade: one dashboard, without a physical name (the
 * library's own factories always name theirs), showing the segments' detail widgets, one row per segment.
 */
export class SingleDashboardFactory implements IDynamicDashboardFactory {
  constructor(readonly dashboard: cloudwatch.Dashboard) {}

  addDynamicSegment(segment: IDynamicDashboardSegment): void {
    const widgets = segment.widgetsForDashboard(DefaultDashboards.DETAIL);
    if (widgets.length) this.dashboard.addWidgets(...widgets);
  }

  getDashboard(type: string): cloudwatch.Dashboard | undefined {
    return type === DefaultDashboards.DETAIL ? this.dashboard : undefined;
  }
}

/**
 * The fleet dashboard an on-call engineer opens first: alarm states, capacity by market, estimated cost per hour
 * now, fallback state, interruptions / rebalances / launch failures by pool, drain durations, budget burn and
 * DLQ depth. Built with cdk-monitoring-constructs (facade, custom metric groups, SQS and Lambda monitoring).
 */
export class FleetDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Estimated USD per hour of the running fleet, for reuse in alarms. */
  readonly costPerHour: cloudwatch.MathExpression;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const pct = props.onDemandPercentageAboveBase ?? 0;
    const prices = {
      onDemand: props.hourlyPrices.onDemandUsdPerInstance,
      spot: props.hourlyPrices.spotUsdPerInstance,
      fallback: props.hourlyPrices.fallbackOnDemandUsdPerInstance ?? props.hourlyPrices.onDemandUsdPerInstance,
    };
    const problems = costPerHourProblems(props);
    if (problems.length) throw new DashboardConfigError(`FleetDashboard ${this.node.path}: ${problems.join('; ')}`);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: props.defaultInterval ?? Duration.hours(6),
    });
    const facade = new MonitoringFacade(this, 'Monitoring', { dashboardFactory: new SingleDashboardFactory(this.dashboard) });
    const fleet = props.fleetTag.value;
    const minute = Duration.minutes(1);

    // --- Capacity by market and cost now -------------------------------------------------------------------
    const main = inServiceInstances(props.mainGroup);
    const base = props.onDemandBaseCapacity;
    const spotExpr = spotInstancesExpression(base, pct);
    const capacity: Record<string, cloudwatch.IMetric> = { c: main };
    const spot = new cloudwatch.MathExpression({ expression: spotExpr, usingMetrics: capacity, label: 'Spot', period: minute });
    const onDemand = new cloudwatch.MathExpression({ expression: `c - ${spotExpr}`, usingMetrics: capacity, label: 'On-demand (base and above)', period: minute });
    const fallbackInService = props.fallbackGroup ? inServiceInstances(props.fallbackGroup).with({ label: 'Fallback on-demand' }) : undefined;
    this.costPerHour = fleetCostPerHour(props);
    const desired = new cloudwatch.Metric({
      namespace: 'AWS/AutoScaling',
      metricName: 'GroupDesiredCapacity',
      dimensionsMap: { AutoScalingGroupName: props.mainGroup.autoScalingGroupName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: minute,
      label: 'Main group desired (capacity units)',
    });

    facade.addLargeHeader(`GPU fleet ${fleet}`);
    if (props.alarms?.length) {
      facade.addWidget(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }));
    }
    facade.monitorCustom({
      alarmFriendlyName: `${fleet}-capacity`,
      humanReadableName: 'Capacity and cost now',
      description:
        `Estimated cost uses the cost report's prices: on-demand $${prices.onDemand}/h, spot $${prices.spot}/h, fallback $${prices.fallback}/h per instance. ` +
        `On-demand vs spot is derived from the on-demand base (${base}) and ${pct}% on-demand above it.`,
      metricGroups: [
        {
          title: 'Capacity by market (instances in service)',
          graphWidgetType: GraphWidgetType.STACKED_AREA,
          metrics: [onDemand, spot, ...(fallbackInService ? [fallbackInService] : [])],
        },
        { title: 'Main group desired vs in service', metrics: [desired, main.with({ label: 'Main group in service (instances)' })] },
        { title: 'Estimated cost per hour now (USD)', metrics: [this.costPerHour] },
      ],
    });

    // --- Serving endpoint -----------------------------------------------------------------------------------
    for (const row of props.servingRows ?? []) {
      if (row.length) facade.addWidget(new cloudwatch.Row(...row));
    }

    // --- Fallback -------------------------------------------------------------------------------------------
    if (props.fallbackGroup) {
      facade.monitorCustom({
        alarmFriendlyName: `${fleet}-fallback`,
        humanReadableName: 'On-demand fallback',
        metricGroups: [
          {
            title: 'Fallback state',
            metrics: [
              fallbackMetric(fleet, FALLBACK_METRICS.engaged, cloudwatch.Stats.MAXIMUM).with({ label: 'Engaged (1 = yes)' }),
              fallbackMetric(fleet, FALLBACK_METRICS.desiredInstances, cloudwatch.Stats.MAXIMUM).with({ label: 'Fallback desired' }),
              fallbackMetric(fleet, FALLBACK_METRICS.inServiceInstances, cloudwatch.Stats.MAXIMUM).with({ label: 'Fallback in service' }),
              fallbackMetric(fleet, FALLBACK_METRICS.shortfallCapacity, cloudwatch.Stats.MAXIMUM).with({ label: 'Main group shortfall' }),
            ],
          },
          {
            title: 'Fallback decisions by action',
            metrics: [{
              searchQuery: `MetricName="${FALLBACK_METRICS.decisions}" NOT Action="hold"`,
              dimensionsMap: { service: FALLBACK_SERVICE, Fleet: fleet, Action: undefined as unknown as string },
              namespace: FLEET_METRIC_NAMESPACE,
              statistic: MetricStatistic.SUM,
              period: Duration.minutes(5),
            }],
          },
        ],
      });
    }
    if (props.fallbackController) {
      facade.monitorLambdaFunction({ lambdaFunction: props.fallbackController, humanReadableName: 'Fallback controller', alarmFriendlyName: `${fleet}-fallback-controller` });
    }

    // --- Pools ----------------------------------------------------------------------------------------------
    const byPool = (metricName: string, eventType: string, statistic: MetricStatistic, extraDims: string[] = []) => ({
      searchQuery: `MetricName="${metricName}"`,
      dimensionsMap: {
        service: HANDLER_SERVICE,
        Fleet: fleet,
        EventType: eventType,
        InstanceType: undefined as unknown as string,
        AvailabilityZone: undefined as unknown as string,
        ...Object.fromEntries(extraDims.map((d) => [d, undefined as unknown as string])),
      },
      namespace: FLEET_METRIC_NAMESPACE,
      statistic,
      period: Duration.minutes(5),
    });
    // Spot shortages of a mixed-instances group name no type, so launch failures are shown per AZ.
    const byZone = (metricName: string, extraDim: string) => ({
      searchQuery: `MetricName="${metricName}"`,
      dimensionsMap: {
        service: HANDLER_SERVICE,
        Fleet: fleet,
        EventType: EVENT_TYPES.launchUnsuccessful,
        AvailabilityZone: undefined as unknown as string,
        [extraDim]: undefined as unknown as string,
      },
      namespace: FLEET_METRIC_NAMESPACE,
      statistic: MetricStatistic.SUM,
      period: Duration.minutes(5),
    });
    facade.monitorCustom({
      alarmFriendlyName: `${fleet}-pools`,
      humanReadableName: 'Spot pools (instance type x AZ)',
      metricGroups: [
        { title: 'Interruption warnings by pool', metrics: [byPool(HANDLER_METRICS.interruptions, EVENT_TYPES.spotInterruption, MetricStatistic.SUM)] },
        { title: 'Rebalance recommendations by pool', metrics: [byPool(HANDLER_METRICS.rebalanceRecommendations, EVENT_TYPES.rebalance, MetricStatistic.SUM)] },
        { title: 'Launch failures by AZ and error code', metrics: [byZone(HANDLER_METRICS.launchFailures, 'ErrorCode')] },
        { title: 'Capacity launch failures by AZ and market (spot capacity short)', metrics: [byZone(HANDLER_METRICS.capacityLaunchFailures, 'Market')] },
        { title: 'Launch failures naming a type, by pool and error code', metrics: [byPool(HANDLER_METRICS.launchFailures, EVENT_TYPES.launchUnsuccessful, MetricStatistic.SUM, ['ErrorCode'])] },
        { title: 'Mean time from launch to interruption (s)', metrics: [byPool(HANDLER_METRICS.timeToInterruptionSeconds, EVENT_TYPES.spotInterruption, MetricStatistic.AVERAGE)] },
        { title: 'Drain duration by pool (s, max)', metrics: [byPool(HANDLER_METRICS.drainDurationSeconds, EVENT_TYPES.terminateLifecycle, MetricStatistic.MAX)] },
      ],
    });

    // --- Budget and DLQ -------------------------------------------------------------------------------------
    if (props.budgetAlarm) {
      facade.addWidget(new cloudwatch.AlarmWidget({ title: 'Budget burn', alarm: props.budgetAlarm, width: 12, height: 6 }));
    }
    if (props.deadLetterQueue) {
      facade.monitorSqsQueue({ queue: props.deadLetterQueue, humanReadableName: 'Interruption dead-letter queue', alarmFriendlyName: `${fleet}-dlq` });
    }
  }
}
