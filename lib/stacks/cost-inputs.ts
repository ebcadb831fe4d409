import { SERVING_DEFAULTS } from '../../config/schema';
import type { EnvironmentConfig, ScheduleConfig } from '../../config/types';
import {
  CostModelEnvironment,
  estimateEnvironmentCost,
  EnvironmentCostEstimate,
  pricingYear,
  LambdaArchitecture,
  ServingCostInputs,
  SmallPartsUsage,
} from '../pricing/estimate';
import type { PriceRequest, PriceTable } from '../pricing/types';
import { averageCapacityHoursPerMonth, averageScheduledHoursPerMonth, CapacityHours } from '../schedule/hours-per-month';
import { throughputWeights } from '../serving/request-targets';
import { FUNCTION_ARCHITECTURE } from '../shared/lambda-architecture';
import { parseEcrRepository } from '../shared/serving-spec';
import { describeDays, weeklyUpTime } from '../shared/weekly-schedule';
import { servingTimings } from './serving-timings';

/**
 * The app's config, adapted to what the pricing takes: plain inputs (sizes, types, AZs, hours per month already
 * computed). lib/pricing never reads config/; this is the one place that knows both.
 */

/** The fields of an environment the cost model reads (no e-mail addresses, no VPC ids: the report carries them). */
export function costModelEnvironment(cfg: EnvironmentConfig): CostModelEnvironment {
  const f = cfg.fleet;
  return {
    name: cfg.name,
    region: cfg.region,
    availabilityZones: [...cfg.availabilityZones],
    fleet: {
      instanceTypes: [...f.instanceTypes],
      onDemandBaseCapacity: f.onDemandBaseCapacity,
      spotPercentageAboveBase: f.spotPercentageAboveBase,
      minSize: f.minSize,
      maxSize: f.maxSize,
      rootVolumeGiB: f.rootVolumeGiB,
      natGateways: f.natGateways,
      ...(f.existingVpc ? { existingVpc: true } : {}),
      ...(f.capacityUnit === 'throughput' ? { throughputWeights: fleetThroughputWeights(cfg) } : {}),
    },
    budget: { monthlyLimitUsd: cfg.budget.monthlyLimitUsd },
    usage: { averageSpotInstances: cfg.usage.averageSpotInstances, hoursPerMonth: cfg.usage.hoursPerMonth },
    ...(cfg.fallback ? { fallback: { maxInstances: cfg.fallback.maxInstances } } : {}),
    churn: {
      // A replacement serves after the fleet's warm-up (with serving: once its server is up and the load balancer
      // has seen it healthy); an interrupted host drains up to the handler's timeout.
      warmupSeconds: cfg.cost.churn?.warmupSeconds ?? (cfg.serving ? servingTimings(cfg.serving).notServingSeconds : f.scaling.warmupSeconds ?? 0),
      drainSeconds: cfg.cost.churn?.drainOverlapSeconds ?? cfg.interruption.drainTimeoutSeconds,
      ...(cfg.cost.churn?.modelSizeGb !== undefined ? { modelSizeGb: cfg.cost.churn.modelSizeGb } : {}),
    },
    ...(cfg.serving ? { serving: servingCostInputs(cfg) } : {}),
    cost: {
      maxIncreasePercent: cfg.cost.maxIncreasePercent,
      ...(cfg.cost.maxWorstCaseUsd !== undefined ? { maxWorstCaseUsd: cfg.cost.maxWorstCaseUsd } : {}),
      ...(cfg.cost.throughputRps ? { throughputRps: { ...cfg.cost.throughputRps } } : {}),
      ...(cfg.cost.commitment
        ? { commitment: { label: cfg.cost.commitment.label, hourlyUsd: { ...cfg.cost.commitment.hourlyUsd } } }
        : {}),
    },
  };
}

/**
 * The capacity weights of a fleet counted in throughput units: `round(cost.throughputRps)` per type, the one
 * definition (lib/serving `throughputWeights`) the group's overrides, the fallback group and the cost estimate share.
 */
export function fleetThroughputWeights(cfg: EnvironmentConfig): Record<string, number> {
  return throughputWeights({ throughputRps: cfg.cost.throughputRps ?? {}, instanceTypes: cfg.fleet.instanceTypes });
}

/** Weeks in an average month (365.25 days / 7 / 12). */
const WEEKS_PER_MONTH = 365.25 / 7 / 12;

/** What the endpoint's lines are priced from: the expected load (defaults applied), downloads and network. */
export function servingCostInputs(cfg: EnvironmentConfig): ServingCostInputs | undefined {
  const s = cfg.serving;
  if (!s) return undefined;
  const load = s.expectedLoad;
  const ecrRegion = s.image.ecrRepository === undefined ? undefined : parseEcrRepository(s.image.ecrRepository)?.region ?? cfg.region;
  // Each merged up-window of the week is one scheduled start; an always-on schedule starts nothing.
  const up = cfg.schedule ? weeklyUpTime(cfg.schedule, cfg.name) : undefined;
  return {
    requestsPerSecond: load.requestsPerSecond,
    bytesPerRequest: load.bytesPerRequest ?? SERVING_DEFAULTS.expectedLoad.bytesPerRequest,
    requestsPerConnection: load.requestsPerConnection ?? SERVING_DEFAULTS.expectedLoad.requestsPerConnection,
    requestSeconds: s.slo.latencySeconds,
    ...(load.launchesPerMonth !== undefined ? { launchesPerMonth: load.launchesPerMonth } : {}),
    scheduledStartsPerMonth: up ? up.windows.length * WEEKS_PER_MONTH : 0,
    modelSizeGiB: s.model?.sizeGiB ?? 0,
    imageSizeGiB: s.image.sizeGiB ?? SERVING_DEFAULTS.imageSizeGiB,
    imageSource: ecrRegion === undefined ? 'public' : ecrRegion === cfg.region ? 'ecr' : 'ecr-other-region',
    // As the stack builds it: a created VPC always gets one; an existing VPC has one when it is created or exists.
    s3GatewayEndpoint: cfg.fleet.existingVpc === undefined || cfg.fleet.existingVpc.s3GatewayEndpoint !== 'none',
    ecrInterfaceEndpoints: s.network?.ecrInterfaceEndpoints ?? false,
  };
}

/**
 * `MON-FRI 08:00-19:00, SAT 10:00-14:00 Europe/Berlin`: consecutive days collapse into a range. Capacity levels follow
 * (`...; min 3 MON-FRI 09:00-17:00`), so the report and cost:diff show a change of levels like a change of periods.
 */
export function describeSchedule(schedule: ScheduleConfig): string {
  const periods = schedule.periods.map((p) => `${describeDays(p.days)} ${p.start}-${p.end}`);
  const levels = (schedule.capacity ?? []).map((l) => `min ${l.minCapacity} ${describeDays(l.days)} ${l.start}-${l.end}`);
  return `${periods.join(', ')} ${schedule.timeZone}${levels.length ? `; ${levels.join(', ')}` : ''}`;
}

/** What an environment's estimate takes from its schedule (or `usage.hoursPerMonth` without one). */
export interface EnvironmentHours {
  readonly hoursPerMonth: number;
  readonly scheduleDescription?: string;
  /** Hours a month at each minimum capacity, when the schedule has capacity levels. */
  readonly capacityProfile?: readonly CapacityHours[];
}

/**
 * The `hoursPerMonth`, `scheduleDescription` and `capacityProfile` of an environment's estimate: its schedule's
 * average hours over `year` when it has one (and, with capacity levels, the average hours at each minimum, counted
 * like the hours: DST-correct, over the segments the scheduled actions hold), else `usage.hoursPerMonth`. Pass a
 * fixed year (the prices' `pricingYear`), not the clock's, so the report stays deterministic.
 */
export function environmentHours(cfg: EnvironmentConfig, year: number): EnvironmentHours {
  if (!cfg.schedule) return { hoursPerMonth: cfg.usage.hoursPerMonth };
  const bounds = { minCapacity: cfg.fleet.minSize, maxCapacity: cfg.fleet.maxSize };
  return {
    hoursPerMonth: averageScheduledHoursPerMonth(cfg.schedule, year, cfg.name),
    scheduleDescription: describeSchedule(cfg.schedule),
    ...(cfg.schedule.capacity ? { capacityProfile: averageCapacityHoursPerMonth(cfg.schedule, bounds, year, cfg.name) } : {}),
  };
}

/** Lambda's name of a CDK architecture; the cost model knows x86_64 and arm64 only. */
export function lambdaArchitecture(architecture: { readonly name: string }): LambdaArchitecture {
  if (architecture.name === 'arm64' || architecture.name === 'x86_64') return architecture.name;
  throw new Error(`Lambda architecture ${JSON.stringify(architecture.name)} has no duration price in the cost model (x86_64 or arm64)`);
}

/**
 * One cost estimate per environment, hours from its schedule (if any) over the pricing year.
 * `smallParts` gives what the built stack counted (e.g. its alarm metrics); else the cost model's defaults apply,
 * except the functions' architecture, which is the one the constructs use (FUNCTION_ARCHITECTURE).
 */
export function estimateEnvironments(
  envs: readonly EnvironmentConfig[],
  table: PriceTable,
  smallParts?: (cfg: EnvironmentConfig) => Partial<SmallPartsUsage>,
): EnvironmentCostEstimate[] {
  const year = pricingYear(table);
  const lambdaArch = lambdaArchitecture(FUNCTION_ARCHITECTURE);
  return envs.map((cfg) =>
    estimateEnvironmentCost(costModelEnvironment(cfg), table, {
      ...environmentHours(cfg, year),
      smallParts: { lambdaArchitecture: lambdaArch, ...smallParts?.(cfg) },
    }),
  );
}

/** One PriceRequest per environment: what the lookups need to know about its fleet. */
export function priceRequestsFor(environments: readonly EnvironmentConfig[]): PriceRequest[] {
  return environments.map((e) => ({
    environment: e.name,
    region: e.region,
    availabilityZones: [...e.availabilityZones],
    instanceTypes: [...e.fleet.instanceTypes],
    ...(spotBurst(e) > 0 ? { spotTargetCapacity: spotBurst(e) } : {}),
    ...(e.fleet.existingVpc ? { needsNat: false } : {}),
  }));
}

/**
 * The spot capacity the fleet can ask for at most, in instances (the placement score's unit): its burst above the
 * base, when that burst is spot. In throughput units, the burst's units over the smallest weight (the most instances
 * they can take).
 */
function spotBurst(e: EnvironmentConfig): number {
  if (e.fleet.spotPercentageAboveBase === 0) return 0;
  const units = Math.max(0, e.fleet.maxSize - e.fleet.onDemandBaseCapacity);
  if (e.fleet.capacityUnit !== 'throughput') return units;
  return Math.ceil(units / Math.min(...Object.values(fleetThroughputWeights(e))));
}
