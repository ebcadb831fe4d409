import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DRAINED_TAG_KEY } from '../../shared/fleet-tag';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import type { HandlerContext } from './context';
import { register, resumeHost, setUnhealthy } from './drain';
import type { ScheduledEvent } from './events';
import { clearDrained, isMember, parseDrainedTag } from './instances';
import { retryUntil } from './retry';
import type { Outcome } from './types';

/** A host drained on a rebalance recommendation that is due for its re-check. */
interface DrainedHost {
  readonly instanceId: string;
  readonly tag: string;
  readonly drainedAt: number;
  readonly instanceType: string;
  readonly availabilityZone: string;
}

/** What the sweep did with one host. */
type Verdict = 'restored' | 'replaced' | 'leaving';

/**
 * The drained-host sweep (a scheduled event every few minutes): every running host of the fleet still tagged
 * `rebalance@<time>` at least `rebalanceRecheckSeconds` after its drain, and still InService and Healthy in its group
 * (no interruption warning, no terminate hook, no replacement that took its place), comes back into service: its
 * drain record is dropped (the next warning or hook drains it again), the resume document restarts the workload,
 * it rejoins the target groups, and the tag goes. A host that cannot be resumed (no resume document, SSM cannot
 * reach it, the command fails) is marked Unhealthy instead, so the group replaces it. State lives on the host
 * (its tag), so a lost or failed sweep is made up by the next one; nothing stays idle and counted.
 */
export async function sweepDrainedHosts(ctx: HandlerContext, event: ScheduledEvent, invocationDeadline: number): Promise<Outcome> {
  const { logger } = ctx.deps;
  const deadline = Math.min(invocationDeadline, ctx.now() + 60_000);
  const due = (await retryUntil(ctx, deadline, 'ec2:DescribeInstances', () => drainedHosts(ctx)))
    .filter((h) => ctx.now() - h.drainedAt >= ctx.config.rebalanceRecheckSeconds * 1000);
  const states = due.length ? await retryUntil(ctx, deadline, 'autoscaling:DescribeAutoScalingInstances', () => groupStates(ctx, due.map((h) => h.instanceId))) : new Map();
  const results = await Promise.allSettled(due.map(async (h): Promise<Verdict> => {
    const s = states.get(h.instanceId);
    if (!s || s.lifecycleState !== 'InService' || s.health !== 'HEALTHY' || !ctx.config.autoScalingGroupNames.includes(s.group)) {
      logger.info('drained host is leaving or being replaced; not bringing it back', { instanceId: h.instanceId, drained: h.tag, ...s });
      return 'leaving';
    }
    return restoreOrReplace(ctx, h, deadline);
  }));
  const detail: Record<string, string> = {};
  const failures: unknown[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') detail[due[i].instanceId] = r.value;
    else {
      failures.push(r.reason);
      logger.error('drained host sweep failed for a host; the next sweep tries again', { instanceId: due[i].instanceId, errorName: errorName(r.reason), error: errorMessage(r.reason) });
    }
  });
  // A host that could not be handled stays idle: fail the record so the errors alarm (or Retries) sees it.
  if (failures.length > 0) throw failures.find((f) => !isTransient(f)) ?? failures[0];
  return { event: event['detail-type'], result: 'swept', detail };
}

async function restoreOrReplace(ctx: HandlerContext, h: DrainedHost, deadline: number): Promise<Verdict> {
  const { logger } = ctx.deps;
  const dims = { EventType: 'Scheduled Event', InstanceType: h.instanceType, AvailabilityZone: h.availabilityZone };
  // Dropped first: after this the host is drainable again, whatever happens next.
  await retryUntil(ctx, deadline, 'dynamodb:DeleteItem', () => ctx.deps.drainStore.deleteRecord({ instanceId: h.instanceId }));
  let commandId: string | null = null;
  let cannotResume: string | undefined = ctx.config.resumeDocumentName ? undefined : 'no resume document';
  if (!cannotResume) {
    try {
      commandId = await retryUntil(ctx, deadline, 'ssm:SendCommand', () => resumeHost(ctx, h.instanceId));
    } catch (e) {
      if (isTransient(e)) throw e;
      cannotResume = `ssm:SendCommand: ${errorName(e)}`;
    }
  }
  if (cannotResume) {
    await retryUntil(ctx, deadline, 'autoscaling:SetInstanceHealth', () => setUnhealthy(ctx, h.instanceId));
    ctx.count(HANDLER_METRICS.hostsReplaced, dims);
    logger.warn('drained host cannot be resumed; marked Unhealthy so the group replaces it', { instanceId: h.instanceId, reason: cannotResume });
    return 'replaced';
  }
  await retryUntil(ctx, deadline, 'elasticloadbalancing:RegisterTargets', () => register(ctx, h.instanceId));
  await retryUntil(ctx, deadline, 'ec2:DeleteTags', () => clearDrained(ctx, h.instanceId, h.tag));
  ctx.count(HANDLER_METRICS.hostsRestored, dims);
  logger.info('drained host back in service: still InService and Healthy after its rebalance drain', { instanceId: h.instanceId, drained: h.tag, commandId });
  return 'restored';
}

/** Running hosts of the fleet with a `rebalance@...` drained tag. */
async function drainedHosts(ctx: HandlerContext): Promise<DrainedHost[]> {
  const hosts: DrainedHost[] = [];
  let NextToken: string | undefined;
  do {
    const out = await ctx.deps.ec2.send(new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${ctx.config.fleetTag.key}`, Values: [ctx.config.fleetTag.value] },
        { Name: 'tag-key', Values: [DRAINED_TAG_KEY] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
      NextToken,
    }));
    for (const inst of out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      const tag = tags.get(DRAINED_TAG_KEY);
      const parsed = parseDrainedTag(tag);
      if (!inst.InstanceId || !tag || parsed?.reason !== 'rebalance' || !isMember(ctx, tags)) continue;
      hosts.push({ instanceId: inst.InstanceId, tag, drainedAt: parsed.at, instanceType: inst.InstanceType ?? 'unknown', availabilityZone: inst.Placement?.AvailabilityZone ?? 'unknown' });
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return hosts;
}

/** Lifecycle state, health and group of each instance in Auto Scaling (50 ids per call, the API's limit). */
async function groupStates(ctx: HandlerContext, ids: readonly string[]): Promise<Map<string, { lifecycleState: string; health: string; group: string }>> {
  const states = new Map<string, { lifecycleState: string; health: string; group: string }>();
  for (let i = 0; i < ids.length; i += 50) {
    const out = await ctx.deps.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids.slice(i, i + 50) }));
    for (const a of out.AutoScalingInstances ?? []) {
      if (a.InstanceId) states.set(a.InstanceId, { lifecycleState: a.LifecycleState ?? 'unknown', health: (a.HealthStatus ?? 'unknown').toUpperCase(), group: a.AutoScalingGroupName ?? '' });
    }
  }
  return states;
}
