import { ALLOWED_DOCKER_ARGS_TEXT, isAllowedDockerArg } from '../../lib/shared/docker-args';

describe('docker run allow-list', () => {
  test.each([
    '--shm-size=8g', '--shm-size=1', '--shm-size=999999k', '--ipc=host', '--ulimit=memlock=-1', '--ulimit=memlock=-1:-1',
    '--ulimit=stack=67108864', '--ulimit=stack=1:2', '--pids-limit=4096', '--cpus=8', '--cpus=1.5', '--cpus=0.25',
    '--memory=64g', '--memory=512m',
  ])('allows %s', (arg) => {
    expect(isAllowedDockerArg(arg)).toBe(true);
  });

  test.each([
    '--privileged', '--cap-add=SYS_ADMIN', '--network=host', '--net=host', '-v', '-v=/:/host', '--volume=/:/host', '--device=/dev/mem',
    '--entrypoint=/bin/sh', '--pid=host', '--security-opt=seccomp=unconfined', '--userns=host', '--ipc=shareable',
    '--shm-size', '--shm-size 8g', '--shm-size=8g --privileged', '--shm-size=0', '--shm-size=8t', '--ulimit=memlock=0',
    '--ulimit=nofile=1', '--pids-limit=-1', '--cpus=0', '--cpus=abc', '--memory=1', '--memory=64G', '--gpus=all', '',
    '--ipc=host\n--privileged',
  ])('denies %j', (arg) => {
    expect(isAllowedDockerArg(arg)).toBe(false);
  });

  test('the rule as users read it', () => {
    expect(ALLOWED_DOCKER_ARGS_TEXT).toBe(
      '--shm-size=<n>[bkmg], --ipc=host, --ulimit=memlock=-1[:-1], --ulimit=stack=<n>, --pids-limit=<n>, --cpus=<n>, --memory=<n>[mg]',
    );
  });
});
