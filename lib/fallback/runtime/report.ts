import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AppliedDecision } from './actions';
import type { FallbackDecision } from './decision';
import type { ServingCapacity } from './drained-hosts';
import type { GroupsSnapshot } from './groups';
import type { LaunchFailures } from './launch-failures';
import type { ReconciledState } from './reconcile';
import { FALLBACK_METRICS } from '../../shared/metric-names';

/** Logs the decision (a hold at info, a change at warn) and records the run's metrics. */
export function reportRun(
  logger: Logger,
  metrics: Metrics,
  groups: GroupsSnapshot,
  serving: ServingCapacity,
  failures: LaunchFailures,
  decision: FallbackDecision,
  applied: AppliedDecision,
  rebuilt?: ReconciledState['rebuilt'],
): void {
  const fields = {
    action: decision.action,
    reason: decision.reason,
    previousFallback: decision.previousFallback,
    desiredFallback: decision.desiredFallback,
    fallbackGroupDesired: groups.fallbackDesired,
    fallbackInService: groups.fallbackInService,
    shortfall: decision.shortfall,
    mainInService: groups.mainInService,
    mainServing: serving.serving,
    mainDrained: serving.drained,
    mainUnhealthy: serving.unhealthy,
    ...(serving.drainedTagsUnread ? { drainedTagsUnread: serving.drainedTagsUnread } : {}),
    mainPending: groups.mainPending,
    handbackUnits: decision.handbackUnits,
    handedBack: applied.handedBack,
    mainDesiredBefore: groups.mainDesired,
    launchFailures: failures.count,
    failureCodes: failures.codes,
    capped: decision.capped,
    resized: applied.resized,
    ...(rebuilt ? { stateRebuilt: rebuilt.reason } : {}),
  };
  if (decision.action === 'hold') logger.info('fallback decision', fields);
  else logger.warn('fallback decision', fields);

  metrics.addMetric(FALLBACK_METRICS.desiredInstances, MetricUnit.Count, decision.desiredFallback);
  metrics.addMetric(FALLBACK_METRICS.inServiceInstances, MetricUnit.Count, groups.fallbackInService);
  metrics.addMetric(FALLBACK_METRICS.engaged, MetricUnit.Count, decision.desiredFallback > 0 ? 1 : 0);
  metrics.addMetric(FALLBACK_METRICS.shortfallCapacity, MetricUnit.Count, decision.shortfall);
  metrics.addMetric(FALLBACK_METRICS.launchFailures, MetricUnit.Count, failures.count);
  metrics.addMetric(FALLBACK_METRICS.servingCapacity, MetricUnit.Count, serving.serving);
  metrics.addMetric(FALLBACK_METRICS.drainedCapacity, MetricUnit.Count, serving.drained);
  if (serving.drainedTagsUnread) metrics.addMetric(FALLBACK_METRICS.drainedTagReadFailures, MetricUnit.Count, 1);
  if (rebuilt && rebuilt.reason !== 'missing') metrics.addMetric(FALLBACK_METRICS.stateRebuilt, MetricUnit.Count, 1);
  const perAction = metrics.singleMetric();
  perAction.addDimension('Action', decision.action);
  perAction.addMetric(FALLBACK_METRICS.decisions, MetricUnit.Count, 1);
}
