/**
 * Environment variables of the on-demand fallback controller: OnDemandFallback sets them, the controller's runtime
 * (lib/fallback/runtime/env.ts) reads them. Runtime code imports this file, so it stays free of aws-cdk-lib.
 */
export const FALLBACK_ENV = {
  mainGroupName: 'MAIN_GROUP_NAME',
  fallbackGroupName: 'FALLBACK_GROUP_NAME',
  stateParameterName: 'STATE_PARAMETER_NAME',
  topicArn: 'TOPIC_ARN',
  fleet: 'FLEET_TAG_VALUE',
  engageAfterMinutes: 'ENGAGE_AFTER_MINUTES',
  engageWithoutFailuresAfterMinutes: 'ENGAGE_WITHOUT_FAILURES_AFTER_MINUTES',
  releaseAfterMinutes: 'RELEASE_AFTER_MINUTES',
  maxFallbackInstances: 'MAX_FALLBACK_INSTANCES',
  unitsPerInstance: 'UNITS_PER_INSTANCE',
  fallbackWeighted: 'FALLBACK_WEIGHTED',
} as const;
