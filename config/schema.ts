import { z } from 'zod';
import { KNOWN_REGIONS } from '../lib/catalog/regions';
import { KNOWN_WARNING_IDS, WarningId } from '../lib/shared/warning-ids';
import { DayOfWeek, WEEKDAYS } from '../lib/shared/weekly-schedule';
import { closest } from './closest';

/**
 * The one definition of an environment's config: shape, per-field rules and their messages, and the field docs
 * (JSDoc on each field, which editors show on the inferred types of `config/types.ts`). Every object is strict: a key
 * that is not a field here fails validation with the closest field's name, so a typo never silently drops a block.
 *
 * Adding a field: add it here with its JSDoc and a message per rule (`{ error: 'must be ...' }`), put a rule that needs
 * several fields in `config/rules.ts`, and assert each message in test/config.
 *
 * Sizes (min, max, on-demand base, average spot) count instances when every instance type has the same number of
 * GPUs, and GPUs otherwise: the group then weights each type by its GPU count.
 */

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;

/**
 * The retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy; CDK's `logs.RetentionDays` without
 * INFINITE, a test keeps the two equal).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

// Pragmatic address check (what AWS SNS / Budgets accept in practice), not full RFC 5322.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const size = (rule = 'must be a whole number >= 0') =>
  z.number({ error: rule }).int({ error: rule }).min(0, { error: rule });

const LOG_RETENTION_RULE = `must be one of CloudWatch Logs' retention periods in days: ${LOG_RETENTION_DAYS.join(', ')}`;

const nonEmpty = z.string({ error: 'must be a non-empty string' }).trim().min(1, { error: 'must be a non-empty string' });

/** A strict object: unknown keys are reported (with the closest field, see validate.ts), a non-object named as such. */
const block = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape, { error: 'must be an object' });

const WEEKDAY_LIST = WEEKDAYS.join(', ');

export const ExistingVpcSchema = block({
  /** `vpc-...` */
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'must be a VPC id (vpc-0123abcd...)' }),
  /** Private subnet (with egress) per availability zone, e.g. `{ 'us-east-1a': 'subnet-0abc...' }`. */
  privateSubnetIds: z.record(z.string(), z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id (subnet-0123abcd...)' }), { error: 'must map AZ names to subnet ids' }),
});

/** The metric the spot burst follows. */
export const ScalingMetricSchema = z.discriminatedUnion('kind', [
  /** Average GPU utilization of the group's hosts (CloudWatch agent `nvidia_smi_utilization_gpu`). */
  block({
    kind: z.literal('gpu-utilization'),
    /** Target average GPU utilization, percent. */
    targetPercent: z.number({ error: 'must be a percentage from 1 to 100' })
      .gt(0, { error: 'must be from 1 to 100' }).max(100, { error: 'must be from 1 to 100' }),
  }),
  /** Any metric, e.g. queue depth per instance. Target tracking keeps its group-wide value at `targetValue`. */
  block({
    kind: z.literal('custom'),
    namespace: nonEmpty,
    metricName: nonEmpty,
    dimensions: z.record(z.string(), nonEmpty, { error: 'must map dimension names to values' }).optional(),
    statistic: z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'], {
      error: 'must be one of Average, Sum, Maximum, Minimum, SampleCount',
    }),
    targetValue: z.number({ error: 'must be a number > 0' }).gt(0, { error: 'must be > 0' }),
  }),
], { error: "must have kind 'gpu-utilization' or 'custom'" });

export const FleetSchema = block({
  /** GPU instance types, in on-demand priority order (the on-demand base runs on the first one available). */
  instanceTypes: z.array(z.string({ error: 'must be an instance type name' }), { error: 'must be a list of GPU instance types' })
    .min(1, { error: 'must list at least one GPU instance type' }),
  /** On-demand instances (or GPUs) that always run, whatever spot does. */
  onDemandBaseCapacity: size(),
  /** Share of capacity above the base that is spot, 0-100. */
  spotPercentageAboveBase: z.number({ error: 'must be a number from 0 to 100' })
    .min(0, { error: 'must be from 0 to 100' }).max(100, { error: 'must be from 0 to 100' }),
  /** Smallest size of the group. */
  minSize: size(),
  /** Largest size of the group (bounds the worst-case cost). */
  maxSize: size('must be a whole number >= 1').min(1, { error: 'must be a whole number >= 1' }),
  /** Root gp3 volume, GiB. Must be at least the AMI's snapshot size. */
  rootVolumeGiB: z.number({ error: 'must be a whole number of GiB' }).int({ error: 'must be a whole number of GiB' })
    .min(30, { error: 'must be 30 to 16384 GiB (gp3 limit; GPU AMIs need tens of GiB)' })
    .max(16384, { error: 'must be 30 to 16384 GiB (gp3 limit; GPU AMIs need tens of GiB)' }),
  /** How the spot burst scales. */
  scaling: block({
    /** The metric the burst follows. */
    metric: ScalingMetricSchema,
    /** Seconds a new host needs before its metrics count (GPU hosts load models for minutes). */
    warmupSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds' })
      .min(0, { error: 'must be from 0 to 3600 seconds' }).max(3600, { error: 'must be from 0 to 3600 seconds' }),
    /** Predictive scaling for daily traffic cycles. */
    predictive: z.enum(['off', 'forecast-only', 'forecast-and-scale'], {
      error: "must be 'off', 'forecast-only' or 'forecast-and-scale'",
    }),
  }),
  /** NAT gateways of the created VPC (one per AZ for high availability, fewer to save money). */
  natGateways: size('must be a whole number >= 0'),
  /** Use this VPC instead of creating one. No lookup: ids are given, so synth needs no account. */
  existingVpc: ExistingVpcSchema.optional(),
  /** SSM parameter holding the AMI id; resolved at deploy time. Defaults to the Deep Learning Base GPU AMI (AL2023). */
  amiSsmParameter: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: 'must be an SSM parameter name starting with /' }).optional(),
});

export const TagsSchema = block({
  /** Team or person accountable, tag key `Owner`. */
  owner: nonEmpty,
  /** Cost centre, tag key `CostCentre`. */
  costCentre: nonEmpty,
  /** Environment, tag key `Environment`; also the cost-allocation tag budgets filter on. */
  environment: nonEmpty,
});

export const BudgetSchema = block({
  /** Monthly budget for this environment's tagged resources, USD. */
  monthlyLimitUsd: z.number({ error: 'must be a number of USD > 0' }).gt(0, { error: 'must be > 0 USD' }),
  /** Who gets the budget and fleet notifications. */
  alertEmails: z.array(z.string().regex(EMAIL, { error: 'is not a valid email address' }))
    .min(1, { error: 'must list at least one email address' }),
  /** Cap the fleet when 100% of the budget is actually spent (dev/staging: to zero; prod: to its base). */
  killSwitch: z.boolean({ error: 'must be true or false' }),
  /** Create a cost anomaly monitor for the environment's tag (one per dimension per account; see README). */
  anomalyMonitor: z.boolean({ error: 'must be true or false' }),
});

/**
 * A window during which the fleet runs; outside every window the schedule takes it to zero. The times' format, the
 * time zone and the windows' semantics are checked by lib/shared/weekly-schedule.ts (config/rules.ts calls it), the
 * same code the ScaleToZeroSchedule construct runs.
 */
export const SchedulePeriodSchema = block({
  /** The days the period starts on. */
  days: z.array(z.enum(WEEKDAYS as [DayOfWeek, ...DayOfWeek[]], { error: `must be one of ${WEEKDAY_LIST}` }), { error: `must list at least one of ${WEEKDAY_LIST}` })
    .min(1, { error: `must list at least one of ${WEEKDAY_LIST}` }),
  /** `HH:MM`, 24-hour, `00:00`-`23:59`, local to the schedule's time zone. */
  start: z.string({ error: 'must be HH:MM, 24-hour, 00:00-23:59' }),
  /**
   * `HH:MM`, `00:00`-`24:00`: `24:00` is the end of the day, an end at or before `start` (`22:00`-`06:00`) is on the
   * next day. Periods that touch or overlap (MON 00:00-24:00 and TUE 00:00-24:00) are merged: no stop between them.
   */
  end: z.string({ error: 'must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)' }),
});

/**
 * A minimum capacity for part of the up-time: on each of `days` from `start` to `end` (a period's grammar) the group's
 * minimum is `minCapacity` instead of `fleet.minSize`. Checked by lib/shared/capacity-levels.ts (config/rules.ts calls
 * it), as the construct checks it: inside the periods, no overlap with another level, above `fleet.minSize`, at most
 * `fleet.maxSize`.
 */
export const CapacityLevelSchema = SchedulePeriodSchema.extend({
  /** The group's minimum during the level (instances, or GPUs when the fleet's types differ in GPU count). */
  minCapacity: size(),
});

export const ScheduleSchema = block({
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: z.string({ error: 'must be an IANA time zone name such as Europe/Berlin or America/New_York' }),
  /** When the fleet runs. */
  periods: z.array(SchedulePeriodSchema, { error: 'must list at least one period; to keep the fleet always on, remove the schedule' })
    .min(1, { error: 'must list at least one period; to keep the fleet always on, remove the schedule' }),
  /**
   * Minimum capacity by time of day, e.g. `[{ days: ['MON', ..., 'FRI'], start: '09:00', end: '17:00', minCapacity: 3 }]`;
   * outside every level the fleet is up at `fleet.minSize`. The cost estimate prices each level's hours.
   */
  capacity: z.array(CapacityLevelSchema, { error: 'must list capacity levels { days, start, end, minCapacity }' })
    .min(1, { error: 'must list at least one level { days, start, end, minCapacity }; to run at fleet.minSize whenever the fleet is up, remove it' })
    .optional(),
});

export const UsageSchema = block({
  /** Average number of spot instances (or GPUs) running above the base, for the cost estimate. */
  averageSpotInstances: z.number({ error: 'must be a number >= 0' }).min(0, { error: 'must be >= 0' }),
  /** Hours per month the fleet runs when it has no schedule (730 = always on). */
  hoursPerMonth: z.number({ error: 'must be hours from 0 to 744' }).gt(0, { error: 'must be > 0 and <= 744 hours' })
    .max(744, { error: 'must be > 0 and <= 744 hours (a 31-day month)' }),
});

export const InterruptionSchema = block({
  /** What a rebalance recommendation does: drain early (default for GPU fleets) or only notify. */
  rebalanceAction: z.enum(['drain', 'notify'], { error: "must be 'drain' or 'notify'" }),
  /** Alarm when more spot interruptions than this arrive within an hour. */
  interruptionsPerHourAlarm: z.number({ error: 'must be a whole number >= 1' }).int({ error: 'must be a whole number >= 1' })
    .min(1, { error: 'must be a whole number >= 1' }),
  /** Seconds the drain command may run before the host is let go. */
  // The handler waits for the drain inside one Lambda invocation (15 min at most, with margin): 720 s.
  drainTimeoutSeconds: z.number({ error: 'must be whole seconds from 30 to 720' }).int({ error: 'must be whole seconds from 30 to 720' })
    .min(30, { error: 'must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)' })
    .max(720, { error: 'must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)' }),
});

/** On-demand fallback: when spot launches keep failing, a separate on-demand group fills the gap. */
export const FallbackSchema = block({
  /** Most on-demand instances the fallback adds (bounds its cost; the report's worst case includes it). */
  maxInstances: z.number({ error: 'must be a whole number from 1 to 100' }).int({ error: 'must be a whole number from 1 to 100' })
    .min(1, { error: 'must be a whole number from 1 to 100' }).max(100, { error: 'must be a whole number from 1 to 100' }),
  /** Minutes of failing spot launches (or spot capacity below what the group wants) before it engages. */
  // The controller runs once a minute and waits 3 x engageAfter without failures (at most 120 min).
  engageAfterMinutes: z.number({ error: 'must be whole minutes from 1 to 40' }).int({ error: 'must be whole minutes from 1 to 40' })
    .min(1, { error: 'must be whole minutes from 1 to 40' }).max(40, { error: 'must be whole minutes from 1 to 40' }),
  /** Minutes spot must be healthy again before the capacity is handed back to spot. */
  releaseAfterMinutes: z.number({ error: 'must be whole minutes from 5 to 120' }).int({ error: 'must be whole minutes from 5 to 120' })
    .min(5, { error: 'must be whole minutes from 5 to 120' }).max(120, { error: 'must be whole minutes from 5 to 120' }),
});

export const CostSchema = block({
  /** Serving throughput per instance type at target utilization (requests/second), for cost per million requests. */
  throughputRps: z.record(z.string(), z.number().gt(0, { error: 'must be requests/second > 0' }), { error: 'must map instance types to requests/second' }).optional(),
  /** Hourly rates of a Savings Plan / Reserved Instances for the baseline, shown beside on-demand. */
  commitment: block({
    /** Shown in the report, e.g. `Compute Savings Plan, 1 year, no upfront`. */
    label: nonEmpty,
    /** USD per hour per instance type. */
    hourlyUsd: z.record(z.string(), z.number().gt(0, { error: 'must be USD per hour > 0' }), { error: 'must map instance types to USD per hour' }),
  }).optional(),
  /** `cost:check` fails when expected monthly cost grows more than this over the base branch. */
  maxIncreasePercent: z.number({ error: 'must be a percentage >= 0' }).min(0, { error: 'must be >= 0' }),
  /** `cost:check` fails, and synth warns, when the worst case exceeds this many USD a month. */
  maxWorstCaseUsd: z.number({ error: 'must be a number of USD > 0' }).refine(Number.isFinite, { error: 'must be a finite number of USD > 0' })
    .gt(0, { error: 'must be > 0 USD' }).optional(),
  /** What one spot interruption costs; each figure overrides what the estimate takes by default. */
  churn: block({
    /** Seconds a replacement runs before it serves. Default: `fleet.scaling.warmupSeconds`. */
    warmupSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds from 0 to 3600' })
      .min(0, { error: 'must be whole seconds from 0 to 3600' }).max(3600, { error: 'must be whole seconds from 0 to 3600' }).optional(),
    /** Seconds an interrupted host drains while paid and not serving. Default: `interruption.drainTimeoutSeconds`. */
    drainOverlapSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds from 0 to 3600' })
      .min(0, { error: 'must be whole seconds from 0 to 3600' }).max(3600, { error: 'must be whole seconds from 0 to 3600' }).optional(),
    /** Model downloaded per launch, GB (priced through NAT). Default: unknown, not priced. */
    modelSizeGb: z.number({ error: 'must be a number of GB > 0' }).refine(Number.isFinite, { error: 'must be a finite number of GB > 0' })
      .gt(0, { error: 'must be > 0 GB' }).max(16384, { error: 'must be <= 16384 GB (the largest gp3 volume)' }).optional(),
  }).optional(),
});

/** `gpu-fleet:singleAZ` -> `gpu-fleet:singleAz`; `singleAz` (no prefix) too. */
function warningIdRule(input: unknown): string {
  const ids = KNOWN_WARNING_IDS;
  const guess = typeof input === 'string' ? closest(input, ids) ?? closest(`gpu-fleet:${input}`, ids) : undefined;
  return guess
    ? `is not a warning id this project emits; did you mean ${guess}?`
    : `is not a warning id this project emits; the ids are ${ids.join(', ')}`;
}

/** A synth warning the environment accepts, and why (shown to reviewers in the config, not at synth). */
export const AcknowledgementSchema = block({
  /** The warning's id, e.g. `gpu-fleet:singleAz` (lib/shared/warning-ids.ts lists them). */
  id: z.enum(KNOWN_WARNING_IDS as [WarningId, ...WarningId[]], { error: (issue) => warningIdRule(issue.input) }),
  /** Why this environment accepts the risk. */
  reason: z.string({ error: 'must say why the warning is accepted (a non-empty reason)' }).trim()
    .min(1, { error: 'must say why the warning is accepted (a non-empty reason)' }),
});

/** One environment (dev, staging, prod): `config/environments.ts` holds the data. */
export const EnvironmentSchema = block({
  /** The environment; also the stack's name (`GpuFleet-<name>`). */
  name: z.enum(ENVIRONMENT_NAMES, { error: 'must be one of dev, staging, prod' }),
  /** 12-digit account id; falls back to CDK_DEFAULT_ACCOUNT, else the stack stays account-agnostic. */
  account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }).optional(),
  /** AWS region, e.g. `us-east-1`. */
  region: z.enum(KNOWN_REGIONS as [string, ...string[]], { error: `must be an AWS region with GPU capacity, e.g. us-east-1` }),
  /** Availability zones the fleet spans, explicit (at least 3 for staging and prod). */
  availabilityZones: z.array(z.string({ error: 'must be an AZ name such as us-east-1a' }), { error: 'must be a list of AZ names' })
    .min(1, { error: 'must list at least one availability zone' }),
  /** The GPU fleet: types, sizes, spot share, scaling, network. */
  fleet: FleetSchema,
  /** Tags on every resource. */
  tags: TagsSchema,
  /** Budget, its alerts and guardrails. */
  budget: BudgetSchema,
  /** Scale-to-zero schedule; absent means always on. */
  schedule: ScheduleSchema.optional(),
  /** What the cost estimate assumes about usage. */
  usage: UsageSchema,
  /** Spot interruption handling. */
  interruption: InterruptionSchema,
  /** On-demand fallback when spot runs dry; absent means off. */
  fallback: FallbackSchema.optional(),
  /** Cost report inputs and the PR cost gate. */
  cost: CostSchema,
  /**
   * Days CloudWatch Logs keeps every log group of the stack (the Lambdas', VPC flow logs): one of CloudWatch's
   * retention periods (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
   * 3288, 3653), at least 365 in prod.
   */
  logRetentionDays: z.number({ error: LOG_RETENTION_RULE }).refine((d) => LOG_RETENTION_DAYS.includes(d), { error: LOG_RETENTION_RULE }),
  /**
   * Synth warnings this environment accepts, each with its reason: the stack acknowledges them, so they stop showing
   * (and stop failing `cdk synth --strict`). Only `gpu-fleet:*` ids the project emits.
   */
  acknowledge: z.array(AcknowledgementSchema, { error: 'must be a list of { id, reason }' }).optional(),
});
