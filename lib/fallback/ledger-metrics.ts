import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { SpotPool } from '../pricing/types';

import {
  FALLBACK_SERVICE,
  FLEET_METRIC_NAMESPACE,
  HANDLER_SERVICE,
} from '../shared/metric-names';

export * from '../shared/metric-names';

/** The handler's per-pool series of `metricName` for one event type (and error code, for launch failures). */
export function poolMetric(
  fleet: string,
  metricName: string,
  eventType: string,
  pool: SpotPool,
  options: { readonly period: Duration; readonly statistic?: string; readonly errorCode?: string },
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
      ...(options.errorCode ? { ErrorCode: options.errorCode } : {}),
    },
    statistic: options.statistic ?? cloudwatch.Stats.SUM,
    period: options.period,
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
