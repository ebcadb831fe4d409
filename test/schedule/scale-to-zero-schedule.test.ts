import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { ScheduleConfig } from '../../config/types';
import { staging } from '../../config/environments';
import { cronWeekDays, ScaleToZeroSchedule, ScheduleConfigError } from '../../lib/schedule';
import { nagApp, nagFindings, formatFindings } from '../support/nag';
import { testFleet } from '../budget/fleet-fixture';

function synth(schedule: ScheduleConfig, upCapacity = { minCapacity: 1, maxCapacity: 6 }) {
  const fleet = testFleet();
  const construct = new ScaleToZeroSchedule(fleet.stack, 'Schedule', {
    autoScalingGroup: fleet.autoScalingGroup,
    schedule,
    upCapacity,
    environmentName: 'staging',
  });
  return { ...fleet, construct, template: Template.fromStack(fleet.stack) };
}

describe('ScaleToZeroSchedule', () => {
  test('staging: up at the base size on weekdays 08:00, to zero at 20:00, in Europe/Berlin', () => {
    const { template } = synth(staging.schedule!, {
      minCapacity: staging.fleet.minSize,
      maxCapacity: staging.fleet.maxSize,
    });
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 2);
    const actions = template.findResources('AWS::AutoScaling::ScheduledAction');
    expect(Object.values(actions).map((a) => a.Properties)).toEqual([
      {
        AutoScalingGroupName: { Ref: expect.stringMatching(/^GroupASG/) },
        Recurrence: '0 8 * * 1-5',
        TimeZone: 'Europe/Berlin',
        MinSize: 1,
        MaxSize: 6,
      },
      {
        AutoScalingGroupName: { Ref: expect.stringMatching(/^GroupASG/) },
        Recurrence: '0 20 * * 1-5',
        TimeZone: 'Europe/Berlin',
        MinSize: 0,
        MaxSize: 0,
        DesiredCapacity: 0,
      },
    ]);
  });

  test('every action carries the time zone (no hand-converted UTC crons)', () => {
    const { template } = synth({
      timeZone: 'America/New_York',
      periods: [
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '07:30', end: '12:00' },
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '13:00', end: '18:15' },
      ],
    });
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction'));
    expect(actions).toHaveLength(4);
    for (const a of actions) expect(a.Properties.TimeZone).toBe('America/New_York');
    expect(actions.map((a) => a.Properties.Recurrence)).toEqual(['30 7 * * 1-5', '0 13 * * 1-5', '0 12 * * 1-5', '15 18 * * 1-5']);
  });

  test('periods with the same start share one cron over the union of their days', () => {
    const { construct, template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '20:00' },
        { days: ['SAT'], start: '08:00', end: '12:00' },
      ],
    });
    expect(construct.startActions).toHaveLength(1);
    expect(construct.stopActions).toHaveLength(2);
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 3);
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 8 * * 1-6', MinSize: 1, MaxSize: 6 });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 12 * * 6', DesiredCapacity: 0 });
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', { Recurrence: '0 20 * * 1-5', DesiredCapacity: 0 });
  });

  test('start actions leave desired capacity to the group (raised to the new min by Auto Scaling)', () => {
    const { template } = synth(staging.schedule!);
    template.hasResourceProperties('AWS::AutoScaling::ScheduledAction', {
      Recurrence: '0 8 * * 1-5',
      DesiredCapacity: Match.absent(),
    });
  });

  test('an invalid schedule throws every problem, naming the environment', () => {
    expect(() =>
      synth({ timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: '08:00', end: '07:00' }] }),
    ).toThrow(
      new ScheduleConfigError([
        'staging.schedule.periods[0].end (07:00) must be after start (08:00) on the same day; split a period that crosses midnight into two',
      ]),
    );
  });

  test('upCapacity is checked', () => {
    expect(() => synth(staging.schedule!, { minCapacity: 3, maxCapacity: 2 })).toThrow(
      'staging schedule upCapacity.minCapacity (3) must be <= maxCapacity (2)',
    );
    expect(() => synth(staging.schedule!, { minCapacity: -1, maxCapacity: 2 })).toThrow(
      'staging schedule upCapacity.minCapacity (-1) must be a whole number >= 0',
    );
    expect(() => synth(staging.schedule!, { minCapacity: 0, maxCapacity: 0 })).toThrow(
      'staging schedule upCapacity.maxCapacity (0) must be a whole number >= 1, or the schedule never brings the fleet up',
    );
    expect(() => synth(staging.schedule!, { minCapacity: 1, maxCapacity: 1.5 })).toThrow(
      'staging schedule upCapacity.maxCapacity (1.5) must be a whole number >= 1',
    );
  });

  test('warns when the fleet comes "up" at minCapacity 0 (dev), not otherwise', () => {
    const atZero = synth(staging.schedule!, { minCapacity: 0, maxCapacity: 2 });
    Annotations.fromStack(atZero.stack).hasWarning(
      '/TestStack/Schedule',
      Match.stringLikeRegexp('staging schedule brings the fleet "up" with minCapacity 0'),
    );
    const atBase = synth(staging.schedule!);
    Annotations.fromStack(atBase.stack).hasNoWarning('/TestStack/Schedule', Match.anyValue());
  });

  test('cdk-nag: no findings under the construct', () => {
    const app = nagApp();
    const fleet = testFleet(app);
    new ScaleToZeroSchedule(fleet.stack, 'Schedule', {
      autoScalingGroup: fleet.autoScalingGroup,
      schedule: staging.schedule!,
      upCapacity: { minCapacity: 1, maxCapacity: 6 },
    });
    const mine = nagFindings(app).filter((f) => f.path.startsWith('TestStack/Schedule'));
    expect(formatFindings(mine)).toEqual([]);
  });
});

describe('cronWeekDays', () => {
  test.each([
    [['MON', 'TUE', 'WED', 'THU', 'FRI'], '1-5'],
    [['SUN', 'MON', 'TUE'], '0-2'],
    [['MON', 'WED', 'FRI'], '1,3,5'],
    [['SAT', 'SUN'], '0,6'],
    [['TUE', 'MON'], '1,2'],
    [['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], '0-6'],
  ] as const)('%p -> %p', (days, cron) => {
    expect(cronWeekDays(days)).toBe(cron);
  });
});
