import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
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
import {
  handler,
  KillSwitchDeps,
  KillSwitchSettings,
  parseBudgetNotification,
  processEvent,
  restoreCommand,
  settingsFromEnv,
} from '../../lib/budget/kill-switch.function';

const asg = mockClient(AutoScalingClient);
const sns = mockClient(SNSClient);
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const deps: KillSwitchDeps = { autoScaling: new AutoScalingClient({}), sns: new SNSClient({}), logger };
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

/** The plain-text message AWS Budgets publishes to SNS. */
function budgetMessage(type: 'ACTUAL' | 'FORECASTED', percent: number, limit = 2500): string {
  const threshold = ((limit * percent) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });
  const budgeted = limit.toLocaleString('en-US', { minimumFractionDigits: 2 });
  return [
    'AWS Budget Notification March 27, 2026',
    'AWS Account 123456789012',
    '',
    'Dear AWS Customer,',
    '',
    `You requested that we alert you when the ${type} Cost associated with your BudgetED13AE41-AbCdEf budget is greater than ` +
      `${percent.toFixed(2)}% of $${budgeted} for the current month. The ${type} Cost associated with this budget is $2,512.34. ` +
      'You can find additional details below and by accessing the AWS Budgets dashboard [1].',
    '',
    'Budget Name: BudgetED13AE41-AbCdEf',
    'Budget Type: Cost',
    `Budgeted Amount: $${budgeted}`,
    `Alert Type: ${type}`,
    `Alert Threshold: > $${threshold}`,
    `${type} Amount: $2,512.34`,
    '',
    '[1] https://console.aws.amazon.com/billing/home#/budgets',
  ].join('\n');
}

function snsEvent(...messages: string[]): SNSEvent {
  return {
    Records: messages.map((Message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${TOPIC}:sub`,
      Sns: {
        Type: 'Notification',
        MessageId: `m-${i}`,
        TopicArn: TOPIC,
        Subject: 'AWS Budgets: budget has exceeded your alert threshold',
        Message,
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
  test('reads type, threshold and budget name of a Budgets message', () => {
    expect(parseBudgetNotification(budgetMessage('ACTUAL', 100))).toEqual({
      budgetName: 'BudgetED13AE41-AbCdEf',
      alertType: 'ACTUAL',
      thresholdPercent: 100,
    });
    expect(parseBudgetNotification(budgetMessage('FORECASTED', 100))?.alertType).toBe('FORECASTED');
    expect(parseBudgetNotification(budgetMessage('ACTUAL', 70))?.thresholdPercent).toBe(70);
  });

  test('falls back to threshold / budgeted amount when the sentence is missing', () => {
    const noSentence = budgetMessage('ACTUAL', 90).replace(/You requested[^\n]*\n/, '');
    expect(parseBudgetNotification(noSentence)?.thresholdPercent).toBeCloseTo(90, 6);
  });

  test('returns undefined for messages that are not budget notifications', () => {
    expect(parseBudgetNotification(JSON.stringify({ AlarmName: 'BurnRateAlarm', NewStateValue: 'ALARM' }))).toBeUndefined();
    expect(parseBudgetNotification('The budget kill switch of staging capped Auto Scaling group x.')).toBeUndefined();
  });

  test('throws for a budget notification it cannot read, rather than silently not acting', () => {
    expect(() => parseBudgetNotification('AWS Budget Notification\nBudget Name: b\nsomething new')).toThrow(
      'Budget notification for b could not be read: alert type missing, threshold missing. The kill switch did NOT act',
    );
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
  test('100% ACTUAL caps a dev/staging fleet to zero and suspends scheduled actions, then reports', async () => {
    group({});
    const [result] = await processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps);
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
    expect(published.Message).toContain('actual spend passed 100.00% of the budget');
    expect(published.Message).toContain(`'{"action":"restore"}'`);
    expect(result).toMatchObject({ action: 'cap', changed: true });
  });

  test('prod caps to its on-demand base', async () => {
    group({ AutoScalingGroupName: 'prod-fleet-asg', MinSize: 2, MaxSize: 12, DesiredCapacity: 9 });
    await processEvent(snsEvent(budgetMessage('ACTUAL', 100, 9000)), prod, deps);
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
    const [result] = await processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps);
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
    await processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps);
    expect(asg).toHaveReceivedCommand(SuspendProcessesCommand);
  });

  test.each([
    ['ACTUAL 70%', budgetMessage('ACTUAL', 70)],
    ['ACTUAL 90%', budgetMessage('ACTUAL', 90)],
    ['FORECASTED 100%', budgetMessage('FORECASTED', 100)],
    ['a CloudWatch alarm', JSON.stringify({ AlarmName: 'BurnRateAlarm', NewStateValue: 'ALARM' })],
    ['its own report', 'The budget kill switch of staging capped Auto Scaling group staging-fleet-asg.'],
  ])('ignores %s with a log line and no AWS call', async (_name, message) => {
    const info = jest.spyOn(logger, 'info');
    expect(await processEvent(snsEvent(message), staging, deps)).toEqual(['ignored']);
    expect(asg.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(info).toHaveBeenCalledWith(expect.stringMatching(/^Ignored: /), expect.anything());
    info.mockRestore();
  });

  test('a threshold above 100% also caps', async () => {
    group({});
    await processEvent(snsEvent(budgetMessage('ACTUAL', 120)), staging, deps);
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
    await expect(processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps)).rejects.toThrow(
      'Auto Scaling group staging-fleet-asg (KILL_SWITCH_GROUP_NAME) was not found in this account/region; the fleet may have been replaced',
    );
    expect(sns.calls()).toHaveLength(0);
  });

  test('AWS errors surface (so Lambda retries) and nothing is reported as done', async () => {
    group({});
    asg.on(UpdateAutoScalingGroupCommand).rejects(new Error('AccessDenied: not authorized to perform autoscaling:UpdateAutoScalingGroup'));
    await expect(processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps)).rejects.toThrow('AccessDenied');
    expect(sns.calls()).toHaveLength(0);
  });

  test('a publish failure surfaces too; the retry then finds the fleet capped and reports again', async () => {
    group({});
    sns.on(PublishCommand).rejects(new Error('KMS.AccessDeniedException'));
    await expect(processEvent(snsEvent(budgetMessage('ACTUAL', 100)), staging, deps)).rejects.toThrow('KMS.AccessDeniedException');
  });
});

describe('handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('reads its settings from the environment and acts', async () => {
    Object.assign(process.env, {
      KILL_SWITCH_GROUP_NAME: 'staging-fleet-asg',
      KILL_SWITCH_CAP_TO: 'zero',
      KILL_SWITCH_BASE_CAPACITY: '1',
      KILL_SWITCH_RESTORE_MIN: '1',
      KILL_SWITCH_RESTORE_MAX: '6',
      KILL_SWITCH_TOPIC_ARN: TOPIC,
      KILL_SWITCH_ENVIRONMENT: 'staging',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    group({});
    await handler(snsEvent(budgetMessage('ACTUAL', 100)));
    expect(asg).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, { MinSize: 0, MaxSize: 0, DesiredCapacity: 0 });
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
