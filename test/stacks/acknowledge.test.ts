import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { dev } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { environmentProblems } from '../../config/validate';
import { WARNING_IDS } from '../../lib/shared/warning-ids';
import { GpuFleetStack } from '../../lib/stacks/gpu-fleet-stack';
import { fixtureEstimate } from '../support/prices';
import { withoutServing } from '../support/stacks';

// config `acknowledge`: the stack acknowledges the listed gpu-fleet:* warnings, only those, only in its environment.

/**
 * dev in one AZ with one GPU family: GpuFleet warns singleAz and singleFamily. Over budget: annotateCost warns. Without
 * serving, which needs two AZs.
 */
const risky = (acknowledge?: EnvironmentConfig['acknowledge']): EnvironmentConfig => ({
  ...withoutServing(dev),
  availabilityZones: ['us-east-1a'],
  fleet: { ...withoutServing(dev).fleet, instanceTypes: ['g6.xlarge', 'g6.2xlarge'] },
  ...(acknowledge ? { acknowledge } : {}),
});

/** The gpu-fleet:* warning ids of a stack, after annotateCost has added the cost warnings (over budget). */
function warningIds(stack: GpuFleetStack, cfg: EnvironmentConfig): string[] {
  const estimate = fixtureEstimate(cfg);
  stack.annotateCost({ ...estimate, budget: { ...estimate.budget, overBudget: true, headroomUsd: -10 } });
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('gpu-fleet:'))
    .map((w) => /Annotation::(gpu-fleet:\w+)|\[ack: (gpu-fleet:\w+)\]/.exec(String(w.entry.data))?.slice(1).find(Boolean) ?? String(w.entry.data))
    .sort();
}

describe('warnings acknowledged from config', () => {
  // Two stacks of one app, as bin/app.ts builds them: dev acknowledges two warnings, staging (same risks) none.
  const quiet = risky([
    { id: WARNING_IDS.singleAz, reason: 'dev runs in one AZ on purpose' },
    { id: WARNING_IDS.costOverBudget, reason: 'dev budget is a tripwire, not a limit' },
  ]);
  const loud: EnvironmentConfig = { ...risky(), name: 'staging', tags: { ...dev.tags, environment: 'staging' } };
  const app = new App();
  const stacks = [quiet, loud].map((cfg) =>
    new GpuFleetStack(app, `GpuFleet-${cfg.name}`, { config: cfg, costEstimate: fixtureEstimate(cfg), env: { region: cfg.region } }));

  test('the config is valid: acknowledging is not a validation problem', () => {
    expect(environmentProblems(quiet)).toEqual([]);
  });

  // costPartLeftOut: the fixture prices have no unit prices, so those lines are left out (and say so).
  test('without acknowledge, the risky fleet warns singleAz, singleFamily, costOverBudget and costPartLeftOut', () => {
    expect(warningIds(stacks[1], loud)).toEqual(['gpu-fleet:costOverBudget', 'gpu-fleet:costPartLeftOut', 'gpu-fleet:singleAz', 'gpu-fleet:singleFamily']);
  });

  test('acknowledged ids are gone, the others stay (construct warnings and the cost warnings added after construction)', () => {
    expect(warningIds(stacks[0], quiet)).toEqual(['gpu-fleet:costPartLeftOut', 'gpu-fleet:singleFamily']);
  });
});
