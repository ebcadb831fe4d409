import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RenderedHostScript } from '../../../lib/serving/host-script';

/** Host directories the serving scripts use, moved under a sandbox root. */
const HOST_DIRS = ['/usr/local/lib/gpu-fleet', '/usr/local/bin', '/etc/gpu-fleet', '/etc/systemd/system', '/run/gpu-fleet'];

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The rendered host files in a temp directory, their absolute paths moved under it, and commands the scripts call
 * (curl, docker, systemctl, aws, dnf, sleep) replaced by stubs that log their arguments to `calls()`. Runs the real
 * scripts with bash: the logic under test is the scripts', only the world around them is fake.
 */
export class HostSandbox {
  readonly root: string;
  private readonly callsFile: string;

  constructor(rendered: RenderedHostScript, settings: Readonly<Record<string, string>> = {}) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-fleet-host-'));
    this.callsFile = path.join(this.root, 'calls.log');
    fs.writeFileSync(this.callsFile, '');
    fs.mkdirSync(path.join(this.root, 'bin'));
    for (const [file, { content, mode }] of Object.entries(rendered.files)) {
      const target = this.path(file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, this.relocate(content), { mode: parseInt(mode, 8) });
    }
    const conf = this.path('/etc/gpu-fleet/inference.conf');
    let text = fs.readFileSync(conf, 'utf8');
    for (const [k, v] of Object.entries(settings)) {
      const line = new RegExp(`^${k}=.*$`, 'm');
      if (!line.test(text)) throw new Error(`no setting ${k} in inference.conf`);
      text = text.replace(line, `${k}='${v}'`);
    }
    fs.writeFileSync(conf, text);
    for (const name of ['curl', 'docker', 'systemctl', 'aws', 'dnf', 'sleep']) this.stub(name, 'exit 0');
  }

  /** Where a host path is in the sandbox. */
  path(hostPath: string): string {
    return path.join(this.root, hostPath);
  }

  /** Replaces command `name` by a bash script: it logs `name args...`, then runs `body` (with "$@"). */
  stub(name: string, body: string): void {
    const file = path.join(this.root, 'bin', name);
    fs.writeFileSync(file, `#!/bin/bash\necho "${name} $*" >> '${this.callsFile}'\n${body}\n`, { mode: 0o755 });
  }

  /** Runs a host script (by its host path) with the stubs first on PATH. */
  run(hostPath: string): RunResult {
    const r = spawnSync('bash', [this.path(hostPath)], {
      encoding: 'utf8',
      env: { PATH: `${path.join(this.root, 'bin')}:/usr/bin:/bin`, SANDBOX: this.root },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Stubbed calls, in order, as `name args...`. */
  calls(): string[] {
    return fs.readFileSync(this.callsFile, 'utf8').split('\n').filter(Boolean);
  }

  read(hostPath: string): string {
    return fs.readFileSync(this.path(hostPath), 'utf8');
  }

  exists(hostPath: string): boolean {
    return fs.existsSync(this.path(hostPath));
  }

  write(hostPath: string, content: string): void {
    fs.mkdirSync(path.dirname(this.path(hostPath)), { recursive: true });
    fs.writeFileSync(this.path(hostPath), content);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private relocate(content: string): string {
    return HOST_DIRS.reduce((text, dir) => text.replace(new RegExp(`(?<![\\w/.-])${dir}(?=[/\\s'"]|$)`, 'gm'), `${this.root}${dir}`), content);
  }
}
