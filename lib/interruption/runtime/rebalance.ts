import { HANDLER_METRICS } from '../../shared/metric-names';
import type { HandlerContext } from './context';
import { type DrainRequest, type DrainStart, drainHost, register } from './drain';
import type { RebalanceEvent } from './events';
import { clearDrained, drainedTagValue, instanceDims, markDrained, memberOrDrop } from './instances';
import { retryUntil } from './retry';
import type { Outcome } from './types';

/** How long a rebalance drain may retry throttled calls in one invocation: no 2-minute clock runs here. */
const REBALANCE_BUDGET_MS = 60_000;

/**
 * A rebalance recommendation (`rebalanceAction: 'drain'`): the host is at elevated risk, not being reclaimed. Tag it
 * drained first (so the fallback controller stops counting it), then leave the target groups and drain. Capacity
 * rebalancing launches a replacement and terminates this host through the lifecycle hook; if it cannot (spot is
 * short), the drained-host sweep brings the host back after `rebalanceRecheckSeconds`. No SetInstanceHealth: that
 * would launch a second replacement. A drain whose command could not start is undone at once (back into the target
 * groups, tag removed): a recommendation is not worth an idle host.
 */
export async function onRebalance(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  event: RebalanceEvent,
  invocationDeadline: number,
): Promise<Outcome> {
  const { logger } = ctx.deps;
  const instanceId = event.detail['instance-id'];
  const deadline = Math.min(invocationDeadline, ctx.now() + REBALANCE_BUDGET_MS);
  const resolved = await retryUntil(ctx, deadline, 'ec2:DescribeInstances', () => memberOrDrop(ctx, event, instanceId, false));
  if (resolved.drop) return resolved.drop;
  const info = resolved.info;
  const dims = instanceDims(info, event['detail-type']);
  ctx.count(HANDLER_METRICS.rebalanceRecommendations, dims);
  const where = { instanceType: info.instanceType, availabilityZone: info.availabilityZone };
  if (ctx.config.rebalanceAction === 'notify') {
    return { event: event['detail-type'], result: 'notified', instanceId, detail: where };
  }
  if (info.drained) {
    // Already drained (an interruption warning came first, or a duplicate recommendation): leave its tag alone.
    logger.info('rebalance recommendation for a host already drained; nothing more to do', { instanceId, drained: info.drained });
    return { event: event['detail-type'], result: 'drain-joined', instanceId, detail: { drained: info.drained, ...where } };
  }
  const tag = drainedTagValue('rebalance', ctx.now());
  // Tag before draining: a host that is idle but counted is the failure to avoid. If tagging fails, nothing is drained.
  await retryUntil(ctx, deadline, 'ec2:CreateTags', () => markDrained(ctx, instanceId, tag));
  const result = await drainHost(ctx, startDrain, { instanceId, reason: 'rebalance', dims }, deadline);
  if (!result.joined && !result.drain?.commandId) {
    await retryUntil(ctx, deadline, 'elasticloadbalancing:RegisterTargets', () => register(ctx, instanceId));
    await retryUntil(ctx, deadline, 'ec2:DeleteTags', () => clearDrained(ctx, instanceId, tag));
    logger.warn('rebalance drain not started; the host stays in service', { instanceId, skipped: result.drain?.skipped, failed: result.failed });
    return { event: event['detail-type'], result: 'drain-skipped', instanceId, detail: { skipped: result.drain?.skipped ?? null, ...where } };
  }
  if (result.drain?.commandId) ctx.count(HANDLER_METRICS.drains, dims);
  return {
    event: event['detail-type'],
    result: result.joined ? 'drain-joined' : 'drained',
    instanceId,
    detail: { commandId: result.drain?.commandId ?? null, drained: tag, ...(result.failed ? { drainFailed: result.failed } : {}), ...where },
  };
}
