import type { EnvironmentPlacementScores, InstanceOffering, PriceSource, SpotPool, SpotPriceKind, UnitResource } from '../types';
import { GpuFleetError } from '../../shared/errors';

/**
 * The cost model's inputs and output. Plain data: the estimate reads no config, no AWS and no clock, and the report
 * serializes its output as it is.
 */

/**
 * What fleet sizes (min, max, base, average spot) count: `instance`, `gpu` (the types differ in GPU count, each weighs
 * its GPUs) or `throughput` (each type weighs its throughput weight: 1 unit = 1 request/second at the SLO).
 */
export type CapacityUnit = 'instance' | 'gpu' | 'throughput';

/** A Lambda function's instruction set architecture, as the Lambda API writes it. */
export type LambdaArchitecture = 'x86_64' | 'arm64';

/** Usage of the small parts of the stack, which the config does not describe. */
export interface SmallPartsUsage {
  /**
   * Alarm metrics of the stack's standard-resolution CloudWatch alarms (CloudWatch bills per metric an alarm reads;
   * bin/app.ts counts them in the built stack).
   */
  readonly cloudwatchAlarms: number;
  /** Lambda invocations per month (interruption handler, budget guard, schedule). */
  readonly lambdaRequestsPerMonth: number;
  /** Lambda GB-seconds per month. */
  readonly lambdaGbSecondsPerMonth: number;
  /**
   * The instruction set the functions run on, as Lambda names it: `arm64` duration is priced at the Arm rate
   * (`lambda-gb-second-arm`), or at the x86 rate with a note when the price table has no Arm price.
   * https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html
   */
  readonly lambdaArchitecture: LambdaArchitecture;
  /** SQS requests per month (interruption events, including empty receives). */
  readonly sqsRequestsPerMonth: number;
}

/**
 * Small-parts assumptions when the caller does not count them: 10 alarm metrics, 100k Lambda invocations of 0.5 s at 256 MB
 * (100,000 x 0.5 x 0.25 = 12,500 GB-s) and 1M SQS requests. Free tiers are ignored: the estimate errs high.
 */
export const DEFAULT_SMALL_PARTS: SmallPartsUsage = {
  cloudwatchAlarms: 10,
  lambdaRequestsPerMonth: 100_000,
  lambdaGbSecondsPerMonth: 12_500,
  // Lambda's own default when a function names none; the app passes what its functions use (lib/stacks/cost-inputs.ts).
  lambdaArchitecture: 'x86_64',
  sqsRequestsPerMonth: 1_000_000,
};

/**
 * What the cost model reads about one environment: plain inputs, not the app's config (lib/stacks/cost-inputs.ts
 * adapts that). The report carries it so that `cost:diff` can price a base report's fleet with the head's prices.
 */
export interface CostModelEnvironment {
  readonly name: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly fleet: {
    readonly instanceTypes: readonly string[];
    readonly onDemandBaseCapacity: number;
    readonly spotPercentageAboveBase: number;
    readonly minSize: number;
    readonly maxSize: number;
    readonly rootVolumeGiB: number;
    readonly natGateways: number;
    /** Only its presence matters: an existing VPC's NAT gateways are not this stack's cost. */
    readonly existingVpc?: unknown;
    /**
     * Capacity in throughput units: each type's weight (whole units 1-999, as the group's WeightedCapacity; 1 unit =
     * 1 request/second at the SLO). min, max, base and `usage.averageSpotInstances` then count these units.
     * @default - capacity in instances, or GPUs when the types differ in GPU count
     */
    readonly throughputWeights?: Readonly<Record<string, number>>;
  };
  readonly budget: { readonly monthlyLimitUsd: number };
  /** `averageSpotInstances`: average capacity above the base, in capacity units (instances, GPUs or throughput units). */
  readonly usage: { readonly averageSpotInstances: number; readonly hoursPerMonth: number };
  /** The on-demand fallback's cap: its instances are part of the worst case. */
  readonly fallback?: { readonly maxInstances: number };
  /**
   * What one spot interruption costs: the replacement's warm-up and the drain overlap (paid, not serving), and the
   * model downloaded per launch when its size is known.
   * @default - no churn cost (0 s, no download)
   */
  readonly churn?: {
    readonly warmupSeconds: number;
    readonly drainSeconds: number;
    /** @default - size unknown: the download is not priced */
    readonly modelSizeGb?: number;
  };
  /**
   * The serving endpoint: its expected load and what a host downloads at launch.
   * @default - the environment serves nothing: no endpoint lines
   */
  readonly serving?: ServingCostInputs;
  readonly cost: {
    readonly throughputRps?: Readonly<Record<string, number>>;
    readonly commitment?: { readonly label: string; readonly hourlyUsd: Readonly<Record<string, number>> };
    readonly maxIncreasePercent: number;
    /**
     * `cost:check` fails when the worst case exceeds this.
     * @default - no limit on the worst case
     */
    readonly maxWorstCaseUsd?: number;
  };
}

/** What the endpoint's lines are priced from (lib/stacks/cost-inputs.ts adapts the config's `serving` block). */
export interface ServingCostInputs {
  /** Average requests per second while the fleet runs. */
  readonly requestsPerSecond: number;
  /** Request + response bytes through the load balancer. */
  readonly bytesPerRequest: number;
  /** Requests per client connection (keep-alive reuse), >= 1. */
  readonly requestsPerConnection: number;
  /** Seconds a request holds its connection (the SLO's latency: an upper bound of the typical request). */
  readonly requestSeconds: number;
  /**
   * Host launches a month, when the config states them.
   * @default - derived: schedule starts, spot replacements, rollouts
   */
  readonly launchesPerMonth?: number;
  /** Starts of the schedule a month (its up-windows a week x weeks a month); 0 without a schedule. */
  readonly scheduledStartsPerMonth: number;
  /** Model artifact synced from S3 at each launch, GiB; 0 without one. */
  readonly modelSizeGiB: number;
  /** Compressed image, GiB. */
  readonly imageSizeGiB: number;
  /** `ecr`: a repository in the environment's region (its layers come from S3); else another region's ECR or a public registry. */
  readonly imageSource: 'ecr' | 'ecr-other-region' | 'public';
  /** Whether an S3 gateway endpoint serves the private subnets (created by the stack, or existing). */
  readonly s3GatewayEndpoint: boolean;
  /** Whether the stack creates the `ecr.api` and `ecr.dkr` interface endpoints. */
  readonly ecrInterfaceEndpoints: boolean;
}

/** The four ALB dimensions of one hour at the expected load, in LCUs; billed is the largest. */
export interface LcuFigures {
  readonly newConnections: number;
  readonly activeConnections: number;
  readonly processedBytes: number;
  readonly ruleEvaluations: number;
  readonly perHour: number;
  readonly dimension: 'new connections' | 'active connections' | 'processed bytes' | 'rule evaluations';
}

/** One line of the endpoint; `monthlyUsd` is null when the price table has no price for it (see `notPriced`). */
export interface EndpointLine {
  readonly id: CostComponentId;
  readonly label: string;
  readonly monthlyUsd: number | null;
  readonly basis: string;
}

/** The serving endpoint's part of the estimate. */
export interface EndpointEstimate {
  readonly requestsPerSecond: number;
  readonly bytesPerRequest: number;
  readonly requestsPerConnection: number;
  /** Seconds a request holds its connection (active connections = rps x this). */
  readonly requestSeconds: number;
  /** Requests while the fleet runs: rps x 3,600 x its hours a month. */
  readonly requestsPerMonth: number;
  readonly lcu: LcuFigures;
  readonly launches: {
    readonly perMonth: number;
    /** Each term and its assumption, e.g. `21.74 schedule starts x 1 host`. */
    readonly basis: readonly string[];
  };
  /** GB one launch downloads, by the way it takes. */
  readonly downloadGbPerLaunch: { readonly viaNat: number; readonly viaS3GatewayEndpoint: number };
  readonly lines: readonly EndpointLine[];
  /** Every priced line of the estimate x 1,000 over the requests a month; null when the fleet serves no hours. */
  readonly costPer1kRequestsUsd: number | null;
  readonly costPer1kBasis: string;
  /** Lines the cost per 1,000 requests leaves out for want of a price (the estimate's `notPriced`). */
  readonly excludes: readonly string[];
}

/** One configured spot pool as the report shows it. */
export interface PoolRisk {
  readonly instanceType: string;
  readonly availabilityZone: string;
  /** What its price rests on: per-AZ history, the regional public figure, or no data (the on-demand cap). */
  readonly kind: SpotPriceKind;
  /** Expected (p50) spot USD per instance-hour. */
  readonly usdPerHour: number;
  /** On-demand of the same type. */
  readonly onDemandUsdPerHour: number;
  /** Spot savings against on-demand of the same type; null when there is no spot data (capped). */
  readonly savingsVsOnDemandPercent: number | null;
  /** The Spot Instance Advisor bucket label, e.g. `>20%`; null when the data has none. */
  readonly bucket: string | null;
  /** Expected interruptions a month in this pool; null without a bucket. 0 for pools the estimate does not run. */
  readonly interruptionsPerMonth: number | null;
  readonly favoured: boolean;
}

/** Hours a month the schedule holds the group's minimum capacity at one level. */
export interface CapacityProfileLevel {
  readonly minCapacity: number;
  readonly hours: number;
}

export interface EstimateOptions {
  /**
   * Time-of-day capacity: hours a month at each minimum capacity, counted hour by hour in the schedule's time zone
   * (the levels' hours add up to `hoursPerMonth`).
   * @default - no profile: the burst is `usage.averageSpotInstances` every hour
   */
  readonly capacityProfile?: readonly CapacityProfileLevel[];
  /** Hours per month the fleet runs: from the environment's schedule, else `usage.hoursPerMonth`. */
  readonly hoursPerMonth: number;
  /** How the hours were derived, e.g. `MON-FRI 08:00-19:00 Europe/Berlin`; shown in the assumptions. */
  readonly scheduleDescription?: string;
  /**
   * Hours an always-on resource runs per month (NAT, alarms, worst case, the schedule's saving).
   * @default 730
   */
  readonly alwaysOnHours?: 730;
  /**
   * Usage of the small parts.
   * @default DEFAULT_SMALL_PARTS
   */
  readonly smallParts?: Partial<SmallPartsUsage>;
}

export type CostComponentId =
  | 'on-demand-base'
  | 'on-demand-burst'
  | 'spot-burst'
  | 'spot-churn'
  | 'ebs'
  | 'nat-gateway'
  | 'cloudwatch-alarms'
  | 'lambda'
  | 'sqs'
  | 'endpoint-alb'
  | 'endpoint-lcu'
  | 's3-gateway-endpoint'
  | 'ecr-interface-endpoints'
  | 'endpoint-downloads';

/** One line of the estimate. `lowUsd`/`highUsd` differ from `monthlyUsd` only for spot. */
export interface CostComponent {
  readonly id: CostComponentId;
  readonly label: string;
  readonly monthlyUsd: number;
  readonly lowUsd: number;
  readonly highUsd: number;
  /** The arithmetic, e.g. `1 x g6.xlarge x $0.8048/h x 253 h`. */
  readonly basis: string;
}

/** A price the estimate considered, flattened for the report. Spot `usdPerHour` is the pool's p50. */
export type PriceUsed =
  | {
      readonly market: 'on-demand';
      readonly instanceType: string;
      readonly region: string;
      readonly usdPerHour: number;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    }
  | {
      readonly market: 'spot';
      readonly instanceType: string;
      readonly region: string;
      readonly availabilityZone: string;
      readonly usdPerHour: number;
      readonly currentUsdPerHour: number;
      readonly p90UsdPerHour: number;
      readonly samples: number;
      /** One of the pools the expected spot price averages over. */
      readonly favoured: boolean;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    }
  | {
      readonly market: 'unit';
      readonly resource: UnitResource;
      readonly region: string;
      readonly usdPerUnit: number;
      readonly unit: string;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    };

export interface EnvironmentCostEstimate {
  readonly environment: string;
  /**
   * Spot placement scores per AZ, when prices came from AWS (attached by the app, not computed here).
   * @default - none: scores are read with live pricing only
   */
  readonly placement?: EnvironmentPlacementScores;
  readonly region: string;
  /** What fleet sizes count: throughput units when given, else instances when all types have the same GPU count, else GPUs. */
  readonly capacityUnit: CapacityUnit;
  readonly hoursPerMonth: number;
  readonly alwaysOnHours: number;
  readonly scheduleDescription?: string;
  readonly fleet: {
    /** The type the on-demand base runs on (prioritized: first configured type that is offered). */
    readonly baseInstanceType: string;
    readonly baseInstances: number;
    /** Average capacity above the base, in capacity units. */
    readonly burstUnits: number;
    readonly spotUnits: number;
    readonly onDemandBurstUnits: number;
    /**
     * Instances the average fleet runs, by type (config order) and market: capacity units / the type's weight, the
     * spot units in equal shares over the favoured pools. Types it does not run are left out.
     */
    readonly averageInstances: readonly { readonly instanceType: string; readonly onDemand: number; readonly spot: number }[];
    readonly favouredSpotPools: readonly SpotPool[];
    /** Types priced nowhere because no configured AZ offers them. */
    readonly typesNotOffered: readonly string[];
  };
  readonly components: readonly CostComponent[];
  readonly monthly: {
    readonly expectedUsd: number;
    readonly lowUsd: number;
    readonly highUsd: number;
    /** maxSize, all on-demand at the priciest type per unit, all month, plus the other parts. */
    readonly worstCaseUsd: number;
    /** The same average fleet with each spot pool on-demand at its own type (churn gone too). */
    readonly allOnDemandUsd: number;
    /** What spot saves against that; null when no pool has real spot data ("spot: no data"). */
    readonly savingsVsOnDemandUsd: number | null;
    readonly savingsVsOnDemandPercent: number | null;
    /**
     * The type-mix effect, apart from spot: the spot burst on-demand at the base type minus on-demand at the types it
     * runs on (positive when the burst's types are cheaper per unit than the base type).
     */
    readonly typeMixUsd: number;
    /** Expected cost if the fleet ran all month; equals expected when unscheduled. */
    readonly alwaysOnExpectedUsd: number;
    /** What the schedule saves; null when the fleet runs all month. */
    readonly scheduleSavingUsd: number | null;
    /** Expected cost over GPU-hours run; null when the fleet runs no GPU-hours. */
    readonly costPerGpuHourUsd: number | null;
  };
  readonly hourly: {
    /** The base type's on-demand price per instance-hour (the instance alone). */
    readonly onDemandBaseUsdPerInstance: number;
    /** Expected spot price per instance-hour (the instance alone). */
    readonly spotExpectedUsdPerInstance: number;
    /** The root volume per instance-hour (gp3 GiB x GB-month price / the month's hours); null when gp3 is not priced. */
    readonly rootVolumeUsdPerInstance: number | null;
    /**
     * What a running on-demand base instance costs per hour, root volume included: the budget's burn alarm and the
     * dashboard / cost per 1,000 requests multiply in-service instances by it (the estimate's instance and EBS lines).
     */
    readonly onDemandBaseRunningUsdPerInstance: number;
    /** The same for a spot instance at the expected price. */
    readonly spotExpectedRunningUsdPerInstance: number;
    /** How the running figures were made, e.g. `instance + root volume 150 GiB x $0.0800/GB-month / 730 h`. */
    readonly runningBasis: string;
    readonly onDemandUsdPerCapacityUnit: number;
    readonly spotExpectedUsdPerCapacityUnit: number;
  };
  readonly budget: {
    readonly monthlyLimitUsd: number;
    readonly headroomUsd: number;
    readonly percentUsed: number;
    readonly overBudget: boolean;
    /** Whether the worst case exceeds the budget (a risk, flagged in the report). */
    readonly worstCaseOverBudget: boolean;
  };
  /** `cost.maxWorstCaseUsd`, when set. */
  readonly maxWorstCaseUsd?: number;
  /** Every configured spot pool: price, same-type savings, bucket, interruptions. */
  readonly spotPools: readonly PoolRisk[];
  /** Interruption churn of the spot burst. */
  readonly churn: {
    readonly interruptionsPerMonth: number;
    readonly expectedUsd: number;
    /** Spot burst cost plus churn over the spot GPU-hours; null when the fleet runs no spot. */
    readonly effectiveSpotUsdPerGpuHour: number | null;
    readonly warmupSeconds: number;
    readonly drainSeconds: number;
    readonly modelSizeGb: number | null;
  };
  /** Lines left out for want of a traced price (e.g. `NAT gateways (1)`): the estimate is low by them. */
  readonly notPriced: readonly string[];
  /** Present when the environment serves (`serving`): the endpoint's lines and its cost per 1,000 requests. */
  readonly endpoint?: EndpointEstimate;
  /** Present when `cost.throughputRps` is set. */
  readonly perMillionRequests?: {
    readonly byType: readonly {
      readonly instanceType: string;
      readonly requestsPerSecond: number;
      readonly onDemandUsd: number;
      /** null when no configured AZ has spot prices for the type. */
      readonly spotUsd: number | null;
    }[];
    /** Expected compute cost over requests served; null when a running type has no throughput figure. */
    readonly blendedUsd: number | null;
  };
  /** Present when `cost.commitment` is set and has a rate for the base type. */
  readonly commitment?: {
    readonly label: string;
    readonly instanceType: string;
    readonly hourlyUsd: number;
    /** Billed every hour of the month, whatever the schedule. */
    readonly baselineMonthlyUsd: number;
    readonly onDemandBaselineMonthlyUsd: number;
  };
  readonly maxIncreasePercent: number;
  readonly assumptions: readonly string[];
  /** Things left out of the estimate, for synth warnings. */
  readonly warnings: readonly string[];
  /** Configured types in the Spot Instance Advisor's >20% bucket, each with lower-bucket alternatives. */
  readonly interruptionWarnings: readonly string[];
  readonly prices: readonly PriceUsed[];
  /** What the estimate was made from, so it can be made again with other prices. */
  readonly inputs: {
    readonly environment: CostModelEnvironment;
    readonly hoursPerMonth: number;
    readonly scheduleDescription?: string;
    readonly smallParts: SmallPartsUsage;
    readonly offerings: readonly InstanceOffering[];
    /** The time-of-day capacity profile the estimate priced, when given. */
    readonly capacityProfile?: readonly CapacityProfileLevel[];
  };
}

/** A price the estimate needs is missing or unusable, or the inputs cannot be priced. */
export class CostModelError extends GpuFleetError {
  constructor(message: string) {
    super(message);
    this.name = 'CostModelError';
  }
}

/** What the estimate's parts write down as they go: assumptions for the report, warnings for synth. */
export interface EstimateNotes {
  readonly assumptions: string[];
  readonly warnings: string[];
  /** Risk warnings (the >20% interruption bucket), apart from things left out. */
  readonly risks: string[];
}
