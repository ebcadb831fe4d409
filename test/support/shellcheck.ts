import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Debian's `shellcheck` for tests that lint rendered shell. CI installs it (.ci/run) and sets CI=true: there a missing
 * binary fails the test. Locally the test is skipped with the reason printed, never passed silently.
 */
export interface ShellcheckAvailability {
  /** Run the lint tests (the binary exists, or CI must fail without it). */
  readonly run: boolean;
  /** Path of the binary, when found. */
  readonly binary?: string;
}

/** `find` looks the binary up on PATH (injectable for the test of this gate). */
export function shellcheckAvailability(
  env: NodeJS.ProcessEnv = process.env,
  find: () => string | undefined = findShellcheck,
  warn: (message: string) => void = console.warn,
): ShellcheckAvailability {
  const binary = find();
  const ci = env.CI === 'true';
  if (!binary && !ci) warn('shellcheck tests SKIPPED: shellcheck is not installed (Debian: apt-get install -y shellcheck); with CI=true they fail instead');
  return { run: binary !== undefined || ci, binary };
}

function findShellcheck(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * Lints each `files` entry (name -> bash text) with `shellcheck --shell=bash --severity=style`; returns the findings
 * (gcc format, one per line, file names as given), empty when every file is clean. Throws when the binary is missing.
 */
export function shellcheck(binary: string | undefined, files: Readonly<Record<string, string>>): string[] {
  if (!binary) throw new Error('shellcheck is not installed, and CI=true requires it: .ci/run installs Debian\'s shellcheck package');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-shellcheck-'));
  const names = Object.keys(files);
  const paths = names.map((name, i) => {
    const p = path.join(dir, `${i}.sh`);
    fs.writeFileSync(p, files[name]);
    return p;
  });
  try {
    execFileSync(binary, ['--shell=bash', '--severity=style', '--format=gcc', ...paths], { encoding: 'utf8' });
    return [];
  } catch (e) {
    const out = String((e as { stdout?: string }).stdout ?? e);
    return out.split('\n').filter(Boolean).map((line) => paths.reduce((l, p, i) => l.split(p).join(names[i]), line));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
