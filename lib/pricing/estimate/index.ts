/** The cost model: pure, no I/O. See docs/cost-report.md. */
export { estimateEnvironmentCost } from './estimate';
export { pickCostInputs, pricingYear } from './inputs';
export { FAVOURED_SPOT_POOLS_PER_AZ } from './fleet-shape';
export { CostModelError, DEFAULT_SMALL_PARTS } from './types';
export { lcuFigures } from './endpoint';
export type {
  CapacityProfileLevel,
  CapacityUnit,
  CostComponent,
  CostComponentId,
  CostModelEnvironment,
  EndpointEstimate,
  EndpointLine,
  EnvironmentCostEstimate,
  EstimateOptions,
  LambdaArchitecture,
  PriceUsed,
  ServingCostInputs,
  SmallPartsUsage,
} from './types';
