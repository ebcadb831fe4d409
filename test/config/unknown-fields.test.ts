import { dev, prod, staging } from '../../config/environments';
import { closest } from '../../config/closest';
import { EnvironmentConfig } from '../../config/types';
import { environmentProblems, FleetConfigError, validateEnvironments } from '../../config/validate';

// Every object of the config is strict: a key that is not a field fails, naming the closest field. Before, zod dropped
// unknown keys: a misspelled `schedule` ran dev 24/7 ($196 -> $531 a month) and a misspelled `fallback` removed prod's
// fallback, both without a message.

/** `env` with `key` renamed to `misspelt` in the object at `path` (the value kept). */
function renamed(env: EnvironmentConfig, path: readonly (string | number)[], key: string, misspelt: string): unknown {
  const copy = structuredClone(env) as unknown as Record<string, unknown>;
  const obj = path.reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy);
  obj[misspelt] = obj[key];
  delete obj[key];
  return copy;
}

/** `env` with `extra` merged into the object at `path`. */
function withKeys(env: EnvironmentConfig, path: readonly (string | number)[], extra: Record<string, unknown>): unknown {
  const copy = structuredClone(env) as unknown as Record<string, unknown>;
  const obj = path.reduce<Record<string | number, unknown>>((o, k) => o[k] as Record<string | number, unknown>, copy);
  Object.assign(obj, extra);
  return copy;
}

describe('an unknown key anywhere fails with the closest known key', () => {
  test('dev.schedul: the schedule is not silently dropped', () => {
    expect(environmentProblems(renamed(dev, [], 'schedule', 'schedul'))).toEqual([
      '`dev.schedul` is not a field; did you mean `schedule`?',
    ]);
  });

  test('prod.fallbak: the fallback is not silently dropped', () => {
    expect(environmentProblems(renamed(prod, [], 'fallback', 'fallbak'))).toEqual([
      '`prod.fallbak` is not a field; did you mean `fallback`?',
    ]);
  });

  test('nested: prod.fleet.scaling.metrc (the required field is then missing too)', () => {
    expect(environmentProblems(renamed(prod, ['fleet', 'scaling'], 'metric', 'metrc'))).toEqual([
      "prod.fleet.scaling.metric (missing) must have kind 'gpu-utilization', 'request-count' or 'custom'",
      '`prod.fleet.scaling.metrc` is not a field; did you mean `metric`?',
    ]);
  });

  test('inside a union option, the fields of the option its kind selects', () => {
    expect(environmentProblems(withKeys(dev, ['fleet', 'scaling', 'metric'], { targetPercnt: 65 }))).toEqual([
      '`dev.fleet.scaling.metric.targetPercnt` is not a field; did you mean `targetPercent`?',
    ]);
    expect(environmentProblems(withKeys(prod, ['fleet', 'scaling', 'metric'], { targetUtilisationPercent: 90 }))).toEqual([
      '`prod.fleet.scaling.metric.targetUtilisationPercent` is not a field; did you mean `targetUtilizationPercent`?',
    ]);
    const custom = withKeys(prod, ['fleet', 'scaling'], {
      metric: { kind: 'custom', namespace: 'App', metricName: 'QueueDepth', statistic: 'Average', targetValue: 10, dimension: { Queue: 'q' } },
    });
    expect(environmentProblems(custom)).toEqual(['`prod.fleet.scaling.metric.dimension` is not a field; did you mean `dimensions`?']);
  });

  test('inside an array: dev.schedule.periods[0].dys', () => {
    expect(environmentProblems(renamed(dev, ['schedule', 'periods', 0], 'days', 'dys'))).toEqual([
      `dev.schedule.periods[0].days (missing) must list at least one of MON, TUE, WED, THU, FRI, SAT, SUN`,
      '`dev.schedule.periods[0].dys` is not a field; did you mean `days`?',
    ]);
  });

  test('every block is strict: tags, budget, usage, interruption, cost, commitment, existingVpc', () => {
    expect(environmentProblems(renamed(staging, ['tags'], 'costCentre', 'costCenter'))).toContain('`staging.tags.costCenter` is not a field; did you mean `costCentre`?');
    expect(environmentProblems(renamed(staging, ['budget'], 'killSwitch', 'killswitch'))).toContain('`staging.budget.killswitch` is not a field; did you mean `killSwitch`?');
    expect(environmentProblems(renamed(staging, ['usage'], 'hoursPerMonth', 'hoursPerMnth'))).toContain('`staging.usage.hoursPerMnth` is not a field; did you mean `hoursPerMonth`?');
    expect(environmentProblems(renamed(staging, ['interruption'], 'drainTimeoutSeconds', 'drainTimeoutSecs'))).toContain('`staging.interruption.drainTimeoutSecs` is not a field; did you mean `drainTimeoutSeconds`?');
    expect(environmentProblems(withKeys(staging, ['cost'], { comitment: { label: 'SP', hourlyUsd: {} } }))).toEqual(['`staging.cost.comitment` is not a field; did you mean `commitment`?']);
    expect(environmentProblems(withKeys(staging, ['cost'], { commitment: { label: 'SP', hourlyUSD: {} } }))).toEqual([
      'staging.cost.commitment.hourlyUsd (missing) must map instance types to USD per hour',
      '`staging.cost.commitment.hourlyUSD` is not a field; did you mean `hourlyUsd`?',
    ]);
    expect(environmentProblems(withKeys(prod, [], { fallback: { maxInstances: 4, engageAfterMinutes: 5, releaseAfterMinutes: 15, cooldown: 3 } })))
      .toEqual(['`prod.fallback.cooldown` is not a field; the fields of `prod.fallback` are maxInstances, engageAfterMinutes, releaseAfterMinutes']);
  });

  test('when nothing is close, the message lists the fields there are', () => {
    const vpc = withKeys(staging, ['fleet'], {
      existingVpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: {}, privateSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef0', 'us-east-1b': 'subnet-0123456789abcdef1', 'us-east-1c': 'subnet-0123456789abcdef2' } },
    });
    expect(environmentProblems(vpc)).toEqual(['`staging.fleet.existingVpc.subnetIds` is not a field; the fields of `staging.fleet.existingVpc` are vpcId, privateSubnetIds, publicSubnetIds, privateRouteTableIds, cidrBlock, s3GatewayEndpoint']);
    expect(environmentProblems(withKeys(dev, [], { owner: 'me' }))).toEqual([
      '`dev.owner` is not a field; the fields of `dev` are name, account, region, availabilityZones, fleet, tags, budget, schedule, usage, interruption, fallback, cost, logRetentionDays, acknowledge, serving',
    ]);
  });

  test('a case slip and swapped letters are typos too; several unknown keys give one line each', () => {
    expect(environmentProblems(withKeys(dev, ['fleet'], { MinSize: 1, natGatweays: 1 }))).toEqual([
      '`dev.fleet.MinSize` is not a field; did you mean `minSize`?',
      '`dev.fleet.natGatweays` is not a field; did you mean `natGateways`?',
    ]);
  });

  test('records keep free keys (instance types, AZs, dimensions): a wrong one is a rule, not an unknown field', () => {
    expect(environmentProblems(withKeys(dev, ['cost'], { throughputRps: { 'g6.xlarge': 20, 'g9.2xlarge': 5 } }))).toEqual([
      'dev.cost.throughputRps.g9.2xlarge names a type that is not in fleet.instanceTypes (["g6.xlarge","g5.xlarge","g4dn.xlarge"])',
    ]);
  });

  test('every environment\'s unknown keys are reported at once, with every other problem', () => {
    let error: unknown;
    try {
      validateEnvironments([renamed(dev, [], 'schedule', 'schedul'), staging, renamed(prod, [], 'fallback', 'fallbak')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetConfigError);
    expect((error as Error).message).toBe([
      'Invalid environment config (2 problems); fix config/environments.ts:',
      '  - `dev.schedul` is not a field; did you mean `schedule`?',
      '  - `prod.fallbak` is not a field; did you mean `fallback`?',
    ].join('\n'));
  });
});

describe('closest', () => {
  const fields = ['schedule', 'fallback', 'fleet', 'tags', 'name'];
  test.each([
    ['schedul', 'schedule'], ['shcedule', 'schedule'], ['Schedule', 'schedule'], ['schedules', 'schedule'],
    ['fallbak', 'fallback'], ['flet', 'fleet'], ['tag', 'tags'], ['sched', 'schedule'],
  ])('%s -> %s', (word, expected) => {
    expect(closest(word, fields)).toBe(expected);
  });

  test.each([
    ['warmup', ['warmupSeconds', 'drainOverlapSeconds', 'modelSizeGb'], 'warmupSeconds'],
    ['drainTimeout', ['rebalanceAction', 'drainTimeoutSeconds'], 'drainTimeoutSeconds'],
    ['monthlyLimit', ['monthlyLimitUsd', 'alertEmails'], 'monthlyLimitUsd'],
  ])('a field without its unit: %s -> %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });

  test('a prefix of several fields, or a short one, is not a guess', () => {
    expect(closest('drain', ['drainTimeoutSeconds', 'drainOverlapSeconds'])).toBeUndefined();
    expect(closest('ma', ['maxSize'])).toBeUndefined();
  });

  test.each(['owner', 'x', 'timezone'])('%s: nothing close', (word) => {
    expect(closest(word, fields)).toBeUndefined();
  });

  test('the nearest wins; a tie goes to the earlier candidate', () => {
    expect(closest('fleets', ['fleet', 'fleetss'])).toBe('fleet');
    expect(closest('abcd', ['abce', 'abcf'])).toBe('abce');
  });
});
