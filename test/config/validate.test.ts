import { dev, ENVIRONMENTS, prod, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import * as logs from 'aws-cdk-lib/aws-logs';
import { environmentProblems, FleetConfigError, LOG_RETENTION_DAYS, validateEnvironments } from '../../config/validate';
import { DeepPartial, withOverrides } from '../support/stacks';

const RETENTION_RULE = "must be one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

const problemsOf = (base: EnvironmentConfig, o: DeepPartial<EnvironmentConfig>) => environmentProblems(withOverrides(base, o));

describe('environment config validation', () => {
  test('GPU types the price data decides on are accepted by name: p5.4xlarge, g6f, g5g, p6-b200, a new size of a GPU family', () => {
    for (const t of ['p5.4xlarge', 'g6f.xlarge', 'g5g.xlarge', 'p6-b200.48xlarge', 'g5.huge']) {
      expect(problemsOf(prod, { fleet: { instanceTypes: ['g6.2xlarge', t] }, cost: { throughputRps: undefined } })).toEqual([]);
    }
  });

  test('the committed environments are valid', () => {
    expect(ENVIRONMENTS.map((e) => environmentProblems(e))).toEqual([[], [], []]);
    expect(validateEnvironments(ENVIRONMENTS).map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  test.each<[string, EnvironmentConfig, DeepPartial<EnvironmentConfig>, string]>([
    ['min > max', staging, { fleet: { minSize: 4, maxSize: 2, onDemandBaseCapacity: 1 } }, 'staging.fleet.minSize (4) must be <= maxSize (2)'],
    ['base > max', prod, { fleet: { onDemandBaseCapacity: 13 } }, 'prod.fleet.onDemandBaseCapacity (13) must be <= maxSize (12)'],
    ['negative size', dev, { fleet: { minSize: -1 } }, 'dev.fleet.minSize (-1) must be a whole number >= 0'],
    ['non-integer size', dev, { fleet: { maxSize: 2.5 } }, 'dev.fleet.maxSize (2.5) must be a whole number >= 1'],
    ['non-integer base', staging, { fleet: { onDemandBaseCapacity: 0.5 } }, 'staging.fleet.onDemandBaseCapacity (0.5) must be a whole number >= 0'],
    ['spot % above 100', prod, { fleet: { spotPercentageAboveBase: 120 } }, 'prod.fleet.spotPercentageAboveBase (120) must be from 0 to 100'],
    ['spot % below 0', prod, { fleet: { spotPercentageAboveBase: -5 } }, 'prod.fleet.spotPercentageAboveBase (-5) must be from 0 to 100'],
    ['type with no GPU', staging, { fleet: { instanceTypes: ['g6.xlarge', 'm5.xlarge'] } },
      'staging.fleet.instanceTypes[1] ("m5.xlarge") has no GPU (family m5); use a GPU family: g4dn, g4ad, g5, g6, g6e, p3, p3dn, p4d, p4de, g5g, gr6, p5, p6-b200, p5e, p5en, g6f, gr6f, p6-b300'],
    ['type name malformed', dev, { fleet: { instanceTypes: ['g6.xlarge', 'gpu-large'] } },
      'dev.fleet.instanceTypes[1] ("gpu-large") is not an EC2 instance type name (expected <family>.<size>, e.g. g5.xlarge)'],
    ['unknown family', dev, { fleet: { instanceTypes: ['g6.xlarge', 'zz9.xlarge'] } },
      'dev.fleet.instanceTypes[1] ("zz9.xlarge") is not a known GPU instance type; GPU families are g4dn, g4ad, g5, g6, g6e, p3, p3dn, p4d, p4de, g5g, gr6, p5, p6-b200, p5e, p5en, g6f, gr6f, p6-b300'],
    ['worst-case limit not positive', prod, { cost: { maxWorstCaseUsd: 0 } }, 'prod.cost.maxWorstCaseUsd (0) must be > 0 USD'],
    ['worst-case limit not a number', prod, { cost: { maxWorstCaseUsd: 'lots' as never } }, 'prod.cost.maxWorstCaseUsd ("lots") must be a number of USD > 0'],
    ['churn warm-up out of range', staging, { cost: { churn: { warmupSeconds: 7200 } } }, 'staging.cost.churn.warmupSeconds (7200) must be whole seconds from 0 to 3600'],
    ['churn drain not whole', staging, { cost: { churn: { drainOverlapSeconds: 1.5 } } }, 'staging.cost.churn.drainOverlapSeconds (1.5) must be whole seconds from 0 to 3600'],
    ['model size not positive', staging, { cost: { churn: { modelSizeGb: 0 } } }, 'staging.cost.churn.modelSizeGb (0) must be > 0 GB'],
    ['model larger than the root volume', staging, { cost: { churn: { modelSizeGb: 500 } } },
      'staging.cost.churn.modelSizeGb (500) must fit on the root volume: at most fleet.rootVolumeGiB (150)'],
    ['unknown churn field', staging, { cost: { churn: { warmup: 10 } as never } }, 'staging.cost.churn ({"warmup":10}) has unknown field(s) warmup'],
    ['AZ not in region', prod, { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-west-2c'] },
      'prod.availabilityZones[2] ("us-west-2c") is not an AZ of region us-east-1 (expected us-east-1a, us-east-1b, ...)'],
    ['duplicate AZ', staging, { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1a'] },
      'staging.availabilityZones[2] ("us-east-1a") is listed twice; each AZ once'],
    ['fewer than 3 AZs in prod', prod, { availabilityZones: ['us-east-1a', 'us-east-1b'], fleet: { natGateways: 2 } },
      'prod.availabilityZones (["us-east-1a","us-east-1b"]) must list at least 3 AZs for prod, so spot can move between zones'],
    ['one type with spot', dev, { fleet: { instanceTypes: ['g6.xlarge'] } },
      'dev.fleet.instanceTypes (["g6.xlarge"]) must list at least 2 GPU instance types when spot is used (spotPercentageAboveBase 100), so one dry spot pool does not stop the burst'],
    ['empty tag', staging, { tags: { owner: '  ' } }, 'staging.tags.owner ("  ") must be a non-empty string'],
    ['missing tag', staging, { tags: { costCentre: undefined } }, 'staging.tags.costCentre (missing) must be a non-empty string'],
    ['environment tag mismatch', staging, { tags: { environment: 'stg' } },
      'staging.tags.environment ("stg") must be "staging": budgets filter this environment\'s costs on it'],
    ['malformed email', prod, { budget: { alertEmails: ['finops@example.com', 'not-an-email'] } },
      'prod.budget.alertEmails[1] ("not-an-email") is not a valid email address'],
    ['no email', prod, { budget: { alertEmails: [] } }, 'prod.budget.alertEmails ([]) must list at least one email address'],
    ['budget <= 0', dev, { budget: { monthlyLimitUsd: 0 } }, 'dev.budget.monthlyLimitUsd (0) must be > 0 USD'],
    ['unknown region', dev, { region: 'us-moon-1', availabilityZones: ['us-moon-1a'] },
      'dev.region ("us-moon-1") must be an AWS region with GPU capacity, e.g. us-east-1'],
    ['account malformed', dev, { account: '1234' }, 'dev.account ("1234") must be a 12-digit AWS account id'],
    ['average spot above burst', staging, { usage: { averageSpotInstances: 9 } },
      'staging.usage.averageSpotInstances (9) must be <= maxSize - onDemandBaseCapacity (5)'],
    ['hours per month', staging, { usage: { hoursPerMonth: 800 } },
      'staging.usage.hoursPerMonth (800) must be > 0 and <= 744 hours (a 31-day month)'],
    ['no NAT for created VPC', staging, { fleet: { natGateways: 0 } },
      'staging.fleet.natGateways (0) must be from 1 to the number of AZs (3): the private subnets need egress'],
    ['existing VPC without a subnet for an AZ', staging,
      { fleet: { existingVpc: { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef0' } } } },
      'staging.fleet.existingVpc.privateSubnetIds (["us-east-1a"]) has no subnet for us-east-1b; give one private subnet per configured AZ'],
    ['AMD GPUs with the GPU metric', dev, { fleet: { instanceTypes: ['g6.xlarge', 'g4ad.xlarge'] } },
      "dev.fleet.instanceTypes[1] (\"g4ad.xlarge\") has AMD GPUs, which publish no nvidia_smi metrics; use a 'custom' scaling metric or NVIDIA types"],
    ['throughput for an unknown type', prod, { cost: { throughputRps: { 'g5.48xlarge': 100 } } },
      'prod.cost.throughputRps.g5.48xlarge names a type that is not in fleet.instanceTypes (["g6.2xlarge","g5.2xlarge","g6e.2xlarge","g4dn.2xlarge"])'],
    ['drain timeout too short', prod, { interruption: { drainTimeoutSeconds: 5 } },
      'prod.interruption.drainTimeoutSeconds (5) must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)'],
    ['drain timeout too long for one invocation', prod, { interruption: { drainTimeoutSeconds: 900 } },
      'prod.interruption.drainTimeoutSeconds (900) must be from 30 to 720 seconds (the drain runs inside one Lambda invocation)'],
    ['fallback engage delay', prod, { fallback: { maxInstances: 4, engageAfterMinutes: 45, releaseAfterMinutes: 60 } },
      'prod.fallback.engageAfterMinutes (45) must be whole minutes from 1 to 40'],
    ['fallback fractional minutes', prod, { fallback: { maxInstances: 4, engageAfterMinutes: 2.5, releaseAfterMinutes: 15 } },
      'prod.fallback.engageAfterMinutes (2.5) must be whole minutes from 1 to 40'],
    ['fallback release delay', prod, { fallback: { maxInstances: 4, engageAfterMinutes: 5, releaseAfterMinutes: 180 } },
      'prod.fallback.releaseAfterMinutes (180) must be whole minutes from 5 to 120'],
    ['rebalance action', prod, { interruption: { rebalanceAction: 'ignore' as 'drain' } },
      "prod.interruption.rebalanceAction (\"ignore\") must be 'drain' or 'notify'"],
    ['fallback cap', prod, { fallback: { maxInstances: 0, engageAfterMinutes: 5, releaseAfterMinutes: 15 } },
      'prod.fallback.maxInstances (0) must be a whole number from 1 to 100'],
    ['fallback release before engage', prod, { fallback: { maxInstances: 4, engageAfterMinutes: 20, releaseAfterMinutes: 10 } },
      'prod.fallback.releaseAfterMinutes (10) must be >= engageAfterMinutes (20), so the fallback cannot flap'],
    ['fallback without spot', prod, { fleet: { spotPercentageAboveBase: 0 }, usage: { averageSpotInstances: 0 } },
      'prod.fallback ({"maxInstances":4,"engageAfterMinutes":5,"releaseAfterMin...) is set but the fleet uses no spot (spotPercentageAboveBase 0); remove it'],
    ['scaling target', prod, { fleet: { scaling: { metric: { kind: 'gpu-utilization', targetPercent: 0 } } } },
      'prod.fleet.scaling.metric.targetPercent (0) must be from 1 to 100'],
    ['log retention not a CloudWatch period', dev, { logRetentionDays: 10 }, `dev.logRetentionDays (10) ${RETENTION_RULE}`],
    ['log retention "never expire"', staging, { logRetentionDays: 9999 }, `staging.logRetentionDays (9999) ${RETENTION_RULE}`],
    ['log retention not a number', staging, { logRetentionDays: '365' as unknown as number }, `staging.logRetentionDays ("365") ${RETENTION_RULE}`],
    ['log retention missing', staging, { logRetentionDays: undefined }, `staging.logRetentionDays (missing) ${RETENTION_RULE}`],
    ['log retention under a year in prod', prod, { logRetentionDays: 180 },
      'prod.logRetentionDays (180) must be at least 365 days in prod: audits and incident reviews need a year of function and flow logs'],
  ])('%s', (_name, base, overrides, message) => {
    expect(problemsOf(base, overrides)).toContain(message);
  });

  test('log retention: every CloudWatch period is accepted, and a year or more in prod', () => {
    // The list is CDK's RetentionDays without INFINITE (CloudWatch has no such period; omitting one means "never expire").
    expect([...LOG_RETENTION_DAYS]).toEqual(Object.values(logs.RetentionDays).filter((d) => typeof d === 'number' && d !== logs.RetentionDays.INFINITE));
    for (const days of LOG_RETENTION_DAYS) expect(problemsOf(dev, { logRetentionDays: days })).toEqual([]);
    expect(problemsOf(prod, { logRetentionDays: 365 })).toEqual([]);
    expect(problemsOf(prod, { logRetentionDays: 3653 })).toEqual([]);
    expect(problemsOf(staging, { logRetentionDays: 1 })).toEqual([]);
  });

  test('a duplicate type is named', () => {
    expect(problemsOf(dev, { fleet: { instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g6.xlarge'] } }))
      .toEqual(['dev.fleet.instanceTypes[2] ("g6.xlarge") is listed twice; each type once']);
  });

  test('every problem of every environment is reported at once, one line each', () => {
    const badDev = withOverrides(dev, { fleet: { minSize: 3 }, budget: { alertEmails: ['x@'] } });
    const badProd = withOverrides(prod, { fleet: { spotPercentageAboveBase: 101 } });
    let error: unknown;
    try {
      validateEnvironments([badDev, staging, badProd]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetConfigError);
    const problems = (error as FleetConfigError).problems;
    expect(problems).toEqual([
      'dev.budget.alertEmails[0] ("x@") is not a valid email address',
      'prod.fleet.spotPercentageAboveBase (101) must be from 0 to 100',
    ]);
    expect((error as Error).message).toContain('Invalid environment config (2 problems); fix config/environments.ts:');
  });

  test('cross-field problems are all listed together', () => {
    expect(problemsOf(dev, { fleet: { minSize: 3, onDemandBaseCapacity: 4 } })).toEqual([
      'dev.fleet.minSize (3) must be <= maxSize (2)',
      'dev.fleet.onDemandBaseCapacity (4) must be <= maxSize (2)',
      'dev.usage.averageSpotInstances (1) must be <= maxSize - onDemandBaseCapacity (0)',
      'dev.usage.averageSpotInstances (1) must be 0 when the fleet uses no spot (spotPercentageAboveBase 100, maxSize 2, base 4)',
    ]);
  });

  test('an environment defined twice is rejected', () => {
    expect(() => validateEnvironments([dev, dev])).toThrow('dev.name ("dev") is defined twice; each environment once');
  });
});
