/** Environment variables of the kill-switch function: the construct sets them, the handler reads them. */
export const KILL_SWITCH_ENV = {
  groupName: 'KILL_SWITCH_GROUP_NAME',
  capTo: 'KILL_SWITCH_CAP_TO',
  baseCapacity: 'KILL_SWITCH_BASE_CAPACITY',
  restoreMin: 'KILL_SWITCH_RESTORE_MIN',
  restoreMax: 'KILL_SWITCH_RESTORE_MAX',
  topicArn: 'KILL_SWITCH_TOPIC_ARN',
  environmentName: 'KILL_SWITCH_ENVIRONMENT',
} as const;

/**
 * Metrics the kill-switch function publishes (Powertools EMF, default dimensions `service` and `Environment`), for
 * the construct's alarms and the dashboard.
 */
export const KILL_SWITCH_METRICS = {
  namespace: 'GpuSpotFleet',
  service: 'gpu-fleet-budget-kill-switch',
  /** Messages on the budget topic that are none of the kinds the kill switch knows: a Budgets format change looks like this. */
  unrecognisedMessages: 'UnrecognisedBudgetTopicMessages',
} as const;
