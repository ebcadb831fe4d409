export { CapacityLedger } from './capacity-ledger';
export type { CapacityLedgerProps, PoolAlarms } from './capacity-ledger';
export { decideFallback, fallbackConfigProblems, INITIAL_STATE, stateFromGroup } from './runtime/decision';
export type { FallbackAction, FallbackDecisionConfig, FallbackDecision, FallbackObservation, FallbackState } from './runtime/decision';
export * from './ledger-metrics';
export {
  CAPACITY_TAG_KEY,
  FALLBACK_CAPACITY_TAG_VALUE,
  FallbackConfigError,
  OnDemandFallback,
} from './on-demand-fallback';
export type { OnDemandFallbackProps } from './on-demand-fallback';
