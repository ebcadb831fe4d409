/**
 * Content of the default drain SSM Command document. The workload's own `/usr/local/bin/gpu-fleet-drain`
 * (stop taking work, finish or checkpoint in-flight requests) wins; otherwise the serving unit is stopped,
 * which sends SIGTERM so a well-behaved server finishes its requests. Both are bounded by the drain timeout.
 */
export function drainDocumentContent(drainTimeoutSeconds: number, serviceName: string): Record<string, unknown> {
  return {
    schemaVersion: '2.2',
    description: 'Drain a GPU inference host before it is interrupted or terminated (gpu-spot-fleet).',
    parameters: {
      serviceName: {
        type: 'String',
        description: 'systemd unit to stop when /usr/local/bin/gpu-fleet-drain does not exist',
        default: serviceName,
        // Interpolated into a shell line: only unit-name characters.
        allowedPattern: '^[A-Za-z0-9@._-]+$',
      },
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
            'if [ -x /usr/local/bin/gpu-fleet-drain ]; then',
            '  exec timeout "{{ timeoutSeconds }}" /usr/local/bin/gpu-fleet-drain',
            'fi',
            'exec timeout "{{ timeoutSeconds }}" systemctl stop "{{ serviceName }}"',
          ],
        },
      },
    ],
  };
}
