import { Logger } from '@aws-lambda-powertools/logger';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { KILL_SWITCH_ENV } from './kill-switch-env';

/**
 * Budget kill switch. Subscribed to the budget topic, it caps the fleet when the 100%-ACTUAL budget notification
 * arrives and ignores everything else on the topic (the other thresholds, alarms, anomaly alerts, its own reports).
 * Invoked directly with `{"action":"restore"}` it lifts the cap; `{"action":"cap"}` caps by hand (drills).
 */

/** Environment variable names, shared with the construct. */
export const ENV = KILL_SWITCH_ENV;

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
  /** Percentage of the budgeted amount the notification is for, e.g. 100. */
  readonly thresholdPercent: number;
}

const amount = (s: string): number => Number(s.replace(/,/g, ''));

/**
 * Reads an AWS Budgets notification (the plain-text message Budgets publishes to SNS). Returns undefined for a
 * message that is not one; throws for one that is but cannot be read, so a format change fails loudly instead of
 * silently disarming the kill switch.
 */
export function parseBudgetNotification(message: string): BudgetNotification | undefined {
  if (!/AWS Budget Notification/i.test(message) && !/^\s*Budget Name:/im.test(message)) return undefined;
  const budgetName = /^\s*Budget Name:\s*(.+?)\s*$/im.exec(message)?.[1] ?? '(unknown)';
  const type =
    /^\s*Alert Type:\s*(ACTUAL|FORECASTED)\b/im.exec(message)?.[1] ??
    /alert you when the (ACTUAL|FORECASTED)\b/i.exec(message)?.[1];
  let thresholdPercent: number | undefined;
  const sentence = /is (?:greater than|equal to|less than) ([\d,.]+)% of/i.exec(message);
  if (sentence) {
    thresholdPercent = amount(sentence[1]);
  } else {
    const threshold = /^\s*Alert Threshold:\s*[>=<]*\s*\$?([\d,.]+)/im.exec(message);
    const budgeted = /^\s*Budgeted Amount:\s*\$?([\d,.]+)/im.exec(message);
    if (threshold && budgeted && amount(budgeted[1]) > 0) {
      thresholdPercent = (amount(threshold[1]) / amount(budgeted[1])) * 100;
    }
  }
  if (!type || thresholdPercent === undefined || !Number.isFinite(thresholdPercent)) {
    throw new Error(
      `Budget notification for ${budgetName} could not be read: alert type ${type ?? 'missing'}, threshold ` +
        `${thresholdPercent ?? 'missing'}. The kill switch did NOT act; check the message format: ${message.slice(0, 300)}`,
    );
  }
  return { budgetName, alertType: type.toUpperCase() as 'ACTUAL' | 'FORECASTED', thresholdPercent };
}

/** True for the notification that trips the kill switch: actual spend at or above 100% of the budget. */
export function tripsKillSwitch(n: BudgetNotification): boolean {
  // Budgets formats thresholds with two decimals; a tolerance keeps 99.999 from a computed ratio at 100.
  return n.alertType === 'ACTUAL' && n.thresholdPercent >= 99.995;
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
      Subject: subject.slice(0, 100),
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
    `[gpu-spot-fleet] ${settings.environmentName} fleet ${changed ? 'capped' : 'already capped'} at ${target} by the budget kill switch`,
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
    `[gpu-spot-fleet] ${settings.environmentName} fleet ${changed ? 'restored' : 'was not capped'}`,
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

/** Routes one invocation. Returns what was done per record; throws (so Lambda retries) on any failure. */
export async function processEvent(
  event: KillSwitchEvent,
  settings: KillSwitchSettings,
  deps: KillSwitchDeps,
): Promise<(ActionResult | 'ignored')[]> {
  if ('action' in event) {
    if (event.action === 'restore') return [await restoreFleet(settings, deps)];
    if (event.action === 'cap') return [await capFleet('capped by hand ({"action":"cap"})', settings, deps)];
  }
  if (!('Records' in event) || !Array.isArray(event.Records)) {
    throw new Error(
      `Unrecognised event ${JSON.stringify(event).slice(0, 200)}: expected an SNS event or {"action":"restore"} / {"action":"cap"}`,
    );
  }
  const results: (ActionResult | 'ignored')[] = [];
  for (const record of event.Records) {
    const notification = parseBudgetNotification(record.Sns.Message);
    if (!notification) {
      deps.logger.info('Ignored: not an AWS Budgets notification', { subject: record.Sns.Subject, messageId: record.Sns.MessageId });
      results.push('ignored');
    } else if (!tripsKillSwitch(notification)) {
      deps.logger.info('Ignored: only the 100% ACTUAL notification caps the fleet', { notification });
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
  logger: new Logger({ serviceName: 'gpu-fleet-budget-kill-switch' }),
};

export const handler = async (event: KillSwitchEvent): Promise<(ActionResult | 'ignored')[]> => {
  try {
    return await processEvent(event, settingsFromEnv(process.env), deps);
  } catch (e) {
    deps.logger.error('Kill switch failed; Lambda retries, the errors alarm notifies the budget topic', e as Error);
    throw e;
  }
};
