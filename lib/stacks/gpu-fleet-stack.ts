import { Duration, Size, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EnvironmentConfig, ScalingMetricConfig } from '../../config/types';
import { FleetNetwork } from '../fleet/fleet-network';
import { FleetScalingMetric, GpuFleet } from '../fleet/gpu-fleet';

export interface GpuFleetStackProps extends StackProps {
  /** The validated environment config this stack is built from. */
  readonly config: EnvironmentConfig;
}

/** Tag keys the environment's tags are applied under; `Environment` is the cost-allocation tag budgets filter on. */
export const TAG_KEYS = { owner: 'Owner', costCentre: 'CostCentre', environment: 'Environment' } as const;

/** One environment's GPU fleet: composition only, every resource comes from a construct in lib/. */
export class GpuFleetStack extends Stack {
  public readonly fleet: GpuFleet;

  constructor(scope: Construct, id: string, props: GpuFleetStackProps) {
    super(scope, id, props);
    const cfg = props.config;

    for (const [field, key] of Object.entries(TAG_KEYS) as Array<[keyof typeof TAG_KEYS, string]>) {
      Tags.of(this).add(key, cfg.tags[field]);
    }

    const network = new FleetNetwork(this, 'Network', {
      availabilityZones: cfg.availabilityZones,
      natGateways: cfg.fleet.natGateways,
      existingVpc: cfg.fleet.existingVpc,
    });

    this.fleet = new GpuFleet(this, 'Fleet', {
      vpc: network.vpc,
      availabilityZones: cfg.availabilityZones,
      instanceTypes: cfg.fleet.instanceTypes,
      minCapacity: cfg.fleet.minSize,
      maxCapacity: cfg.fleet.maxSize,
      onDemandBaseCapacity: cfg.fleet.onDemandBaseCapacity,
      onDemandPercentageAboveBase: 100 - cfg.fleet.spotPercentageAboveBase,
      rootVolumeSize: Size.gibibytes(cfg.fleet.rootVolumeGiB),
      amiSsmParameter: cfg.fleet.amiSsmParameter,
      warmup: Duration.seconds(cfg.fleet.scaling.warmupSeconds),
      scalingMetric: scalingMetric(cfg.fleet.scaling.metric),
      predictiveScaling: cfg.fleet.scaling.predictive,
      fleetName: id,
      production: cfg.name === 'prod',
    });
    for (const email of cfg.budget.alertEmails) {
      this.fleet.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}

function scalingMetric(m: ScalingMetricConfig): FleetScalingMetric | undefined {
  if (m.kind === 'gpu-utilization') return { kind: 'gpu-utilization', targetPercent: m.targetPercent };
  return {
    kind: 'custom',
    targetValue: m.targetValue,
    metric: new cloudwatch.Metric({
      namespace: m.namespace,
      metricName: m.metricName,
      dimensionsMap: m.dimensions ? { ...m.dimensions } : undefined,
      statistic: m.statistic,
      period: Duration.minutes(1),
    }),
  };
}
