import type { CostComponent, EnvironmentCostEstimate, PriceUsed } from '../estimate';
import { roundCents } from '../format';
import type { PriceSource } from '../types';

/**
 * The cost report: `cdk.out/cost-report.json` (read by `cost:diff` and `cost:check`) and `cost-report.md`.
 * Byte-deterministic: keys sorted, money rounded to cents, environments in the order given, and no timestamp other
 * than the prices' own `validOn` dates.
 */

export const COST_REPORT_SCHEMA_VERSION = 1;
export const COST_REPORT_JSON = 'cost-report.json';
export const COST_REPORT_MARKDOWN = 'cost-report.md';

/** One environment in the report: the estimate with money rounded to cents. */
export type ReportEnvironment = EnvironmentCostEstimate;

export interface CostReport {
  readonly schemaVersion: typeof COST_REPORT_SCHEMA_VERSION;
  readonly currency: 'USD';
  /** Where this synth's prices came from, sorted. */
  readonly priceSources: readonly PriceSource[];
  /** Oldest and newest `validOn` of the prices used. */
  readonly pricesValidOn: { readonly oldest: string; readonly newest: string };
  readonly environments: readonly ReportEnvironment[];
}

const money = (x: number) => roundCents(x);
// Hourly rates keep enough digits to re-derive figures; 1e-6 USD hides float noise in the last bits.
const rate = (x: number) => Math.round(x * 1e6) / 1e6;
// One decimal, as displayed: rounding twice (to 2 decimals here, to 1 in Markdown) could show 24.2% where cost:check says 24.1%.
const pct = (x: number) => Math.round(x * 10) / 10;
const nullable = (x: number | null, f: (n: number) => number) => (x === null ? null : f(x));

function roundComponent(c: CostComponent): CostComponent {
  return { ...c, monthlyUsd: money(c.monthlyUsd), lowUsd: money(c.lowUsd), highUsd: money(c.highUsd) };
}

function roundEstimate(e: EnvironmentCostEstimate): ReportEnvironment {
  const m = e.monthly;
  return {
    ...e,
    components: e.components.map(roundComponent),
    monthly: {
      expectedUsd: money(m.expectedUsd),
      lowUsd: money(m.lowUsd),
      highUsd: money(m.highUsd),
      worstCaseUsd: money(m.worstCaseUsd),
      allOnDemandUsd: money(m.allOnDemandUsd),
      savingsVsOnDemandUsd: nullable(m.savingsVsOnDemandUsd, money),
      savingsVsOnDemandPercent: nullable(m.savingsVsOnDemandPercent, pct),
      typeMixUsd: money(m.typeMixUsd),
      alwaysOnExpectedUsd: money(m.alwaysOnExpectedUsd),
      scheduleSavingUsd: nullable(m.scheduleSavingUsd, money),
      costPerGpuHourUsd: nullable(m.costPerGpuHourUsd, rate),
    },
    hourly: {
      onDemandBaseUsdPerInstance: rate(e.hourly.onDemandBaseUsdPerInstance),
      spotExpectedUsdPerInstance: rate(e.hourly.spotExpectedUsdPerInstance),
      rootVolumeUsdPerInstance: nullable(e.hourly.rootVolumeUsdPerInstance, rate),
      onDemandBaseRunningUsdPerInstance: rate(e.hourly.onDemandBaseRunningUsdPerInstance),
      spotExpectedRunningUsdPerInstance: rate(e.hourly.spotExpectedRunningUsdPerInstance),
      runningBasis: e.hourly.runningBasis,
      onDemandUsdPerCapacityUnit: rate(e.hourly.onDemandUsdPerCapacityUnit),
      spotExpectedUsdPerCapacityUnit: rate(e.hourly.spotExpectedUsdPerCapacityUnit),
    },
    budget: {
      ...e.budget,
      headroomUsd: money(e.budget.headroomUsd),
      percentUsed: pct(e.budget.percentUsed),
    },
    ...(e.endpoint
      ? {
          endpoint: {
            ...e.endpoint,
            requestsPerMonth: Math.round(e.endpoint.requestsPerMonth),
            lcu: {
              ...e.endpoint.lcu,
              newConnections: rate(e.endpoint.lcu.newConnections),
              activeConnections: rate(e.endpoint.lcu.activeConnections),
              processedBytes: rate(e.endpoint.lcu.processedBytes),
              ruleEvaluations: rate(e.endpoint.lcu.ruleEvaluations),
              perHour: rate(e.endpoint.lcu.perHour),
            },
            launches: { ...e.endpoint.launches, perMonth: rate(e.endpoint.launches.perMonth) },
            downloadGbPerLaunch: {
              viaNat: rate(e.endpoint.downloadGbPerLaunch.viaNat),
              viaS3GatewayEndpoint: rate(e.endpoint.downloadGbPerLaunch.viaS3GatewayEndpoint),
            },
            lines: e.endpoint.lines.map((l) => ({ ...l, monthlyUsd: nullable(l.monthlyUsd, money) })),
            costPer1kRequestsUsd: nullable(e.endpoint.costPer1kRequestsUsd, rate),
          },
        }
      : {}),
    ...(e.perMillionRequests
      ? {
          perMillionRequests: {
            byType: e.perMillionRequests.byType.map((t) => ({
              ...t,
              onDemandUsd: rate(t.onDemandUsd),
              spotUsd: nullable(t.spotUsd, rate),
            })),
            blendedUsd: nullable(e.perMillionRequests.blendedUsd, rate),
          },
        }
      : {}),
    ...(e.commitment
      ? {
          commitment: {
            ...e.commitment,
            baselineMonthlyUsd: money(e.commitment.baselineMonthlyUsd),
            onDemandBaselineMonthlyUsd: money(e.commitment.onDemandBaselineMonthlyUsd),
          },
        }
      : {}),
    spotPools: e.spotPools.map((p) => ({
      ...p,
      usdPerHour: rate(p.usdPerHour),
      onDemandUsdPerHour: rate(p.onDemandUsdPerHour),
      savingsVsOnDemandPercent: nullable(p.savingsVsOnDemandPercent, pct),
      interruptionsPerMonth: nullable(p.interruptionsPerMonth, (x) => Math.round(x * 1000) / 1000),
    })),
    churn: {
      ...e.churn,
      interruptionsPerMonth: Math.round(e.churn.interruptionsPerMonth * 1000) / 1000,
      expectedUsd: money(e.churn.expectedUsd),
      effectiveSpotUsdPerGpuHour: nullable(e.churn.effectiveSpotUsdPerGpuHour, rate),
    },
    hoursPerMonth: rate(e.hoursPerMonth),
    ...(e.inputs.capacityProfile
      ? { inputs: { ...e.inputs, capacityProfile: e.inputs.capacityProfile.map((l) => ({ ...l, hours: rate(l.hours) })) } }
      : {}),
  };
}

/** The report object for `estimates` (one per environment, in the order they should be shown). */
export function buildCostReport(estimates: readonly EnvironmentCostEstimate[]): CostReport {
  if (estimates.length === 0) throw new Error('buildCostReport: no environment estimates to report');
  const names = estimates.map((e) => e.environment);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`buildCostReport: environment ${dup} is estimated twice; each environment appears once`);
  const prices: PriceUsed[] = estimates.flatMap((e) => [...e.prices]);
  const dates = prices.map((p) => p.validOn).sort();
  return {
    schemaVersion: COST_REPORT_SCHEMA_VERSION,
    currency: 'USD',
    priceSources: [...new Set(prices.map((p) => p.source))].sort(),
    pricesValidOn: { oldest: dates[0] ?? 'none', newest: dates[dates.length - 1] ?? 'none' },
    environments: estimates.map(roundEstimate),
  };
}
