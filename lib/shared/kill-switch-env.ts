/**
 * Environment variables of the budget kill-switch function: BudgetGuard sets them, the runtime
 * (lib/budget/runtime/settings.ts) reads them. Runtime code imports this file, so it must stay free of aws-cdk-lib and
 * constructs.
 */
export const KILL_SWITCH_ENV = {
  groupName: 'KILL_SWITCH_GROUP_NAME',
  capTo: 'KILL_SWITCH_CAP_TO',
  baseCapacity: 'KILL_SWITCH_BASE_CAPACITY',
  restoreMin: 'KILL_SWITCH_RESTORE_MIN',
  restoreMax: 'KILL_SWITCH_RESTORE_MAX',
  topicArn: 'KILL_SWITCH_TOPIC_ARN',
  environmentName: 'KILL_SWITCH_ENVIRONMENT',
} as const;
