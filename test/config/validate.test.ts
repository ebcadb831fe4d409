import { dev, ENVIRONMENTS, prod, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import * as logs from 'aws-cdk-lib/aws-logs';
import { environmentProblems, FleetConfigError, LOG_RETENTION_DAYS, validateEnvironments } from '../../config/validate';
import { KNOWN_WARNING_IDS } from '../../lib/shared/warning-ids';
import { DeepPartial, withOverrides, withoutServing } from '../support/stacks';

const RETENTION_RULE = "must be one of CloudWatch Logs' retention periods in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";

const problemsOf = (base: EnvironmentConfig, o: DeepPartial<EnvironmentConfig>) => environmentProblems(withOverrides(base, o));

describe('environment config validation', () => {
  test('GPU types the price data decides on are accepted by name: p5.4xlarge, g6f, g5g, p6-b200, a new size of a GPU family', () => {
    for (const t of ['p5.4xlarge', 'g6f.xlarge', 'g5g.xlarge', 'p6-b200.48xlarge', 'g5.huge']) {
      // Without serving: request-count scaling would also want a throughput figure for the new type.
      expect(problemsOf(withoutServing(prod), { fleet: { instanceTypes: ['g6.2xlarge', t] }, cost: { throughputRps: undefined } })).toEqual([]);
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
    ['unknown churn field', staging, { cost: { churn: { warmup: 10 } as never } }, '`staging.cost.churn.warmup` is not a field; did you mean `warmupSeconds`?'],
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
    ['interruption alarm threshold above what the construct takes', prod, { interruption: { interruptionsPerHourAlarm: 20000 } },
      'prod.interruption.interruptionsPerHourAlarm (20000) must be a whole number from 1 to 10000 (the alarm fires above this many interruptions per hour)'],
    ['interruption alarm threshold of 0', prod, { interruption: { interruptionsPerHourAlarm: 0 } },
      'prod.interruption.interruptionsPerHourAlarm (0) must be a whole number from 1 to 10000'],
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
    ['a block that is not an object', dev, { budget: 'lots' as never }, 'dev.budget ("lots") must be an object'],
    ['a required block that is missing', dev, { usage: undefined }, 'dev.usage (missing) must be an object'],
    ['a map that is not a map', prod, { cost: { throughputRps: 20 as never } }, 'prod.cost.throughputRps (20) must map instance types to requests/second'],
    // Schedules: the shape in config/schema.ts, the semantics from lib/shared/weekly-schedule.ts (the construct's own check).
    ['a day that is not a weekday', dev, { schedule: { periods: [{ days: ['MON', 'MONDAY' as 'MON'], start: '08:00', end: '19:00' }] } },
      'dev.schedule.periods[0].days[1] ("MONDAY") must be one of MON, TUE, WED, THU, FRI, SAT, SUN'],
    ['a day listed twice', dev, { schedule: { periods: [{ days: ['MON', 'MON'], start: '08:00', end: '19:00' }] } },
      'dev.schedule.periods[0].days[1] (MON) is listed twice; list each day once'],
    ['a period without days', dev, { schedule: { periods: [{ days: [], start: '08:00', end: '19:00' }] } },
      'dev.schedule.periods[0].days ([]) must list at least one of MON, TUE, WED, THU, FRI, SAT, SUN'],
    ['no periods', staging, { schedule: { periods: [] } },
      'staging.schedule.periods ([]) must list at least one period; to keep the fleet always on, remove the schedule'],
    ['a time zone that does not exist', staging, { schedule: { timeZone: 'Europe/Berlinn' } },
      'staging.schedule.timeZone (Europe/Berlinn) must be an IANA time zone name such as Europe/Berlin or America/New_York'],
    ['a time zone that is not a string', staging, { schedule: { timeZone: 1 as never } },
      'staging.schedule.timeZone (1) must be an IANA time zone name such as Europe/Berlin or America/New_York'],
    ['a malformed start', dev, { schedule: { periods: [{ days: ['MON'], start: '8:00', end: '19:00' }] } },
      'dev.schedule.periods[0].start (8:00) must be HH:MM, 24-hour, 00:00-23:59'],
    ['an end that is not a string', dev, { schedule: { periods: [{ days: ['MON'], start: '08:00', end: 19 as never }] } },
      'dev.schedule.periods[0].end (19) must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)'],
    ['a one-minute gap', dev, { schedule: { periods: [{ days: ['MON', 'TUE'], start: '00:00', end: '23:59' }] } },
      'dev.schedule.periods[0].end (23:59) stops the fleet one minute before periods[0] starts at 00:00 on TUE: the stop action terminates every host and the start launches new ones; write end 24:00 to run through midnight (or one period that wraps, e.g. 22:00-06:00)'],
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

  describe('acknowledge: warnings an environment accepts, each with a reason', () => {
    const ack = (...entries: unknown[]) => environmentProblems({ ...dev, acknowledge: entries });

    test('known ids with reasons are valid', () => {
      expect(ack({ id: 'gpu-fleet:singleAz', reason: 'dev runs in one AZ on purpose' }, { id: 'gpu-fleet:costPartLeftOut', reason: 'alarms are pennies' })).toEqual([]);
    });

    test('an unknown id names the closest known id', () => {
      expect(ack({ id: 'gpu-fleet:singleAZ', reason: 'r' })).toEqual([
        'dev.acknowledge[0].id ("gpu-fleet:singleAZ") is not a warning id this project emits; did you mean gpu-fleet:singleAz?',
      ]);
      expect(ack({ id: 'costOverBudgt', reason: 'r' })).toEqual([
        'dev.acknowledge[0].id ("costOverBudgt") is not a warning id this project emits; did you mean gpu-fleet:costOverBudget?',
      ]);
    });

    test('an id nothing is close to lists the ids (cdk-nag rules are acknowledged in lib/, not here)', () => {
      expect(ack({ id: 'AwsSolutions-IAM5', reason: 'r' })).toEqual([
        // The list is lib/shared/warning-ids.ts, which grows with each new warning.
        `dev.acknowledge[0].id ("AwsSolutions-IAM5") is not a warning id this project emits; the ids are ${KNOWN_WARNING_IDS.join(', ')}`,
      ]);
    });

    test('a reason is required', () => {
      expect(ack({ id: 'gpu-fleet:singleAz', reason: '  ' })).toEqual([
        'dev.acknowledge[0].reason ("  ") must say why the warning is accepted (a non-empty reason)',
      ]);
      expect(ack({ id: 'gpu-fleet:singleAz' })).toEqual([
        'dev.acknowledge[0].reason (missing) must say why the warning is accepted (a non-empty reason)',
      ]);
    });

    test('a misspelled key, a duplicate, a non-list', () => {
      expect(ack({ id: 'gpu-fleet:singleAz', reason: 'r', resaon: 'x' })).toEqual([
        '`dev.acknowledge[0].resaon` is not a field; did you mean `reason`?',
      ]);
      expect(ack({ id: 'gpu-fleet:singleAz', reason: 'r' }, { id: 'gpu-fleet:singleAz', reason: 's' })).toEqual([
        'dev.acknowledge[1].id ("gpu-fleet:singleAz") is acknowledged twice; once is enough',
      ]);
      expect(environmentProblems({ ...dev, acknowledge: 'gpu-fleet:singleAz' })).toEqual([
        'dev.acknowledge ("gpu-fleet:singleAz") must be a list of { id, reason }',
      ]);
    });
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
