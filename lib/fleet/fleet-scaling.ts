import { Annotations, Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { WARNING_IDS } from '../shared/warning-ids';

/** What the spot burst follows. */
export type FleetScalingMetric =
  /** Average GPU utilization of the group's hosts, in percent (CloudWatch agent NVIDIA metrics). */
  | { readonly kind: 'gpu-utilization'; readonly targetPercent: number }
  /** ALB requests per target of `targetGroup`, which the group registers with. */
  | { readonly kind: 'request-count'; readonly targetGroup: elbv2.ApplicationTargetGroup; readonly targetRequestsPerMinute: number }
  /** Any metric, e.g. queue depth per instance. */
  | { readonly kind: 'custom'; readonly metric: cloudwatch.IMetric; readonly targetValue: number }
  /**
   * No scaling policy from the fleet: another construct attaches them to `GpuFleet.autoScalingGroup` (e.g.
   * `ServingScaling` tracking requests per throughput unit, which needs the fallback group built after the fleet).
   */
  | { readonly kind: 'external' };

/**
 * Target tracking on `metric` for the fleet's group: it scales out after 3 one-minute datapoints above target but in
 * only after 15 below, and counts a new host only after `warmup`, so the burst comes fast and leaves slowly.
 * Returns the tracked metric (undefined for `external`). Policies keep the construct ids they always had.
 */
export function configureFleetScaling(
  fleet: Construct,
  asg: autoscaling.AutoScalingGroup,
  metric: FleetScalingMetric,
  warmup: Duration,
  predictive: 'off' | 'forecast-only' | 'forecast-and-scale',
): cloudwatch.IMetric | undefined {
  let tracked: cloudwatch.IMetric | undefined;
  switch (metric.kind) {
    case 'gpu-utilization': {
      tracked = gpuUtilizationMetric(asg.autoScalingGroupName);
      asg.scaleToTrackMetric('GpuUtilizationTracking', {
        metric: tracked, targetValue: metric.targetPercent, estimatedInstanceWarmup: warmup,
      });
      break;
    }
    case 'request-count': {
      tracked = metric.targetGroup.metrics.requestCountPerTarget({ period: Duration.minutes(1) });
      asg.scaleOnRequestCount('RequestCountTracking', {
        targetRequestsPerMinute: metric.targetRequestsPerMinute, estimatedInstanceWarmup: warmup,
      });
      break;
    }
    case 'custom': {
      tracked = metric.metric;
      asg.scaleToTrackMetric('CustomMetricTracking', {
        metric: metric.metric, targetValue: metric.targetValue, estimatedInstanceWarmup: warmup,
      });
      break;
    }
    case 'external':
      break;
  }
  if (predictive !== 'off') addPredictiveScaling(fleet, asg, metric, warmup, predictive);
  return tracked;
}

function addPredictiveScaling(fleet: Construct, asg: autoscaling.AutoScalingGroup, metric: FleetScalingMetric, warmup: Duration, mode: string): void {
  const asgName = asg.autoScalingGroupName;
  const gpu = { namespace: 'CWAgent', metricName: 'nvidia_smi_utilization_gpu', dimensions: [{ name: 'AutoScalingGroupName', value: asgName }] };
  const query = (id: string, stat: string, m: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] }) => ({
    id, returnData: true, metricStat: { metric: m, stat },
  });
  const specification = metric.kind === 'gpu-utilization'
    ? {
      targetValue: metric.targetPercent,
      customizedScalingMetricSpecification: { metricDataQueries: [query('utilization', 'Average', gpu)] },
      // Load = total GPU utilization across hosts; capacity = hosts in service.
      customizedLoadMetricSpecification: { metricDataQueries: [query('load', 'Sum', gpu)] },
    }
    : metric.kind === 'request-count'
      ? {
        targetValue: metric.targetRequestsPerMinute,
        predefinedMetricPairSpecification: {
          predefinedMetricType: 'ALBRequestCount',
          resourceLabel: `${metric.targetGroup.firstLoadBalancerFullName}/${metric.targetGroup.targetGroupFullName}`,
        },
      }
      : undefined;
  if (!specification) {
    Annotations.of(fleet).addWarningV2(WARNING_IDS.predictiveScalingSkipped,
      `predictive scaling is only built for the GPU utilization and request-count metrics; none was added for the ${metric.kind} metric`);
    return;
  }
  new autoscaling.CfnScalingPolicy(fleet, 'PredictiveScaling', {
    autoScalingGroupName: asgName,
    policyType: 'PredictiveScaling',
    predictiveScalingConfiguration: {
      mode: mode === 'forecast-and-scale' ? 'ForecastAndScale' : 'ForecastOnly',
      // Launch ahead of the forecast by the warm-up, so hosts have loaded their model when the load comes.
      schedulingBufferTime: warmup.toSeconds(),
      metricSpecifications: [specification],
    },
  });
}

/** `nvidia_smi_utilization_gpu` averaged over the group (the agent aggregates on AutoScalingGroupName). */
export function gpuUtilizationMetric(autoScalingGroupName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'CWAgent',
    metricName: 'nvidia_smi_utilization_gpu',
    dimensionsMap: { AutoScalingGroupName: autoScalingGroupName },
    statistic: cloudwatch.Stats.AVERAGE,
    period: Duration.minutes(1),
  });
}
