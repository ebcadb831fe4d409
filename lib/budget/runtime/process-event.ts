import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SNSEvent } from 'aws-lambda';
import { KILL_SWITCH_METRICS } from '../../shared/metric-names';
import { ActionResult, capFleet, restoreFleet } from './fleet-actions';
import { otherMessageKind, parseBudgetNotification, tripsKillSwitch } from './messages';
import type { KillSwitchDeps, KillSwitchSettings } from './types';

export type KillSwitchEvent = SNSEvent | { readonly action: 'restore' | 'cap' };

/** Per record: the action taken, 'ignored' (a known message that does not trip), or 'unrecognised'. */
export type RecordResult = ActionResult | 'ignored' | 'unrecognised';

/** Routes one invocation. Returns what was done per record; throws (so Lambda retries) on any failure. */
export async function processEvent(
  event: KillSwitchEvent,
  settings: KillSwitchSettings,
  deps: KillSwitchDeps,
): Promise<RecordResult[]> {
  if ('action' in event) {
    if (event.action === 'restore') return [await restoreFleet(settings, deps)];
    if (event.action === 'cap') return [await capFleet('capped by hand ({"action":"cap"})', settings, deps)];
  }
  if (!('Records' in event) || !Array.isArray(event.Records)) {
    throw new Error(
      `Unrecognised event ${JSON.stringify(event).slice(0, 200)}: expected an SNS event or {"action":"restore"} / {"action":"cap"}`,
    );
  }
  const results: RecordResult[] = [];
  for (const record of event.Records) {
    const notification = parseBudgetNotification(record.Sns.Message);
    const other = notification ? undefined : otherMessageKind(record.Sns.Subject, record.Sns.Message);
    if (!notification && other) {
      deps.logger.info(`Ignored: ${other}, not an AWS Budgets notification`, { subject: record.Sns.Subject, messageId: record.Sns.MessageId });
      results.push('ignored');
    } else if (!notification) {
      // Not thrown: a retry would read the same text. The metric's alarm and this log line make it visible.
      deps.logger.error(
        'Unrecognised message on the budget topic: it is neither an AWS Budgets notification ("AWS Budget Notification" ' +
          '/ "Budget Name:") nor a CloudWatch alarm, cost anomaly alert or kill-switch report. The kill switch did NOT act; ' +
          'if Budgets changed its format, fix parseBudgetNotification and cap by hand with {"action":"cap"} if the budget is spent',
        { subject: record.Sns.Subject, messageId: record.Sns.MessageId, messageStart: record.Sns.Message.slice(0, 300) },
      );
      deps.metrics.addMetric(KILL_SWITCH_METRICS.unrecognisedMessages, MetricUnit.Count, 1);
      results.push('unrecognised');
    } else if (!tripsKillSwitch(notification)) {
      deps.logger.info('Ignored: only the ACTUAL notification at or above 100% of the budget caps the fleet', { notification });
      results.push('ignored');
    } else {
      results.push(
        await capFleet(
          `budget ${notification.budgetName}: actual spend passed ${notification.thresholdPercent.toFixed(2)}% of the budget`,
          settings,
          deps,
        ),
      );
    }
  }
  return results;
}
