import { SERVING_DRAIN_SCRIPT, SERVING_RESUME_SCRIPT } from '../shared/serving';

/** The drop-in the drain writes so `systemctl stop` waits as long as the drain may take (see drainDocumentContent). */
const DROP_IN = '/run/systemd/system/{{ serviceName }}.d/50-gpu-fleet-drain.conf';

/**
 * Content of the default drain SSM Command document. The workload's own `/usr/local/bin/gpu-fleet-drain`
 * (stop taking work, finish or checkpoint in-flight requests) wins; otherwise the serving unit is stopped,
 * which sends SIGTERM so a well-behaved server finishes its requests. Both are bounded by the drain timeout.
 *
 * systemd SIGKILLs a unit that has not stopped within its TimeoutStopSec (DefaultTimeoutStopSec, 90 s unless the
 * unit says otherwise), whatever `timeout` wraps `systemctl stop`. So the stop first writes a runtime drop-in (in
 * /run: gone at reboot) that sets TimeoutStopSec to the drain timeout; the resume document removes it.
 * https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#TimeoutStopSec=
 */
export function drainDocumentContent(drainTimeoutSeconds: number, serviceName: string): Record<string, unknown> {
  return {
    schemaVersion: '2.2',
    description: 'Drain a GPU inference host before it is interrupted or terminated (gpu-spot-fleet).',
    parameters: {
      serviceName: serviceNameParameter(serviceName, `systemd unit to stop when ${SERVING_DRAIN_SCRIPT} does not exist`),
      timeoutSeconds: {
        type: 'String',
        description: 'Seconds the drain may take',
        default: String(drainTimeoutSeconds),
        allowedPattern: '^[0-9]{1,4}$',
      },
    },
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'drain',
        inputs: {
          timeoutSeconds: String(drainTimeoutSeconds + 15),
          runCommand: [
            'set -u',
            `if [ -x ${SERVING_DRAIN_SCRIPT} ]; then`,
            `  exec timeout "{{ timeoutSeconds }}" ${SERVING_DRAIN_SCRIPT}`,
            'fi',
            '# systemd would SIGKILL the unit at its TimeoutStopSec (90 s by default): let it stop for the whole drain.',
            `mkdir -p "$(dirname "${DROP_IN}")"`,
            `printf '[Service]\\nTimeoutStopSec=%s\\n' "{{ timeoutSeconds }}" > "${DROP_IN}"`,
            'systemctl daemon-reload',
            'exec timeout "$(( {{ timeoutSeconds }} + 10 ))" systemctl stop "{{ serviceName }}"',
          ],
        },
      },
    ],
  };
}

/**
 * Content of the default resume SSM Command document: brings a host drained on a rebalance recommendation back.
 * The workload's own `/usr/local/bin/gpu-fleet-resume` wins; otherwise the serving unit is restarted (a restart,
 * not a start: a drain script may have left the server running but refusing work).
 */
export function resumeDocumentContent(serviceName: string): Record<string, unknown> {
  return {
    schemaVersion: '2.2',
    description: 'Bring a drained GPU inference host back into service (gpu-spot-fleet).',
    parameters: {
      serviceName: serviceNameParameter(serviceName, `systemd unit to restart when ${SERVING_RESUME_SCRIPT} does not exist`),
    },
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'resume',
        inputs: {
          timeoutSeconds: '120',
          runCommand: [
            'set -u',
            `if [ -f "${DROP_IN}" ]; then rm -f "${DROP_IN}" && systemctl daemon-reload; fi`,
            `if [ -x ${SERVING_RESUME_SCRIPT} ]; then`,
            `  exec ${SERVING_RESUME_SCRIPT}`,
            'fi',
            'exec systemctl restart "{{ serviceName }}"',
          ],
        },
      },
    ],
  };
}

function serviceNameParameter(serviceName: string, description: string) {
  return {
    type: 'String',
    description,
    default: serviceName,
    // Interpolated into shell lines and a path: only unit-name characters.
    allowedPattern: '^[A-Za-z0-9@._-]+$',
  };
}
