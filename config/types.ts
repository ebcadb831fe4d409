import type { z } from 'zod';
import type {
  AcknowledgementSchema, BudgetSchema, CapacityLevelSchema, CostSchema, EnvironmentSchema, ExistingVpcSchema, FallbackSchema, FleetSchema, InterruptionSchema,
  ScalingMetricSchema, SchedulePeriodSchema, ScheduleSchema, ServingSchema, TagsSchema, UsageSchema,
} from './schema';

/**
 * The types of the config, inferred from the one schema in `config/schema.ts` (where each field is documented) and
 * read-only all the way down: the app reads its config, it never changes it.
 */

/** `T` with every property, array and record read-only, at every depth. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Config<S extends z.ZodType> = DeepReadonly<z.infer<S>>;

export type EnvironmentConfig = Config<typeof EnvironmentSchema>;
export type EnvironmentName = EnvironmentConfig['name'];
export type ExistingVpcConfig = Config<typeof ExistingVpcSchema>;
export type ScalingMetricConfig = Config<typeof ScalingMetricSchema>;
export type FleetConfig = Config<typeof FleetSchema>;
export type TagsConfig = Config<typeof TagsSchema>;
export type BudgetConfig = Config<typeof BudgetSchema>;
export type SchedulePeriodConfig = Config<typeof SchedulePeriodSchema>;
export type ScheduleConfig = Config<typeof ScheduleSchema>;
export type CapacityLevelConfig = Config<typeof CapacityLevelSchema>;
export type Weekday = SchedulePeriodConfig['days'][number];
export type UsageConfig = Config<typeof UsageSchema>;
export type InterruptionConfig = Config<typeof InterruptionSchema>;
export type FallbackConfig = Config<typeof FallbackSchema>;
export type CostConfig = Config<typeof CostSchema>;
export type AcknowledgementConfig = Config<typeof AcknowledgementSchema>;
export type ServingConfig = Config<typeof ServingSchema>;
