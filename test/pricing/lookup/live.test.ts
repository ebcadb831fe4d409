import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PricingLookupError, ResolveOptions, resolvePriceTable } from '../../../lib/pricing/lookup';
import type { PriceRequest } from '../../../lib/pricing/types';
import { LocalAws, startLocalAws } from './support/aws-local-server';
import { DEV_REQUEST, FAKE_CREDENTIALS, NOW, UNITS, baseWorld } from './support/world';

let aws: LocalAws;
let dir: string;

beforeEach(async () => {
  aws = await startLocalAws(baseWorld());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-live-'));
});
afterEach(async () => {
  await aws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    mode: 'live',
    cacheDir: path.join(dir, 'cache'),
    snapshotPath: path.join(dir, 'no-snapshot.json'),
    now: NOW,
    aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 3, requestTimeoutMs: 2000 },
    ...overrides,
  };
}

async function expectLookupError(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PricingLookupError);
  return [...(err as PricingLookupError).problems];
}

describe('live lookups against the local AWS wire server', () => {
  test('on-demand, unit, spot and offering prices come back with source live and their dates', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options());

    expect(res.sources).toEqual(['live']);
    expect(res.table.onDemand).toEqual([
      expect.objectContaining({ instanceType: 'g5.xlarge', region: 'us-east-1', usdPerHour: 1.006, source: 'live', validOn: '2026-11-01' }),
      expect.objectContaining({ instanceType: 'g6.xlarge', region: 'us-east-1', usdPerHour: 0.8048, source: 'live', validOn: '2026-11-01' }),
    ]);
    expect(res.table.onDemand[0].origin).toMatch(/^AWS Price List API GetProducts \(AmazonEC2, sku SKU\d+, via us-east-1\)$/);

    const units = Object.fromEntries(res.table.units.map((u) => [u.resource, [u.usdPerUnit, u.unit, u.source]]));
    expect(units).toEqual({
      'ebs-gp3-gb-month': [UNITS.gp3GbMonth, 'GB-Mo', 'live'],
      'nat-gateway-hour': [UNITS.natHour, 'Hrs', 'live'],
      'nat-gateway-gb-processed': [UNITS.natGb, 'GB', 'live'],
      // standard resolution, not the high-resolution decoy at 3x
      'cloudwatch-alarm-month': [UNITS.alarmMonth, 'Alarms', 'live'],
      // x86 first tier, not the >6B GB-s tier (0.9x)
      'lambda-gb-second': [UNITS.lambdaGbSecond, 'Lambda-GB-Second', 'live'],
      // Arm: its own group; the first tier (listed after the >7.5B one), not the decoy at 3x that shares the group
      'lambda-gb-second-arm': [UNITS.lambdaGbSecondArm, 'Lambda-GB-Second', 'live'],
      'lambda-request': [UNITS.lambdaRequest, 'Requests', 'live'],
      // first paid tier: the free first million is not a $0 price
      'sqs-request': [UNITS.sqsRequest, 'Requests', 'live'],
      // the plain usage types, not the trust store's, Outposts' or reserved LCUs of the same family
      'alb-hour': [UNITS.albHour, 'Hrs', 'live'],
      'alb-lcu-hour': [UNITS.albLcuHour, 'LCU-Hrs', 'live'],
      // interface endpoint hours, not the Gateway Load Balancer endpoint's nor the bytes
      'vpc-interface-endpoint-hour': [UNITS.vpcEndpointHour, 'Hrs', 'live'],
    });

    const g5a = res.table.spot.find((s) => s.instanceType === 'g5.xlarge' && s.availabilityZone === 'us-east-1a');
    expect(g5a).toEqual(
      expect.objectContaining({ currentUsdPerHour: 0.5, p50UsdPerHour: 0.4, p90UsdPerHour: 0.5, samples: 2, source: 'live', validOn: '2026-11-22' }),
    );
    expect(g5a!.origin).toBe('EC2 DescribeSpotPriceHistory (Linux/UNIX, 7 days to 2026-11-22T12:00Z, time-weighted)');
    expect(res.table.spot).toHaveLength(4);

    // us-east-1f is offered but not asked about, so it is not reported
    expect(res.table.offerings).toEqual([
      expect.objectContaining({ instanceType: 'g5.xlarge', availabilityZones: ['us-east-1a', 'us-east-1b'], gpus: 1, gpuMemoryGiB: 22.35 }),
      expect.objectContaining({ instanceType: 'g6.xlarge', availabilityZones: ['us-east-1a', 'us-east-1b'], gpus: 1 }),
    ]);
    expect(res.warnings).toEqual([]);
  });

  test('GetProducts sends the exact filters of the issue, one query per type and region, to the us-east-1 endpoint', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options());
    const instanceQueries = aws.calls.filter((c) => c.operation === 'GetProducts' && (c.params.Filters as { Field: string }[]).some((f) => f.Field === 'instanceType'));
    expect(instanceQueries).toHaveLength(2);
    expect(instanceQueries.map((c) => c.params).find((p) => JSON.stringify(p).includes('g5.xlarge'))).toEqual({
      ServiceCode: 'AmazonEC2',
      FormatVersion: 'aws_v1',
      MaxResults: 100,
      Filters: [
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'g5.xlarge' },
        { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
        { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
        { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
        { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
        { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
        { Type: 'TERM_MATCH', Field: 'licenseModel', Value: 'No License required' },
        { Type: 'TERM_MATCH', Field: 'marketoption', Value: 'OnDemand' },
      ],
    });
    expect(aws.calls.filter((c) => c.operation === 'GetProducts').every((c) => /\/us-east-1\/pricing\/aws4_request$/.test(c.scope))).toBe(true);
    // 2 instance queries + 9 unit queries (NAT hour and GB share one; so do ALB hours and LCUs)
    expect(res.calls).toEqual({ getProducts: 11, describeSpotPriceHistory: 1, describeInstanceTypeOfferings: 1, describeInstanceTypes: 1, publicFeeds: 0 });
  });

  test('DescribeSpotPriceHistory asks for Linux/UNIX over the last 7 days, all types and AZs in one query', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    const spot = aws.calls.filter((c) => c.operation === 'DescribeSpotPriceHistory');
    expect(spot).toHaveLength(1);
    expect(spot[0].params).toEqual(
      expect.objectContaining({
        'InstanceType.1': 'g5.xlarge',
        'InstanceType.2': 'g6.xlarge',
        'ProductDescription.1': 'Linux/UNIX',
        'Filter.1.Name': 'availability-zone',
        'Filter.1.Value.1': 'us-east-1a',
        'Filter.1.Value.2': 'us-east-1b',
        StartTime: '2026-11-15T12:00:00Z',
        EndTime: '2026-11-22T12:00:00Z',
      }),
    );
    expect(spot[0].scope).toMatch(/\/us-east-1\/ec2\/aws4_request$/);
  });

  test('a fleet in Europe asks the eu-central-1 Price List endpoint and the EC2 endpoint of its own region', async () => {
    const w = baseWorld();
    aws.world = {
      ...w,
      onDemand: { 'eu-central-1': { 'g5.xlarge': 1.258 } },
      units: { 'eu-central-1': UNITS },
      spot: [{ instanceType: 'g5.xlarge', availabilityZone: 'eu-central-1a', price: '0.5', timestamp: '2026-11-20T00:00:00.000Z' }],
      offerings: { 'eu-central-1': { 'g5.xlarge': ['eu-central-1a'] } },
    };
    const res = await resolvePriceTable(
      [{ environment: 'eu', region: 'eu-central-1', availabilityZones: ['eu-central-1a'], instanceTypes: ['g5.xlarge'] }],
      options(),
    );
    expect(res.table.onDemand[0]).toEqual(expect.objectContaining({ usdPerHour: 1.258, region: 'eu-central-1' }));
    expect(aws.calls.filter((c) => c.operation === 'GetProducts').every((c) => c.scope.includes('/eu-central-1/pricing/'))).toBe(true);
    expect(aws.calls.filter((c) => c.operation === 'DescribeSpotPriceHistory')[0].scope).toContain('/eu-central-1/ec2/');
  });

  test('follows NextToken pages of GetProducts and DescribeSpotPriceHistory', async () => {
    aws.world = { ...baseWorld(), productsPageSize: 1, ec2PageSize: 2 };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    // Each instance query matches one product (capacitystatus=Used): 1 page. Lambda x86 duration 1 product, Arm
    // duration 2 (1 decoy, filtered by usage type after the query), NAT and alarms 2 products,
    // the Application Load Balancer family 5 (3 decoys), VPC endpoints 3 (2 decoys).
    expect(res.calls.getProducts).toBe(2 + 1 + 2 + 2 + 1 + 2 + 1 + 1 + 5 + 3);
    const spotPages = aws.calls.filter((c) => c.operation === 'DescribeSpotPriceHistory');
    expect(spotPages.map((c) => c.params.NextToken)).toEqual([undefined, '2', '4']);
    expect(res.table.spot).toHaveLength(4);
    expect(res.table.units).toHaveLength(11);
  });

  test('throttling is retried by the SDK and then succeeds', async () => {
    aws.faults = { throttle: { GetProducts: 2, DescribeSpotPriceHistory: 1, DescribeInstanceTypeOfferings: 1 } };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.table.onDemand).toHaveLength(2);
    expect(res.calls.getProducts).toBe(11);
    // 11 logical calls, 2 of them answered with ThrottlingException first
    expect(aws.count('GetProducts')).toBe(13);
    expect(aws.count('DescribeSpotPriceHistory')).toBe(2);
    expect(aws.count('DescribeInstanceTypeOfferings')).toBe(2);
  });

  test('throttling past the retry budget fails, naming the call', async () => {
    aws.faults = { throttle: { DescribeSpotPriceHistory: 99 } };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options({ aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 } })));
    expect(problems[0]).toMatch(/^pricing=live: could not get live prices from AWS, and live mode never falls back/);
    expect(problems[1]).toBe(
      'pricing: EC2 DescribeSpotPriceHistory (us-east-1, g5.xlarge, g6.xlarge) failed: RequestLimitExceeded: Request limit exceeded. (HTTP 503)',
    );
  });

  test('a type missing from the Price List is an error naming type and region', async () => {
    const w = baseWorld();
    aws.world = { ...w, onDemand: { 'us-east-1': { 'g5.xlarge': 1.006 } } };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options()));
    expect(problems.slice(1)).toEqual([
      'pricing: the AWS Price List has no on-demand Linux price for g6.xlarge in us-east-1 (GetProducts returned 0 product(s), 0 unreadable); ' +
        "check the type exists in us-east-1, or remove it from the fleet's instanceTypes",
    ]);
  });

  test('a malformed PriceList entry is a warning and skipped; the good entry still prices the type', async () => {
    aws.world = { ...baseWorld(), extraPriceListEntries: { 'us-east-1 g5.xlarge': ['{"product": {"sku": "BROKEN"', JSON.stringify({ product: { sku: 'NOTERMS', attributes: {} }, terms: {} })] } };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.table.onDemand.find((p) => p.instanceType === 'g5.xlarge')!.usdPerHour).toBe(1.006);
    expect(res.warnings).toEqual([
      expect.stringMatching(/^pricing: GetProducts AmazonEC2 g5\.xlarge us-east-1: PriceList\[1\] is not valid JSON \(.+\); entry skipped$/),
      'pricing: GetProducts AmazonEC2 g5.xlarge us-east-1: PriceList[2] (sku NOTERMS) has no OnDemand term; entry skipped',
    ]);
  });

  test('a type whose only PriceList entry is malformed is an error, not a $0 price', async () => {
    const w = baseWorld();
    aws.world = {
      ...w,
      onDemand: { 'us-east-1': { 'g5.xlarge': 1.006 } },
      extraPriceListEntries: { 'us-east-1 g6.xlarge': ['{"product":{"sku":"X","attributes":{}},"terms":{"OnDemand":{"X.T":{"effectiveDate":"2026-11-01T00:00:00Z","priceDimensions":{"X.T.D":{"unit":"Hrs","pricePerUnit":{"USD":"n/a"}}}}}}}'] },
    };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options()));
    expect(problems.slice(1)).toEqual([
      'pricing: the AWS Price List has no on-demand Linux price for g6.xlarge in us-east-1 (GetProducts returned 1 product(s), 1 unreadable); ' +
        "check the type exists in us-east-1, or remove it from the fleet's instanceTypes",
    ]);
  });

  test('a type not offered in one AZ is a warning naming both, and left out of that AZ', async () => {
    const w = baseWorld();
    aws.world = { ...w, offerings: { 'us-east-1': { 'g5.xlarge': ['us-east-1a', 'us-east-1b'], 'g6.xlarge': ['us-east-1a'] } } };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.warnings).toEqual([
      'pricing: dev: g6.xlarge is not offered in us-east-1b; it is left out of the estimate for us-east-1b (the group cannot launch it there)',
    ]);
    expect(res.table.offerings.find((o) => o.instanceType === 'g6.xlarge')!.availabilityZones).toEqual(['us-east-1a']);
  });

  test("a type offered in none of the fleet's AZs is an error", async () => {
    const w = baseWorld();
    aws.world = { ...w, offerings: { 'us-east-1': { 'g5.xlarge': ['us-east-1a', 'us-east-1b'], 'g6.xlarge': ['us-east-1f'] } } };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options()));
    expect(problems).toEqual([
      "pricing: dev: g6.xlarge is not offered in any of the fleet's AZs (us-east-1a, us-east-1b); remove it from dev.fleet.instanceTypes or choose AZs that offer it",
    ]);
  });

  test('a pool with no spot history is a warning; an environment with none at all is an error', async () => {
    const w = baseWorld();
    aws.world = { ...w, spot: w.spot.filter((p) => !(p.instanceType === 'g6.xlarge' && p.availabilityZone === 'us-east-1b')) };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.warnings).toEqual([
      'pricing: dev: no spot price history for g6.xlarge in us-east-1b (Linux/UNIX); that pool is left out of the spot estimate',
    ]);
    expect(res.table.spot).toHaveLength(3);

    aws.world = { ...w, spot: [] };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options()));
    expect(problems).toEqual([
      'pricing: dev: no spot price for any of g6.xlarge, g5.xlarge in us-east-1a, us-east-1b; the spot burst cannot be priced; check the types support spot in these AZs',
    ]);
  });

  test('a spot price that is not a positive number is reported and not averaged in', async () => {
    const w = baseWorld();
    aws.world = { ...w, spot: [...w.spot, { instanceType: 'g6.xlarge', availabilityZone: 'us-east-1a', price: '0.000000', timestamp: '2026-11-21T00:00:00.000Z' }] };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.warnings).toEqual(['pricing: EC2 DescribeSpotPriceHistory gave g6.xlarge in us-east-1a the price "0.000000", not a positive number; point skipped']);
    expect(res.table.spot.find((s) => s.instanceType === 'g6.xlarge' && s.availabilityZone === 'us-east-1a')!.currentUsdPerHour).toBe(0.31);
  });

  test('an endpoint that never answers times out cleanly, naming the call', async () => {
    aws.faults = { hang: { DescribeInstanceTypeOfferings: true } };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options({ timeoutMs: 300 })));
    expect(problems.slice(1)).toEqual([
      'pricing: EC2 DescribeInstanceTypeOfferings/DescribeInstanceTypes (us-east-1) did not finish within 300 ms; ' +
        'check network access to the AWS endpoint (or AWS_ENDPOINT_URL_*), or use -c pricing=snapshot to synth offline',
    ]);
  });

  test('live mode fails loudly when AWS refuses, listing every failed lookup', async () => {
    aws.faults = { fail: { GetProducts: { status: 400, code: 'AccessDeniedException', message: 'User is not authorized to perform: pricing:GetProducts' } } };
    const problems = await expectLookupError(resolvePriceTable([DEV_REQUEST], options()));
    expect(problems[0]).toBe(
      'pricing=live: could not get live prices from AWS, and live mode never falls back to the cache or snapshot ' +
        '(use -c pricing=auto to allow that, or -c pricing=snapshot to synth offline):',
    );
    expect(problems).toHaveLength(1 + 11);
    expect(problems[1]).toBe(
      'pricing: Pricing GetProducts (AmazonEC2 g5.xlarge us-east-1, on-demand Linux) failed: AccessDeniedException: User is not authorized to perform: pricing:GetProducts (HTTP 400)',
    );
  });

  test('live mode without credentials fails at once, before any call', async () => {
    const problems = await expectLookupError(
      resolvePriceTable([DEV_REQUEST], options({ aws: { endpoint: aws.endpoint, credentials: async () => Promise.reject(new Error('no credentials')) } })),
    );
    expect(problems[1]).toBe(
      'pricing: no AWS credentials resolved within 3000 ms (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login)',
    );
    expect(aws.calls).toEqual([]);
  });

  test('the standard AWS_ENDPOINT_URL_PRICING / AWS_ENDPOINT_URL_EC2 variables point the clients at an endpoint', async () => {
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_PRICING = aws.endpoint;
    process.env.AWS_ENDPOINT_URL_EC2 = aws.endpoint;
    try {
      const res = await resolvePriceTable([DEV_REQUEST], options({ aws: { credentials: FAKE_CREDENTIALS } }));
      expect(res.sources).toEqual(['live']);
      expect(aws.count('GetProducts')).toBe(11);
    } finally {
      process.env = saved;
    }
  });

  test('every environment in a region is asked for once, with the union of types and AZs', async () => {
    const staging: PriceRequest = { environment: 'staging', region: 'us-east-1', availabilityZones: ['us-east-1b'], instanceTypes: ['g5.xlarge'] };
    const res = await resolvePriceTable([DEV_REQUEST, staging], options());
    expect(res.calls.getProducts).toBe(11);
    expect(res.calls.describeSpotPriceHistory).toBe(1);
  });

  test('a successful live lookup writes the cache', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    const cache = JSON.parse(fs.readFileSync(path.join(dir, 'cache', 'prices-v1.json'), 'utf8'));
    expect(cache.version).toBe(1);
    expect(cache.regions['us-east-1'].onDemand.fetchedAt).toBe('2026-11-22T12:00:00.000Z');
    expect(cache.regions['us-east-1'].spot.spot).toHaveLength(4);
  });

  test('progress lines say what is asked and what answered', async () => {
    const lines: string[] = [];
    await resolvePriceTable([DEV_REQUEST], options({ log: (l) => lines.push(l) }));
    expect(lines[0]).toBe('pricing: asking AWS for 2 instance types x 1 region(s) (us-east-1): on-demand, unit prices, offerings and spot ...');
    expect(lines[1]).toMatch(/^pricing: AWS answered 14 calls in \d+ ms$/);
    expect(lines[2]).toBe('pricing: prices from live (2 on-demand, 4 spot pools with history or caps, 0 regional spot figures, 0 interruption buckets, 11 unit prices)');
  });
});
