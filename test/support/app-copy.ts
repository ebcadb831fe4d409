import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/** The result of running the app once. */
export interface AppRun {
  readonly status: number | null;
  readonly stderr: string;
  /** The CDK output directory the run wrote to. */
  readonly outdir: string;
}

/**
 * A copy of the app (bin/, config/, lib/, pricing/, the package files: NodejsFunction needs the lock file) in a
 * temporary directory, with node_modules linked, so a test can edit a file the way a user would (e.g. misspell a key in
 * config/environments.ts) and run `node --import tsx bin/app.ts` on it, as `cdk synth` does (cdk.json): tsx does not
 * type-check, so only the
 * app's own validation stands between a typo and a template.
 */
export class AppCopy {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-copy-'));

  constructor() {
    for (const d of ['bin', 'config', 'lib', 'pricing']) fs.cpSync(path.join(ROOT, d), path.join(this.dir, d), { recursive: true });
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(this.dir, f));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(this.dir, 'node_modules'), 'dir');
  }

  /** Replaces `from` (which must occur exactly once, so an edit never silently misses) with `to` in `file`. */
  edit(file: string, from: string, to: string): this {
    const p = path.join(this.dir, file);
    const text = fs.readFileSync(p, 'utf8');
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`${file}: expected ${JSON.stringify(from)} once, found it ${count} times`);
    fs.writeFileSync(p, text.replace(from, to));
    return this;
  }

  /** Runs the app on the committed price snapshot, without an account (as in CI). */
  synth(): AppRun {
    const outdir = path.join(this.dir, 'cdk.out');
    const { CDK_DEFAULT_ACCOUNT: _account, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true', CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ pricing: 'snapshot' }) },
      timeout: 120_000,
    });
    return { status: r.status, stderr: r.stderr, outdir };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A stack trace line (`    at fn (file:line:col)`): a message written for the user has none. */
export const STACK_TRACE_LINE = /^\s+at .+[(:]\d+/m;
