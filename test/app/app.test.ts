import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

// The app end to end, the way `cdk synth` runs it (node --import tsx bin/app.ts, see cdk.json, with CDK_OUTDIR and
// CDK_CONTEXT_JSON), on the
// committed price snapshot: three stacks, both report files, byte-identical output for identical inputs.

const ROOT = path.join(__dirname, '..', '..');

function synth(context: Record<string, unknown>): { outdir: string; status: number | null; stderr: string } {
  return synthInto(fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-app-')), context);
}

function synthInto(outdir: string, context: Record<string, unknown>, extraEnv: Record<string, string> = {}): { outdir: string; status: number | null; stderr: string } {
  // No account, as in CI: the stacks stay account-agnostic.
  const { CDK_DEFAULT_ACCOUNT: _account, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, ...extraEnv, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    timeout: 120_000,
  });
  return { outdir, status: r.status, stderr: r.stderr };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file));

describe('bin/app.ts on the committed snapshot', () => {
  let first: ReturnType<typeof synth>;
  let second: ReturnType<typeof synth>;
  beforeAll(() => {
    first = synth({ pricing: 'snapshot' });
    second = synth({ pricing: 'snapshot' });
  });
  afterAll(() => {
    for (const r of [first, second]) fs.rmSync(r.outdir, { recursive: true, force: true });
  });

  test('synthesizes GpuFleet-dev, GpuFleet-staging and GpuFleet-prod and writes both reports', () => {
    expect(first.stderr).not.toMatch(/Error|error TS/);
    expect(first.status).toBe(0);
    for (const f of ['GpuFleet-dev.template.json', 'GpuFleet-staging.template.json', 'GpuFleet-prod.template.json', 'cost-report.json', 'cost-report.md']) {
      expect(fs.existsSync(path.join(first.outdir, f))).toBe(true);
    }
  });

  test('same inputs, byte-identical reports and templates', () => {
    expect(second.status).toBe(0);
    for (const f of ['cost-report.json', 'cost-report.md', 'GpuFleet-prod.template.json', 'GpuFleet-staging.template.json']) {
      expect(read(second.outdir, f).equals(read(first.outdir, f))).toBe(true);
    }
  });

  test('the report prices every environment from the snapshot, with no NaN and no $0 total', () => {
    const report = JSON.parse(read(first.outdir, 'cost-report.json').toString());
    const text = JSON.stringify(report);
    expect(text).not.toMatch(/NaN|Infinity|null,"expectedUsd"/);
    const envs = report.environments.map((e: { environment: string }) => e.environment);
    expect(envs).toEqual(['dev', 'staging', 'prod']);
    for (const e of report.environments) {
      expect(e.monthly.expectedUsd).toBeGreaterThan(0);
      for (const p of e.prices) expect(p.source).toBe('snapshot');
    }
  });

  test('says where prices came from and how old they are, and prints the summary', () => {
    expect(first.stderr).toMatch(/pricing: prices from snapshot/);
    // One line for the price age, under a heading naming the environments it concerns.
    expect(first.stderr).toMatch(/pricing warnings \(us-east-1: dev, staging, prod\):\n/);
    expect(first.stderr).toMatch(/the price snapshot .*: its oldest price is dated \d{4}-\d{2}-\d{2}, \d+ days ago; older than 30 days/);
    expect(first.stderr.match(/oldest price is dated/g)).toHaveLength(1);
    expect(first.stderr).toMatch(/Cost estimate, USD\/month/);
  });

  test('a failed synth removes the previous cost report from the output directory', () => {
    // The previous run's output (a copy of the first synth's), then a run that fails in that directory.
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-app-'));
    for (const f of ['cost-report.json', 'cost-report.md']) fs.copyFileSync(path.join(first.outdir, f), path.join(outdir, f));
    const failed = synthInto(outdir, { pricing: 'cheap' });
    expect(failed.status).toBe(1);
    expect(fs.existsSync(path.join(outdir, 'cost-report.json'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'cost-report.md'))).toBe(false);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('the fleet carries its expected monthly cost as a synth annotation', () => {
    const meta = JSON.parse(read(first.outdir, 'GpuFleet-staging.metadata.json').toString());
    const infos = Object.values(meta).flat().filter((m: any) => m.type === 'aws:cdk:info').map((m: any) => m.data);
    expect(infos).toContainEqual(expect.stringMatching(/^staging expected \$[\d,]+\.\d\d\/month \(range /));
  });
});

test('an unknown pricing mode fails with the value and the choices, and writes no template', () => {
  const r = synth({ pricing: 'cheap' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('pricing: context pricing="cheap" is not a pricing mode; use one of live, auto, snapshot');
  expect(fs.existsSync(path.join(r.outdir, 'GpuFleet-dev.template.json'))).toBe(false);
  fs.rmSync(r.outdir, { recursive: true, force: true });
});

test('auto offline, as in CI (no credentials, no instance metadata, feeds unreachable): the snapshot, one warning per region, no hang', async () => {
  // A loopback port that was just free: nothing listens, the connection is refused at once (no test reaches the internet).
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const noAws = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('AWS_')).map((k) => [k, '']));
  const r = synthInto(fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-app-')), {}, {
    ...noAws,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    GPU_FLEET_SPOT_ADVISOR_URL: `http://127.0.0.1:${port}/spot-advisor-data.json`,
    GPU_FLEET_SPOT_PRICE_FEED_URL: `http://127.0.0.1:${port}/spot.json`,
  });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`the Spot Instance Advisor feed (http://127.0.0.1:${port}/spot-advisor-data.json) could not be read: ECONNREFUSED`);
  expect(r.stderr.match(/AWS's public spot feeds could not be read; regional spot figures and interruption buckets come from the snapshot/g)).toHaveLength(1);
  expect(r.stderr).toMatch(/using the committed snapshot .* because no AWS credential source exists/);
  const report = JSON.parse(read(r.outdir, 'cost-report.json').toString());
  expect(report.environments.every((e: { spotPools: { kind: string }[] }) => e.spotPools.every((p) => p.kind === 'regional'))).toBe(true);
  fs.rmSync(r.outdir, { recursive: true, force: true });
});
