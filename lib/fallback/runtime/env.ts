import { fallbackConfigProblems, FallbackDecisionConfig } from './decision';
import { FALLBACK_ENV } from '../../shared/fallback-env';

/** What the controller needs to know; read from the environment OnDemandFallback sets. */
export interface ControllerConfig extends FallbackDecisionConfig {
  readonly mainGroupName: string;
  readonly fallbackGroupName: string;
  /** SSM parameter the controller owns (not in the template, so no deploy can reset it). */
  readonly stateParameterName: string;
  readonly topicArn: string;
  readonly fleet: string;
}

/** Reads the controller's configuration from its environment; names a missing or invalid variable. */
export function controllerConfigFromEnv(env: NodeJS.ProcessEnv): ControllerConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set: the OnDemandFallback construct sets it; redeploy the stack`);
    return v;
  };
  const number = (name: string): number => {
    const v = Number(required(name));
    if (!Number.isFinite(v)) throw new Error(`environment variable ${name} (${env[name]}) must be a number`);
    return v;
  };
  const flag = (name: string): boolean => {
    const v = required(name);
    if (v !== 'true' && v !== 'false') throw new Error(`environment variable ${name} (${v}) must be true or false`);
    return v === 'true';
  };
  const config: ControllerConfig = {
    mainGroupName: required(FALLBACK_ENV.mainGroupName),
    fallbackGroupName: required(FALLBACK_ENV.fallbackGroupName),
    stateParameterName: required(FALLBACK_ENV.stateParameterName),
    topicArn: required(FALLBACK_ENV.topicArn),
    fleet: required(FALLBACK_ENV.fleet),
    engageAfterMs: number(FALLBACK_ENV.engageAfterMinutes) * 60_000,
    engageWithoutFailuresAfterMs: number(FALLBACK_ENV.engageWithoutFailuresAfterMinutes) * 60_000,
    releaseAfterMs: number(FALLBACK_ENV.releaseAfterMinutes) * 60_000,
    maxFallbackInstances: number(FALLBACK_ENV.maxFallbackInstances),
    unitsPerInstance: number(FALLBACK_ENV.unitsPerInstance),
    fallbackWeighted: flag(FALLBACK_ENV.fallbackWeighted),
  };
  const problems = fallbackConfigProblems(config);
  if (problems.length) throw new Error(`fallback controller environment is invalid: ${problems.join('; ')}`);
  return config;
}
