import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { errorMessage, errorName } from '../../shared/transient';
import { DETAIL_TYPES } from './events';
import type { HandlerConfig, HandlerDeps } from './types';

/**
 * Events whose value expires in minutes: a spot warning gives 120 s, a terminate hook waits for its heartbeat, a
 * rebalance recommendation often precedes a warning. When one of them fails transiently, waiting out the queue's
 * visibility timeout (6x the function timeout, AWS's guidance for Lambda event sources) would retry it long after
 * the host is gone, so it is made visible again within seconds instead.
 */
export const TIME_CRITICAL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  DETAIL_TYPES.spotInterruption,
  DETAIL_TYPES.terminateLifecycle,
  DETAIL_TYPES.rebalance,
]);

/** Seconds before the n-th retry (n = the message's receive count so far): 5, 10, 15 ..., at most 30. */
export function fastRetryDelaySeconds(receiveCount: number): number {
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  return Math.min(30, 5 * n);
}

/**
 * Makes a failed time-critical record visible again in seconds (ChangeMessageVisibility on its receipt handle).
 * Best effort: when the call fails the record still comes back after the queue's visibility timeout, and the
 * failure is logged with the call's name and reason. Returns the delay set, or undefined when none was.
 */
export async function retrySoon(
  config: Pick<HandlerConfig, 'queueUrl'>,
  deps: Pick<HandlerDeps, 'sqs' | 'logger'>,
  record: SQSRecord,
  detailType: string,
): Promise<number | undefined> {
  if (!TIME_CRITICAL_DETAIL_TYPES.has(detailType) || !config.queueUrl) return undefined;
  const delay = fastRetryDelaySeconds(Number(record.attributes?.ApproximateReceiveCount ?? 1));
  try {
    await deps.sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: config.queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: delay,
    }));
    return delay;
  } catch (e) {
    deps.logger.error('sqs:ChangeMessageVisibility failed: the record comes back after the queue\'s visibility timeout instead', {
      messageId: record.messageId,
      errorName: errorName(e),
      error: errorMessage(e),
    });
    return undefined;
  }
}
