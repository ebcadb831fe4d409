import {
  SERVING_CONTAINER_NAME, SERVING_DRAIN_SCRIPT, SERVING_MODEL_CONTAINER_DIR, SERVING_UNIT_NAME,
} from '../shared/serving';

// The files the serving workload writes on a host. Bash scripts read their settings from inference.conf (through
// common.sh); only what must be literal in a script (docker run arguments, the container command) is rendered into
// one. Every script is linted by shellcheck in test/serving/host-script.test.ts.

export const CONF_DIR = '/etc/gpu-fleet';
export const LIB_DIR = '/usr/local/lib/gpu-fleet';
export const CONF_FILE = `${CONF_DIR}/inference.conf`;
export const ENV_FILE = `${CONF_DIR}/inference.env`;
export const SECRETS_LIST_FILE = `${CONF_DIR}/secrets.list`;
export const COMMON_FILE = `${LIB_DIR}/common.sh`;
export const PRESTART_SCRIPT = `${LIB_DIR}/inference-prestart`;
export const RUN_SCRIPT = `${LIB_DIR}/inference-run`;
export const STOP_SCRIPT = `${LIB_DIR}/inference-stop`;
export const READY_SCRIPT = `${LIB_DIR}/inference-ready`;
export const UNIT_FILE = `/etc/systemd/system/${SERVING_UNIT_NAME}`;
/** tmpfs, root only: the fetched secret values, and the stop grace the drain script leaves for the unit's stop. */
export const RUN_DIR = '/run/gpu-fleet';
export const SECRETS_ENV_FILE = `${RUN_DIR}/secrets.env`;
export const STOP_GRACE_FILE = `${RUN_DIR}/stop-seconds`;

const SOURCE_COMMON = ['# shellcheck source=/dev/null', `. ${COMMON_FILE}`];

export function commonScript(): string {
  return lines(
    '# Settings and helpers of the gpu-spot-fleet serving scripts (lib/serving). Sourced, never run.',
    '# shellcheck source=/dev/null',
    `. ${CONF_FILE}`,
    '',
    '# Instance metadata over IMDSv2 (the launch template requires session tokens).',
    'imds() {',
    '  local token',
    "  token=$(curl -fsS --max-time 5 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')",
    '  curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"',
    '}',
  );
}

export function prestartScript(): string {
  return lines(
    '#!/bin/bash',
    `# ExecStartPre of ${SERVING_UNIT_NAME}: log in to ECR, pull the image, sync the model, fetch the secrets. Any`,
    '# failure fails the start; systemd retries (Restart=on-failure) until StartLimitBurst, then the unit stays failed.',
    'set -euo pipefail',
    ...SOURCE_COMMON,
    '',
    `rm -f ${STOP_GRACE_FILE}`,
    'docker rm -f "$CONTAINER" >/dev/null 2>&1 || true',
    '',
    '# Amazon Linux 2023 ships AWS CLI v2; the guard covers AMIs without it.',
    'command -v aws >/dev/null 2>&1 || dnf install -y awscli-2',
    '',
    'if [ "$ECR_LOGIN" = true ]; then',
    '  # An ECR token lasts 12 hours, so every (re)start logs in again.',
    '  aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "${IMAGE%%/*}"',
    'fi',
    '# Pulled here, not by docker run, so a wrong tag or digest fails the start at once and visibly.',
    'docker pull --quiet "$IMAGE"',
    '',
    'if [ -n "$MODEL_S3_URI" ]; then',
    '  # Idempotent on a restart; over the S3 gateway endpoint when the VPC has one.',
    '  aws s3 sync "$MODEL_S3_URI" "$MODEL_DIR" --region "$REGION" --only-show-errors --no-progress',
    'fi',
    '',
    '# Secret values are fetched now (never in user data), kept on tmpfs readable by root only, and handed to the',
    '# container as an env file. The region is the ARN\'s own.',
    `install -d -m 0700 ${RUN_DIR}`,
    'umask 077',
    `secrets_file=$(mktemp ${RUN_DIR}/secrets.XXXXXX)`,
    'while read -r kind name arn; do',
    '  case "$kind" in',
    '    secretsmanager)',
    '      value=$(aws secretsmanager get-secret-value --region "$(cut -d: -f4 <<<"$arn")" --secret-id "$arn" --query SecretString --output text) ;;',
    '    ssm)',
    '      value=$(aws ssm get-parameter --region "$(cut -d: -f4 <<<"$arn")" --with-decryption --name "$arn" --query Parameter.Value --output text) ;;',
    '    *) continue ;;',
    '  esac',
    '  if [[ "$value" == *$\'\\n\'* ]]; then',
    '    echo "secret $name ($arn): the value has a line break; a Docker env file holds one line per variable" >&2',
    '    exit 1',
    '  fi',
    '  printf \'%s=%s\\n\' "$name" "$value" >> "$secrets_file"',
    `done < ${SECRETS_LIST_FILE}`,
    `mv -f "$secrets_file" ${SECRETS_ENV_FILE}`,
  );
}

/** `dockerArgs` and `command` are validated and shell-quoted by the caller, one word each. */
export function runScript(quotedDockerArgs: readonly string[], quotedCommand: readonly string[], withModel: boolean): string {
  const args = [
    '--rm --name "$CONTAINER" --gpus all',
    // Always, and outside the allow-list (which rejects every --security-opt): no process in the container gains
    // privileges through setuid/setcap binaries. No --cap-drop=ALL: whether the NVIDIA runtime and vLLM start without
    // Docker's default capabilities is not verified here.
    // https://docs.docker.com/reference/cli/docker/container/run/#security-opt
    '--security-opt=no-new-privileges',
    '--publish "$PORT:$PORT"',
    `--env-file ${ENV_FILE}`,
    `--env-file ${SECRETS_ENV_FILE}`,
    ...(withModel ? [`--volume "$MODEL_DIR:${SERVING_MODEL_CONTAINER_DIR}:ro"`] : []),
    '--log-driver=awslogs',
    '--log-opt "awslogs-region=$REGION"',
    '--log-opt "awslogs-group=$LOG_GROUP"',
    '--log-opt "awslogs-stream=$instance_id"',
    // A slow CloudWatch Logs must never block the server's stdout.
    '--log-opt mode=non-blocking',
    '--log-opt max-buffer-size=4m',
    ...quotedDockerArgs,
    '"$IMAGE"',
    ...(quotedCommand.length ? [quotedCommand.join(' ')] : []),
  ];
  return lines(
    '#!/bin/bash',
    `# ExecStart of ${SERVING_UNIT_NAME}: the model server in Docker with every GPU (NVIDIA container toolkit of the`,
    '# Deep Learning AMI); exec keeps the docker client as the unit\'s main process. Logs go to CloudWatch (awslogs),',
    '# one stream per instance.',
    'set -euo pipefail',
    ...SOURCE_COMMON,
    'instance_id=$(imds instance-id)',
    `exec docker run ${args.join(' \\\n  ')}`,
  );
}

/**
 * A script, not a fixed `docker stop --time=<drain - 10>` in the unit: the drain script first waits for in-flight
 * requests, so a fixed grace on top of that wait could outlast the drain document's `timeout <drain>`, which would
 * kill the drain and report it failed. The drain script hands over what is left of its budget instead.
 */
export function stopScript(): string {
  return lines(
    '#!/bin/bash',
    `# ExecStop of ${SERVING_UNIT_NAME}: SIGTERM to the server, SIGKILL after the grace. The grace is the drain`,
    '# timeout minus 10 s (the unit\'s TimeoutStopSec is the drain timeout), or, once, what the drain script left of',
    '# its budget.',
    'set -euo pipefail',
    ...SOURCE_COMMON,
    'grace=$((DRAIN_SECONDS - 10))',
    `if [ -f ${STOP_GRACE_FILE} ]; then`,
    `  left=$(cat ${STOP_GRACE_FILE})`,
    `  rm -f ${STOP_GRACE_FILE}`,
    '  if [[ "$left" =~ ^[0-9]+$ ]] && (( left < grace )); then grace=$left; fi',
    'fi',
    'exec docker stop --time="$grace" "$CONTAINER"',
  );
}

export function drainScript(): string {
  return lines(
    '#!/bin/bash',
    '# Drain of this host. The interruption handler\'s drain document runs it under `timeout <drain seconds>` after',
    '# the host has left the target groups: wait until the model server has no request in flight (vLLM metrics),',
    '# at most IDLE_WAIT_SECONDS, then stop the unit with the rest of the drain timeout as the stop grace.',
    'set -euo pipefail',
    ...SOURCE_COMMON,
    'started=$SECONDS',
    '',
    '# Requests running plus waiting; fails when the server exposes neither metric (then nothing to wait for: its',
    '# own SIGTERM handling finishes the requests in flight).',
    'in_flight() {',
    '  curl -fsS --max-time 2 "http://127.0.0.1:$PORT/metrics" |',
    '    awk \'/^vllm:num_requests_(running|waiting)[{ ]/ { n += $NF; seen = 1 } END { if (!seen) exit 1; printf "%d\\n", n }\'',
    '}',
    'while (( SECONDS - started < IDLE_WAIT_SECONDS )); do',
    '  busy=$(in_flight) || break',
    '  if (( busy == 0 )); then break; fi',
    '  sleep 2',
    'done',
    '',
    'grace=$((DRAIN_SECONDS - (SECONDS - started) - 10))',
    'if (( grace < 5 )); then grace=5; fi',
    `install -d -m 0700 ${RUN_DIR}`,
    `echo "$grace" > ${STOP_GRACE_FILE}`,
    'exec systemctl stop "$UNIT"',
  );
}

export function readyScript(): string {
  return lines(
    '#!/bin/bash',
    '# Run at the end of user data: wait until the model server answers its health check on this host, then complete',
    '# the launch lifecycle hook with CONTINUE, so the host goes InService (and into the target groups) only when it',
    '# serves. ABANDON when it is not healthy within STARTUP_SECONDS or its unit failed: Auto Scaling replaces it.',
    'set -euo pipefail',
    ...SOURCE_COMMON,
    'result=ABANDON',
    'deadline=$((SECONDS + STARTUP_SECONDS))',
    'while (( SECONDS < deadline )); do',
    '  if curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$PORT$HEALTH_PATH"; then',
    '    result=CONTINUE',
    '    break',
    '  fi',
    '  if systemctl is-failed --quiet "$UNIT"; then',
    '    echo "$UNIT failed; see journalctl -u $UNIT" >&2',
    '    break',
    '  fi',
    '  sleep 5',
    'done',
    'echo "readiness: $result after ${SECONDS}s"',
    '',
    'if [ -n "$READY_HOOK" ]; then',
    '  instance_id=$(imds instance-id)',
    '  group=$(aws ec2 describe-tags --region "$REGION" --filters "Name=resource-id,Values=$instance_id" \\',
    "    'Name=key,Values=aws:autoscaling:groupName' --query 'Tags[0].Value' --output text)",
    '  if [ -z "$group" ] || [ "$group" = None ]; then',
    '    echo "not in an Auto Scaling group: no lifecycle hook to complete"',
    '  elif ! out=$(aws autoscaling complete-lifecycle-action --region "$REGION" --auto-scaling-group-name "$group" \\',
    '      --lifecycle-hook-name "$READY_HOOK" --instance-id "$instance_id" --lifecycle-action-result "$result" 2>&1); then',
    '    case "$out" in',
    '      # Hosts launched before the hook existed (the first deploy creates the group, then the hook).',
    "      *'No active Lifecycle Action'*) echo 'no launch lifecycle action pending' ;;",
    '      *) echo "$out" >&2; exit 1 ;;',
    '    esac',
    '  fi',
    'fi',
    '[ "$result" = CONTINUE ]',
  );
}

export interface UnitTimeouts {
  readonly startupSeconds: number;
  readonly drainSeconds: number;
}

/**
 * The systemd unit. TimeoutStartSec covers ExecStartPre (image pull, model sync): systemd's 90 s default would kill
 * it. TimeoutStopSec is the drain timeout, so a drain gets the time it asks for. `Restart=on-failure` does not
 * restart after a `systemctl stop` (the drain); after 5 failures in 30 minutes the unit stays failed, the health
 * check fails and Auto Scaling replaces the host instead of a GPU host crash-looping.
 * https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html
 */
export function unitFile(t: UnitTimeouts): string {
  return lines(
    '[Unit]',
    'Description=Model server (gpu-spot-fleet serving workload)',
    'Requires=docker.service',
    'After=docker.service network-online.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=1800',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `TimeoutStartSec=${t.startupSeconds}`,
    `TimeoutStopSec=${t.drainSeconds}`,
    'Restart=on-failure',
    'RestartSec=15',
    `ExecStartPre=${PRESTART_SCRIPT}`,
    `ExecStart=${RUN_SCRIPT}`,
    `ExecStop=${STOP_SCRIPT}`,
    `ExecStopPost=-/usr/bin/docker rm -f ${SERVING_CONTAINER_NAME}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  );
}

export { SERVING_DRAIN_SCRIPT as DRAIN_SCRIPT };

function lines(...l: string[]): string {
  return `${l.join('\n')}\n`;
}
