import {
  averageCapacityHoursPerMonth, averageScheduledHoursPerMonth, capacityHoursInMonth, ScheduleConfigError, scheduledHoursInMonth, WeeklySchedule,
} from '../../lib/schedule';

type ScheduleConfig = WeeklySchedule;
const WEEKDAYS_MON_FRI = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;

const WEEKDAYS_8_TO_20: ScheduleConfig = {
  timeZone: 'Europe/Berlin',
  periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '20:00' }],
};

/** Sundays 00:00-06:00: spans the 02:00/03:00 daylight-saving switch. */
const sundayNight = (timeZone: string): ScheduleConfig => ({
  timeZone,
  periods: [{ days: ['SUN'], start: '00:00', end: '06:00' }],
});

describe('scheduledHoursInMonth', () => {
  test('March 2026, weekdays 08:00-20:00 Berlin: 22 weekdays x 12 h = 264 h', () => {
    // 1 March 2026 is a Sunday: weekends are 1,7,8,14,15,21,22,28,29 (9 days), 31 - 9 = 22 weekdays.
    // The switch (Sun 29 March, 02:00 -> 03:00) falls outside the weekday window, so no hour is lost.
    expect(scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026, 3)).toBe(264);
  });

  test('July 2026, a 31-day month with 23 weekdays: 23 x 12 h = 276 h', () => {
    // 1 July 2026 is a Wednesday: 4 full weeks (20 weekdays) + Wed 29, Thu 30, Fri 31 = 23.
    expect(scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026, 7)).toBe(276);
  });

  test('February 2026, 28 days from a Sunday: 20 weekdays x 12 h = 240 h', () => {
    expect(scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026, 2)).toBe(240);
  });

  test('a period spanning the spring switch loses the skipped hour (Berlin, March 2026)', () => {
    // Sundays 1, 8, 15, 22, 29 x 6 h = 30 h; on 29 March clocks jump 02:00 -> 03:00, so 30 - 1 = 29 h.
    expect(scheduledHoursInMonth(sundayNight('Europe/Berlin'), 2026, 3)).toBe(29);
  });

  test('a period spanning the autumn switch gains the repeated hour (Berlin, October 2026)', () => {
    // Sundays 4, 11, 18, 25 x 6 h = 24 h; on 25 October clocks go 03:00 -> 02:00, so 24 + 1 = 25 h.
    expect(scheduledHoursInMonth(sundayNight('Europe/Berlin'), 2026, 10)).toBe(25);
  });

  test('the switch date follows the time zone: New York springs forward on 8 March 2026', () => {
    expect(scheduledHoursInMonth(sundayNight('America/New_York'), 2026, 3)).toBe(29);
    // Berlin's February has no switch: Sundays 1, 8, 15, 22 x 6 h.
    expect(scheduledHoursInMonth(sundayNight('Europe/Berlin'), 2026, 2)).toBe(24);
  });

  test('UTC has no switch: 5 Sundays x 6 h = 30 h in March 2026', () => {
    expect(scheduledHoursInMonth(sundayNight('UTC'), 2026, 3)).toBe(30);
  });

  test('several periods add up, minutes included', () => {
    const split: ScheduleConfig = {
      timeZone: 'Europe/Berlin',
      periods: [
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:30', end: '12:00' },
        { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '13:00', end: '20:00' },
        { days: ['SAT'], start: '10:00', end: '10:45' },
      ],
    };
    // July 2026: 23 weekdays x (3.5 + 7) h = 241.5 h; Saturdays 4, 11, 18, 25 x 0.75 h = 3 h. Total 244.5 h.
    expect(scheduledHoursInMonth(split, 2026, 7)).toBe(244.5);
  });

  test('rejects an invalid schedule, month or year', () => {
    expect(() => scheduledHoursInMonth({ ...WEEKDAYS_8_TO_20, timeZone: 'Mars/Base' }, 2026, 3)).toThrow(
      new ScheduleConfigError([
        '(environment).schedule.timeZone (Mars/Base) must be an IANA time zone name such as Europe/Berlin or America/New_York',
      ]),
    );
    expect(() => averageScheduledHoursPerMonth({ ...WEEKDAYS_8_TO_20, periods: [] }, 2026, 'staging')).toThrow(
      'staging.schedule.periods ([]) must list at least one period',
    );
    expect(() => scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026, 13)).toThrow(
      'month (13) must be a whole number from 1 (January) to 12 (December)',
    );
    expect(() => scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026, 0)).toThrow('month (0) must be a whole number');
    expect(() => scheduledHoursInMonth(WEEKDAYS_8_TO_20, 2026.5, 1)).toThrow(
      'year (2026.5) must be a whole number from 1970 to 9999',
    );
  });
});

describe('scheduledHoursInMonth across midnight (issue 9, defect 10)', () => {
  const tz = 'Europe/Berlin';
  const saturdayNights: ScheduleConfig = { timeZone: tz, periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }] };

  test('weekdays 00:00-24:00, March 2026: 22 weekdays x 24 h = 528 h', () => {
    expect(scheduledHoursInMonth({ timeZone: tz, periods: [{ days: [...WEEKDAYS_MON_FRI], start: '00:00', end: '24:00' }] }, 2026, 3)).toBe(528);
  });

  test('MON + TUE 00:00-24:00 as two periods, July 2026: 8 days x 24 h = 192 h', () => {
    const monTue: ScheduleConfig = {
      timeZone: tz,
      periods: [{ days: ['MON'], start: '00:00', end: '24:00' }, { days: ['TUE'], start: '00:00', end: '24:00' }],
    };
    expect(scheduledHoursInMonth(monTue, 2026, 7)).toBe(192);
  });

  test('a wrapping period counts in the month each of its hours falls in (January 2026 ends on a Saturday night)', () => {
    // Saturdays 3, 10, 17, 24 x 8 h = 32 h, plus Sat 31 Jan 22:00-24:00 = 2 h; its other 6 h are February's.
    expect(scheduledHoursInMonth(saturdayNights, 2026, 1)).toBe(34);
    // 1 Feb 00:00-06:00 = 6 h, Saturdays 7, 14, 21 x 8 h = 24 h, Sat 28 Feb 22:00-24:00 = 2 h.
    expect(scheduledHoursInMonth(saturdayNights, 2026, 2)).toBe(32);
  });

  test('a wrapping period loses the hour clocks skip and gains the hour they repeat', () => {
    // 1 Mar 00:00-06:00 = 6 h, Saturdays 7, 14, 21 x 8 h, Sat 28 -> Sun 29 March (02:00 -> 03:00) = 7 h.
    expect(scheduledHoursInMonth(saturdayNights, 2026, 3)).toBe(6 + 24 + 7);
    // Saturdays 3, 10, 17 x 8 h, Sat 24 -> Sun 25 October (03:00 -> 02:00) = 9 h, Sat 31 Oct 22:00-24:00 = 2 h.
    expect(scheduledHoursInMonth(saturdayNights, 2026, 10)).toBe(24 + 9 + 2);
  });

  test('overlapping periods are counted once', () => {
    const overlapping: ScheduleConfig = {
      timeZone: tz,
      periods: [{ days: ['MON'], start: '08:00', end: '12:00' }, { days: ['MON'], start: '11:00', end: '14:00' }],
    };
    // July 2026 Mondays 6, 13, 20, 27 x 6 h (08:00-14:00), not x 7 h.
    expect(scheduledHoursInMonth(overlapping, 2026, 7)).toBe(24);
  });

  test('always on: every hour of the month, daylight saving included', () => {
    const always: ScheduleConfig = { timeZone: tz, periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '24:00' }] };
    expect(scheduledHoursInMonth(always, 2026, 3)).toBe(743);
    expect(scheduledHoursInMonth(always, 2026, 10)).toBe(745);
    expect(averageScheduledHoursPerMonth(always, 2026)).toBe(730);
  });
});

describe('averageScheduledHoursPerMonth', () => {
  test('2026, weekdays 08:00-20:00: 261 weekdays x 12 h / 12 months = 261 h', () => {
    // 2026 starts on a Thursday and has 365 days: 52 weeks (260 weekdays) + Thu 31 Dec = 261 weekdays.
    expect(averageScheduledHoursPerMonth(WEEKDAYS_8_TO_20, 2026)).toBe(261);
  });

  test('DST gains and losses cancel over a year for a period spanning both switches', () => {
    // 2026 has 52 Sundays x 6 h = 312 h; -1 h in March, +1 h in October; 312 / 12 = 26 h.
    expect(averageScheduledHoursPerMonth(sundayNight('Europe/Berlin'), 2026)).toBe(26);
  });
});

describe('capacityHoursInMonth: hours at each minimum capacity, counted like the up-time', () => {
  const tz = 'Europe/Berlin';
  const bounds = { minCapacity: 1, maxCapacity: 6 };
  const coreHours: ScheduleConfig = { ...WEEKDAYS_8_TO_20, capacity: [{ days: [...WEEKDAYS_MON_FRI], start: '09:00', end: '17:00', minCapacity: 3 }] };
  const total = (levels: Array<{ hours: number }>) => levels.reduce((a, l) => a + l.hours, 0);

  test('March 2026, weekdays 08:00-20:00 with min 3 from 09:00 to 17:00: 22 x 4 h at min 1, 22 x 8 h at min 3', () => {
    const levels = capacityHoursInMonth(coreHours, bounds, 2026, 3);
    expect(levels).toEqual([{ minCapacity: 1, hours: 88 }, { minCapacity: 3, hours: 176 }]);
    expect(total(levels)).toBe(scheduledHoursInMonth(coreHours, 2026, 3));
  });

  test('a level spanning the spring switch loses the skipped hour, one spanning the autumn switch gains the repeated hour', () => {
    const nights: ScheduleConfig = {
      timeZone: tz,
      periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }],
      capacity: [{ days: ['SUN'], start: '01:00', end: '04:00', minCapacity: 3 }],
    };
    // March: Sundays 1, 8, 15, 22 x 3 h + 29 March (02:00 -> 03:00) 2 h = 14 h at min 3, the other 23 of 37 h at min 1.
    expect(capacityHoursInMonth(nights, bounds, 2026, 3)).toEqual([{ minCapacity: 1, hours: 23 }, { minCapacity: 3, hours: 14 }]);
    // October: Sundays 4, 11, 18 x 3 h + 25 October (03:00 -> 02:00) 4 h = 13 h at min 3, the other 22 of 35 h at min 1.
    expect(capacityHoursInMonth(nights, bounds, 2026, 10)).toEqual([{ minCapacity: 1, hours: 22 }, { minCapacity: 3, hours: 13 }]);
    expect(scheduledHoursInMonth(nights, 2026, 10)).toBe(35);
  });

  test('a level boundary the spring switch skips: both sides take the same instant, so the levels still add up', () => {
    const sunday: ScheduleConfig = {
      timeZone: tz,
      periods: [{ days: ['SUN'], start: '00:00', end: '06:00' }],
      capacity: [{ days: ['SUN'], start: '02:30', end: '06:00', minCapacity: 2 }],
    };
    // 29 March: 02:30 does not exist; luxon takes 03:30 (as clocks do), so 00:00-03:30 is 2.5 h at min 1 and 2.5 h at min 2.
    const levels = capacityHoursInMonth(sunday, bounds, 2026, 3);
    expect(levels).toEqual([{ minCapacity: 1, hours: 4 * 2.5 + 2.5 }, { minCapacity: 2, hours: 4 * 3.5 + 2.5 }]);
    expect(total(levels)).toBe(scheduledHoursInMonth(sunday, 2026, 3));
  });

  test('always on with a weekday level: the rest of the month at the usual minimum', () => {
    const always: ScheduleConfig = {
      timeZone: tz,
      periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '24:00' }],
      capacity: [{ days: [...WEEKDAYS_MON_FRI], start: '08:00', end: '20:00', minCapacity: 4 }],
    };
    // March 2026 has 743 h (the spring switch); 22 weekdays x 12 h = 264 h at min 4.
    expect(capacityHoursInMonth(always, bounds, 2026, 3)).toEqual([{ minCapacity: 1, hours: 479 }, { minCapacity: 4, hours: 264 }]);
  });

  test('without levels: every up hour at the usual minimum', () => {
    expect(capacityHoursInMonth(WEEKDAYS_8_TO_20, bounds, 2026, 3)).toEqual([{ minCapacity: 1, hours: 264 }]);
    const always: ScheduleConfig = { timeZone: tz, periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '24:00' }] };
    expect(capacityHoursInMonth(always, bounds, 2026, 10)).toEqual([{ minCapacity: 1, hours: 745 }]);
  });

  test('the year\'s average per level adds up to the average up-time (2026: 261 h = 87 h at min 1 + 174 h at min 3)', () => {
    const levels = averageCapacityHoursPerMonth(coreHours, bounds, 2026);
    expect(levels).toEqual([{ minCapacity: 1, hours: 87 }, { minCapacity: 3, hours: 174 }]);
    expect(total(levels)).toBe(averageScheduledHoursPerMonth(coreHours, 2026));
  });

  test('rejects invalid levels, naming the environment', () => {
    expect(() => capacityHoursInMonth({ ...coreHours, capacity: [{ days: ['MON'], start: '09:00', end: '17:00', minCapacity: 8 }] }, bounds, 2026, 3, 'staging'))
      .toThrow('staging.schedule.capacity[0].minCapacity (8) must be <= fleet.maxSize (6)');
  });
});
