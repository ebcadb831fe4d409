import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { applyDecision } from './actions';
import { decideFallback, FallbackDecision } from './decision';
import { servingCapacity } from './drained-hosts';
import type { ControllerConfig } from './env';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import { readGroups } from './groups';
import { launchFailures } from './launch-failures';
import { isNews, notifyChange } from './notify';
import { RebuildReason, reconcileState } from './reconcile';
import { reportRun } from './report';
import { loadState, saveState } from './state-store';

export interface ControllerDeps {
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
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
  /** Why the stored state was rebuilt from the fallback group this run, if it was. */
  readonly rebuilt?: RebuildReason;
}

/**
 * One controller run: observe both groups and the main group's recent launch failures, decide, resize the
 * fallback group when the decision differs from its current size, store the state, and report a change.
 */
export async function runFallbackController(config: ControllerConfig, deps: ControllerDeps): Promise<ControllerResult> {
  const { logger, metrics } = deps;
  const now = (deps.now ?? Date.now)();
  try {
    const groups = await readGroups(config, deps.autoScaling);
    const serving = await servingCapacity(groups, deps.ec2);
    if (serving.drainedTagsUnread) logger.warn('drained hosts unknown this run; counted as serving', { error: serving.drainedTagsUnread });
    const { state, rebuilt } = reconcileState(await loadState(config.stateParameterName, deps.ssm), groups.fallbackDesired, now);
    if (rebuilt) {
      const fields = { reason: rebuilt.reason, detail: rebuilt.text, parameter: config.stateParameterName, fallbackGroupDesired: groups.fallbackDesired };
      if (rebuilt.notify) logger.warn('stored fallback state not used; rebuilt from the fallback group', fields);
      else logger.info('stored fallback state not used; rebuilt from the fallback group', fields);
    }
    const failures = await launchFailures(config.mainGroupName, state.countedFailureIds, now, deps.autoScaling);

    const decision = decideFallback(
      { ...state, countedFailureIds: failures.countedIds },
      {
        at: now,
        desiredCapacity: groups.mainDesired,
        servingCapacity: serving.serving,
        notServingCapacity: serving.drained + serving.unhealthy,
        pendingCapacity: groups.mainPending,
        launchFailures: failures.count,
        failureCodes: failures.codes,
      },
      config,
    );
    const applied = await applyDecision(config, deps.autoScaling, groups, decision);
    await saveState(config.stateParameterName, deps.ssm, decision.state, now);
    reportRun(logger, metrics, groups, serving, failures, decision, applied, rebuilt);

    // Every size change the controller makes is news, and so is a state it had to rebuild with capacity at stake.
    const report = {
      decision,
      fallbackInService: groups.fallbackInService,
      mainDesired: groups.mainDesired,
      ...applied,
      reconciled: rebuilt?.notify ? rebuilt.text : undefined,
    };
    const notified = isNews(report) ? await notifyChange(config, deps, report) : false;
    return { decision, ...applied, notified, rebuilt: rebuilt?.reason };
  } catch (e) {
    const transient = isTransient(e);
    const fields = { errorName: errorName(e), error: errorMessage(e), errorKind: transient ? 'transient' : 'permanent' };
    // Thrown either way: Lambda counts the error (the controller's alarm) and the next minute's run retries.
    if (transient) logger.warn('controller run failed; the next run retries', fields);
    else logger.error('controller run failed; needs attention', fields);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
}
