import type { PriceTable } from '../../../../lib/pricing/types';
import { UNITS } from './world';

/** A complete table for DEV_REQUEST, as a snapshot would hold it (dated 2026-09-01). */
export function snapshotTable(validOn = '2026-09-01'): PriceTable {
  const p = { source: 'snapshot' as const, validOn, origin: 'test fixture' };
  const spot = (instanceType: string, availabilityZone: string, price: number) => ({
    ...p, instanceType, region: 'us-east-1', availabilityZone, currentUsdPerHour: price, p50UsdPerHour: price, p90UsdPerHour: price, samples: 1,
  });
  const unit = (resource: PriceTable['units'][number]['resource'], usdPerUnit: number, unit: string) => ({ ...p, resource, region: 'us-east-1', usdPerUnit, unit });
  return {
    onDemand: [
      { ...p, instanceType: 'g5.xlarge', region: 'us-east-1', usdPerHour: 1.006 },
      { ...p, instanceType: 'g6.xlarge', region: 'us-east-1', usdPerHour: 0.8048 },
    ],
    spot: [spot('g5.xlarge', 'us-east-1a', 0.45), spot('g5.xlarge', 'us-east-1b', 0.46), spot('g6.xlarge', 'us-east-1a', 0.35), spot('g6.xlarge', 'us-east-1b', 0.36)],
    units: [
      unit('ebs-gp3-gb-month', UNITS.gp3GbMonth, 'GB-Mo'),
      unit('nat-gateway-hour', UNITS.natHour, 'Hrs'),
      unit('nat-gateway-gb-processed', UNITS.natGb, 'GB'),
      unit('cloudwatch-alarm-month', UNITS.alarmMonth, 'Alarms'),
      unit('lambda-gb-second', UNITS.lambdaGbSecond, 'Lambda-GB-Second'),
      unit('lambda-gb-second-arm', UNITS.lambdaGbSecondArm, 'Lambda-GB-Second'),
      unit('lambda-request', UNITS.lambdaRequest, 'Requests'),
      unit('sqs-request', UNITS.sqsRequest, 'Requests'),
      unit('alb-hour', UNITS.albHour, 'Hrs'),
      unit('alb-lcu-hour', UNITS.albLcuHour, 'LCU-Hrs'),
      unit('vpc-interface-endpoint-hour', UNITS.vpcEndpointHour, 'Hrs'),
    ],
    offerings: [
      { instanceType: 'g5.xlarge', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'], gpus: 1, gpuMemoryGiB: 24 },
      { instanceType: 'g6.xlarge', region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'], gpus: 1, gpuMemoryGiB: 24 },
    ],
  };
}
