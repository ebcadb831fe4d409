import { weeklyCapacity } from '../lib/shared/capacity-levels';
import { CERTIFICATE_ARN, ENV_VAR_NAME, MAX_RULE_WILDCARDS, parseEcrRepository, pathWildcards } from '../lib/shared/serving-spec';
import { show } from './format';
import { SERVING_DEFAULTS } from './schema';
import type { EnvironmentConfig, ServingConfig } from './types';

/**
 * Cross-field rules of the `serving` block and of the fleet fields that depend on it (request-count scaling,
 * throughput units, warm-up, an existing VPC's endpoints). Same contract as config/rules.ts, which lists them: one line
 * per problem, naming the environment, the field, its value and the rule.
 */
type Rule = (env: EnvironmentConfig) => string[];

/** `given` over `defaults`, where a field given as undefined keeps its default. */
export function withDefaults<D extends object>(defaults: D, given: { readonly [K in keyof D]?: D[K] } | undefined): D {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The health check with its defaults. */
export function servingHealthCheck(s: ServingConfig) {
  return withDefaults<{ path: string; healthyHttpCodes: string; intervalSeconds: number; timeoutSeconds: number; healthyThreshold: number; unhealthyThreshold: number }>(
    SERVING_DEFAULTS.healthCheck, s.healthCheck);
}

/** Deregistration delay in effect: as configured, else 120 s or the drain timeout when shorter. */
export function deregistrationDelaySeconds(env: EnvironmentConfig, s: ServingConfig): number {
  return s.endpoint?.deregistrationDelaySeconds ?? Math.min(SERVING_DEFAULTS.endpoint.deregistrationDelaySeconds, env.interruption.drainTimeoutSeconds);
}

/** Environments whose access logs must be kept at least this many days (as their log groups: config/rules.ts). */
const MIN_ACCESS_LOG_DAYS: Record<string, number> = { prod: 365 };

const missingTypes = (env: EnvironmentConfig) => env.fleet.instanceTypes.filter((t) => env.cost.throughputRps?.[t] === undefined);
const listed = (names: readonly string[]) => names.map((t) => JSON.stringify(t)).join(', ');

const image: Rule = ({ name: n, region, serving: s }) => {
  if (!s) return [];
  const img = s.image;
  const p: string[] = [];
  if ((img.ecrRepository === undefined) === (img.uri === undefined)) {
    p.push(`${n}.serving.image (${show(img)}) must name exactly one of ecrRepository (an ECR repository) and uri (an image in another registry)`);
  }
  if (img.tag === undefined && img.digest === undefined) {
    p.push(`${n}.serving.image (${show(img)}) must name a tag or a digest, e.g. tag "v0.10.1" or digest "sha256:<64 hex>"`);
  } else if (img.tag !== undefined && img.digest !== undefined) {
    p.push(`${n}.serving.image (${show(img)}) must name a tag or a digest, not both`);
  }
  const repo = img.ecrRepository === undefined ? undefined : parseEcrRepository(img.ecrRepository);
  if (repo?.region !== undefined && repo.region !== region) {
    p.push(`${n}.serving.image.ecrRepository (${show(img.ecrRepository)}) is in ${repo.region}, not in the environment's region ${region}: the hosts log in to their own region's registry; replicate the repository to ${region}`);
  }
  return p;
};

const zones: Rule = ({ name: n, serving: s, availabilityZones: azs }) => (s && azs.length < 2
  ? [`${n}.availabilityZones (${show(azs)}) must list at least 2 AZs when serving is set: an Application Load Balancer needs subnets in two AZs`]
  : []);

const variables: Rule = ({ name: n, serving: s }) => {
  if (!s) return [];
  const plain = Object.keys(s.environment ?? {});
  const secret = Object.keys(s.secrets ?? {});
  const rule = 'is not a variable name: a letter or _, then letters, digits or _';
  return [
    ...plain.filter((v) => !ENV_VAR_NAME.test(v)).map((v) => `${n}.serving.environment (${show(v)}) ${rule}`),
    ...secret.filter((v) => !ENV_VAR_NAME.test(v)).map((v) => `${n}.serving.secrets (${show(v)}) ${rule}`),
    ...secret.filter((v) => plain.includes(v)).map((v) => `${n}.serving.secrets.${v} is also in serving.environment: a variable comes from one place`),
  ];
};

const healthCheck: Rule = ({ name: n, serving: s }) => {
  if (!s) return [];
  const hc = servingHealthCheck(s);
  if (hc.intervalSeconds > hc.timeoutSeconds) return [];
  return [s.healthCheck?.intervalSeconds !== undefined
    ? `${n}.serving.healthCheck.intervalSeconds (${hc.intervalSeconds}) must be greater than healthCheck.timeoutSeconds (${hc.timeoutSeconds}): a check must end before the next one starts`
    : `${n}.serving.healthCheck.timeoutSeconds (${hc.timeoutSeconds}) must be less than healthCheck.intervalSeconds (${hc.intervalSeconds}, the default): a check must end before the next one starts`];
};

const modelFits: Rule = ({ name: n, serving: s, fleet }) => {
  if (!s?.model) return [];
  const imageGiB = s.image.sizeGiB ?? SERVING_DEFAULTS.imageSizeGiB;
  const need = s.model.sizeGiB + imageGiB + SERVING_DEFAULTS.amiReserveGiB;
  if (need <= fleet.rootVolumeGiB) return [];
  return [`${n}.serving.model.sizeGiB (${s.model.sizeGiB}) does not fit fleet.rootVolumeGiB (${fleet.rootVolumeGiB}): model ${s.model.sizeGiB} GiB + image ${imageGiB} GiB + ${SERVING_DEFAULTS.amiReserveGiB} GiB for the AMI and working space = ${need} GiB; raise rootVolumeGiB`];
};

const endpoint: Rule = (env) => {
  const { name: n, serving: s } = env;
  if (!s) return [];
  const e = s.endpoint ?? {};
  const p: string[] = [];
  const scheme = e.scheme ?? SERVING_DEFAULTS.endpoint.scheme;
  if (scheme === 'internet-facing' && e.certificateArn === undefined) {
    p.push(`${n}.serving.endpoint.certificateArn (missing) is required when endpoint.scheme is "internet-facing": an internet-facing endpoint serves HTTPS only`);
  }
  const certRegion = e.certificateArn === undefined ? undefined : CERTIFICATE_ARN.exec(e.certificateArn)?.[1];
  if (certRegion !== undefined && certRegion !== env.region) {
    p.push(`${n}.serving.endpoint.certificateArn (${show(e.certificateArn)}) is in ${certRegion}, not in ${env.region}: a load balancer uses certificates of its own region`);
  }
  if (e.routing === 'least_outstanding_requests' && (e.slowStartSeconds ?? 0) > 0) {
    p.push(`${n}.serving.endpoint.slowStartSeconds (${e.slowStartSeconds}) must be 0 when endpoint.routing is "least_outstanding_requests" (ALB has no slow start with that algorithm)`);
  }
  const drain = env.interruption.drainTimeoutSeconds;
  if (e.deregistrationDelaySeconds !== undefined && e.deregistrationDelaySeconds > drain) {
    p.push(`${n}.serving.endpoint.deregistrationDelaySeconds (${e.deregistrationDelaySeconds}) must be <= interruption.drainTimeoutSeconds (${drain}): the drain must last as long as the load balancer lets in-flight requests finish`);
  }
  const paths = e.allowedPaths ?? [];
  const repeated = paths.filter((v, i) => paths.indexOf(v) !== i);
  if (repeated.length) {
    p.push(`${n}.serving.endpoint.allowedPaths (${show(paths)}) lists ${listed([...new Set(repeated)])} more than once: each pattern once`);
  }
  if (pathWildcards(paths) > MAX_RULE_WILDCARDS) {
    p.push(`${n}.serving.endpoint.allowedPaths (${show(paths)}) has ${pathWildcards(paths)} wildcards (* and ?): one listener rule takes at most ${MAX_RULE_WILDCARDS} (ALB quota)`);
  }
  const minDays = MIN_ACCESS_LOG_DAYS[n];
  const days = e.accessLogRetentionDays ?? SERVING_DEFAULTS.endpoint.accessLogRetentionDays;
  if (minDays !== undefined && days < minDays) {
    p.push(`${n}.serving.endpoint.accessLogRetentionDays (${e.accessLogRetentionDays ?? `missing: default ${days}`}) must be at least ${minDays} days in ${n}: audits and incident reviews need a year of access logs`);
  }
  return p;
};

/** An imported VPC: we cannot see its subnets, CIDR or routes, so the config must say. */
const existingVpc: Rule = (env) => {
  const { name: n, serving: s } = env;
  const vpc = env.fleet.existingVpc;
  if (!s || !vpc) return [];
  const p: string[] = [];
  const e = s.endpoint ?? {};
  const missingAz = (ids: Readonly<Record<string, string>> | undefined) => env.availabilityZones.filter((az) => !ids?.[az]);
  if (e.scheme === 'internet-facing' || vpc.publicSubnetIds) {
    p.push(...missingAz(vpc.publicSubnetIds).map((az) =>
      `${n}.fleet.existingVpc.publicSubnetIds (${show(vpc.publicSubnetIds && Object.keys(vpc.publicSubnetIds))}) has no subnet for ${az}: give a public subnet in every configured AZ (an internet-facing load balancer reaches hosts only in its own AZs)`));
  }
  // An internet-facing endpoint's clients default to anywhere; an internal one's to the VPC CIDR, unknown here.
  if (e.scheme !== 'internet-facing' && e.allowedCidrs === undefined && vpc.cidrBlock === undefined) {
    p.push(`${n}.serving.endpoint.allowedCidrs (missing) is required with fleet.existingVpc unless existingVpc.cidrBlock is given: the default, the VPC's CIDR, is unknown for an imported VPC`);
  }
  if (vpc.s3GatewayEndpoint === undefined) {
    p.push(`${n}.fleet.existingVpc.s3GatewayEndpoint (missing) must be "create", "exists" or "none" when serving is set, so model downloads are priced right`);
  } else if (vpc.s3GatewayEndpoint === 'create') {
    p.push(...missingAz(vpc.privateRouteTableIds).map((az) =>
      `${n}.fleet.existingVpc.privateRouteTableIds (${show(vpc.privateRouteTableIds && Object.keys(vpc.privateRouteTableIds))}) has no route table for ${az}: s3GatewayEndpoint "create" adds the S3 route to every private subnet's route table`));
  }
  return p;
};

const slo: Rule = ({ name: n, serving: s }) => {
  if (!s) return [];
  const latency = s.slo.latencySeconds;
  const timeout = servingHealthCheck(s).timeoutSeconds;
  const idle = s.endpoint?.idleTimeoutSeconds ?? SERVING_DEFAULTS.endpoint.idleTimeoutSeconds;
  const p: string[] = [];
  if (latency <= timeout) {
    p.push(`${n}.serving.slo.latencySeconds (${latency}) must be greater than serving.healthCheck.timeoutSeconds (${timeout}): a latency at the SLO would already fail health checks`);
  }
  if (latency > idle) {
    p.push(`${n}.serving.slo.latencySeconds (${latency}) must be <= serving.endpoint.idleTimeoutSeconds (${idle}): the load balancer would close the connection of a response that slow`);
  }
  return p;
};

const scaling: Rule = (env) => {
  const { name: n, serving: s, fleet } = env;
  const p: string[] = [];
  const warmup = fleet.scaling.warmupSeconds;
  if (s && warmup !== undefined) {
    p.push(`${n}.fleet.scaling.warmupSeconds (${warmup}) must be absent when serving is set: the warm-up is derived from the slow start and the health check (docs/serving.md)`);
  }
  if (!s && warmup === undefined) {
    p.push(`${n}.fleet.scaling.warmupSeconds (missing) is required without serving: the seconds a new host needs before its metrics count`);
  }
  if (fleet.scaling.metric.kind === 'request-count') {
    if (!s) p.push(`${n}.fleet.scaling.metric.kind ("request-count") needs serving: requests are counted at the serving endpoint's load balancer`);
    // In throughput units the target is requests/second per unit, not per host: throughputUnits checks it.
    if (fleet.capacityUnit === 'throughput') return p;
    const missing = missingTypes(env);
    if (missing.length) {
      p.push(`${n}.cost.throughputRps (missing ${listed(missing)}) must give a figure for every fleet.instanceTypes entry when fleet.scaling.metric.kind is "request-count": the requests per host come from the slowest type`);
    } else {
      const metric = fleet.scaling.metric;
      const utilization = metric.targetUtilizationPercent ?? SERVING_DEFAULTS.requestCount.targetUtilizationPercent;
      const slowest = Math.min(...fleet.instanceTypes.map((t) => env.cost.throughputRps![t]));
      if (Math.floor((60 * slowest * utilization) / 100) < 1) {
        p.push(`${n}.cost.throughputRps (slowest ${slowest}) at fleet.scaling.metric.targetUtilizationPercent ${utilization} gives less than 1 request per host per minute: the request-count target must be at least 1`);
      }
    }
  }
  return p;
};

const throughputUnits: Rule = (env) => {
  const { name: n, serving: s, fleet } = env;
  if (fleet.capacityUnit !== 'throughput') return [];
  const p: string[] = [];
  if (!s) p.push(`${n}.fleet.capacityUnit ("throughput") needs serving: throughput units count requests through the serving endpoint`);
  const missing = missingTypes(env);
  if (missing.length) {
    p.push(`${n}.cost.throughputRps (missing ${listed(missing)}) must give a figure for every fleet.instanceTypes entry when fleet.capacityUnit is "throughput"`);
  }
  for (const t of fleet.instanceTypes) {
    const rps = env.cost.throughputRps?.[t];
    if (rps !== undefined && (Math.round(rps) < 1 || Math.round(rps) > 999)) {
      p.push(`${n}.cost.throughputRps.${t} (${rps}) must round to 1-999 requests/second when fleet.capacityUnit is "throughput": Auto Scaling weights are whole numbers from 1 to 999`);
    }
  }
  const { metric, predictive } = fleet.scaling;
  if (metric.kind !== 'request-count') {
    p.push(`${n}.fleet.scaling.metric.kind (${show(metric.kind)}) must be "request-count" when fleet.capacityUnit is "throughput": throughput units scale on requests per second per unit (targetUtilizationPercent of each unit's throughput); another metric would leave the units' meaning unused and the target ambiguous`);
  }
  if (predictive !== 'off') {
    p.push(`${n}.fleet.scaling.predictive (${show(predictive)}) must be "off" when fleet.capacityUnit is "throughput": predictive scaling is built for requests per host, not per throughput unit`);
  }
  const routing = s?.endpoint?.routing ?? SERVING_DEFAULTS.endpoint.routing;
  if (s && routing !== 'least_outstanding_requests') {
    p.push(`${n}.serving.endpoint.routing (${show(s.endpoint?.routing ?? `missing: default ${routing}`)}) must be "least_outstanding_requests" when fleet.capacityUnit is "throughput": round robin gives a slow host as many requests as a fast one`);
  }
  return p;
};

/**
 * Request-driven scaling needs a host whenever the fleet is up: with 0 hosts the load balancer answers 503 without a
 * target, RequestCountPerTarget has no datapoint, and target tracking never adds the first host. Capacity levels
 * satisfy it only when they cover every minute the fleet is up (outside them the minimum is fleet.minSize, also at
 * each period's start); the schedule's down time is intended and needs nothing.
 */
const requestDrivenMinimum: Rule = (env) => {
  const { name: n, fleet, schedule } = env;
  const metric = fleet.scaling.metric.kind;
  const driver = metric === 'request-count' ? 'fleet.scaling.metric.kind is "request-count"'
    : fleet.capacityUnit === 'throughput' ? 'fleet.capacityUnit is "throughput"' : undefined;
  if (driver === undefined || fleet.minSize >= 1) return [];
  if (schedule?.capacity) {
    let week;
    try {
      week = weeklyCapacity(schedule, { minCapacity: fleet.minSize, maxCapacity: fleet.maxSize }, n);
    } catch {
      return []; // an invalid schedule or level is reported by config/rules.ts
    }
    if (week.windows.every((w) => w.segments.every((seg) => seg.minCapacity >= 1))) return [];
  }
  const levels = schedule?.capacity ? ' (schedule.capacity levels leave up-time at it)' : '';
  return [`${n}.fleet.minSize (${fleet.minSize})${levels} must be at least 1 when ${driver}: with no host the load balancer answers 503 without a target, ` +
    'the requests per target have no data and scaling never starts the first host; set minSize to 1 (a schedule still scales to zero outside its periods)'];
};

const rollout: Rule = ({ name: n, serving: s }) => {
  const checkpoints = s?.rollout?.checkpointPercentages;
  const delay = s?.rollout?.checkpointDelaySeconds;
  if (!checkpoints) {
    return delay === undefined ? [] : [`${n}.serving.rollout.checkpointDelaySeconds (${delay}) needs rollout.checkpointPercentages: there is no checkpoint to pause at`];
  }
  const ascending = checkpoints.every((c, i) => i === 0 || c > checkpoints[i - 1]);
  return ascending && checkpoints[checkpoints.length - 1] === 100 ? [] :
    [`${n}.serving.rollout.checkpointPercentages (${show(checkpoints)}) must be ascending, each once, and end with 100`];
};

/** Every serving rule, in the order their messages are listed. */
export const SERVING_RULES: readonly Rule[] = [
  image, zones, variables, healthCheck, modelFits, endpoint, existingVpc, slo, scaling, throughputUnits, requestDrivenMinimum, rollout,
];
