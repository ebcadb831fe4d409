import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../config/types';
import { GpuFleetStack } from '../../lib/stacks/gpu-fleet-stack';
import { fixtureEstimate } from './prices';

/** A config object with overrides applied deeply (arrays replace), for validation and construct tests. */
export function withOverrides<T>(base: T, overrides: DeepPartial<T>): T {
  if (Array.isArray(overrides) || overrides === null || typeof overrides !== 'object') return overrides as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(overrides as Record<string, unknown>)) {
    out[k] = v !== undefined && typeof v === 'object' && !Array.isArray(v) && v !== null && typeof out[k] === 'object'
      ? withOverrides(out[k], v as DeepPartial<unknown>)
      : v;
  }
  return out as T;
}

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * `cfg` without its serving block, as before issue 11: GPU hosts without a workload, the burst on GPU utilization,
 * a configured warm-up (serving derives it otherwise).
 */
export function withoutServing(cfg: EnvironmentConfig, warmupSeconds = 420): EnvironmentConfig {
  const metric = cfg.fleet.scaling.metric.kind === 'request-count' ? { kind: 'gpu-utilization' as const, targetPercent: 70 } : cfg.fleet.scaling.metric;
  const acknowledge = cfg.acknowledge?.filter((a) => a.id !== 'gpu-fleet:mutableImageTag');
  const { serving: _serving, acknowledge: _acknowledge, ...rest } = cfg;
  return { ...rest, ...(acknowledge?.length ? { acknowledge } : {}), fleet: { ...cfg.fleet, scaling: { ...cfg.fleet.scaling, metric, warmupSeconds } } };
}

/** Builds the environment's stack the way bin/app.ts does (no account: account-agnostic, as in CI). */
export function buildEnvironmentStack(cfg: EnvironmentConfig, app = new App()): { app: App; stack: GpuFleetStack; template: Template } {
  const stack = new GpuFleetStack(app, `GpuFleet-${cfg.name}`, { config: cfg, costEstimate: fixtureEstimate(cfg), env: { region: cfg.region } });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Resources of one type in a template, keyed by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, { Properties: Record<string, any> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}
