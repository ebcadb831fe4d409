import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName } from '../../shared/transient';
import type { HandlerContext } from './context';
import { deregister } from './drain';
import type { LaunchUnsuccessfulEvent, StateChangeEvent } from './events';
import { instanceDims, memberOrDrop } from './instances';
import { describeLaunchFailure } from './launch-failure';
import type { Outcome } from './types';

/**
 * A failed launch. Counted fleet-wide (the handler's alarm), per AZ and error code, and per pool when the message
 * names the type; a capacity shortage also as CapacityLaunchFailures per AZ and market (the ledger's "spot capacity
 * short" alarm per AZ) and per pool. A mixed-instances group names no type for spot shortages, so the AZ carries it.
 */
export async function onLaunchUnsuccessful(ctx: HandlerContext, event: LaunchUnsuccessfulEvent): Promise<Outcome> {
  const described = describeLaunchFailure(event);
  const failure = described.availabilityZone === 'unknown' && described.subnetId
    ? { ...described, availabilityZone: await subnetZone(ctx, described.subnetId) }
    : described;
  const type = event['detail-type'];
  const { errorCode: ErrorCode, availabilityZone: AvailabilityZone, instanceType: InstanceType } = failure;
  ctx.count(HANDLER_METRICS.launchFailures, { EventType: type, AvailabilityZone, ErrorCode });
  if (InstanceType !== 'unknown') ctx.countBreakdown(HANDLER_METRICS.launchFailures, { EventType: type, InstanceType, AvailabilityZone, ErrorCode });
  if (failure.capacityShortage) {
    ctx.countBreakdown(HANDLER_METRICS.capacityLaunchFailures, { EventType: type, AvailabilityZone, Market: failure.market });
    if (InstanceType !== 'unknown') ctx.countBreakdown(HANDLER_METRICS.capacityLaunchFailures, { EventType: type, InstanceType, AvailabilityZone });
  }
  ctx.deps.logger.warn('launch unsuccessful', { ...failure, statusMessage: event.detail.StatusMessage, eventId: event.id });
  const { subnetId: _subnet, capacityShortage, ...detail } = failure;
  return { event: type, result: 'launch-failure-recorded', detail: { ...detail, capacityShortage: String(capacityShortage) } };
}

const subnetZones = new Map<string, string>();

/** The AZ of a subnet (cached for the container's life: a subnet never moves), or `unknown` if EC2 cannot say. */
async function subnetZone(ctx: HandlerContext, subnetId: string): Promise<string> {
  const known = subnetZones.get(subnetId);
  if (known) return known;
  try {
    const out = await ctx.deps.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    const zone = out.Subnets?.[0]?.AvailabilityZone;
    if (zone) subnetZones.set(subnetId, zone);
    return zone ?? 'unknown';
  } catch (e) {
    ctx.deps.logger.warn('could not resolve the subnet of a failed launch to its AZ', { subnetId, errorName: errorName(e), error: errorMessage(e) });
    return 'unknown';
  }
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
