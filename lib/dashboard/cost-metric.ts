import { Duration, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { GpuFleetError } from '../shared/errors';

/** Hourly prices the cost-now estimate multiplies running capacity by (from the cost report). */
export interface FleetHourlyPrices {
  /** On-demand USD per instance-hour of the base (the report's `hourly.onDemandBaseUsdPerInstance`). */
  readonly onDemandUsdPerInstance: number;
  /** Expected spot USD per instance-hour (the report's `hourly.spotExpectedUsdPerInstance`). */
  readonly spotUsdPerInstance: number;
  /**
   * On-demand USD per instance-hour of fallback instances.
   * @default - `onDemandUsdPerInstance`
   */
  readonly fallbackOnDemandUsdPerInstance?: number;
}

/** What the estimated cost per hour of a running fleet is computed from. */
export interface FleetCostPerHourProps {
  /** The fleet's main (mixed on-demand/spot) group; it must collect group metrics (GpuFleet does). */
  readonly mainGroup: autoscaling.IAutoScalingGroup;
  /** The main group's on-demand base, to split its in-service instances into on-demand and spot. */
  readonly onDemandBaseCapacity: number;
  /**
   * Share of the capacity above the base that is on-demand, 0-100.
   * @default 0
   */
  readonly onDemandPercentageAboveBase?: number;
  /** Prices per instance-hour. */
  readonly hourlyPrices: FleetHourlyPrices;
  /**
   * The on-demand fallback group, priced at the fallback price.
   * @default - no fallback capacity
   */
  readonly fallbackGroup?: autoscaling.IAutoScalingGroup;
}

/** A problem of the cost inputs; the message lists every problem. */
export class CostMetricError extends GpuFleetError {}

const MINUTE = Duration.minutes(1);

/** Instances in service in `group` (Auto Scaling group metric, one-minute average). */
export function inServiceInstances(group: autoscaling.IAutoScalingGroup): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/AutoScaling',
    metricName: 'GroupInServiceInstances',
    dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
    statistic: cloudwatch.Stats.AVERAGE,
    period: MINUTE,
  });
}

/**
 * Spot instances of the main group, as metric math over `c` (its in-service instances). Auto Scaling publishes no
 * per-market counts: the base fills first, then the rest splits by the on-demand percentage.
 */
export function spotInstancesExpression(onDemandBaseCapacity: number, onDemandPercentageAboveBase: number): string {
  const spotShare = (100 - onDemandPercentageAboveBase) / 100;
  return `IF(c > ${onDemandBaseCapacity}, (c - ${onDemandBaseCapacity}) * ${spotShare}, 0)`;
}

/** Problems of the cost inputs, one line each (empty when valid). */
export function costPerHourProblems(props: FleetCostPerHourProps): string[] {
  const problems: string[] = [];
  const known = (n: number) => !Token.isUnresolved(n);
  const base = props.onDemandBaseCapacity;
  const pct = props.onDemandPercentageAboveBase ?? 0;
  if (known(base) && (!Number.isInteger(base) || base < 0)) problems.push(`onDemandBaseCapacity (${base}) must be a whole number >= 0`);
  if (known(pct) && !(pct >= 0 && pct <= 100)) problems.push(`onDemandPercentageAboveBase (${pct}) must be from 0 to 100`);
  const prices = {
    'hourlyPrices.onDemandUsdPerInstance': props.hourlyPrices.onDemandUsdPerInstance,
    'hourlyPrices.spotUsdPerInstance': props.hourlyPrices.spotUsdPerInstance,
    'hourlyPrices.fallbackOnDemandUsdPerInstance': props.hourlyPrices.fallbackOnDemandUsdPerInstance ?? props.hourlyPrices.onDemandUsdPerInstance,
  };
  for (const [name, v] of Object.entries(prices)) {
    if (known(v) && !(Number.isFinite(v) && v > 0)) {
      problems.push(`${name} (${v}) must be a price > 0 in USD per instance-hour; pass the cost report's figure, not a placeholder`);
    }
  }
  return problems;
}

/**
 * Estimated USD per hour of the running fleet (one-minute period): on-demand and spot instances of the main group
 * at their prices, plus fallback instances at the fallback price. The dashboard graphs it; `ServingAlarms` divides
 * it by requests for the cost per 1,000 requests.
 */
export function fleetCostPerHour(props: FleetCostPerHourProps): cloudwatch.MathExpression {
  const problems = costPerHourProblems(props);
  if (problems.length) throw new CostMetricError(`fleetCostPerHour: ${problems.join('; ')}`);
  const spotExpr = spotInstancesExpression(props.onDemandBaseCapacity, props.onDemandPercentageAboveBase ?? 0);
  const onDemand = props.hourlyPrices.onDemandUsdPerInstance;
  const fallback = props.hourlyPrices.fallbackOnDemandUsdPerInstance ?? onDemand;
  const costTerms = [`(c - ${spotExpr}) * ${onDemand}`, `${spotExpr} * ${props.hourlyPrices.spotUsdPerInstance}`];
  const costMetrics: Record<string, cloudwatch.IMetric> = { c: inServiceInstances(props.mainGroup) };
  if (props.fallbackGroup) {
    costTerms.push(`FILL(f, 0) * ${fallback}`);
    costMetrics.f = inServiceInstances(props.fallbackGroup);
  }
  return new cloudwatch.MathExpression({
    expression: costTerms.join(' + '),
    usingMetrics: costMetrics,
    label: 'Estimated USD per hour',
    period: MINUTE,
  });
}
