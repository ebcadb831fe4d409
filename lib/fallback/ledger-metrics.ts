import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { SpotPool } from '../pricing/types';

import {
  EVENT_TYPES,
  FALLBACK_SERVICE,
  FLEET_METRIC_NAMESPACE,
  HANDLER_METRICS,
  HANDLER_SERVICE,
} from '../shared/metric-names';

export * from '../shared/metric-names';

/** The handler's per-pool series of `metricName` for one event type. */
export function poolMetric(
  fleet: string,
  metricName: string,
  eventType: string,
  pool: SpotPool,
  options: { readonly period: Duration; readonly statistic?: string },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: FLEET_METRIC_NAMESPACE,
    metricName,
    dimensionsMap: {
      service: HANDLER_SERVICE,
      Fleet: fleet,
      EventType: eventType,
      InstanceType: pool.instanceType,
      AvailabilityZone: pool.availabilityZone,
    },
    statistic: options.statistic ?? cloudwatch.Stats.SUM,
    period: options.period,
  });
}

/** The handler's capacity launch failures of one market in one AZ, whatever the type (which spot failures never name). */
export function zoneCapacityFailures(fleet: string, availabilityZone: string, market: 'spot' | 'on-demand', period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: FLEET_METRIC_NAMESPACE,
    metricName: HANDLER_METRICS.capacityLaunchFailures,
    dimensionsMap: { service: HANDLER_SERVICE, Fleet: fleet, EventType: EVENT_TYPES.launchUnsuccessful, AvailabilityZone: availabilityZone, Market: market },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}

/** A fleet-level series of the fallback controller (default dimensions only). */
export function fallbackMetric(fleet: string, metricName: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: FLEET_METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: FALLBACK_SERVICE, Fleet: fleet },
    statistic,
    period,
  });
}
