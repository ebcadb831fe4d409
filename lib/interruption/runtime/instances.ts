import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DRAINED_TAG_KEY } from '../../shared/fleet-tag';
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
  /** Value of the drained tag (`<reason>@<ISO time>`) when the handler drained this host. */
  readonly drained?: string;
}

/** States in which a host has left or is leaving for good: nothing to drain, nothing to wait for. */
const GONE_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/** Whether the host is gone (EC2 no longer knows it) or on its way out. */
export function isGone(info: InstanceInfo | undefined): boolean {
  return info === undefined || GONE_STATES.has(info.state);
}

/** The tag value that says why and when a host was drained. */
export function drainedTagValue(reason: string, at: number): string {
  return `${reason}@${new Date(at).toISOString()}`;
}

/** Reason and epoch ms of a drained tag value, or undefined when it is not one the handler wrote. */
export function parseDrainedTag(value: string | undefined): { reason: string; at: number } | undefined {
  const m = /^([a-z-]+)@(.+)$/.exec(value ?? '');
  const at = m ? Date.parse(m[2]) : NaN;
  return m && Number.isFinite(at) ? { reason: m[1], at } : undefined;
}

/**
 * Marks the host drained (DRAINED_TAG_KEY): the fallback controller leaves it out of serving capacity. The
 * role may write only this tag key, and only on instances that carry the fleet tag.
 */
export async function markDrained(ctx: HandlerContext, instanceId: string, value: string): Promise<void> {
  await ctx.deps.ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: DRAINED_TAG_KEY, Value: value }] }));
}

/** Removes the drained tag, only if it still has `value` (EC2 deletes a key+value tag only when the value matches). */
export async function clearDrained(ctx: HandlerContext, instanceId: string, value: string): Promise<void> {
  await ctx.deps.ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: DRAINED_TAG_KEY, Value: value }] }));
}

/** Whether `tags` make an instance this fleet's: the fleet tag, and one of its groups when it is in a group. */
export function isMember(ctx: HandlerContext, tags: ReadonlyMap<string, string>): boolean {
  const group = tags.get('aws:autoscaling:groupName');
  return tags.get(ctx.config.fleetTag.key) === ctx.config.fleetTag.value && (group === undefined || ctx.config.autoScalingGroupNames.includes(group));
}

/** The instance, or undefined when EC2 no longer knows it (InvalidInstanceID.NotFound). */
export async function describeInstance(ctx: HandlerContext, instanceId: string): Promise<InstanceInfo | undefined> {
  try {
    const out = await ctx.deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const inst = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!inst) return undefined;
    const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    return {
      instanceId,
      state: inst.State?.Name ?? 'unknown',
      instanceType: inst.InstanceType ?? 'unknown',
      availabilityZone: inst.Placement?.AvailabilityZone ?? 'unknown',
      lifecycle: inst.InstanceLifecycle ?? 'on-demand',
      launchTime: inst.LaunchTime ? new Date(inst.LaunchTime).getTime() : undefined,
      member: isMember(ctx, tags),
      drained: tags.get(DRAINED_TAG_KEY),
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
  if (!allowLeaving && isGone(info)) {
    logger.info('event dropped: instance already leaving', { eventId: event.id, instanceId, state: info.state });
    return { drop: { event: event['detail-type'], result: 'dropped-gone', instanceId } };
  }
  return { info };
}
