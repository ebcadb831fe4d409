import { validateCapacityLevels, weeklyCapacity } from '../../lib/shared/capacity-levels';
import { CapacityLevel, ScheduleConfigError, WeeklySchedule } from '../../lib/shared/weekly-schedule';

// Capacity levels: what they mean (the week's segments the scheduled actions and the profile's hours come from) and
// every rule config validation and the construct apply to them.
const DAY = 24 * 60;
const H = 60;
const MON_FRI = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
const ALL_WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
const BOUNDS = { minCapacity: 1, maxCapacity: 6 };

const schedule = (capacity: readonly CapacityLevel[] | undefined, periods: WeeklySchedule['periods'] = [{ days: [...MON_FRI], start: '08:00', end: '20:00' }]): WeeklySchedule =>
  ({ timeZone: 'Europe/Berlin', periods, ...(capacity === undefined ? {} : { capacity }) });
const alwaysOn = (capacity: readonly CapacityLevel[]) => schedule(capacity, [{ days: [...ALL_WEEK], start: '00:00', end: '24:00' }]);

describe('weeklyCapacity: the up windows split where the minimum changes (minutes from Monday 00:00)', () => {
  test('working hours with a core-hours level: usual, level, usual in every window', () => {
    const week = weeklyCapacity(schedule([{ days: [...MON_FRI], start: '09:00', end: '17:00', minCapacity: 3 }]), BOUNDS);
    expect(week.alwaysOn).toBe(false);
    expect(week.windows).toHaveLength(5);
    expect(week.windows[2]).toEqual({
      start: 2 * DAY + 8 * H,
      end: 2 * DAY + 20 * H,
      segments: [
        { start: 2 * DAY + 8 * H, end: 2 * DAY + 9 * H, minCapacity: 1 },
        { start: 2 * DAY + 9 * H, end: 2 * DAY + 17 * H, minCapacity: 3 },
        { start: 2 * DAY + 17 * H, end: 2 * DAY + 20 * H, minCapacity: 1 },
      ],
    });
  });

  test('a level from the window start makes the start the level; one to the end makes the last segment the level', () => {
    const week = weeklyCapacity(schedule([
      { days: ['MON'], start: '08:00', end: '12:00', minCapacity: 4 },
      { days: ['TUE'], start: '15:00', end: '20:00', minCapacity: 2 },
    ]), BOUNDS);
    expect(week.windows[0].segments.map((s) => [s.start, s.end, s.minCapacity])).toEqual([[8 * H, 12 * H, 4], [12 * H, 20 * H, 1]]);
    expect(week.windows[1].segments.map((s) => [s.start - DAY, s.end - DAY, s.minCapacity])).toEqual([[8 * H, 15 * H, 1], [15 * H, 20 * H, 2]]);
  });

  test('touching levels of the same minimum are one segment; of different minimums, two', () => {
    const same = weeklyCapacity(schedule([
      { days: ['MON'], start: '09:00', end: '12:00', minCapacity: 3 },
      { days: ['MON'], start: '12:00', end: '17:00', minCapacity: 3 },
    ]), BOUNDS);
    expect(same.windows[0].segments.map((s) => s.minCapacity)).toEqual([1, 3, 1]);
    const different = weeklyCapacity(schedule([
      { days: ['MON'], start: '09:00', end: '12:00', minCapacity: 3 },
      { days: ['MON'], start: '12:00', end: '17:00', minCapacity: 5 },
    ]), BOUNDS);
    expect(different.windows[0].segments.map((s) => [s.start / H, s.end / H, s.minCapacity])).toEqual([[8, 9, 1], [9, 12, 3], [12, 17, 5], [17, 20, 1]]);
  });

  test('a window across the week\'s end holds levels on both sides of Monday 00:00', () => {
    const week = weeklyCapacity({
      timeZone: 'Europe/Berlin',
      periods: [{ days: ['SUN'], start: '22:00', end: '06:00' }],
      capacity: [{ days: ['SUN'], start: '23:00', end: '02:00', minCapacity: 2 }, { days: ['MON'], start: '02:00', end: '04:00', minCapacity: 4 }],
    }, BOUNDS);
    const sun = 6 * DAY;
    expect(week.windows).toEqual([{
      start: sun + 22 * H,
      end: sun + 30 * H,
      segments: [
        { start: sun + 22 * H, end: sun + 23 * H, minCapacity: 1 },
        { start: sun + 23 * H, end: sun + 26 * H, minCapacity: 2 },
        { start: sun + 26 * H, end: sun + 28 * H, minCapacity: 4 },
        { start: sun + 28 * H, end: sun + 30 * H, minCapacity: 1 },
      ],
    }]);
  });

  test('always on with levels: one week of segments from the first change, every start a change', () => {
    const week = weeklyCapacity(alwaysOn([{ days: [...MON_FRI], start: '08:00', end: '20:00', minCapacity: 4 }]), BOUNDS);
    expect(week.alwaysOn).toBe(true);
    expect(week.windows).toHaveLength(1);
    const segments = week.windows[0].segments;
    expect(segments).toHaveLength(10);
    expect(segments.slice(0, 2)).toEqual([{ start: 8 * H, end: 20 * H, minCapacity: 4 }, { start: 20 * H, end: DAY + 8 * H, minCapacity: 1 }]);
    // Friday 20:00 to Monday 08:00 at the usual minimum.
    expect(segments[9]).toEqual({ start: 4 * DAY + 20 * H, end: 7 * DAY + 8 * H, minCapacity: 1 });
  });

  test('always on: levels that touch across the week\'s end are one segment', () => {
    const week = weeklyCapacity(alwaysOn([
      { days: ['MON'], start: '00:00', end: '06:00', minCapacity: 3 },
      { days: ['SUN'], start: '20:00', end: '24:00', minCapacity: 3 },
    ]), BOUNDS);
    expect(week.windows[0].segments).toEqual([
      { start: 6 * H, end: 6 * DAY + 20 * H, minCapacity: 1 },
      { start: 6 * DAY + 20 * H, end: 7 * DAY + 6 * H, minCapacity: 3 },
    ]);
  });

  test('without levels: one segment per window at the usual minimum; always on, no window', () => {
    const week = weeklyCapacity(schedule(undefined), BOUNDS);
    expect(week.windows.map((w) => w.segments)).toEqual([0, 1, 2, 3, 4].map((d) => [{ start: d * DAY + 8 * H, end: d * DAY + 20 * H, minCapacity: 1 }]));
    expect(weeklyCapacity(schedule(undefined, [{ days: [...ALL_WEEK], start: '00:00', end: '24:00' }]), BOUNDS)).toEqual({ alwaysOn: true, windows: [] });
  });

  test('throws every problem of an invalid schedule or level', () => {
    expect(() => weeklyCapacity(schedule([{ days: ['MON'], start: '07:00', end: '12:00', minCapacity: 9 }]), BOUNDS, 'staging')).toThrow(
      new ScheduleConfigError([
        'staging.schedule.capacity[0].minCapacity (9) must be <= fleet.maxSize (6): Auto Scaling rejects a minimum above the maximum',
        'staging.schedule.capacity[0] (MON 07:00-12:00) must lie inside the periods: the fleet is down at 07:00 on MON. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
      ]),
    );
  });
});

describe('validateCapacityLevels: one message per problem, naming the level, its value and the rule', () => {
  const problems = (s: WeeklySchedule, bounds = BOUNDS) => validateCapacityLevels('staging', s, bounds);
  const level = (o: Partial<CapacityLevel>): CapacityLevel => ({ days: [...MON_FRI], start: '09:00', end: '17:00', minCapacity: 3, ...o });

  test('valid levels and no levels have no problem', () => {
    expect(problems(schedule([level({})]))).toEqual([]);
    expect(problems(schedule(undefined))).toEqual([]);
  });

  test('an empty list', () => {
    expect(problems(schedule([]))).toEqual([
      'staging.schedule.capacity ([]) must list at least one level { days, start, end, minCapacity }; to run at fleet.minSize whenever the fleet is up, remove it',
    ]);
  });

  test('days and times follow the periods\' rules', () => {
    expect(problems(schedule([level({ days: [], start: '9:00', end: '17:00' })]))).toEqual([
      'staging.schedule.capacity[0].days ([]) must list at least one of MON, TUE, WED, THU, FRI, SAT, SUN',
      'staging.schedule.capacity[0].start (9:00) must be HH:MM, 24-hour, 00:00-23:59',
    ]);
    expect(problems(schedule([level({ start: '12:00', end: '12:00' })]))).toEqual([
      'staging.schedule.capacity[0].end (12:00) must differ from start (12:00); for a whole day write 00:00-24:00 (an end before the start, e.g. 22:00-06:00, ends on the next day)',
    ]);
  });

  test('the minimum: a whole number, above the usual minimum, at most the maximum', () => {
    expect(problems(schedule([level({ minCapacity: 2.5 })]))).toEqual(['staging.schedule.capacity[0].minCapacity (2.5) must be a whole number >= 0']);
    expect(problems(schedule([level({ minCapacity: 1 })]))).toEqual([
      'staging.schedule.capacity[0].minCapacity (1) must be above fleet.minSize (1): the fleet runs at fleet.minSize outside its levels, so a level only raises the minimum (to run lower at other times, lower fleet.minSize)',
    ]);
    expect(problems(schedule([level({ minCapacity: 7 })]))).toEqual([
      'staging.schedule.capacity[0].minCapacity (7) must be <= fleet.maxSize (6): Auto Scaling rejects a minimum above the maximum',
    ]);
    expect(validateCapacityLevels('staging', schedule([level({ minCapacity: 7 })]), BOUNDS, { min: 'upCapacity.minCapacity', max: 'upCapacity.maxCapacity' })).toEqual([
      'staging.schedule.capacity[0].minCapacity (7) must be <= upCapacity.maxCapacity (6): Auto Scaling rejects a minimum above the maximum',
    ]);
  });

  test('a level outside the periods names the first minute the fleet is down', () => {
    expect(problems(schedule([level({ start: '07:00', end: '12:00' })]))).toEqual([
      'staging.schedule.capacity[0] (MON-FRI 07:00-12:00) must lie inside the periods: the fleet is down at 07:00 on MON. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
    ]);
    // Inside on weekdays, outside on Saturday.
    expect(problems(schedule([level({ days: ['FRI', 'SAT'] })]))).toEqual([
      'staging.schedule.capacity[0] (FRI-SAT 09:00-17:00) must lie inside the periods: the fleet is down at 09:00 on SAT. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
    ]);
  });

  test('a level across the gap between two windows is outside the periods', () => {
    const split = schedule([level({ days: ['MON'], start: '11:00', end: '14:00' })], [
      { days: ['MON'], start: '08:00', end: '12:00' },
      { days: ['MON'], start: '13:00', end: '18:00' },
    ]);
    expect(problems(split)).toEqual([
      'staging.schedule.capacity[0] (MON 11:00-14:00) must lie inside the periods: the fleet is down at 12:00 on MON. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
    ]);
  });

  test('a level inside merged periods (touching, across midnight) is inside', () => {
    const merged = schedule([level({ days: ['MON'], start: '22:00', end: '02:00' })], [
      { days: ['MON'], start: '08:00', end: '24:00' },
      { days: ['TUE'], start: '00:00', end: '06:00' },
    ]);
    expect(problems(merged)).toEqual([]);
  });

  test('overlapping levels, on one day and across midnight', () => {
    expect(problems(schedule([level({}), level({ days: ['WED'], start: '16:00', end: '18:00', minCapacity: 5 })]))).toEqual([
      'staging.schedule.capacity[1] (WED 16:00-18:00) overlaps capacity[0] (MON-FRI 09:00-17:00) from 16:00 on WED: each minute has one minimum, so levels must not overlap (one may end when the next starts)',
    ]);
    expect(problems(alwaysOn([
      level({ days: ['SUN'], start: '22:00', end: '02:00' }),
      level({ days: ['MON'], start: '01:00', end: '03:00', minCapacity: 5 }),
    ]))).toEqual([
      'staging.schedule.capacity[1] (MON 01:00-03:00) overlaps capacity[0] (SUN 22:00-02:00) from 01:00 on MON: each minute has one minimum, so levels must not overlap (one may end when the next starts)',
    ]);
  });

  test('levels that only touch do not overlap', () => {
    expect(problems(schedule([level({ end: '12:00' }), level({ start: '12:00', minCapacity: 4 })]))).toEqual([]);
  });

  test('always on: levels may sit anywhere, but not hold one minimum all week', () => {
    expect(problems(alwaysOn([level({ days: ['SAT', 'SUN'], start: '03:00', end: '05:00' })]))).toEqual([]);
    expect(problems(alwaysOn([level({ days: [...ALL_WEEK], start: '00:00', end: '24:00' })]))).toEqual([
      'staging.schedule.capacity (MON-SUN 00:00-24:00) holds the minimum at 3 all week, so no scheduled action would ever set it: set fleet.minSize to 3 instead',
    ]);
  });

  test('invalid periods: the levels are not checked against them (validateSchedule reports the periods)', () => {
    expect(problems(schedule([level({ start: '07:00' })], []))).toEqual([]);
  });
});
