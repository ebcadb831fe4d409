import { dev, prod, staging } from '../../config/environments';
import { estimateEnvironmentCost } from '../../lib/pricing/estimate';
import { PriceTable } from '../../lib/pricing/types';
import {
  costModelEnvironment,
  describeSchedule,
  servingCostInputs,
  environmentHours,
  estimateEnvironments,
  lambdaArchitecture,
  priceRequestsFor,
} from '../../lib/stacks/cost-inputs';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { FUNCTION_ARCHITECTURE } from '../../lib/shared/lambda-architecture';
import { od, spot, unitPrices } from '../pricing/support/fixtures';
import { buildEnvironmentStack, resourcesOfType, withoutServing } from '../support/stacks';

// The adapter from the app's config to the pricing's plain inputs (lib/pricing never reads config/).

describe('costModelEnvironment', () => {
  test('carries only the fields the cost model reads', () => {
    const e = costModelEnvironment(prod);
    expect(e).not.toHaveProperty('budget.alertEmails');
    expect(e).not.toHaveProperty('tags');
    expect(e).not.toHaveProperty('fleet.scaling');
    expect(e.fallback).toEqual({ maxInstances: prod.fallback!.maxInstances });
    expect(e.cost.throughputRps).toEqual(prod.cost.throughputRps);
    expect(e.cost.throughputRps).not.toBe(prod.cost.throughputRps);
    expect(costModelEnvironment(dev).fallback).toBeUndefined();
  });

  test('churn warm-up: configured, else derived from serving (startup + the load balancer\'s checks), else the fleet\'s', () => {
    expect(costModelEnvironment(staging).churn?.warmupSeconds).toBe(480 + 15 * 2);
    expect(costModelEnvironment(dev).churn?.warmupSeconds).toBe(300 + 15 * 2);
    expect(costModelEnvironment(withoutServing(staging, 420)).churn?.warmupSeconds).toBe(420);
    expect(costModelEnvironment({ ...staging, cost: { ...staging.cost, churn: { warmupSeconds: 900 } } }).churn?.warmupSeconds).toBe(900);
  });

  test('an existing VPC is only a flag: its ids stay out of the report', () => {
    const e = costModelEnvironment({
      ...dev,
      fleet: { ...dev.fleet, existingVpc: { vpcId: 'vpc-1', privateSubnetIds: { 'eu-central-1a': 'subnet-1' } } },
    });
    expect(e.fleet.existingVpc).toBe(true);
    expect(costModelEnvironment(dev).fleet).not.toHaveProperty('existingVpc');
  });

  test.each([dev, staging, prod])('$name prices with finite figures from a full table', (cfg) => {
    const types = cfg.fleet.instanceTypes;
    const table: PriceTable = {
      onDemand: types.map((ty, i) => od(ty, 1 + i / 10, cfg.region)),
      spot: types.flatMap((ty) => cfg.availabilityZones.map((az) => spot(ty, az, 0.3, 0.4, 0.5, cfg.region))),
      units: unitPrices(cfg.region),
      offerings: [],
    };
    const e = estimateEnvironmentCost(costModelEnvironment(cfg), table, { hoursPerMonth: 730 });
    for (const v of Object.values(e.monthly)) if (v !== null) expect(Number.isFinite(v)).toBe(true);
    expect(e.monthly.expectedUsd).toBeGreaterThan(0);
    expect(e.inputs.environment).not.toHaveProperty('budget.alertEmails');
  });
});

describe('environmentHours', () => {
  test('an unscheduled environment runs usage.hoursPerMonth', () => {
    expect(environmentHours(prod, 2026)).toEqual({ hoursPerMonth: 730 });
  });

  test("a scheduled one runs its schedule's average month", () => {
    const h = environmentHours(dev, 2026);
    // MON-FRI 08:00-19:00 = 11 h x 261 weekdays in 2026 / 12 = 239.25 h
    expect(h.hoursPerMonth).toBeCloseTo((11 * 261) / 12, 9);
    expect(h.scheduleDescription).toBe('MON-FRI 08:00-19:00 Europe/Berlin');
  });

  test('describeSchedule collapses consecutive days only', () => {
    expect(
      describeSchedule({
        timeZone: 'UTC',
        periods: [
          { days: ['SUN', 'MON', 'WED', 'THU', 'FRI'], start: '08:00', end: '12:00' },
          { days: ['SAT'], start: '10:00', end: '14:00' },
          { days: ['TUE', 'MON', 'TUE'], start: '13:00', end: '14:00' },
        ],
      }),
    ).toBe('MON,WED-FRI,SUN 08:00-12:00, SAT 10:00-14:00, MON-TUE 13:00-14:00 UTC');
  });
});

describe('estimateEnvironments', () => {
  // 2028 has 260 weekdays, 2026 has 261: the newest price's year decides.
  test("hours come from each schedule over the prices' year, not the clock's", () => {
    const table: PriceTable = {
      onDemand: dev.fleet.instanceTypes.map((ty) => ({ ...od(ty, 1, dev.region), validOn: '2028-03-01' })),
      spot: dev.fleet.instanceTypes.flatMap((ty) => dev.availabilityZones.map((az) => spot(ty, az, 0.3, 0.4, 0.5, dev.region))),
      units: unitPrices(dev.region),
      offerings: [],
    };
    const [e] = estimateEnvironments([dev], table, () => ({ cloudwatchAlarms: 3 }));
    expect(e.hoursPerMonth).toBeCloseTo(environmentHours(dev, 2028).hoursPerMonth, 9);
    expect(e.hoursPerMonth).not.toBeCloseTo(environmentHours(dev, 2026).hoursPerMonth, 9);
    expect(e.scheduleDescription).toBe('MON-FRI 08:00-19:00 Europe/Berlin');
    expect(e.inputs.smallParts.cloudwatchAlarms).toBe(3);
  });

  test('the Lambda line is priced for the architecture the functions are built with (arm64), not a default', () => {
    const table: PriceTable = {
      onDemand: dev.fleet.instanceTypes.map((ty) => od(ty, 1, dev.region)),
      spot: dev.fleet.instanceTypes.flatMap((ty) => dev.availabilityZones.map((az) => spot(ty, az, 0.3, 0.4, 0.5, dev.region))),
      units: [...unitPrices(dev.region), { ...unitPrices(dev.region)[0], resource: 'lambda-gb-second-arm', usdPerUnit: 0.0000133334, unit: 'Lambda-GB-Second' }],
      offerings: [],
    };
    const [e] = estimateEnvironments([dev], table, () => ({ cloudwatchAlarms: 3 }));
    expect(e.inputs.smallParts.lambdaArchitecture).toBe('arm64');
    expect(e.components.find((c) => c.id === 'lambda')!.basis).toBe('100,000 requests x $0.0000002 + 12,500 Arm GB-s x $0.0000133334');
  });
});

describe('lambdaArchitecture: the one architecture the functions and the estimate share', () => {
  test("Lambda's names of CDK's architectures; any other is refused, naming it", () => {
    expect(lambdaArchitecture(Architecture.ARM_64)).toBe('arm64');
    expect(lambdaArchitecture(Architecture.X86_64)).toBe('x86_64');
    expect(() => lambdaArchitecture(Architecture.custom('riscv64'))).toThrow(
      'Lambda architecture "riscv64" has no duration price in the cost model (x86_64 or arm64)',
    );
  });

  test.each([dev, staging, prod])('every project function of the $name stack runs on it', (cfg) => {
    const functions = Object.entries(resourcesOfType(buildEnvironmentStack(cfg).template, 'AWS::Lambda::Function'));
    // CDK's own custom-resource provider (the default security group restriction) is not counted in the estimate.
    const ours = functions.filter(([, f]) => f.Properties.Handler !== '__entrypoint__.handler');
    expect(ours.length).toBeGreaterThanOrEqual(2); // interruption handler, and the fallback controller or kill switch
    for (const [, f] of ours) expect(f.Properties.Architectures).toEqual([FUNCTION_ARCHITECTURE.name]);
  });
});

describe('priceRequestsFor', () => {
  test('each environment asks for scores at its spot burst (maxSize - base)', () => {
    expect(priceRequestsFor([dev, staging, prod]).map((r) => [r.environment, r.spotTargetCapacity])).toEqual([
      ['dev', dev.fleet.maxSize - dev.fleet.onDemandBaseCapacity],
      ['staging', staging.fleet.maxSize - staging.fleet.onDemandBaseCapacity],
      ['prod', prod.fleet.maxSize - prod.fleet.onDemandBaseCapacity],
    ]);
    expect(priceRequestsFor([{ ...dev, fleet: { ...dev.fleet, spotPercentageAboveBase: 0 } }])[0].spotTargetCapacity).toBeUndefined();
  });

  test('types, AZs and region per environment; no NAT prices asked for an existing VPC', () => {
    const [r] = priceRequestsFor([staging]);
    expect(r).toMatchObject({
      environment: 'staging',
      region: staging.region,
      availabilityZones: staging.availabilityZones,
      instanceTypes: staging.fleet.instanceTypes,
    });
    expect(r.needsNat).toBeUndefined();
    const existing = { ...staging, fleet: { ...staging.fleet, existingVpc: { vpcId: 'vpc-1', privateSubnetIds: {} } } };
    expect(priceRequestsFor([existing])[0].needsNat).toBe(false);
  });
});

describe('servingCostInputs: what the endpoint lines are priced from', () => {
  test('the committed environments: expected load with defaults, model and image sizes, the S3 gateway endpoint, schedule starts', () => {
    expect(servingCostInputs(dev)).toEqual({
      requestsPerSecond: 1, bytesPerRequest: 16384, requestsPerConnection: 1, requestSeconds: 8,
      // MON-FRI: 5 up-windows a week x 365.25 / 7 / 12 weeks a month
      scheduledStartsPerMonth: expect.closeTo((5 * 365.25) / 7 / 12, 9),
      modelSizeGiB: 3.1, imageSizeGiB: 9, imageSource: 'ecr', s3GatewayEndpoint: true, ecrInterfaceEndpoints: false,
    });
    expect(servingCostInputs(staging)).toEqual(expect.objectContaining({ requestsPerSecond: 5, requestSeconds: 10, modelSizeGiB: 5.4 }));
    expect(servingCostInputs(prod)).toEqual(expect.objectContaining({ requestsPerSecond: 40, scheduledStartsPerMonth: 0 }));
    expect(servingCostInputs(withoutServing(prod))).toBeUndefined();
  });

  test('a public image, an ECR repository in another region, an existing VPC without an S3 endpoint, ECR endpoints, launches', () => {
    const s = staging.serving!;
    const with_ = (serving: object, fleet: object = {}) => ({ ...staging, fleet: { ...staging.fleet, ...fleet }, serving: { ...s, ...serving } });
    expect(servingCostInputs(with_({ image: { uri: 'docker.io/vllm/vllm-openai', tag: 'v0.10.1' } }))).toEqual(
      expect.objectContaining({ imageSource: 'public', imageSizeGiB: 10 }),
    );
    expect(servingCostInputs(with_({ image: { ecrRepository: 'arn:aws:ecr:eu-west-1:123456789012:repository/ml/vllm', tag: 'x' } }))!.imageSource).toBe('ecr-other-region');
    expect(servingCostInputs(with_({ image: { ecrRepository: 'arn:aws:ecr:us-east-1:123456789012:repository/ml/vllm', tag: 'x' } }))!.imageSource).toBe('ecr');
    const vpc = { vpcId: 'vpc-0123abcd', privateSubnetIds: {} };
    expect(servingCostInputs(with_({}, { existingVpc: { ...vpc, s3GatewayEndpoint: 'none' } }))!.s3GatewayEndpoint).toBe(false);
    expect(servingCostInputs(with_({}, { existingVpc: { ...vpc, s3GatewayEndpoint: 'exists' } }))!.s3GatewayEndpoint).toBe(true);
    expect(servingCostInputs(with_({ network: { ecrInterfaceEndpoints: true }, expectedLoad: { requestsPerSecond: 5, launchesPerMonth: 30, bytesPerRequest: 4096 } }))).toEqual(
      expect.objectContaining({ ecrInterfaceEndpoints: true, launchesPerMonth: 30, bytesPerRequest: 4096 }),
    );
  });
});
