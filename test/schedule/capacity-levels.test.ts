import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Token } from 'aws-cdk-lib';
import { staging } from '../../config/environments';
import { capacityHoursInMonth, CapacityLevel, ScaleToZeroSchedule, ScheduleConfigError, WeeklySchedule } from '../../lib/schedule';
import { testFleet } from '../budget/fleet-fixture';
import { cronDays, replayCapacityMinutes } from '../support/replay-actions';

// Time-of-day capacity, the construct side: the scheduled actions that hold the schedule's capacity levels, merged
// with the scale-to-zero starts and stops, and a replay proving they hold the hours the cost estimate prices.

const MON_FRI = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
const ALL_WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const UP = { minCapacity: 1, maxCapacity: 6 };
const CORE_HOURS: CapacityLevel = { days: [...MON_FRI], start: '09:00', end: '17:00', minCapacity: 3 };

function synth(schedule: WeeklySchedule, upCapacity = UP) {
  const fleet = testFleet();
  const construct = new ScaleToZeroSchedule(fleet.stack, 'Schedule', { autoScalingGroup: fleet.autoScalingGroup, schedule, upCapacity, environmentName: 'staging' });
  const template = Template.fromStack(fleet.stack);
  const actions = Object.entries(template.findResources('AWS::AutoScaling::ScheduledAction')).map(([id, r]) => ({ id, ...r.Properties }));
  return { ...fleet, construct, template, actions };
}

/** `[logical id prefix, Recurrence, MinSize, MaxSize, DesiredCapacity]` of each action, in template order. */
const summary = (actions: Array<Record<string, any>>) =>
  actions.map((a) => [a.id.replace(/^Schedule/, '').replace(/[0-9A-F]{8}$/, ''), a.Recurrence, a.MinSize, a.MaxSize, a.DesiredCapacity]);

describe('ScaleToZeroSchedule with capacity levels', () => {
  test('staging with min 3 in core hours: up at 08:00, 3 from 09:00, back to 1 at 17:00, down at 20:00, all in Europe/Berlin', () => {
    const { construct, actions } = synth({ ...staging.schedule!, capacity: [CORE_HOURS] });
    expect(summary(actions)).toEqual([
      ['Start0', '0 8 * * 1-5', 1, 6, undefined],
      ['Stop0', '0 20 * * 1-5', 0, 0, 0],
      ['Level0', '0 9 * * 1-5', 3, 6, undefined],
      ['Level1', '0 17 * * 1-5', 1, 6, undefined],
    ]);
    for (const a of actions) {
      expect(a.TimeZone).toBe('Europe/Berlin');
      expect(a.AutoScalingGroupName).toEqual({ Ref: expect.stringMatching(/^GroupASG/) });
    }
    expect([construct.startActions.length, construct.levelActions.length, construct.stopActions.length]).toEqual([1, 2, 1]);
  });

  test('a level from the window start is the start action; a level to the window end is ended by the stop', () => {
    const { actions } = synth({ ...staging.schedule!, capacity: [{ days: [...MON_FRI], start: '08:00', end: '10:00', minCapacity: 4 }, { days: [...MON_FRI], start: '18:00', end: '20:00', minCapacity: 2 }] });
    expect(summary(actions)).toEqual([
      ['Start0', '0 8 * * 1-5', 4, 6, undefined],
      ['Stop0', '0 20 * * 1-5', 0, 0, 0],
      ['Level0', '0 10 * * 1-5', 1, 6, undefined],
      ['Level1', '0 18 * * 1-5', 2, 6, undefined],
    ]);
  });

  test('the same time with a different capacity on other days is its own cron, never two actions at one moment', () => {
    const { actions } = synth({ ...staging.schedule!, capacity: [{ days: ['MON'], start: '08:00', end: '12:00', minCapacity: 4 }, { days: ['FRI'], start: '12:00', end: '20:00', minCapacity: 2 }] });
    expect(summary(actions)).toEqual([
      ['Start0', '0 8 * * 2-5', 1, 6, undefined],
      ['Start1', '0 8 * * 1', 4, 6, undefined],
      ['Stop0', '0 20 * * 1-5', 0, 0, 0],
      ['Level0', '0 12 * * 1', 1, 6, undefined],
      ['Level1', '0 12 * * 5', 2, 6, undefined],
    ]);
    const moments = actions.flatMap((a) => {
      const [minute, hour, , , dow] = (a.Recurrence as string).split(' ');
      return cronDays(dow).map((d) => `${d} ${hour}:${minute}`);
    });
    expect(new Set(moments).size).toBe(moments.length);
  });

  test('always on with levels: only level changes, no start, no stop, no always-on warning', () => {
    const { stack, actions } = synth({
      timeZone: 'America/New_York',
      periods: [{ days: [...ALL_WEEK], start: '00:00', end: '24:00' }],
      capacity: [{ days: [...MON_FRI], start: '07:00', end: '19:00', minCapacity: 4 }],
    });
    expect(summary(actions)).toEqual([
      ['Level0', '0 7 * * 1-5', 4, 6, undefined],
      ['Level1', '0 19 * * 1-5', 1, 6, undefined],
    ]);
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Schedule', Match.anyValue());
  });

  test('every action that sets a minimum sets the maximum with it and never above it; every stop takes min, max and desired to 0', () => {
    const schedules: WeeklySchedule[] = [
      { ...staging.schedule!, capacity: [CORE_HOURS] },
      { ...staging.schedule!, capacity: [{ days: [...MON_FRI], start: '08:00', end: '20:00', minCapacity: 6 }] },
      { timeZone: 'Europe/Berlin', periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }], capacity: [{ days: ['SUN'], start: '01:00', end: '06:00', minCapacity: 5 }] },
    ];
    for (const schedule of schedules) {
      const { actions } = synth(schedule);
      // One stop per schedule here (the windows end at one time of day), whatever level runs into it.
      expect(actions.filter((a) => a.MaxSize === 0)).toHaveLength(1);
      for (const a of actions) {
        expect(a.MaxSize).toEqual(expect.any(Number));
        expect(a.MinSize).toBeLessThanOrEqual(a.MaxSize);
        if (a.MaxSize === 0) expect([a.MinSize, a.DesiredCapacity]).toEqual([0, 0]);
        else expect(a.DesiredCapacity).toBeUndefined();
      }
    }
  });

  test('level problems throw with the construct\'s names, together with the others', () => {
    expect(() => synth({ ...staging.schedule!, capacity: [{ days: ['MON'], start: '07:00', end: '12:00', minCapacity: 9 }] })).toThrow(
      new ScheduleConfigError([
        'staging.schedule.capacity[0].minCapacity (9) must be <= upCapacity.maxCapacity (6): Auto Scaling rejects a minimum above the maximum',
        'staging.schedule.capacity[0] (MON 07:00-12:00) must lie inside the periods: the fleet is down at 07:00 on MON. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
      ]),
    );
    expect(() => synth({ ...staging.schedule!, capacity: [CORE_HOURS] }, { minCapacity: Token.asNumber({ Ref: 'Min' }), maxCapacity: 6 })).toThrow(
      'staging schedule capacity levels need upCapacity.minCapacity and maxCapacity known at synth (not tokens), to be checked against them',
    );
  });

  test('more scheduled actions than Auto Scaling allows a group (125) is an error naming the count', () => {
    // 63 one-minute levels, each a change up and back: 126 level actions, a start and a stop.
    const capacity = Array.from({ length: 63 }, (_, i): CapacityLevel => {
      const m = 10 * (i + 1);
      const t = (x: number) => `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
      return { days: ['MON'], start: t(m), end: t(m + 1), minCapacity: 2 };
    });
    expect(() => synth({ timeZone: 'UTC', periods: [{ days: ['MON'], start: '00:00', end: '24:00' }], capacity })).toThrow(
      'staging schedule needs 128 scheduled actions; Auto Scaling allows at most 125 per group: use fewer distinct start, end and level times',
    );
  });

  // The estimate prices the hours of capacityHoursInMonth; the actions must hold exactly those. Replays the synthesized
  // actions minute by minute in UTC (local time from the zone's offset, as Auto Scaling evaluates a cron with
  // TimeZone), keeping the last MinSize/MaxSize set, and counts the month's minutes at each minimum while up.
  test.each<[string, WeeklySchedule, number, number]>([
    ['staging + core hours, March (spring switch on a Sunday, outside the windows)', { ...staging.schedule!, capacity: [CORE_HOURS] }, 2026, 3],
    ['Saturday nights with a level across the spring switch, March', {
      timeZone: 'Europe/Berlin', periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }], capacity: [{ days: ['SUN'], start: '01:00', end: '04:00', minCapacity: 3 }],
    }, 2026, 3],
    ['Saturday nights with a level across the autumn switch, October (the month ends inside a window)', {
      timeZone: 'Europe/Berlin', periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }], capacity: [{ days: ['SUN'], start: '01:00', end: '04:00', minCapacity: 3 }],
    }, 2026, 10],
    ['always on with a weekend night level, New York, November (fall back on the 1st)', {
      timeZone: 'America/New_York',
      periods: [{ days: [...ALL_WEEK], start: '00:00', end: '24:00' }],
      capacity: [{ days: ['SAT'], start: '23:00', end: '05:00', minCapacity: 2 }, { days: [...MON_FRI], start: '08:30', end: '18:15', minCapacity: 5 }],
    }, 2026, 11],
    ['a Saturday-night window into Sunday with two touching levels, New York, March (spring forward on Sunday the 8th)', {
      timeZone: 'America/New_York',
      periods: [{ days: ['SAT'], start: '20:00', end: '06:00' }, { days: ['SUN'], start: '06:00', end: '14:30' }],
      capacity: [{ days: ['SAT'], start: '23:00', end: '04:00', minCapacity: 2 }, { days: ['SUN'], start: '04:00', end: '09:00', minCapacity: 4 }],
    }, 2026, 3],
  ])('the actions hold the hours the estimate prices: %s', (_name, schedule, year, month) => {
    const { actions } = synth(schedule);
    const replayed = replayCapacityMinutes(actions, schedule.timeZone, year, month);
    const expected = capacityHoursInMonth(schedule, UP, year, month);
    expect([...replayed].sort(([a], [b]) => a - b).map(([minCapacity, minutes]) => ({ minCapacity, hours: minutes / 60 }))).toEqual(expected);
  });
});
