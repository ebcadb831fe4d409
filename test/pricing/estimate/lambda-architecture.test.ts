import { DEFAULT_SMALL_PARTS, estimateEnvironmentCost, EnvironmentCostEstimate } from '../../../lib/pricing/estimate';
import type { PriceTable, UnitPrice } from '../../../lib/pricing/types';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

// Arm Lambda duration has its own price (about 20% below x86); the estimate takes the functions' architecture as an
// input and prices their GB-seconds at its rate, or at the x86 rate, said so, when the table has no Arm price.

const ARM: UnitPrice = {
  resource: 'lambda-gb-second-arm', region: 'us-east-1', usdPerUnit: 0.0000133334, unit: 'Lambda-GB-Second',
  source: 'snapshot', validOn: '2024-07-01', origin: 'test fixture',
};
const withArm = (): PriceTable => ({ ...threeTypeTable(), units: [...threeTypeTable().units, ARM] });
const estimate = (table: PriceTable, lambdaArchitecture?: 'arm64' | 'x86_64') =>
  estimateEnvironmentCost(threeTypeEnv(), table, { hoursPerMonth: 200, ...(lambdaArchitecture ? { smallParts: { lambdaArchitecture } } : {}) });
const lambda = (e: EnvironmentCostEstimate) => e.components.find((c) => c.id === 'lambda')!;
const unitsUsed = (e: EnvironmentCostEstimate) => e.prices.flatMap((p) => (p.market === 'unit' && p.resource.startsWith('lambda-') ? [p.resource] : []));

describe('Lambda duration by architecture', () => {
  test('arm64 functions: duration at the Arm price when the table has one', () => {
    const e = estimate(withArm(), 'arm64');
    expect(lambda(e).monthlyUsd).toBeCloseTo(100_000 * 0.0000002 + 12_500 * 0.0000133334, 12);
    expect(lambda(e).basis).toBe('100,000 requests x $0.0000002 + 12,500 Arm GB-s x $0.0000133334');
    expect(unitsUsed(e)).toEqual(['lambda-request', 'lambda-gb-second-arm']);
    expect(e.assumptions).toContain('Small parts: 10 alarm metrics, 100,000 Lambda requests (12,500 GB-s on arm64), 1,000,000 SQS requests; free tiers ignored.');
  });

  test('arm64 functions without an Arm price: the x86 rate, and the basis and an assumption say so', () => {
    const e = estimate(threeTypeTable(), 'arm64');
    expect(lambda(e).monthlyUsd).toBeCloseTo(100_000 * 0.0000002 + 12_500 * 0.0000166667, 12);
    expect(lambda(e).basis).toBe('100,000 requests x $0.0000002 + 12,500 Arm GB-s x $0.0000166667 (x86 rate (no Arm price in the price table))');
    expect(unitsUsed(e)).toEqual(['lambda-request', 'lambda-gb-second']);
    expect(e.assumptions).toContain('Lambda: the functions run on arm64; their duration is priced at the x86 rate (no Arm price in the price table), so it errs high.');
    expect(e.notPriced).toEqual([]);
  });

  test('arm64 functions with neither duration price: the Lambda line is left out and named, never $0', () => {
    const t = threeTypeTable();
    const e = estimate({ ...t, units: t.units.filter((u) => u.resource !== 'lambda-gb-second') }, 'arm64');
    expect(e.components.find((c) => c.id === 'lambda')).toBeUndefined();
    expect(e.notPriced).toEqual(['Lambda']);
  });

  test('x86_64 functions take the x86 price even when an Arm price is in the table', () => {
    const e = estimate(withArm(), 'x86_64');
    expect(lambda(e).basis).toBe('100,000 requests x $0.0000002 + 12,500 GB-s x $0.0000166667');
    expect(unitsUsed(e)).toEqual(['lambda-request', 'lambda-gb-second']);
  });

  test('without the input, the cost model assumes Lambda\'s own default, x86_64', () => {
    expect(DEFAULT_SMALL_PARTS.lambdaArchitecture).toBe('x86_64');
    expect(lambda(estimate(withArm())).basis).toBe('100,000 requests x $0.0000002 + 12,500 GB-s x $0.0000166667');
  });
});
