import { HANDLER_METRICS } from '../../shared/metric-names';
import type { HandlerContext } from './context';
import { deregister } from './drain';
import type { LaunchUnsuccessfulEvent, StateChangeEvent } from './events';
import { instanceDims, memberOrDrop } from './instances';
import { describeLaunchFailure } from './launch-failure';
import type { Outcome } from './types';

/** A failed launch: counted by instance type, AZ and error code for the capacity ledger. */
export async function onLaunchUnsuccessful(ctx: HandlerContext, event: LaunchUnsuccessfulEvent): Promise<Outcome> {
  const failure = describeLaunchFailure(event);
  ctx.count(HANDLER_METRICS.launchFailures, {
    EventType: event['detail-type'],
    InstanceType: failure.instanceType,
    AvailabilityZone: failure.availabilityZone,
    ErrorCode: failure.errorCode,
  });
  ctx.deps.logger.warn('launch unsuccessful', { ...failure, statusMessage: event.detail.StatusMessage, eventId: event.id });
  return { event: event['detail-type'], result: 'launch-failure-recorded', detail: { ...failure } };
}

/** A host stopping or terminating outside the interruption path (console, scale-in) must not keep receiving traffic. */
export async function onStateChange(ctx: HandlerContext, event: StateChangeEvent): Promise<Outcome> {
  const instanceId = event.detail['instance-id'];
  const resolved = await memberOrDrop(ctx, event, instanceId, true);
  if (resolved.drop) return resolved.drop;
  if (event.detail.state === 'stopping' || event.detail.state === 'shutting-down') await deregister(ctx, instanceId);
  ctx.count(HANDLER_METRICS.instanceStateChanges, { ...instanceDims(resolved.info, event['detail-type']), State: event.detail.state });
  return { event: event['detail-type'], result: 'state-recorded', instanceId, detail: { state: event.detail.state } };
}
