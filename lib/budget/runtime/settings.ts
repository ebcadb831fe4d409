import { KILL_SWITCH_ENV as ENV } from '../../shared/kill-switch-env';
import type { KillSwitchSettings } from './types';

/** Reads and checks the settings; the message names the variable, its value and the rule. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): KillSwitchSettings {
  const problems: string[] = [];
  const text = (name: string): string => {
    const v = env[name];
    if (!v) problems.push(`${name} is not set; redeploy the BudgetGuard construct`);
    return v ?? '';
  };
  const count = (name: string): number => {
    const raw = text(name);
    const n = Number(raw);
    if (raw && (!Number.isInteger(n) || n < 0)) problems.push(`${name} (${raw}) must be a whole number >= 0`);
    return n;
  };
  const capTo = text(ENV.capTo);
  if (capTo && capTo !== 'zero' && capTo !== 'base') problems.push(`${ENV.capTo} (${capTo}) must be "zero" or "base"`);
  const settings: KillSwitchSettings = {
    groupName: text(ENV.groupName),
    capTo: capTo as 'zero' | 'base',
    baseCapacity: count(ENV.baseCapacity),
    restoreMinCapacity: count(ENV.restoreMin),
    restoreMaxCapacity: count(ENV.restoreMax),
    topicArn: text(ENV.topicArn),
    environmentName: text(ENV.environmentName),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME || undefined,
  };
  if (problems.length > 0) throw new Error(`Kill switch misconfigured:\n  ${problems.join('\n  ')}`);
  return settings;
}
