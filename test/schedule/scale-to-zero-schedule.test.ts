import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DateTime, IANAZone } from 'luxon';
import { staging } from '../../config/environments';
import { cronWeekDays, ScaleToZeroSchedule, ScheduleConfigError, scheduledHoursInMonth, WeeklySchedule } from '../../lib/schedule';
import { nagApp, nagFindings, formatFindings } from '../support/nag';
import { testFleet } from '../budget/fleet-fixture';

function synth(schedule: WeeklySchedule, upCapacity = { minCapacity: 1, maxCapacity: 6 }) {
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

  test('a weekday 24-hour window creates no stop action between days (issue 9, defect 10)', () => {
    const { construct, template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '00:00', end: '24:00' }],
    });
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction')).map((a) => a.Properties);
    // Up on Monday 00:00, down on Saturday 00:00: nothing at any midnight in between.
    expect(actions.map((a) => [a.Recurrence, a.MaxSize])).toEqual([['0 0 * * 1', 6], ['0 0 * * 6', 0]]);
    expect(construct.stopActions).toHaveLength(1);
  });

  test('MON 00:00-24:00 followed by TUE 00:00-24:00 are merged: the only stop is Wednesday 00:00', () => {
    const { template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['MON'], start: '00:00', end: '24:00' }, { days: ['TUE'], start: '00:00', end: '24:00' }],
    });
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction')).map((a) => a.Properties);
    expect(actions.map((a) => [a.Recurrence, a.MaxSize])).toEqual([['0 0 * * 1', 6], ['0 0 * * 3', 0]]);
  });

  test('a period that wraps past midnight stops on the next day', () => {
    const { template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '22:00', end: '06:00' }],
    });
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction')).map((a) => a.Properties);
    expect(actions.map((a) => [a.Recurrence, a.MaxSize])).toEqual([['0 22 * * 1-5', 6], ['0 6 * * 2-6', 0]]);
  });

  test('touching and overlapping periods on one day give one start and one stop', () => {
    const { template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [
        { days: ['MON'], start: '08:00', end: '12:00' },
        { days: ['MON'], start: '12:00', end: '16:00' },
        { days: ['MON'], start: '15:00', end: '20:00' },
      ],
    });
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction')).map((a) => a.Properties);
    expect(actions.map((a) => [a.Recurrence, a.MaxSize])).toEqual([['0 8 * * 1', 6], ['0 20 * * 1', 0]]);
  });

  test('a 23:59 / 00:00 split is rejected, telling the user to write 24:00', () => {
    expect(() => synth({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '00:00', end: '23:59' }],
    })).toThrow('staging.schedule.periods[0].end (23:59) stops the fleet one minute before periods[0] starts at 00:00 on TUE');
  });

  test('a schedule covering the whole week creates no action and warns', () => {
    const { stack, template } = synth({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], start: '00:00', end: '24:00' }],
    });
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
    Annotations.fromStack(stack).hasWarning('/TestStack/Schedule', Match.stringLikeRegexp('staging schedule covers the whole week'));
  });

  // The cost estimate's hours must be the hours the actions keep the fleet up. Replays the synthesized actions minute by
  // minute (UTC minutes, local time from the zone's offset, as Auto Scaling evaluates a cron with TimeZone) and counts
  // the minutes of the month after a start action and before the next stop.
  test.each<[string, WeeklySchedule, number, number]>([
    ['weekdays 00:00-24:00, March (spring switch)', { timeZone: 'Europe/Berlin', periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '00:00', end: '24:00' }] }, 2026, 3],
    ['Saturday 22:00-06:00, March (spring switch inside the window, month starts in one)', { timeZone: 'Europe/Berlin', periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }] }, 2026, 3],
    ['Saturday 22:00-06:00, October (autumn switch inside the window, month ends in one)', { timeZone: 'Europe/Berlin', periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }] }, 2026, 10],
    ['Sunday night into a Monday shift, New York, November', {
      timeZone: 'America/New_York',
      periods: [{ days: ['SUN'], start: '20:00', end: '06:00' }, { days: ['MON'], start: '06:00', end: '14:30' }, { days: ['THU'], start: '09:15', end: '17:45' }],
    }, 2026, 11],
    ['staging', staging.schedule!, 2026, 7],
  ])('hours per month agree with the actions: %s', (_name, schedule, year, month) => {
    const { template } = synth(schedule);
    const actions = Object.values(template.findResources('AWS::AutoScaling::ScheduledAction')).map((a) => a.Properties);
    expect(replayUpMinutes(actions, schedule.timeZone, year, month) / 60).toBe(scheduledHoursInMonth(schedule, year, month));
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
      synth({ timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: '08:00', end: '08:00' }, { days: ['TUE'], start: '8:00', end: '20:00' }] }),
    ).toThrow(
      new ScheduleConfigError([
        'staging.schedule.periods[0].end (08:00) must differ from start (08:00); for a whole day write 00:00-24:00 (an end before the start, e.g. 22:00-06:00, ends on the next day)',
        'staging.schedule.periods[1].start (8:00) must be HH:MM, 24-hour, 00:00-23:59',
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

/** Minutes of the month (in `zone`) during which the last action that fired set MaxSize > 0. */
function replayUpMinutes(actions: Array<Record<string, any>>, zone: string, year: number, month: number): number {
  const parsed = actions.map((a) => {
    const [minute, hour, , , dow] = (a.Recurrence as string).split(' ');
    const days = new Set(dow.split(',').flatMap((part) => {
      const [from, to] = part.split('-').map(Number);
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    }));
    return { minute: Number(minute), hour: Number(hour), days, up: a.MaxSize > 0 };
  });
  const tz = IANAZone.create(zone);
  const monthStart = DateTime.fromObject({ year, month, day: 1 }, { zone }).toMillis();
  const monthEnd = DateTime.fromObject({ year, month, day: 1 }, { zone }).plus({ months: 1 }).toMillis();
  // Offsets change at most every quarter hour (zones switch on the hour or the half hour): one look-up per quarter.
  let quarter = NaN;
  let offsetMs = 0;
  let up = false;
  let minutes = 0;
  // From 8 days before: every week has a stop, so the state at the month's start is known.
  for (let t = monthStart - 8 * 24 * 3_600_000; t < monthEnd; t += 60_000) {
    if (Math.floor(t / 900_000) !== quarter) {
      quarter = Math.floor(t / 900_000);
      offsetMs = tz.offset(t) * 60_000;
    }
    const local = new Date(t + offsetMs);
    for (const a of parsed) {
      if (a.minute === local.getUTCMinutes() && a.hour === local.getUTCHours() && a.days.has(local.getUTCDay())) up = a.up;
    }
    if (up && t >= monthStart) minutes++;
  }
  return minutes;
}
