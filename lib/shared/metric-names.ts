/**
 * Names of the metrics the project's Lambdas emit (Powertools EMF) and its alarms, ledger and dashboard read:
 * one definition both sides import. This file imports nothing, so Lambda bundles stay small.
 *
 * The per-pool series are emitted by the interruption handler: namespace `GpuSpotFleet`, default dimensions
 * `service` + `Fleet`, and a breakdown per `EventType`, `InstanceType`, `AvailabilityZone` (+ `ErrorCode` for
 * launch failures).
 */
export const FLEET_METRIC_NAMESPACE = 'GpuSpotFleet';

/** `service` dimension of the interruption handler's metrics. */
export const HANDLER_SERVICE = 'interruption-handler';

/** `service` dimension of the fallback controller's metrics. */
export const FALLBACK_SERVICE = 'fallback-controller';

/** The EventBridge detail types, as the handler puts them in the `EventType` dimension. */
export const EVENT_TYPES = {
  spotInterruption: 'EC2 Spot Instance Interruption Warning',
  rebalance: 'EC2 Instance Rebalance Recommendation',
  stateChange: 'EC2 Instance State-change Notification',
  terminateLifecycle: 'EC2 Instance-terminate Lifecycle Action',
  launchUnsuccessful: 'EC2 Instance Launch Unsuccessful',
} as const;

/** Metric names the interruption handler emits. */
export const HANDLER_METRICS = {
  interruptions: 'Interruptions',
  rebalanceRecommendations: 'RebalanceRecommendations',
  /** Every failed launch: fleet-wide, per AZ and error code, and per pool and error code when the type is named. */
  launchFailures: 'LaunchFailures',
  /** Failed launches with a capacity-shortage code: per AZ and `Market`, and per pool when the type is named. */
  capacityLaunchFailures: 'CapacityLaunchFailures',
  /** Seconds one drain command ran (its own start to its end), counted once when its end is seen. */
  drainDurationSeconds: 'DrainDurationSeconds',
  drainFailures: 'DrainFailures',
  /** Drains not started because SSM cannot reach the host (InvalidInstanceId): a warning, not a failure. */
  drainsSkipped: 'DrainsSkipped',
  /** Seconds from an instance's launch to its spot interruption warning, per pool. */
  timeToInterruptionSeconds: 'TimeToInterruptionSeconds',
  /** Drain commands started (one per drain, whichever event started it). */
  drains: 'Drains',
  instanceStateChanges: 'InstanceStateChanges',
  /** Hosts drained on a rebalance recommendation that the sweep brought back into service. */
  hostsRestored: 'HostsRestored',
  /** Drained hosts the sweep could not resume and marked Unhealthy, so their group replaces them. */
  hostsReplaced: 'HostsReplaced',
  /** Records that failed permanently (the handler-errors alarm reads it). */
  processingErrors: 'ProcessingErrors',
  /** Records that failed transiently and are retried (never alarmed on). */
  retries: 'Retries',
} as const;

/** Metric names the fallback controller emits (dimensions `service`, `Fleet`; decisions also per `Action`). */
export const FALLBACK_METRICS = {
  desiredInstances: 'FallbackDesiredInstances',
  inServiceInstances: 'FallbackInServiceInstances',
  engaged: 'FallbackEngaged',
  shortfallCapacity: 'MainGroupShortfallCapacity',
  launchFailures: 'MainGroupLaunchFailures',
  /** Main group capacity units InService, Healthy and not drained: what the shortfall is measured against. */
  servingCapacity: 'MainGroupServingCapacity',
  /** Main group capacity units InService and Healthy but drained by the interruption handler. */
  drainedCapacity: 'MainGroupDrainedCapacity',
  /** Runs that could not read the drained tags (ec2:DescribeInstances failed) and counted drained hosts as serving. */
  drainedTagReadFailures: 'FallbackDrainedTagReadFailures',
  decisions: 'FallbackDecisions',
  notificationFailures: 'FallbackNotificationFailures',
  /** Runs whose stored state was stale, unreadable or contradicted by the fallback group, and was rebuilt from it. */
  stateRebuilt: 'FallbackStateRebuilt',
} as const;

/**
 * Launch error codes that mean "no capacity for this request here": EC2 has no (spot) capacity of the type in the
 * AZ, or spot is above the price cap. The handler counts these as CapacityLaunchFailures, per AZ and market (the
 * ledger's "spot capacity short" alarm per AZ) and per pool when the message names the type. Quota, subnet,
 * configuration and permission codes (VcpuLimitExceeded, MaxSpotInstanceCountExceeded, Unsupported,
 * InsufficientFreeAddressesInSubnet, ...) are not shortages; the handler's fleet-level LaunchFailures alarm covers them.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
export const CAPACITY_SHORTAGE_ERROR_CODES = [
  'InsufficientInstanceCapacity',
  'UnfulfillableCapacity',
  'InsufficientCapacity',
  'SpotMaxPriceTooLow',
] as const;


/** `service` dimension (and Powertools service name) of the budget kill switch. */
export const KILL_SWITCH_SERVICE = 'gpu-fleet-budget-kill-switch';

/**
 * Metric names the budget kill switch emits (namespace FLEET_METRIC_NAMESPACE, default dimensions `service` and
 * `Environment`).
 */
export const KILL_SWITCH_METRICS = {
  /** Messages on the budget topic that are none of the kinds the kill switch knows: a Budgets format change looks like this. */
  unrecognisedMessages: 'UnrecognisedBudgetTopicMessages',
} as const;
