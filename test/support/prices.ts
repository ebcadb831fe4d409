import { ENVIRONMENTS } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { gpuInstanceType } from '../../lib/catalog/gpu-instance-types';
import { EnvironmentCostEstimate } from '../../lib/pricing/estimate';
import { PriceTable, UnitPrice } from '../../lib/pricing/types';
import { estimateEnvironments } from '../../lib/stacks/cost-inputs';

/**
 * A complete price table for the committed environments with round test figures (NOT AWS prices), so stack tests
 * do not depend on the committed snapshot's content: on-demand 1.00 USD/h per GPU type, spot 0.40/0.50/0.70 USD/h.
 */
export function fixturePriceTable(envs: readonly EnvironmentConfig[] = ENVIRONMENTS): PriceTable {
  const prov = { source: 'snapshot' as const, validOn: '2026-11-01', origin: 'test fixture (not an AWS price)' };
  const pools = new Map<string, { type: string; region: string; azs: Set<string> }>();
  for (const e of envs) {
    for (const t of e.fleet.instanceTypes) {
      const key = `${e.region} ${t}`;
      const entry = pools.get(key) ?? { type: t, region: e.region, azs: new Set<string>() };
      e.availabilityZones.forEach((az) => entry.azs.add(az));
      pools.set(key, entry);
    }
  }
  const regions = [...new Set(envs.map((e) => e.region))];
  const units = (region: string): UnitPrice[] => [
    { resource: 'ebs-gp3-gb-month', region, usdPerUnit: 0.08, unit: 'GB-Mo', ...prov },
    { resource: 'nat-gateway-hour', region, usdPerUnit: 0.05, unit: 'Hrs', ...prov },
    { resource: 'nat-gateway-gb-processed', region, usdPerUnit: 0.05, unit: 'GB', ...prov },
    { resource: 'cloudwatch-alarm-month', region, usdPerUnit: 0.1, unit: 'Alarms', ...prov },
    { resource: 'lambda-request', region, usdPerUnit: 0.0000002, unit: 'Requests', ...prov },
    { resource: 'lambda-gb-second', region, usdPerUnit: 0.00001, unit: 'Lambda-GB-Second', ...prov },
    { resource: 'sqs-request', region, usdPerUnit: 0.0000004, unit: 'Requests', ...prov },
  ];
  const all = [...pools.values()];
  return {
    onDemand: all.map((p) => ({ instanceType: p.type, region: p.region, usdPerHour: 1, ...prov })),
    spot: all.flatMap((p) => [...p.azs].map((az) => ({
      instanceType: p.type, region: p.region, availabilityZone: az,
      currentUsdPerHour: 0.4, p50UsdPerHour: 0.5, p90UsdPerHour: 0.7, samples: 10, ...prov,
    }))),
    units: regions.flatMap(units),
    offerings: all.map((p) => ({
      instanceType: p.type, region: p.region, availabilityZones: [...p.azs],
      gpus: gpuInstanceType(p.type)!.gpus, gpuMemoryGiB: gpuInstanceType(p.type)!.gpuMemoryGiB,
    })),
  };
}

/** The cost estimate of one environment at fixture prices. */
export function fixtureEstimate(cfg: EnvironmentConfig): EnvironmentCostEstimate {
  return estimateEnvironments([cfg], fixturePriceTable([cfg]))[0];
}
