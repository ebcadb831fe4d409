import { gpuInstanceType, gpuInstanceTypeProblem } from '../lib/catalog/gpu-instance-types';
import { isAvailabilityZoneOf } from '../lib/catalog/regions';
import { validateCapacityLevels } from '../lib/shared/capacity-levels';
import { validateSchedule } from '../lib/shared/weekly-schedule';
import { show } from './format';
import { SERVING_RULES } from './serving-rules';
import type { EnvironmentConfig } from './types';

/**
 * Rules that need several fields at once (or facts from lib/catalog), apart from the schema's per-field rules. They run
 * only on an environment whose shape passed the schema. Each returns one line per problem, naming the environment,
 * the field, its value and the rule. Adding one: a function here, listed in RULES, its message asserted in test/config.
 */
export type Rule = (env: EnvironmentConfig) => string[];

/** Environments whose fleet must span at least 3 AZs. */
const MIN_AZS: Record<string, number> = { dev: 1, staging: 3, prod: 3 };

/** Least log retention per environment: prod keeps a year for audits and incident reviews. */
const MIN_LOG_RETENTION_DAYS: Record<string, number> = { prod: 365 };

/** The burst above the base is (partly) spot. */
const usesSpot = (env: EnvironmentConfig) =>
  env.fleet.spotPercentageAboveBase > 0 && env.fleet.maxSize > env.fleet.onDemandBaseCapacity;

const availabilityZones: Rule = (env) => {
  const p: string[] = [];
  const n = env.name;
  const minAzs = MIN_AZS[n] ?? 1;
  if (env.availabilityZones.length < minAzs) {
    p.push(`${n}.availabilityZones (${show(env.availabilityZones)}) must list at least ${minAzs} AZs for ${n}, so spot can move between zones`);
  }
  env.availabilityZones.forEach((az, i) => {
    if (env.availabilityZones.indexOf(az) !== i) p.push(`${n}.availabilityZones[${i}] (${show(az)}) is listed twice; each AZ once`);
    if (!isAvailabilityZoneOf(az, env.region)) {
      p.push(`${n}.availabilityZones[${i}] (${show(az)}) is not an AZ of region ${env.region} (expected ${env.region}a, ${env.region}b, ...)`);
    }
  });
  return p;
};

const instanceTypes: Rule = (env) => env.fleet.instanceTypes.flatMap((t, i) => {
  const p: string[] = [];
  if (env.fleet.instanceTypes.indexOf(t) !== i) p.push(`${env.name}.fleet.instanceTypes[${i}] (${show(t)}) is listed twice; each type once`);
  const problem = gpuInstanceTypeProblem(t);
  if (problem) p.push(`${env.name}.fleet.instanceTypes[${i}] (${show(t)}) ${problem}`);
  return p;
});

const sizes: Rule = ({ name: n, fleet: f }) => [
  ...(f.minSize > f.maxSize ? [`${n}.fleet.minSize (${f.minSize}) must be <= maxSize (${f.maxSize})`] : []),
  ...(f.onDemandBaseCapacity > f.maxSize ? [`${n}.fleet.onDemandBaseCapacity (${f.onDemandBaseCapacity}) must be <= maxSize (${f.maxSize})`] : []),
];

const spotNeedsTwoTypes: Rule = (env) => {
  const f = env.fleet;
  if (!usesSpot(env) || new Set(f.instanceTypes).size >= 2) return [];
  return [`${env.name}.fleet.instanceTypes (${show(f.instanceTypes)}) must list at least 2 GPU instance types when spot is used (spotPercentageAboveBase ${f.spotPercentageAboveBase}), so one dry spot pool does not stop the burst`];
};

const averageSpot: Rule = (env) => {
  const { name: n, fleet: f } = env;
  const average = env.usage.averageSpotInstances;
  const burst = Math.max(0, f.maxSize - f.onDemandBaseCapacity);
  const p: string[] = [];
  if (average > burst) p.push(`${n}.usage.averageSpotInstances (${average}) must be <= maxSize - onDemandBaseCapacity (${burst})`);
  if (!usesSpot(env) && average > 0) {
    p.push(`${n}.usage.averageSpotInstances (${average}) must be 0 when the fleet uses no spot (spotPercentageAboveBase ${f.spotPercentageAboveBase}, maxSize ${f.maxSize}, base ${f.onDemandBaseCapacity})`);
  }
  return p;
};

const egress: Rule = (env) => {
  const { name: n, fleet: f } = env;
  if (f.existingVpc) {
    const subnets = f.existingVpc.privateSubnetIds;
    return env.availabilityZones.filter((az) => !subnets[az]).map((az) =>
      `${n}.fleet.existingVpc.privateSubnetIds (${show(Object.keys(subnets))}) has no subnet for ${az}; give one private subnet per configured AZ`);
  }
  if (f.natGateways >= 1 && f.natGateways <= env.availabilityZones.length) return [];
  return [`${n}.fleet.natGateways (${f.natGateways}) must be from 1 to the number of AZs (${env.availabilityZones.length}): the private subnets need egress`];
};

const gpuMetricNeedsNvidia: Rule = (env) => {
  if (env.fleet.scaling.metric.kind !== 'gpu-utilization') return [];
  return env.fleet.instanceTypes.flatMap((t, i) => gpuInstanceType(t)?.vendor === 'amd'
    ? [`${env.name}.fleet.instanceTypes[${i}] (${show(t)}) has AMD GPUs, which publish no nvidia_smi metrics; use a 'custom' scaling metric or NVIDIA types`]
    : []);
};

const environmentTag: Rule = ({ name: n, tags }) => tags.environment === n ? [] :
  [`${n}.tags.environment (${show(tags.environment)}) must be ${show(n)}: budgets filter this environment's costs on it`];

const costTypesInFleet: Rule = ({ name: n, cost, fleet: f }) =>
  ([['throughputRps', cost.throughputRps], ['commitment.hourlyUsd', cost.commitment?.hourlyUsd]] as const).flatMap(([field, record]) =>
    Object.keys(record ?? {}).filter((t) => !f.instanceTypes.includes(t)).map((t) =>
      `${n}.cost.${field}.${t} names a type that is not in fleet.instanceTypes (${show(f.instanceTypes)})`));

const fallback: Rule = (env) => {
  const { name: n, fallback: fb } = env;
  if (!fb) return [];
  const p: string[] = [];
  if (fb.releaseAfterMinutes < fb.engageAfterMinutes) {
    p.push(`${n}.fallback.releaseAfterMinutes (${fb.releaseAfterMinutes}) must be >= engageAfterMinutes (${fb.engageAfterMinutes}), so the fallback cannot flap`);
  }
  if (!usesSpot(env)) {
    p.push(`${n}.fallback (${show(fb)}) is set but the fleet uses no spot (spotPercentageAboveBase ${env.fleet.spotPercentageAboveBase}); remove it`);
  }
  return p;
};

const modelFitsRootVolume: Rule = ({ name: n, cost, fleet: f }) => {
  const gb = cost.churn?.modelSizeGb;
  return gb !== undefined && gb > f.rootVolumeGiB
    ? [`${n}.cost.churn.modelSizeGb (${gb}) must fit on the root volume: at most fleet.rootVolumeGiB (${f.rootVolumeGiB})`]
    : [];
};

const logRetention: Rule = ({ name: n, logRetentionDays: days }) => {
  const min = MIN_LOG_RETENTION_DAYS[n];
  if (min === undefined || days >= min) return [];
  return [`${n}.logRetentionDays (${days}) must be at least ${min} days in ${n}: audits and incident reviews need a year of function and flow logs`];
};

const acknowledgedOnce: Rule = ({ name: n, acknowledge = [] }) => acknowledge.flatMap((a, i) =>
  acknowledge.findIndex((b) => b.id === a.id) !== i ? [`${n}.acknowledge[${i}].id (${show(a.id)}) is acknowledged twice; once is enough`] : []);

/** Time zone, times and windows: the same check the ScaleToZeroSchedule construct runs (lib/shared/weekly-schedule.ts). */
const schedule: Rule = (env) => (env.schedule ? validateSchedule(env.name, env.schedule) : []);

/** Capacity levels against the periods and the fleet's sizes: the same check the construct runs (lib/shared/capacity-levels.ts). */
const scheduleCapacity: Rule = ({ name, schedule: s, fleet: f }) =>
  (s ? validateCapacityLevels(name, s, { minCapacity: f.minSize, maxCapacity: f.maxSize }) : []);

/** Every rule, in the order their messages are listed. */
export const RULES: readonly Rule[] = [
  availabilityZones, instanceTypes, sizes, spotNeedsTwoTypes, averageSpot, egress, gpuMetricNeedsNvidia, environmentTag,
  costTypesInFleet, fallback, modelFitsRootVolume, logRetention, schedule, scheduleCapacity, acknowledgedOnce, ...SERVING_RULES,
];

/** Every cross-field problem of an environment whose shape passed the schema. */
export function ruleProblems(env: EnvironmentConfig): string[] {
  return RULES.flatMap((rule) => rule(env));
}
