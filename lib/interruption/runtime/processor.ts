import { PublishCommand } from '@aws-sdk/client-sns';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { HANDLER_METRICS } from '../../shared/metric-names';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import { createContext } from './context';
import { DRAIN_KEY_PREFIX, drainIdempotencyConfig, drainStarter } from './drain';
import { DETAIL_TYPES, type FleetEvent, parseFleetEvent } from './events';
import { retrySoon } from './fast-retry';
import { onInterruptionWarning } from './interruption';
import { onLifecycle } from './lifecycle';
import { onLaunchUnsuccessful, onStateChange } from './observations';
import { onRebalance } from './rebalance';
import { sweepDrainedHosts } from './sweep';
import type { HandlerConfig, HandlerDeps, Outcome } from './types';

/** Time kept back at the end of an invocation for the summary notification and the metrics flush. */
const INVOCATION_MARGIN_MS = 10_000;

/**
 * Builds the SQS batch handler. Records are processed concurrently (work for different instances overlaps);
 * each event is idempotent on its EventBridge id and each drain on its instance id.
 */
export function createInterruptionProcessor(config: HandlerConfig, deps: HandlerDeps) {
  const ctx = createContext(config, deps);
  const { logger, metrics } = deps;

  // Long enough to cover every redelivery of a 2-minute event, short enough that the table stays tiny.
  const eventIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 3600 });
  const drainIdempotency = drainIdempotencyConfig(config.drainTimeoutSeconds);
  // Configured up front (not on first use) so the sweep can drop a drain record in a fresh container.
  deps.drainStore.configure({ config: drainIdempotency, keyPrefix: DRAIN_KEY_PREFIX });
  const startDrain = drainStarter(ctx, drainIdempotency);
  /** Epoch ms by which this invocation's records must be done (its remaining time less a margin for the summary). */
  let invocationDeadline = Number.POSITIVE_INFINITY;

  async function handleEvent(event: FleetEvent): Promise<Outcome> {
    switch (event['detail-type']) {
      case DETAIL_TYPES.spotInterruption:
        return onInterruptionWarning(ctx, startDrain, event, invocationDeadline);
      case DETAIL_TYPES.rebalance:
        return onRebalance(ctx, startDrain, event, invocationDeadline);
      case DETAIL_TYPES.terminateLifecycle:
        return onLifecycle(ctx, startDrain, event, invocationDeadline);
      case DETAIL_TYPES.launchUnsuccessful:
        return onLaunchUnsuccessful(ctx, event);
      case DETAIL_TYPES.stateChange:
        return onStateChange(ctx, event);
      case DETAIL_TYPES.scheduled:
        return sweepDrainedHosts(ctx, event, invocationDeadline);
    }
  }

  const fresh: Outcome[] = [];
  // A duplicate delivery returns the stored outcome without running (or counting, or notifying) anything again.
  const handleOnce = makeIdempotent(
    async (event: FleetEvent): Promise<Outcome> => {
      const outcome = await handleEvent(event);
      fresh.push(outcome);
      return outcome;
    },
    { persistenceStore: deps.eventStore, config: eventIdempotency, keyPrefix: 'event' },
  );

  const unknownDims = (eventType: string) => ({ EventType: eventType, InstanceType: 'unknown', AvailabilityZone: 'unknown' });

  async function recordHandler(record: SQSRecord): Promise<Outcome> {
    let event: FleetEvent;
    try {
      event = parseFleetEvent(record.body);
    } catch (e) {
      logger.error('permanent failure: malformed event, goes to the DLQ after maxReceiveCount', {
        messageId: record.messageId,
        error: errorMessage(e),
        errorKind: 'permanent',
      });
      ctx.count(HANDLER_METRICS.processingErrors, unknownDims('malformed'));
      throw e;
    }
    try {
      return await handleOnce(event);
    } catch (e) {
      const transient = isTransient(e);
      const fields = {
        messageId: record.messageId,
        eventId: event.id,
        detailType: event['detail-type'],
        errorName: errorName(e),
        error: errorMessage(e),
        errorKind: transient ? 'transient' : 'permanent',
      };
      if (transient) {
        const retryInSeconds = await retrySoon(config, deps, record, event['detail-type']);
        logger.warn('transient failure: message will be retried', { ...fields, retryInSeconds: retryInSeconds ?? 'visibility timeout' });
      } else {
        logger.error('permanent failure: goes to the DLQ after maxReceiveCount', fields);
      }
      // Retries are expected (throttling, a duplicate in flight) and must not trip the errors alarm, which pages
      // and stops FIS drills; a record that keeps failing still reaches the DLQ and its alarm.
      ctx.count(transient ? HANDLER_METRICS.retries : HANDLER_METRICS.processingErrors, unknownDims(event['detail-type']));
      throw e;
    }
  }

  async function publishSummary(): Promise<void> {
    const notable = fresh.splice(0).filter((o) => !o.result.startsWith('dropped') && o.result !== 'state-recorded' && !(o.result === 'swept' && Object.keys(o.detail ?? {}).length === 0));
    if (notable.length === 0) return;
    const lines = notable.map(
      (o) => `${o.event}: ${o.result}${o.instanceId ? ` ${o.instanceId}` : ''}${o.detail ? ` ${JSON.stringify(o.detail)}` : ''}`,
    );
    try {
      await deps.sns.send(
        new PublishCommand({
          TopicArn: config.topicArn,
          Subject: `GPU fleet ${config.fleetTag.value}: ${notable.length} interruption event(s)`.slice(0, 99),
          Message: lines.join('\n'),
        }),
      );
    } catch (e) {
      // The actions already happened; a lost summary must not make SQS replay them.
      logger.error('summary notification failed', { error: errorMessage(e), lines });
    }
  }

  /** The Lambda entry point logic: partial batch response, never a whole-batch throw. */
  async function handle(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    invocationDeadline = ctx.now() + (context ? context.getRemainingTimeInMillis() - INVOCATION_MARGIN_MS : 15 * 60_000);
    if (context) {
      eventIdempotency.registerLambdaContext(context);
      drainIdempotency.registerLambdaContext(context);
    }
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return (await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false })) as SQSBatchResponse;
    } finally {
      await publishSummary();
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }

  return { handle, recordHandler, handleEvent };
}
