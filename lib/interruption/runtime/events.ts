import { z } from 'zod';
import { EVENT_TYPES } from '../../shared/metric-names';

/**
 * The EventBridge detail types the handler subscribes to, exactly as EC2, Auto Scaling and EventBridge emit them;
 * `Scheduled Event` is the construct's drained-host sweep.
 */
export const DETAIL_TYPES = { ...EVENT_TYPES, scheduled: 'Scheduled Event' } as const;

/** Instance states that mean the host is leaving; EC2 emits a state-change event for each. */
export const LEAVING_STATES = ['stopping', 'stopped', 'shutting-down', 'terminated'] as const;

const envelope = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  time: z.string().min(1),
  region: z.string().optional(),
});

const instanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an EC2 instance id (i-...)');

export const spotInterruptionEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.spotInterruption),
  detail: z.object({ 'instance-id': instanceId, 'instance-action': z.string().optional() }),
});

export const rebalanceEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.rebalance),
  detail: z.object({ 'instance-id': instanceId }),
});

export const stateChangeEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.stateChange),
  detail: z.object({ 'instance-id': instanceId, state: z.string().min(1) }),
});

export const terminateLifecycleEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.terminateLifecycle),
  detail: z.object({
    EC2InstanceId: instanceId,
    AutoScalingGroupName: z.string().min(1),
    LifecycleHookName: z.string().min(1),
    LifecycleActionToken: z.string().min(1),
    LifecycleTransition: z.literal('autoscaling:EC2_INSTANCE_TERMINATING'),
  }),
});

export const launchUnsuccessfulEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.launchUnsuccessful),
  detail: z.object({
    AutoScalingGroupName: z.string().min(1),
    StatusCode: z.string().optional(),
    StatusMessage: z.string().optional(),
    Cause: z.string().optional(),
    EC2InstanceId: z.string().optional(),
    Details: z.record(z.string(), z.string()).optional(),
  }),
});

export const scheduledEvent = envelope.extend({
  'detail-type': z.literal(DETAIL_TYPES.scheduled),
  source: z.literal('aws.events'),
});

export const fleetEvent = z.discriminatedUnion('detail-type', [
  scheduledEvent,
  spotInterruptionEvent,
  rebalanceEvent,
  stateChangeEvent,
  terminateLifecycleEvent,
  launchUnsuccessfulEvent,
]);

export type FleetEvent = z.infer<typeof fleetEvent>;
export type SpotInterruptionEvent = z.infer<typeof spotInterruptionEvent>;
export type RebalanceEvent = z.infer<typeof rebalanceEvent>;
export type StateChangeEvent = z.infer<typeof stateChangeEvent>;
export type TerminateLifecycleEvent = z.infer<typeof terminateLifecycleEvent>;
export type LaunchUnsuccessfulEvent = z.infer<typeof launchUnsuccessfulEvent>;
export type ScheduledEvent = z.infer<typeof scheduledEvent>;

/** A message that can never succeed however often it is retried (bad JSON, unknown detail type, missing field). */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/** Parses an SQS message body into a typed fleet event, or throws MalformedEventError naming what is wrong. */
export function parseFleetEvent(body: string): FleetEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new MalformedEventError(`message body is not JSON (first 80 chars: ${JSON.stringify(body.slice(0, 80))})`);
  }
  const detailType = (raw as { 'detail-type'?: unknown } | null)?.['detail-type'];
  if (typeof detailType !== 'string' || !(Object.values(DETAIL_TYPES) as string[]).includes(detailType)) {
    throw new MalformedEventError(
      `unknown detail-type ${JSON.stringify(detailType)}: expected one of ${Object.values(DETAIL_TYPES).join(', ')}`,
    );
  }
  const parsed = fleetEvent.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new MalformedEventError(`"${detailType}" event is missing or has invalid fields: ${problems}`);
  }
  return parsed.data;
}
