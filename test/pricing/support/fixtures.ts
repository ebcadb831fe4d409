import { CostModelEnvironment } from '../../../lib/pricing/estimate';
import { OnDemandPrice, PriceTable, SpotPrice, UnitPrice } from '../../../lib/pricing/types';

/**
 * Hand-built price tables with round figures, so the expected costs can be worked out by hand in the tests.
 * They are test inputs, not AWS prices.
 */

const prov = { source: 'snapshot' as const, validOn: '2026-11-01', origin: 'test fixture' };

export function od(instanceType: string, usdPerHour: number, region = 'us-east-1'): OnDemandPrice {
  return { instanceType, region, usdPerHour, ...prov };
}

export function spot(
  instanceType: string,
  availabilityZone: string,
  current: number,
  p50: number,
  p90: number,
  region = 'us-east-1',
): SpotPrice {
  return {
    instanceType, region, availabilityZone, currentUsdPerHour: current, p50UsdPerHour: p50, p90UsdPerHour: p90, samples: 42, ...prov,
  };
}

export function unitPrices(region = 'us-east-1'): UnitPrice[] {
  return [
    { resource: 'ebs-gp3-gb-month', region, usdPerUnit: 0.08, unit: 'GB-Mo', ...prov },
    { resource: 'nat-gateway-hour', region, usdPerUnit: 0.045, unit: 'Hrs', ...prov },
    { resource: 'cloudwatch-alarm-month', region, usdPerUnit: 0.1, unit: 'Alarms', ...prov },
    { resource: 'lambda-request', region, usdPerUnit: 0.0000002, unit: 'Requests', ...prov },
    { resource: 'lambda-gb-second', region, usdPerUnit: 0.0000166667, unit: 'Lambda-GB-Second', ...prov },
    { resource: 'sqs-request', region, usdPerUnit: 0.0000004, unit: 'Requests', ...prov },
  ];
}

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** Three 1-GPU types over three AZs; g5.xlarge has no spot history in us-east-1c. */
export function threeTypeTable(): PriceTable {
  return {
    onDemand: [od('g6.xlarge', 1.0), od('g5.xlarge', 1.2), od('g4dn.xlarge', 0.6)],
    spot: [
      spot('g6.xlarge', 'us-east-1a', 0.3, 0.4, 0.5),
      spot('g6.xlarge', 'us-east-1b', 0.35, 0.45, 0.6),
      spot('g6.xlarge', 'us-east-1c', 0.32, 0.42, 0.55),
      spot('g5.xlarge', 'us-east-1a', 0.25, 0.5, 0.7),
      spot('g5.xlarge', 'us-east-1b', 0.4, 0.5, 0.8),
      spot('g4dn.xlarge', 'us-east-1a', 0.2, 0.22, 0.3),
      spot('g4dn.xlarge', 'us-east-1b', 0.21, 0.23, 0.35),
      spot('g4dn.xlarge', 'us-east-1c', 0.19, 0.24, 0.4),
    ],
    units: unitPrices(),
    offerings: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'].map((instanceType) => ({
      instanceType, region: 'us-east-1', availabilityZones: AZS, gpus: 1, gpuMemoryGiB: 24,
    })),
  };
}

export function threeTypeEnv(overrides: Partial<CostModelEnvironment> = {}): CostModelEnvironment {
  return {
    name: 'staging',
    region: 'us-east-1',
    availabilityZones: AZS,
    fleet: {
      instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'],
      onDemandBaseCapacity: 1,
      spotPercentageAboveBase: 100,
      minSize: 1,
      maxSize: 6,
      rootVolumeGiB: 100,
      natGateways: 1,
    },
    budget: { monthlyLimitUsd: 2000 },
    usage: { averageSpotInstances: 2, hoursPerMonth: 730 },
    cost: { maxIncreasePercent: 15, throughputRps: { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g4dn.xlarge': 9 } },
    ...overrides,
  };
}
