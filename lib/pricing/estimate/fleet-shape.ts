import { gpuInstanceType } from '../../catalog/gpu-instance-types';
import type { PriceBook } from '../price-book';
import type { OnDemandPrice, SpotPrice } from '../types';
import { requireOnDemand, validSpot } from './prices';
import { CapacityUnit, CostModelEnvironment, CostModelError, EnvironmentCostEstimate, EstimateNotes } from './types';

/**
 * How many of the cheapest spot pools per AZ the expected spot price averages over. price-capacity-optimized picks
 * the pools with the most spare capacity first and only then the cheapest, so the single cheapest pool is too
 * optimistic; two per AZ is a documented middle ground.
 */
export const FAVOURED_SPOT_POOLS_PER_AZ = 2;

/** A configured instance type, as the group sees it. */
export interface FleetType {
  readonly name: string;
  /**
   * Capacity units one instance counts for: its throughput weight in throughput units, else its GPU count when the
   * types differ in GPUs, else 1.
   */
  readonly weight: number;
  /** GPUs of one instance. */
  readonly gpus: number;
  /** The configured AZs that offer it. */
  readonly offeredAzs: readonly string[];
}

/** A spot pool (offered type x configured AZ) with a spot history. */
export interface FleetPool {
  readonly type: FleetType;
  readonly price: SpotPrice;
  readonly p50PerUnit: number;
}

/** What the fleet runs on average, and at what hourly rates: everything the components are priced from. */
export interface FleetShape {
  readonly capacityUnit: CapacityUnit;
  /** `GPU`, `instance` or `throughput unit`, for the explanations. */
  readonly unitWord: string;
  /** Every configured type, in config order. */
  readonly types: readonly FleetType[];
  /** The types offered in at least one configured AZ, in config order. */
  readonly offered: readonly FleetType[];
  readonly typesNotOffered: readonly string[];
  /** On-demand allocation strategy `prioritized`: the base runs on the first configured type that is offered. */
  readonly base: FleetType;
  readonly baseInstances: number;
  /** On-demand price of every offered type. */
  readonly onDemand: ReadonlyMap<string, OnDemandPrice>;
  readonly baseOnDemand: OnDemandPrice;
  /** On-demand USD per capacity unit-hour, at the base type. */
  readonly onDemandPerUnit: number;
  /** Average capacity above the base, in capacity units. */
  readonly burstUnits: number;
  readonly spotUnits: number;
  readonly onDemandBurstUnits: number;
  readonly hasSpot: boolean;
  readonly pools: readonly FleetPool[];
  readonly favoured: readonly FleetPool[];
  /** USD per capacity unit-hour of the spot burst: expected (mean p50 of the favoured pools), low and high. */
  readonly spotExpectedPerUnit: number;
  readonly spotLowPerUnit: number;
  readonly spotHighPerUnit: number;
  /** Expected spot USD per instance-hour (mean p50 of the favoured pools). */
  readonly spotPerInstance: number;
  /** On-demand USD per capacity unit-hour of the types the spot burst runs on (mean over the favoured pools). */
  readonly spotSameTypeOnDemandPerUnit: number;
  /** Whether the favoured pools have real spot data: all, some, or none (every one capped at on-demand). */
  readonly spotData: 'real' | 'partial' | 'none';
  /** Instances the average fleet runs. */
  readonly instancesRunning: number;
  /** Spot instances the average fleet runs (each favoured pool runs an equal share of the spot units). */
  readonly spotInstances: number;
  /** GPUs the average fleet runs: per type, its instances x its GPU count (GPUs per unit differ by type). */
  readonly gpusRunning: number;
  /** GPUs the average spot burst runs. */
  readonly spotGpus: number;
  /** Average instances by type and market, in config order (types the average fleet does not run are left out). */
  readonly averageInstances: readonly TypeInstances[];
}

/** What the average fleet runs of one type. */
export interface TypeInstances {
  readonly instanceType: string;
  readonly onDemand: number;
  readonly spot: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The fleet's shape from its config and the price book. Throws `CostModelError` when no type is offered, a price it
 * needs is missing or corrupt, or a fleet with spot has no spot price at all.
 */
export function fleetShape(env: CostModelEnvironment, book: PriceBook, notes: EstimateNotes): FleetShape {
  const f = env.fleet;
  const where = `${env.name} (${env.region})`;
  const gpus = f.instanceTypes.map((t) => gpuCount(env, t, book));
  const throughput = throughputWeights(env);
  // Capacity units: throughput weights when given (the group carries them), else the group weights each type by
  // its GPU count when the counts differ, else every instance counts 1.
  const gpuWeighted = new Set(gpus).size > 1;
  const capacityUnit: CapacityUnit = throughput ? 'throughput' : gpuWeighted ? 'gpu' : 'instance';
  const types: FleetType[] = f.instanceTypes.map((name, i) => ({
    name,
    weight: throughput ? throughput[name] : gpuWeighted ? gpus[i] : 1,
    gpus: gpus[i],
    offeredAzs: offeredAzs(env, name, book, notes),
  }));
  const typesNotOffered = types.filter((t) => t.offeredAzs.length === 0).map((t) => t.name);
  for (const t of typesNotOffered) {
    notes.warnings.push(`${where}: ${t} is not offered in ${env.availabilityZones.join(', ')}; left out of the estimate`);
  }
  const offered = types.filter((t) => t.offeredAzs.length > 0);
  if (offered.length === 0) {
    throw new CostModelError(
      `${where}: none of the instance types ${f.instanceTypes.join(', ')} is offered in ` +
        `${env.availabilityZones.join(', ')}; add a type offered there or another AZ`,
    );
  }

  const base = offered[0];
  const onDemand = new Map(offered.map((t) => [t.name, requireOnDemand(env, book, t.name)]));
  const baseOnDemand = onDemand.get(base.name)!;
  const onDemandPerUnit = baseOnDemand.usdPerHour / base.weight;
  // The group launches whole instances until the base capacity (in units) is met.
  const baseInstances = Math.ceil(f.onDemandBaseCapacity / base.weight);

  let burstUnits = env.usage.averageSpotInstances;
  const room = Math.max(0, f.maxSize - f.onDemandBaseCapacity);
  if (burstUnits > room) {
    notes.warnings.push(
      `${env.name}: usage.averageSpotInstances (${burstUnits}) is more than maxSize - onDemandBaseCapacity ` +
        `(${room}); the estimate uses ${room}`,
    );
    burstUnits = room;
  }
  const spotShare = f.spotPercentageAboveBase / 100;
  const spotUnits = burstUnits * spotShare;
  const onDemandBurstUnits = burstUnits - spotUnits;
  const hasSpot = spotShare > 0;

  const pools = spotPools(env, book, offered, hasSpot, notes);
  const favoured = favouredPools(env, pools, types);
  const spotExpectedPerUnit = favoured.length ? mean(favoured.map((p) => p.p50PerUnit)) : onDemandPerUnit;
  const spotLowPerUnit = pools.length ? Math.min(...pools.map((p) => p.price.currentUsdPerHour / p.type.weight)) : onDemandPerUnit;
  const spotHighPerUnit = favoured.length ? Math.max(...favoured.map((p) => p.price.p90UsdPerHour / p.type.weight)) : onDemandPerUnit;
  const spotSameTypeOnDemandPerUnit = favoured.length
    ? mean(favoured.map((p) => onDemand.get(p.type.name)!.usdPerHour / p.type.weight))
    : onDemandPerUnit;
  const capped = favoured.filter((p) => p.price.kind === 'cap').length;
  const spotData = capped === 0 ? 'real' : capped === favoured.length ? 'none' : 'partial';
  // Instances (and GPUs) per spot unit: each favoured pool takes an equal share of the units, so a pool of a type
  // that weighs w runs share / w instances.
  const perSpotUnit = (per: (t: FleetType) => number) => (favoured.length ? mean(favoured.map((p) => per(p.type) / p.type.weight)) : per(base) / base.weight);
  const spotInstancesPerUnit = perSpotUnit(() => 1);
  // Per instance-hour, what the spot units cost over the instances they run (not the pools' plain mean: with
  // weights, a light type runs more instances per unit than a heavy one).
  const spotPerInstance = favoured.length ? spotExpectedPerUnit / spotInstancesPerUnit : baseOnDemand.usdPerHour;
  const baseRunning = baseInstances + onDemandBurstUnits / base.weight;
  const spotInstances = spotUnits * spotInstancesPerUnit;
  const spotGpus = spotUnits * perSpotUnit((t) => t.gpus);
  if (!hasSpot) notes.assumptions.push('The fleet runs no spot (spotPercentageAboveBase is 0): the burst is priced on-demand.');

  return {
    capacityUnit,
    unitWord: UNIT_WORDS[capacityUnit],
    types,
    offered,
    typesNotOffered,
    base,
    baseInstances,
    onDemand,
    baseOnDemand,
    onDemandPerUnit,
    burstUnits,
    spotUnits,
    onDemandBurstUnits,
    hasSpot,
    pools,
    favoured,
    spotExpectedPerUnit,
    spotLowPerUnit,
    spotHighPerUnit,
    spotPerInstance,
    spotSameTypeOnDemandPerUnit,
    spotData,
    instancesRunning: baseRunning + spotInstances,
    spotInstances,
    gpusRunning: baseRunning * base.gpus + spotGpus,
    spotGpus,
    averageInstances: averageInstances(types, base, baseRunning, favoured, spotUnits),
  };
}

/** How the explanations name one capacity unit. */
export const UNIT_WORDS: Readonly<Record<CapacityUnit, string>> = { instance: 'instance', gpu: 'GPU', throughput: 'throughput unit' };

/**
 * `fleet.throughputWeights`, checked: a whole number 1-999 for every configured type (Auto Scaling WeightedCapacity).
 * Undefined when the fleet does not count throughput units.
 */
function throughputWeights(env: CostModelEnvironment): Readonly<Record<string, number>> | undefined {
  const w = env.fleet.throughputWeights;
  if (!w) return undefined;
  const bad = env.fleet.instanceTypes.filter((t) => !(Number.isInteger(w[t]) && w[t] >= 1 && w[t] <= 999));
  if (bad.length) {
    throw new CostModelError(
      `${env.name}: fleet.throughputWeights (${bad.map((t) => `${t} ${w[t] ?? 'missing'}`).join(', ')}) must give every instance type a ` +
        'whole number of throughput units from 1 to 999, as the group carries them (Auto Scaling WeightedCapacity)',
    );
  }
  return w;
}

/** Instances by type and market: the base and on-demand burst on the base type, spot in equal units per favoured pool. */
function averageInstances(types: readonly FleetType[], base: FleetType, baseRunning: number, favoured: readonly FleetPool[], spotUnits: number): TypeInstances[] {
  const share = favoured.length ? spotUnits / favoured.length : 0;
  return types
    .map((t) => ({
      instanceType: t.name,
      onDemand: t === base ? baseRunning : 0,
      spot: favoured.filter((p) => p.type === t).reduce((a, p) => a + share / p.type.weight, 0),
    }))
    .filter((t) => t.onDemand > 0 || t.spot > 0);
}

/** Spot pools: offered type x configured AZ pairs with a spot history. */
function spotPools(
  env: CostModelEnvironment,
  book: PriceBook,
  offered: readonly FleetType[],
  hasSpot: boolean,
  notes: EstimateNotes,
): FleetPool[] {
  const where = `${env.name} (${env.region})`;
  const pools: FleetPool[] = [];
  for (const t of offered) {
    for (const az of t.offeredAzs) {
      const price = book.spot(t.name, az);
      if (!price) {
        if (hasSpot) notes.warnings.push(`${where}: no spot price history for ${t.name} in ${az}; that pool is left out of the spot estimate`);
        continue;
      }
      validSpot(env, price);
      pools.push({ type: t, price, p50PerUnit: price.p50UsdPerHour / t.weight });
    }
  }
  if (hasSpot && pools.length === 0) {
    throw new CostModelError(
      `${where}: no spot price for any of ${offered.map((t) => t.name).join(', ')} in ` +
        `${env.availabilityZones.join(', ')}, but spotPercentageAboveBase is ${env.fleet.spotPercentageAboveBase}; ` +
        'refresh the prices (npm run pricing:refresh) or check the types are offered as spot there',
    );
  }
  return pools;
}

/**
 * In each AZ the FAVOURED_SPOT_POOLS_PER_AZ cheapest pools by p50 per unit; AZs weigh equally because the group
 * balances capacity across AZs. Ties break by type order in the config, so the choice is stable.
 */
function favouredPools(env: CostModelEnvironment, pools: readonly FleetPool[], types: readonly FleetType[]): FleetPool[] {
  const favoured: FleetPool[] = [];
  for (const az of env.availabilityZones) {
    const inAz = pools
      .filter((p) => p.price.availabilityZone === az)
      .sort((a, b) => a.p50PerUnit - b.p50PerUnit || types.indexOf(a.type) - types.indexOf(b.type));
    favoured.push(...inAz.slice(0, FAVOURED_SPOT_POOLS_PER_AZ));
  }
  return favoured;
}

function gpuCount(env: CostModelEnvironment, type: string, book: PriceBook): number {
  const fromCatalog = gpuInstanceType(type)?.gpus;
  if (fromCatalog) return fromCatalog;
  const offering = book.offering(type);
  if (offering && offering.gpus > 0) return offering.gpus;
  throw new CostModelError(
    `${env.name}: GPU count of ${type} is unknown offline (the GPU catalog has no facts for it and the price table no ` +
      'offering): synth with -c pricing=live (DescribeInstanceTypes gives it), or add its family and size to ' +
      'lib/catalog/gpu-instance-types.ts from the EC2 instance type page',
  );
}

function offeredAzs(env: CostModelEnvironment, type: string, book: PriceBook, notes: EstimateNotes): string[] {
  const o = book.offering(type);
  if (!o) {
    notes.assumptions.push(`No offering data for ${type} in ${env.region}: assumed offered in every configured AZ.`);
    return [...env.availabilityZones];
  }
  return env.availabilityZones.filter((az) => o.availabilityZones.includes(az));
}

/** A root volume's USD per instance-hour and how it was made (components.ts). */
export interface RootVolumeRate {
  readonly usdPerInstanceHour: number;
  readonly basis: string;
}

/** The shape as the estimate reports it: fleet sizes and the hourly rates the stacks' alarms and dashboard use. */
export function shapeSummary(shape: FleetShape, rootVolume: RootVolumeRate | null): Pick<EnvironmentCostEstimate, 'fleet' | 'hourly'> {
  const volume = rootVolume?.usdPerInstanceHour ?? 0;
  return {
    fleet: {
      baseInstanceType: shape.base.name,
      baseInstances: shape.baseInstances,
      burstUnits: shape.burstUnits,
      spotUnits: shape.spotUnits,
      onDemandBurstUnits: shape.onDemandBurstUnits,
      averageInstances: shape.averageInstances.map((t) => ({ ...t })),
      favouredSpotPools: shape.favoured.map((p) => ({ instanceType: p.type.name, availabilityZone: p.price.availabilityZone })),
      typesNotOffered: shape.typesNotOffered,
    },
    hourly: {
      onDemandBaseUsdPerInstance: shape.baseOnDemand.usdPerHour,
      spotExpectedUsdPerInstance: shape.spotPerInstance,
      rootVolumeUsdPerInstance: rootVolume ? rootVolume.usdPerInstanceHour : null,
      onDemandBaseRunningUsdPerInstance: shape.baseOnDemand.usdPerHour + volume,
      spotExpectedRunningUsdPerInstance: shape.spotPerInstance + volume,
      runningBasis: rootVolume ? `instance + root volume ${rootVolume.basis}` : 'instance only (root volume not priced: no gp3 price)',
      onDemandUsdPerCapacityUnit: shape.onDemandPerUnit,
      spotExpectedUsdPerCapacityUnit: shape.spotExpectedPerUnit,
    },
  };
}
