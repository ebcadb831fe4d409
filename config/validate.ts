import { z } from 'zod';
import { gpuInstanceType, gpuInstanceTypeProblem } from '../lib/catalog/gpu-instance-types';
import { validateSchedule } from '../lib/schedule/schedule';
import { EnvironmentConfig } from './types';

/**
 * Thrown when environment config is wrong. `problems` holds one line per problem, each naming the
 * environment, the field, the bad value and the rule; the message lists them all.
 */
export class FleetConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(
      `Invalid environment config (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix config/environments.ts:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'FleetConfigError';
  }
}

/** Regions the fleet can be configured for (commercial regions with GPU capacity). */
export const KNOWN_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2',
  'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'me-central-1', 'me-south-1', 'il-central-1', 'af-south-1',
];

/** Environments whose fleet must span at least 3 AZs. */
const MIN_AZS: Record<string, number> = { dev: 1, staging: 3, prod: 3 };

/**
 * The retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy; CDK's `logs.RetentionDays` without
 * INFINITE, a test keeps the two equal).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Least log retention per environment: prod keeps a year for audits and incident reviews. */
const MIN_LOG_RETENTION_DAYS: Record<string, number> = { prod: 365 };

// Pragmatic address check (what AWS SNS / Budgets accept in practice), not full RFC 5322.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const size = (rule = 'must be a whole number >= 0') =>
  z.number({ error: rule }).int({ error: rule }).min(0, { error: rule });

const LOG_RETENTION_RULE = `must be one of CloudWatch Logs' retention periods in days: ${LOG_RETENTION_DAYS.join(', ')}`;

const nonEmpty = z.string({ error: 'must be a non-empty string' }).trim().min(1, { error: 'must be a non-empty string' });

/** Shape and per-field rules; cross-field rules follow in `crossFieldProblems`. */
const EnvironmentSchema = z.object({
  name: z.enum(['dev', 'staging', 'prod'], { error: 'must be one of dev, staging, prod' }),
  account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }).optional(),
  region: z.enum(KNOWN_REGIONS as [string, ...string[]], { error: `must be an AWS region with GPU capacity, e.g. us-east-1` }),
  availabilityZones: z.array(z.string({ error: 'must be an AZ name such as us-east-1a' }), { error: 'must be a list of AZ names' })
    .min(1, { error: 'must list at least one availability zone' }),
  fleet: z.object({
    instanceTypes: z.array(z.string({ error: 'must be an instance type name' }), { error: 'must be a list of GPU instance types' })
      .min(1, { error: 'must list at least one GPU instance type' }),
    onDemandBaseCapacity: size(),
    spotPercentageAboveBase: z.number({ error: 'must be a number from 0 to 100' })
      .min(0, { error: 'must be from 0 to 100' }).max(100, { error: 'must be from 0 to 100' }),
    minSize: size(),
    maxSize: size('must be a whole number >= 1').min(1, { error: 'must be a whole number >= 1' }),
    rootVolumeGiB: z.number({ error: 'must be a whole number of GiB' }).int({ error: 'must be a whole number of GiB' })
      .min(30, { error: 'must be 30 to 16384 GiB (gp3 limit; GPU AMIs need tens of GiB)' })
      .max(16384, { error: 'must be 30 to 16384 GiB (gp3 limit; GPU AMIs need tens of GiB)' }),
    scaling: z.object({
      metric: z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('gpu-utilization'),
          targetPercent: z.number({ error: 'must be a percentage from 1 to 100' })
            .gt(0, { error: 'must be from 1 to 100' }).max(100, { error: 'must be from 1 to 100' }),
        }),
        z.object({
          kind: z.literal('custom'),
          namespace: nonEmpty,
          metricName: nonEmpty,
          dimensions: z.record(z.string(), nonEmpty).optional(),
          statistic: z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'], {
            error: 'must be one of Average, Sum, Maximum, Minimum, SampleCount',
          }),
          targetValue: z.number({ error: 'must be a number > 0' }).gt(0, { error: 'must be > 0' }),
        }),
      ], { error: "must have kind 'gpu-utilization' or 'custom'" }),
      warmupSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds' })
        .min(0, { error: 'must be from 0 to 3600 seconds' }).max(3600, { error: 'must be from 0 to 3600 seconds' }),
      predictive: z.enum(['off', 'forecast-only', 'forecast-and-scale'], {
        error: "must be 'off', 'forecast-only' or 'forecast-and-scale'",
      }),
    }),
    natGateways: size('must be a whole number >= 0'),
    existingVpc: z.object({
      vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'must be a VPC id (vpc-0123abcd...)' }),
      privateSubnetIds: z.record(z.string(), z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'must be a subnet id (subnet-0123abcd...)' })),
    }).optional(),
    amiSsmParameter: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: 'must be an SSM parameter name starting with /' }).optional(),
  }),
  tags: z.object({ owner: nonEmpty, costCentre: nonEmpty, environment: nonEmpty }),
  budget: z.object({
    monthlyLimitUsd: z.number({ error: 'must be a number of USD > 0' }).gt(0, { error: 'must be > 0 USD' }),
    alertEmails: z.array(z.string().regex(EMAIL, { error: 'is not a valid email address' }))
      .min(1, { error: 'must list at least one email address' }),
    killSwitch: z.boolean({ error: 'must be true or false' }),
    anomalyMonitor: z.boolean({ error: 'must be true or false' }),
  }),
  schedule: z.object({ timeZone: z.string(), periods: z.array(z.any()) }).optional(),
  usage: z.object({
    averageSpotInstances: z.number({ error: 'must be a number >= 0' }).min(0, { error: 'must be >= 0' }),
    hoursPerMonth: z.number({ error: 'must be hours from 0 to 744' }).gt(0, { error: 'must be > 0 and <= 744 hours' })
      .max(744, { error: 'must be > 0 and <= 744 hours (a 31-day month)' }),
  }),
  interruption: z.object({
    rebalanceAction: z.enum(['drain', 'notify'], { error: "must be 'drain' or 'notify'" }),
    interruptionsPerHourAlarm: z.number({ error: 'must be a whole number >= 1' }).int({ error: 'must be a whole number >= 1' })
      .min(1, { error: 'must be a whole number >= 1' }),
    // The handler waits for the drain inside one Lambda invocation (15 min at most, with margin): 720 s.
    drainTimeoutSeconds: z.number({ error: 'must be whole seconds from 30 to 720' }).int({ error: 'must be whole seconds from 30 to 720' })
      .min(30, { error: 'must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)' })
      .max(720, { error: 'must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)' }),
  }),
  fallback: z.object({
    maxInstances: z.number({ error: 'must be a whole number from 1 to 100' }).int({ error: 'must be a whole number from 1 to 100' })
      .min(1, { error: 'must be a whole number from 1 to 100' }).max(100, { error: 'must be a whole number from 1 to 100' }),
    // The controller runs once a minute and waits 3 x engageAfter without failures (at most 120 min).
    engageAfterMinutes: z.number({ error: 'must be whole minutes from 1 to 40' }).int({ error: 'must be whole minutes from 1 to 40' })
      .min(1, { error: 'must be whole minutes from 1 to 40' }).max(40, { error: 'must be whole minutes from 1 to 40' }),
    releaseAfterMinutes: z.number({ error: 'must be whole minutes from 5 to 120' }).int({ error: 'must be whole minutes from 5 to 120' })
      .min(5, { error: 'must be whole minutes from 5 to 120' }).max(120, { error: 'must be whole minutes from 5 to 120' }),
  }).optional(),
  cost: z.object({
    throughputRps: z.record(z.string(), z.number().gt(0, { error: 'must be requests/second > 0' })).optional(),
    commitment: z.object({
      label: nonEmpty,
      hourlyUsd: z.record(z.string(), z.number().gt(0, { error: 'must be USD per hour > 0' })),
    }).optional(),
    maxIncreasePercent: z.number({ error: 'must be a percentage >= 0' }).min(0, { error: 'must be >= 0' }),
    maxWorstCaseUsd: z.number({ error: 'must be a number of USD > 0' }).refine(Number.isFinite, { error: 'must be a finite number of USD > 0' })
      .gt(0, { error: 'must be > 0 USD' }).optional(),
    churn: z.object({
      warmupSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds from 0 to 3600' })
        .min(0, { error: 'must be whole seconds from 0 to 3600' }).max(3600, { error: 'must be whole seconds from 0 to 3600' }).optional(),
      drainOverlapSeconds: z.number({ error: 'must be whole seconds from 0 to 3600' }).int({ error: 'must be whole seconds from 0 to 3600' })
        .min(0, { error: 'must be whole seconds from 0 to 3600' }).max(3600, { error: 'must be whole seconds from 0 to 3600' }).optional(),
      modelSizeGb: z.number({ error: 'must be a number of GB > 0' }).refine(Number.isFinite, { error: 'must be a finite number of GB > 0' })
        .gt(0, { error: 'must be > 0 GB' }).max(16384, { error: 'must be <= 16384 GB (the largest gp3 volume)' }).optional(),
    }, { error: 'must be an object with warmupSeconds, drainOverlapSeconds and/or modelSizeGb' }).strict().optional(),
  }),
  logRetentionDays: z.number({ error: LOG_RETENTION_RULE }).refine((d) => LOG_RETENTION_DAYS.includes(d), { error: LOG_RETENTION_RULE }),
});

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function formatPath(envName: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), envName);
}

/** Rules that need several fields at once. Runs only on input whose shape already passed the schema. */
function crossFieldProblems(env: EnvironmentConfig): string[] {
  const p: string[] = [];
  const n = env.name;
  const f = env.fleet;

  const minAzs = MIN_AZS[n] ?? 1;
  if (env.availabilityZones.length < minAzs) {
    p.push(`${n}.availabilityZones (${show(env.availabilityZones)}) must list at least ${minAzs} AZs for ${n}, so spot can move between zones`);
  }
  const seen = new Set<string>();
  env.availabilityZones.forEach((az, i) => {
    if (seen.has(az)) p.push(`${n}.availabilityZones[${i}] (${show(az)}) is listed twice; each AZ once`);
    seen.add(az);
    if (!new RegExp(`^${env.region}[a-z]$`).test(az)) {
      p.push(`${n}.availabilityZones[${i}] (${show(az)}) is not an AZ of region ${env.region} (expected ${env.region}a, ${env.region}b, ...)`);
    }
  });

  const typeSeen = new Set<string>();
  f.instanceTypes.forEach((t, i) => {
    if (typeSeen.has(t)) p.push(`${n}.fleet.instanceTypes[${i}] (${show(t)}) is listed twice; each type once`);
    typeSeen.add(t);
    const problem = gpuInstanceTypeProblem(t);
    if (problem) p.push(`${n}.fleet.instanceTypes[${i}] (${show(t)}) ${problem}`);
  });

  if (f.minSize > f.maxSize) p.push(`${n}.fleet.minSize (${f.minSize}) must be <= maxSize (${f.maxSize})`);
  if (f.onDemandBaseCapacity > f.maxSize) {
    p.push(`${n}.fleet.onDemandBaseCapacity (${f.onDemandBaseCapacity}) must be <= maxSize (${f.maxSize})`);
  }
  const usesSpot = f.spotPercentageAboveBase > 0 && f.maxSize > f.onDemandBaseCapacity;
  if (usesSpot && typeSeen.size < 2) {
    p.push(`${n}.fleet.instanceTypes (${show(f.instanceTypes)}) must list at least 2 GPU instance types when spot is used (spotPercentageAboveBase ${f.spotPercentageAboveBase}), so one dry spot pool does not stop the burst`);
  }
  const burst = f.maxSize - f.onDemandBaseCapacity;
  if (env.usage.averageSpotInstances > Math.max(0, burst)) {
    p.push(`${n}.usage.averageSpotInstances (${env.usage.averageSpotInstances}) must be <= maxSize - onDemandBaseCapacity (${Math.max(0, burst)})`);
  }
  if (!usesSpot && env.usage.averageSpotInstances > 0) {
    p.push(`${n}.usage.averageSpotInstances (${env.usage.averageSpotInstances}) must be 0 when the fleet uses no spot (spotPercentageAboveBase ${f.spotPercentageAboveBase}, maxSize ${f.maxSize}, base ${f.onDemandBaseCapacity})`);
  }
  if (f.existingVpc) {
    env.availabilityZones.forEach((az) => {
      if (!f.existingVpc!.privateSubnetIds[az]) {
        p.push(`${n}.fleet.existingVpc.privateSubnetIds (${show(Object.keys(f.existingVpc!.privateSubnetIds))}) has no subnet for ${az}; give one private subnet per configured AZ`);
      }
    });
  } else if (f.natGateways < 1 || f.natGateways > env.availabilityZones.length) {
    p.push(`${n}.fleet.natGateways (${f.natGateways}) must be from 1 to the number of AZs (${env.availabilityZones.length}): the private subnets need egress`);
  }
  if (f.scaling.metric.kind === 'gpu-utilization') {
    f.instanceTypes.forEach((t, i) => {
      if (gpuInstanceType(t)?.vendor === 'amd') {
        p.push(`${n}.fleet.instanceTypes[${i}] (${show(t)}) has AMD GPUs, which publish no nvidia_smi metrics; use a 'custom' scaling metric or NVIDIA types`);
      }
    });
  }

  const expectedTags: Array<[keyof EnvironmentConfig['tags'], string]> = [['environment', n]];
  for (const [key, expected] of expectedTags) {
    if (env.tags[key] !== expected) {
      p.push(`${n}.tags.${key} (${show(env.tags[key])}) must be ${show(expected)}: budgets filter this environment's costs on it`);
    }
  }
  for (const [field, record] of [['throughputRps', env.cost.throughputRps], ['commitment.hourlyUsd', env.cost.commitment?.hourlyUsd]] as const) {
    for (const t of Object.keys(record ?? {})) {
      if (!typeSeen.has(t)) p.push(`${n}.cost.${field}.${t} names a type that is not in fleet.instanceTypes (${show(f.instanceTypes)})`);
    }
  }
  if (env.fallback && env.fallback.releaseAfterMinutes < env.fallback.engageAfterMinutes) {
    p.push(`${n}.fallback.releaseAfterMinutes (${env.fallback.releaseAfterMinutes}) must be >= engageAfterMinutes (${env.fallback.engageAfterMinutes}), so the fallback cannot flap`);
  }
  if (env.fallback && !usesSpot) {
    p.push(`${n}.fallback (${show(env.fallback)}) is set but the fleet uses no spot (spotPercentageAboveBase ${f.spotPercentageAboveBase}); remove it`);
  }
  const modelGb = env.cost.churn?.modelSizeGb;
  if (modelGb !== undefined && modelGb > f.rootVolumeGiB) {
    p.push(`${n}.cost.churn.modelSizeGb (${modelGb}) must fit on the root volume: at most fleet.rootVolumeGiB (${f.rootVolumeGiB})`);
  }
  const minRetention = MIN_LOG_RETENTION_DAYS[n];
  if (minRetention !== undefined && env.logRetentionDays < minRetention) {
    p.push(`${n}.logRetentionDays (${env.logRetentionDays}) must be at least ${minRetention} days in ${n}: audits and incident reviews need a year of function and flow logs`);
  }
  if (env.schedule) p.push(...validateSchedule(n, env.schedule));
  return p;
}

/** All problems of one environment, one line each; empty when the config is valid. */
export function environmentProblems(raw: unknown, label?: string): string[] {
  const name = label ?? (typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : 'environment');
  const parsed = EnvironmentSchema.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const value = valueAt(raw, issue.path);
      let rule = issue.message;
      if (issue.code === 'unrecognized_keys') rule = `has unknown field(s) ${issue.keys.join(', ')}`;
      return `${formatPath(name, issue.path)} (${show(value)}) ${rule}`;
    });
  }
  return crossFieldProblems(raw as EnvironmentConfig);
}

/**
 * Validates every environment and returns them unchanged, or throws one FleetConfigError listing every
 * problem of every environment. Runs before any construct is built, so bad config never yields a template.
 */
export function validateEnvironments(envs: readonly unknown[]): EnvironmentConfig[] {
  const problems: string[] = [];
  const names = new Set<string>();
  envs.forEach((env, i) => {
    const name = (env as { name?: unknown })?.name;
    if (typeof name === 'string') {
      if (names.has(name)) problems.push(`${name}.name ("${name}") is defined twice; each environment once`);
      names.add(name);
    }
    problems.push(...environmentProblems(env, typeof name === 'string' ? name : `environments[${i}]`));
  });
  if (problems.length > 0) throw new FleetConfigError(problems);
  return envs as EnvironmentConfig[];
}
