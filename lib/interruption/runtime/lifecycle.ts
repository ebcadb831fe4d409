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

async function waitForDrain(ctx: HandlerContext, drain: DrainStart, event: TerminateLifecycleEvent): Promise<{ status: string; seconds: number; hookGone: boolean }> {
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
  if (!(await heartbeat())) return { status: 'HookGone', seconds: 0, hookGone: true };
  if (!drain.commandId) return { status: drain.skipped ?? 'Skipped', seconds: 0, hookGone: false };
  for (;;) {
    let status = 'Pending';
    try {
      const inv = await deps.ssm.send(new GetCommandInvocationCommand({ CommandId: drain.commandId, InstanceId: d.EC2InstanceId }));
      status = inv.Status ?? 'Pending';
    } catch (e) {
      // Right after SendCommand the invocation may not be visible yet.
      if (errorName(e) !== 'InvocationDoesNotExist') throw e;
    }
    const seconds = Math.round((ctx.now() - drain.startedAt) / 1000);
    if (TERMINAL_COMMAND_STATUSES.has(status)) return { status, seconds, hookGone: false };
    if (ctx.now() >= deadline) {
      deps.logger.warn('drain did not finish within its timeout; letting the instance go', { instanceId: d.EC2InstanceId, commandId: drain.commandId, seconds });
      return { status: 'DrainTimeout', seconds, hookGone: false };
    }
    if (ctx.now() - lastBeat >= config.heartbeatIntervalSeconds * 1000 && !(await heartbeat())) {
      return { status: 'HookGone', seconds, hookGone: true };
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
  ctx.count(HANDLER_METRICS.drainDurationSeconds, dims, waited.seconds, MetricUnit.Seconds);
  // A drain whose start failed permanently was counted when it was recorded.
  if (waited.status !== 'Success' && !drain.failed) ctx.count(HANDLER_METRICS.drainFailures, dims);
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
    detail: { drainStatus: waited.status, drainSeconds: waited.seconds, commandId: drain.commandId, ...(drain.failed ? { drainFailed: drain.failed } : {}) },
  };
}
