import { CompleteLifecycleActionCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName } from '../../shared/transient';
import type { HandlerContext } from './context';
import type { DrainRequest, DrainStart } from './drain';
import type { TerminateLifecycleEvent } from './events';
import { describeInstance, instanceDims } from './instances';
import type { Outcome } from './types';

const TERMINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut', 'InvalidPlatform', 'AccessDenied']);

/** How a wait for a drain ended; `seconds` is the drain's own duration when known (undefined: not measured). */
interface DrainWait {
  readonly status: string;
  readonly seconds?: number;
  readonly hookGone: boolean;
}

/**
 * Seconds the drain command ran, from SSM's own start and end times of the invocation. Without them, the drain's
 * start to now, but only for a drain this lifecycle action started: a drain another event started minutes ago may
 * have ended long before we looked, and "now minus its start" would report the gap, not the drain.
 */
function drainSeconds(ctx: HandlerContext, drain: DrainStart, inv: { ExecutionStartDateTime?: string; ExecutionEndDateTime?: string } | undefined): number | undefined {
  const start = Date.parse(inv?.ExecutionStartDateTime ?? '');
  const end = Date.parse(inv?.ExecutionEndDateTime ?? '');
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return Math.round((end - start) / 1000);
  return drain.reason === 'terminate-lifecycle' ? Math.round((ctx.now() - drain.startedAt) / 1000) : undefined;
}

async function waitForDrain(ctx: HandlerContext, drain: DrainStart, event: TerminateLifecycleEvent): Promise<DrainWait> {
  const d = event.detail;
  const { config, deps } = ctx;
  const deadline = drain.startedAt + (config.drainTimeoutSeconds + 30) * 1000;
  let lastBeat = ctx.now();
  const heartbeat = async (): Promise<boolean> => {
    try {
      await deps.autoScaling.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: d.AutoScalingGroupName,
          LifecycleHookName: d.LifecycleHookName,
          LifecycleActionToken: d.LifecycleActionToken,
          InstanceId: d.EC2InstanceId,
        }),
      );
      lastBeat = ctx.now();
      return true;
    } catch (e) {
      if (errorName(e) === 'ValidationError') return false; // the action was completed or timed out elsewhere
      throw e;
    }
  };
  if (!(await heartbeat())) return { status: 'HookGone', hookGone: true };
  if (!drain.commandId) return { status: drain.skipped ?? 'Skipped', hookGone: false };
  for (;;) {
    let inv: { Status?: string; ExecutionStartDateTime?: string; ExecutionEndDateTime?: string } | undefined;
    try {
      inv = await deps.ssm.send(new GetCommandInvocationCommand({ CommandId: drain.commandId, InstanceId: d.EC2InstanceId }));
    } catch (e) {
      // Right after SendCommand the invocation may not be visible yet.
      if (errorName(e) !== 'InvocationDoesNotExist') throw e;
    }
    const status = inv?.Status ?? 'Pending';
    if (TERMINAL_COMMAND_STATUSES.has(status)) return { status, seconds: drainSeconds(ctx, drain, inv), hookGone: false };
    if (ctx.now() >= deadline) {
      // Still running at its own timeout: its duration so far is measured from its own start.
      const seconds = Math.round((ctx.now() - drain.startedAt) / 1000);
      deps.logger.warn('drain did not finish within its timeout; letting the instance go', { instanceId: d.EC2InstanceId, commandId: drain.commandId, seconds });
      return { status: 'DrainTimeout', seconds, hookGone: false };
    }
    if (ctx.now() - lastBeat >= config.heartbeatIntervalSeconds * 1000 && !(await heartbeat())) {
      return { status: 'HookGone', hookGone: true };
    }
    await ctx.sleep(config.pollIntervalSeconds * 1000);
  }
}

/** A terminate lifecycle action: run (or join) the drain, keep the hook alive while it runs, then CONTINUE. */
export async function onLifecycle(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  event: TerminateLifecycleEvent,
): Promise<Outcome> {
  const { logger } = ctx.deps;
  const d = event.detail;
  const instanceId = d.EC2InstanceId;
  const info = await describeInstance(ctx, instanceId);
  const dims = instanceDims(info, event['detail-type']);
  const drain = await startDrain({ instanceId, reason: 'terminate-lifecycle', dims });
  const waited = await waitForDrain(ctx, drain, event);
  if (waited.hookGone) {
    logger.info('lifecycle action already completed or expired; nothing to complete', { instanceId, eventId: event.id });
    return { event: event['detail-type'], result: 'lifecycle-already-completed', instanceId };
  }
  if (waited.seconds !== undefined) ctx.count(HANDLER_METRICS.drainDurationSeconds, dims, waited.seconds, MetricUnit.Seconds);
  // A drain start that failed permanently, or was skipped, was counted when it was started.
  if (drain.commandId && waited.status !== 'Success' && !drain.failed) ctx.count(HANDLER_METRICS.drainFailures, dims);
  try {
    await ctx.deps.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: d.AutoScalingGroupName,
        LifecycleHookName: d.LifecycleHookName,
        LifecycleActionToken: d.LifecycleActionToken,
        InstanceId: instanceId,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
  } catch (e) {
    if (errorName(e) !== 'ValidationError') throw e;
    logger.info('lifecycle action already completed or expired', { instanceId, error: errorMessage(e) });
    return { event: event['detail-type'], result: 'lifecycle-already-completed', instanceId };
  }
  return {
    event: event['detail-type'],
    result: 'lifecycle-completed',
    instanceId,
    detail: { drainStatus: waited.status, drainSeconds: waited.seconds ?? null, commandId: drain.commandId, ...(drain.failed ? { drainFailed: drain.failed } : {}) },
  };
}
