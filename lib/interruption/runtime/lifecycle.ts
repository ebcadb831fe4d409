import { CompleteLifecycleActionCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName } from '../../shared/transient';
import type { HandlerContext } from './context';
import { type DrainRequest, type DrainStart, drainHost } from './drain';
import type { TerminateLifecycleEvent } from './events';
import { describeInstance, drainedTagValue, type InstanceInfo, instanceDims, isGone, markDrained } from './instances';
import { retryUntil } from './retry';
import type { Outcome } from './types';

const TERMINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut', 'InvalidPlatform', 'AccessDenied']);

/** How a wait for a drain ended; `seconds` is the drain's own duration when known (undefined: not measured). */
interface DrainWait {
  readonly status: string;
  readonly seconds?: number;
  readonly hookGone: boolean;
}

type Hook = TerminateLifecycleEvent['detail'];
type Invocation = { Status?: string; ExecutionStartDateTime?: string; ExecutionEndDateTime?: string };

/**
 * Seconds the drain command ran, from SSM's own start and end times of the invocation. Without them, the drain's
 * start to now, but only for a drain this lifecycle action started: a drain another event started minutes ago may
 * have ended long before we looked, and "now minus its start" would report the gap, not the drain.
 */
function drainSeconds(ctx: HandlerContext, drain: DrainStart, inv: Invocation | undefined): number | undefined {
  const start = Date.parse(inv?.ExecutionStartDateTime ?? '');
  const end = Date.parse(inv?.ExecutionEndDateTime ?? '');
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return Math.round((end - start) / 1000);
  return drain.reason === 'terminate-lifecycle' ? Math.round((ctx.now() - drain.startedAt) / 1000) : undefined;
}

/** False when the action was completed or timed out elsewhere (ValidationError). */
async function heartbeat(ctx: HandlerContext, d: Hook, deadline: number): Promise<boolean> {
  try {
    await retryUntil(ctx, deadline, 'autoscaling:RecordLifecycleActionHeartbeat', () => ctx.deps.autoScaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: d.AutoScalingGroupName,
        LifecycleHookName: d.LifecycleHookName,
        LifecycleActionToken: d.LifecycleActionToken,
        InstanceId: d.EC2InstanceId,
      }),
    ));
    return true;
  } catch (e) {
    if (errorName(e) === 'ValidationError') return false;
    throw e;
  }
}

/**
 * Waits for the drain command while keeping the hook alive, and stops waiting as soon as the host is gone: with
 * capacity rebalancing the hook fires at the 2-minute notice, and a reclaimed host's command never finishes, so
 * waiting on it would hold one of the few concurrent invocations until the drain timeout.
 */
async function waitForDrain(ctx: HandlerContext, startDrain: (req: DrainRequest) => Promise<DrainStart>, req: DrainRequest, first: DrainStart | undefined, d: Hook, invocationDeadline: number): Promise<DrainWait & { drain?: DrainStart }> {
  const { config, deps } = ctx;
  let drain = first;
  let lastBeat = ctx.now();
  const waitUntil = Math.min(invocationDeadline, (drain?.startedAt ?? ctx.now()) + (config.drainTimeoutSeconds + 30) * 1000);
  for (;;) {
    if (!drain) {
      // Another event of this host was starting the drain: read its record (or start it, if that one gave up).
      try {
        drain = await startDrain(req);
      } catch (e) {
        if (!(e instanceof IdempotencyAlreadyInProgressError)) throw e;
      }
    }
    if (drain && !drain.commandId) return { status: drain.skipped ?? 'Skipped', hookGone: false, drain };
    let inv: Invocation | undefined;
    if (drain?.commandId) {
      try {
        inv = await retryUntil(ctx, waitUntil, 'ssm:GetCommandInvocation', () => deps.ssm.send(new GetCommandInvocationCommand({ CommandId: drain!.commandId!, InstanceId: d.EC2InstanceId })));
      } catch (e) {
        // Right after SendCommand the invocation may not be visible yet.
        if (errorName(e) !== 'InvocationDoesNotExist') throw e;
      }
    }
    const status = inv?.Status ?? 'Pending';
    if (drain && TERMINAL_COMMAND_STATUSES.has(status)) return { status, seconds: drainSeconds(ctx, drain, inv), hookGone: false, drain };
    if (ctx.now() >= waitUntil) {
      // Still running at its own timeout: its duration so far is measured from its own start.
      const seconds = drain ? Math.round((ctx.now() - drain.startedAt) / 1000) : undefined;
      deps.logger.warn('drain did not finish within its timeout; letting the instance go', { instanceId: d.EC2InstanceId, commandId: drain?.commandId ?? null, seconds });
      return { status: 'DrainTimeout', seconds, hookGone: false, drain };
    }
    if (isGone(await retryUntil(ctx, waitUntil, 'ec2:DescribeInstances', () => describeInstance(ctx, d.EC2InstanceId)))) {
      deps.logger.info('host gone while its drain ran; completing the lifecycle action', { instanceId: d.EC2InstanceId, commandId: drain?.commandId ?? null });
      return { status: 'HostGone', hookGone: false, drain };
    }
    if (ctx.now() - lastBeat >= config.heartbeatIntervalSeconds * 1000) {
      if (!(await heartbeat(ctx, d, waitUntil))) return { status: 'HookGone', hookGone: true, drain };
      lastBeat = ctx.now();
    }
    await ctx.sleep(config.pollIntervalSeconds * 1000);
  }
}

/** CONTINUE; false when the action was already completed or expired (ValidationError). */
async function complete(ctx: HandlerContext, d: Hook, deadline: number): Promise<boolean> {
  try {
    await retryUntil(ctx, deadline, 'autoscaling:CompleteLifecycleAction', () => ctx.deps.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: d.AutoScalingGroupName,
        LifecycleHookName: d.LifecycleHookName,
        LifecycleActionToken: d.LifecycleActionToken,
        InstanceId: d.EC2InstanceId,
        LifecycleActionResult: 'CONTINUE',
      }),
    ));
    return true;
  } catch (e) {
    if (errorName(e) !== 'ValidationError') throw e;
    ctx.deps.logger.info('lifecycle action already completed or expired', { instanceId: d.EC2InstanceId, error: errorMessage(e) });
    return false;
  }
}

/**
 * A terminate lifecycle action of one of the fleet's groups. A host that is already gone is let go at once
 * (CONTINUE, no drain, no polling). Otherwise: leave the target groups and run (or join) the drain, keep the hook
 * alive while it runs, and CONTINUE when it ends, times out, or the host disappears.
 */
export async function onLifecycle(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  event: TerminateLifecycleEvent,
  invocationDeadline: number,
): Promise<Outcome> {
  const { logger } = ctx.deps;
  const d = event.detail;
  const instanceId = d.EC2InstanceId;
  const type = event['detail-type'];
  if (!ctx.config.autoScalingGroupNames.includes(d.AutoScalingGroupName)) {
    logger.info('event dropped: lifecycle action of a group this handler does not drain', { eventId: event.id, group: d.AutoScalingGroupName, instanceId });
    return { event: type, result: 'dropped-foreign', instanceId };
  }
  const stepDeadline = Math.min(invocationDeadline, ctx.now() + 60_000);
  const info: InstanceInfo | undefined = await retryUntil(ctx, stepDeadline, 'ec2:DescribeInstances', () => describeInstance(ctx, instanceId));
  if (isGone(info)) {
    logger.info('host already gone; lifecycle action completed at once', { instanceId, state: info?.state ?? 'not found' });
    const completed = await complete(ctx, d, stepDeadline);
    return { event: type, result: completed ? 'lifecycle-completed' : 'lifecycle-already-completed', instanceId, detail: { drainStatus: 'HostGone' } };
  }
  const dims = instanceDims(info, type);
  const req = { instanceId, reason: 'terminate-lifecycle', dims };
  const started = await drainHost(ctx, startDrain, req, stepDeadline);
  try {
    await retryUntil(ctx, stepDeadline, 'ec2:CreateTags', () => markDrained(ctx, instanceId, drainedTagValue('terminate-lifecycle', ctx.now())));
  } catch (e) {
    logger.warn('could not tag the host drained; it is leaving its group, so it is not counted as capacity anyway', { instanceId, errorName: errorName(e) });
  }
  if (!(await heartbeat(ctx, d, stepDeadline))) {
    logger.info('lifecycle action already completed or expired; nothing to complete', { instanceId, eventId: event.id });
    return { event: type, result: 'lifecycle-already-completed', instanceId };
  }
  const waited = await waitForDrain(ctx, startDrain, req, started.drain, d, invocationDeadline);
  if (waited.hookGone) {
    logger.info('lifecycle action already completed or expired; nothing to complete', { instanceId, eventId: event.id });
    return { event: type, result: 'lifecycle-already-completed', instanceId };
  }
  const drain = waited.drain;
  if (waited.seconds !== undefined) ctx.count(HANDLER_METRICS.drainDurationSeconds, dims, waited.seconds, MetricUnit.Seconds);
  // A drain start that failed permanently, or was skipped, was counted when it was started.
  if (drain?.commandId && !started.failed && waited.status !== 'Success' && waited.status !== 'HostGone') ctx.count(HANDLER_METRICS.drainFailures, dims);
  if (!(await complete(ctx, d, Math.min(invocationDeadline, ctx.now() + 60_000)))) {
    return { event: type, result: 'lifecycle-already-completed', instanceId };
  }
  return {
    event: type,
    result: 'lifecycle-completed',
    instanceId,
    detail: { drainStatus: waited.status, drainSeconds: waited.seconds ?? null, commandId: drain?.commandId ?? null, ...(started.failed ? { drainFailed: started.failed } : {}) },
  };
}
