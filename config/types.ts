/**
 * The typed shape of one environment (dev, staging, prod). `config/environments.ts` holds the data,
 * `config/validate.ts` checks every field when the app starts.
 *
 * Sizes (min, max, on-demand base, average spot) count instances when every instance type has the same
 * number of GPUs, and GPUs otherwise: the group then weights each type by its GPU count.
 */

export type EnvironmentName = 'dev' | 'staging' | 'prod';

export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

/** A VPC that already exists, used instead of creating one. No lookup: ids are given, so synth needs no account. */
export interface ExistingVpcConfig {
  /** `vpc-...` */
  readonly vpcId: string;
  /** Private subnet (with egress) per availability zone, e.g. `{ 'us-east-1a': 'subnet-0abc...' }`. */
  readonly privateSubnetIds: Readonly<Record<string, string>>;
}

/** The metric the spot burst follows. */
export type ScalingMetricConfig =
  /** Average GPU utilization of the group's hosts (CloudWatch agent `nvidia_smi_utilization_gpu`). */
  | { readonly kind: 'gpu-utilization'; readonly targetPercent: number }
  /** Any metric, e.g. queue depth per instance. Target tracking keeps its group-wide value at `targetValue`. */
  | {
      readonly kind: 'custom';
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions?: Readonly<Record<string, string>>;
      readonly statistic: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';
      readonly targetValue: number;
    };

export interface FleetConfig {
  /** GPU instance types, in on-demand priority order (the on-demand base runs on the first one available). */
  readonly instanceTypes: readonly string[];
  /** On-demand instances (or GPUs) that always run, whatever spot does. */
  readonly onDemandBaseCapacity: number;
  /** Share of capacity above the base that is spot, 0-100. */
  readonly spotPercentageAboveBase: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Root gp3 volume, GiB. Must be at least the AMI's snapshot size. */
  readonly rootVolumeGiB: number;
  readonly scaling: {
    readonly metric: ScalingMetricConfig;
    /** Seconds a new host needs before its metrics count (GPU hosts load models for minutes). */
    readonly warmupSeconds: number;
    /** Predictive scaling for daily traffic cycles. */
    readonly predictive: 'off' | 'forecast-only' | 'forecast-and-scale';
  };
  /** NAT gateways of the created VPC (one per AZ for high availability, fewer to save money). */
  readonly natGateways: number;
  /** Use this VPC instead of creating one. */
  readonly existingVpc?: ExistingVpcConfig;
  /** SSM parameter holding the AMI id; resolved at deploy time. Defaults to the Deep Learning Base GPU AMI (AL2023). */
  readonly amiSsmParameter?: string;
}

export interface TagsConfig {
  /** Team or person accountable, tag key `Owner`. */
  readonly owner: string;
  /** Cost centre, tag key `CostCentre`. */
  readonly costCentre: string;
  /** Environment, tag key `Environment`; also the cost-allocation tag budgets filter on. */
  readonly environment: string;
}

export interface BudgetConfig {
  /** Monthly budget for this environment's tagged resources, USD. */
  readonly monthlyLimitUsd: number;
  /** Who gets the budget and fleet notifications. */
  readonly alertEmails: readonly string[];
  /** Cap the fleet when 100% of the budget is actually spent (dev/staging: to zero; prod: to its base). */
  readonly killSwitch: boolean;
  /** Create a cost anomaly monitor for the environment's tag (one per dimension per account; see README). */
  readonly anomalyMonitor: boolean;
}

/** A window during which the fleet runs; outside every window the schedule takes it to zero. */
export interface SchedulePeriodConfig {
  readonly days: readonly Weekday[];
  /** `HH:MM`, 24-hour, `00:00`-`23:59`, local to the schedule's time zone. */
  readonly start: string;
  /**
   * `HH:MM`, `00:00`-`24:00`: `24:00` is the end of the day, an end at or before `start` (`22:00`-`06:00`) is on the
   * next day. Periods that touch or overlap (MON 00:00-24:00 and TUE 00:00-24:00) are merged: no stop between them.
   */
  readonly end: string;
}

export interface ScheduleConfig {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  readonly periods: readonly SchedulePeriodConfig[];
}

export interface UsageConfig {
  /** Average number of spot instances (or GPUs) running above the base, for the cost estimate. */
  readonly averageSpotInstances: number;
  /** Hours per month the fleet runs when it has no schedule (730 = always on). */
  readonly hoursPerMonth: number;
}

export interface InterruptionConfig {
  /** What a rebalance recommendation does: drain early (default for GPU fleets) or only notify. */
  readonly rebalanceAction: 'drain' | 'notify';
  /** Alarm when more spot interruptions than this arrive within an hour. */
  readonly interruptionsPerHourAlarm: number;
  /** Seconds the drain command may run before the host is let go. */
  readonly drainTimeoutSeconds: number;
}

/** On-demand fallback: when spot launches keep failing, a separate on-demand group fills the gap. */
export interface FallbackConfig {
  /** Most on-demand instances the fallback adds (bounds its cost; the report's worst case includes it). */
  readonly maxInstances: number;
  /** Minutes of failing spot launches (or spot capacity below what the group wants) before it engages. */
  readonly engageAfterMinutes: number;
  /** Minutes spot must be healthy again before the capacity is handed back to spot. */
  readonly releaseAfterMinutes: number;
}

export interface CostConfig {
  /** Serving throughput per instance type at target utilization (requests/second), for cost per million requests. */
  readonly throughputRps?: Readonly<Record<string, number>>;
  /** Hourly rates of a Savings Plan / Reserved Instances for the baseline, shown beside on-demand. */
  readonly commitment?: { readonly label: string; readonly hourlyUsd: Readonly<Record<string, number>> };
  /** `cost:check` fails when expected monthly cost grows more than this over the base branch. */
  readonly maxIncreasePercent: number;
  /** `cost:check` fails, and the report flags it, when the worst case exceeds this many USD a month. */
  readonly maxWorstCaseUsd?: number;
  /** What one spot interruption costs; each figure overrides what the estimate takes by default. */
  readonly churn?: {
    /** Seconds a replacement runs before it serves. Default: `fleet.scaling.warmupSeconds`. */
    readonly warmupSeconds?: number;
    /** Seconds an interrupted host drains while paid and not serving. Default: `interruption.drainTimeoutSeconds`. */
    readonly drainOverlapSeconds?: number;
    /** Model downloaded per launch, GB (priced through NAT). Default: unknown, not priced. */
    readonly modelSizeGb?: number;
  };
}

export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** 12-digit account id; falls back to CDK_DEFAULT_ACCOUNT, else the stack stays account-agnostic. */
  readonly account?: string;
  readonly region: string;
  /** Availability zones the fleet spans, explicit (at least 3 for staging and prod). */
  readonly availabilityZones: readonly string[];
  readonly fleet: FleetConfig;
  readonly tags: TagsConfig;
  readonly budget: BudgetConfig;
  /** Scale-to-zero schedule; absent means always on. */
  readonly schedule?: ScheduleConfig;
  readonly usage: UsageConfig;
  readonly interruption: InterruptionConfig;
  /** On-demand fallback when spot runs dry; absent means off. */
  readonly fallback?: FallbackConfig;
  readonly cost: CostConfig;
  /**
   * Days CloudWatch Logs keeps every log group of the stack (the Lambdas', VPC flow logs): one of CloudWatch's
   * retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
   * 3288, 3653), at least 365 in prod.
   */
  readonly logRetentionDays: number;
}
