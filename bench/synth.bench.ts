/**
 * bench:synth: wall time of synthesizing every environment (what `cdk synth` runs: `node --import tsx bin/app.ts`,
 * see cdk.json) against a one-topic aws-cdk-lib app launched the same way, interleaved on the same machine in the
 * same run. Target (issue 10): the app takes at most 1.0x the one-topic app. Prints its figures; writes
 * bench/results/synth.json only with --save.
 *
 *   npm run bench:synth -- [--runs 5] [--save]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:synth: --runs must be a whole number >= 1 (got ${process.argv[runsArg + 1]})`);
  process.exit(2);
}
const save = process.argv.includes('--save');

function timeApp(entry: string, context: Record<string, unknown> = {}): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    // The CLI passes context and outdir this way; prices come from the committed snapshot so runs are comparable.
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ pricing: 'snapshot', ...context }) },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) {
    console.error(`bench:synth: ${entry} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// For the record: the first synth after a handler or dependency change (the Lambda bundle cache emptied).
fs.rmSync(path.join(root, 'node_modules', '.cache', 'gpu-spot-fleet', 'bundles'), { recursive: true, force: true });
timeApp('bench/fixtures/one-topic-app.ts');
const coldBundles = timeApp('bin/app.ts');
process.stdout.write(`bench:synth: all environments with an empty bundle cache (first synth after a change): ${coldBundles.toFixed(0)} ms\n`);
// One warm-up each (file system cache, esbuild binary), then interleaved runs so both see the same machine load.
timeApp('bench/fixtures/one-topic-app.ts');
timeApp('bin/app.ts');
const baseline: number[] = [];
const app: number[] = [];
const appValidated: number[] = [];
for (let i = 0; i < runs; i++) {
  baseline.push(timeApp('bench/fixtures/one-topic-app.ts'));
  app.push(timeApp('bin/app.ts'));
  // For the record: the same synth with aws-cdk-lib's CloudFormation validation on (npm test runs it instead).
  appValidated.push(timeApp('bin/app.ts', { cfnValidation: true }));
  process.stdout.write(
    `bench:synth: run ${i + 1}/${runs}: one-topic ${baseline[i].toFixed(0)} ms, all environments ${app[i].toFixed(0)} ms ` +
      `(${appValidated[i].toFixed(0)} ms with -c cfnValidation=true)\n`,
  );
}
const ratio = median(app) / median(baseline);
const result = {
  benchmark: 'synth',
  runner: 'node --import tsx',
  runs,
  cpus: os.cpus().length,
  node: process.version,
  oneTopicAppMs: { median: Math.round(median(baseline)), all: baseline.map(Math.round) },
  allEnvironmentsMs: { median: Math.round(median(app)), all: app.map(Math.round) },
  allEnvironmentsEmptyBundleCacheMs: Math.round(coldBundles),
  allEnvironmentsWithCfnValidationMs: { median: Math.round(median(appValidated)), all: appValidated.map(Math.round) },
  note: 'bin/app.ts skips aws-cdk-lib built-in CloudFormation validation (npm test runs it); the one-topic app keeps the default (on). The timed runs reuse the Lambda bundle cache (unchanged handlers); allEnvironmentsEmptyBundleCacheMs is one synth that bundles every handler',
  ratio: Number(ratio.toFixed(2)),
  target: 1.0,
  withinTarget: ratio <= 1.0,
};
if (save) {
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'synth.json'), JSON.stringify(result, null, 2) + '\n');
}
console.log(`bench:synth: median one-topic ${result.oneTopicAppMs.median} ms, all environments ${result.allEnvironmentsMs.median} ms, ratio ${result.ratio} (target <= 1.0): ${result.withinTarget ? 'OK' : 'OVER TARGET'}${save ? '; saved to bench/results/synth.json' : ''}`);
