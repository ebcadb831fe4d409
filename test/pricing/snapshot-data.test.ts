import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENTS } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { validateEnvironments } from '../../config/validate';
import { quantity } from '../../lib/pricing/format';
import { PriceBook } from '../../lib/pricing/price-book';
import { PricingLookupError, readSnapshot, resolvePriceTable } from '../../lib/pricing/lookup';
import { parsePriceSources } from '../../lib/pricing/lookup/traced-sources';
import { DEFAULT_SMALL_PARTS } from '../../lib/pricing/estimate/types';
import type { UnitResource } from '../../lib/pricing/types';
import { buildCostReport, renderCostReportMarkdown } from '../../lib/pricing/report';
import { estimateEnvironments, priceRequestsFor } from '../../lib/stacks/cost-inputs';
import { GpuFleetStack } from '../../lib/stacks/gpu-fleet-stack';

// The committed snapshot, offline, as CI uses it: the done-when checks of issue 12.

const SNAPSHOT = path.join(__dirname, '..', '..', 'pricing', 'snapshot.json');
const SOURCES_FILE = path.join(__dirname, '..', '..', 'pricing', 'sources', 'price-sources.json');
// What the recorded sources give (the snapshot is rebuilt from them, test/pricing/lookup/traced-sources.test.ts):
// the regions with traced on-demand prices, and per region the unit prices found.
const SOURCES = parsePriceSources(JSON.parse(fs.readFileSync(SOURCES_FILE, 'utf8')), SOURCES_FILE);
const ON_DEMAND_REGIONS = SOURCES.onDemand.map((s) => s.region);
const unitsFound = (region: string) => new Set([...SOURCES.units, ...SOURCES.unitsFromGitFiles].filter((u) => u.region === region).map((u) => u.resource));
/** The estimate lines each unit price prices, as the report names them under "Not priced" when it is missing. */
function expectedNotPriced(env: EnvironmentConfig): string[] {
  const found = unitsFound(env.region);
  const line = (label: string, ...needs: UnitResource[]) => (needs.every((r) => found.has(r)) ? [] : [label]);
  return [
    ...line('EBS gp3 root volumes', 'ebs-gp3-gb-month'),
    ...line(`NAT gateways (${env.fleet.natGateways})`, 'nat-gateway-hour'),
    ...line('CloudWatch alarms', 'cloudwatch-alarm-month'),
    // The functions are arm64: Arm duration, or the x86 rate when the region has no Arm price.
    ...(found.has('lambda-gb-second-arm') ? line('Lambda', 'lambda-request') : line('Lambda', 'lambda-request', 'lambda-gb-second')),
    ...line('SQS', 'sqs-request'),
    // The committed environments serve behind the S3 gateway endpoint: their downloads skip NAT (a $0 line).
    ...(env.serving ? line('Endpoint: ALB hours', 'alb-hour') : []),
    ...(env.serving
      ? line(`Endpoint: LCUs (${quantity(env.serving.expectedLoad.requestsPerSecond)} rps, ${quantity(env.serving.expectedLoad.bytesPerRequest ?? 16384)} B/request)`, 'alb-lcu-hour')
      : []),
  ];
}
const resolve = (envs: readonly EnvironmentConfig[]) =>
  resolvePriceTable(priceRequestsFor(envs), { mode: 'snapshot', snapshotPath: SNAPSHOT, cacheDir: path.join(os.tmpdir(), 'unused'), now: new Date('2026-11-29T00:00:00Z') });

describe('the committed environments on the committed snapshot', () => {
  let estimates: ReturnType<typeof estimateEnvironments>;
  beforeAll(async () => {
    estimates = estimateEnvironments(ENVIRONMENTS, (await resolve(ENVIRONMENTS)).table);
  });

  test('every spot price is below on-demand of its type and says where it comes from and when', () => {
    for (const e of estimates) {
      expect(e.spotPools.length).toBeGreaterThan(0);
      for (const p of e.spotPools) {
        expect(p.kind).toBe('regional');
        expect(p.usdPerHour).toBeLessThan(p.onDemandUsdPerHour);
      }
      for (const p of e.prices.filter((x) => x.market === 'spot')) {
        expect(p.validOn).toBe('2026-08-10');
        expect(p.origin).toMatch(/^regional, not per AZ: on-demand \$[\d.]+\/h \(2026-07-20\) x \(1 - \d+% Spot Instance Advisor average savings, https:\/\/spot-bid-advisor\.s3\.amazonaws\.com\/spot-advisor-data\.json fetched 2026-08-10T06:54:02Z/);
      }
    }
  });

  test('spot savings against same-type on-demand sit in the range the data gives', () => {
    for (const e of estimates) {
      const favoured = e.spotPools.filter((p) => p.favoured);
      const advisor = favoured.map((p) => p.savingsVsOnDemandPercent!);
      // Every pool's saving is the advisor's, to the cent of rounding.
      for (const p of e.spotPools) expect([41, 46, 49, 50, 51, 54, 56, 60, 61, 62, 66]).toContain(Math.round(p.savingsVsOnDemandPercent!));
      // The fleet's saving on its spot burst (churn included) lies within its favoured pools' savings.
      const sameTypeOd = favoured.reduce((a, p) => a + p.onDemandUsdPerHour, 0) / favoured.length;
      const spotSaving = (e.monthly.savingsVsOnDemandUsd! / (e.fleet.spotUnits * sameTypeOd * e.hoursPerMonth)) * 100;
      expect(spotSaving).toBeGreaterThanOrEqual(Math.min(...advisor) - 0.5);
      expect(spotSaving).toBeLessThanOrEqual(Math.max(...advisor));
    }
  });

  test('in us-east-1 every line is priced from a traced source (Lambda requests: a dated AWS page; Arm Lambda duration, gp3, NAT, alarms, SQS, ALB hour and LCU: infracost golden files)', () => {
    for (const e of estimates) {
      const env = ENVIRONMENTS.find((x) => x.name === e.environment)!;
      expect(env.region).toBe('us-east-1');
      expect(e.notPriced).toEqual([]);
      expect(e.notPriced).toEqual(expectedNotPriced(env));
      expect(e.warnings.filter((w) => w.includes('not priced'))).toEqual([]);
      expect(e.endpoint!.excludes).toEqual([]);
      const line = (id: string) => e.components.find((c) => c.id === id)?.monthlyUsd;
      // The functions run on arm64 (lib/shared/lambda-architecture.ts): duration at the Arm rate, not x86's $0.0000166667.
      expect(line('lambda')).toBeCloseTo(DEFAULT_SMALL_PARTS.lambdaRequestsPerMonth * 0.0000002 + DEFAULT_SMALL_PARTS.lambdaGbSecondsPerMonth * 0.0000133334, 10);
      expect(e.components.find((c) => c.id === 'lambda')!.basis).toBe('100,000 requests x $0.0000002 + 12,500 Arm GB-s x $0.0000133334');
      // Root volumes: GiB x $0.08 per GB-month for the instance-hours run, over the 730 h month.
      const ebs = e.components.find((c) => c.id === 'ebs')!;
      const instanceHours = Number(new RegExp(`^${env.fleet.rootVolumeGiB} GiB x \\$0\\.0800/GB-month x ([\\d,.]+) instance-h / 730 h$`).exec(ebs.basis)![1].replace(/,/g, ''));
      expect(instanceHours).toBeGreaterThan(0);
      expect(ebs.monthlyUsd).toBeCloseTo((env.fleet.rootVolumeGiB * 0.08 * instanceHours) / 730, 10);
      expect(line('nat-gateway')).toBeCloseTo(env.fleet.natGateways * 0.045 * 730, 10);
      expect(line('cloudwatch-alarms')).toBeCloseTo(DEFAULT_SMALL_PARTS.cloudwatchAlarms * 0.1, 10);
      expect(line('sqs')).toBeCloseTo(DEFAULT_SMALL_PARTS.sqsRequestsPerMonth * 0.0000004, 10);
      // The load balancer: $0.0225 an hour all month; $0.008 per LCU-hour for the LCUs of the hours the fleet serves.
      expect(line('endpoint-alb')).toBeCloseTo(0.0225 * 730, 10);
      expect(line('endpoint-lcu')).toBeCloseTo(e.endpoint!.lcu.perHour * 0.008 * e.hoursPerMonth, 10);
      expect(line('endpoint-lcu')).toBeGreaterThan(0);
      const units = e.prices.flatMap((p) => (p.market === 'unit' ? [p] : []));
      expect(units.map((p) => [p.resource, p.region, p.usdPerUnit, p.validOn]).sort()).toEqual(
        [
          ['alb-hour', 'us-east-1', 0.0225, '2024-07-01'],
          ['alb-lcu-hour', 'us-east-1', 0.008, '2024-07-01'],
          ['cloudwatch-alarm-month', 'us-east-1', 0.1, '2024-07-01'],
          ['ebs-gp3-gb-month', 'us-east-1', 0.08, '2024-07-01'],
          ['lambda-gb-second-arm', 'us-east-1', 0.0000133334, '2024-07-01'],
          ['lambda-request', 'us-east-1', 0.0000002, '2020-12-01'],
          ['nat-gateway-hour', 'us-east-1', 0.045, '2024-07-01'],
          ['sqs-request', 'us-east-1', 0.0000004, '2024-07-01'],
        ].sort(),
      );
      for (const p of units.filter((u) => u.resource === 'lambda-request')) {
        expect(p.origin).toMatch(/^https:\/\/aws\.amazon\.com\/blogs\/aws\/new-for-aws-lambda-1ms-billing-granularity-adds-cost-savings\/ /);
      }
      for (const p of units.filter((u) => u.resource !== 'lambda-request')) {
        expect(p.origin).toMatch(/^infracost\/infracost internal\/providers\/terraform\/aws\/testdata\/\w+\/\w+\.golden at commit e9ce62908cda6f0a7dd55ea058e4e03cf0f680ba \(its last change, committed 2024-07-01; /);
        expect(p.origin).toContain('"region                      = \"us-east-1\""');
      }
    }
  });

  test('an environment with ECR interface endpoints gets a priced line: $0.01 per endpoint-AZ-hour from infracost\'s vpc_endpoint golden file', async () => {
    const staging = ENVIRONMENTS.find((x) => x.name === 'staging')!;
    const cfg: EnvironmentConfig = { ...staging, serving: { ...staging.serving!, network: { ...staging.serving!.network, ecrInterfaceEndpoints: true } } };
    const [e] = estimateEnvironments([cfg], (await resolve([cfg])).table);
    expect(e.notPriced).toEqual([]);
    expect(e.endpoint!.excludes).toEqual([]);
    const ecr = e.components.find((c) => c.id === 'ecr-interface-endpoints')!;
    // ecr.api and ecr.dkr, one network interface per AZ (3), all month
    expect(ecr.monthlyUsd).toBeCloseTo(2 * cfg.availabilityZones.length * 0.01 * 730, 10);
    const price = e.prices.find((p) => p.market === 'unit' && p.resource === 'vpc-interface-endpoint-hour')!;
    expect(price).toMatchObject({ usdPerUnit: 0.01, validOn: '2024-10-18' });
    expect(price.origin).toMatch(/^infracost\/infracost internal\/providers\/terraform\/aws\/testdata\/vpc_endpoint_test\/vpc_endpoint_test\.golden at commit 6137111a3bb899cbcb02786e52a0d0fab6a3f6eb \(its last change, committed 2024-10-18; /);
    expect(price.origin).toContain('aws_vpc_endpoint.interface: "└─ Endpoint (Interface)                             730  hours                    $7.30"');
  });

  test('the report shows the interruption bucket of every pool and a churn line per environment', () => {
    const md = renderCostReportMarkdown(buildCostReport(estimates));
    for (const e of estimates) {
      for (const p of e.spotPools) expect(p.bucket).toMatch(/^(<5%|5-10%|10-15%|15-20%|>20%)$/);
      expect(e.components.map((c) => c.id)).toContain('spot-churn');
    }
    // The warm-up of a serving environment is its startup plus the load balancer's checks (dev 300 + 30, staging and
    // prod 480 + 30: lib/stacks/serving-timings.ts).
    const churn = [...md.matchAll(/^- Churn: [\d.]+ interruptions\/month cost \$[\d.,]+ \((\d+) s warm-up \+ 300 s drain per interruption/gm)].map((m) => m[1]);
    expect(churn).toEqual(['330', '510', '510']);
    expect(md.match(/\| Interruption bucket \|/g)).toHaveLength(3);
  });
});

const REGIONS = [...new Set(readSnapshot(SNAPSHOT).table.regionalSpot!.map((p) => p.region))].sort();

/**
 * Every environment moved to `region`, AZs renamed to that region's a, b, c, d, and its endpoint certificate with it
 * (a load balancer takes certificates of its own region only).
 */
function movedTo(region: string): EnvironmentConfig[] {
  return ENVIRONMENTS.map((e) => {
    const endpoint = e.serving?.endpoint;
    const serving = endpoint?.certificateArn === undefined ? e.serving
      : { ...e.serving!, endpoint: { ...endpoint, certificateArn: endpoint.certificateArn.replace(`:acm:${e.region}:`, `:acm:${region}:`) } };
    return { ...e, region, availabilityZones: e.availabilityZones.map((az) => `${region}${az.slice(-1)}`), serving };
  });
}

describe.each(REGIONS)('every environment moved to %s, offline', (region) => {
  const priced = ON_DEMAND_REGIONS.includes(region);
  test(
    priced
      ? 'is priced from traced prices and synthesized; only the lines without a traced price in the region are "Not priced"'
      : 'fails, naming each type the snapshot has no traced on-demand price for and what to do',
    async () => {
      const envs = validateEnvironments(movedTo(region));
      const res = await resolve(envs).catch((e: unknown) => e);
      if (priced) {
        expect(res).not.toBeInstanceOf(Error);
        const estimates = estimateEnvironments(envs, (res as Awaited<ReturnType<typeof resolve>>).table);
        for (const [i, e] of estimates.entries()) {
          expect(e.monthly.expectedUsd).toBeGreaterThan(0);
          expect(e.notPriced).toEqual(expectedNotPriced(envs[i]));
          // The NAT GB price only prices the churn line's model download when a model size is set, the interface
          // endpoint hour only ECR interface endpoints (no committed environment sets either).
          // x86 Lambda duration prices arm64 functions only where the region has no Arm price.
          const unused = ['nat-gateway-gb-processed', 'vpc-interface-endpoint-hour', ...(unitsFound(region).has('lambda-gb-second-arm') ? ['lambda-gb-second'] : [])];
          for (const u of [...unitsFound(region)].filter((r) => !unused.includes(r))) expect(e.prices.some((p) => p.market === 'unit' && p.resource === u && p.region === region)).toBe(true);
        }
        const app = new App();
        const stack = new GpuFleetStack(app, 'GpuFleet-prod', { config: envs[2], costEstimate: estimates[2], env: { region } });
        expect(Object.keys(Template.fromStack(stack).findResources('AWS::AutoScaling::AutoScalingGroup')).length).toBeGreaterThan(0);
      } else {
        // No traced on-demand price for the region (pricing/sources/price-sources.json has none; docs/pricing-sources.md
        // lists what was searched): the message names each type and what to do, never a guessed price.
        expect(res).toBeInstanceOf(PricingLookupError);
        const types = [...new Set(envs.flatMap((e) => e.fleet.instanceTypes))];
        const problems = (res as PricingLookupError).problems;
        for (const t of types) {
          expect(problems.some((p) => p.includes(`no on-demand price for ${t} in ${region}`) && /synth with -c pricing=live|npm run pricing:refresh/.test(p))).toBe(true);
        }
      }
    },
  );
});

test('the snapshot holds on-demand prices for exactly the regions with a recorded source', () => {
  const table = readSnapshot(SNAPSHOT).table;
  for (const r of REGIONS) expect(PriceBook.of(table, r).onDemand('g6.xlarge') !== undefined).toBe(ON_DEMAND_REGIONS.includes(r));
});
