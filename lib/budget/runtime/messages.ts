/** The messages the budget topic carries and how the kill switch tells them apart: pure, no I/O. */
import { REPORT_SUBJECT_PREFIX } from './report';

export interface BudgetNotification {
  readonly budgetName: string;
  readonly alertType: 'ACTUAL' | 'FORECASTED';
  /** How spend compares with the threshold for the alert to fire; the BudgetGuard notifications are all GREATER_THAN. */
  readonly comparison: 'GREATER_THAN' | 'LESS_THAN' | 'EQUAL_TO';
  /** Threshold as a percentage of the budgeted amount, e.g. 100 (Budgets states it in dollars). */
  readonly thresholdPercent: number;
}

const amount = (s: string): number => Number(s.replace(/,/g, ''));
const COMPARISONS: Record<string, BudgetNotification['comparison']> = {
  '>': 'GREATER_THAN',
  '<': 'LESS_THAN',
  '=': 'EQUAL_TO',
  'greater than': 'GREATER_THAN',
  'less than': 'LESS_THAN',
  'equal to': 'EQUAL_TO',
};

/**
 * Reads an AWS Budgets notification, the plain text Budgets publishes to SNS:
 * ```
 * AWS Budget Notification November 22, 2026
 * ...You requested that we alert you when the ACTUAL Cost associated with your staging budget is greater than
 * $2,500.00 for the current month...
 * Budget Name: staging
 * Budgeted Amount: $2,500.00
 * Alert Type: ACTUAL
 * Alert Threshold: > $2,500.00
 * ACTUAL Amount: $2,612.40
 * ```
 * The threshold is in dollars even for a percentage notification, so the percentage is threshold / budgeted amount.
 * Returns undefined for a message that is not one; throws for one that is but cannot be read, so a format change
 * fails loudly instead of silently disarming the kill switch.
 */
export function parseBudgetNotification(message: string): BudgetNotification | undefined {
  if (!/AWS Budget Notification/i.test(message) && !/^\s*Budget Name:/im.test(message)) return undefined;
  const sentence = /alert you when the (ACTUAL|FORECASTED) Cost associated with your (.+?) budget is (greater than|less than|equal to) \$(\d[\d,]*(?:\.\d+)?)/i.exec(message);
  const budgetName = /^\s*Budget Name:\s*(.+?)\s*$/im.exec(message)?.[1] ?? sentence?.[2] ?? '(unknown)';
  const type = (/^\s*Alert Type:\s*(ACTUAL|FORECASTED)\s*$/im.exec(message)?.[1] ?? sentence?.[1])?.toUpperCase();
  const thresholdLine = /^\s*Alert Threshold:\s*([<>=])\s*\$(\d[\d,]*(?:\.\d+)?)\s*$/im.exec(message);
  // What the message says, for the error: the line as written, or the sentence's wording.
  const thresholdText = /^\s*Alert Threshold:\s*(.*?)\s*$/im.exec(message)?.[1] ?? (sentence ? `${sentence[3]} $${sentence[4]}` : 'missing');
  const comparison = COMPARISONS[(thresholdLine?.[1] ?? sentence?.[3] ?? '').toLowerCase()];
  const threshold = amount(thresholdLine?.[2] ?? sentence?.[4] ?? 'NaN');
  const budgeted = amount(/^\s*Budgeted Amount:\s*\$(\d[\d,]*(?:\.\d+)?)\s*$/im.exec(message)?.[1] ?? 'NaN');
  const thresholdPercent = (threshold / budgeted) * 100;
  const problems: string[] = [];
  if (type !== 'ACTUAL' && type !== 'FORECASTED') problems.push(`alert type (${type ?? 'missing'}) must be ACTUAL or FORECASTED`);
  if (!comparison || !Number.isFinite(threshold)) {
    problems.push(`alert threshold (${thresholdText}) must be a comparison and a dollar amount, e.g. "Alert Threshold: > $2,500.00"`);
  }
  if (!(budgeted > 0)) problems.push('budgeted amount must be a dollar amount > 0 ("Budgeted Amount: $2,500.00")');
  if (problems.length > 0 || !Number.isFinite(thresholdPercent)) {
    throw new Error(
      `Budget notification for ${budgetName} could not be read: ${problems.join('; ')}. ` +
        `The kill switch did NOT act; check the message format: ${message.slice(0, 300)}`,
    );
  }
  return { budgetName, alertType: type as 'ACTUAL' | 'FORECASTED', comparison: comparison!, thresholdPercent };
}

/** True for the notification that trips the kill switch: actual spend above (or at) 100% of the budget. */
export function tripsKillSwitch(n: BudgetNotification): boolean {
  // Budgets states thresholds in cents; a tolerance keeps 99.999 from a computed ratio at 100.
  return n.alertType === 'ACTUAL' && n.comparison !== 'LESS_THAN' && n.thresholdPercent >= 99.995;
}

/** The messages the budget topic carries besides budget notifications. */
export type OtherMessageKind = 'cloudwatch-alarm' | 'cost-anomaly-alert' | 'kill-switch-report';

/** Recognises the other messages the topic carries; undefined for anything else. */
export function otherMessageKind(subject: string | undefined, message: string): OtherMessageKind | undefined {
  if (subject?.startsWith(REPORT_SUBJECT_PREFIX)) return 'kill-switch-report';
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const o = body as Record<string, unknown>;
  // CloudWatch alarm state changes (burn-rate and kill-switch-errors alarms).
  if (typeof o.AlarmName === 'string' && typeof o.NewStateValue === 'string') return 'cloudwatch-alarm';
  // Cost Anomaly Detection IMMEDIATE alerts to SNS.
  if (typeof o.anomalyId === 'string' && typeof o.monitorArn === 'string') return 'cost-anomaly-alert';
  return undefined;
}
