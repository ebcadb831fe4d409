import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { KILL_SWITCH_ENV, KILL_SWITCH_METRICS } from './kill-switch-env';

/**
 * Budget kill switch. Subscribed to the budget topic, it caps the fleet when the 100%-ACTUAL budget notification
 * arrives and ignores the other known messages on the topic (the other thresholds, alarms, anomaly alerts, its own
 * reports). Anything else is logged at error level and counted: a changed Budgets format must not quietly disarm it.
 * Invoked directly with `{"action":"restore"}` it lifts the cap; `{"action":"cap"}` caps by hand (drills).
 */

/** Environment variable names, shared with the construct. */
export const ENV = KILL_SWITCH_ENV;

/** Subject prefix of the kill switch's own reports, which it receives back from the topic. */
export const REPORT_SUBJECT_PREFIX = '[gpu-spot-fleet] ';

/** Suspended while capped, or the schedule's next start action would lift the cap. */
export const SCHEDULED_ACTIONS = 'ScheduledActions';

export interface KillSwitchSettings {
  readonly groupName: string;
  readonly capTo: 'zero' | 'base';
  readonly baseCapacity: number;
  readonly restoreMinCapacity: number;
  readonly restoreMaxCapacity: number;
  readonly topicArn: string;
  readonly environmentName: string;
}

export interface KillSwitchDeps {
  readonly autoScaling: AutoScalingClient;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Reads and checks the settings; the message names the variable, its value and the rule. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): KillSwitchSettings {
  const problems: string[] = [];
  const text = (name: string): string => {
    const v = env[name];
    if (!v) problems.push(`${name} is not set; redeploy the BudgetGuard construct`);
    return v ?? '';
  };
  const count = (name: string): number => {
    const raw = text(name);
    const n = Number(raw);
    if (raw && (!Number.isInteger(n) || n < 0)) problems.push(`${name} (${raw}) must be a whole number >= 0`);
    return n;
  };
  const capTo = text(ENV.capTo);
  if (capTo && capTo !== 'zero' && capTo !== 'base') problems.push(`${ENV.capTo} (${capTo}) must be "zero" or "base"`);
  const settings: KillSwitchSettings = {
    groupName: text(ENV.groupName),
    capTo: capTo as 'zero' | 'base',
    baseCapacity: count(ENV.baseCapacity),
    restoreMinCapacity: count(ENV.restoreMin),
    restoreMaxCapacity: count(ENV.restoreMax),
    topicArn: text(ENV.topicArn),
    environmentName: text(ENV.environmentName),
  };
  if (problems.length > 0) throw new Error(`Kill switch misconfigured:\n  ${problems.join('\n  ')}`);
  return settings;
}

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

export interface GroupState {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly scheduledActionsSuspended: boolean;
}

export interface ActionResult {
  readonly action: 'cap' | 'restore';
  /** False when the group already was in the target state (a retry or a repeated notification). */
  readonly changed: boolean;
  readonly before: GroupState;
  readonly after: GroupState;
}

async function describe(settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<GroupState> {
  const out = await deps.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [settings.groupName] }),
  );
  const g = out.AutoScalingGroups?.[0];
  if (!g) {
    throw new Error(
      `Auto Scaling group ${settings.groupName} (${ENV.groupName}) was not found in this account/region; ` +
        'the fleet may have been replaced: redeploy the stack so the kill switch points at the current group',
    );
  }
  return {
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    scheduledActionsSuspended: (g.SuspendedProcesses ?? []).some((p) => p.ProcessName === SCHEDULED_ACTIONS),
  };
}

const showState = (s: GroupState) =>
  `min ${s.minSize}, max ${s.maxSize}, desired ${s.desiredCapacity}, scheduled actions ${s.scheduledActionsSuspended ? 'suspended' : 'active'}`;

/** The one command that restores the fleet; also in docs/budget-and-schedule.md. */
export function restoreCommand(functionName: string): string {
  return `aws lambda invoke --function-name ${functionName} --cli-binary-format raw-in-base64-out --payload '{"action":"restore"}' /dev/stdout`;
}

async function report(subject: string, lines: string[], settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<void> {
  await deps.sns.send(
    new PublishCommand({
      TopicArn: settings.topicArn,
      // SNS subjects: ASCII, no line breaks, at most 100 characters.
      Subject: `${REPORT_SUBJECT_PREFIX}${subject}`.slice(0, 100),
      Message: lines.join('\n'),
    }),
  );
}

/** Caps the group (min = max = desired = target) and suspends scheduled actions; idempotent. */
export async function capFleet(reason: string, settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<ActionResult> {
  const target = settings.capTo === 'zero' ? 0 : settings.baseCapacity;
  const before = await describe(settings, deps);
  const capped = (s: GroupState) =>
    s.minSize === target && s.maxSize === target && s.desiredCapacity === target && s.scheduledActionsSuspended;
  const changed = !capped(before);
  if (changed) {
    // Suspend first: a scheduled start firing between the two calls would otherwise lift the cap again.
    await deps.autoScaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: settings.groupName, ScalingProcesses: [SCHEDULED_ACTIONS] }),
    );
    await deps.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: settings.groupName,
        MinSize: target,
        MaxSize: target,
        DesiredCapacity: target,
      }),
    );
  }
  const after: GroupState = { minSize: target, maxSize: target, desiredCapacity: target, scheduledActionsSuspended: true };
  deps.logger.warn(changed ? 'Fleet capped' : 'Fleet already capped, nothing changed', {
    groupName: settings.groupName,
    reason,
    before,
    after,
  });
  await report(
    `${settings.environmentName} fleet ${changed ? 'capped' : 'already capped'} at ${target} by the budget kill switch`,
    [
      `The budget kill switch of ${settings.environmentName} ${changed ? 'capped' : 'found already capped'} Auto Scaling group ${settings.groupName}.`,
      `Reason: ${reason}`,
      `Before: ${showState(before)}`,
      `Now:    ${showState(after)}`,
      '',
      `The fleet stays at ${target} until restored (a deploy that changes the group lifts min/max but leaves scheduled actions suspended). Restore with:`,
      `  ${restoreCommand(process.env.AWS_LAMBDA_FUNCTION_NAME ?? '<kill switch function name>')}`,
    ],
    settings,
    deps,
  );
  return { action: 'cap', changed, before, after };
}

/** Puts the configured min/max back and resumes scheduled actions; idempotent. */
export async function restoreFleet(settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<ActionResult> {
  const before = await describe(settings, deps);
  const min = settings.restoreMinCapacity;
  const max = settings.restoreMaxCapacity;
  const changed = before.minSize !== min || before.maxSize !== max || before.scheduledActionsSuspended;
  if (changed) {
    // No DesiredCapacity: Auto Scaling raises it to the new min, and scaling policies take it from there.
    await deps.autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: settings.groupName, MinSize: min, MaxSize: max }),
    );
    await deps.autoScaling.send(
      new ResumeProcessesCommand({ AutoScalingGroupName: settings.groupName, ScalingProcesses: [SCHEDULED_ACTIONS] }),
    );
  }
  const after: GroupState = {
    minSize: min,
    maxSize: max,
    desiredCapacity: Math.min(Math.max(before.desiredCapacity, min), max),
    scheduledActionsSuspended: false,
  };
  deps.logger.info(changed ? 'Fleet restored' : 'Fleet was not capped, nothing changed', {
    groupName: settings.groupName,
    before,
    after,
  });
  await report(
    `${settings.environmentName} fleet ${changed ? 'restored' : 'was not capped'}`,
    [
      `Auto Scaling group ${settings.groupName} of ${settings.environmentName}: ${changed ? 'cap lifted' : 'nothing to restore'}.`,
      `Before: ${showState(before)}`,
      `Now:    ${showState(after)}`,
      'A schedule, if any, applies again from its next action.',
    ],
    settings,
    deps,
  );
  return { action: 'restore', changed, before, after };
}

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

const deps: KillSwitchDeps = {
  autoScaling: new AutoScalingClient({}),
  sns: new SNSClient({}),
  logger: new Logger({ serviceName: KILL_SWITCH_METRICS.service }),
  metrics: new Metrics({ namespace: KILL_SWITCH_METRICS.namespace, serviceName: KILL_SWITCH_METRICS.service }),
};

export const handler = async (event: KillSwitchEvent): Promise<RecordResult[]> => {
  try {
    const settings = settingsFromEnv(process.env);
    deps.metrics.setDefaultDimensions({ Environment: settings.environmentName });
    return await processEvent(event, settings, deps);
  } catch (e) {
    deps.logger.error('Kill switch failed; Lambda retries, the errors alarm notifies the budget topic', e as Error);
    throw e;
  } finally {
    if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
  }
};
