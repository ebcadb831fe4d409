import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import type { HandlerContext } from './context';
import { retryUntil } from './retry';

/** The stored record of a drain start (the per-instance idempotency record's response). */
export interface DrainStart {
  readonly instanceId: string;
  readonly commandId: string | null;
  /** Epoch ms the drain command was sent: this drain's own start, whichever event later waits on it. */
  readonly startedAt: number;
  /** The event kind that started it (`interruption`, `rebalance`, `terminate-lifecycle`). */
  readonly reason?: string;
  /** Why no drain command runs: the error name of SendCommand (e.g. InvalidInstanceId, AccessDeniedException). */
  readonly skipped?: string;
  /** A drain step that failed permanently, as `<api call>: <error name>`; the rest of the flow still ran. */
  readonly failed?: string;
}

/**
 * Thrown inside the idempotent drain start when no drain command runs (SSM cannot reach the host yet, or SendCommand
 * failed permanently). Throwing makes Powertools delete the in-progress record instead of storing the skip, so the
 * next event of this host (a warning 20 minutes after a rebalance, the terminate hook) tries the drain again.
 */
export class DrainNotStarted extends Error {
  constructor(readonly start: DrainStart) {
    super(`no drain command runs on ${start.instanceId}: ${start.skipped ?? 'skipped'}`);
    this.name = 'DrainNotStarted';
  }
}

/** Instance details a drain start needs for its metrics; not part of the drain's idempotency key. */
export interface DrainRequest {
  readonly instanceId: string;
  readonly reason: string;
  readonly dims: Record<string, string>;
}

/** Leaves every target group; one target group's failure does not keep the instance in the others. */
export async function deregister(ctx: HandlerContext, instanceId: string): Promise<Array<{ targetGroupArn: string; error: unknown }>> {
  const arns = ctx.config.targetGroupArns;
  const results = await Promise.allSettled(
    arns.map(async (arn) => {
      try {
        await ctx.deps.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
      } catch (e) {
        // Not registered (or already gone) is the state we want.
        if (errorName(e) === 'InvalidTargetException' || errorName(e) === 'InvalidTarget') return;
        throw e;
      }
    }),
  );
  return results.flatMap((r, i) => (r.status === 'rejected' ? [{ targetGroupArn: arns[i], error: r.reason }] : []));
}

/** Joins every target group again (a drained host coming back into service); errors are thrown. */
export async function register(ctx: HandlerContext, instanceId: string): Promise<void> {
  for (const arn of ctx.config.targetGroupArns) {
    await ctx.deps.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
  }
}

/** A permanent drain-step failure: an error log naming the instance, the call and the error; the flow carries on. */
export function drainStepFailed(ctx: HandlerContext, req: DrainRequest, call: string, error: unknown, extra: Record<string, string> = {}): string {
  ctx.deps.logger.error(`drain step failed permanently; carrying on without it: ${call} for ${req.instanceId} returned ${errorName(error)}`, {
    instanceId: req.instanceId,
    call,
    reason: req.reason,
    errorName: errorName(error),
    error: errorMessage(error),
    errorKind: 'permanent',
    ...extra,
  });
  return `${call}: ${errorName(error)}`;
}

/** Idempotency of drain starts: one record per instance, long enough to cover every event of one host's exit. */
export function drainIdempotencyConfig(drainTimeoutSeconds: number): IdempotencyConfig {
  return new IdempotencyConfig({ eventKeyJmesPath: 'instanceId', expiresAfterSeconds: Math.max(3600, drainTimeoutSeconds + 900) });
}

/** Key prefix of the per-instance drain records in the idempotency table. */
export const DRAIN_KEY_PREFIX = 'drain';

/**
 * Sends the drain command once per instance: SendCommand is not idempotent, so a started drain is recorded per
 * instance and every later event of the host (warning, rebalance, hook) shares it. A drain whose command did not
 * start is returned but not recorded (DrainNotStarted), so the next event of the host tries again. A permanent
 * SendCommand error (AccessDenied from the tag condition, InvalidDocument) is returned, not thrown: thrown, it would
 * block the replacement and the lifecycle completion. Transient errors throw (the caller retries).
 */
export function drainStarter(ctx: HandlerContext, config: IdempotencyConfig): (req: DrainRequest) => Promise<DrainStart> {
  const { logger } = ctx.deps;
  const once = makeIdempotent(
    async (req: DrainRequest): Promise<DrainStart> => {
      const startedAt = ctx.now();
      try {
        const out = await ctx.deps.ssm.send(
          new SendCommandCommand({
            DocumentName: ctx.config.drainDocumentName,
            InstanceIds: [req.instanceId],
            Parameters: { ...ctx.config.drainDocumentParameters },
            TimeoutSeconds: ctx.config.drainTimeoutSeconds + 30,
            Comment: `gpu-spot-fleet drain (${req.reason})`.slice(0, 100),
          }),
        );
        const commandId = out.Command?.CommandId ?? null;
        logger.info('drain started', { instanceId: req.instanceId, commandId, reason: req.reason });
        return { instanceId: req.instanceId, commandId, startedAt, reason: req.reason };
      } catch (e) {
        // The host is not (or not yet, or no longer) reachable by SSM: nothing to drain; a warning, not a failure.
        if (errorName(e) === 'InvalidInstanceId') {
          logger.warn('drain skipped: instance not reachable by SSM Run Command', { instanceId: req.instanceId, error: errorMessage(e) });
          throw new DrainNotStarted({ instanceId: req.instanceId, commandId: null, startedAt, reason: req.reason, skipped: 'InvalidInstanceId' });
        }
        if (isTransient(e)) throw e;
        const failed = drainStepFailed(ctx, req, 'ssm:SendCommand', e, { documentName: ctx.config.drainDocumentName });
        throw new DrainNotStarted({ instanceId: req.instanceId, commandId: null, startedAt, reason: req.reason, skipped: errorName(e), failed });
      }
    },
    { persistenceStore: ctx.deps.drainStore, config, keyPrefix: DRAIN_KEY_PREFIX },
  );
  return async (req) => {
    try {
      return await once(req);
    } catch (e) {
      if (e instanceof DrainNotStarted) return e.start;
      throw e;
    }
  };
}

/** What draining a host did: the drain (undefined when another event of the host is starting it right now). */
export interface DrainResult {
  readonly drain?: DrainStart;
  /** Another event of this host holds the drain record: that drain is this event's too. */
  readonly joined: boolean;
  /** The first step that failed permanently, as `<api call>: <error name>`. */
  readonly failed?: string;
  /** Whether the host left its target groups (or had none to leave). */
  readonly deregistered: boolean;
}

/**
 * Drains a host: leave every target group, then the drain command (shared per instance). Each step runs on its own
 * and retries transient errors until `deadline`; a permanent failure of one step is logged and the next still runs.
 * One DrainFailures per event however many steps failed; a host SSM cannot reach counts as DrainsSkipped.
 * A step still failing transiently at the deadline is thrown, so the record is retried.
 */
export async function drainHost(
  ctx: HandlerContext,
  startDrain: (req: DrainRequest) => Promise<DrainStart>,
  req: DrainRequest,
  deadline: number,
): Promise<DrainResult> {
  let transient: unknown;
  const deregisterErrors = await retryUntil(ctx, deadline, 'elasticloadbalancing:DeregisterTargets', async () => {
    const errors = await deregister(ctx, req.instanceId);
    const t = errors.find((f) => isTransient(f.error));
    if (t) throw t.error;
    return errors;
  }).catch((e) => {
    transient = e;
    return [];
  });
  const failures = deregisterErrors.map((f) => drainStepFailed(ctx, req, 'elasticloadbalancing:DeregisterTargets', f.error, { targetGroupArn: f.targetGroupArn }));
  let drain: DrainStart | undefined;
  let joined = false;
  try {
    drain = await retryUntil(ctx, deadline, 'ssm:SendCommand', () => startDrain(req));
  } catch (e) {
    // EC2 can send the rebalance recommendation and the interruption warning together: the other event's drain
    // of this instance is starting. That drain is this event's drain too.
    if (e instanceof IdempotencyAlreadyInProgressError) {
      joined = true;
      logger(ctx).info('drain of this instance already started by another event; not starting a second one', { instanceId: req.instanceId, reason: req.reason });
    } else if (isTransient(e)) {
      transient ??= e;
    } else {
      throw e;
    }
  }
  const failed = failures[0] ?? drain?.failed;
  if (failed) ctx.count(HANDLER_METRICS.drainFailures, req.dims);
  else if (drain?.skipped === 'InvalidInstanceId') ctx.count(HANDLER_METRICS.drainsSkipped, req.dims);
  if (transient !== undefined) throw transient;
  return { drain, joined, failed, deregistered: deregisterErrors.length === 0 };
}

const logger = (ctx: HandlerContext) => ctx.deps.logger;

/** Sends the resume document; the error of SendCommand is thrown (the caller decides to replace the host). */
export async function resumeHost(ctx: HandlerContext, instanceId: string): Promise<string | null> {
  const out = await ctx.deps.ssm.send(
    new SendCommandCommand({
      DocumentName: ctx.config.resumeDocumentName,
      InstanceIds: [instanceId],
      Parameters: { ...ctx.config.resumeDocumentParameters },
      TimeoutSeconds: 120,
      Comment: 'gpu-spot-fleet resume after a rebalance drain',
    }),
  );
  return out.Command?.CommandId ?? null;
}

/** Unhealthy makes the group launch the replacement now; its maintenance policy launches before terminating. */
export async function setUnhealthy(ctx: HandlerContext, instanceId: string): Promise<void> {
  try {
    await ctx.deps.autoScaling.send(
      new SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }),
    );
  } catch (e) {
    // Already detached or terminated: the group no longer counts it, which is what "unhealthy" was for.
    if (errorName(e) === 'ValidationError') {
      ctx.deps.logger.info('instance no longer in the group; health not set', { instanceId, error: errorMessage(e) });
      return;
    }
    throw e;
  }
}
