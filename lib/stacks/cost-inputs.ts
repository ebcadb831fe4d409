import type { EnvironmentConfig, ScheduleConfig } from '../../config/types';
import {
  CostModelEnvironment,
  estimateEnvironmentCost,
  EnvironmentCostEstimate,
  pricingYear,
  SmallPartsUsage,
} from '../pricing/estimate';
import type { PriceRequest, PriceTable } from '../pricing/types';
import { averageCapacityHoursPerMonth, averageScheduledHoursPerMonth, CapacityHours } from '../schedule/hours-per-month';
import { describeDays } from '../shared/weekly-schedule';
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

/**
 * One cost estimate per environment, hours from its schedule (if any) over the pricing year.
 * `smallParts` gives what the built stack counted (e.g. its alarm metrics); else the cost model's defaults apply.
 */
export function estimateEnvironments(
  envs: readonly EnvironmentConfig[],
  table: PriceTable,
  smallParts?: (cfg: EnvironmentConfig) => Partial<SmallPartsUsage>,
): EnvironmentCostEstimate[] {
  const year = pricingYear(table);
  return envs.map((cfg) =>
    estimateEnvironmentCost(costModelEnvironment(cfg), table, { ...environmentHours(cfg, year), smallParts: smallParts?.(cfg) }),
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

/** The spot capacity the fleet can ask for at most: its burst above the base, when that burst is spot. */
function spotBurst(e: EnvironmentConfig): number {
  return e.fleet.spotPercentageAboveBase > 0 ? Math.max(0, e.fleet.maxSize - e.fleet.onDemandBaseCapacity) : 0;
}
