import { PriceBook } from '../price-book';
import { HOURS_PER_MONTH, PriceTable } from '../types';
import { fleetAssumptions, hoursAssumption } from './assumptions';
import { commitmentFigure } from './commitment';
import { costComponents, EstimateHours, PricedComponents } from './components';
import { endpointEstimate, endpointParts } from './endpoint';
import { fleetShape, shapeSummary } from './fleet-shape';
import { profiledEnvironment } from './capacity-profile';
import { BUCKET_ASSUMPTION, churnFigures, worstBucketWarnings } from './interruption';
import { pickCostInputs } from './inputs';
import { pricesUsed } from './prices-used';
import { perMillionRequests } from './throughput';
import { budgetFigures, monthlyTotals } from './totals';
import {
  CostModelEnvironment,
  CostModelError,
  DEFAULT_SMALL_PARTS,
  EnvironmentCostEstimate,
  EstimateNotes,
  EstimateOptions,
  SmallPartsUsage,
} from './types';

/**
 * The cost model: what one environment's fleet costs per month, in USD, from a resolved `PriceTable`.
 * Pure and synchronous: no AWS calls, no clock, no process.env, no config. The rules are documented in
 * docs/cost-report.md.
 *
 * Throws `CostModelError` naming the environment, type, AZ or resource when a price it needs is missing or not a
 * positive number: the estimate is never silently $0 or NaN.
 */
export function estimateEnvironmentCost(
  configured: CostModelEnvironment,
  table: PriceTable,
  options: EstimateOptions,
): EnvironmentCostEstimate {
  const hours: EstimateHours = { fleet: options.hoursPerMonth, alwaysOn: options.alwaysOnHours ?? HOURS_PER_MONTH };
  if (!Number.isFinite(hours.fleet) || hours.fleet < 0 || hours.fleet > hours.alwaysOn) {
    throw new CostModelError(
      `${configured.name}: hoursPerMonth (${hours.fleet}) must be a number from 0 to ${hours.alwaysOn}; ` +
        'compute it from the schedule or set usage.hoursPerMonth',
    );
  }
  const smallParts: SmallPartsUsage = { ...DEFAULT_SMALL_PARTS, ...options.smallParts };
  const notes: EstimateNotes = { assumptions: [], warnings: [], risks: [] };
  const env = profiledEnvironment(configured, hours.fleet, options.capacityProfile, notes);
  const book = PriceBook.of(table, env.region);

  // The order of the steps is the order of the notes (assumptions, warnings) in the report.
  const shape = fleetShape(env, book, notes);
  const churn = churnFigures(env, shape, book, hours, notes);
  worstBucketWarnings(env, book, notes);
  const fleetParts = costComponents(env, shape, book, hours, smallParts, notes, churn);
  const endpoint = endpointParts(env, shape, book, hours, churn, notes);
  const parts: PricedComponents = endpoint
    ? {
        ...fleetParts,
        components: [...fleetParts.components, ...endpoint.components],
        units: [...fleetParts.units, ...endpoint.units],
        notPriced: [...fleetParts.notPriced, ...endpoint.notPriced],
      }
    : fleetParts;
  if (parts.notPriced.length) {
    notes.warnings.push(
      `${env.name} (${env.region}): not priced (no price in the price table): ${parts.notPriced.join(', ')}; the estimate is low by these lines`,
    );
  }
  const totals = monthlyTotals(env, shape, parts, hours);
  notes.assumptions.push(hoursAssumption(hours.fleet, options.scheduleDescription));
  if (shape.hasSpot) notes.assumptions.push(BUCKET_ASSUMPTION);
  const budget = budgetFigures(env, totals.monthly.expectedUsd, totals.monthly.worstCaseUsd);
  const perMillion = perMillionRequests(env, shape, hours.fleet, totals.instanceCostUsd, notes.assumptions);
  const commitment = commitmentFigure(env, shape, hours, notes);
  notes.assumptions.push(...fleetAssumptions(env, shape, totals.worstCase, smallParts, hours.alwaysOn));

  const spotGpuHours = shape.hasSpot ? shape.spotGpus * hours.fleet : 0;
  const schedule = options.scheduleDescription ? { scheduleDescription: options.scheduleDescription } : {};
  return {
    environment: env.name,
    region: env.region,
    capacityUnit: shape.capacityUnit,
    hoursPerMonth: hours.fleet,
    alwaysOnHours: hours.alwaysOn,
    ...schedule,
    ...shapeSummary(shape, parts.rootVolume),
    components: parts.components,
    monthly: totals.monthly,
    budget,
    ...(endpoint ? { endpoint: endpointEstimate(endpoint, totals.monthly.expectedUsd, parts.notPriced) } : {}),
    ...(perMillion ? { perMillionRequests: perMillion } : {}),
    ...(commitment ? { commitment } : {}),
    maxIncreasePercent: env.cost.maxIncreasePercent,
    ...(env.cost.maxWorstCaseUsd !== undefined ? { maxWorstCaseUsd: env.cost.maxWorstCaseUsd } : {}),
    spotPools: churn.pools,
    churn: {
      interruptionsPerMonth: churn.interruptionsPerMonth,
      expectedUsd: churn.expectedUsd,
      effectiveSpotUsdPerGpuHour: spotGpuHours > 0 ? (shape.spotUnits * shape.spotExpectedPerUnit * hours.fleet + churn.expectedUsd) / spotGpuHours : null,
      warmupSeconds: env.churn?.warmupSeconds ?? 0,
      drainSeconds: env.churn?.drainSeconds ?? 0,
      modelSizeGb: env.churn?.modelSizeGb ?? null,
    },
    notPriced: parts.notPriced,
    assumptions: notes.assumptions,
    warnings: notes.warnings,
    interruptionWarnings: notes.risks,
    prices: pricesUsed(shape, parts.units),
    inputs: {
      environment: pickCostInputs(configured),
      ...(options.capacityProfile ? { capacityProfile: options.capacityProfile.map((l) => ({ ...l })) } : {}),
      hoursPerMonth: hours.fleet,
      ...schedule,
      smallParts,
      // In config order, not the table's, so the report does not depend on how the lookups listed them.
      offerings: env.fleet.instanceTypes.flatMap((t) => book.offering(t) ?? []),
    },
  };
}
