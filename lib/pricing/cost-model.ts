import { gpuInstanceType } from '../catalog/gpu-instance-types';
import { PriceBook } from './price-book';
import { quantity, unitPrice, usd } from './report-format';

export { HOURS_PER_MONTH };
export type { SpotPool };
import { EnvironmentPlacementScores, HOURS_PER_MONTH, InstanceOffering, SpotPool, OnDemandPrice, PriceSource, PriceTable, SpotPrice, UnitPrice, UnitResource } from './types';

/**
 * The cost model: what one environment's fleet costs per month, in USD, from a resolved `PriceTable`.
 * Pure and synchronous: no AWS calls, no clock, no process.env. The rules are documented in docs/cost-report.md.
 */

/** Hours in an average month (8,760 / 12): what AWS bills an always-on resource. */

/**
 * How many of the cheapest spot pools per AZ the expected spot price averages over. price-capacity-optimized picks
 * the pools with the most spare capacity first and only then the cheapest, so the single cheapest pool is too
 * optimistic; two per AZ is a documented middle ground.
 */
export const FAVOURED_SPOT_POOLS_PER_AZ = 2;

/** Usage of the small parts of the stack, which the config does not describe. */
export interface SmallPartsUsage {
  /**
   * Alarm metrics of the stack's standard-resolution CloudWatch alarms (CloudWatch bills per metric an alarm reads;
   * bin/app.ts counts them in the built stack).
   */
  readonly cloudwatchAlarms: number;
  /** Lambda invocations per month (interruption handler, budget guard, schedule). */
  readonly lambdaRequestsPerMonth: number;
  /** Lambda GB-seconds per month. */
  readonly lambdaGbSecondsPerMonth: number;
  /** SQS requests per month (interruption events, including empty receives). */
  readonly sqsRequestsPerMonth: number;
}

/**
 * Small-parts assumptions when the caller does not count them: 10 alarm metrics, 100k Lambda invocations of 0.5 s at 256 MB
 * (100,000 x 0.5 x 0.25 = 12,500 GB-s) and 1M SQS requests. Free tiers are ignored: the estimate errs high.
 */
export const DEFAULT_SMALL_PARTS: SmallPartsUsage = {
  cloudwatchAlarms: 10,
  lambdaRequestsPerMonth: 100_000,
  lambdaGbSecondsPerMonth: 12_500,
  sqsRequestsPerMonth: 1_000_000,
};

/**
 * What the cost model reads about one environment: plain inputs, not the app's config (lib/stacks/cost-inputs.ts
 * adapts that). The report carries it so that `cost:diff` can price a base report's fleet with the head's prices.
 */
export interface CostModelEnvironment {
  readonly name: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly fleet: {
    readonly instanceTypes: readonly string[];
    readonly onDemandBaseCapacity: number;
    readonly spotPercentageAboveBase: number;
    readonly minSize: number;
    readonly maxSize: number;
    readonly rootVolumeGiB: number;
    readonly natGateways: number;
    /** Only its presence matters: an existing VPC's NAT gateways are not this stack's cost. */
    readonly existingVpc?: unknown;
  };
  readonly budget: { readonly monthlyLimitUsd: number };
  readonly usage: { readonly averageSpotInstances: number; readonly hoursPerMonth: number };
  /** The on-demand fallback's cap: its instances are part of the worst case. */
  readonly fallback?: { readonly maxInstances: number };
  readonly cost: {
    readonly throughputRps?: Readonly<Record<string, number>>;
    readonly commitment?: { readonly label: string; readonly hourlyUsd: Readonly<Record<string, number>> };
    readonly maxIncreasePercent: number;
  };
}

export interface EstimateOptions {
  /** Hours per month the fleet runs: from the environment's schedule, else `usage.hoursPerMonth`. */
  readonly hoursPerMonth: number;
  /** How the hours were derived, e.g. `MON-FRI 08:00-19:00 Europe/Berlin`; shown in the assumptions. */
  readonly scheduleDescription?: string;
  /**
   * Hours an always-on resource runs per month (NAT, alarms, worst case, the schedule's saving).
   * @default 730
   */
  readonly alwaysOnHours?: 730;
  /**
   * Usage of the small parts.
   * @default DEFAULT_SMALL_PARTS
   */
  readonly smallParts?: Partial<SmallPartsUsage>;
}

export type CostComponentId =
  | 'on-demand-base'
  | 'on-demand-burst'
  | 'spot-burst'
  | 'ebs'
  | 'nat-gateway'
  | 'cloudwatch-alarms'
  | 'lambda'
  | 'sqs';

/** One line of the estimate. `lowUsd`/`highUsd` differ from `monthlyUsd` only for spot. */
export interface CostComponent {
  readonly id: CostComponentId;
  readonly label: string;
  readonly monthlyUsd: number;
  readonly lowUsd: number;
  readonly highUsd: number;
  /** The arithmetic, e.g. `1 x g6.xlarge x $0.8048/h x 253 h`. */
  readonly basis: string;
}

/** A price the estimate considered, flattened for the report. Spot `usdPerHour` is the pool's p50. */
export type PriceUsed =
  | {
      readonly market: 'on-demand';
      readonly instanceType: string;
      readonly region: string;
      readonly usdPerHour: number;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    }
  | {
      readonly market: 'spot';
      readonly instanceType: string;
      readonly region: string;
      readonly availabilityZone: string;
      readonly usdPerHour: number;
      readonly currentUsdPerHour: number;
      readonly p90UsdPerHour: number;
      readonly samples: number;
      /** One of the pools the expected spot price averages over. */
      readonly favoured: boolean;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    }
  | {
      readonly market: 'unit';
      readonly resource: UnitResource;
      readonly region: string;
      readonly usdPerUnit: number;
      readonly unit: string;
      readonly source: PriceSource;
      readonly validOn: string;
      readonly origin: string;
    };

export interface EnvironmentCostEstimate {
  readonly environment: string;
  /**
   * Spot placement scores per AZ, when prices came from AWS (attached by the app, not computed here).
   * @default - none: scores are read with live pricing only
   */
  readonly placement?: EnvironmentPlacementScores;
  readonly region: string;
  /** What fleet sizes count: instances when all types have the same GPU count, else GPUs. */
  readonly capacityUnit: 'instance' | 'gpu';
  readonly hoursPerMonth: number;
  readonly alwaysOnHours: number;
  readonly scheduleDescription?: string;
  readonly fleet: {
    /** The type the on-demand base runs on (prioritized: first configured type that is offered). */
    readonly baseInstanceType: string;
    readonly baseInstances: number;
    /** Average capacity above the base, in capacity units. */
    readonly burstUnits: number;
    readonly spotUnits: number;
    readonly onDemandBurstUnits: number;
    readonly favouredSpotPools: readonly SpotPool[];
    /** Types priced nowhere because no configured AZ offers them. */
    readonly typesNotOffered: readonly string[];
  };
  readonly components: readonly CostComponent[];
  readonly monthly: {
    readonly expectedUsd: number;
    readonly lowUsd: number;
    readonly highUsd: number;
    /** maxSize, all on-demand at the priciest type per unit, all month, plus the other parts. */
    readonly worstCaseUsd: number;
    /** The same average fleet with the burst on-demand too. */
    readonly allOnDemandUsd: number;
    readonly savingsVsOnDemandUsd: number;
    readonly savingsVsOnDemandPercent: number;
    /** Expected cost if the fleet ran all month; equals expected when unscheduled. */
    readonly alwaysOnExpectedUsd: number;
    /** What the schedule saves; null when the fleet runs all month. */
    readonly scheduleSavingUsd: number | null;
    /** Expected cost over GPU-hours run; null when the fleet runs no GPU-hours. */
    readonly costPerGpuHourUsd: number | null;
  };
  readonly hourly: {
    readonly onDemandBaseUsdPerInstance: number;
    readonly spotExpectedUsdPerInstance: number;
    readonly onDemandUsdPerCapacityUnit: number;
    readonly spotExpectedUsdPerCapacityUnit: number;
  };
  readonly budget: {
    readonly monthlyLimitUsd: number;
    readonly headroomUsd: number;
    readonly percentUsed: number;
    readonly overBudget: boolean;
  };
  /** Present when `cost.throughputRps` is set. */
  readonly perMillionRequests?: {
    readonly byType: readonly {
      readonly instanceType: string;
      readonly requestsPerSecond: number;
      readonly onDemandUsd: number;
      /** null when no configured AZ has spot prices for the type. */
      readonly spotUsd: number | null;
    }[];
    /** Expected compute cost over requests served; null when a running type has no throughput figure. */
    readonly blendedUsd: number | null;
  };
  /** Present when `cost.commitment` is set and has a rate for the base type. */
  readonly commitment?: {
    readonly label: string;
    readonly instanceType: string;
    readonly hourlyUsd: number;
    /** Billed every hour of the month, whatever the schedule. */
    readonly baselineMonthlyUsd: number;
    readonly onDemandBaselineMonthlyUsd: number;
  };
  readonly maxIncreasePercent: number;
  readonly assumptions: readonly string[];
  /** Things left out of the estimate, for synth warnings. */
  readonly warnings: readonly string[];
  readonly prices: readonly PriceUsed[];
  /** What the estimate was made from, so it can be made again with other prices. */
  readonly inputs: {
    readonly environment: CostModelEnvironment;
    readonly hoursPerMonth: number;
    readonly scheduleDescription?: string;
    readonly smallParts: SmallPartsUsage;
    readonly offerings: readonly InstanceOffering[];
  };
}

/** A price the estimate needs is missing or unusable, or the inputs cannot be priced. */
export class CostModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostModelError';
  }
}

interface TypeInfo {
  readonly name: string;
  readonly weight: number;
  readonly offeredAzs: readonly string[];
}

/**
 * Estimates one environment's monthly cost. Throws `CostModelError` naming the environment, type, AZ or resource
 * when a price it needs is missing or not a positive number: the estimate is never silently $0 or NaN.
 */
export function estimateEnvironmentCost(
  env: CostModelEnvironment,
  table: PriceTable,
  options: EstimateOptions,
): EnvironmentCostEstimate {
  const alwaysOnHours = options.alwaysOnHours ?? HOURS_PER_MONTH;
  const H = options.hoursPerMonth;
  const where = `${env.name} (${env.region})`;
  if (!Number.isFinite(H) || H < 0 || H > alwaysOnHours) {
    throw new CostModelError(
      `${env.name}: hoursPerMonth (${H}) must be a number from 0 to ${alwaysOnHours}; ` +
        'compute it from the schedule or set usage.hoursPerMonth',
    );
  }
  const smallParts: SmallPartsUsage = { ...DEFAULT_SMALL_PARTS, ...options.smallParts };
  const assumptions: string[] = [];
  const warnings: string[] = [];
  const f = env.fleet;

  // Capacity units: the group weights each type by its GPU count when the counts differ.
  const book = PriceBook.of(table, env.region);
  const gpus = env.fleet.instanceTypes.map((t) => gpuCount(env, t, book));
  const weighted = new Set(gpus).size > 1;
  const capacityUnit: 'instance' | 'gpu' = weighted ? 'gpu' : 'instance';
  const unitWord = capacityUnit === 'gpu' ? 'GPU' : 'instance';

  const types: TypeInfo[] = f.instanceTypes.map((name, i) => ({
    name,
    weight: weighted ? gpus[i] : 1,
    offeredAzs: offeredAzs(env, name, book, assumptions),
  }));
  const typesNotOffered = types.filter((t) => t.offeredAzs.length === 0).map((t) => t.name);
  for (const t of typesNotOffered) {
    warnings.push(`${where}: ${t} is not offered in ${env.availabilityZones.join(', ')}; left out of the estimate`);
  }
  const offered = types.filter((t) => t.offeredAzs.length > 0);
  if (offered.length === 0) {
    throw new CostModelError(
      `${where}: none of the instance types ${f.instanceTypes.join(', ')} is offered in ` +
        `${env.availabilityZones.join(', ')}; add a type offered there or another AZ`,
    );
  }

  // On-demand allocation strategy `prioritized`: the base runs on the first configured type that is offered.
  const base = offered[0];
  const od = new Map(offered.map((t) => [t.name, requireOnDemand(env, t.name, book)]));
  const baseOd = od.get(base.name)!;
  const odPerUnit = baseOd.usdPerHour / base.weight;
  // The group launches whole instances until the base capacity (in units) is met.
  const baseInstances = Math.ceil(f.onDemandBaseCapacity / base.weight);

  let burstUnits = env.usage.averageSpotInstances;
  const room = Math.max(0, f.maxSize - f.onDemandBaseCapacity);
  if (burstUnits > room) {
    warnings.push(
      `${env.name}: usage.averageSpotInstances (${burstUnits}) is more than maxSize - onDemandBaseCapacity ` +
        `(${room}); the estimate uses ${room}`,
    );
    burstUnits = room;
  }
  const spotShare = f.spotPercentageAboveBase / 100;
  const spotUnits = burstUnits * spotShare;
  const odBurstUnits = burstUnits - spotUnits;

  const hasSpot = spotShare > 0;
  // Spot pools: offered type x configured AZ pairs with a spot history.
  const pools: { type: TypeInfo; price: SpotPrice; p50PerUnit: number }[] = [];
  for (const t of offered) {
    for (const az of t.offeredAzs) {
      const price = book.spot(t.name, az);
      if (!price) {
        if (hasSpot) warnings.push(`${where}: no spot price history for ${t.name} in ${az}; that pool is left out of the spot estimate`);
        continue;
      }
      validateSpot(env, price);
      pools.push({ type: t, price, p50PerUnit: price.p50UsdPerHour / t.weight });
    }
  }
  if (hasSpot && pools.length === 0) {
    throw new CostModelError(
      `${where}: no spot price for any of ${offered.map((t) => t.name).join(', ')} in ` +
        `${env.availabilityZones.join(', ')}, but spotPercentageAboveBase is ${f.spotPercentageAboveBase}; ` +
        'refresh the prices (npm run pricing:refresh) or check the types are offered as spot there',
    );
  }
  // Favoured pools: in each AZ the FAVOURED_SPOT_POOLS_PER_AZ cheapest by p50 per unit; AZs weigh equally because
  // the group balances capacity across AZs. Ties break by type order in the config, so the choice is stable.
  const favoured: typeof pools = [];
  for (const az of env.availabilityZones) {
    const inAz = pools
      .filter((p) => p.price.availabilityZone === az)
      .sort((a, b) => a.p50PerUnit - b.p50PerUnit || types.indexOf(a.type) - types.indexOf(b.type));
    favoured.push(...inAz.slice(0, FAVOURED_SPOT_POOLS_PER_AZ));
  }
  const favouredSet = new Set(favoured);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const spotExpectedPerUnit = favoured.length ? mean(favoured.map((p) => p.p50PerUnit)) : odPerUnit;
  const spotLowPerUnit = pools.length ? Math.min(...pools.map((p) => p.price.currentUsdPerHour / p.type.weight)) : odPerUnit;
  const spotHighPerUnit = favoured.length ? Math.max(...favoured.map((p) => p.price.p90UsdPerHour / p.type.weight)) : odPerUnit;
  const spotPerInstance = favoured.length ? mean(favoured.map((p) => p.price.p50UsdPerHour)) : baseOd.usdPerHour;
  // Instances per spot unit, for EBS: each favoured pool takes an equal share of the units.
  const spotInstancesPerUnit = favoured.length ? mean(favoured.map((p) => 1 / p.type.weight)) : 1 / base.weight;
  if (!hasSpot) assumptions.push('The fleet runs no spot (spotPercentageAboveBase is 0): the burst is priced on-demand.');

  // Components.
  const components: CostComponent[] = [];
  const fixed = (id: CostComponentId, label: string, monthly: number, basis: string) =>
    components.push({ id, label, monthlyUsd: monthly, lowUsd: monthly, highUsd: monthly, basis });

  fixed(
    'on-demand-base',
    'On-demand base',
    baseInstances * baseOd.usdPerHour * H,
    `${baseInstances} x ${base.name} x ${unitPrice(baseOd.usdPerHour)}/h x ${quantity(H)} h`,
  );
  if (odBurstUnits > 0) {
    fixed(
      'on-demand-burst',
      'On-demand above base',
      odBurstUnits * odPerUnit * H,
      `${quantity(odBurstUnits)} ${unitWord}s x ${unitPrice(odPerUnit)}/${unitWord}-h (${base.name}) x ${quantity(H)} h`,
    );
  }
  if (hasSpot) {
    components.push({
      id: 'spot-burst',
      label: 'Spot burst',
      monthlyUsd: spotUnits * spotExpectedPerUnit * H,
      lowUsd: spotUnits * spotLowPerUnit * H,
      highUsd: spotUnits * spotHighPerUnit * H,
      basis:
        `${quantity(spotUnits)} ${unitWord}s x ${unitPrice(spotExpectedPerUnit)}/${unitWord}-h ` +
        `(p50 over ${favoured.length} favoured pools) x ${quantity(H)} h`,
    });
  }

  const gp3 = requireUnit(env, 'ebs-gp3-gb-month', book);
  const instancesRunning = baseInstances + odBurstUnits / base.weight + spotUnits * spotInstancesPerUnit;
  const instanceHours = instancesRunning * H;
  fixed(
    'ebs',
    'EBS gp3 root volumes',
    (f.rootVolumeGiB * gp3.usdPerUnit * instanceHours) / alwaysOnHours,
    `${f.rootVolumeGiB} GiB x ${unitPrice(gp3.usdPerUnit)}/GB-month x ${quantity(instanceHours)} instance-h / ${alwaysOnHours} h`,
  );

  const units: UnitPrice[] = [gp3];
  const natGateways = f.existingVpc ? 0 : f.natGateways;
  if (f.existingVpc) {
    assumptions.push('Existing VPC: its NAT gateways are not this stack\'s cost and are left out.');
  } else if (natGateways > 0) {
    const nat = requireUnit(env, 'nat-gateway-hour', book);
    units.push(nat);
    // NAT gateways are not scheduled: they run every hour of the month.
    fixed('nat-gateway', 'NAT gateways', natGateways * nat.usdPerUnit * alwaysOnHours, `${natGateways} x ${unitPrice(nat.usdPerUnit)}/h x ${alwaysOnHours} h`);
    assumptions.push('NAT data processing (per GB) is not estimated: it depends on traffic (model downloads, images).');
  }

  const small = (
    id: CostComponentId,
    label: string,
    parts: [UnitResource, number, string][],
  ) => {
    let total = 0;
    const basis: string[] = [];
    for (const [resource, qty, qtyWord] of parts) {
      const p = book.unit(resource);
      if (!p) {
        warnings.push(`${where}: no ${resource} price in the price table; ${label} is left out of the estimate`);
        return;
      }
      validateUnit(env, p);
      units.push(p);
      total += qty * p.usdPerUnit;
      basis.push(`${quantity(qty)} ${qtyWord} x ${unitPrice(p.usdPerUnit)}`);
    }
    fixed(id, label, total, basis.join(' + '));
  };
  small('cloudwatch-alarms', 'CloudWatch alarms', [['cloudwatch-alarm-month', smallParts.cloudwatchAlarms, 'alarm metrics']]);
  small('lambda', 'Lambda', [
    ['lambda-request', smallParts.lambdaRequestsPerMonth, 'requests'],
    ['lambda-gb-second', smallParts.lambdaGbSecondsPerMonth, 'GB-s'],
  ]);
  small('sqs', 'SQS', [['sqs-request', smallParts.sqsRequestsPerMonth, 'requests']]);

  const sum = (k: 'monthlyUsd' | 'lowUsd' | 'highUsd') => components.reduce((a, c) => a + c[k], 0);
  const expected = sum('monthlyUsd');
  const instanceIds: CostComponentId[] = ['on-demand-base', 'on-demand-burst', 'spot-burst'];
  const instanceCost = components.filter((c) => instanceIds.includes(c.id)).reduce((a, c) => a + c.monthlyUsd, 0);
  // NAT and the small parts do not follow the fleet's hours.
  const notScaled = components
    .filter((c) => !instanceIds.includes(c.id) && c.id !== 'ebs')
    .reduce((a, c) => a + c.monthlyUsd, 0);
  const ebsPerInstanceHour = (f.rootVolumeGiB * gp3.usdPerUnit) / alwaysOnHours;

  // Same average fleet, burst on-demand at the base type: what the spot share saves.
  const allOnDemandPerHour =
    baseInstances * baseOd.usdPerHour + burstUnits * odPerUnit + (baseInstances + burstUnits / base.weight) * ebsPerInstanceHour;
  const allOnDemand = allOnDemandPerHour * H + notScaled;

  // Worst case: maxSize units, all on-demand, all month, on the priciest offered type per unit.
  const perUnit = (t: TypeInfo) => od.get(t.name)!.usdPerHour / t.weight;
  const priciest = [...offered].sort((a, b) => perUnit(b) - perUnit(a) || types.indexOf(a) - types.indexOf(b))[0];
  const worstInstances = Math.ceil(f.maxSize / priciest.weight);
  // The fallback group adds at most its cap of on-demand instances on top, at the priciest offered type per instance.
  const fallbackInstances = env.fallback?.maxInstances ?? 0;
  const priciestInstance = [...offered].sort((a, b) => od.get(b.name)!.usdPerHour - od.get(a.name)!.usdPerHour || types.indexOf(a) - types.indexOf(b))[0];
  const fallbackPerHour = fallbackInstances * (od.get(priciestInstance.name)!.usdPerHour + ebsPerInstanceHour);
  const worstCase = (f.maxSize * perUnit(priciest) + worstInstances * ebsPerInstanceHour + fallbackPerHour) * alwaysOnHours + notScaled;

  // What the fleet costs per hour it runs, so the always-on figure needs no division by H (which may be 0).
  const runPerHour =
    baseInstances * baseOd.usdPerHour + odBurstUnits * odPerUnit + spotUnits * spotExpectedPerUnit +
    instancesRunning * ebsPerInstanceHour;
  const alwaysOnExpectedUsd = runPerHour * alwaysOnHours + notScaled;
  const scheduled = H < alwaysOnHours;
  if (options.scheduleDescription) assumptions.push(`Schedule: ${options.scheduleDescription}, ${quantity(H)} h/month.`);
  else assumptions.push(`The fleet runs ${quantity(H)} h/month (usage.hoursPerMonth; no schedule).`);

  // Units are GPUs when weighted; otherwise every type has the same GPU count.
  const gpuHours = (baseInstances * base.weight + burstUnits) * (weighted ? 1 : gpus[0]) * H;

  const budgetLimit = env.budget.monthlyLimitUsd;
  if (!(budgetLimit > 0)) {
    throw new CostModelError(`${env.name}.budget.monthlyLimitUsd (${budgetLimit}) must be a positive number of USD`);
  }

  const perMillionRequests = throughput(env, offered, od, pools, favoured, {
    baseInstances, base, odBurstUnits, spotUnits, H, computeExpected: instanceCost, hasSpot,
  }, assumptions);

  let commitment: EnvironmentCostEstimate['commitment'];
  if (env.cost.commitment) {
    const rate = env.cost.commitment.hourlyUsd[base.name];
    if (rate === undefined || !(rate > 0)) {
      warnings.push(
        `${env.name}.cost.commitment.hourlyUsd has no positive rate for the base type ${base.name} ` +
          `(${rate}); the ${env.cost.commitment.label} figure is left out`,
      );
    } else {
      commitment = {
        label: env.cost.commitment.label,
        instanceType: base.name,
        hourlyUsd: rate,
        baselineMonthlyUsd: baseInstances * rate * alwaysOnHours,
        onDemandBaselineMonthlyUsd: baseInstances * baseOd.usdPerHour * H,
      };
      assumptions.push(`${env.cost.commitment.label}: the commitment is billed all ${alwaysOnHours} h, whatever the schedule.`);
    }
  }

  assumptions.push(
    `Capacity unit: ${unitWord}${weighted ? ' (instance types differ in GPU count; each type weighs its GPU count)' : ''}.`,
    `On-demand base: ${baseInstances} x ${base.name} (prioritized: first configured type offered).`,
    `Burst above base: ${quantity(burstUnits)} ${unitWord}s on average, ${f.spotPercentageAboveBase}% spot.`,
  );
  if (hasSpot) {
    assumptions.push(
      `Spot expected: mean p50 per ${unitWord} of the ${FAVOURED_SPOT_POOLS_PER_AZ} cheapest pools per AZ ` +
        `(${favoured.map((p) => `${p.type.name}@${p.price.availabilityZone}`).join(', ')}); ` +
        `low: cheapest current pool price; high: highest p90 of those pools.`,
    );
  }
  assumptions.push(
    `Worst case: ${f.maxSize} ${unitWord}s on-demand (${priciest.name}, the priciest per ${unitWord}) for ${alwaysOnHours} h` +
      (fallbackInstances > 0
        ? `, plus the on-demand fallback's cap of ${fallbackInstances} x ${priciestInstance.name} (${usd(fallbackPerHour)}/h with root volumes).`
        : '.'),
    `Small parts: ${smallParts.cloudwatchAlarms} alarm metrics, ${quantity(smallParts.lambdaRequestsPerMonth)} Lambda requests ` +
      `(${quantity(smallParts.lambdaGbSecondsPerMonth)} GB-s), ${quantity(smallParts.sqsRequestsPerMonth)} SQS requests; free tiers ignored.`,
  );

  const prices: PriceUsed[] = [];
  for (const t of offered) {
    const p = od.get(t.name)!;
    prices.push({ market: 'on-demand', instanceType: p.instanceType, region: p.region, usdPerHour: p.usdPerHour, source: p.source, validOn: p.validOn, origin: p.origin });
  }
  for (const pool of pools) {
    const p = pool.price;
    prices.push({
      market: 'spot', instanceType: p.instanceType, region: p.region, availabilityZone: p.availabilityZone,
      usdPerHour: p.p50UsdPerHour, currentUsdPerHour: p.currentUsdPerHour, p90UsdPerHour: p.p90UsdPerHour,
      samples: p.samples, favoured: favouredSet.has(pool), source: p.source, validOn: p.validOn, origin: p.origin,
    });
  }
  for (const p of new Set(units)) {
    prices.push({ market: 'unit', resource: p.resource, region: p.region, usdPerUnit: p.usdPerUnit, unit: p.unit, source: p.source, validOn: p.validOn, origin: p.origin });
  }

  const estimate: EnvironmentCostEstimate = {
    environment: env.name,
    region: env.region,
    capacityUnit,
    hoursPerMonth: H,
    alwaysOnHours,
    ...(options.scheduleDescription ? { scheduleDescription: options.scheduleDescription } : {}),
    fleet: {
      baseInstanceType: base.name,
      baseInstances,
      burstUnits,
      spotUnits,
      onDemandBurstUnits: odBurstUnits,
      favouredSpotPools: favoured.map((p) => ({ instanceType: p.type.name, availabilityZone: p.price.availabilityZone })),
      typesNotOffered,
    },
    components,
    monthly: {
      expectedUsd: expected,
      lowUsd: sum('lowUsd'),
      highUsd: sum('highUsd'),
      worstCaseUsd: worstCase,
      allOnDemandUsd: allOnDemand,
      savingsVsOnDemandUsd: allOnDemand - expected,
      savingsVsOnDemandPercent: allOnDemand > 0 ? ((allOnDemand - expected) / allOnDemand) * 100 : 0,
      alwaysOnExpectedUsd,
      scheduleSavingUsd: scheduled ? alwaysOnExpectedUsd - expected : null,
      costPerGpuHourUsd: gpuHours > 0 ? expected / gpuHours : null,
    },
    hourly: {
      onDemandBaseUsdPerInstance: baseOd.usdPerHour,
      spotExpectedUsdPerInstance: spotPerInstance,
      onDemandUsdPerCapacityUnit: odPerUnit,
      spotExpectedUsdPerCapacityUnit: spotExpectedPerUnit,
    },
    budget: {
      monthlyLimitUsd: budgetLimit,
      headroomUsd: budgetLimit - expected,
      percentUsed: (expected / budgetLimit) * 100,
      overBudget: expected > budgetLimit,
    },
    ...(perMillionRequests ? { perMillionRequests } : {}),
    ...(commitment ? { commitment } : {}),
    maxIncreasePercent: env.cost.maxIncreasePercent,
    assumptions,
    warnings,
    prices,
    inputs: {
      environment: pickCostInputs(env),
      hoursPerMonth: H,
      ...(options.scheduleDescription ? { scheduleDescription: options.scheduleDescription } : {}),
      smallParts,
      // In config order, not the table's, so the report does not depend on how the lookups listed them.
      offerings: env.fleet.instanceTypes.flatMap((t) => {
        const o = book.offering(t);
        return o ? [o] : [];
      }),
    },
  };
  return estimate;
}

/** Only the fields the cost model reads, so the report does not carry e-mail addresses or VPC ids. */
export function pickCostInputs(env: CostModelEnvironment): CostModelEnvironment {
  const f = env.fleet;
  return {
    name: env.name,
    region: env.region,
    availabilityZones: [...env.availabilityZones],
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
    budget: { monthlyLimitUsd: env.budget.monthlyLimitUsd },
    usage: { averageSpotInstances: env.usage.averageSpotInstances, hoursPerMonth: env.usage.hoursPerMonth },
    ...(env.fallback ? { fallback: { maxInstances: env.fallback.maxInstances } } : {}),
    cost: {
      maxIncreasePercent: env.cost.maxIncreasePercent,
      ...(env.cost.throughputRps ? { throughputRps: { ...env.cost.throughputRps } } : {}),
      ...(env.cost.commitment
        ? { commitment: { label: env.cost.commitment.label, hourlyUsd: { ...env.cost.commitment.hourlyUsd } } }
        : {}),
    },
  };
}

function throughput(
  env: CostModelEnvironment,
  offered: TypeInfo[],
  od: Map<string, OnDemandPrice>,
  pools: { type: TypeInfo; price: SpotPrice }[],
  favoured: { type: TypeInfo; price: SpotPrice }[],
  fleet: { baseInstances: number; base: TypeInfo; odBurstUnits: number; spotUnits: number; H: number; computeExpected: number; hasSpot: boolean },
  assumptions: string[],
): EnvironmentCostEstimate['perMillionRequests'] {
  const rps = env.cost.throughputRps;
  if (!rps) return undefined;
  const perMillion = (usdPerHour: number, r: number) => (usdPerHour / (r * 3600)) * 1e6;
  const byType = offered
    .filter((t) => rps[t.name] !== undefined && rps[t.name] > 0)
    .map((t) => {
      const spot = pools.filter((p) => p.type === t).map((p) => p.price.p50UsdPerHour);
      return {
        instanceType: t.name,
        requestsPerSecond: rps[t.name],
        onDemandUsd: perMillion(od.get(t.name)!.usdPerHour, rps[t.name]),
        spotUsd: spot.length ? perMillion(spot.reduce((a, b) => a + b, 0) / spot.length, rps[t.name]) : null,
      };
    });
  // Requests the average fleet serves per hour: base and on-demand burst on the base type, spot shared equally
  // over the favoured pools.
  const running = [fleet.base, ...(fleet.hasSpot ? favoured.map((p) => p.type) : [])];
  const missing = [...new Set(running.filter((t) => !(rps[t.name] > 0)).map((t) => t.name))];
  let blendedUsd: number | null = null;
  if (missing.length) {
    assumptions.push(`Blended cost per million requests left out: cost.throughputRps has no figure for ${missing.join(', ')}.`);
  } else {
    const spotRpsPerUnit = fleet.hasSpot && favoured.length
      ? favoured.reduce((a, p) => a + rps[p.type.name] / p.type.weight, 0) / favoured.length
      : 0;
    const rpsServed =
      (fleet.baseInstances + fleet.odBurstUnits / fleet.base.weight) * rps[fleet.base.name] + fleet.spotUnits * spotRpsPerUnit;
    const requests = rpsServed * 3600 * fleet.H;
    if (requests > 0) blendedUsd = (fleet.computeExpected / requests) * 1e6;
    else assumptions.push('Blended cost per million requests left out: the fleet serves no requests in the month.');
  }
  return { byType, blendedUsd };
}

function gpuCount(env: CostModelEnvironment, type: string, book: PriceBook): number {
  const fromCatalog = gpuInstanceType(type)?.gpus;
  if (fromCatalog) return fromCatalog;
  const offering = book.offering(type);
  if (offering && offering.gpus > 0) return offering.gpus;
  throw new CostModelError(
    `${env.name}: GPU count of ${type} is unknown (not in the GPU catalog nor the price table's offerings); ` +
      'use a GPU type from lib/catalog/gpu-instance-types.ts',
  );
}

function offeredAzs(env: CostModelEnvironment, type: string, book: PriceBook, assumptions: string[]): string[] {
  const o = book.offering(type);
  if (!o) {
    assumptions.push(`No offering data for ${type} in ${env.region}: assumed offered in every configured AZ.`);
    return [...env.availabilityZones];
  }
  return env.availabilityZones.filter((az) => o.availabilityZones.includes(az));
}

function requireOnDemand(env: CostModelEnvironment, type: string, book: PriceBook): OnDemandPrice {
  const p = book.onDemand(type);
  if (!p) {
    throw new CostModelError(
      `${env.name}: no on-demand price for ${type} in ${env.region} in the price table; ` +
        'run npm run pricing:refresh (or synth with -c pricing=live), or remove the type from the fleet',
    );
  }
  if (!(Number.isFinite(p.usdPerHour) && p.usdPerHour > 0)) {
    throw new CostModelError(
      `${env.name}: on-demand price of ${type} in ${env.region} is ${p.usdPerHour} (${p.source}, ${p.validOn}); ` +
        'it must be a positive USD per hour: the price table is corrupt, refresh it',
    );
  }
  return p;
}

function validateSpot(env: CostModelEnvironment, p: SpotPrice): void {
  const bad = (['currentUsdPerHour', 'p50UsdPerHour', 'p90UsdPerHour'] as const).filter(
    (k) => !(Number.isFinite(p[k]) && p[k] > 0),
  );
  if (bad.length) {
    throw new CostModelError(
      `${env.name}: spot price of ${p.instanceType} in ${p.availabilityZone} has ` +
        `${bad.map((k) => `${k} = ${p[k]}`).join(', ')} (${p.source}, ${p.validOn}); ` +
        'each must be a positive USD per hour: the price table is corrupt, refresh it',
    );
  }
}

function requireUnit(env: CostModelEnvironment, resource: UnitResource, book: PriceBook): UnitPrice {
  const p = book.unit(resource);
  if (!p) {
    throw new CostModelError(
      `${env.name}: no ${resource} price for ${env.region} in the price table; ` +
        'run npm run pricing:refresh (or synth with -c pricing=live)',
    );
  }
  validateUnit(env, p);
  return p;
}

function validateUnit(env: CostModelEnvironment, p: UnitPrice): void {
  if (!(Number.isFinite(p.usdPerUnit) && p.usdPerUnit > 0)) {
    throw new CostModelError(
      `${env.name}: ${p.resource} price in ${p.region} is ${p.usdPerUnit} (${p.source}, ${p.validOn}); ` +
        'it must be a positive USD amount: the price table is corrupt, refresh it',
    );
  }
}

/** A synth warning: `id` is what `Annotations.addWarningV2` takes and a user acknowledges. */
export interface CostWarning {
  readonly id: 'gpu-fleet:costOverBudget' | 'gpu-fleet:costPartLeftOut';
  readonly message: string;
}

/** Messages for the fleet's synth annotations: one info line, and warnings (over budget, parts left out). */
export function costAnnotations(e: EnvironmentCostEstimate): { readonly info: string; readonly warnings: readonly CostWarning[] } {
  const m = e.monthly;
  const info =
    `${e.environment} expected ${usd(m.expectedUsd)}/month (range ${usd(m.lowUsd)}-${usd(m.highUsd)}, ` +
    `worst case ${usd(m.worstCaseUsd)}) at ${quantity(e.hoursPerMonth)} h/month`;
  const warnings: CostWarning[] = e.warnings.map((message) => ({ id: 'gpu-fleet:costPartLeftOut', message }));
  if (e.budget.overBudget) {
    warnings.unshift({
      id: 'gpu-fleet:costOverBudget',
      message:
        `${e.environment} expected monthly cost ${usd(m.expectedUsd)} exceeds budget.monthlyLimitUsd ` +
        `${usd(e.budget.monthlyLimitUsd)} by ${usd(-e.budget.headroomUsd)}; raise the budget or shrink the fleet ` +
        '(fewer base instances, fewer hours, cheaper types)',
    });
  }
  return { info, warnings };
}

/**
 * The year whose calendar the schedule hours are averaged over: the year of the newest price in the table,
 * not the clock's, so the same prices always give byte-identical reports (no change on January 1st).
 */
export function pricingYear(table: PriceTable): number {
  const dates = [...table.onDemand, ...table.spot, ...table.units].map((p) => p.validOn).sort();
  const newest = dates[dates.length - 1];
  if (!newest) throw new Error('pricing: the price table holds no price, so no estimate can be made');
  return Number(newest.slice(0, 4));
}
