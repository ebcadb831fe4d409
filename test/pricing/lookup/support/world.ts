import type { PriceRequest } from '../../../../lib/pricing/types';
import type { FakeWorld } from './aws-local-server';

/** "Now" of every test: spot windows, cache ages and snapshot ages are computed from it. */
export const NOW = new Date('2026-11-22T12:00:00Z');

export const UNITS = {
  gp3GbMonth: 0.08,
  natHour: 0.045,
  natGb: 0.045,
  alarmMonth: 0.1,
  lambdaGbSecond: 0.0000166667,
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.0000002,
  sqsRequest: 0.0000004,
  albHour: 0.0225,
  albLcuHour: 0.008,
  vpcEndpointHour: 0.01,
};

/**
 * us-east-1 with two types over two AZs. g5.xlarge spot in us-east-1a: 0.40 for the first 3.5 days of the 7-day
 * window, 0.50 for the rest, so time-weighted p50 = 0.40, p90 = 0.50, current 0.50.
 */
export function baseWorld(): FakeWorld {
  return {
    onDemand: { 'us-east-1': { 'g5.xlarge': 1.006, 'g6.xlarge': 0.8048 } },
    units: { 'us-east-1': UNITS },
    spot: [
      // Before the window: DescribeSpotPriceHistory includes the last change before StartTime.
      { instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', price: '0.400000', timestamp: '2026-11-10T00:00:00.000Z' },
      { instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', price: '0.500000', timestamp: '2026-11-19T00:00:00.000Z' },
      { instanceType: 'g5.xlarge', availabilityZone: 'us-east-1b', price: '0.420000', timestamp: '2026-11-20T00:00:00.000Z' },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1a', price: '0.310000', timestamp: '2026-11-16T00:00:00.000Z' },
      { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1b', price: '0.330000', timestamp: '2026-11-16T00:00:00.000Z' },
    ],
    offerings: { 'us-east-1': { 'g5.xlarge': ['us-east-1a', 'us-east-1b', 'us-east-1f'], 'g6.xlarge': ['us-east-1a', 'us-east-1b'] } },
    gpus: { 'g5.xlarge': { count: 1, memoryMiB: 22888 }, 'g6.xlarge': { count: 1, memoryMiB: 22888 } },
  };
}

export const DEV_REQUEST: PriceRequest = {
  environment: 'dev',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  instanceTypes: ['g6.xlarge', 'g5.xlarge'],
};

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
