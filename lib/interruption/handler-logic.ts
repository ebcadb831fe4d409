import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeregisterTargetsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { errorMessage, errorName, isTransient } from '../shared/transient';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DETAIL_TYPES,
  describeLaunchFailure,
  FleetEvent,
  LaunchUnsuccessfulEvent,
  parseFleetEvent,
  StateChangeEvent,
  TerminateLifecycleEvent,
} from './events';

/** Everything the handler needs to know about its fleet; read from environment variables by the thin handler. */
export interface HandlerConfig {
  readonly autoScalingGroupName: string;
  readonly fleetTag: { readonly key: string; readonly value: string };
  readonly targetGroupArns: readonly string[];
  readonly rebalanceAction: 'drain' | 'notify';
  readonly drainDocumentName: string;
  readonly drainDocumentParameters: Readonly<Record<string, string[]>>;
  readonly drainTimeoutSeconds: number;
  /** Seconds between RecordLifecycleActionHeartbeat calls while a drain runs (well under the hook's heartbeat timeout). */
  readonly heartbeatIntervalSeconds: number;
  /** Seconds between GetCommandInvocation polls. */
  readonly pollIntervalSeconds: number;
  readonly topicArn: string;
}

/** AWS clients and Powertools utilities, injected so tests and the benchmark use mocks. */
export interface HandlerDeps {
  readonly ec2: EC2Client;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Store for "this event was handled" records (key: EventBridge event id). */
  readonly eventStore: BasePersistenceLayer;
  /** Store for "this instance is being drained" records (key: instance id), a separate instance of the same table. */
  readonly drainStore: BasePersistenceLayer;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** What happened to one event; also the idempotency record's stored response. */
export interface Outcome {
  readonly event: string;
  readonly result:
    | 'drained'
    /** Another event of the same instance was starting its drain; this event relies on that one. */
    | 'drain-joined'
    | 'notified'
    | 'dropped-foreign'
    | 'dropped-gone'
    | 'lifecycle-completed'
    | 'lifecycle-already-completed'
    | 'launch-failure-recorded'
    | 'state-recorded';
  readonly instanceId?: string;
  readonly detail?: Record<string, string | number | null>;
}

interface InstanceInfo {
  readonly instanceId: string;
  readonly state: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly lifecycle: string;
  readonly member: boolean;
  /** Epoch milliseconds the instance launched, when EC2 says. */
  readonly launchTime?: number;
}

interface DrainStart {
  readonly instanceId: string;
  readonly commandId: string | null;
  readonly startedAt: number;
  /** Why no drain command runs: the error name of SendCommand (e.g. InvalidInstanceId, AccessDeniedException). */
  readonly skipped?: string;
  /** A drain step that failed permanently, as `<api call>: <error name>`; the rest of the flow still ran. */
  readonly failed?: string;
}

/** Instance details a drain start needs for its metrics; not part of the drain's idempotency key. */
interface DrainRequest {
  readonly instanceId: string;
  readonly reason: string;
  readonly dims: Record<string, string>;
}

const TERMINAL_COMMAND_STATUSES = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Cancelling', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut', 'InvalidPlatform', 'AccessDenied']);

/**
 * Builds the SQS batch handler. Records are processed concurrently (work for different instances overlaps);
 * each event is idempotent on its EventBridge id and each drain on its instance id.
 */
export function createInterruptionProcessor(config: HandlerConfig, deps: HandlerDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? (() => Date.now());
  const { logger, metrics } = deps;

  // Long enough to cover every redelivery of a 2-minute event, short enough that the table stays tiny.
  const eventIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: 3600 });
  const drainIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'instanceId', expiresAfterSeconds: 3600 });

  function count(name: string, dims: Record<string, string>, value = 1, unit: MetricUnitValue = MetricUnit.Count): void {
    // Fleet-wide series (default dimensions only) for alarms; the breakdown series for dashboards.
    metrics.addMetric(name, unit, value);
    const single = metrics.singleMetric();
    single.addDimensions(dims);
    single.addMetric(name, unit, value);
  }

  async function describe(instanceId: string): Promise<InstanceInfo | undefined> {
    try {
      const out = await deps.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const inst = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
      if (!inst) return undefined;
      const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      const group = tags.get('aws:autoscaling:groupName');
      return {
        instanceId,
        state: inst.State?.Name ?? 'unknown',
        instanceType: inst.InstanceType ?? 'unknown',
        availabilityZone: inst.Placement?.AvailabilityZone ?? 'unknown',
        lifecycle: inst.InstanceLifecycle ?? 'on-demand',
        launchTime: inst.LaunchTime ? new Date(inst.LaunchTime).getTime() : undefined,
        member:
          tags.get(config.fleetTag.key) === config.fleetTag.value &&
          (group === undefined || group === config.autoScalingGroupName),
      };
    } catch (e) {
      if (errorName(e) === 'InvalidInstanceID.NotFound') return undefined;
      throw e;
    }
  }

  /** Leaves every target group; one target group's failure does not keep the instance in the others. */
  async function deregister(instanceId: string): Promise<Array<{ targetGroupArn: string; error: unknown }>> {
    const results = await Promise.allSettled(
      config.targetGroupArns.map(async (arn) => {
        try {
          await deps.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
        } catch (e) {
          // Not registered (or already gone) is the state we want.
          if (errorName(e) === 'InvalidTargetException' || errorName(e) === 'InvalidTarget') return;
          throw e;
        }
      }),
    );
    return results.flatMap((r, i) => (r.status === 'rejected' ? [{ targetGroupArn: config.targetGroupArns[i], error: r.reason }] : []));
  }

  /** A permanent drain-step failure: an error log naming the instance, the call and the error; the flow carries on. */
  function drainStepFailed(req: DrainRequest, call: string, error: unknown, extra: Record<string, string> = {}): string {
    logger.error(`drain step failed permanently; carrying on without it: ${call} for ${req.instanceId} returned ${errorName(error)}`, {
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

  // Deregistration is naturally idempotent; SendCommand is not, so the drain start is recorded per instance.
  // A permanent error (AccessDenied from the tag condition, InvalidDocument, TargetGroupNotFound) is recorded in
  // that record rather than thrown: thrown, it would block the replacement and the lifecycle completion, and every
  // retry would fail the same way until the DLQ. Transient errors still throw, so SQS retries the whole start.
  const startDrain = makeIdempotent(
    async (req: DrainRequest): Promise<DrainStart> => {
      const deregisterErrors = await deregister(req.instanceId);
      const transient = deregisterErrors.find((f) => isTransient(f.error));
      if (transient) throw transient.error;
      const failures = deregisterErrors.map((f) =>
        drainStepFailed(req, 'elasticloadbalancing:DeregisterTargets', f.error, { targetGroupArn: f.targetGroupArn }),
      );
      const failed = failures[0];
      // One DrainFailures per drain, however many steps failed, counted when the start is recorded (not before a
      // transient throw, whose retry would count it again); the lifecycle path does not count it a second time.
      const done = (start: DrainStart): DrainStart => {
        if (start.failed) count('DrainFailures', req.dims);
        return start;
      };
      const startedAt = now();
      try {
        const out = await deps.ssm.send(
          new SendCommandCommand({
            DocumentName: config.drainDocumentName,
            InstanceIds: [req.instanceId],
            Parameters: { ...config.drainDocumentParameters },
            TimeoutSeconds: config.drainTimeoutSeconds + 30,
            Comment: `gpu-spot-fleet drain (${req.reason})`.slice(0, 100),
          }),
        );
        const commandId = out.Command?.CommandId ?? null;
        logger.info('drain started', { instanceId: req.instanceId, commandId, reason: req.reason });
        return done({ instanceId: req.instanceId, commandId, startedAt, ...(failed ? { failed } : {}) });
      } catch (e) {
        // The host is not (or no longer) reachable by SSM: nothing to drain, the rest of the flow still runs.
        if (errorName(e) === 'InvalidInstanceId') {
          logger.warn('drain skipped: instance not reachable by SSM Run Command', {
            instanceId: req.instanceId,
            error: errorMessage(e),
          });
          return done({ instanceId: req.instanceId, commandId: null, startedAt, skipped: 'InvalidInstanceId', ...(failed ? { failed } : {}) });
        }
        if (isTransient(e)) throw e;
        const sendFailed = drainStepFailed(req, 'ssm:SendCommand', e, { documentName: config.drainDocumentName });
        return done({ instanceId: req.instanceId, commandId: null, startedAt, skipped: errorName(e), failed: failed ?? sendFailed });
      }
    },
    { persistenceStore: deps.drainStore, config: drainIdempotency, keyPrefix: 'drain' },
  );

  async function setUnhealthy(instanceId: string): Promise<void> {
    try {
      await deps.autoScaling.send(
        new SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }),
      );
    } catch (e) {
      // Already detached or terminated: the group no longer counts it, which is what "unhealthy" was for.
      if (errorName(e) === 'ValidationError') {
        logger.info('instance no longer in the group; health not set', { instanceId, error: errorMessage(e) });
        return;
      }
      throw e;
    }
  }

  function dims(info: InstanceInfo | undefined, eventType: string): Record<string, string> {
    return {
      EventType: eventType,
      InstanceType: info?.instanceType ?? 'unknown',
      AvailabilityZone: info?.availabilityZone ?? 'unknown',
    };
  }

  async function memberOrDrop(event: FleetEvent, instanceId: string, allowLeaving: boolean) {
    const info = await describe(instanceId);
    if (!info) {
      logger.info('event dropped: instance no longer exists', { eventId: event.id, detailType: event['detail-type'], instanceId });
      return { drop: { event: event['detail-type'], result: 'dropped-gone', instanceId } as Outcome };
    }
    if (!info.member) {
      logger.info('event dropped: instance belongs to another fleet', { eventId: event.id, detailType: event['detail-type'], instanceId });
      return { drop: { event: event['detail-type'], result: 'dropped-foreign', instanceId } as Outcome };
    }
    if (!allowLeaving && (info.state === 'terminated' || info.state === 'shutting-down')) {
      logger.info('event dropped: instance already leaving', { eventId: event.id, instanceId, state: info.state });
      return { drop: { event: event['detail-type'], result: 'dropped-gone', instanceId } as Outcome };
    }
    return { info };
  }

  async function drainAndReplace(event: FleetEvent, instanceId: string, kind: 'interruption' | 'rebalance'): Promise<Outcome> {
    const resolved = await memberOrDrop(event, instanceId, false);
    if (resolved.drop) return resolved.drop;
    const info = resolved.info!;
    count(kind === 'interruption' ? 'Interruptions' : 'RebalanceRecommendations', dims(info, event['detail-type']));
    if (kind === 'interruption' && info.launchTime !== undefined) {
      // The capacity ledger's "mean time from launch to interruption" per pool (instance type x AZ).
      const lived = Math.max(0, Math.round((Date.parse(event.time) - info.launchTime) / 1000));
      if (Number.isFinite(lived)) count('TimeToInterruptionSeconds', dims(info, event['detail-type']), lived, MetricUnit.Seconds);
    }
    if (kind === 'rebalance' && config.rebalanceAction === 'notify') {
      return { event: event['detail-type'], result: 'notified', instanceId, detail: { instanceType: info.instanceType, availabilityZone: info.availabilityZone } };
    }
    const eventDims = dims(info, event['detail-type']);
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
      // Unhealthy makes the group launch the replacement now; its maintenance policy launches before terminating.
      await setUnhealthy(instanceId);
    }
    // On a rebalance recommendation the group's capacity rebalancing (capacityRebalance: true) launches the
    // replacement itself and later terminates this instance through the lifecycle hook; Unhealthy on top of that
    // could launch a second replacement. The drained host waits idle until its replacement is in service.
    if (drain) count('Drains', eventDims);
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

  async function waitForDrain(drain: DrainStart, event: TerminateLifecycleEvent): Promise<{ status: string; seconds: number; hookGone: boolean }> {
    const d = event.detail;
    const deadline = drain.startedAt + (config.drainTimeoutSeconds + 30) * 1000;
    let lastBeat = now();
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
        lastBeat = now();
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
      const seconds = Math.round((now() - drain.startedAt) / 1000);
      if (TERMINAL_COMMAND_STATUSES.has(status)) return { status, seconds, hookGone: false };
      if (now() >= deadline) {
        logger.warn('drain did not finish within its timeout; letting the instance go', { instanceId: d.EC2InstanceId, commandId: drain.commandId, seconds });
        return { status: 'DrainTimeout', seconds, hookGone: false };
      }
      if (now() - lastBeat >= config.heartbeatIntervalSeconds * 1000 && !(await heartbeat())) {
        return { status: 'HookGone', seconds, hookGone: true };
      }
      await sleep(config.pollIntervalSeconds * 1000);
    }
  }

  async function onLifecycle(event: TerminateLifecycleEvent): Promise<Outcome> {
    const d = event.detail;
    const instanceId = d.EC2InstanceId;
    const info = await describe(instanceId);
    const drain = await startDrain({ instanceId, reason: 'terminate-lifecycle', dims: dims(info, event['detail-type']) });
    const waited = await waitForDrain(drain, event);
    if (waited.hookGone) {
      logger.info('lifecycle action already completed or expired; nothing to complete', { instanceId, eventId: event.id });
      return { event: event['detail-type'], result: 'lifecycle-already-completed', instanceId };
    }
    count('DrainDurationSeconds', dims(info, event['detail-type']), waited.seconds, MetricUnit.Seconds);
    // A drain whose start failed permanently was counted when it was recorded.
    if (waited.status !== 'Success' && !drain.failed) count('DrainFailures', dims(info, event['detail-type']));
    try {
      await deps.autoScaling.send(
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

  async function onLaunchUnsuccessful(event: LaunchUnsuccessfulEvent): Promise<Outcome> {
    const failure = describeLaunchFailure(event);
    count('LaunchFailures', {
      EventType: event['detail-type'],
      InstanceType: failure.instanceType,
      AvailabilityZone: failure.availabilityZone,
      ErrorCode: failure.errorCode,
    });
    logger.warn('launch unsuccessful', { ...failure, statusMessage: event.detail.StatusMessage, eventId: event.id });
    return { event: event['detail-type'], result: 'launch-failure-recorded', detail: { ...failure } };
  }

  async function onStateChange(event: StateChangeEvent): Promise<Outcome> {
    const instanceId = event.detail['instance-id'];
    const resolved = await memberOrDrop(event, instanceId, true);
    if (resolved.drop) return resolved.drop;
    // A host stopped or terminated outside the interruption path (console, scale-in) must not keep receiving traffic.
    if (event.detail.state === 'stopping' || event.detail.state === 'shutting-down') await deregister(instanceId);
    count('InstanceStateChanges', { ...dims(resolved.info, event['detail-type']), State: event.detail.state });
    return { event: event['detail-type'], result: 'state-recorded', instanceId, detail: { state: event.detail.state } };
  }

  async function handleEvent(event: FleetEvent): Promise<Outcome> {
    switch (event['detail-type']) {
      case DETAIL_TYPES.spotInterruption:
        return drainAndReplace(event, event.detail['instance-id'], 'interruption');
      case DETAIL_TYPES.rebalance:
        return drainAndReplace(event, event.detail['instance-id'], 'rebalance');
      case DETAIL_TYPES.terminateLifecycle:
        return onLifecycle(event);
      case DETAIL_TYPES.launchUnsuccessful:
        return onLaunchUnsuccessful(event);
      case DETAIL_TYPES.stateChange:
        return onStateChange(event);
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
      count('ProcessingErrors', { EventType: 'malformed', InstanceType: 'unknown', AvailabilityZone: 'unknown' });
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
      if (transient) logger.warn('transient failure: message will be retried', fields);
      else logger.error('permanent failure: goes to the DLQ after maxReceiveCount', fields);
      // Retries are expected (throttling, a duplicate in flight) and must not trip the errors alarm, which pages
      // and stops FIS drills; a record that keeps failing still reaches the DLQ and its alarm.
      count(transient ? 'Retries' : 'ProcessingErrors', { EventType: event['detail-type'], InstanceType: 'unknown', AvailabilityZone: 'unknown' });
      throw e;
    }
  }

  async function publishSummary(): Promise<void> {
    const notable = fresh.splice(0).filter((o) => !o.result.startsWith('dropped') && o.result !== 'state-recorded');
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
