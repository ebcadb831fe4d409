import { INTERRUPTION_ENV as ENV } from '../../shared/interruption-env';
import type { HandlerConfig } from './types';

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
  const rebalance = required(ENV.rebalanceAction);
  if (rebalance !== 'drain' && rebalance !== 'notify') {
    throw new Error(`environment variable ${ENV.rebalanceAction} (${rebalance}) must be 'drain' or 'notify'`);
  }
  return {
    autoScalingGroupNames: required(ENV.groupNames).split(',').filter((s) => s.length > 0),
    fleetTag: { key: required(ENV.fleetTagKey), value: required(ENV.fleetTagValue) },
    targetGroupArns: (env[ENV.targetGroupArns] ?? '').split(',').filter((s) => s.length > 0),
    rebalanceAction: rebalance,
    drainDocumentName: required(ENV.drainDocumentName),
    drainDocumentParameters: parameters(ENV.drainDocumentParameters, env[ENV.drainDocumentParameters] ?? '{}'),
    drainTimeoutSeconds: number(ENV.drainTimeoutSeconds),
    resumeDocumentName: env[ENV.resumeDocumentName] || undefined,
    resumeDocumentParameters: parameters(ENV.resumeDocumentParameters, env[ENV.resumeDocumentParameters] ?? '{}'),
    rebalanceRecheckSeconds: number(ENV.rebalanceRecheckSeconds),
    heartbeatIntervalSeconds: number(ENV.heartbeatIntervalSeconds),
    pollIntervalSeconds: number(ENV.pollIntervalSeconds),
    topicArn: required(ENV.topicArn),
    queueUrl: required(ENV.queueUrl),
  };
}

function parameters(name: string, text: string): Record<string, string[]> {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`environment variable ${name} is not JSON: ${text}`);
  }
}
