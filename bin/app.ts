#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENVIRONMENTS } from '../config/environments';
import { FleetConfigError, validateEnvironments } from '../config/validate';
import { GpuFleetStack } from '../lib/stacks/gpu-fleet-stack';

/**
 * The only place that reads process.env and context. Validates every environment before any construct is
 * built (bad config never yields a half-built template), then builds one stack per environment.
 */
async function main(): Promise<void> {
  const envs = validateEnvironments(ENVIRONMENTS);
  const app = new App();
  for (const cfg of envs) {
    new GpuFleetStack(app, `GpuFleet-${cfg.name}`, {
      config: cfg,
      env: { account: cfg.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: cfg.region },
      description: `GPU inference fleet (${cfg.name}): on-demand base + spot burst over ${cfg.fleet.instanceTypes.join(', ')}`,
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main().catch((err: unknown) => {
  if (err instanceof FleetConfigError) {
    console.error(err.message);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  process.exit(1);
});
