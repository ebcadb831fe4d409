import { PriceBook } from '../../lib/pricing/price-book';
import { PriceTable } from '../../lib/pricing/types';
import { od, spot, unitPrices } from './support/fixtures';

describe('PriceBook', () => {
  const table: PriceTable = {
    onDemand: [od('g6.xlarge', 0.8), od('g6.xlarge', 0.9, 'us-west-2'), od('g6.xlarge', 9.99), od('g5.xlarge', 1.0)],
    spot: [spot('g6.xlarge', 'us-east-1a', 0.3, 0.35, 0.4), spot('g6.xlarge', 'us-west-2a', 0.1, 0.1, 0.1, 'us-west-2')],
    units: [...unitPrices(), ...unitPrices('us-west-2').map((u) => ({ ...u, usdPerUnit: u.usdPerUnit * 2 }))],
    offerings: [
      { instanceType: 'g6.xlarge', region: 'us-east-1', availabilityZones: ['us-east-1a'], gpus: 1, gpuMemoryGiB: 24 },
      { instanceType: 'g6.xlarge', region: 'us-west-2', availabilityZones: ['us-west-2a'], gpus: 1, gpuMemoryGiB: 24 },
    ],
  };
  const book = PriceBook.of(table, 'us-east-1');

  test("finds each price of its own region only", () => {
    expect(book.region).toBe('us-east-1');
    expect(book.onDemand('g5.xlarge')?.usdPerHour).toBe(1.0);
    expect(book.spot('g6.xlarge', 'us-east-1a')?.p50UsdPerHour).toBe(0.35);
    expect(book.spot('g6.xlarge', 'us-west-2a')).toBeUndefined();
    expect(book.unit('ebs-gp3-gb-month')?.usdPerUnit).toBe(0.08);
    expect(book.offering('g6.xlarge')?.availabilityZones).toEqual(['us-east-1a']);
    expect(PriceBook.of(table, 'us-west-2').onDemand('g6.xlarge')?.usdPerHour).toBe(0.9);
  });

  test('the first entry wins when a key is listed twice, as an array scan did', () => {
    expect(book.onDemand('g6.xlarge')?.usdPerHour).toBe(0.8);
  });

  test('misses are undefined, not a $0 price', () => {
    expect(book.onDemand('p5.48xlarge')).toBeUndefined();
    expect(book.spot('g5.xlarge', 'us-east-1a')).toBeUndefined();
    expect(book.unit('nat-gateway-gb-processed')).toBeUndefined();
    expect(book.offering('g5.xlarge')).toBeUndefined();
  });

  test('hasAnySpot: any pool of the types in the AZs', () => {
    expect(book.hasAnySpot(['g5.xlarge', 'g6.xlarge'], ['us-east-1b', 'us-east-1a'])).toBe(true);
    expect(book.hasAnySpot(['g5.xlarge'], ['us-east-1a'])).toBe(false);
    expect(book.hasAnySpot(['g6.xlarge'], ['us-east-1b'])).toBe(false);
  });
});
