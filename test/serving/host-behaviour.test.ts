import { renderServingHost } from '../../lib/serving/host-script';
import { HostSandbox } from './support/host-sandbox';
import { PARAMETER_ARN, SECRET_ARN, fullSpec, minimalSpec } from './fixtures';

// The host scripts run for real (bash) in a sandbox: their paths moved under a temp dir, the commands they call
// (curl, docker, systemctl, aws, sleep) replaced by stubs that log their arguments. One test per branch.

const DRAIN = '/usr/local/bin/gpu-fleet-drain';
const STOP = '/usr/local/lib/gpu-fleet/inference-stop';
const READY = '/usr/local/lib/gpu-fleet/inference-ready';
const PRESTART = '/usr/local/lib/gpu-fleet/inference-prestart';
const GRACE = '/run/gpu-fleet/stop-seconds';

const sandboxes: HostSandbox[] = [];
function sandbox(settings: Record<string, string> = {}, spec = fullSpec()): HostSandbox {
  const s = new HostSandbox(renderServingHost(spec), settings);
  sandboxes.push(s);
  return s;
}
afterAll(() => sandboxes.forEach((s) => s.dispose()));

/** A curl stub answering /metrics with `running` requests on its first calls, then with none. */
function vllmMetrics(s: HostSandbox, busyCalls: number): void {
  s.write('/state/curl-count', '0');
  s.stub('curl', [
    'n=$(cat "$SANDBOX/state/curl-count"); echo $((n + 1)) > "$SANDBOX/state/curl-count"',
    `if (( n < ${busyCalls} )); then running=3; else running=0; fi`,
    'echo "# HELP vllm:num_requests_running Number of requests running"',
    'echo "vllm:num_requests_running{model_name=\\"m\\"} ${running}.0"',
    'echo "vllm:num_requests_waiting{model_name=\\"m\\"} 0.0"',
  ].join('\n'));
}

describe('gpu-fleet-drain', () => {
  test('waits while vLLM has requests in flight, then stops the unit and leaves the rest of the budget as stop grace', () => {
    const s = sandbox();
    vllmMetrics(s, 2);
    const r = s.run(DRAIN);
    expect(r.code).toBe(0);
    const calls = s.calls();
    expect(calls.filter((c) => c.startsWith('curl '))).toHaveLength(3); // busy, busy, idle
    expect(calls.filter((c) => c.startsWith('sleep '))).toEqual(['sleep 2', 'sleep 2']);
    expect(calls[calls.length - 1]).toBe('systemctl stop inference.service');
    const grace = Number(s.read(GRACE));
    expect(grace).toBeGreaterThanOrEqual(5);
    expect(grace).toBeLessThanOrEqual(290); // drain 300 - 10, minus what the wait used
  });

  test('a server without vLLM metrics is stopped at once (its SIGTERM handling finishes requests)', () => {
    const s = sandbox();
    s.stub('curl', 'exit 22');
    expect(s.run(DRAIN).code).toBe(0);
    expect(s.calls()).toEqual([expect.stringMatching(/^curl -fsS --max-time 2 http:\/\/127\.0\.0\.1:8000\/metrics$/), 'systemctl stop inference.service']);
  });

  test('metrics without the vLLM series count as "cannot tell": no wait', () => {
    const s = sandbox();
    s.stub('curl', 'echo "http_requests_total 12"');
    s.run(DRAIN);
    expect(s.calls().filter((c) => c.startsWith('sleep'))).toEqual([]);
    expect(s.calls()).toContain('systemctl stop inference.service');
  });

  test('the idle wait is bounded: with IDLE_WAIT_SECONDS 0 it does not wait at all', () => {
    const s = sandbox({ IDLE_WAIT_SECONDS: '0' });
    vllmMetrics(s, 1000);
    s.run(DRAIN);
    expect(s.calls()).toEqual(['systemctl stop inference.service']);
  });

  test('the stop grace never drops below 5 s', () => {
    const s = sandbox({ DRAIN_SECONDS: '12', IDLE_WAIT_SECONDS: '0' });
    s.run(DRAIN);
    expect(s.read(GRACE).trim()).toBe('5');
  });
});

describe('inference-stop (ExecStop)', () => {
  test('default grace: the drain timeout minus 10 s', () => {
    const s = sandbox();
    expect(s.run(STOP).code).toBe(0);
    expect(s.calls()).toEqual(['docker stop --time=290 inference']);
  });

  test('after a drain: the grace the drain left, used once', () => {
    const s = sandbox();
    s.write(GRACE, '117\n');
    s.run(STOP);
    expect(s.calls()).toEqual(['docker stop --time=117 inference']);
    expect(s.exists(GRACE)).toBe(false);
  });

  test.each([['garbage'], ['9999']])('a grace file with %s is ignored (never longer than the default)', (content) => {
    const s = sandbox();
    s.write(GRACE, content);
    s.run(STOP);
    expect(s.calls()).toEqual(['docker stop --time=290 inference']);
  });
});

describe('inference-ready', () => {
  /** curl: IMDS answers, the health check answers `health` (exit code). */
  function world(s: HostSandbox, health: number, completeOutput = '', completeCode = 0): void {
    s.stub('curl', [
      'case "$*" in',
      '  *api/token*) echo token ;;',
      '  *meta-data/instance-id*) echo i-0abc ;;',
      `  *:8000/health*) exit ${health} ;;`,
      'esac',
    ].join('\n'));
    s.stub('aws', [
      'case "$*" in',
      '  *describe-tags*) echo GpuFleet-staging-Group-ABC ;;',
      `  *complete-lifecycle-action*) echo "${completeOutput}"; exit ${completeCode} ;;`,
      'esac',
    ].join('\n'));
    s.stub('systemctl', 'exit 1'); // is-failed: no
  }

  test('healthy: completes the readiness hook of its own group with CONTINUE', () => {
    const s = sandbox();
    world(s, 0);
    const r = s.run(READY);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('readiness: CONTINUE');
    expect(s.calls()).toContain([
      'aws autoscaling complete-lifecycle-action --region us-east-1 --auto-scaling-group-name GpuFleet-staging-Group-ABC',
      '--lifecycle-hook-name gpu-fleet-serving-ready --instance-id i-0abc --lifecycle-action-result CONTINUE',
    ].join(' '));
    expect(s.calls()).toContain('aws ec2 describe-tags --region us-east-1 --filters Name=resource-id,Values=i-0abc Name=key,Values=aws:autoscaling:groupName --query Tags[0].Value --output text');
  });

  test('the unit failed (start limit hit): ABANDON at once, and the script fails', () => {
    const s = sandbox();
    world(s, 7);
    s.stub('systemctl', 'exit 0'); // is-failed: yes
    const r = s.run(READY);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('inference.service failed; see journalctl -u inference.service');
    expect(s.calls().some((c) => c.endsWith('--lifecycle-action-result ABANDON'))).toBe(true);
  });

  test('never healthy within STARTUP_SECONDS: ABANDON', () => {
    const s = sandbox({ STARTUP_SECONDS: '1' });
    world(s, 7);
    s.stub('sleep', '/bin/sleep 1');
    const r = s.run(READY);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('readiness: ABANDON');
    expect(s.calls().some((c) => c.endsWith('--lifecycle-action-result ABANDON'))).toBe(true);
  });

  test('no pending lifecycle action (host older than the hook): success', () => {
    const s = sandbox();
    world(s, 0, 'An error occurred (ValidationError) when calling the CompleteLifecycleAction operation: No active Lifecycle Action found with instance ID i-0abc', 254);
    const r = s.run(READY);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no launch lifecycle action pending');
  });

  test('any other error of CompleteLifecycleAction fails the script with the error', () => {
    const s = sandbox();
    world(s, 0, 'An error occurred (AccessDenied) when calling the CompleteLifecycleAction operation', 254);
    const r = s.run(READY);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('AccessDenied');
  });

  test('without a readiness hook: only the health wait, no AWS call', () => {
    const s = sandbox({}, minimalSpec());
    world(s, 0);
    expect(s.run(READY).code).toBe(0);
    expect(s.calls().filter((c) => c.startsWith('aws '))).toEqual([]);
  });
});

describe('inference-prestart (ExecStartPre)', () => {
  /** aws answers each ARN with its value (as the CLI prints text: with a newline), docker login keeps its stdin. */
  function world(s: HostSandbox, values: Record<string, string>): void {
    Object.values(values).forEach((v, i) => s.write(`/state/value-${i}`, `${v}\n`));
    s.stub('aws', [
      'case "$*" in',
      '  *get-login-password*) echo ecr-token ;;',
      ...Object.keys(values).map((arn, i) => `  *"${arn}"*) cat "$SANDBOX/state/value-${i}" ;;`),
      'esac',
    ].join('\n'));
    s.stub('docker', 'if [ "$1" = login ]; then cat > "$SANDBOX/state/login-stdin"; fi');
    s.write('/state/.keep', '');
  }

  test('logs in to the image\'s registry, pulls, syncs the model, writes the secrets root-only', () => {
    const s = sandbox();
    world(s, { [SECRET_ARN]: 'sk-123', [PARAMETER_ARN]: "hf_abc'$x", 'secret:other-Xy12Zz': 'o' });
    const r = s.run(PRESTART);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const calls = s.calls();
    expect(calls).toEqual(expect.arrayContaining([
      'docker rm -f inference',
      'aws ecr get-login-password --region us-east-1',
      'docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com',
      `docker pull --quiet 123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-platform/vllm-openai@sha256:${'0123456789abcdef'.repeat(4)}`,
      'aws s3 sync s3://ml-platform-models-staging/llama-3.1-8b-instruct-awq/ /opt/models --region us-east-1 --only-show-errors --no-progress',
      // Each secret from its own ARN's region.
      `aws secretsmanager get-secret-value --region eu-west-1 --secret-id ${SECRET_ARN} --query SecretString --output text`,
      `aws ssm get-parameter --region us-east-1 --with-decryption --name ${PARAMETER_ARN} --query Parameter.Value --output text`,
    ]));
    expect(s.read('/state/login-stdin')).toBe('ecr-token\n');
    expect(s.read('/run/gpu-fleet/secrets.env')).toBe("VLLM_API_KEY=sk-123\nHF_TOKEN=hf_abc'$x\nOTHER=o\n");
    const fs = jest.requireActual('fs') as typeof import('fs');
    expect(fs.statSync(s.path('/run/gpu-fleet/secrets.env')).mode & 0o777).toBe(0o600);
  });

  test('a secret value with a line break fails the start, naming the variable', () => {
    const s = sandbox();
    world(s, { [SECRET_ARN]: 'line1\nline2' });
    const r = s.run(PRESTART);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`secret VLLM_API_KEY (${SECRET_ARN}): the value has a line break; a Docker env file holds one line per variable`);
    expect(s.exists('/run/gpu-fleet/secrets.env')).toBe(false);
  });

  test('a failing pull fails the start', () => {
    const s = sandbox();
    world(s, {});
    s.stub('docker', 'if [ "$1" = login ]; then cat >/dev/null; fi; if [ "$1" = pull ]; then exit 1; fi');
    expect(s.run(PRESTART).code).toBe(1);
    expect(s.calls().some((c) => c.startsWith('aws s3 sync'))).toBe(false);
  });

  test('public image, no model, no secrets: no login, no sync, an empty secrets file', () => {
    const s = sandbox({}, minimalSpec());
    world(s, {});
    expect(s.run(PRESTART).code).toBe(0);
    expect(s.calls().filter((c) => c.startsWith('aws '))).toEqual([]);
    expect(s.calls()).toContain('docker pull --quiet docker.io/vllm/vllm-openai:v0.10.1');
    expect(s.read('/run/gpu-fleet/secrets.env')).toBe('');
  });

  test('a stale stop grace from an earlier drain is cleared at start', () => {
    const s = sandbox({}, minimalSpec());
    world(s, {});
    s.write(GRACE, '5');
    s.run(PRESTART);
    expect(s.exists(GRACE)).toBe(false);
  });
});
