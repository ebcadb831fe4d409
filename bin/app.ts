#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { App, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENVIRONMENTS } from '../config/environments';
import { validateEnvironments } from '../config/validate';
// Straight from the modules, not the lookup index: the index re-exports the AWS SDK clients, which only a live lookup needs.
import { awsCredentialSourceMayExist } from '../lib/pricing/lookup/credential-sources';
import { ADVISOR_URL, PRICE_FEED_URL } from '../lib/pricing/lookup/public-data';
import { parsePricingMode, resolvePriceTable } from '../lib/pricing/lookup/resolve';
import { buildCostReport } from '../lib/pricing/report/model';
import { renderCostSummary } from '../lib/pricing/report/summary';
import { groupPricingWarnings } from '../lib/pricing/report/warnings';
import { removeCostReport, writeCostReport } from '../lib/pricing/report/write';
import { failureText, GpuFleetError } from '../lib/shared/errors';
import { estimateEnvironments, priceRequestsFor } from '../lib/stacks/cost-inputs';
import { GpuFleetStack } from '../lib/stacks/gpu-fleet-stack';

const ROOT = path.join(__dirname, '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The only place that reads process.env and context. Order matters:
 * 1. validate every environment (bad config never yields a half-built template);
 * 2. resolve prices (context `pricing`: live | auto | snapshot) and estimate each environment's cost;
 * 3. build one stack per environment, run cdk-nag, synthesize, and write cdk.out/cost-report.{json,md}.
 */
async function main(): Promise<void> {
  // Before anything can fail: a failed synth must not leave the previous run's report looking current.
  removeCostReport(process.env.CDK_OUTDIR || path.join(ROOT, 'cdk.out'));
  const envs = validateEnvironments(ENVIRONMENTS);
  // aws-cdk-lib's built-in CloudFormation template validation (a WASM engine) takes ~3.5 s of a ~7 s synth here.
  // npm test (which .ci/run runs) validates all three stacks with it (test/stacks), so synth skips it unless asked:
  // `npx cdk synth -c cfnValidation=true`.
  const app = new App({ builtinCloudFormationValidation: false });
  if (app.node.tryGetContext('cfnValidation') === true || app.node.tryGetContext('cfnValidation') === 'true') {
    Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
  }

  const prices = await resolvePriceTable(priceRequestsFor(envs), {
    mode: parsePricingMode(app.node.tryGetContext('pricing')),
    cacheDir: path.join(ROOT, '.cache', 'pricing'),
    snapshotPath: path.join(ROOT, 'pricing', 'snapshot.json'),
    // AWS's credential-free spot feeds; a short deadline so an offline synth (CI) falls back to the snapshot at once.
    feeds: {
      advisorUrl: process.env.GPU_FLEET_SPOT_ADVISOR_URL || ADVISOR_URL,
      priceFeedUrl: process.env.GPU_FLEET_SPOT_PRICE_FEED_URL || PRICE_FEED_URL,
      timeoutMs: 3000,
    },
    log,
    credentialSourceMayExist: awsCredentialSourceMayExist(process.env, fs.existsSync),
  });
  // The stacks need the hourly prices (burn alarm, dashboard); the estimate needs the stacks' alarm count.
  // Hourly prices do not depend on alarms, so: estimate, build, count, estimate again with the count.
  const draft = estimateEnvironments(envs, prices.table);
  const grouped = groupPricingWarnings(prices.warnings, envs);
  const perEnvironment = (name: string) => grouped.byEnvironment.get(name) ?? [];
  for (const line of grouped.printed) log(line);

  const stacks = envs.map((cfg, i) => inStack(`GpuFleet-${cfg.name}`, (id) => new GpuFleetStack(app, id, {
    config: cfg,
    costEstimate: draft[i],
    pricingWarnings: perEnvironment(cfg.name),
    env: { account: cfg.account ?? (process.env.CDK_DEFAULT_ACCOUNT || undefined), region: cfg.region },
    description: `GPU inference fleet (${cfg.name}): on-demand base + spot burst over ${cfg.fleet.instanceTypes.join(', ')}`,
  })));
  const alarmMetrics = new Map(envs.map((cfg, i) => [cfg.name, stacks[i].alarmMetricCount()]));
  const estimates = estimateEnvironments(envs, prices.table, (cfg) => ({ cloudwatchAlarms: alarmMetrics.get(cfg.name)! })).map((e) => {
    const placement = prices.placement.find((p) => p.environment === e.environment);
    return placement ? { ...e, placement } : e;
  });
  estimates.forEach((e, i) => stacks[i].annotateCost(e));

  const report = buildCostReport(estimates);
  writeCostReport(app.outdir, report);
  log(renderCostSummary(report));

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

/** Builds a stack; a construct's error (which knows its props, not the environment) gets the stack's id in front. */
function inStack<T>(id: string, build: (id: string) => T): T {
  try {
    return build(id);
  } catch (err) {
    if (err instanceof GpuFleetError) throw new GpuFleetError(`${id}: ${err.message}`, { cause: err });
    throw err;
  }
}

main().catch((err: unknown) => {
  // Config, construct, schedule, pricing and report errors (GpuFleetError) carry a message written for the user;
  // anything else is a bug and keeps its stack for the report.
  log(failureText(err));
  process.exit(1);
});
