import { gpuHostUserData } from '../../lib/fleet/user-data';
import { drainDocumentContent, resumeDocumentContent } from '../../lib/interruption/drain-document';
import { HostScriptSpec, hostScriptProblems, renderServingHost, shellQuote } from '../../lib/serving/host-script';
import { SERVING_DRAIN_SCRIPT, SERVING_RESUME_SCRIPT, SERVING_UNIT_NAME } from '../../lib/shared/serving';
import { shellcheck, shellcheckAvailability } from '../support/shellcheck';
import { PARAMETER_ARN, SECRET_ARN, fullSpec, minimalSpec } from './fixtures';

const UNIT = `/etc/systemd/system/${SERVING_UNIT_NAME}`;
const RUN = '/usr/local/lib/gpu-fleet/inference-run';
const STOP = '/usr/local/lib/gpu-fleet/inference-stop';
const CONF = '/etc/gpu-fleet/inference.conf';

const lint = shellcheckAvailability();
const lintTest = lint.run ? test : test.skip;

/** Every bash file of a rendering plus the whole user data (shellcheck does not look into here-documents). */
function bashSources(spec: HostScriptSpec): Record<string, string> {
  const r = renderServingHost(spec);
  const files = Object.fromEntries(Object.entries(r.files).filter(([, f]) => f.kind === 'bash').map(([p, f]) => [p, f.content]));
  return { 'user data': gpuHostUserData(r.commands).render(), ...files };
}

describe('host script: shellcheck clean', () => {
  lintTest('full spec: command with spaces, quotes, $ and backticks; env value with quotes; three secrets; model', () => {
    expect(shellcheck(lint.binary, bashSources(fullSpec()))).toEqual([]);
  });

  lintTest('minimal spec: public image, no model, no secrets, no environment, no command, no readiness hook', () => {
    expect(shellcheck(lint.binary, bashSources(minimalSpec()))).toEqual([]);
  });

  lintTest('the lint sees problems (guards the helper: a shellcheck that never complains proves nothing)', () => {
    const findings = shellcheck(lint.binary, { broken: '#!/bin/bash\necho $1\n' });
    expect(findings).toEqual([expect.stringContaining('SC2086')]);
  });

  test('the gate: skipped with a printed reason locally, run (and failing) in CI when shellcheck is missing', () => {
    const warnings: string[] = [];
    const missing = () => undefined;
    expect(shellcheckAvailability({}, missing, (m) => warnings.push(m))).toEqual({ run: false, binary: undefined });
    expect(warnings).toEqual([expect.stringContaining('shellcheck tests SKIPPED: shellcheck is not installed')]);
    expect(shellcheckAvailability({ CI: 'true' }, missing, (m) => warnings.push(m))).toEqual({ run: true, binary: undefined });
    expect(warnings).toHaveLength(1);
    expect(() => shellcheck(undefined, { a: 'echo' })).toThrow("shellcheck is not installed, and CI=true requires it: .ci/run installs Debian's shellcheck package");
  });

  lintTest('files that are bash are all linted: every script and the sourced settings', () => {
    expect(Object.keys(bashSources(fullSpec())).sort()).toEqual([
      '/etc/gpu-fleet/inference.conf', '/usr/local/bin/gpu-fleet-drain', '/usr/local/lib/gpu-fleet/common.sh',
      '/usr/local/lib/gpu-fleet/inference-prestart', '/usr/local/lib/gpu-fleet/inference-ready',
      '/usr/local/lib/gpu-fleet/inference-run', '/usr/local/lib/gpu-fleet/inference-stop', 'user data',
    ]);
  });
});

describe('host script: what the host runs', () => {
  const rendered = renderServingHost(fullSpec());
  const file = (p: string) => rendered.files[p].content;

  test('the unit: start timeout = startup, stop timeout = drain, restart on failure with a limit, graceful stop', () => {
    const unit = file(UNIT).split('\n');
    expect(unit).toEqual(expect.arrayContaining([
      'Requires=docker.service', 'After=docker.service network-online.target',
      'StartLimitIntervalSec=1800', 'StartLimitBurst=5',
      'TimeoutStartSec=480', 'TimeoutStopSec=300', 'Restart=on-failure', 'RestartSec=15',
      'ExecStartPre=/usr/local/lib/gpu-fleet/inference-prestart',
      'ExecStart=/usr/local/lib/gpu-fleet/inference-run',
      `ExecStop=${STOP}`,
      'ExecStopPost=-/usr/bin/docker rm -f inference',
      'WantedBy=multi-user.target',
    ]));
  });

  test('the stop gives the container the drain timeout minus 10 s by default', () => {
    expect(file(STOP)).toContain('grace=$((DRAIN_SECONDS - 10))');
    expect(file(STOP)).toContain('exec docker stop --time="$grace" "$CONTAINER"');
    expect(file(CONF)).toContain("DRAIN_SECONDS='300'");
  });

  test('docker run: all GPUs, no new privileges, the port, env files, read-only model, awslogs non-blocking, allowed args in order, image, quoted command', () => {
    expect(file(RUN)).toContain([
      'exec docker run --rm --name "$CONTAINER" --gpus all \\',
      '  --security-opt=no-new-privileges \\',
      '  --publish "$PORT:$PORT" \\',
      '  --env-file /etc/gpu-fleet/inference.env \\',
      '  --env-file /run/gpu-fleet/secrets.env \\',
      '  --volume "$MODEL_DIR:/models:ro" \\',
      '  --log-driver=awslogs \\',
      '  --log-opt "awslogs-region=$REGION" \\',
      '  --log-opt "awslogs-group=$LOG_GROUP" \\',
      '  --log-opt "awslogs-stream=$instance_id" \\',
      '  --log-opt mode=non-blocking \\',
      '  --log-opt max-buffer-size=4m \\',
      "  '--ipc=host' \\",
      "  '--shm-size=8g' \\",
      "  '--ulimit=memlock=-1' \\",
      '  "$IMAGE" \\',
      `  '--model' '/models' '--served-model-name' 'it'\\''s a "model" with $HOME and \`cmd\`' '--max-model-len' '8192'`,
    ].join('\n'));
    const conf = file(CONF);
    expect(conf).toContain(`IMAGE='123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-platform/vllm-openai@sha256:${'0123456789abcdef'.repeat(4)}'`);
    expect(conf).toContain("PORT='8000'");
    expect(conf).toContain("LOG_GROUP='GpuFleet-staging-WorkloadLogGroup1234-abcd'");
    expect(conf).toContain("ECR_LOGIN='true'");
  });

  test('without a model nothing is mounted and nothing synced', () => {
    const minimal = renderServingHost(minimalSpec());
    expect(minimal.files[RUN].content).not.toContain('--volume');
    expect(minimal.files[CONF].content).toContain("MODEL_S3_URI=''");
    expect(minimal.files[CONF].content).toContain("ECR_LOGIN='false'");
  });

  test('secrets: only their ARNs are in user data; values are fetched at start into tmpfs', () => {
    const userData = gpuHostUserData(rendered.commands).render();
    expect(file('/etc/gpu-fleet/secrets.list')).toBe([
      `secretsmanager VLLM_API_KEY ${SECRET_ARN}`,
      `ssm HF_TOKEN ${PARAMETER_ARN}`,
      'secretsmanager OTHER arn:aws:secretsmanager:us-east-1:123456789012:secret:other-Xy12Zz',
      '',
    ].join('\n'));
    // The only sources of a secret value: the two get calls of the prestart, by ARN (the ECR token goes to docker login).
    const prestart = file('/usr/local/lib/gpu-fleet/inference-prestart');
    expect(prestart.match(/aws [a-z]+ get-[a-z-]+/g)).toEqual(['aws ecr get-login-password', 'aws secretsmanager get-secret-value', 'aws ssm get-parameter']);
    expect(prestart).toContain('--secret-id "$arn"');
    expect(prestart).toContain('--name "$arn"');
    expect(prestart).toContain('mv -f "$secrets_file" /run/gpu-fleet/secrets.env');
    expect(userData).not.toMatch(/VLLM_API_KEY=|HF_TOKEN=/);
  });

  test('environment: literal NAME=value lines in a root-only env file', () => {
    expect(rendered.files['/etc/gpu-fleet/inference.env']).toEqual({
      kind: 'data', mode: '0600', content: 'VLLM_LOGGING_LEVEL=INFO\nGREETING=it\'s "quoted" $HOME `x` \\ ; & |\n',
    });
  });

  test('user data: directories, each file then its mode, reload, start without blocking, readiness last', () => {
    const c = rendered.commands;
    expect(c[1]).toBe('install -d -m 0755 /usr/local/lib/gpu-fleet /etc/gpu-fleet /opt/models');
    expect(c).toContain(`cat > ${UNIT} <<'GPU_FLEET_EOF'\n${file(UNIT)}GPU_FLEET_EOF`);
    expect(c).toContain('chmod 0755 /usr/local/bin/gpu-fleet-drain');
    expect(c).toContain('chmod 0600 /etc/gpu-fleet/inference.env');
    expect(c.slice(-3)).toEqual(['systemctl daemon-reload', 'systemctl enable --now --no-block inference.service', '/usr/local/lib/gpu-fleet/inference-ready']);
  });

  test('no value can end a here-document early: a body line is never the delimiter alone', () => {
    const hostile = renderServingHost(fullSpec({
      environment: { X: 'GPU_FLEET_EOF' }, command: ['GPU_FLEET_EOF'], revision: 'GPU_FLEET_EOF', healthCheckPath: '/GPU_FLEET_EOF',
    }));
    for (const f of Object.values(hostile.files)) expect(f.content.split('\n')).not.toContain('GPU_FLEET_EOF');
  });

  test('every setting a script reads is in inference.conf', () => {
    // A plain command here: the quoting of hostile commands is tested above.
    const plain = renderServingHost(fullSpec({ command: ['--model', '/models'] }));
    const defined = new Set([...plain.files[CONF].content.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    // Single-quoted text (awk programs, the container command) expands nothing.
    const scripts = Object.entries(plain.files).filter(([p, f]) => f.kind === 'bash' && p !== CONF)
      .map(([, f]) => f.content.replace(/'[^'\n]*'/g, "''")).join('\n');
    const used = new Set([...scripts.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]).filter((v) => v !== 'SECONDS'));
    expect([...used].filter((v) => !defined.has(v))).toEqual([]);
    expect(used.size).toBeGreaterThan(10); // the scan sees the scripts' variables
  });

  test('shellQuote: one word whatever the value', () => {
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
    expect(shellQuote('')).toBe("''");
  });
});

describe('host script: the contract with the interruption documents', () => {
  const rendered = renderServingHost(fullSpec());

  test('the drain document runs the drain script the workload installs, and falls back to stopping its unit', () => {
    const doc = JSON.stringify(drainDocumentContent(300, SERVING_UNIT_NAME));
    expect(doc).toContain(`exec timeout \\"{{ timeoutSeconds }}\\" ${SERVING_DRAIN_SCRIPT}`);
    expect(Object.keys(rendered.files)).toContain(SERVING_DRAIN_SCRIPT);
    expect(rendered.files[SERVING_DRAIN_SCRIPT].mode).toBe('0755');
    expect(rendered.files[SERVING_DRAIN_SCRIPT].content).toContain('exec systemctl stop "$UNIT"');
    expect(rendered.files[CONF].content).toContain(`UNIT='${SERVING_UNIT_NAME}'`);
  });

  test('the resume document restarts the unit the workload installs (no resume script of ours)', () => {
    const doc = resumeDocumentContent(SERVING_UNIT_NAME) as any;
    expect(doc.parameters.serviceName.default).toBe('inference.service');
    expect(Object.keys(rendered.files)).not.toContain(SERVING_RESUME_SCRIPT);
    expect(Object.keys(rendered.files)).toContain(`/etc/systemd/system/${doc.parameters.serviceName.default}`);
  });
});

describe('host script: validation', () => {
  const problems = (o: Partial<HostScriptSpec>) => hostScriptProblems(fullSpec(o));

  test('a valid spec has no problem; tokens are not judged', () => {
    expect(problems({})).toEqual([]);
    expect(hostScriptProblems(minimalSpec())).toEqual([]);
    expect(problems({ image: '${Token[TOKEN.12]}@sha256:xyz', modelS3Uri: 's3://${Token[TOKEN.13]}/p/' })).toEqual([]);
  });

  test.each([
    [{ image: 'vllm/vllm-openai' }, 'image ("vllm/vllm-openai") must be <registry>/<repository> with a :<tag> or an @sha256:<64 hex> digest'],
    [{ image: 'r.example/x@sha256:abc' }, 'image ("r.example/x@sha256:abc") must be <registry>/<repository> with a :<tag> or an @sha256:<64 hex> digest'],
    [{ port: 0 }, 'port (0) must be a whole number from 1 to 65535'],
    [{ port: 65536 }, 'port (65536) must be a whole number from 1 to 65535'],
    [{ healthCheckPath: 'health' }, 'healthCheckPath ("health") must start with / (e.g. /health) and hold at most 1024 URL path characters'],
    [{ command: ['--a', 'b\nc'] }, 'command[1] ("b\\nc") must not contain a line break or NUL'],
    [{ environment: { '1BAD': 'x' } }, 'environment name "1BAD" must match ^[A-Za-z_][A-Za-z0-9_]*$'],
    [{ environment: { A: 'x\ny' } }, 'environment.A ("x\\ny") must be one line: a Docker env file holds one line per variable'],
    [{ secrets: [{ name: 'a-b', source: 'ssm', arn: PARAMETER_ARN }] }, 'secrets name "a-b" must match ^[A-Za-z_][A-Za-z0-9_]*$'],
    [{ secrets: [{ name: 'K', source: 'ssm', arn: PARAMETER_ARN }, { name: 'K', source: 'ssm', arn: PARAMETER_ARN }] }, 'secrets name "K" is given twice'],
    [{ secrets: [{ name: 'GREETING', source: 'ssm', arn: PARAMETER_ARN }] }, 'secrets name "GREETING" is also in environment: a variable comes from one place'],
    [{ secrets: [{ name: 'K', source: 'secretsmanager', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf' }] },
      'secrets.K ("arn:aws:secretsmanager:us-east-1:123456789012:secret:hf") must be a full Secrets Manager secret ARN ending in -<6 characters> (IAM then needs no wildcard)'],
    [{ secrets: [{ name: 'K', source: 'ssm', arn: SECRET_ARN }] },
      `secrets.K ("${SECRET_ARN}") must be an SSM parameter ARN, arn:<partition>:ssm:<region>:<account>:parameter/<name>`],
    [{ dockerArgs: ['--ipc=host', '--privileged'] },
      'dockerArgs[1] ("--privileged") is not allowed; allowed: --shm-size=<n>[bkmg], --ipc=host, --ulimit=memlock=-1[:-1], --ulimit=stack=<n>, --pids-limit=<n>, --cpus=<n>, --memory=<n>[mg]'],
    [{ modelS3Uri: 's3://ml-models' }, 'modelS3Uri ("s3://ml-models") must be s3://<bucket>/<prefix>/ with a bucket name and a non-empty prefix'],
    [{ modelS3Uri: 's3://ml-models/p' }, 'modelS3Uri ("s3://ml-models/p") must be s3://<bucket>/<prefix>/ with a bucket name and a non-empty prefix'],
    [{ logGroupName: '' }, 'logGroupName ("") must name a log group'],
    [{ startupSeconds: 59 }, 'startupSeconds (59s) must be a whole number of seconds from 60s to 6900s: the readiness hook waits at most 7200s, 300s of it after the startup'],
    [{ startupSeconds: 6901 }, 'startupSeconds (6901s) must be a whole number of seconds from 60s to 6900s: the readiness hook waits at most 7200s, 300s of it after the startup'],
    [{ drainSeconds: 29 }, 'drainSeconds (29s) must be a whole number of seconds from 30s to 3600s: the container gets the drain timeout minus 10s to stop'],
    [{ idleWaitSeconds: 281 }, 'idleWaitSeconds (281s) must be a whole number of seconds from 0s to 280s: the drain keeps at least 20s to stop the server'],
    [{ readinessHookName: 'bad name' }, 'readinessHookName ("bad name") must be 1-255 letters, digits, - _ /'],
    [{ revision: 'a\nb' }, 'revision ("a\\nb") must be one line of at most 256 characters'],
  ] as Array<[Partial<HostScriptSpec>, string]>)('%j', (override, message) => {
    expect(problems(override)).toEqual([message]);
  });

  test('bounds that are allowed', () => {
    expect(problems({ port: 1, startupSeconds: 60, drainSeconds: 30, idleWaitSeconds: 10 })).toEqual([]);
    expect(problems({ port: 65535, startupSeconds: 6900, drainSeconds: 3600, idleWaitSeconds: 0 })).toEqual([]);
  });

  test('renderServingHost refuses an invalid spec with every problem', () => {
    expect(() => renderServingHost(fullSpec({ port: 0, drainSeconds: 1 }))).toThrow(
      'host script spec is invalid:\n  - port (0) must be a whole number from 1 to 65535\n  - drainSeconds (1s) must be a whole number of seconds from 30s to 3600s: the container gets the drain timeout minus 10s to stop',
    );
  });
});
