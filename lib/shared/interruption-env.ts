/**
 * Environment variables of the interruption handler function: the InterruptionHandler construct sets them, the
 * handler's runtime/env.ts reads them. Runtime code imports this file, so it imports nothing.
 */
export const INTERRUPTION_ENV = {
  /** Comma-separated names of the fleet's Auto Scaling groups (main group first, then e.g. the fallback group). */
  groupNames: 'AUTO_SCALING_GROUP_NAMES',
  /** Fleet tag key and value: an instance is the fleet's when it carries this tag. */
  fleetTagKey: 'FLEET_TAG_KEY',
  fleetTagValue: 'FLEET_TAG_VALUE',
  /** Comma-separated target group ARNs a draining host leaves; empty for none. */
  targetGroupArns: 'TARGET_GROUP_ARNS',
  /** `drain` or `notify`. */
  rebalanceAction: 'REBALANCE_ACTION',
  drainDocumentName: 'DRAIN_DOCUMENT_NAME',
  /** JSON object of SSM parameters (`Record<string, string[]>`). */
  drainDocumentParameters: 'DRAIN_DOCUMENT_PARAMETERS',
  drainTimeoutSeconds: 'DRAIN_TIMEOUT_SECONDS',
  /** SSM document that brings a drained host back; empty when there is none (the host is replaced instead). */
  resumeDocumentName: 'RESUME_DOCUMENT_NAME',
  /** JSON object of SSM parameters for the resume document. */
  resumeDocumentParameters: 'RESUME_DOCUMENT_PARAMETERS',
  /** Seconds after a rebalance drain at which a host still in service is brought back. */
  rebalanceRecheckSeconds: 'REBALANCE_RECHECK_SECONDS',
  heartbeatIntervalSeconds: 'HEARTBEAT_INTERVAL_SECONDS',
  pollIntervalSeconds: 'POLL_INTERVAL_SECONDS',
  topicArn: 'TOPIC_ARN',
  /** URL of the handler's own queue (fast retries of time-critical records). */
  queueUrl: 'QUEUE_URL',
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
} as const;
