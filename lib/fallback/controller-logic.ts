import {
  Activity,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import {
  decideFallback,
  FallbackDecisionConfig,
  fallbackConfigProblems,
  FallbackDecision,
  FallbackState,
  stateFromGroup,
} from './decision';
import { FALLBACK_METRICS } from '../shared/metric-names';

/** What the controller needs to know; read from environment variables by the thin handler. */
export interface ControllerConfig extends FallbackDecisionConfig {
  readonly mainGroupName: string;
  readonly fallbackGroupName: string;
  /** SSM parameter the controller owns (not in the template, so no deploy can reset it). */
  readonly stateParameterName: string;
  readonly topicArn: string;
  readonly fleet: string;
}

export interface ControllerDeps {
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export interface ControllerResult {
  readonly decision: FallbackDecision;
  /** Whether SetDesiredCapacity was called on the fallback group (false when it already had the decided size). */
  readonly resized: boolean;
  /** Capacity units added to the main group's desired capacity before the fallback shrank (0 when none). */
  readonly handedBack: number;
  readonly notified: boolean;
}

/** A failed launch, read from the activity's status message (Auto Scaling has no separate code field). */
const FAILURE_CODES = [
  'InsufficientInstanceCapacity',
  'MaxSpotInstanceCountExceeded',
  'SpotMaxPriceTooLow',
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'InsufficientFreeAddressesInSubnet',
  'Unsupported',
  'InvalidParameterValue',
  'UnauthorizedOperation',
] as const;

export function failureCode(activity: Activity): string {
  const text = `${activity.StatusMessage ?? ''} ${activity.Description ?? ''}`;
  const known = FAILURE_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(text));
  if (known) return known;
  if (/no spot capacity available|do not have sufficient .* capacity/i.test(text)) return 'InsufficientInstanceCapacity';
  return 'Unknown';
}

const stateSchema = z.object({
  version: z.literal(1),
  mode: z.enum(['standby', 'engaged']),
  desiredFallback: z.number().int().min(0),
  troubleSince: z.number().optional(),
  failuresInStreak: z.number().int().min(0),
  window: z.array(z.tuple([z.number(), z.number()])),
  failuresSinceGrowth: z.number().int().min(0).optional(),
  growthWantedSince: z.number().optional(),
  countedFailureIds: z.array(z.string()).optional(),
});

/** Instances on their way in: they count as arriving capacity, not as shortfall. */
const PENDING_STATES = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);

/**
 * How far back failed launches are read. An activity is found failed on any run while it started within this
 * window, so a launch that was in progress for up to this long and then failed is still counted.
 */
export const ACTIVITY_LOOKBACK_MS = 30 * 60_000;
/** Pages of 100 activities read at most per run (DescribeScalingActivities lists in-progress ones first). */
export const MAX_ACTIVITY_PAGES = 5;
/** Counted failure ids kept in the state: the SSM parameter holds 4 KB (an id is ~40 bytes). */
export const MAX_COUNTED_FAILURE_IDS = 50;
const STATE_MAX_BYTES = 4096;

/** Error names that are worth another try next minute (the SDK already retried them in-process). */
const TRANSIENT = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure', 'TimeoutError', 'ResourceContention']);

export function isTransient(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name && TRANSIENT.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads the controller's configuration from its environment; names a missing or invalid variable. */
export function controllerConfigFromEnv(env: NodeJS.ProcessEnv): ControllerConfig {
  const required = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set: the OnDemandFallback construct sets it; redeploy the stack`);
    return v;
  };
  const number = (name: string): number => {
    const v = Number(required(name));
    if (!Number.isFinite(v)) throw new Error(`environment variable ${name} (${env[name]}) must be a number`);
    return v;
  };
  const flag = (name: string): boolean => {
    const v = required(name);
    if (v !== 'true' && v !== 'false') throw new Error(`environment variable ${name} (${v}) must be true or false`);
    return v === 'true';
  };
  const config: ControllerConfig = {
    mainGroupName: required('MAIN_GROUP_NAME'),
    fallbackGroupName: required('FALLBACK_GROUP_NAME'),
    stateParameterName: required('STATE_PARAMETER_NAME'),
    topicArn: required('TOPIC_ARN'),
    fleet: required('FLEET_TAG_VALUE'),
    engageAfterMs: number('ENGAGE_AFTER_MINUTES') * 60_000,
    engageWithoutFailuresAfterMs: number('ENGAGE_WITHOUT_FAILURES_AFTER_MINUTES') * 60_000,
    releaseAfterMs: number('RELEASE_AFTER_MINUTES') * 60_000,
    maxFallbackInstances: number('MAX_FALLBACK_INSTANCES'),
    unitsPerInstance: number('UNITS_PER_INSTANCE'),
    fallbackWeighted: flag('FALLBACK_WEIGHTED'),
  };
  const problems = fallbackConfigProblems(config);
  if (problems.length) throw new Error(`fallback controller environment is invalid: ${problems.join('; ')}`);
  return config;
}

/**
 * One controller run: observe both groups and the main group's recent launch failures, decide, resize the
 * fallback group when the decision differs from its current size, store the state, and report a change.
 */
export async function runFallbackController(config: ControllerConfig, deps: ControllerDeps): Promise<ControllerResult> {
  const { logger, metrics } = deps;
  const now = (deps.now ?? Date.now)();
  try {
    const groups = await deps.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [config.mainGroupName, config.fallbackGroupName] }),
    );
    const main = groups.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.mainGroupName);
    const fallback = groups.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.fallbackGroupName);
    if (!main || !fallback) {
      const missing = [!main ? `main group ${config.mainGroupName}` : '', !fallback ? `fallback group ${config.fallbackGroupName}` : ''].filter(Boolean);
      throw new Error(`${missing.join(' and ')} not found by DescribeAutoScalingGroups: was the stack deleted or the group replaced? Redeploy the stack`);
    }
    const capacityOf = (states: (s: string | undefined) => boolean) => (main.Instances ?? [])
      .filter((i) => states(i.LifecycleState))
      .reduce((sum, i) => sum + Number(i.WeightedCapacity ?? 1), 0);
    const inService = capacityOf((s) => s === 'InService');
    const pending = capacityOf((s) => s !== undefined && PENDING_STATES.has(s));
    const fallbackDesired = fallback.DesiredCapacity ?? 0;
    const fallbackInService = (fallback.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length;

    const state = await loadState(config, deps, fallbackDesired, now);
    const failures = await launchFailures(config.mainGroupName, state.countedFailureIds, now, deps.autoScaling);

    const decision = decideFallback(
      { ...state, countedFailureIds: failures.countedIds },
      {
        at: now,
        desiredCapacity: main.DesiredCapacity ?? 0,
        inServiceCapacity: inService,
        pendingCapacity: pending,
        launchFailures: failures.count,
        failureCodes: failures.codes,
      },
      config,
    );

    // Handback first: spot gets the capacity (and launches the replacement) before the fallback lets it go, so the
    // main group's target tracking does not have to find the load again. Capped at the main group's MaxSize.
    const mainDesired = main.DesiredCapacity ?? 0;
    let handedBack = 0;
    if (decision.handbackUnits > 0 && decision.desiredFallback < fallbackDesired) {
      const raised = Math.min(main.MaxSize ?? Number.POSITIVE_INFINITY, mainDesired + decision.handbackUnits);
      if (raised > mainDesired) {
        await deps.autoScaling.send(
          new SetDesiredCapacityCommand({ AutoScalingGroupName: config.mainGroupName, DesiredCapacity: raised, HonorCooldown: false }),
        );
        handedBack = raised - mainDesired;
      }
    }

    let resized = false;
    if (decision.desiredFallback !== fallbackDesired) {
      // HonorCooldown false: the controller's own hysteresis is the damping; idempotent when repeated.
      await deps.autoScaling.send(
        new SetDesiredCapacityCommand({ AutoScalingGroupName: config.fallbackGroupName, DesiredCapacity: decision.desiredFallback, HonorCooldown: false }),
      );
      resized = true;
    }
    await deps.ssm.send(
      new PutParameterCommand({ Name: config.stateParameterName, Value: serializeState(decision.state), Type: 'String', Overwrite: true }),
    );

    const fields = {
      action: decision.action,
      reason: decision.reason,
      previousFallback: decision.previousFallback,
      desiredFallback: decision.desiredFallback,
      fallbackGroupDesired: fallbackDesired,
      fallbackInService,
      shortfall: decision.shortfall,
      mainInService: inService,
      mainPending: pending,
      handbackUnits: decision.handbackUnits,
      handedBack,
      mainDesiredBefore: mainDesired,
      launchFailures: failures.count,
      failureCodes: failures.codes,
      capped: decision.capped,
      resized,
    };
    if (decision.action === 'hold') logger.info('fallback decision', fields);
    else logger.warn('fallback decision', fields);

    metrics.addMetric(FALLBACK_METRICS.desiredInstances, MetricUnit.Count, decision.desiredFallback);
    metrics.addMetric(FALLBACK_METRICS.inServiceInstances, MetricUnit.Count, fallbackInService);
    metrics.addMetric(FALLBACK_METRICS.engaged, MetricUnit.Count, decision.desiredFallback > 0 ? 1 : 0);
    metrics.addMetric(FALLBACK_METRICS.shortfallCapacity, MetricUnit.Count, decision.shortfall);
    metrics.addMetric(FALLBACK_METRICS.launchFailures, MetricUnit.Count, failures.count);
    const perAction = metrics.singleMetric();
    perAction.addDimension('Action', decision.action);
    perAction.addMetric(FALLBACK_METRICS.decisions, MetricUnit.Count, 1);

    const notified = decision.action === 'hold' ? false : await notify(config, deps, decision, fallbackInService, mainDesired, handedBack);
    return { decision, resized, handedBack, notified };
  } catch (e) {
    const transient = isTransient(e);
    const fields = { errorName: (e as { name?: string })?.name ?? 'Error', error: message(e), errorKind: transient ? 'transient' : 'permanent' };
    // Thrown either way: Lambda counts the error (the controller's alarm) and the next minute's run retries.
    if (transient) logger.warn('controller run failed; the next run retries', fields);
    else logger.error('controller run failed; needs attention', fields);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
}

async function loadState(config: ControllerConfig, deps: ControllerDeps, fallbackDesired: number, now: number): Promise<FallbackState> {
  let raw: string | undefined;
  try {
    const out = await deps.ssm.send(new GetParameterCommand({ Name: config.stateParameterName }));
    raw = out.Parameter?.Value;
  } catch (e) {
    if ((e as { name?: string })?.name !== 'ParameterNotFound') throw e;
  }
  if (raw === undefined) {
    deps.logger.info('no stored fallback state; starting from the fallback group', { fallbackGroupDesired: fallbackDesired, parameter: config.stateParameterName });
    return stateFromGroup(fallbackDesired, now);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    deps.logger.warn('stored fallback state is unreadable; starting from the fallback group', {
      parameter: config.stateParameterName,
      value: raw.slice(0, 200),
    });
    return stateFromGroup(fallbackDesired, now);
  }
  return parsed.data;
}

/**
 * Failed (or cancelled) launch activities of the group not counted before. Every run reads the activities that
 * started in the last ACTIVITY_LOOKBACK_MS (in-progress ones come first, then newest first, so paging stops only at
 * a finished activity older than that) and skips by activity id, not by time: an activity seen in progress that
 * fails later, or two with the same start time, are each counted once. Without stored ids (first run, lost state),
 * failures older than a minute are marked counted without being counted, so an upgrade does not count a burst.
 */
async function launchFailures(groupName: string, counted: readonly string[] | undefined, now: number, client: AutoScalingClient) {
  const codes: Record<string, number> = {};
  const known = new Set(counted ?? []);
  const from = now - ACTIVITY_LOOKBACK_MS;
  const fresh: string[] = [];
  const inWindow = new Set<string>();
  let count = 0;
  let complete = false;
  let token: string | undefined;
  for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
    const out = await client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: 100, NextToken: token }));
    for (const a of out.Activities ?? []) {
      const started = a.StartTime?.getTime() ?? 0;
      const finished = a.StatusCode === 'Successful' || a.StatusCode === 'Failed' || a.StatusCode === 'Cancelled';
      if (started < from) {
        if (finished) complete = true;
        continue;
      }
      if (!a.ActivityId) continue;
      inWindow.add(a.ActivityId);
      if ((a.StatusCode !== 'Failed' && a.StatusCode !== 'Cancelled') || !/^Launching a new EC2 instance/i.test(a.Description ?? '')) continue;
      if (known.has(a.ActivityId)) continue;
      known.add(a.ActivityId);
      fresh.push(a.ActivityId);
      if (counted === undefined && started < now - 60_000) continue;
      const code = failureCode(a);
      codes[code] = (codes[code] ?? 0) + 1;
      count++;
    }
    token = out.NextToken;
    if (complete || !token) {
      complete = true;
      break;
    }
  }
  // Ids of activities that left the window are no longer needed; when the read stopped early, keep them all.
  const kept = [...(counted ?? []), ...fresh].filter((id) => !complete || inWindow.has(id));
  return { count, codes, countedIds: kept.slice(-MAX_COUNTED_FAILURE_IDS) };
}

/** The state as stored; the oldest counted ids go first if it would not fit the parameter's 4 KB. */
export function serializeState(state: FallbackState): string {
  let ids = [...(state.countedFailureIds ?? [])];
  let json = JSON.stringify({ ...state, countedFailureIds: ids });
  while (Buffer.byteLength(json) > STATE_MAX_BYTES && ids.length > 0) {
    ids = ids.slice(Math.max(1, Math.ceil(ids.length / 4)));
    json = JSON.stringify({ ...state, countedFailureIds: ids });
  }
  return json;
}

async function notify(
  config: ControllerConfig,
  deps: ControllerDeps,
  d: FallbackDecision,
  fallbackInService: number,
  mainDesired: number,
  handedBack: number,
): Promise<boolean> {
  const verb = { engage: 'engaged', grow: 'grew', shrink: 'shrank', release: 'released', hold: 'held' }[d.action];
  try {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: config.topicArn,
        Subject: `GPU fleet ${config.fleet}: on-demand fallback ${verb} (${d.previousFallback} -> ${d.desiredFallback})`.slice(0, 99),
        Message: [
          `Fleet: ${config.fleet}`,
          `Decision: ${d.action}, fallback group ${config.fallbackGroupName} desired ${d.previousFallback} -> ${d.desiredFallback} (cap ${config.maxFallbackInstances}; ${fallbackInService} in service now)`,
          `Reason: ${d.reason}`,
          ...(d.handbackUnits > 0
            ? [`Handback: main group ${config.mainGroupName} desired ${mainDesired} -> ${mainDesired + handedBack}` +
              (handedBack < d.handbackUnits ? ` (${d.handbackUnits} asked, capped at its MaxSize)` : '')]
            : []),
        ].join('\n'),
      }),
    );
    return true;
  } catch (e) {
    // The resize already happened; a lost notification must not fail the run (and repeat nothing next minute).
    deps.logger.error('fallback notification failed', { error: message(e), action: d.action, reason: d.reason });
    deps.metrics.addMetric(FALLBACK_METRICS.notificationFailures, MetricUnit.Count, 1);
    return false;
  }
}
