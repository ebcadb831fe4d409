import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { fleetCostPerHour } from '../../../lib/dashboard/cost-metric';
import { FleetDashboard } from '../../../lib/dashboard/fleet-dashboard';
import { OnDemandFallback } from '../../../lib/fallback/on-demand-fallback';
import { FleetNetwork } from '../../../lib/fleet/fleet-network';
import { GpuFleet } from '../../../lib/fleet/gpu-fleet';
import { requestTargetPerHost } from '../../../lib/serving/request-targets';
import { ServingAlarms } from '../../../lib/serving/serving-alarms';
import { ServingEndpoint } from '../../../lib/serving/serving-endpoint';
import { ServingScaling } from '../../../lib/serving/serving-scaling';
import { servingTimings } from '../../../lib/serving/serving-timings';
import { ServingWorkload } from '../../../lib/serving/serving-workload';
import { DIGEST, SECRET_ARN } from '../fixtures';

export const SERVING_AZS = ['us-east-1a', 'us-east-1b'];
export const SERVING_TYPES = ['g6.xlarge', 'g5.xlarge'];
export const SERVING_RPS = { 'g6.xlarge': 18, 'g5.xlarge': 22 };
export const HOURLY_PRICES = { onDemandUsdPerInstance: 0.805, spotUsdPerInstance: 0.32 };

export interface ServingStackOptions {
  /** @default DIGEST */
  readonly digest?: string;
  /** @default 0.5 */
  readonly costCeiling?: number;
  /** @default a new App */
  readonly app?: App;
}

/**
 * A stack composed the way issue 11's design (2.6) orders it, with the P3 constructs: endpoint, serving alarms (part 1:
 * the rollout watches them), workload, fleet (request-count target from throughput, rollout, serving timings),
 * fallback (rollout), host permissions, scaling (latency guard), serving alarms part 2 (hosts, cost), dashboard rows.
 */
export function servingStack(options: ServingStackOptions = {}) {
  const app = options.app ?? new App();
  const stack = new Stack(app, 'Serving', { env: { region: 'us-east-1', account: '123456789012' } });
  const network = new FleetNetwork(stack, 'Network', { availabilityZones: SERVING_AZS, s3GatewayEndpoint: true });
  const endpoint = new ServingEndpoint(stack, 'Endpoint', { vpc: network.vpc, port: 8000, drainTimeout: Duration.minutes(5) });
  const slo = { latencyPercentile: 'p90', latency: Duration.seconds(10), max5xxPercent: 1 };
  const servingAlarms = new ServingAlarms(stack, 'ServingAlarms', { endpoint, slo });
  const workload = new ServingWorkload(stack, 'Workload', {
    image: { repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'ml-platform/vllm-openai'), digest: options.digest ?? DIGEST },
    model: { bucket: s3.Bucket.fromBucketName(stack, 'Models', 'ml-platform-models'), prefix: 'llama' },
    secrets: { VLLM_API_KEY: { secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ApiKey', SECRET_ARN) } },
    startupTimeout: Duration.minutes(8),
    drainTimeout: Duration.minutes(5),
  });
  const timings = servingTimings({ slowStart: endpoint.slowStart, healthCheckInterval: endpoint.healthCheck.interval, healthyThresholdCount: endpoint.healthCheck.healthyThresholdCount });
  const target = requestTargetPerHost({ throughputRps: SERVING_RPS, instanceTypes: SERVING_TYPES });
  const rollout = { alarms: servingAlarms.rolloutAlarms, bakeTime: Duration.minutes(10), instanceWarmup: timings.warmup };
  const fleet = new GpuFleet(stack, 'Fleet', {
    vpc: network.vpc, availabilityZones: SERVING_AZS, instanceTypes: SERVING_TYPES, minCapacity: 1, maxCapacity: 4,
    userDataCommands: workload.userDataCommands, targetGroups: [endpoint.targetGroup],
    scalingMetric: { kind: 'request-count', targetGroup: endpoint.targetGroup, targetRequestsPerMinute: target.requestsPerMinutePerHost },
    warmup: timings.warmup, healthCheckGrace: timings.healthCheckGrace, rollout,
  });
  const fallback = new OnDemandFallback(stack, 'Fallback', {
    autoScalingGroup: fleet.autoScalingGroup, launchTemplate: fleet.launchTemplate, vpc: network.vpc, availabilityZones: SERVING_AZS,
    instanceTypes: SERVING_TYPES, topic: fleet.topic, fleetTag: fleet.fleetTag, maxFallbackInstances: 2, weights: fleet.weights,
    targetGroups: [endpoint.targetGroup], rollout,
  });
  workload.attachTo(fleet.role, [fleet.autoScalingGroup, fallback.fallbackGroup]);
  const scaling = new ServingScaling(stack, 'ServingScaling', {
    autoScalingGroup: fleet.autoScalingGroup, endpoint, warmup: timings.warmup, throughputRps: SERVING_RPS,
    latencyGuard: { percentile: slo.latencyPercentile, threshold: slo.latency },
  });
  const costPerHour = fleetCostPerHour({ mainGroup: fleet.autoScalingGroup, fallbackGroup: fallback.fallbackGroup, onDemandBaseCapacity: 1, hourlyPrices: HOURLY_PRICES });
  const fleetAlarms = servingAlarms.addFleetAlarms({
    topic: fleet.topic, mainGroup: fleet.autoScalingGroup, fallbackGroup: fallback.fallbackGroup, costPerHour,
    costPer1kRequestsCeilingUsd: options.costCeiling ?? 0.5,
  });
  const dashboard = new FleetDashboard(stack, 'Dashboard', {
    fleetTag: fleet.fleetTag, mainGroup: fleet.autoScalingGroup, onDemandBaseCapacity: 1, hourlyPrices: HOURLY_PRICES,
    fallbackGroup: fallback.fallbackGroup, servingRows: servingAlarms.dashboardRows(), alarms: servingAlarms.alarms,
  });
  return { app, stack, network, endpoint, servingAlarms, fleetAlarms, workload, fleet, fallback, scaling, dashboard, timings, target };
}
