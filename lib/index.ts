// The construct library's public surface. Constructs are usable on their own (take standard CDK types as props);
// GpuFleetStack shows how they compose.

// Fleet
export * from './fleet/gpu-fleet';
export * from './fleet/fleet-network';
export * from './catalog';
export { CLOUDWATCH_AGENT_CONFIG, gpuHostUserData } from './fleet/user-data';

// Spot interruptions
export * from './interruption';

// Budget guardrails and schedules
export * from './budget';
export * from './schedule';

// When spot runs dry: on-demand fallback, capacity ledger, placement scores, dashboard
export * from './fallback';
export * from './placement';
export * from './dashboard';

// Pricing and the cost report
export * from './pricing/types';
export * from './pricing/lookup';
export * from './pricing/estimate';
export * from './pricing/price-book';
export * from './pricing/report';

// Composition
export * from './stacks/gpu-fleet-stack';
export * from './stacks/cost-inputs';
export * from '../config/types';
export { FleetConfigError, validateEnvironments, environmentProblems } from '../config/validate';
