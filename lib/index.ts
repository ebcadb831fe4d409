// The construct library's public surface. Constructs are usable on their own (take standard CDK types as props);
// no app config type appears in it.

// Fleet
export * from './fleet/gpu-fleet';
export * from './fleet/fleet-network';
export * from './catalog';
export { CLOUDWATCH_AGENT_CONFIG, gpuHostUserData } from './fleet/user-data';
export * from './fleet/rollout';
// The deny that keeps a host role (GpuFleet's, or yours) to the SSM parameters its workload reads
export * from './shared/host-parameter-reads';

// Serving a model: the load balancer in front, the workload on the hosts, request-driven scaling, live alarms
export * from './serving';

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

// What constructs and their users share: the error base class of every construct error, the synth warning ids
export * from './shared/errors';
export * from './shared/warning-ids';

// Not exported: lib/stacks (the app's composition of these constructs, which reads the app's config/) and config/.
// Compose your own stack from the constructs above; lib/stacks/gpu-fleet-stack.ts shows how.
