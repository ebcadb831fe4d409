import { errorName, isTransient } from '../../shared/transient';
import type { HandlerContext } from './context';

/** First pause between attempts; it doubles up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 4_000;

/**
 * Runs `fn`, retrying transient errors (throttling, 5xx) inside this invocation until `deadline` (epoch ms), then
 * throws the last error. A redelivery by SQS comes a visibility timeout later, long after a 2-minute warning's
 * host is gone, so the time-critical steps retry here. Permanent errors, and an idempotency record held by another
 * event (the caller decides what that means), are thrown at once.
 */
export async function retryUntil<T>(ctx: HandlerContext, deadline: number, call: string, fn: () => Promise<T>): Promise<T> {
  let backoff = FIRST_BACKOFF_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || errorName(e) === 'IdempotencyAlreadyInProgressError' || ctx.now() + backoff > deadline) throw e;
      ctx.deps.logger.info('transient error; retrying within the deadline', { call, attempt, errorName: errorName(e), retryInMs: backoff, deadline: new Date(deadline).toISOString() });
      await ctx.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
