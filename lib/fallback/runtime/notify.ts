import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { FallbackDecision } from './decision';
import type { ControllerConfig } from './env';
import { errorMessage } from '../../shared/transient';
import { FALLBACK_METRICS } from '../../shared/metric-names';

export interface ChangeReport {
  readonly decision: FallbackDecision;
  readonly fallbackInService: number;
  readonly mainDesired: number;
  /** Whether the controller resized the fallback group this run. */
  readonly resized: boolean;
  readonly handedBack: number;
  /** Why the stored state was not used as it was (reconcileState), when that is news. */
  readonly reconciled?: string;
}

/** A run is reported when it changed a group's size or rebuilt its state in a way that touches capacity. */
export function isNews(r: Pick<ChangeReport, 'resized' | 'handedBack' | 'reconciled'>): boolean {
  return r.resized || r.handedBack > 0 || r.reconciled !== undefined;
}

/** Subject and body of the topic message for a change; pure, so tests read the exact text. */
export function changeMessage(config: ControllerConfig, r: ChangeReport): { subject: string; message: string } {
  const d = r.decision;
  const verb = { engage: 'engaged', grow: 'grew', shrink: 'shrank', release: 'released', hold: 'held' }[d.action];
  const changed = r.resized || r.handedBack > 0;
  const subject = changed
    ? `GPU fleet ${config.fleet}: on-demand fallback ${verb} (${d.previousFallback} -> ${d.desiredFallback})`
    : `GPU fleet ${config.fleet}: on-demand fallback state reconciled (fallback group at ${d.desiredFallback})`;
  return {
    // SNS limits subjects to 100 characters.
    subject: subject.slice(0, 99),
    message: [
      `Fleet: ${config.fleet}`,
      `Decision: ${d.action}, fallback group ${config.fallbackGroupName} desired ${d.previousFallback} -> ${d.desiredFallback} (cap ${config.maxFallbackInstances}; ${r.fallbackInService} in service now)`,
      `Reason: ${d.reason}`,
      ...(d.handbackUnits > 0
        ? [`Handback: main group ${config.mainGroupName} desired ${r.mainDesired} -> ${r.mainDesired + r.handedBack}` +
          (r.handedBack < d.handbackUnits ? ` (${d.handbackUnits} asked, capped at its MaxSize)` : '')]
        : []),
      ...(r.reconciled ? [`State: ${r.reconciled}`] : []),
    ].join('\n'),
  };
}

/**
 * Publishes a change (or a reconciled state) to the fleet topic. The resize already happened, so a lost notification must not fail the
 * run (the next run would repeat nothing); it is logged and counted instead.
 */
export async function notifyChange(
  config: ControllerConfig,
  deps: { readonly sns: SNSClient; readonly logger: Logger; readonly metrics: Metrics },
  report: ChangeReport,
): Promise<boolean> {
  const { subject, message } = changeMessage(config, report);
  try {
    await deps.sns.send(new PublishCommand({ TopicArn: config.topicArn, Subject: subject, Message: message }));
    return true;
  } catch (e) {
    deps.logger.error('fallback notification failed', { error: errorMessage(e), action: report.decision.action, reason: report.decision.reason });
    deps.metrics.addMetric(FALLBACK_METRICS.notificationFailures, MetricUnit.Count, 1);
    return false;
  }
}
