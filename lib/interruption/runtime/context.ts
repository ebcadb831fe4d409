import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import type { HandlerConfig, HandlerDeps } from './types';

/** What every module of the handler works with: its config, its clients and utilities, a clock and a counter. */
export interface HandlerContext {
  readonly config: HandlerConfig;
  readonly deps: HandlerDeps;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Counts `name` on the fleet-wide series (default dimensions only, for alarms) and on the `dims` breakdown. */
  readonly count: (name: string, dims: Record<string, string>, value?: number, unit?: MetricUnitValue) => void;
  /** Counts `name` on the `dims` breakdown only (a second breakdown of a series `count` already counted). */
  readonly countBreakdown: (name: string, dims: Record<string, string>, value?: number) => void;
}

export function createContext(config: HandlerConfig, deps: HandlerDeps): HandlerContext {
  const { metrics } = deps;
  const breakdown = (name: string, dims: Record<string, string>, value: number, unit: MetricUnitValue) => {
    const single = metrics.singleMetric();
    single.addDimensions(dims);
    single.addMetric(name, unit, value);
  };
  return {
    config,
    deps,
    now: deps.now ?? (() => Date.now()),
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    count(name, dims, value = 1, unit = MetricUnit.Count) {
      metrics.addMetric(name, unit, value);
      breakdown(name, dims, value, unit);
    },
    countBreakdown(name, dims, value = 1) {
      breakdown(name, dims, value, MetricUnit.Count);
    },
  };
}
