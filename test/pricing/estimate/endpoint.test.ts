import { estimateEnvironmentCost, lcuFigures, ServingCostInputs } from '../../../lib/pricing/estimate';
import type { PriceTable, UnitPrice } from '../../../lib/pricing/types';
import { threeTypeEnv, threeTypeTable } from '../support/fixtures';

/** Round test figures, not AWS prices. */
const prov = { source: 'snapshot' as const, validOn: '2026-11-01', origin: 'test fixture', region: 'us-east-1' };
const ENDPOINT_UNITS: UnitPrice[] = [
  { resource: 'alb-hour', usdPerUnit: 0.02, unit: 'Hrs', ...prov },
  { resource: 'alb-lcu-hour', usdPerUnit: 0.01, unit: 'LCU-Hrs', ...prov },
  { resource: 'vpc-interface-endpoint-hour', usdPerUnit: 0.01, unit: 'Hrs', ...prov },
  { resource: 'nat-gateway-gb-processed', usdPerUnit: 0.05, unit: 'GB', ...prov },
];
const table = (without: string[] = []): PriceTable => {
  const t = threeTypeTable();
  return { ...t, units: [...t.units, ...ENDPOINT_UNITS].filter((u) => !without.includes(u.resource)) };
};
const SERVING: ServingCostInputs = {
  requestsPerSecond: 10,
  bytesPerRequest: 10_000,
  requestsPerConnection: 1,
  requestSeconds: 8,
  launchesPerMonth: 10,
  scheduledStartsPerMonth: 0,
  modelSizeGiB: 4,
  imageSizeGiB: 6,
  imageSource: 'ecr',
  s3GatewayEndpoint: true,
  ecrInterfaceEndpoints: false,
};
const estimate = (serving: Partial<ServingCostInputs> = {}, opts: { without?: string[]; hours?: number } = {}) =>
  estimateEnvironmentCost(threeTypeEnv({ serving: { ...SERVING, ...serving } }), table(opts.without), { hoursPerMonth: opts.hours ?? 730 });
const line = (e: ReturnType<typeof estimate>, id: string) => e.endpoint!.lines.find((l) => l.id === id);

describe('ALB LCUs: the largest of the four dimensions', () => {
  test.each([
    // rps 100, 1 request a connection, short answers: 100/25 = 4 new-connection LCU beats 100 x 1 s / 3000 and 0.36 GB/h.
    ['new connections', { requestsPerSecond: 100, bytesPerRequest: 1000, requestsPerConnection: 1, requestSeconds: 1 }, 4],
    // keep-alive clients (100 requests a connection) streaming 60 s answers: 20 x 60 / 3000 = 0.4 active beats 0.008 new.
    ['active connections', { requestsPerSecond: 20, bytesPerRequest: 1000, requestsPerConnection: 100, requestSeconds: 60 }, 0.4],
    // 40 rps x 16 KiB x 3600 s = 2.359 GB/h beats 40/25 = 1.6 new connections (design 9.2's prod example).
    ['processed bytes', { requestsPerSecond: 40, bytesPerRequest: 16384, requestsPerConnection: 1, requestSeconds: 10 }, 2.359296],
  ] as const)('%s wins', (dimension, load, perHour) => {
    const lcu = lcuFigures(load);
    expect(lcu.dimension).toBe(dimension);
    expect(lcu.perHour).toBeCloseTo(perHour, 9);
    expect(lcu.perHour).toBe(Math.max(lcu.newConnections, lcu.activeConnections, lcu.processedBytes, lcu.ruleEvaluations));
  });

  test('rule evaluations are 0: the listener has only its default action, and the first 10 rules are free', () => {
    expect(lcuFigures({ requestsPerSecond: 1000, bytesPerRequest: 1, requestsPerConnection: 1, requestSeconds: 1 }).ruleEvaluations).toBe(0);
  });
});

describe('the endpoint lines', () => {
  test('ALB hours all month (also while scaled to zero), LCUs only for the hours the fleet serves', () => {
    const e = estimate({}, { hours: 200 });
    expect(line(e, 'endpoint-alb')).toEqual(expect.objectContaining({ monthlyUsd: 0.02 * 730 }));
    expect(line(e, 'endpoint-alb')!.basis).toBe('1 ALB x $0.0200/h x 730 h (all month, also while the fleet is scaled to zero)');
    // 10/25 = 0.4 new-connection LCU beat 10 rps x 10,000 B x 3600 = 0.36 GB/h.
    expect(e.endpoint!.lcu.dimension).toBe('new connections');
    expect(line(e, 'endpoint-lcu')!.monthlyUsd).toBeCloseTo(0.4 * 0.01 * 200, 10);
    // Priced lines are components of the estimate, so the total includes them.
    expect(e.components.find((c) => c.id === 'endpoint-alb')!.monthlyUsd).toBeCloseTo(14.6, 10);
  });

  test('the S3 gateway endpoint is a $0 line that says why', () => {
    const s3 = line(estimate(), 's3-gateway-endpoint')!;
    expect(s3.monthlyUsd).toBe(0);
    expect(s3.basis).toMatch(/^gateway endpoints have no hourly or data charge \(https:\/\/docs\.aws\.amazon\.com\/vpc\/latest\/privatelink\/gateway-endpoints\.html\)/);
    expect(line(estimate({ s3GatewayEndpoint: false }), 's3-gateway-endpoint')).toBeUndefined();
  });

  test('ECR interface endpoints: 2 x the AZs x all month, only when configured', () => {
    expect(line(estimate(), 'ecr-interface-endpoints')).toBeUndefined();
    const ecr = line(estimate({ ecrInterfaceEndpoints: true }), 'ecr-interface-endpoints')!;
    expect(ecr.label).toBe('ECR interface endpoints (2 x 3 AZ)');
    expect(ecr.monthlyUsd).toBeCloseTo(2 * 3 * 0.01 * 730, 10);
  });

  test('downloads: free through the S3 gateway endpoint, through NAT without it, and a public image always through NAT', () => {
    const GB = 1.073741824;
    const free = estimate();
    expect(free.endpoint!.downloadGbPerLaunch).toEqual({ viaNat: 0, viaS3GatewayEndpoint: 10 * GB });
    expect(line(free, 'endpoint-downloads')!.monthlyUsd).toBe(0);

    const noGateway = estimate({ s3GatewayEndpoint: false });
    expect(noGateway.endpoint!.downloadGbPerLaunch.viaNat).toBeCloseTo(10 * GB, 10);
    expect(line(noGateway, 'endpoint-downloads')!.monthlyUsd).toBeCloseTo(10 * GB * 10 * 0.05, 10);

    const publicImage = estimate({ imageSource: 'public' });
    expect(publicImage.endpoint!.downloadGbPerLaunch.viaNat).toBeCloseTo(6 * GB, 10);
    expect(publicImage.endpoint!.downloadGbPerLaunch.viaS3GatewayEndpoint).toBeCloseTo(4 * GB, 10);
    expect(line(publicImage, 'endpoint-downloads')!.monthlyUsd).toBeCloseTo(6 * GB * 10 * 0.05, 10);
    expect(line(publicImage, 'endpoint-downloads')!.basis).toMatch(/public registry\): 6\.44 GB per launch through NAT \(4\.29 GB through the S3 gateway endpoint, free\)/);
    // ECR in another region: its layers come from that region's S3, which the gateway endpoint does not reach.
    expect(estimate({ imageSource: 'ecr-other-region' }).endpoint!.downloadGbPerLaunch.viaNat).toBeCloseTo(6 * GB, 10);
  });

  test('launches a month are derived and labelled when the config gives none', () => {
    const e = estimate({ launchesPerMonth: undefined, scheduledStartsPerMonth: 20 });
    // 1 base + 2 spot hosts on average; the fixture has no interruption buckets, so the replacements are an assumption.
    expect(e.endpoint!.launches.basis).toEqual([
      '60 at schedule starts (20 starts a month x 3 hosts running on average)',
      '8 spot replacements (assumption, no interruption bucket for g6.xlarge, g4dn.xlarge: 4 a month per spot instance x 2 x 100% of the month run)',
      '12 in rollouts (assumption: 4 a month, each replacing the 3 hosts running on average)',
    ]);
    expect(e.endpoint!.launches.perMonth).toBe(80);
    expect(e.assumptions).toContain(`Launches a month: ${e.endpoint!.launches.basis.join(' + ')}.`);
  });
});

describe('cost per 1,000 requests at the expected load', () => {
  test('every priced line x 1,000 over the requests the fleet serves', () => {
    const e = estimate({}, { hours: 500 });
    const requests = 10 * 3600 * 500;
    expect(e.endpoint!.requestsPerMonth).toBe(requests);
    expect(e.endpoint!.costPer1kRequestsUsd).toBeCloseTo((e.monthly.expectedUsd * 1000) / requests, 12);
    const endpointUsd = e.endpoint!.lines.reduce((a, l) => a + (l.monthlyUsd ?? 0), 0);
    const withoutEndpoint = estimateEnvironmentCost(threeTypeEnv(), table(), { hoursPerMonth: 500 }).monthly.expectedUsd;
    expect(e.monthly.expectedUsd).toBeCloseTo(withoutEndpoint + endpointUsd, 9);
    expect(e.endpoint!.excludes).toEqual([]);
  });

  test('a missing price is "not priced", never $0 or NaN, and the cost per 1,000 requests names what it excludes', () => {
    const e = estimate({ s3GatewayEndpoint: false }, { without: ['alb-hour', 'alb-lcu-hour', 'nat-gateway-gb-processed'] });
    for (const id of ['endpoint-alb', 'endpoint-lcu', 'endpoint-downloads']) {
      expect(line(e, id)!.monthlyUsd).toBeNull();
      expect(line(e, id)!.basis).toMatch(/not priced: no [a-z-]+ price in the price table \(the snapshot holds no traced one; use live pricing, -c pricing=live\)$/);
      expect(e.components.some((c) => c.id === id)).toBe(false);
    }
    expect(e.notPriced).toEqual(['Endpoint: ALB hours', 'Endpoint: LCUs (10 rps, 10,000 B/request)', 'Downloads: model + image (10 launches/month)']);
    expect(e.endpoint!.excludes).toEqual(e.notPriced);
    expect(Number.isFinite(e.endpoint!.costPer1kRequestsUsd)).toBe(true);
    expect(e.endpoint!.costPer1kBasis).toMatch(/; excludes the lines not priced: Endpoint: ALB hours, Endpoint: LCUs \(10 rps, 10,000 B\/request\), Downloads: model \+ image \(10 launches\/month\)$/);
    expect(e.warnings.join('\n')).toMatch(/not priced \(no price in the price table\): .*Endpoint: ALB hours/);
  });

  test('a fleet that serves no hours has no cost per 1,000 requests (n/a, not NaN or Infinity)', () => {
    const e = estimate({}, { hours: 0 });
    expect(e.endpoint!.requestsPerMonth).toBe(0);
    expect(e.endpoint!.costPer1kRequestsUsd).toBeNull();
    expect(e.endpoint!.costPer1kBasis).toMatch(/^n\/a: the fleet serves no hours a month/);
    // The load balancer still runs all month.
    expect(line(e, 'endpoint-alb')!.monthlyUsd).toBeCloseTo(14.6, 10);
  });

  test('an environment without serving has no endpoint and no endpoint lines', () => {
    const e = estimateEnvironmentCost(threeTypeEnv(), table(), { hoursPerMonth: 730 });
    expect(e.endpoint).toBeUndefined();
    expect(e.components.some((c) => c.id.startsWith('endpoint') || c.id === 's3-gateway-endpoint')).toBe(false);
  });
});
