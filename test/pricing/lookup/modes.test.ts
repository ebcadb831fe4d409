import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PricingLookupError, ResolveOptions, parsePricingMode, resolvePriceTable, writeSnapshot } from '../../../lib/pricing/lookup';
import { LocalAws, startLocalAws } from './support/aws-local-server';
import { snapshotTable } from './support/tables';
import { DEV_REQUEST, FAKE_CREDENTIALS, NOW, baseWorld } from './support/world';

let aws: LocalAws;
let dir: string;
let snapshotPath: string;
let cacheDir: string;

beforeEach(async () => {
  aws = await startLocalAws(baseWorld());
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pricing-modes-'));
  snapshotPath = path.join(dir, 'pricing', 'snapshot.json');
  cacheDir = path.join(dir, '.cache', 'pricing');
  writeSnapshot(snapshotPath, snapshotTable(), ['test snapshot']);
});
afterEach(async () => {
  await aws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const noCredentials = async () => Promise.reject(new Error('Could not load credentials from any providers'));

function options(overrides: Partial<ResolveOptions> = {}): ResolveOptions {
  return {
    mode: 'auto',
    cacheDir,
    snapshotPath,
    now: NOW,
    aws: { endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 },
    ...overrides,
  };
}

async function problemsOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PricingLookupError);
  return [...(err as PricingLookupError).problems];
}

describe('pricing modes', () => {
  test('snapshot mode reads only the snapshot, labels every price snapshot and warns when it is older than 30 days', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options({ mode: 'snapshot' }));
    expect(aws.calls).toEqual([]);
    expect(res.sources).toEqual(['snapshot']);
    expect(res.table.onDemand.map((p) => [p.instanceType, p.usdPerHour, p.source, p.validOn])).toEqual([
      ['g5.xlarge', 1.006, 'snapshot', '2026-09-01'],
      ['g6.xlarge', 0.8048, 'snapshot', '2026-09-01'],
    ]);
    expect(res.snapshotAgeDays).toBe(82);
    expect(res.warnings).toEqual([
      `pricing: the price snapshot ${snapshotPath}: its oldest price is dated 2026-09-01, 82 days ago; older than 30 days: ` +
        'run `npm run pricing:refresh` with AWS credentials to update it',
    ]);
  });

  test('snapshot mode with a recent snapshot gives no age warning', async () => {
    writeSnapshot(snapshotPath, snapshotTable('2026-11-10'), ['recent']);
    const res = await resolvePriceTable([DEV_REQUEST], options({ mode: 'snapshot' }));
    expect(res.snapshotAgeDays).toBe(12);
    expect(res.warnings).toEqual([]);
  });

  test('the same snapshot gives the same table, byte for byte', async () => {
    const a = await resolvePriceTable([DEV_REQUEST], options({ mode: 'snapshot' }));
    const b = await resolvePriceTable([{ ...DEV_REQUEST, instanceTypes: ['g5.xlarge', 'g6.xlarge'] }], options({ mode: 'snapshot' }));
    expect(JSON.stringify(b.table)).toBe(JSON.stringify(a.table));
  });

  test('a type the data does not know at all is an error that says to check the name, then how to add it', async () => {
    const problems = await problemsOf(resolvePriceTable([{ ...DEV_REQUEST, instanceTypes: ['g5.xlarge', 'g4dn.xlarge'] }], options({ mode: 'snapshot' })));
    expect(problems).toEqual([
      `pricing: dev: no on-demand price for g4dn.xlarge in us-east-1: neither the snapshot ${snapshotPath} nor AWS's public spot data knows ` +
        'g4dn.xlarge there; check the name and the region (aws ec2 describe-instance-type-offerings --filters Name=instance-type,Values=g4dn.xlarge ' +
        '--region us-east-1), then synth with -c pricing=live or run `npm run pricing:refresh`',
    ]);
  });

  test('a real type the public data lists but the snapshot cannot price on-demand says what to do', async () => {
    const t = snapshotTable('2026-11-10');
    writeSnapshot(snapshotPath, {
      ...t,
      regionalSpot: [{ instanceType: 'p5.4xlarge', region: 'us-east-1', expectedUsdPerHour: 2.6, quoteUsdPerHour: 6.2, savingsPercent: 9, source: 'snapshot', validOn: '2026-08-10', origin: 'x' }],
    }, ['x']);
    const problems = await problemsOf(resolvePriceTable([{ ...DEV_REQUEST, instanceTypes: ['g5.xlarge', 'p5.4xlarge'] }], options({ mode: 'snapshot' })));
    expect(problems).toEqual([
      `pricing: dev: no on-demand price for p5.4xlarge in us-east-1: AWS's public spot data lists p5.4xlarge there, but the snapshot ${snapshotPath} ` +
        'holds no traced on-demand price for it; synth with -c pricing=live, or run `npm run pricing:refresh` with AWS credentials to add it',
    ]);
  });

  test('a snapshot with no offerings for a type says the preflight was not checked', async () => {
    const t = snapshotTable('2026-11-10');
    writeSnapshot(snapshotPath, { ...t, offerings: t.offerings.filter((o) => o.instanceType !== 'g6.xlarge') }, ['x']);
    const res = await resolvePriceTable([DEV_REQUEST], options({ mode: 'snapshot' }));
    expect(res.warnings).toEqual(['pricing: dev: no capacity facts for g6.xlarge in us-east-1 (snapshot without offerings); AZ offerings not checked']);
  });

  test.each([
    ['missing', (f: string) => fs.rmSync(f), /^pricing: cannot read the price snapshot .+snapshot\.json \(ENOENT\); restore it from git or run `npm run pricing:refresh` with AWS credentials$/],
    ['not JSON', (f: string) => fs.writeFileSync(f, '{"format": '), /^pricing: the price snapshot .+snapshot\.json is not valid JSON \(.+\); restore it from git or run `npm run pricing:refresh`$/],
    [
      'a NaN-able price',
      (f: string) => {
        const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
        doc.table.onDemand[0].usdPerHour = '1.006';
        fs.writeFileSync(f, JSON.stringify(doc));
      },
      /^pricing: the price snapshot .+snapshot\.json is malformed: table\.onDemand\.0\.usdPerHour: .+; restore it from git or run `npm run pricing:refresh`$/,
    ],
    [
      'a $0 price',
      (f: string) => {
        const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
        doc.table.spot[1].p50UsdPerHour = 0;
        fs.writeFileSync(f, JSON.stringify(doc));
      },
      /^pricing: the price snapshot .+ is malformed: table\.spot\.1\.p50UsdPerHour: .+$/,
    ],
    [
      'a bad date',
      (f: string) => {
        const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
        doc.table.units[0].validOn = '2026-02-31';
        fs.writeFileSync(f, JSON.stringify(doc));
      },
      /^pricing: the price snapshot .+ is malformed: table\.units\.0\.validOn: must be a real calendar date; .+$/,
    ],
  ])('a corrupt snapshot (%s) is an error naming the file and the problem', async (_name, damage, message) => {
    damage(snapshotPath);
    const problems = await problemsOf(resolvePriceTable([DEV_REQUEST], options({ mode: 'snapshot' })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('auto: no cache, credentials resolve -> asks AWS, writes the cache', async () => {
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.sources).toEqual(['live']);
    expect(fs.existsSync(path.join(cacheDir, 'prices-v1.json'))).toBe(true);
  });

  test('auto: a second run within the cache lifetime makes no AWS call and labels prices cache', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    const before = aws.calls.length;
    const lines: string[] = [];
    const res = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 5 * 3600_000), log: (l) => lines.push(l) }));
    expect(aws.calls.length).toBe(before);
    expect(res.calls).toEqual({ getProducts: 0, describeSpotPriceHistory: 0, describeInstanceTypeOfferings: 0, describeInstanceTypes: 0, publicFeeds: 0 });
    expect(res.sources).toEqual(['cache']);
    expect(res.table.spot[0].validOn).toBe('2026-11-22');
    expect(lines[0]).toBe('pricing: every price is in the local cache and fresh; no AWS calls');
  });

  test.each([
    ['the load balancer prices', ['alb-hour', 'alb-lcu-hour', 'vpc-interface-endpoint-hour']],
    ['the Arm Lambda duration price', ['lambda-gb-second-arm']],
  ])('auto: a fresh cache written before %s existed is refreshed, not a missing price', async (_name, added) => {
    await resolvePriceTable([DEV_REQUEST], options());
    // The cache as a synth before those unit prices wrote it: same age, without them.
    const file = path.join(cacheDir, 'prices-v1.json');
    const cache = JSON.parse(fs.readFileSync(file, 'utf8'));
    const od = cache.regions['us-east-1'].onDemand;
    od.units = od.units.filter((u: { resource: string }) => !added.includes(u.resource));
    fs.writeFileSync(file, JSON.stringify(cache));
    aws.calls.length = 0;
    const res = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 3600_000) }));
    expect(res.calls.getProducts).toBe(11);
    expect(res.table.units.map((u) => [u.resource, u.source]).filter(([r]) => added.includes(r))).toEqual(added.map((r) => [r, 'live']));
    expect(res.warnings).toEqual([]);
  });

  test('auto: stale spot (older than 6 h) but fresh on-demand asks AWS for spot only', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    aws.calls.length = 0;
    const res = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 7 * 3600_000) }));
    expect(aws.calls.map((c) => c.operation)).toEqual(['DescribeSpotPriceHistory']);
    expect(res.sources).toEqual(['cache', 'live']);
    expect(res.table.onDemand.every((p) => p.source === 'cache')).toBe(true);
    expect(res.table.spot.every((p) => p.source === 'live')).toBe(true);
  });

  test('auto: a cache older than 7 days for on-demand is refreshed', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    const res = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 8 * 86_400_000) }));
    expect(res.sources).toEqual(['live']);
  });

  test('auto: a cache that does not cover a newly added type is not used for it', async () => {
    await resolvePriceTable([{ ...DEV_REQUEST, instanceTypes: ['g5.xlarge'] }], options());
    aws.calls.length = 0;
    await resolvePriceTable([DEV_REQUEST], options());
    expect(aws.calls.length).toBeGreaterThan(0);
  });

  test('auto: no credentials -> the snapshot, with a warning that says why and how old it is', async () => {
    const started = Date.now();
    const res = await resolvePriceTable([DEV_REQUEST], options({ aws: { endpoint: aws.endpoint, credentials: noCredentials } }));
    expect(Date.now() - started).toBeLessThan(3000); // no hang: the probe fails at once
    expect(aws.calls).toEqual([]);
    expect(res.sources).toEqual(['snapshot']);
    // One line for the price age of the source, with why it was used.
    expect(res.warnings).toEqual([
      `pricing: using the committed snapshot ${snapshotPath} because no AWS credentials resolved within 3000 ms ` +
        '(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login); its oldest price is dated 2026-09-01, 82 days ago; ' +
        'older than 30 days: run `npm run pricing:refresh` with AWS credentials to update it',
    ]);
  });

  test('auto: no credential source can exist -> the snapshot at once, without loading the AWS SDK', async () => {
    const loadedBefore = Object.keys(require.cache).filter((m) => m.includes(`${path.sep}@aws-sdk${path.sep}`)).length;
    const res = await resolvePriceTable([DEV_REQUEST], options({ credentialSourceMayExist: false, aws: { endpoint: aws.endpoint } }));
    expect(aws.calls).toEqual([]);
    expect(res.sources).toEqual(['snapshot']);
    expect(res.warnings[0]).toContain('because no AWS credential source exists (no access key, profile, config file, web identity or container credentials, and instance metadata is disabled)');
    // The clients module was never imported for this lookup (jest's registry is per file; the count cannot grow).
    expect(Object.keys(require.cache).filter((m) => m.includes(`${path.sep}@aws-sdk${path.sep}`)).length).toBe(loadedBefore);
  });

  test('auto: a credential chain that hangs is given up after credentialsTimeoutMs', async () => {
    const res = await resolvePriceTable(
      [DEV_REQUEST],
      options({ credentialsTimeoutMs: 100, aws: { endpoint: aws.endpoint, credentials: () => new Promise(() => undefined) } }),
    );
    expect(res.sources).toEqual(['snapshot']);
    expect(res.warnings[0]).toContain('because no AWS credentials resolved within 100 ms');
  });

  test('auto: AWS refusing -> the snapshot, with the AWS error in the warning (never silent)', async () => {
    aws.faults = { fail: { DescribeSpotPriceHistory: { status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } } };
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.sources).toEqual(['snapshot']);
    expect(res.warnings[0]).toBe(
      `pricing: using the committed snapshot ${snapshotPath} because AWS lookups failed (pricing: EC2 DescribeSpotPriceHistory (us-east-1, g5.xlarge, g6.xlarge) failed: ` +
        'UnauthorizedOperation: You are not authorized to perform this operation. (HTTP 403)); its oldest price is dated 2026-09-01, 82 days ago; ' +
        'older than 30 days: run `npm run pricing:refresh` with AWS credentials to update it',
    );
  });

  test('auto: the order is fresh cache, then AWS, then snapshot', async () => {
    // 1. fill the cache from AWS
    await resolvePriceTable([DEV_REQUEST], options());
    // 2. AWS now broken, cache fresh: the cache wins, no call, no warning
    aws.faults = { fail: { GetProducts: { status: 500, code: 'InternalFailure', message: 'boom' } } };
    aws.calls.length = 0;
    const cached = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 3600_000) }));
    expect(cached.sources).toEqual(['cache']);
    expect(cached.warnings).toEqual([]);
    expect(aws.calls).toEqual([]);
    // 3. cache stale, AWS broken: snapshot with a warning
    const fallback = await resolvePriceTable([DEV_REQUEST], options({ now: new Date(NOW.getTime() + 8 * 86_400_000) }));
    expect(fallback.sources).toEqual(['snapshot']);
    expect(fallback.warnings[0]).toMatch(/^pricing: using the committed snapshot .+ because AWS lookups failed \(11 problems, first: pricing: Pricing GetProducts/);
  });

  test('auto: a corrupt cache is a warning and ignored', async () => {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'prices-v1.json'), '{"version": 1, "regions": {"us-east-1": {"spot": {"fetchedAt": "yesterday"}}}}');
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.sources).toEqual(['live']);
    expect(res.warnings).toEqual([
      expect.stringMatching(/^pricing: ignoring the price cache .+prices-v1\.json: regions\.us-east-1\.spot\.fetchedAt: must be an ISO timestamp; .+; it is rewritten after the next AWS lookup$/),
    ]);
    // and it was rewritten
    expect(JSON.parse(fs.readFileSync(path.join(cacheDir, 'prices-v1.json'), 'utf8')).regions['us-east-1'].spot.spot).toHaveLength(4);
  });

  test('auto: a cache that is not JSON is a warning and ignored', async () => {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(path.join(cacheDir, 'prices-v1.json'), 'garbage');
    const res = await resolvePriceTable([DEV_REQUEST], options());
    expect(res.warnings).toEqual([expect.stringMatching(/^pricing: ignoring the price cache .+: not valid JSON \(.+\); it is rewritten after the next AWS lookup$/)]);
  });

  test('live mode ignores a fresh cache', async () => {
    await resolvePriceTable([DEV_REQUEST], options());
    aws.calls.length = 0;
    const res = await resolvePriceTable([DEV_REQUEST], options({ mode: 'live' }));
    expect(res.sources).toEqual(['live']);
    expect(aws.calls.length).toBe(14);
  });

  test('live mode never falls back to the snapshot', async () => {
    const problems = await problemsOf(resolvePriceTable([DEV_REQUEST], options({ mode: 'live', aws: { endpoint: aws.endpoint, credentials: noCredentials } })));
    expect(problems[0]).toMatch(/^pricing=live: could not get live prices from AWS, and live mode never falls back/);
  });
});

describe('requests and the mode context value', () => {
  test('parsePricingMode accepts the three modes and defaults to auto', () => {
    expect(parsePricingMode(undefined)).toBe('auto');
    expect(parsePricingMode('')).toBe('auto');
    expect(parsePricingMode('live')).toBe('live');
    expect(parsePricingMode('snapshot')).toBe('snapshot');
    expect(() => parsePricingMode('offline')).toThrow(
      'pricing: context pricing="offline" is not a pricing mode; use one of live, auto, snapshot (e.g. -c pricing=snapshot)',
    );
  });

  test('malformed requests are reported together, one line each', async () => {
    const problems = await problemsOf(
      resolvePriceTable([{ environment: 'dev', region: 'us-east-1', availabilityZones: ['eu-west-1a'], instanceTypes: [] }], options({ mode: 'snapshot' })),
    );
    expect(problems).toEqual([
      'pricing: dev.instanceTypes is empty; give at least one GPU instance type',
      'pricing: dev availability zone eu-west-1a is not in region us-east-1; AZ names start with their region',
    ]);
    expect((await problemsOf(resolvePriceTable([], options()))) ).toEqual(['pricing: no price requests; pass one PriceRequest per environment']);
  });
});
