import { z } from 'zod';
import { KNOWN_REGIONS } from '../lib/catalog/regions';
import { ALLOWED_DOCKER_ARGS_TEXT, isAllowedDockerArg } from '../lib/shared/docker-args';
import {
  ALB_PATH_PATTERN, ALB_PATH_PATTERN_RULE, CERTIFICATE_ARN, HEALTH_CHECK_PATH, IMAGE_DIGEST, IMAGE_TAG, IPV4_CIDR, KMS_KEY_ARN, PUBLIC_IMAGE_URI, isHealthyHttpCodes,
  isSafeKeyPrefix, MAX_RULE_CONDITION_VALUES, parseEcrRepository, parseS3Uri, secretArnSource,
} from '../lib/shared/serving-spec';
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

const subnetsByAz = () => z.record(z.string(), z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id (subnet-0123abcd...)' }), { error: 'must map AZ names to subnet ids' });

export const ExistingVpcSchema = block({
  /** `vpc-...` */
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'must be a VPC id (vpc-0123abcd...)' }),
  /** Private subnet (with egress) per availability zone, e.g. `{ 'us-east-1a': 'subnet-0abc...' }`. */
  privateSubnetIds: subnetsByAz(),
  /** Public subnet per AZ, one for every configured AZ: an internet-facing serving endpoint needs them. */
  publicSubnetIds: subnetsByAz().optional(),
  /** Route table of each private subnet, per AZ: `serving` with `s3GatewayEndpoint: 'create'` adds the S3 route to them. */
  privateRouteTableIds: z.record(z.string(), z.string().regex(/^rtb-[0-9a-f]{8,17}$/, { error: 'must be a route table id (rtb-0123abcd...)' }), { error: 'must map AZ names to route table ids' }).optional(),
  /** The VPC's IPv4 CIDR: the clients an internal serving endpoint admits by default (an imported VPC has no known CIDR). */
  cidrBlock: z.string({ error: 'must be an IPv4 CIDR like 10.0.0.0/16' }).regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR like 10.0.0.0/16' }).optional(),
  /**
   * With `serving`: `create` an S3 gateway endpoint on `privateRouteTableIds` (free; model and image downloads stop
   * paying NAT), or say one `exists` already (a second on the same route tables fails the deploy), or `none` (warning
   * `gpu-fleet:downloadsOverNat`: downloads go through NAT). We cannot tell from ids alone, so the config says.
   */
  s3GatewayEndpoint: z.enum(['create', 'exists', 'none'], { error: "must be 'create', 'exists' or 'none'" }).optional(),
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
  /**
   * Requests per host through the serving endpoint (ALB `RequestCountPerTarget`); needs `serving` and
   * `cost.throughputRps` for every type. Target per host and minute = 60 x the slowest type's requests/second x
   * `targetUtilizationPercent` / 100 (round robin gives every host the same share).
   */
  block({
    kind: z.literal('request-count'),
    /** Share of the measured throughput (`cost.throughputRps`, already at target utilization) a host should get. @default 100 */
    targetUtilizationPercent: z.number({ error: 'must be a percentage from 1 to 100' })
      .min(1, { error: 'must be from 1 to 100' }).max(100, { error: 'must be from 1 to 100' }).optional(),
    /**
     * A second policy that scales out when the SLO latency percentile (`serving.slo`) exceeds the SLO; the group scales
     * in only when both policies agree. Built by the serving scaling part. @default true
     */
    latencyGuard: z.boolean({ error: 'must be true or false' }).optional(),
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
], { error: "must have kind 'gpu-utilization', 'request-count' or 'custom'" });

export const FleetSchema = block({
  /** GPU instance types, in on-demand priority order (the on-demand base runs on the first one available). */
  instanceTypes: z.array(z.string({ error: 'must be an instance type name' }), { error: 'must be a list of GPU instance types' })
    .min(1, { error: 'must list at least one GPU instance type' }),
  /** On-demand capacity that always runs, whatever spot does, in capacity units (instances, GPUs or throughput units: `capacityUnit`). */
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
    /**
     * Seconds a new host needs before its metrics count (GPU hosts load models for minutes). Required without
     * `serving`; with `serving` it is derived (slow start + 2 health-check intervals: a host is InService only once
     * its server answers) and must be absent.
     */
    warmupSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds' })
      .min(0, { error: 'must be from 0 to 3600 seconds' }).max(3600, { error: 'must be from 0 to 3600 seconds' }).optional(),
    /** Predictive scaling for daily traffic cycles. */
    predictive: z.enum(['off', 'forecast-only', 'forecast-and-scale'], {
      error: "must be 'off', 'forecast-only' or 'forecast-and-scale'",
    }),
  }),
  /** NAT gateways of the created VPC (one per AZ for high availability, fewer to save money). */
  natGateways: size('must be a whole number >= 0'),
  /** Use this VPC instead of creating one. No lookup: ids are given, so synth needs no account. */
  existingVpc: ExistingVpcSchema.optional(),
  /**
   * What min, max, base and average spot count: `auto` (instances, or GPUs when the types differ in GPU count) or
   * `throughput` (requests/second at target utilization, from `cost.throughputRps`, so a g6e counts for what it
   * serves; needs `serving` and least-outstanding-requests routing). @default 'auto'
   */
  capacityUnit: z.enum(['auto', 'throughput'], { error: "must be 'auto' or 'throughput'" }).optional(),
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
  /** Average capacity running above the base, for the cost estimate, in capacity units (instances, GPUs or throughput units: `fleet.capacityUnit`). */
  averageSpotInstances: z.number({ error: 'must be a number >= 0' }).min(0, { error: 'must be >= 0' }),
  /** Hours per month the fleet runs when it has no schedule (730 = always on). */
  hoursPerMonth: z.number({ error: 'must be hours from 0 to 744' }).gt(0, { error: 'must be > 0 and <= 744 hours' })
    .max(744, { error: 'must be > 0 and <= 744 hours (a 31-day month)' }),
});

export const InterruptionSchema = block({
  /** What a rebalance recommendation does: drain early (default for GPU fleets) or only notify. */
  rebalanceAction: z.enum(['drain', 'notify'], { error: "must be 'drain' or 'notify'" }),
  /** Alarm when more spot interruptions than this arrive within an hour. */
  interruptionsPerHourAlarm: z.number({ error: 'must be a whole number from 1 to 10000' }).int({ error: 'must be a whole number from 1 to 10000' })
    .min(1, { error: 'must be a whole number from 1 to 10000' })
    .max(10000, { error: 'must be a whole number from 1 to 10000 (the alarm fires above this many interruptions per hour)' }),
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

// --- serving ----------------------------------------------------------------------------------------------------

/**
 * Defaults of the optional `serving` fields, in one place: the stack applies them (lib/stacks/serving-props.ts) and
 * the cross-field rules judge with them.
 */
export const SERVING_DEFAULTS = {
  imageSizeGiB: 10,
  port: 8000,
  healthCheck: { path: '/health', healthyHttpCodes: '200', intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
  endpoint: { scheme: 'internal', routing: 'round_robin', idleTimeoutSeconds: 300, deregistrationDelaySeconds: 120, accessLogRetentionDays: 90 },
  slo: { latencyPercentile: 'p90', max5xxPercent: 1 },
  expectedLoad: { bytesPerRequest: 16384, requestsPerConnection: 1 },
  rollout: { bakeTimeSeconds: 600, checkpointDelaySeconds: 600 },
  requestCount: { targetUtilizationPercent: 100, latencyGuard: true },
  /** Root volume the Deep Learning AMI takes besides model and image: its snapshot (about 75 GiB) + 10 GiB working space. */
  amiReserveGiB: 85,
} as const;

const wholeNumber = (min: number, max: number, unit: string, why = '') => {
  const rule = `must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}${why ? `: ${why}` : ''}`;
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
};
const positive = (rule: string) => z.number({ error: rule }).gt(0, { error: rule });
const LINE_BREAK = /[\r\n\0]/;
const oneLine = (rule: string) => z.string({ error: rule }).refine((v) => !LINE_BREAK.test(v), { error: rule });

const ECR_RULE = 'is not an ECR repository name or ARN: lowercase letters, digits and . _ - separated by /, 2-256 characters, or arn:aws:ecr:<region>:<account>:repository/<name>';
const S3_URI_RULE = 'must be s3://<bucket>/<prefix> with a bucket name and a non-empty prefix';
const S3_PREFIX_RULE = "must have a key prefix of letters, digits and ! _ . ' ( ) - separated by single / (no *, ?, . or .. segments: it becomes an IAM resource)";
const SECRET_ARN_RULE = 'must be a full secret ARN ending in -<6 characters> (copy it from the console), or an SSM parameter ARN';
const KMS_RULE = 'must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)';

/** The container image: an ECR repository (the hosts may pull from it only) or a public image, by tag or digest. */
export const ServingImageSchema = block({
  /** ECR repository name (`ml-platform/vllm-openai`) or ARN. Exactly one of `ecrRepository` and `uri`. */
  ecrRepository: z.string({ error: ECR_RULE }).refine((v) => parseEcrRepository(v) !== undefined, { error: ECR_RULE }).optional(),
  /**
   * An image outside ECR, `<registry>/<path>` without tag or digest (`docker.io/vllm/vllm-openai`): pulled over NAT on
   * every launch, subject to the registry's rate limits (warning `gpu-fleet:publicImage`).
   */
  uri: z.string({ error: 'must be <registry>/<path> in lowercase, without tag or digest' })
    .regex(PUBLIC_IMAGE_URI, { error: 'must be <registry>/<path> in lowercase, without tag or digest (give those in tag or digest)' }).optional(),
  /**
   * Exactly one of `tag` and `digest`. A tag is mutable: pushing it again rolls no host, and new hosts silently get the
   * new image (warning `gpu-fleet:mutableImageTag`).
   */
  tag: z.string({ error: 'must be an image tag' }).regex(IMAGE_TAG, { error: 'must be 1-128 letters, digits, _ . - (not starting with . or -)' }).optional(),
  /** `sha256:<64 hex>`: a new digest changes the user data, so the hosts are replaced. */
  digest: z.string({ error: 'must be sha256:<64 lowercase hex>' }).regex(IMAGE_DIGEST, { error: 'must be sha256:<64 lowercase hex>' }).optional(),
  /** Compressed size, GiB: for the root-volume check and the download cost. @default 10 */
  sizeGiB: positive('must be GiB > 0').optional(),
});

/** The load balancer's health check of every host (the readiness check polls the same path on the host). */
export const ServingHealthCheckSchema = block({
  /** Starts with /, at most 1024 URL path characters. @default '/health' */
  path: z.string({ error: 'must start with / (e.g. /health)' }).refine((p) => HEALTH_CHECK_PATH.test(p), {
    error: (issue) => String(issue.input).startsWith('/')
      ? "must be a URL path of at most 1024 characters: letters, digits and / . _ ~ % ! $ & ' ( ) * + , ; = : @ -"
      : 'must start with / (e.g. /health)',
  }).optional(),
  /** HTTP codes of a healthy answer: `200`, `200-299`, `200,202` (codes 200-499). @default '200' */
  healthyHttpCodes: z.string({ error: 'must be HTTP codes 200-499 as "200", "200-299" or "200,202"' })
    .refine(isHealthyHttpCodes, { error: 'must be HTTP codes 200-499 as "200", "200-299" or "200,202"' }).optional(),
  /** Seconds between checks, 5-300, longer than `timeoutSeconds`. @default 15 */
  intervalSeconds: wholeNumber(5, 300, 'seconds', 'ALB range').optional(),
  /** Seconds one check may take, 2-120. @default 5 */
  timeoutSeconds: wholeNumber(2, 120, 'seconds', 'ALB range').optional(),
  /** Successes before a host gets traffic, 2-10. @default 2 */
  healthyThreshold: wholeNumber(2, 10, '', 'ALB range').optional(),
  /** Failures before a host loses traffic, 2-10: 3 x 15 s tolerates a compile or GC pause under load. @default 3 */
  unhealthyThreshold: wholeNumber(2, 10, '', 'ALB range').optional(),
});

/** A secret the container gets as an environment variable: the host fetches it at each start, never in user data. */
export const ServingSecretSchema = block({
  /** Full Secrets Manager ARN (with its 6-character suffix) or SSM parameter ARN (String or SecureString). */
  arn: z.string({ error: SECRET_ARN_RULE }).refine((a) => secretArnSource(a) !== undefined, { error: SECRET_ARN_RULE }),
  /** Customer-managed key of the value (AWS managed keys `aws/secretsmanager`, `aws/ssm` need no grant). */
  kmsKeyArn: z.string({ error: KMS_RULE }).regex(KMS_KEY_ARN, { error: KMS_RULE }).optional(),
});

/** Model artifact synced from S3 to the host before the container starts, mounted read-only at /models. */
export const ServingModelSchema = block({
  /** `s3://<bucket>/<prefix>/`: the host may read only under the prefix. */
  s3Uri: z.string({ error: S3_URI_RULE }).refine((u) => parseS3Uri(u) !== undefined && isSafeKeyPrefix(parseS3Uri(u)!.prefix), {
    error: (issue) => (typeof issue.input === 'string' && parseS3Uri(issue.input) ? S3_PREFIX_RULE : S3_URI_RULE),
  }),
  /** Size, GiB: model + image + 85 GiB (the AMI and working space) must fit `fleet.rootVolumeGiB`. */
  sizeGiB: positive('must be GiB > 0'),
  /** Customer-managed key of SSE-KMS objects. */
  kmsKeyArn: z.string({ error: KMS_RULE }).regex(KMS_KEY_ARN, { error: KMS_RULE }).optional(),
});

/** The front door: an Application Load Balancer, internal by default. */
export const ServingEndpointSchema = block({
  /** `internal` (default) or `internet-facing` (HTTPS only: needs `certificateArn`, and public subnets). */
  scheme: z.enum(['internal', 'internet-facing'], { error: "must be 'internal' or 'internet-facing'" }).optional(),
  /** ACM certificate of the HTTPS listener, in the environment's region. Required when internet-facing. */
  certificateArn: z.string({ error: 'must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>' })
    .regex(CERTIFICATE_ARN, { error: 'must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>' }).optional(),
  /** IPv4 CIDRs that may reach the listener. @default - the VPC CIDR (internal), 0.0.0.0/0 (internet-facing) */
  allowedCidrs: z.array(z.string({ error: 'must be an IPv4 CIDR like 10.0.0.0/8' }).regex(IPV4_CIDR, { error: 'must be an IPv4 CIDR like 10.0.0.0/8' }), { error: 'must be a list of IPv4 CIDRs' })
    .min(1, { error: 'must list at least one CIDR: nobody could reach the endpoint' }).optional(),
  /**
   * ALB path patterns (e.g. `/v1/*`) the load balancer forwards to the hosts, 1-5; every other path gets a fixed 403.
   * vLLM's API key guards `/v1/*` only. @default - every path (only `/metrics` answers 403)
   */
  allowedPaths: z.array(z.string({ error: ALB_PATH_PATTERN_RULE }).regex(ALB_PATH_PATTERN, { error: ALB_PATH_PATTERN_RULE }), { error: 'must be a list of ALB path patterns like /v1/*' })
    .min(1, { error: 'must list at least one path pattern: every request would be refused' })
    .max(MAX_RULE_CONDITION_VALUES, { error: `must list at most ${MAX_RULE_CONDITION_VALUES} path patterns: one listener rule's condition limit (ALB quota)` }).optional(),
  /** `round_robin` (default) or `least_outstanding_requests` (no slow start with it). */
  routing: z.enum(['round_robin', 'least_outstanding_requests'], { error: "must be 'round_robin' or 'least_outstanding_requests'" }).optional(),
  /** A new host's share of requests ramps up over this time: 0 or 30-900. @default clamp(startupSeconds / 4, 30, 900), 0 with least outstanding requests */
  slowStartSeconds: z.number({ error: 'must be 0 or whole seconds from 30 to 900 (ALB range)' }).int({ error: 'must be 0 or whole seconds from 30 to 900 (ALB range)' })
    .refine((v) => v === 0 || (v >= 30 && v <= 900), { error: 'must be 0 or whole seconds from 30 to 900 (ALB range)' }).optional(),
  /** Idle timeout of client connections, 1-4000: non-streaming completions can exceed the ALB's 60 s default. @default 300 */
  idleTimeoutSeconds: wholeNumber(1, 4000, 'seconds', 'ALB range').optional(),
  /** How long in-flight requests of a deregistered host may finish, 0-3600 and at most `interruption.drainTimeoutSeconds`. @default 120, or the drain timeout when shorter */
  deregistrationDelaySeconds: wholeNumber(0, 3600, 'seconds', 'ALB range').optional(),
  /** Days the access logs are kept, 1-3650 (at least 365 in prod). @default 90 */
  accessLogRetentionDays: wholeNumber(1, 3650, 'days').optional(),
});

/** What the endpoint promises: alarms, the latency guard and the rollout's rollback read it. */
export const ServingSloSchema = block({
  /** Latency percentile the SLO is about. @default 'p90' */
  latencyPercentile: z.enum(['p50', 'p90', 'p95', 'p99'], { error: "must be 'p50', 'p90', 'p95' or 'p99'" }).optional(),
  /** Target response time at that percentile, seconds: above the health-check timeout, at most the idle timeout. */
  latencySeconds: positive('must be seconds > 0'),
  /** Highest share of 5xx answers, percent (0-100]. @default 1 */
  max5xxPercent: z.number({ error: 'must be a percentage > 0 and <= 100' }).gt(0, { error: 'must be > 0 and <= 100' }).max(100, { error: 'must be > 0 and <= 100' }).optional(),
  /** Alarm when the cost per 1,000 requests stays above this for 30 minutes, USD. @default - no ceiling alarm */
  costPer1kRequestsUsd: positive('must be USD > 0').optional(),
});

/** The load the cost report prices the endpoint at (ALB LCUs, cost per 1,000 requests). */
export const ServingExpectedLoadSchema = block({
  /** Average requests per second. */
  requestsPerSecond: positive('must be requests/second > 0'),
  /** Request + response bytes through the load balancer. @default 16384 */
  bytesPerRequest: wholeNumber(1, 1_000_000_000, 'bytes').optional(),
  /** Requests per client connection (keep-alive reuse). @default 1 */
  requestsPerConnection: z.number({ error: 'must be a number >= 1' }).min(1, { error: 'must be >= 1' }).optional(),
  /** Host launches per month (schedule starts, spot replacements, rollouts). @default - derived by the cost report */
  launchesPerMonth: z.number({ error: 'must be a number >= 0' }).min(0, { error: 'must be >= 0' }).optional(),
});

/** How a change of image, model or host set-up replaces the hosts (instance refresh; built by the rollout part). */
export const ServingRolloutSchema = block({
  /** Seconds the alarms are watched after the last batch, 0-172800. @default 600 */
  bakeTimeSeconds: wholeNumber(0, 172800, 'seconds').optional(),
  /** Percentages of the fleet to replace before each pause, ascending, the last 100 (e.g. [25, 100]). @default - no checkpoints */
  checkpointPercentages: z.array(wholeNumber(1, 100, '', 'a percentage of the fleet'), { error: 'must be a list of percentages' }).min(1, { error: 'must list at least one percentage (the last 100)' }).optional(),
  /** Pause at each checkpoint, seconds, 0-172800. @default 600 */
  checkpointDelaySeconds: wholeNumber(0, 172800, 'seconds').optional(),
});

/**
 * The model server on every GPU host and the load balancer in front of it. Absent: GPU hosts without a workload (as
 * before). See docs/serving.md for what each field does on the hosts and in the template.
 */
export const ServingSchema = block({
  /** The container image. */
  image: ServingImageSchema,
  /** Port the server listens on, in the container and on the host. @default 8000 */
  port: wholeNumber(1, 65535, '').optional(),
  /** Arguments after the image (the container's command), one word each, single-line. @default - the image's own */
  command: z.array(oneLine('must be one line (no line break or NUL)'), { error: 'must be a list of words' }).optional(),
  /** Health check of the load balancer and of the host's readiness. */
  healthCheck: ServingHealthCheckSchema.optional(),
  /**
   * Non-secret environment variables, single-line values (they are in the user data, readable with
   * ec2:DescribeInstanceAttribute; a secret-looking name warns `gpu-fleet:secretInEnvironment`).
   */
  environment: z.record(z.string(), oneLine('must be one line: a Docker env file holds one line per variable'), { error: 'must map variable names to values' }).optional(),
  /** Secrets by environment variable name, by ARN (Secrets Manager or SSM Parameter Store). */
  secrets: z.record(z.string(), ServingSecretSchema, { error: 'must map variable names to { arn, kmsKeyArn? }' }).optional(),
  /** Extra `docker run` arguments, `--flag=value`, from the allow-list (lib/shared/docker-args.ts). */
  dockerArgs: z.array(z.string({ error: `is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}` })
    .refine(isAllowedDockerArg, { error: `is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}` }), { error: 'must be a list of --flag=value arguments' }).optional(),
  /** Model artifact synced from S3 before the container starts. @default - none */
  model: ServingModelSchema.optional(),
  /**
   * Seconds from boot to a healthy server, image pull and model sync included, 60-6900: the unit's start timeout, the
   * readiness hook's wait (+300 s), and the default slow start (a quarter of it, 30-900).
   */
  startupSeconds: wholeNumber(60, 6900, 'seconds', 'the readiness hook waits at most 2 hours, 5 minutes of it after the startup'),
  /** The load balancer. @default - internal, HTTP 80 from the VPC CIDR */
  endpoint: ServingEndpointSchema.optional(),
  /** Latency and error objectives. */
  slo: ServingSloSchema,
  /** The load the cost report assumes. */
  expectedLoad: ServingExpectedLoadSchema,
  /** Network extras. */
  network: block({
    /** ECR interface endpoints (`ecr.api`, `ecr.dkr`): tokens and manifests off NAT, for an hourly fee per AZ. @default false */
    ecrInterfaceEndpoints: z.boolean({ error: 'must be true or false' }).optional(),
  }).optional(),
  /** Rollouts of a new image or model. @default - bake 600 s, no checkpoints */
  rollout: ServingRolloutSchema.optional(),
  /** Free text rendered into the user data: change it to replace the hosts when only a secret's value changed. */
  revision: z.string({ error: 'must be one line of at most 256 characters' }).max(256, { error: 'must be one line of at most 256 characters' })
    .refine((v) => !LINE_BREAK.test(v), { error: 'must be one line of at most 256 characters' }).optional(),
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
  /** The model server on every host and the load balancer in front of it; absent means GPU hosts without a workload. */
  serving: ServingSchema.optional(),
});
