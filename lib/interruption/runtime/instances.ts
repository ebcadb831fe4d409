import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { errorName } from '../../shared/transient';
import type { HandlerContext } from './context';
import type { FleetEvent } from './events';
import type { Outcome } from './types';

/** What the handler needs to know about one instance, from DescribeInstances. */
export interface InstanceInfo {
  readonly instanceId: string;
  readonly state: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly lifecycle: string;
  readonly member: boolean;
  /** Epoch milliseconds the instance launched, when EC2 says. */
  readonly launchTime?: number;
}

/** The instance, or undefined when EC2 no longer knows it (InvalidInstanceID.NotFound). */
export async function describeInstance(ctx: HandlerContext, instanceId: string): Promise<InstanceInfo | undefined> {
  const { config } = ctx;
  try {
    const out = await ctx.deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const inst = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!inst) return undefined;
    const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const group = tags.get('aws:autoscaling:groupName');
    return {
      instanceId,
      state: inst.State?.Name ?? 'unknown',
      instanceType: inst.InstanceType ?? 'unknown',
      availabilityZone: inst.Placement?.AvailabilityZone ?? 'unknown',
      lifecycle: inst.InstanceLifecycle ?? 'on-demand',
      launchTime: inst.LaunchTime ? new Date(inst.LaunchTime).getTime() : undefined,
      member: tags.get(config.fleetTag.key) === config.fleetTag.value && (group === undefined || group === config.autoScalingGroupName),
    };
  } catch (e) {
    if (errorName(e) === 'InvalidInstanceID.NotFound') return undefined;
    throw e;
  }
}

/** Metric dimensions of an event about `info` (unknown type and AZ when EC2 no longer knows the instance). */
export function instanceDims(info: InstanceInfo | undefined, eventType: string): Record<string, string> {
  return {
    EventType: eventType,
    InstanceType: info?.instanceType ?? 'unknown',
    AvailabilityZone: info?.availabilityZone ?? 'unknown',
  };
}

/** The instance if it is this fleet's (and, unless `allowLeaving`, not already leaving), else the drop outcome. */
export async function memberOrDrop(
  ctx: HandlerContext,
  event: FleetEvent,
  instanceId: string,
  allowLeaving: boolean,
): Promise<{ info: InstanceInfo; drop?: undefined } | { drop: Outcome; info?: undefined }> {
  const { logger } = ctx.deps;
  const info = await describeInstance(ctx, instanceId);
  if (!info) {
    logger.info('event dropped: instance no longer exists', { eventId: event.id, detailType: event['detail-type'], instanceId });
    return { drop: { event: event['detail-type'], result: 'dropped-gone', instanceId } };
  }
  if (!info.member) {
    logger.info('event dropped: instance belongs to another fleet', { eventId: event.id, detailType: event['detail-type'], instanceId });
    return { drop: { event: event['detail-type'], result: 'dropped-foreign', instanceId } };
  }
  if (!allowLeaving && (info.state === 'terminated' || info.state === 'shutting-down')) {
    logger.info('event dropped: instance already leaving', { eventId: event.id, instanceId, state: info.state });
    return { drop: { event: event['detail-type'], result: 'dropped-gone', instanceId } };
  }
  return { info };
}
