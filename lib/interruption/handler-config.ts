import type { HandlerConfig } from './handler-logic';

/** Reads the handler's configuration from the environment the construct sets; names any missing variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): HandlerConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set: the InterruptionHandler construct sets it; redeploy the stack`);
    return v;
  };
  const number = (name: string): number => {
    const v = Number(required(name));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`environment variable ${name} (${env[name]}) must be a positive number`);
    return v;
  };
  const rebalance = required('REBALANCE_ACTION');
  if (rebalance !== 'drain' && rebalance !== 'notify') {
    throw new Error(`environment variable REBALANCE_ACTION (${rebalance}) must be 'drain' or 'notify'`);
  }
  return {
    autoScalingGroupName: required('AUTO_SCALING_GROUP_NAME'),
    fleetTag: { key: required('FLEET_TAG_KEY'), value: required('FLEET_TAG_VALUE') },
    targetGroupArns: (env.TARGET_GROUP_ARNS ?? '').split(',').filter((s) => s.length > 0),
    rebalanceAction: rebalance,
    drainDocumentName: required('DRAIN_DOCUMENT_NAME'),
    drainDocumentParameters: parameters(env.DRAIN_DOCUMENT_PARAMETERS ?? '{}'),
    drainTimeoutSeconds: number('DRAIN_TIMEOUT_SECONDS'),
    heartbeatIntervalSeconds: number('HEARTBEAT_INTERVAL_SECONDS'),
    pollIntervalSeconds: number('POLL_INTERVAL_SECONDS'),
    topicArn: required('TOPIC_ARN'),
  };
}

function parameters(text: string): Record<string, string[]> {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`environment variable DRAIN_DOCUMENT_PARAMETERS is not JSON: ${text}`);
  }
}
