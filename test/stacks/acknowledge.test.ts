import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { dev } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { environmentProblems } from '../../config/validate';
import { WARNING_IDS } from '../../lib/shared/warning-ids';
import { GpuFleetStack } from '../../lib/stacks/gpu-fleet-stack';
import { fixtureEstimate } from '../support/prices';

// config `acknowledge`: the stack acknowledges the listed gpu-fleet:* warnings, only those, only in its environment.

/** dev in one AZ with one GPU family: GpuFleet warns singleAz and singleFamily. Over budget: annotateCost warns. */
const risky = (acknowledge?: EnvironmentConfig['acknowledge']): EnvironmentConfig => ({
  ...dev,
  availabilityZones: ['us-east-1a'],
  fleet: { ...dev.fleet, instanceTypes: ['g6.xlarge', 'g6.2xlarge'] },
  ...(acknowledge ? { acknowledge } : {}),
});

function warningIds(cfg: EnvironmentConfig): string[] {
  const app = new App();
  const stack = new GpuFleetStack(app, `GpuFleet-${cfg.name}`, { config: cfg, costEstimate: fixtureEstimate(cfg), env: { region: cfg.region } });
  const estimate = fixtureEstimate(cfg);
  stack.annotateCost({ ...estimate, budget: { ...estimate.budget, overBudget: true, headroomUsd: -10 } });
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('gpu-fleet:'))
    .map((w) => /Annotation::(gpu-fleet:\w+)|\[ack: (gpu-fleet:\w+)\]/.exec(String(w.entry.data))?.slice(1).find(Boolean) ?? String(w.entry.data))
    .sort();
}

describe('warnings acknowledged from config', () => {
  test('the config is valid: acknowledging is not a validation problem', () => {
    expect(environmentProblems(risky([{ id: WARNING_IDS.singleAz, reason: 'dev runs in one AZ on purpose' }]))).toEqual([]);
  });

  test('without acknowledge, the risky dev warns singleAz, singleFamily and costOverBudget', () => {
    expect(warningIds(risky())).toEqual(['gpu-fleet:costOverBudget', 'gpu-fleet:singleAz', 'gpu-fleet:singleFamily']);
  });

  test('acknowledged ids are gone, the others stay (construct warnings and the cost warnings added after construction)', () => {
    expect(warningIds(risky([
      { id: WARNING_IDS.singleAz, reason: 'dev runs in one AZ on purpose' },
      { id: WARNING_IDS.costOverBudget, reason: 'dev budget is a tripwire, not a limit' },
    ]))).toEqual(['gpu-fleet:singleFamily']);
  });

  test('an acknowledgement in one environment does not reach another stack of the same app', () => {
    const app = new App();
    const quiet = risky([{ id: WARNING_IDS.singleAz, reason: 'dev runs in one AZ on purpose' }]);
    const loud = { ...risky(), name: 'staging' as const, tags: { ...dev.tags, environment: 'staging' } };
    new GpuFleetStack(app, 'GpuFleet-dev', { config: quiet, costEstimate: fixtureEstimate(quiet), env: { region: dev.region } });
    const other = new GpuFleetStack(app, 'GpuFleet-staging', { config: loud, costEstimate: fixtureEstimate(loud), env: { region: dev.region } });
    Annotations.fromStack(other).hasWarning('/GpuFleet-staging/Fleet', Match.stringLikeRegexp('the fleet spans one AZ'));
  });
});
