import { Annotations, CfnOutput, Duration, Size, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EnvironmentConfig, ScalingMetricConfig } from '../../config/types';
import { SERVING_DEFAULTS } from '../../config/schema';
import { FleetConfigError } from '../../config/validate';
import { BudgetGuard } from '../budget/budget-guard';
import { fleetCostPerHour } from '../dashboard/cost-metric';
import { FleetDashboard } from '../dashboard/fleet-dashboard';
import { CapacityLedger } from '../fallback/capacity-ledger';
import { OnDemandFallback } from '../fallback/on-demand-fallback';
import { FleetNetwork } from '../fleet/fleet-network';
import { FleetRolloutOptions, FleetScalingMetric, GpuFleet } from '../fleet/gpu-fleet';
import { InterruptionHandler } from '../interruption/interruption-handler';
import type { EnvironmentCostEstimate } from '../pricing/estimate';
import { costAnnotations } from '../pricing/report/annotations';
import { ScaleToZeroSchedule } from '../schedule/scale-to-zero-schedule';
import { ServingAlarms } from '../serving/serving-alarms';
import { ServingEndpoint } from '../serving/serving-endpoint';
import { ServingScaling } from '../serving/serving-scaling';
import { ServingWorkload } from '../serving/serving-workload';
import { WARNING_IDS } from '../shared/warning-ids';
import { costCeilingFloorRequestsPerMinute, minimumFleetCost } from './cost-floor';
import { fleetThroughputWeights } from './cost-inputs';
import { credentialsOverHttp, endpointProps, rolloutOptions, servingSlo, smallestGpuMemory, workloadProps } from './serving-props';
import { requestsPerHostPerMinute, servingTimings } from './serving-timings';

export interface GpuFleetStackProps extends StackProps {
  /** The validated environment config this stack is built from. */
  readonly config: EnvironmentConfig;

  /**
   * The environment's cost estimate (bin/app.ts prices it before building stacks): the budget's burn alarm and the
   * dashboard use its hourly prices. The fleet's cost annotation comes from `annotateCost`.
   */
  readonly costEstimate: EnvironmentCostEstimate;

  /**
   * Price lookup findings about this environment (e.g. a type not offered in an AZ), shown as synth warnings.
   * @default - none
   */
  readonly pricingWarnings?: readonly string[];
}

/** Tag keys the environment's tags are applied under; `Environment` is the cost-allocation tag budgets filter on. */
export const TAG_KEYS = { owner: 'Owner', costCentre: 'CostCentre', environment: 'Environment' } as const;

/** One environment's GPU fleet: composition only, every resource comes from a construct in lib/. */
export class GpuFleetStack extends Stack {
  public readonly fleet: GpuFleet;
  public readonly interruptionHandler: InterruptionHandler;
  public readonly budgetGuard: BudgetGuard;
  public readonly schedule?: ScaleToZeroSchedule;
  public readonly fallback?: OnDemandFallback;
  public readonly ledger: CapacityLedger;
  public readonly dashboard: FleetDashboard;
  /** The load balancer in front of the hosts, with `serving`. */
  public readonly endpoint?: ServingEndpoint;
  /** The model server on every host, with `serving`. */
  public readonly workload?: ServingWorkload;
  /** The endpoint's alarms (5xx rate, latency: the rollouts watch them; no healthy host, cost per 1,000 requests), with `serving`. */
  public readonly servingAlarms?: ServingAlarms;
  /** The latency guard, with `serving` and request-count scaling; in throughput units also the requests-per-unit policy. */
  public readonly servingScaling?: ServingScaling;

  constructor(scope: Construct, id: string, props: GpuFleetStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    // Warnings this environment accepts (config `acknowledge`, each with its reason). Acknowledged before any construct
    // warns: CDK then drops those warnings in this stack, including the cost ones annotateCost adds later.
    for (const { id, reason } of cfg.acknowledge ?? []) Annotations.of(this).acknowledgeWarning(id, reason);

    for (const [field, key] of Object.entries(TAG_KEYS) as Array<[keyof typeof TAG_KEYS, string]>) {
      Tags.of(this).add(key, cfg.tags[field]);
    }

    // Every construct with a log group gets the environment's retention (validated: a CloudWatch period, >= 365 in prod).
    const logRetention = retentionDays(cfg.logRetentionDays, cfg.name);

    const serving = cfg.serving;
    const existingVpc = cfg.fleet.existingVpc;
    // Throughput units: each type weighs round(cost.throughputRps) in the main group, the fallback group (it takes
    // GpuFleet.weights) and the cost estimate (lib/stacks/cost-inputs.ts, the same function).
    const throughputUnits = cfg.fleet.capacityUnit === 'throughput';
    const network = new FleetNetwork(this, 'Network', {
      availabilityZones: cfg.availabilityZones,
      natGateways: cfg.fleet.natGateways,
      existingVpc,
      logRetention,
      // Free: model weights and ECR image layers (stored in S3) stop paying NAT per GB on every launch. An existing
      // VPC's route tables may have one already; its config says (a second one fails the deploy).
      s3GatewayEndpoint: serving !== undefined && (existingVpc === undefined || existingVpc.s3GatewayEndpoint === 'create'),
      ecrInterfaceEndpoints: serving?.network?.ecrInterfaceEndpoints ?? false,
    });
    if (serving && existingVpc?.s3GatewayEndpoint === 'none') {
      Annotations.of(network).addWarningV2(WARNING_IDS.downloadsOverNat,
        'fleet.existingVpc.s3GatewayEndpoint is "none": every launch downloads the model and the image layers through NAT, billed per GB');
    }

    // Serving: the load balancer and the host's workload exist before the fleet (its target groups, its user data).
    const timings = serving && servingTimings(serving);
    const slo = serving && servingSlo(serving);
    let rollout: FleetRolloutOptions | undefined;
    if (serving && timings && slo) {
      this.endpoint = new ServingEndpoint(this, 'Endpoint', endpointProps(this, cfg, serving, network.vpc));
      // Part 1 of the alarms: the 5xx-rate and latency alarms, which every rollout watches (rolls back on).
      this.servingAlarms = new ServingAlarms(this, 'ServingAlarms', { endpoint: this.endpoint, slo });
      rollout = rolloutOptions(serving, this.servingAlarms.rolloutAlarms, timings.warmupSeconds);
      this.workload = new ServingWorkload(this, 'Workload', workloadProps(this, cfg, serving, logRetention));
      const smallest = smallestGpuMemory(cfg);
      if (serving.model && smallest && serving.model.sizeGiB > 0.9 * smallest.gib) {
        Annotations.of(this.workload).addWarningV2(WARNING_IDS.modelMayNotFit,
          `serving.model.sizeGiB (${serving.model.sizeGiB}) is more than 90% of the GPU memory of ${smallest.type} (${smallest.gib} GiB): the model may not load there, and the KV cache needs room too`);
      }
      const credentials = credentialsOverHttp(serving);
      if (credentials.length) {
        Annotations.of(this.endpoint).addWarningV2(WARNING_IDS.secretOverHttp,
          `serving has credentials (${credentials.join(', ')}) but serving.endpoint.certificateArn is missing: the endpoint is plain HTTP on port 80, so clients send the API key in cleartext across every network between them and the load balancer; set endpoint.certificateArn to an ACM certificate in ${cfg.region} (HTTPS on 443 with the TLS policy, HTTP redirects, also on an internal endpoint)`);
      }
    }

    // Both groups serve behind the target group: one grace before the load balancer's health checks count.
    const healthCheckGrace = timings && Duration.seconds(timings.healthCheckGraceSeconds);
    this.fleet = new GpuFleet(this, 'Fleet', {
      vpc: network.vpc,
      availabilityZones: cfg.availabilityZones,
      instanceTypes: cfg.fleet.instanceTypes,
      capacityWeights: throughputUnits ? fleetThroughputWeights(cfg) : undefined,
      minCapacity: cfg.fleet.minSize,
      maxCapacity: cfg.fleet.maxSize,
      onDemandBaseCapacity: cfg.fleet.onDemandBaseCapacity,
      onDemandPercentageAboveBase: 100 - cfg.fleet.spotPercentageAboveBase,
      rootVolumeSize: Size.gibibytes(cfg.fleet.rootVolumeGiB),
      amiSsmParameter: cfg.fleet.amiSsmParameter,
      // Derived with serving, else configured (config/serving-rules.ts requires one or the other).
      warmup: Duration.seconds(timings ? timings.warmupSeconds : cfg.fleet.scaling.warmupSeconds ?? 0),
      healthCheckGrace,
      scalingMetric: scalingMetric(cfg, this.endpoint),
      predictiveScaling: cfg.fleet.scaling.predictive,
      fleetName: id,
      production: cfg.name === 'prod',
      targetGroups: this.endpoint && [this.endpoint.targetGroup],
      userDataCommands: this.workload?.userDataCommands,
      // containerImdsAccess stays off (the default): every AWS call of the workload runs on the host, so the
      // container gets no path to the host role's credentials.
      rollout,
    });
    if (network.endpointSecurityGroup) network.allowEndpointAccessFrom(this.fleet.securityGroup);
    for (const email of cfg.budget.alertEmails) {
      this.fleet.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.interruptionHandler = new InterruptionHandler(this, 'Interruption', {
      autoScalingGroup: this.fleet.autoScalingGroup,
      topic: this.fleet.topic,
      fleetTag: this.fleet.fleetTag,
      targetGroups: this.fleet.targetGroups,
      rebalanceAction: cfg.interruption.rebalanceAction,
      interruptionsPerHourAlarm: cfg.interruption.interruptionsPerHourAlarm,
      drainTimeout: Duration.seconds(cfg.interruption.drainTimeoutSeconds),
      logRetention,
    });

    const cost = props.costEstimate;
    this.budgetGuard = new BudgetGuard(this, 'Budget', {
      environmentName: cfg.name,
      monthlyLimitUsd: cfg.budget.monthlyLimitUsd,
      alertEmails: cfg.budget.alertEmails,
      costAllocationTag: { key: TAG_KEYS.environment, value: cfg.tags.environment },
      autoScalingGroup: this.fleet.autoScalingGroup,
      burnRate: {
        // Per running instance, root volume included, as the estimate's instance and EBS lines.
        onDemandUsdPerHour: Number(cost.hourly.onDemandBaseRunningUsdPerInstance.toFixed(6)),
        spotUsdPerHour: Number(cost.hourly.spotExpectedRunningUsdPerInstance.toFixed(6)),
        onDemandBaseCapacity: cost.fleet.baseInstances,
      },
      killSwitch: cfg.budget.killSwitch && {
        capTo: cfg.name === 'prod' ? 'base' : 'zero',
        baseCapacity: cfg.fleet.onDemandBaseCapacity,
        restoreCapacity: { minCapacity: cfg.fleet.minSize, maxCapacity: cfg.fleet.maxSize },
      },
      anomalyMonitor: cfg.budget.anomalyMonitor,
      logRetention,
    });

    if (cfg.schedule) {
      this.schedule = new ScaleToZeroSchedule(this, 'Schedule', {
        autoScalingGroup: this.fleet.autoScalingGroup,
        schedule: cfg.schedule,
        environmentName: cfg.name,
        upCapacity: { minCapacity: cfg.fleet.minSize, maxCapacity: cfg.fleet.maxSize },
      });
    }

    if (cfg.fallback) {
      this.fallback = new OnDemandFallback(this, 'Fallback', {
        autoScalingGroup: this.fleet.autoScalingGroup,
        launchTemplate: this.fleet.launchTemplate,
        vpc: network.vpc,
        availabilityZones: cfg.availabilityZones,
        instanceTypes: cfg.fleet.instanceTypes,
        topic: this.fleet.topic,
        fleetTag: this.fleet.fleetTag,
        weights: this.fleet.weights,
        targetGroups: this.fleet.targetGroups,
        healthCheckGrace,
        maxFallbackInstances: cfg.fallback.maxInstances,
        engageAfter: Duration.minutes(cfg.fallback.engageAfterMinutes),
        releaseAfter: Duration.minutes(cfg.fallback.releaseAfterMinutes),
        logRetention,
        rollout,
      });
      // Fallback hosts are handed back by scale-in: they get the same drain path as the main group's (hook, target
      // groups, membership), or every handback would kill a serving host mid-request.
      this.interruptionHandler.addAutoScalingGroup(this.fallback.fallbackGroup);
    }
    // Both groups' hosts pull the image, read the model and secrets, and report ready through their launch hook.
    this.workload?.attachTo(this.fleet.role, [this.fleet.autoScalingGroup, ...(this.fallback ? [this.fallback.fallbackGroup] : [])]);

    // Per running instance, root volume included; to a millionth of a dollar, as the burn alarm writes them.
    const microUsd = (x: number) => Number(x.toFixed(6));
    const hourlyPrices = {
      onDemandUsdPerInstance: microUsd(cost.hourly.onDemandBaseRunningUsdPerInstance),
      spotUsdPerInstance: microUsd(cost.hourly.spotExpectedRunningUsdPerInstance),
    };
    // The cost-per-hour expressions count in-service instances, so they split them at the base in instances (with
    // weights, onDemandBaseCapacity counts units: GPUs or throughput units).
    const baseInstances = cost.fleet.baseInstances;
    const metric = cfg.fleet.scaling.metric;
    if (serving && this.endpoint && timings && slo && metric.kind === 'request-count') {
      // GpuFleet tracks requests per host, or (throughput units) this tracks requests per second per unit; the guard
      // adds hosts when the SLO percentile is above the SLO, and scale-in then needs both policies to agree.
      this.servingScaling = new ServingScaling(this, 'ServingScaling', {
        autoScalingGroup: this.fleet.autoScalingGroup,
        endpoint: this.endpoint,
        warmup: Duration.seconds(timings.warmupSeconds),
        throughputRps: cfg.cost.throughputRps,
        throughputTracking: throughputUnits
          ? {
            capacityWeights: this.fleet.weights,
            targetUtilizationPercent: metric.targetUtilizationPercent ?? SERVING_DEFAULTS.requestCount.targetUtilizationPercent,
            fallbackGroup: this.fallback?.fallbackGroup,
            fallbackUnitsPerCapacity: this.fallback?.unitsPerFallbackCapacity,
          }
          : undefined,
        latencyGuard: (metric.latencyGuard ?? true)
          ? { percentile: slo.latencyPercentile, threshold: slo.latency }
          : undefined,
      });
    }
    if (serving && this.servingAlarms) {
      // Part 2: no healthy host, cost per 1,000 requests (ceiling when configured, anomaly band); all to the fleet topic.
      // Both cost alarms ignore traffic below the rate at which the minimum fleet (the highest scheduled level's) costs
      // the ceiling: there the fleet cannot shrink, so nobody could act on the page.
      const ceiling = serving.slo.costPer1kRequestsUsd;
      const minFleet = minimumFleetCost(cfg, cost, this.fleet.weights);
      this.servingAlarms.addFleetAlarms({
        topic: this.fleet.topic,
        mainGroup: this.fleet.autoScalingGroup,
        fallbackGroup: this.fallback?.fallbackGroup,
        costPerHour: fleetCostPerHour({
          mainGroup: this.fleet.autoScalingGroup,
          fallbackGroup: this.fallback?.fallbackGroup,
          onDemandBaseCapacity: baseInstances,
          onDemandPercentageAboveBase: 100 - cfg.fleet.spotPercentageAboveBase,
          hourlyPrices,
        }),
        costPer1kRequestsCeilingUsd: ceiling,
        costAlarmMinRequestsPerMinute: ceiling === undefined ? undefined : costCeilingFloorRequestsPerMinute(minFleet.usdPerHour, ceiling),
      });
    }

    this.ledger = new CapacityLedger(this, 'Ledger', {
      fleetTag: this.fleet.fleetTag,
      instanceTypes: cfg.fleet.instanceTypes,
      availabilityZones: cfg.availabilityZones,
      topic: this.fleet.topic,
    });

    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      fleetTag: this.fleet.fleetTag,
      mainGroup: this.fleet.autoScalingGroup,
      onDemandBaseCapacity: baseInstances,
      onDemandPercentageAboveBase: 100 - cfg.fleet.spotPercentageAboveBase,
      hourlyPrices,
      fallbackGroup: this.fallback?.fallbackGroup,
      fallbackController: this.fallback?.controller,
      budgetAlarm: this.budgetGuard.burnAlarm,
      deadLetterQueue: this.interruptionHandler.deadLetterQueue,
      alarms: [
        this.interruptionHandler.dlqAlarm,
        this.interruptionHandler.errorsAlarm,
        this.interruptionHandler.interruptionRateAlarm,
        this.interruptionHandler.launchFailuresAlarm,
        this.interruptionHandler.eventDeliveryAlarm,
        ...(this.fallback ? [this.fallback.controllerErrorsAlarm, this.fallback.controllerNotRunningAlarm, this.fallback.failureQueueAlarm] : []),
        ...this.ledger.pools.flatMap((p) => [p.interruptions, p.launchFailures]),
        ...this.ledger.zones.map((z) => z.spotCapacityShort),
        ...(this.servingAlarms?.alarms ?? []),
      ],
      servingRows: this.servingAlarms?.dashboardRows(),
    });

    for (const w of props.pricingWarnings ?? []) Annotations.of(this.fleet).addWarningV2(WARNING_IDS.pricing, w);

    if (this.endpoint) {
      new CfnOutput(this, 'EndpointUrl', {
        value: this.endpoint.url,
        description: `Serving endpoint URL of ${cfg.name} (${serving?.endpoint?.scheme ?? 'internal'} load balancer)`,
      });
    }
  }

  /**
   * Puts the synth-time cost estimate next to the fleet it prices: the expected monthly cost as an info annotation,
   * over-budget and left-out parts as warnings. bin/app.ts calls it with the final estimate (after counting alarms).
   */
  public annotateCost(estimate: EnvironmentCostEstimate): void {
    const notes = costAnnotations(estimate);
    Annotations.of(this.fleet).addInfo(notes.info);
    for (const w of notes.warnings) Annotations.of(this.fleet).addWarningV2(w.id, w.message);
  }

  /**
   * Alarm metrics this stack's CloudWatch alarms are billed as: 1 for a single-metric alarm, one per metric a
   * metric-math alarm reads, and 3 per metric for an anomaly-detection alarm (the metric and the band's upper and
   * lower bound; infracost's cloudwatch_metric_alarm.go counts it so, see docs/pricing-sources.md). Every alarm here is
   * standard resolution (the stack tests check). The alarms target tracking creates are not counted.
   */
  public alarmMetricCount(): number {
    return this.node.findAll()
      .filter((c): c is cloudwatch.CfnAlarm => c instanceof cloudwatch.CfnAlarm)
      .reduce((n, alarm) => n + billedAlarmMetrics({
        comparisonOperator: this.resolve(alarm.comparisonOperator) as string | undefined,
        metrics: this.resolve(alarm.metrics) as Array<{ metricStat?: unknown; MetricStat?: unknown }> | undefined,
      }), 0);
  }
}

/** CloudWatch's anomaly-detection comparison operators: an alarm with one of them compares against a band. */
const ANOMALY_OPERATORS: readonly string[] = ['LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold'];

/** The alarm metrics one alarm is billed as (see `GpuFleetStack.alarmMetricCount`). */
function billedAlarmMetrics(alarm: { comparisonOperator?: string; metrics?: ReadonlyArray<{ metricStat?: unknown; MetricStat?: unknown }> }): number {
  const read = alarm.metrics ? alarm.metrics.filter((m) => m.metricStat ?? m.MetricStat).length : 1;
  return alarm.comparisonOperator !== undefined && ANOMALY_OPERATORS.includes(alarm.comparisonOperator) ? 3 * read : read;
}

/** `logRetentionDays` as CDK's enum; config validation allows only its values, this guards a config built by hand. */
function retentionDays(days: number, env: string): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((d): d is logs.RetentionDays => typeof d === 'number' && d !== logs.RetentionDays.INFINITE);
  if (!allowed.includes(days)) throw new FleetConfigError([`${env}.logRetentionDays (${days}) must be one of CloudWatch Logs' retention periods in days: ${allowed.join(', ')}`]);
  return days;
}

function scalingMetric(cfg: EnvironmentConfig, endpoint: ServingEndpoint | undefined): FleetScalingMetric | undefined {
  const m: ScalingMetricConfig = cfg.fleet.scaling.metric;
  if (m.kind === 'gpu-utilization') return { kind: 'gpu-utilization', targetPercent: m.targetPercent };
  if (m.kind === 'request-count') {
    // The latency guard (m.latencyGuard) is a second policy of the serving scaling part; not built here. In
    // throughput units ServingScaling tracks requests per second per unit instead of GpuFleet's requests per host.
    if (cfg.fleet.capacityUnit === 'throughput') return { kind: 'external' };
    if (!endpoint) throw new FleetConfigError([`${cfg.name}.fleet.scaling.metric.kind ("request-count") needs serving: requests are counted at the serving endpoint's load balancer`]);
    return { kind: 'request-count', targetGroup: endpoint.targetGroup, targetRequestsPerMinute: requestsPerHostPerMinute(cfg) };
  }
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
