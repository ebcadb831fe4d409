import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HANDLER_METRICS } from '../../shared/metric-names';
import type { HandlerContext } from './context';
import { type DrainRequest, type DrainStart, setUnhealthy } from './drain';
import type { FleetEvent } from './events';
import { instanceDims, memberOrDrop } from './instances';
import type { Outcome } from './types';

/** A spot interruption warning or a rebalance recommendation: drain the host, and on a warning start its replacement. */
export async function drainAndReplace(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  event: FleetEvent,
  instanceId: string,
  kind: 'interruption' | 'rebalance',
): Promise<Outcome> {
  const { logger } = ctx.deps;
  const resolved = await memberOrDrop(ctx, event, instanceId, false);
  if (resolved.drop) return resolved.drop;
  const info = resolved.info;
  const eventDims = instanceDims(info, event['detail-type']);
  ctx.count(kind === 'interruption' ? HANDLER_METRICS.interruptions : HANDLER_METRICS.rebalanceRecommendations, eventDims);
  if (kind === 'interruption' && info.launchTime !== undefined) {
    // The capacity ledger's "mean time from launch to interruption" per pool (instance type x AZ).
    const lived = Math.max(0, Math.round((Date.parse(event.time) - info.launchTime) / 1000));
    if (Number.isFinite(lived)) ctx.count(HANDLER_METRICS.timeToInterruptionSeconds, eventDims, lived, MetricUnit.Seconds);
  }
  if (kind === 'rebalance' && ctx.config.rebalanceAction === 'notify') {
    return { event: event['detail-type'], result: 'notified', instanceId, detail: { instanceType: info.instanceType, availabilityZone: info.availabilityZone } };
  }
  let drain: DrainStart | undefined;
  try {
    drain = await startDrain({ instanceId, reason: kind, dims: eventDims });
  } catch (e) {
    // EC2 can send the rebalance recommendation and the interruption warning together: the other event's drain
    // of this instance is running. That drain is this event's drain too; if it fails transiently, its own
    // record is retried. Only a transient error of that kind is expected here: anything else fails the record.
    if (!(e instanceof IdempotencyAlreadyInProgressError)) throw e;
    logger.info('drain of this instance already started by another event; not starting a second one', {
      eventId: event.id,
      detailType: event['detail-type'],
      instanceId,
    });
  }
  if (kind === 'interruption') {
    await setUnhealthy(ctx, instanceId);
  }
  // On a rebalance recommendation the group's capacity rebalancing (capacityRebalance: true) launches the
  // replacement itself and later terminates this instance through the lifecycle hook; Unhealthy on top of that
  // could launch a second replacement. The drained host waits idle until its replacement is in service.
  if (drain) ctx.count(HANDLER_METRICS.drains, eventDims);
  return {
    event: event['detail-type'],
    result: drain ? 'drained' : 'drain-joined',
    instanceId,
    detail: {
      commandId: drain?.commandId ?? null,
      ...(drain?.failed ? { drainFailed: drain.failed } : {}),
      instanceType: info.instanceType,
      availabilityZone: info.availabilityZone,
    },
  };
}
