import { GpuFleetError } from '../lib/shared/errors';
import { fieldPath, show, valueAt } from './format';
import { ruleProblems } from './rules';
import { EnvironmentSchema } from './schema';
import type { EnvironmentConfig } from './types';
import { fieldsAt, unknownFieldProblem } from './unknown-fields';

export { LOG_RETENTION_DAYS } from './schema';

/**
 * Thrown when environment config is wrong. `problems` holds one line per problem, each naming the
 * environment, the field, the bad value and the rule; the message lists them all.
 */
export class FleetConfigError extends GpuFleetError {
  constructor(public readonly problems: readonly string[]) {
    super(
      `Invalid environment config (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix config/environments.ts:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'FleetConfigError';
  }
}

/**
 * All problems of one environment, one line each; empty when the config is valid. The schema's problems first (shape,
 * per-field rules, unknown keys); the cross-field rules of config/rules.ts run once the shape is right.
 */
export function environmentProblems(raw: unknown, label?: string): string[] {
  const name = label ?? (typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : 'environment');
  const parsed = EnvironmentSchema.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const fields = fieldsAt(EnvironmentSchema, raw, issue.path);
        return issue.keys.map((key) => unknownFieldProblem(name, issue.path, key, fields));
      }
      return [`${fieldPath(name, issue.path)} (${show(valueAt(raw, issue.path))}) ${issue.message}`];
    });
  }
  // The input, not zod's copy: the same objects go on to the stacks (and strict parsing dropped nothing).
  return ruleProblems(raw as EnvironmentConfig);
}

/**
 * Validates every environment and returns them unchanged, or throws one FleetConfigError listing every
 * problem of every environment. Runs before any construct is built, so bad config never yields a template.
 */
export function validateEnvironments(envs: readonly unknown[]): EnvironmentConfig[] {
  const problems: string[] = [];
  const names = new Set<string>();
  envs.forEach((env, i) => {
    const name = (env as { name?: unknown })?.name;
    if (typeof name === 'string') {
      if (names.has(name)) problems.push(`${name}.name ("${name}") is defined twice; each environment once`);
      names.add(name);
    }
    problems.push(...environmentProblems(env, typeof name === 'string' ? name : `environments[${i}]`));
  });
  if (problems.length > 0) throw new FleetConfigError(problems);
  return envs as EnvironmentConfig[];
}
