import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import type { HandlerContext } from './context';

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
export function drainIdempotencyConfig(): IdempotencyConfig {
  return new IdempotencyConfig({ eventKeyJmesPath: 'instanceId', expiresAfterSeconds: 3600 });
}

/**
 * Starts a drain once per instance. Deregistration is naturally idempotent; SendCommand is not, so a started drain
 * is recorded per instance. A drain whose command did not start is returned but not recorded (DrainNotStarted), so
 * the next event of the host tries again. A permanent error (AccessDenied from the tag condition, InvalidDocument,
 * TargetGroupNotFound) is returned rather than thrown: thrown, it would block the replacement and the lifecycle
 * completion, and every retry would fail the same way until the DLQ. Transient errors still throw, so SQS retries
 * the whole start.
 */
export function drainStarter(ctx: HandlerContext, config: IdempotencyConfig): (req: DrainRequest) => Promise<DrainStart> {
  const { logger } = ctx.deps;
  const once = makeIdempotent(
    async (req: DrainRequest): Promise<DrainStart> => {
      const deregisterErrors = await deregister(ctx, req.instanceId);
      const transient = deregisterErrors.find((f) => isTransient(f.error));
      if (transient) throw transient.error;
      const failures = deregisterErrors.map((f) =>
        drainStepFailed(ctx, req, 'elasticloadbalancing:DeregisterTargets', f.error, { targetGroupArn: f.targetGroupArn }),
      );
      const failed = failures[0];
      // One DrainFailures per drain, however many steps failed, counted when the start is recorded (not before a
      // transient throw, whose retry would count it again); the lifecycle path does not count it a second time.
      // A host SSM cannot reach yet is a warning (DrainsSkipped), not a failure.
      const done = (start: DrainStart): DrainStart => {
        if (start.failed) ctx.count(HANDLER_METRICS.drainFailures, req.dims);
        else if (start.skipped === 'InvalidInstanceId') ctx.count(HANDLER_METRICS.drainsSkipped, req.dims);
        return start;
      };
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
        return done({ instanceId: req.instanceId, commandId, startedAt, reason: req.reason, ...(failed ? { failed } : {}) });
      } catch (e) {
        // The host is not (or no longer) reachable by SSM: nothing to drain, the rest of the flow still runs.
        if (errorName(e) === 'InvalidInstanceId') {
          logger.warn('drain skipped: instance not reachable by SSM Run Command', { instanceId: req.instanceId, error: errorMessage(e) });
          throw new DrainNotStarted(done({ instanceId: req.instanceId, commandId: null, startedAt, reason: req.reason, skipped: 'InvalidInstanceId', ...(failed ? { failed } : {}) }));
        }
        if (isTransient(e)) throw e;
        const sendFailed = drainStepFailed(ctx, req, 'ssm:SendCommand', e, { documentName: ctx.config.drainDocumentName });
        throw new DrainNotStarted(done({ instanceId: req.instanceId, commandId: null, startedAt, reason: req.reason, skipped: errorName(e), failed: failed ?? sendFailed }));
      }
    },
    { persistenceStore: ctx.deps.drainStore, config, keyPrefix: 'drain' },
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
