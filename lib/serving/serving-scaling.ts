import { Annotations, Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { WARNING_IDS } from '../shared/warning-ids';
import { ServingConfigError } from './errors';
import { throughputProblems, throughputWeights, UNEVEN_THROUGHPUT_SPREAD } from './request-targets';
import { ServingEndpoint } from './serving-endpoint';
import { latencyProblems, latencySeconds, percentileProblems } from './slo';

/** A second target-tracking policy that adds hosts when the endpoint's latency percentile is above the SLO. */
export interface ServingLatencyGuard {
  /**
   * Percentile of the target response time to hold under `threshold`: 'p50', 'p90', 'p99.9', ...
   * @default 'p90'
   */
  readonly percentile?: string;
  /** The latency SLO (the policy's target value, in seconds). */
  readonly threshold: Duration;
  /**
   * Below this many requests per minute the guard reads 0: a few slow requests are the model's generation time,
   * not queueing, and more hosts would not make them faster.
   * @default 10
   */
  readonly minRequestsPerMinute?: number;
}

/** Target tracking on requests per second per capacity unit, for a fleet whose capacity counts throughput units. */
export interface ServingThroughputTracking {
  /**
   * The main group's capacity weights (GpuFleet.weights): they must be the throughput weights
   * (`throughputWeights()` of `throughputRps`), so one unit is one request per second at the SLO.
   */
  readonly capacityWeights: Readonly<Record<string, number>>;
  /**
   * Share of each unit's measured throughput to run at, 1-100: the policy holds requests per second per unit at
   * this percentage / 100.
   * @default 100
   */
  readonly targetUtilizationPercent?: number;
  /**
   * The on-demand fallback group (OnDemandFallback.fallbackGroup), with the same weights: its in-service capacity
   * serves the same target group, so it counts in the denominator.
   * @default - the main group's capacity only
   */
  readonly fallbackGroup?: autoscaling.IAutoScalingGroup;
  /**
   * Throughput units one unit of the fallback group's in-service capacity counts
   * (`OnDemandFallback.unitsPerFallbackCapacity`): 1 when it carries the weights, the common weight when the weights
   * are all equal and it stays unweighted (it then counts instances).
   * @default 1
   */
  readonly fallbackUnitsPerCapacity?: number;
}

export interface ServingScalingProps {
  /** The fleet's main group (GpuFleet.autoScalingGroup); the policies scale it (the fallback group is sized by its controller). */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** The endpoint whose requests and latency the policies follow. */
  readonly endpoint: ServingEndpoint;
  /** How long a new host needs before its metrics count (the fleet's `warmup`, e.g. `servingTimings().warmup`). */
  readonly warmup: Duration;
  /**
   * Scale out when the latency percentile is above the SLO as well. Scale-in stays enabled on it, so the group
   * scales in only when the request policy and the guard both agree (AWS: out if any policy asks, in only if all
   * with scale-in enabled are ready).
   * @default - no latency guard
   */
  readonly latencyGuard?: ServingLatencyGuard;
  /**
   * Measured requests per second per instance type of the fleet (e.g. the cost config's `throughputRps`), one per
   * type. Used to warn when round robin spreads requests evenly over types more than 2x apart, and required by
   * `throughputTracking`.
   * @default - not checked
   */
  readonly throughputRps?: Readonly<Record<string, number>>;
  /**
   * Track requests per second per throughput unit instead of requests per host (GpuFleet with
   * `capacityWeights: throughputWeights(...)` and `scalingMetric: { kind: 'external' }`). Needs least outstanding
   * requests routing (faster hosts then take more requests), which rules out slow start (ALB).
   * @default - requests per host: GpuFleet's request-count policy
   */
  readonly throughputTracking?: ServingThroughputTracking;
}

/**
 * Scaling policies of a serving fleet beyond GpuFleet's own: a latency guard (second target-tracking policy on a
 * latency percentile) and, for fleets counted in throughput units, target tracking on requests per second per unit.
 * Both are L1 `AWS::AutoScaling::ScalingPolicy` with metric math: CDK's `scaleToTrackMetric` renders only a plain
 * `Statistic` (no percentile, no math) in aws-cdk-lib 2.276.
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html#target-tracking-multiple-policies
 */
export class ServingScaling extends Construct {
  /** The latency guard policy, when configured. */
  public readonly latencyGuardPolicy?: autoscaling.CfnScalingPolicy;
  /** The requests-per-unit policy, when configured. */
  public readonly throughputPolicy?: autoscaling.CfnScalingPolicy;

  constructor(scope: Construct, id: string, props: ServingScalingProps) {
    super(scope, id);
    const problems: string[] = [];
    const guard = props.latencyGuard;
    const percentile = guard?.percentile ?? 'p90';
    const minRequests = guard?.minRequestsPerMinute ?? 10;
    if (guard) {
      problems.push(...percentileProblems('latencyGuard.percentile', percentile), ...latencyProblems('latencyGuard.threshold', guard.threshold));
      if (!(Number.isInteger(minRequests) && minRequests >= 1)) problems.push(`latencyGuard.minRequestsPerMinute (${minRequests}) must be a whole number >= 1`);
    }
    const tracking = props.throughputTracking;
    const utilization = tracking?.targetUtilizationPercent ?? 100;
    const types = Object.keys(tracking?.capacityWeights ?? props.throughputRps ?? {});
    if (props.throughputRps) problems.push(...throughputProblems({ throughputRps: props.throughputRps, instanceTypes: types }));
    if (tracking) problems.push(...this.trackingProblems(props, tracking, utilization, types));
    if (problems.length) throw new ServingConfigError(`ServingScaling ${this.node.path}`, problems);

    const asgName = props.autoScalingGroup.autoScalingGroupName;
    const warmup = props.warmup.toSeconds();
    if (guard) {
      const latency = metricOf(props.endpoint.metrics.latency(percentile));
      const requests = metricOf(props.endpoint.metrics.requests());
      this.latencyGuardPolicy = new autoscaling.CfnScalingPolicy(this, 'LatencyGuard', {
        autoScalingGroupName: asgName,
        policyType: 'TargetTrackingScaling',
        estimatedInstanceWarmup: warmup,
        targetTrackingConfiguration: {
          targetValue: latencySeconds(guard.threshold),
          // Scale-in stays on: the guard vetoes scale-in while latency is near the SLO, and agrees at night.
          disableScaleIn: false,
          customizedMetricSpecification: {
            metrics: [
              { id: 'p', metricStat: { metric: latency, stat: percentile }, returnData: false },
              { id: 'r', metricStat: { metric: requests, stat: 'Sum' }, returnData: false },
              // No traffic, no TargetResponseTime: without FILL the policy's alarms would sit in INSUFFICIENT_DATA
              // and it could never agree to scale in, so the fleet would never shrink at night.
              {
                id: 'latency',
                expression: `IF(FILL(r, 0) >= ${minRequests}, FILL(p, 0), 0)`,
                label: `${percentile} target response time (s), 0 under ${minRequests} requests/min`,
                returnData: true,
              },
            ],
          },
        },
      });
    }
    if (tracking) {
      const requests = metricOf(props.endpoint.metrics.requests());
      const capacity = (group: autoscaling.IAutoScalingGroup) => ({
        namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceCapacity', dimensions: [{ name: 'AutoScalingGroupName', value: group.autoScalingGroupName }],
      });
      const k = tracking.fallbackUnitsPerCapacity ?? 1;
      const units = tracking.fallbackGroup ? `FILL(m, 0) + FILL(f, 0)${k === 1 ? '' : ` * ${k}`}` : 'FILL(m, 0)';
      this.throughputPolicy = new autoscaling.CfnScalingPolicy(this, 'ThroughputTracking', {
        autoScalingGroupName: asgName,
        policyType: 'TargetTrackingScaling',
        estimatedInstanceWarmup: warmup,
        targetTrackingConfiguration: {
          targetValue: utilization / 100,
          customizedMetricSpecification: {
            metrics: [
              { id: 'r', metricStat: { metric: requests, stat: 'Sum' }, returnData: false },
              { id: 'm', metricStat: { metric: capacity(props.autoScalingGroup), stat: 'Average' }, returnData: false },
              ...(tracking.fallbackGroup ? [{ id: 'f', metricStat: { metric: capacity(tracking.fallbackGroup), stat: 'Average' }, returnData: false }] : []),
              {
                id: 'perunit',
                // One-minute Sum / 60 = requests per second; in-service capacity counts throughput units (weights).
                expression: `IF(${units} > 0, FILL(r, 0) / 60 / (${units}), 0)`,
                label: 'Requests per second per throughput unit',
                returnData: true,
              },
            ],
          },
        },
      });
    } else if (props.throughputRps) {
      this.warnIfUneven(props.throughputRps, props.endpoint.routing);
    }
  }

  private trackingProblems(props: ServingScalingProps, tracking: ServingThroughputTracking, utilization: number, types: string[]): string[] {
    const problems: string[] = [];
    if (!(Number.isFinite(utilization) && utilization >= 1 && utilization <= 100)) {
      problems.push(`throughputTracking.targetUtilizationPercent (${utilization}) must be from 1 to 100`);
    }
    const k = tracking.fallbackUnitsPerCapacity;
    if (k !== undefined && !(Number.isInteger(k) && k >= 1 && k <= 999)) {
      problems.push(`throughputTracking.fallbackUnitsPerCapacity (${k}) must be a whole number from 1 to 999 (a capacity weight)`);
    }
    if (props.endpoint.routing !== elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS) {
      problems.push(`throughputTracking needs the endpoint's routing to be ${elbv2.TargetGroupLoadBalancingAlgorithmType.LEAST_OUTSTANDING_REQUESTS} (it is ${props.endpoint.routing}): round robin gives a slow host as many requests as a fast one, so units would not match load`);
    }
    if (!props.throughputRps) {
      problems.push('throughputTracking needs throughputRps (missing): the capacity weights must be checked against the measured throughput');
    } else if (throughputProblems({ throughputRps: props.throughputRps, instanceTypes: types }).length === 0) {
      const expected = throughputWeights({ throughputRps: props.throughputRps, instanceTypes: types });
      for (const t of types) {
        if (tracking.capacityWeights[t] !== expected[t]) {
          problems.push(`throughputTracking.capacityWeights.${t} (${tracking.capacityWeights[t]}) must be ${expected[t]}, round(throughputRps.${t}): give GpuFleet capacityWeights: throughputWeights(...)`);
        }
      }
    }
    if (tracksRequestsPerHost(props.autoScalingGroup)) {
      problems.push("throughputTracking: the group already tracks requests per host (GpuFleet scalingMetric 'request-count'); use scalingMetric { kind: 'external' } so requests are not tracked twice");
    }
    return problems;
  }

  private warnIfUneven(throughputRps: Readonly<Record<string, number>>, routing: elbv2.TargetGroupLoadBalancingAlgorithmType): void {
    if (routing !== elbv2.TargetGroupLoadBalancingAlgorithmType.ROUND_ROBIN) return;
    const entries = Object.entries(throughputRps).sort((a, b) => a[1] - b[1]);
    if (entries.length < 2) return;
    const [slow, fast] = [entries[0], entries[entries.length - 1]];
    const spread = fast[1] / slow[1];
    if (spread <= UNEVEN_THROUGHPUT_SPREAD) return;
    Annotations.of(this).addWarningV2(WARNING_IDS.unevenThroughput,
      `the fleet's types differ ${spread.toFixed(1)}x in throughput (${slow[0]} ${slow[1]} req/s, ${fast[0]} ${fast[1]} req/s) and round robin gives each host ` +
      `the same share: the per-host target follows ${slow[0]}, so ${fast[0]} hosts run at ${Math.round(100 / spread)}% of what they serve. ` +
      'Count capacity in throughput units with least outstanding requests (throughputTracking), or drop the slow types');
  }
}

/** A CloudWatch metric as the L1 scaling policy's `Metric` (namespace, name, dimensions as tokens). */
function metricOf(metric: cloudwatch.Metric): autoscaling.CfnScalingPolicy.MetricProperty {
  const stat = metric.toMetricConfig().metricStat!;
  return {
    namespace: stat.namespace,
    metricName: stat.metricName,
    dimensions: stat.dimensions?.map((d) => ({ name: d.name, value: d.value as string })),
  };
}

/** Whether `group` already has a target-tracking policy on ALBRequestCountPerTarget (e.g. GpuFleet's request-count). */
function tracksRequestsPerHost(group: autoscaling.IAutoScalingGroup): boolean {
  return group.node.findAll()
    .filter((c): c is autoscaling.CfnScalingPolicy => c instanceof autoscaling.CfnScalingPolicy)
    .some((p) => {
      const config = p.targetTrackingConfiguration as autoscaling.CfnScalingPolicy.TargetTrackingConfigurationProperty | undefined;
      const predefined = config?.predefinedMetricSpecification as autoscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty | undefined;
      return predefined?.predefinedMetricType === 'ALBRequestCountPerTarget';
    });
}
