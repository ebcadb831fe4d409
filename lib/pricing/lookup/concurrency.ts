import { PricingLookupError, describeError } from './errors';

/**
 * Runs `fn` over `items` with at most `limit` in flight, keeping the input order in the result.
 * Every item runs even when one fails, so all failures can be reported together.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`pricing: concurrency (${limit}) must be a whole number >= 1`);
  }
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `fn` with an AbortSignal that fires after `ms`; a call still running then fails with an error naming
 * `label`, so a hung endpoint becomes a message instead of a synth that never ends.
 */
export async function withDeadline<R>(label: string, ms: number, fn: (signal: AbortSignal) => Promise<R>): Promise<R> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before aborting: the aborted call's own rejection must not win the race and hide the deadline.
      reject(
        new PricingLookupError([
          `pricing: ${label} did not finish within ${ms} ms; check network access to the AWS endpoint ` +
            '(or AWS_ENDPOINT_URL_*), or use -c pricing=snapshot to synth offline',
        ]),
      );
      controller.abort();
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } catch (err) {
    if (err instanceof PricingLookupError) throw err;
    throw new PricingLookupError([`pricing: ${label} failed: ${describeError(err)}`]);
  } finally {
    clearTimeout(timer);
  }
}
