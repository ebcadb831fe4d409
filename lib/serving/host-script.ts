import { Token } from 'aws-cdk-lib';
import { ALLOWED_DOCKER_ARGS_TEXT, isAllowedDockerArg } from '../shared/docker-args';
import {
  COMMON_FILE, CONF_DIR, CONF_FILE, DRAIN_SCRIPT, ENV_FILE, LIB_DIR, PRESTART_SCRIPT, READY_SCRIPT, RUN_SCRIPT,
  SECRETS_LIST_FILE, STOP_SCRIPT, UNIT_FILE, commonScript, drainScript, prestartScript, readyScript, runScript,
  stopScript, unitFile,
} from './host-files';
import { SERVING_CONTAINER_NAME, SERVING_MODEL_HOST_DIR, SERVING_UNIT_NAME } from '../shared/serving';
import { ENV_VAR_NAME, HEALTH_CHECK_PATH, IMAGE_REFERENCE, SECRET_ARN } from '../shared/serving-spec';

/** A secret the container gets as an environment variable, fetched by the host when the unit starts. */
export interface HostSecretSpec {
  /** Environment variable name in the container. */
  readonly name: string;
  /** Where the value lives. */
  readonly source: 'secretsmanager' | 'ssm';
  /**
   * Full ARN: a Secrets Manager secret with its 6-character suffix, or an SSM parameter (String or SecureString).
   * Only the ARN is in user data; the value is fetched on the host.
   */
  readonly arn: string;
}

/**
 * Everything the host script needs, as plain strings and numbers (CDK tokens are fine: CloudFormation resolves them
 * before the host reads the user data). `ServingWorkload` builds it from CDK types; tests pass concrete values.
 */
export interface HostScriptSpec {
  /** Image reference with a tag or digest, e.g. `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>`. */
  readonly image: string;
  /** Log in to the image's registry (the host part of `image`) with an ECR token before pulling. */
  readonly ecrLogin: boolean;
  /** Region of the AWS calls of the host (ECR token, S3, lifecycle hook, logs). */
  readonly region: string;
  /** Port the server listens on, in the container and on the host. */
  readonly port: number;
  /** Path the readiness check polls on 127.0.0.1 (the load balancer's health check path). */
  readonly healthCheckPath: string;
  /** Arguments after the image (the container's command). @default - none */
  readonly command?: readonly string[];
  /** Non-secret environment variables, literal, one line each. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Secrets, fetched at start. @default - none */
  readonly secrets?: readonly HostSecretSpec[];
  /** Extra `docker run` arguments from the allow-list (lib/shared/docker-args.ts). @default - none */
  readonly dockerArgs?: readonly string[];
  /** `s3://<bucket>/<prefix>/` synced to SERVING_MODEL_HOST_DIR, mounted read-only at /models. @default - none */
  readonly modelS3Uri?: string;
  /** CloudWatch log group of the container's output. */
  readonly logGroupName: string;
  /** Seconds from boot until the server must answer its health check (pull and model sync included), 60-6900. */
  readonly startupSeconds: number;
  /** The drain timeout: the unit's stop timeout and the drain script's budget, 30-3600 seconds. */
  readonly drainSeconds: number;
  /** Longest wait of the drain script for in-flight requests to finish. @default floor(drainSeconds / 2) */
  readonly idleWaitSeconds?: number;
  /** Launch lifecycle hook the host completes when ready. @default - none: readiness is only logged */
  readonly readinessHookName?: string;
  /** Free text in the host's settings: changing it changes the user data and so replaces the hosts. @default - none */
  readonly revision?: string;
}

/** One file the user data writes. */
export interface HostFile {
  readonly content: string;
  /** Octal mode, e.g. '0755'. */
  readonly mode: string;
  /** How to lint it: a bash script (run or sourced), or data that is not a script. */
  readonly kind: 'bash' | 'data';
}

export interface RenderedHostScript {
  /** User data lines (for `GpuFleet.userDataCommands`); they run after `set -euo pipefail`. */
  readonly commands: string[];
  /** Every file the commands write, by path, as the host will have it. */
  readonly files: Readonly<Record<string, HostFile>>;
}

const HEREDOC = 'GPU_FLEET_EOF';
const LINE_BREAK = /[\r\n\0]/;
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\/$/;
const HOOK_NAME = /^[A-Za-z0-9_/-]{1,255}$/;

/** Names the problems use for the fields (a construct passes its own prop names and units). */
export type FieldLabel = (field: keyof HostScriptSpec) => string;

/** Every rule `spec` breaks, one line each (`<field> (<value>) <rule>`); empty when it is valid. Tokens are skipped. */
export function hostScriptProblems(spec: HostScriptSpec, label: FieldLabel = (f) => f): string[] {
  const problems: string[] = [];
  const known = (v: string) => !Token.isUnresolved(v);
  const show = (v: unknown) => JSON.stringify(v);
  if (known(spec.image) && !IMAGE_REFERENCE.test(spec.image)) {
    problems.push(`${label('image')} (${show(spec.image)}) must be <registry>/<repository> with a :<tag> or an @sha256:<64 hex> digest`);
  }
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    problems.push(`${label('port')} (${spec.port}) must be a whole number from 1 to 65535`);
  }
  if (known(spec.healthCheckPath) && !HEALTH_CHECK_PATH.test(spec.healthCheckPath)) {
    problems.push(`${label('healthCheckPath')} (${show(spec.healthCheckPath)}) must start with / (e.g. /health) and hold at most 1024 URL path characters`);
  }
  (spec.command ?? []).forEach((word, i) => {
    if (LINE_BREAK.test(word)) problems.push(`${label('command')}[${i}] (${show(word)}) must not contain a line break or NUL`);
  });
  const envNames = Object.keys(spec.environment ?? {});
  for (const [name, value] of Object.entries(spec.environment ?? {})) {
    if (!ENV_VAR_NAME.test(name)) problems.push(`${label('environment')} name ${show(name)} must match ${ENV_VAR_NAME.source}`);
    if (LINE_BREAK.test(value)) {
      problems.push(`${label('environment')}.${name} (${show(value)}) must be one line: a Docker env file holds one line per variable`);
    }
  }
  const secretNames = new Set<string>();
  for (const s of spec.secrets ?? []) {
    if (!ENV_VAR_NAME.test(s.name)) problems.push(`${label('secrets')} name ${show(s.name)} must match ${ENV_VAR_NAME.source}`);
    if (secretNames.has(s.name)) problems.push(`${label('secrets')} name ${show(s.name)} is given twice`);
    if (envNames.includes(s.name)) problems.push(`${label('secrets')} name ${show(s.name)} is also in ${label('environment')}: a variable comes from one place`);
    secretNames.add(s.name);
    if (known(s.arn) && !SECRET_ARN[s.source].test(s.arn)) {
      problems.push(s.source === 'secretsmanager'
        ? `${label('secrets')}.${s.name} (${show(s.arn)}) must be a full Secrets Manager secret ARN ending in -<6 characters> (IAM then needs no wildcard)`
        : `${label('secrets')}.${s.name} (${show(s.arn)}) must be an SSM parameter ARN, arn:<partition>:ssm:<region>:<account>:parameter/<name>`);
    }
  }
  (spec.dockerArgs ?? []).forEach((arg, i) => {
    if (!isAllowedDockerArg(arg)) problems.push(`${label('dockerArgs')}[${i}] (${show(arg)}) is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}`);
  });
  if (spec.modelS3Uri !== undefined && known(spec.modelS3Uri) && !S3_URI.test(spec.modelS3Uri)) {
    problems.push(`${label('modelS3Uri')} (${show(spec.modelS3Uri)}) must be s3://<bucket>/<prefix>/ with a bucket name and a non-empty prefix`);
  }
  if (known(spec.logGroupName) && spec.logGroupName.length === 0) problems.push(`${label('logGroupName')} ("") must name a log group`);
  const seconds = (field: 'startupSeconds' | 'drainSeconds' | 'idleWaitSeconds', v: number, min: number, max: number, why: string) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${label(field)} (${v}s) must be a whole number of seconds from ${min}s to ${max}s: ${why}`);
  };
  seconds('startupSeconds', spec.startupSeconds, 60, 6900, 'the readiness hook waits at most 7200s, 300s of it after the startup');
  seconds('drainSeconds', spec.drainSeconds, 30, 3600, 'the container gets the drain timeout minus 10s to stop');
  if (spec.idleWaitSeconds !== undefined) {
    seconds('idleWaitSeconds', spec.idleWaitSeconds, 0, Math.max(0, spec.drainSeconds - 20), 'the drain keeps at least 20s to stop the server');
  }
  if (spec.readinessHookName !== undefined && known(spec.readinessHookName) && !HOOK_NAME.test(spec.readinessHookName)) {
    problems.push(`${label('readinessHookName')} (${show(spec.readinessHookName)}) must be 1-255 letters, digits, - _ /`);
  }
  if (spec.revision !== undefined && (LINE_BREAK.test(spec.revision) || spec.revision.length > 256)) {
    problems.push(`${label('revision')} (${show(spec.revision)}) must be one line of at most 256 characters`);
  }
  return problems;
}

/** `value` as one single-quoted shell word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The serving workload's part of a host's user data: settings, scripts, the systemd unit, then start and readiness.
 * Pure (no I/O, no construct). Throws when `spec` breaks a rule (`hostScriptProblems`).
 */
export function renderServingHost(spec: HostScriptSpec): RenderedHostScript {
  const problems = hostScriptProblems(spec);
  if (problems.length) throw new Error(`host script spec is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const idleWait = spec.idleWaitSeconds ?? Math.floor(spec.drainSeconds / 2);
  const settings: Record<string, string> = {
    IMAGE: spec.image,
    ECR_LOGIN: spec.ecrLogin ? 'true' : 'false',
    REGION: spec.region,
    PORT: String(spec.port),
    HEALTH_PATH: spec.healthCheckPath,
    MODEL_S3_URI: spec.modelS3Uri ?? '',
    MODEL_DIR: SERVING_MODEL_HOST_DIR,
    LOG_GROUP: spec.logGroupName,
    STARTUP_SECONDS: String(spec.startupSeconds),
    DRAIN_SECONDS: String(spec.drainSeconds),
    IDLE_WAIT_SECONDS: String(idleWait),
    READY_HOOK: spec.readinessHookName ?? '',
    UNIT: SERVING_UNIT_NAME,
    CONTAINER: SERVING_CONTAINER_NAME,
    REVISION: spec.revision ?? '',
  };
  const files: Record<string, HostFile> = {
    [CONF_FILE]: {
      kind: 'bash',
      mode: '0644',
      content: [
        '# shellcheck disable=SC2034 # settings of the serving workload (lib/serving), sourced by its scripts; no secret values',
        ...Object.entries(settings).map(([k, v]) => `${k}=${shellQuote(v)}`),
        '',
      ].join('\n'),
    },
    // Docker reads --env-file lines literally (no quoting): NAME=value.
    [ENV_FILE]: { kind: 'data', mode: '0600', content: Object.entries(spec.environment ?? {}).map(([k, v]) => `${k}=${v}\n`).join('') },
    [SECRETS_LIST_FILE]: { kind: 'data', mode: '0644', content: (spec.secrets ?? []).map((s) => `${s.source} ${s.name} ${s.arn}\n`).join('') },
    [COMMON_FILE]: { kind: 'bash', mode: '0644', content: commonScript() },
    [PRESTART_SCRIPT]: { kind: 'bash', mode: '0755', content: prestartScript() },
    [RUN_SCRIPT]: {
      kind: 'bash',
      mode: '0755',
      content: runScript((spec.dockerArgs ?? []).map(shellQuote), (spec.command ?? []).map(shellQuote), spec.modelS3Uri !== undefined),
    },
    [STOP_SCRIPT]: { kind: 'bash', mode: '0755', content: stopScript() },
    [READY_SCRIPT]: { kind: 'bash', mode: '0755', content: readyScript() },
    [DRAIN_SCRIPT]: { kind: 'bash', mode: '0755', content: drainScript() },
    [UNIT_FILE]: { kind: 'data', mode: '0644', content: unitFile({ startupSeconds: spec.startupSeconds, drainSeconds: spec.drainSeconds }) },
  };

  const commands = [
    `# Model server as systemd unit ${SERVING_UNIT_NAME} (lib/serving/host-script.ts)`,
    `install -d -m 0755 ${LIB_DIR} ${CONF_DIR} ${SERVING_MODEL_HOST_DIR}`,
  ];
  for (const [path, file] of Object.entries(files)) {
    // A quoted delimiter: the shell expands nothing in the body. No body line can be the delimiter alone: values
    // are single-line and sit after `NAME=` or inside quotes (test/serving/host-script.test.ts tries).
    commands.push(`cat > ${path} <<'${HEREDOC}'\n${file.content}${HEREDOC}`, `chmod ${file.mode} ${path}`);
  }
  commands.push(
    'systemctl daemon-reload',
    `systemctl enable --now --no-block ${SERVING_UNIT_NAME}`,
    READY_SCRIPT,
  );
  return { commands, files };
}
