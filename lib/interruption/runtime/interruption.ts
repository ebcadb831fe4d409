import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import type { HandlerContext } from './context';
import { type DrainRequest, type DrainStart, drainHost, setUnhealthy } from './drain';
import type { SpotInterruptionEvent } from './events';
import { drainedTagValue, instanceDims, markDrained, memberOrDrop } from './instances';
import { retryUntil } from './retry';
import type { Outcome } from './types';

/** EC2 reclaims a spot instance two minutes after the warning. */
export const WARNING_NOTICE_MS = 120_000;

/**
 * A spot interruption warning: two minutes left. The deadline-critical steps run first and on their own, each
 * retrying transient errors until the warning's deadline (event time + 2 min): leave the target groups and send the
 * drain command, and, at the same time, mark the host Unhealthy so the group launches its replacement now (its
 * maintenance policy launches before it terminates). A failure of one does not hold up the other. The drained tag
 * comes last and is best effort: an Unhealthy host already counts as no capacity.
 */
export async function onInterruptionWarning(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  event: SpotInterruptionEvent,
  invocationDeadline: number,
): Promise<Outcome> {
  const { logger } = ctx.deps;
  const instanceId = event.detail['instance-id'];
  // At least one attempt of each step even when the warning arrives late (a redelivery).
  const deadline = Math.min(invocationDeadline, Math.max(Date.parse(event.time) + WARNING_NOTICE_MS, ctx.now() + 5_000));
  const resolved = await retryUntil(ctx, deadline, 'ec2:DescribeInstances', () => memberOrDrop(ctx, event, instanceId, false));
  if (resolved.drop) return resolved.drop;
  const info = resolved.info;
  const dims = instanceDims(info, event['detail-type']);
  ctx.count(HANDLER_METRICS.interruptions, dims);
  if (info.launchTime !== undefined) {
    // The capacity ledger's "mean time from launch to interruption" per pool (instance type x AZ).
    const lived = Math.max(0, Math.round((Date.parse(event.time) - info.launchTime) / 1000));
    if (Number.isFinite(lived)) ctx.count(HANDLER_METRICS.timeToInterruptionSeconds, dims, lived, MetricUnit.Seconds);
  }

  const [drained, unhealthy] = await Promise.allSettled([
    drainHost(ctx, startDrain, { instanceId, reason: 'interruption', dims }, deadline),
    retryUntil(ctx, deadline, 'autoscaling:SetInstanceHealth', () => setUnhealthy(ctx, instanceId)),
  ]);
  try {
    await retryUntil(ctx, deadline, 'ec2:CreateTags', () => markDrained(ctx, instanceId, drainedTagValue('interruption', ctx.now())));
  } catch (e) {
    logger.warn('could not tag the host drained; it is Unhealthy, so it is not counted as capacity anyway', { instanceId, errorName: errorName(e), error: errorMessage(e) });
  }
  // Both steps ran; now a failure of either fails the record (transient: retried; permanent: DLQ and alarm).
  const failures = [drained, unhealthy].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((f) => !isTransient(f)) ?? failures[0];
  const result = (drained as PromiseFulfilledResult<Awaited<ReturnType<typeof drainHost>>>).value;
  if (result.drain?.commandId) ctx.count(HANDLER_METRICS.drains, dims);
  return {
    event: event['detail-type'],
    result: result.joined ? 'drain-joined' : 'drained',
    instanceId,
    detail: {
      commandId: result.drain?.commandId ?? null,
      ...(result.failed ? { drainFailed: result.failed } : {}),
      ...(result.drain?.skipped ? { drainSkipped: result.drain.skipped } : {}),
      instanceType: info.instanceType,
      availabilityZone: info.availabilityZone,
    },
  };
}
