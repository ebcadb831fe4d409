/**
 * The `docker run` arguments a serving workload may add: one definition for the constructs (lib/serving) and the
 * config validation (config/), so it lives in lib/shared.
 * Pure: no aws-cdk-lib.
 *
 * An allow-list, not a deny-list: anything that widens the container's reach (host devices, capabilities, host
 * network or PID namespace, bind mounts, another entrypoint, security options) must be impossible to configure.
 * `--ipc=host` is allowed because NCCL and PyTorch data loaders need a large /dev/shm (the alternative is
 * `--shm-size`); it shares only System V IPC and POSIX shared memory with the host.
 * https://docs.docker.com/reference/cli/docker/container/run/
 */

interface AllowedArg {
  /** How the rule reads in an error message. */
  readonly shape: string;
  readonly pattern: RegExp;
}

const POSITIVE_INT = '[1-9][0-9]{0,8}';

/** Allowed forms, `--flag=value` only (a separate value word could smuggle in another flag). */
export const ALLOWED_DOCKER_ARGS: readonly AllowedArg[] = [
  { shape: '--shm-size=<n>[bkmg]', pattern: /^--shm-size=[1-9][0-9]{0,5}[bkmg]?$/ },
  { shape: '--ipc=host', pattern: /^--ipc=host$/ },
  { shape: '--ulimit=memlock=-1[:-1]', pattern: /^--ulimit=memlock=-1(:-1)?$/ },
  { shape: '--ulimit=stack=<n>', pattern: new RegExp(`^--ulimit=stack=${POSITIVE_INT}(:${POSITIVE_INT})?$`) },
  { shape: '--pids-limit=<n>', pattern: new RegExp(`^--pids-limit=${POSITIVE_INT}$`) },
  { shape: '--cpus=<n>', pattern: /^--cpus=([1-9][0-9]{0,3}(\.[0-9]{1,3})?|0\.[0-9]{0,2}[1-9])$/ },
  { shape: '--memory=<n>[mg]', pattern: new RegExp(`^--memory=${POSITIVE_INT}[mg]$`) },
];

/** The allow-list as one line, for error messages. */
export const ALLOWED_DOCKER_ARGS_TEXT = ALLOWED_DOCKER_ARGS.map((a) => a.shape).join(', ');

/** True when `arg` is one of the allowed `docker run` arguments. */
export function isAllowedDockerArg(arg: string): boolean {
  return ALLOWED_DOCKER_ARGS.some((a) => a.pattern.test(arg));
}
