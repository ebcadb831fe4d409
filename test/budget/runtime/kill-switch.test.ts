import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  AutoScalingClient,
  AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/budget/runtime/handler';
import { otherMessageKind, parseBudgetNotification, tripsKillSwitch } from '../../../lib/budget/runtime/messages';
import { processEvent } from '../../../lib/budget/runtime/process-event';
import { restoreCommand } from '../../../lib/budget/runtime/report';
import { settingsFromEnv } from '../../../lib/budget/runtime/settings';
import type { KillSwitchDeps, KillSwitchSettings } from '../../../lib/budget/runtime/types';
import { KILL_SWITCH_METRICS } from '../../../lib/shared/metric-names';

const asg = mockClient(AutoScalingClient);
const sns = mockClient(SNSClient);
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const metrics = new Metrics({ namespace: 'test', serviceName: 'test' });
const deps: KillSwitchDeps = { autoScaling: new AutoScalingClient({}), sns: new SNSClient({}), logger, metrics };
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:budget';

const staging: KillSwitchSettings = {
  groupName: 'staging-fleet-asg',
  capTo: 'zero',
  baseCapacity: 1,
  restoreMinCapacity: 1,
  restoreMaxCapacity: 6,
  topicArn: TOPIC,
  environmentName: 'staging',
};
const prod: KillSwitchSettings = { ...staging, groupName: 'prod-fleet-asg', capTo: 'base', baseCapacity: 2, restoreMinCapacity: 2, restoreMaxCapacity: 12, environmentName: 'prod' };

/**
 * Fixture: a real AWS Budgets SNS notification, verbatim (staging budget of $2,500, 100% ACTUAL). The threshold is
 * given in dollars even though the notification is configured as a percentage.
 */
const REAL_ACTUAL_100 =
  'AWS Budget Notification November 22, 2026\nAWS Account 123456789012\n\nDear AWS Customer,\n\nYou requested that we alert you when the ACTUAL Cost associated with your staging budget is greater than $2,500.00 for the current month. The ACTUAL Cost associated with this budget is $2,612.40. You can find additional details below and by accessing the AWS Budgets dashboard [1].\n\nBudget Name: staging\nBudget Type: Cost\nBudgeted Amount: $2,500.00\nAlert Type: ACTUAL\nAlert Threshold: > $2,500.00\nACTUAL Amount: $2,612.40\n\n[1] https://console.aws.amazon.com/billing/home#/budgets';

/** The same shape for other alerts: type, threshold and amount in dollars, as Budgets writes them. */
function budgetMessage(o: { type: 'ACTUAL' | 'FORECASTED'; threshold: string; spent: string; budgeted?: string; name?: string }): string {
  const budgeted = o.budgeted ?? '2,500.00';
  const name = o.name ?? 'staging';
  return (
    `AWS Budget Notification November 22, 2026\nAWS Account 123456789012\n\nDear AWS Customer,\n\n` +
    `You requested that we alert you when the ${o.type} Cost associated with your ${name} budget is greater than $${o.threshold} for the current month. ` +
    `The ${o.type} Cost associated with this budget is $${o.spent}. You can find additional details below and by accessing the AWS Budgets dashboard [1].\n\n` +
    `Budget Name: ${name}\nBudget Type: Cost\nBudgeted Amount: $${budgeted}\nAlert Type: ${o.type}\nAlert Threshold: > $${o.threshold}\n` +
    `${o.type} Amount: $${o.spent}\n\n[1] https://console.aws.amazon.com/billing/home#/budgets`
  );
}

/** Fixtures: the four notifications BudgetGuard configures (70/90/100% ACTUAL, 100% FORECASTED) on a $2,500 budget. */
const ACTUAL_70 = budgetMessage({ type: 'ACTUAL', threshold: '1,750.00', spent: '1,802.11' });
const ACTUAL_90 = budgetMessage({ type: 'ACTUAL', threshold: '2,250.00', spent: '2,263.95' });
const ACTUAL_100 = REAL_ACTUAL_100;
const FORECASTED_100 = budgetMessage({ type: 'FORECASTED', threshold: '2,500.00', spent: '2,731.80' });

function snsEvent(...messages: Array<string | { subject: string; message: string }>): SNSEvent {
  return {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${TOPIC}:sub`,
      Sns: {
        Type: 'Notification',
        MessageId: `m-${i}`,
        TopicArn: TOPIC,
        Subject: typeof m === 'string' ? 'AWS Budgets: staging has exceeded your alert threshold' : m.subject,
        Message: typeof m === 'string' ? m : m.message,
        Timestamp: '2026-03-27T10:00:00.000Z',
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    })),
  };
}

function group(g: Partial<AutoScalingGroup>): void {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'staging-fleet-asg',
        MinSize: 1,
        MaxSize: 6,
        DesiredCapacity: 3,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date(0),
        SuspendedProcesses: [],
        ...g,
      },
    ],
  });
}

beforeEach(() => {
  asg.reset();
  sns.reset();
  asg.on(UpdateAutoScalingGroupCommand).resolves({});
  asg.on(SuspendProcessesCommand).resolves({});
  asg.on(ResumeProcessesCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'r-1' });
});

describe('parseBudgetNotification', () => {
  test('the builder reproduces the real message exactly (so the other fixtures have its shape)', () => {
    expect(budgetMessage({ type: 'ACTUAL', threshold: '2,500.00', spent: '2,612.40' })).toBe(REAL_ACTUAL_100);
  });

  test.each([
    ['ACTUAL 70% ($1,750.00)', ACTUAL_70, 'ACTUAL', 70, false],
    ['ACTUAL 90% ($2,250.00)', ACTUAL_90, 'ACTUAL', 90, false],
    ['ACTUAL 100% ($2,500.00), the real message', ACTUAL_100, 'ACTUAL', 100, true],
    ['FORECASTED 100% ($2,500.00)', FORECASTED_100, 'FORECASTED', 100, false],
  ])('%s: type, comparison, percentage from dollars, and whether it trips', (_name, message, alertType, percent, trips) => {
    const n = parseBudgetNotification(message)!;
    expect(n).toEqual({ budgetName: 'staging', alertType, comparison: 'GREATER_THAN', thresholdPercent: expect.closeTo(percent, 9) });
    expect(tripsKillSwitch(n)).toBe(trips);
  });

  test('falls back to the sentence when the "Alert Threshold" line is missing', () => {
    const noLine = ACTUAL_90.replace(/Alert Threshold:[^\n]*\n/, '');
    expect(parseBudgetNotification(noLine)).toEqual({ budgetName: 'staging', alertType: 'ACTUAL', comparison: 'GREATER_THAN', thresholdPercent: expect.closeTo(90, 9) });
  });

  test('a "less than" alert at 100% does not trip', () => {
    const n = parseBudgetNotification(ACTUAL_100.replace('Alert Threshold: > $', 'Alert Threshold: < $'))!;
    expect(n.comparison).toBe('LESS_THAN');
    expect(tripsKillSwitch(n)).toBe(false);
  });

  test('returns undefined for messages that are not budget notifications', () => {
    expect(parseBudgetNotification(JSON.stringify({ AlarmName: 'BurnRateAlarm', NewStateValue: 'ALARM' }))).toBeUndefined();
    expect(parseBudgetNotification('The budget kill switch of staging capped Auto Scaling group x.')).toBeUndefined();
  });

  test('throws for a budget notification it cannot read, naming each missing field, rather than silently not acting', () => {
    expect(() => parseBudgetNotification('AWS Budget Notification\nBudget Name: b\nsomething new')).toThrow(
      'Budget notification for b could not be read: alert type (missing) must be ACTUAL or FORECASTED; ' +
        'alert threshold (missing) must be a comparison and a dollar amount, e.g. "Alert Threshold: > $2,500.00"; ' +
        'budgeted amount must be a dollar amount > 0 ("Budgeted Amount: $2,500.00"). ' +
        'The kill switch did NOT act; check the message format: AWS Budget Notification',
    );
  });

  test('a threshold line in another form is read from the sentence instead', () => {
    const percentLine = ACTUAL_100.replace('Alert Threshold: > $2,500.00', 'Alert Threshold: > 100%');
    expect(parseBudgetNotification(percentLine)?.thresholdPercent).toBe(100);
  });

  test('throws, quoting the line, when neither the threshold line nor the sentence gives dollars', () => {
    const percentOnly = ACTUAL_100.replace('Alert Threshold: > $2,500.00', 'Alert Threshold: > 100%').replace(/You requested[^\n]*\n/, '');
    expect(() => parseBudgetNotification(percentOnly)).toThrow(
      'Budget notification for staging could not be read: alert threshold (> 100%) must be a comparison and a dollar amount, e.g. "Alert Threshold: > $2,500.00". The kill switch did NOT act',
    );
  });
});

describe('otherMessageKind', () => {
  test.each([
    ['CloudWatch alarm', undefined, JSON.stringify({ AlarmName: 'BurnRateAlarm', NewStateValue: 'ALARM', OldStateValue: 'OK' }), 'cloudwatch-alarm'],
    [
      'cost anomaly alert',
      undefined,
      JSON.stringify({ accountId: '123456789012', anomalyId: 'a-1', monitorArn: 'arn:aws:ce::123456789012:anomalymonitor/m', impact: { totalImpact: 120 } }),
      'cost-anomaly-alert',
    ],
    ['its own report', '[gpu-spot-fleet] staging fleet capped at 0 by the budget kill switch', 'The budget kill switch of staging capped ...', 'kill-switch-report'],
    ['plain text', 'hello', 'hello', undefined],
    ['other JSON', undefined, JSON.stringify({ hello: 'world' }), undefined],
    ['JSON that is not an object', undefined, '42', undefined],
  ])('%s', (_name, subject, message, kind) => {
    expect(otherMessageKind(subject, message)).toBe(kind);
  });
});

describe('settingsFromEnv', () => {
  const env = {
    KILL_SWITCH_GROUP_NAME: 'g',
    KILL_SWITCH_CAP_TO: 'base',
    KILL_SWITCH_BASE_CAPACITY: '2',
    KILL_SWITCH_RESTORE_MIN: '2',
    KILL_SWITCH_RESTORE_MAX: '12',
    KILL_SWITCH_TOPIC_ARN: TOPIC,
    KILL_SWITCH_ENVIRONMENT: 'prod',
  };
  test('reads every variable', () => {
    expect(settingsFromEnv(env)).toEqual({
      groupName: 'g',
      capTo: 'base',
      baseCapacity: 2,
      restoreMinCapacity: 2,
      restoreMaxCapacity: 12,
      topicArn: TOPIC,
      environmentName: 'prod',
    });
  });
  test('takes the function name Lambda sets, for the restore command in reports', () => {
    expect(settingsFromEnv({ ...env, AWS_LAMBDA_FUNCTION_NAME: 'GpuFleet-prod-BudgetKillSwitch-abc' }).functionName).toBe('GpuFleet-prod-BudgetKillSwitch-abc');
  });
  test('names each missing or malformed variable', () => {
    expect(() =>
      settingsFromEnv({ ...env, KILL_SWITCH_GROUP_NAME: undefined, KILL_SWITCH_CAP_TO: 'half', KILL_SWITCH_BASE_CAPACITY: '-1', KILL_SWITCH_RESTORE_MAX: 'x' }),
    ).toThrow(
      'Kill switch misconfigured:\n' +
        '  KILL_SWITCH_CAP_TO (half) must be "zero" or "base"\n' +
        '  KILL_SWITCH_GROUP_NAME is not set; redeploy the BudgetGuard construct\n' +
        '  KILL_SWITCH_BASE_CAPACITY (-1) must be a whole number >= 0\n' +
        '  KILL_SWITCH_RESTORE_MAX (x) must be a whole number >= 0',
    );
  });
});

describe('processEvent', () => {
  test('100% ACTUAL (the real message) caps a dev/staging fleet to zero and suspends scheduled actions, then reports', async () => {
    group({});
    const [result] = await processEvent(snsEvent(REAL_ACTUAL_100), staging, deps);
    expect(asg).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['staging-fleet-asg'] });
    expect(asg).toHaveReceivedCommandWith(SuspendProcessesCommand, {
      AutoScalingGroupName: 'staging-fleet-asg',
      ScalingProcesses: ['ScheduledActions'],
    });
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'staging-fleet-asg',
      MinSize: 0,
      MaxSize: 0,
      DesiredCapacity: 0,
    });
    // Suspend before the update, or a scheduled start in between lifts the cap.
    const order = asg.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['DescribeAutoScalingGroupsCommand', 'SuspendProcessesCommand', 'UpdateAutoScalingGroupCommand']);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const published = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(published.TopicArn).toBe(TOPIC);
    expect(published.Subject).toBe('[gpu-spot-fleet] staging fleet capped at 0 by the budget kill switch');
    expect(published.Message).toContain('Before: min 1, max 6, desired 3, scheduled actions active');
    expect(published.Message).toContain('Now:    min 0, max 0, desired 0, scheduled actions suspended');
    expect(published.Message).toContain('budget staging: actual spend passed 100.00% of the budget');
    expect(published.Message).toContain(`'{"action":"restore"}'`);
    expect(published.Message).toContain('--function-name <kill switch function name>');
    expect(result).toMatchObject({ action: 'cap', changed: true });
  });

  test('the report names this function in the restore command', async () => {
    group({});
    await processEvent(snsEvent(REAL_ACTUAL_100), { ...staging, functionName: 'GpuFleet-staging-BudgetKillSwitch-x1' }, deps);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain(restoreCommand('GpuFleet-staging-BudgetKillSwitch-x1'));
  });

  test('prod caps to its on-demand base', async () => {
    group({ AutoScalingGroupName: 'prod-fleet-asg', MinSize: 2, MaxSize: 12, DesiredCapacity: 9 });
    await processEvent(snsEvent(budgetMessage({ type: 'ACTUAL', threshold: '9,000.00', spent: '9,004.17', budgeted: '9,000.00', name: 'prod' })), prod, deps);
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'prod-fleet-asg',
      MinSize: 2,
      MaxSize: 2,
      DesiredCapacity: 2,
    });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toBe(
      '[gpu-spot-fleet] prod fleet capped at 2 by the budget kill switch',
    );
  });

  test('idempotent: an already capped fleet is not touched again (retry or repeated notification)', async () => {
    group({ MinSize: 0, MaxSize: 0, DesiredCapacity: 0, SuspendedProcesses: [{ ProcessName: 'ScheduledActions', SuspensionReason: 'User suspended' }] });
    const [result] = await processEvent(snsEvent(ACTUAL_100), staging, deps);
    expect(asg).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect(asg).not.toHaveReceivedCommand(SuspendProcessesCommand);
    expect(result).toMatchObject({ action: 'cap', changed: false });
    // Still reports, so a report lost to a failed publish is not lost on the retry.
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toBe(
      '[gpu-spot-fleet] staging fleet already capped at 0 by the budget kill switch',
    );
  });

  test('capped sizes but scheduled actions resumed by hand: suspends again', async () => {
    group({ MinSize: 0, MaxSize: 0, DesiredCapacity: 0 });
    await processEvent(snsEvent(ACTUAL_100), staging, deps);
    expect(asg).toHaveReceivedCommand(SuspendProcessesCommand);
  });

  test.each([
    ['ACTUAL 70%', ACTUAL_70, 'Ignored: only the ACTUAL notification at or above 100% of the budget caps the fleet'],
    ['ACTUAL 90%', ACTUAL_90, 'Ignored: only the ACTUAL notification at or above 100% of the budget caps the fleet'],
    ['FORECASTED 100%', FORECASTED_100, 'Ignored: only the ACTUAL notification at or above 100% of the budget caps the fleet'],
    ['a CloudWatch alarm', JSON.stringify({ AlarmName: 'BurnRateAlarm', NewStateValue: 'ALARM' }), 'Ignored: cloudwatch-alarm, not an AWS Budgets notification'],
    [
      'its own report',
      { subject: '[gpu-spot-fleet] staging fleet capped at 0 by the budget kill switch', message: 'The budget kill switch of staging capped Auto Scaling group staging-fleet-asg.' },
      'Ignored: kill-switch-report, not an AWS Budgets notification',
    ],
  ])('ignores %s with a log line, no AWS call and no metric', async (_name, message, line) => {
    const info = jest.spyOn(logger, 'info');
    const error = jest.spyOn(logger, 'error');
    const metric = jest.spyOn(metrics, 'addMetric');
    expect(await processEvent(snsEvent(message), staging, deps)).toEqual(['ignored']);
    expect(asg.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(info).toHaveBeenCalledWith(line, expect.anything());
    expect(error).not.toHaveBeenCalled();
    expect(metric).not.toHaveBeenCalled();
    jest.restoreAllMocks();
  });

  test('an unrecognised message is logged at error level and counted, not silently ignored; nothing is capped', async () => {
    const error = jest.spyOn(logger, 'error');
    const metric = jest.spyOn(metrics, 'addMetric');
    const changed = 'Budget alert: staging reached $2,612.40 of $2,500.00';
    expect(await processEvent(snsEvent({ subject: 'AWS Budgets: staging has exceeded your alert threshold', message: changed }), staging, deps)).toEqual(['unrecognised']);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/^Unrecognised message on the budget topic: .*The kill switch did NOT act/),
      { subject: 'AWS Budgets: staging has exceeded your alert threshold', messageId: 'm-0', messageStart: changed },
    );
    expect(metric).toHaveBeenCalledWith(KILL_SWITCH_METRICS.unrecognisedMessages, 'Count', 1);
    expect(asg.calls()).toHaveLength(0);
    jest.restoreAllMocks();
  });

  test('a threshold above 100% also caps', async () => {
    group({});
    await processEvent(snsEvent(budgetMessage({ type: 'ACTUAL', threshold: '3,000.00', spent: '3,001.00' })), staging, deps);
    expect(asg).toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
  });

  test('restore puts the configured min/max back and resumes scheduled actions', async () => {
    group({ MinSize: 0, MaxSize: 0, DesiredCapacity: 0, SuspendedProcesses: [{ ProcessName: 'ScheduledActions' }] });
    const [result] = await processEvent({ action: 'restore' }, staging, deps);
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, { AutoScalingGroupName: 'staging-fleet-asg', MinSize: 1, MaxSize: 6 });
    expect(asg.commandCalls(UpdateAutoScalingGroupCommand)[0].args[0].input.DesiredCapacity).toBeUndefined();
    expect(asg).toHaveReceivedCommandWith(ResumeProcessesCommand, { AutoScalingGroupName: 'staging-fleet-asg', ScalingProcesses: ['ScheduledActions'] });
    expect(result).toMatchObject({ action: 'restore', changed: true, after: { minSize: 1, maxSize: 6, desiredCapacity: 1 } });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toBe('[gpu-spot-fleet] staging fleet restored');
  });

  test('restore of a fleet that is not capped changes nothing', async () => {
    group({});
    const [result] = await processEvent({ action: 'restore' }, staging, deps);
    expect(asg).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect(asg).not.toHaveReceivedCommand(ResumeProcessesCommand);
    expect(result).toMatchObject({ changed: false });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toBe('[gpu-spot-fleet] staging fleet was not capped');
  });

  test('{"action":"cap"} caps by hand (drills)', async () => {
    group({});
    const [result] = await processEvent({ action: 'cap' }, staging, deps);
    expect(result).toMatchObject({ action: 'cap', changed: true });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toContain('Reason: capped by hand');
  });

  test('an unknown event is an error', async () => {
    await expect(processEvent({ foo: 1 } as never, staging, deps)).rejects.toThrow(
      'Unrecognised event {"foo":1}: expected an SNS event or {"action":"restore"} / {"action":"cap"}',
    );
  });

  test('a missing group is an error naming the group and what to do', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(processEvent(snsEvent(ACTUAL_100), staging, deps)).rejects.toThrow(
      'Auto Scaling group staging-fleet-asg (KILL_SWITCH_GROUP_NAME) was not found in this account/region; the fleet may have been replaced',
    );
    expect(sns.calls()).toHaveLength(0);
  });

  test('AWS errors surface (so Lambda retries) and nothing is reported as done', async () => {
    group({});
    asg.on(UpdateAutoScalingGroupCommand).rejects(new Error('AccessDenied: not authorized to perform autoscaling:UpdateAutoScalingGroup'));
    await expect(processEvent(snsEvent(ACTUAL_100), staging, deps)).rejects.toThrow('AccessDenied');
    expect(sns.calls()).toHaveLength(0);
  });

  test('a publish failure surfaces too; the retry then finds the fleet capped and reports again', async () => {
    group({});
    sns.on(PublishCommand).rejects(new Error('KMS.AccessDeniedException'));
    await expect(processEvent(snsEvent(ACTUAL_100), staging, deps)).rejects.toThrow('KMS.AccessDeniedException');
  });
});

/** The environment the construct gives the kill-switch function (staging, cap to zero). */
const HANDLER_ENV = {
  KILL_SWITCH_GROUP_NAME: 'staging-fleet-asg',
  KILL_SWITCH_CAP_TO: 'zero',
  KILL_SWITCH_BASE_CAPACITY: '1',
  KILL_SWITCH_RESTORE_MIN: '1',
  KILL_SWITCH_RESTORE_MAX: '6',
  KILL_SWITCH_TOPIC_ARN: TOPIC,
  KILL_SWITCH_ENVIRONMENT: 'staging',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

describe('handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('reads its settings from the environment and acts', async () => {
    Object.assign(process.env, HANDLER_ENV);
    group({});
    await handler(snsEvent(ACTUAL_100));
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, { MinSize: 0, MaxSize: 0, DesiredCapacity: 0 });
  });

  test('publishes the unrecognised-message metric (EMF) with the environment as a dimension', async () => {
    Object.assign(process.env, HANDLER_ENV);
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter((l) => l.includes('"_aws"')));
      return true;
    });
    try {
      expect(await handler(snsEvent('Something Budgets has never sent before'))).toEqual(['unrecognised']);
    } finally {
      spy.mockRestore();
    }
    const emf = lines.map((l) => JSON.parse(l));
    expect(emf).toContainEqual(
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [expect.objectContaining({ Namespace: 'GpuSpotFleet', Metrics: [expect.objectContaining({ Name: 'UnrecognisedBudgetTopicMessages' })] })],
        }),
        UnrecognisedBudgetTopicMessages: 1,
        Environment: 'staging',
        service: 'gpu-fleet-budget-kill-switch',
      }),
    );
  });

  test('rethrows (and logs) a misconfiguration', async () => {
    delete process.env.KILL_SWITCH_GROUP_NAME;
    await expect(handler({ action: 'restore' })).rejects.toThrow('KILL_SWITCH_GROUP_NAME is not set');
  });
});

test('restoreCommand is one CLI line', () => {
  expect(restoreCommand('fn')).toBe(
    `aws lambda invoke --function-name fn --cli-binary-format raw-in-base64-out --payload '{"action":"restore"}' /dev/stdout`,
  );
});
