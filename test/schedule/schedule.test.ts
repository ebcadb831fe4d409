import {
  averageScheduledHoursPerMonth,
  ScheduleConfigError,
  scheduledHoursInMonth,
  validateSchedule,
  WeeklySchedule,
  weeklyUpTime,
} from '../../lib/schedule';

type ScheduleConfig = WeeklySchedule;
const WEEKDAYS_MON_FRI = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
const DAY = 24 * 60;

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

describe('weeklyUpTime: the merged windows the scheduled actions come from (minutes from Monday 00:00)', () => {
  const tz = 'Europe/Berlin';
  test('a weekday 24-hour window is one window from Monday 00:00 to Saturday 00:00', () => {
    expect(weeklyUpTime({ timeZone: tz, periods: [{ days: [...WEEKDAYS_MON_FRI], start: '00:00', end: '24:00' }] }))
      .toEqual({ alwaysOn: false, windows: [{ start: 0, end: 5 * DAY }] });
  });

  test('MON 00:00-24:00 followed by TUE 00:00-24:00 (two periods) run through Monday midnight', () => {
    expect(weeklyUpTime({
      timeZone: tz,
      periods: [{ days: ['MON'], start: '00:00', end: '24:00' }, { days: ['TUE'], start: '00:00', end: '24:00' }],
    })).toEqual({ alwaysOn: false, windows: [{ start: 0, end: 2 * DAY }] });
  });

  test('a period that wraps past midnight ends on the next day', () => {
    expect(weeklyUpTime({ timeZone: tz, periods: [{ days: ['SAT'], start: '22:00', end: '06:00' }] }))
      .toEqual({ alwaysOn: false, windows: [{ start: 5 * DAY + 22 * 60, end: 6 * DAY + 6 * 60 }] });
  });

  test('Sunday night runs into Monday morning across the week\'s end', () => {
    expect(weeklyUpTime({
      timeZone: tz,
      periods: [{ days: ['SUN'], start: '22:00', end: '06:00' }, { days: ['MON'], start: '06:00', end: '18:00' }],
    })).toEqual({ alwaysOn: false, windows: [{ start: 6 * DAY + 22 * 60, end: 7 * DAY + 18 * 60 }] });
  });

  test('overlapping and touching periods merge; separate ones stay apart', () => {
    expect(weeklyUpTime({
      timeZone: tz,
      periods: [
        { days: ['MON'], start: '08:00', end: '12:00' },
        { days: ['MON'], start: '11:00', end: '14:00' },
        { days: ['MON'], start: '14:00', end: '16:00' },
        { days: ['MON'], start: '17:00', end: '18:00' },
      ],
    }).windows).toEqual([{ start: 8 * 60, end: 16 * 60 }, { start: 17 * 60, end: 18 * 60 }]);
  });

  test('every day 00:00-24:00 is always on: no window, no action', () => {
    expect(weeklyUpTime({ timeZone: tz, periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '24:00' }] }))
      .toEqual({ alwaysOn: true, windows: [] });
  });

  test('throws for an invalid schedule', () => {
    expect(() => weeklyUpTime({ timeZone: tz, periods: [] }, 'dev')).toThrow('dev.schedule.periods ([]) must list at least one period');
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

describe('validateSchedule', () => {
  test('the shipped staging-like schedule is valid', () => {
    expect(validateSchedule('staging', WEEKDAYS_8_TO_20)).toEqual([]);
  });

  test('a bad time zone names environment, field, value and rule', () => {
    expect(validateSchedule('staging', { ...WEEKDAYS_8_TO_20, timeZone: 'Europe/Berlinn' })).toEqual([
      'staging.schedule.timeZone (Europe/Berlinn) must be an IANA time zone name such as Europe/Berlin or America/New_York',
    ]);
    expect(validateSchedule('dev', { ...WEEKDAYS_8_TO_20, timeZone: '+01:00' })).toEqual([
      'dev.schedule.timeZone (+01:00) must be an IANA time zone name such as Europe/Berlin or America/New_York',
    ]);
  });

  test('a time zone in the wrong case is rejected with the exact spelling', () => {
    expect(validateSchedule('staging', { ...WEEKDAYS_8_TO_20, timeZone: 'europe/berlin' })).toEqual([
      'staging.schedule.timeZone (europe/berlin) must be spelled exactly as in the IANA database: use Europe/Berlin',
    ]);
  });

  test('no periods', () => {
    expect(validateSchedule('staging', { timeZone: 'Europe/Berlin', periods: [] })).toEqual([
      'staging.schedule.periods ([]) must list at least one period; to keep the fleet always on, remove the schedule',
    ]);
  });

  test('an end equal to the start is rejected: a whole day is 00:00-24:00', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['TUE'], start: '09:00', end: '09:00' },
          { days: ['WED'], start: '00:00', end: '00:00' },
        ],
      }),
    ).toEqual([
      'staging.schedule.periods[0].end (09:00) must differ from start (09:00); for a whole day write 00:00-24:00 (an end before the start, e.g. 22:00-06:00, ends on the next day)',
      'staging.schedule.periods[1].end (00:00) must differ from start (00:00); for a whole day write 00:00-24:00 (an end before the start, e.g. 22:00-06:00, ends on the next day)',
    ]);
  });

  test('24:00 ends a period at midnight and an end before the start wraps into the next day (issue 9, defect 10)', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: [...WEEKDAYS_MON_FRI], start: '08:00', end: '24:00' },
          { days: ['SAT'], start: '22:00', end: '06:00' },
        ],
      }),
    ).toEqual([]);
  });

  test.each(['8:00', '24:00', '12:60', '0800', '08:00:00', ''])('malformed start %p', (bad) => {
    expect(
      validateSchedule('staging', { timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: bad, end: '20:00' }] }),
    ).toEqual([`staging.schedule.periods[0].start (${bad}) must be HH:MM, 24-hour, 00:00-23:59`]);
  });

  test.each(['8:00', '24:01', '25:00', '12:60', '0800', '08:00:00', ''])('malformed end %p', (bad) => {
    expect(
      validateSchedule('staging', { timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: '08:00', end: bad }] }),
    ).toEqual([`staging.schedule.periods[0].end (${bad}) must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)`]);
  });

  test('a split at 23:59 / 00:00 is rejected with the way to write it: 24:00 (issue 9, defect 10)', () => {
    // What users wrote while 24:00 was rejected: the stop at 23:59 sets min = max = desired = 0 every night.
    expect(
      validateSchedule('dev', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['FRI'], start: '18:00', end: '23:59' },
          { days: ['SAT'], start: '00:00', end: '06:00' },
        ],
      }),
    ).toEqual([
      'dev.schedule.periods[0].end (23:59) stops the fleet one minute before periods[1] starts at 00:00 on SAT: the stop action terminates every host and the start launches new ones; write end 24:00 to run through midnight (or one period that wraps, e.g. 22:00-06:00)',
    ]);
    // One period that ends at 23:59 every day and starts at 00:00 the next: reported once.
    expect(
      validateSchedule('dev', { timeZone: 'Europe/Berlin', periods: [{ days: [...WEEKDAYS_MON_FRI], start: '00:00', end: '23:59' }] }),
    ).toEqual([
      'dev.schedule.periods[0].end (23:59) stops the fleet one minute before periods[0] starts at 00:00 on TUE: the stop action terminates every host and the start launches new ones; write end 24:00 to run through midnight (or one period that wraps, e.g. 22:00-06:00)',
    ]);
  });

  test('a one-minute gap during the day is rejected too, naming the end to write', () => {
    expect(
      validateSchedule('dev', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON'], start: '08:00', end: '12:59' },
          { days: ['MON'], start: '13:00', end: '18:00' },
        ],
      }),
    ).toEqual([
      'dev.schedule.periods[0].end (12:59) stops the fleet one minute before periods[1] starts at 13:00 on MON: the stop action terminates every host and the start launches new ones; write end 13:00 to run through',
    ]);
  });

  test('a 23:59 end with nothing starting at midnight is a real stop and stays valid', () => {
    expect(validateSchedule('dev', { timeZone: 'Europe/Berlin', periods: [{ days: ['FRI'], start: '18:00', end: '23:59' }] })).toEqual([]);
  });

  test('days: empty, unknown and duplicated', () => {
    expect(
      validateSchedule('dev', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: [], start: '08:00', end: '20:00' },
          { days: ['MON', 'MONDAY' as never, 'MON'], start: '08:00', end: '20:00' },
        ],
      }),
    ).toEqual([
      'dev.schedule.periods[0].days ([]) must list at least one of MON, TUE, WED, THU, FRI, SAT, SUN',
      'dev.schedule.periods[1].days[1] (MONDAY) must be one of MON, TUE, WED, THU, FRI, SAT, SUN',
      'dev.schedule.periods[1].days[2] (MON) is listed twice; list each day once',
    ]);
  });

  test('overlapping and touching periods are valid: they are merged, not rejected', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON', 'TUE'], start: '08:00', end: '12:00' },
          { days: ['TUE', 'WED'], start: '11:00', end: '14:00' },
          { days: ['MON'], start: '12:00', end: '20:00' },
        ],
      }),
    ).toEqual([]);
  });

  test('the same hours on different days do not overlap', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON'], start: '08:00', end: '20:00' },
          { days: ['TUE'], start: '08:00', end: '20:00' },
        ],
      }),
    ).toEqual([]);
  });

  test('collects every problem instead of stopping at the first, and never throws on junk', () => {
    expect(
      validateSchedule('prod', {
        timeZone: 'Nowhere',
        periods: [{ days: ['SUN'], start: 'noon', end: '25:00' }],
      }),
    ).toEqual([
      'prod.schedule.timeZone (Nowhere) must be an IANA time zone name such as Europe/Berlin or America/New_York',
      'prod.schedule.periods[0].start (noon) must be HH:MM, 24-hour, 00:00-23:59',
      'prod.schedule.periods[0].end (25:00) must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)',
    ]);
    expect(validateSchedule('prod', {} as ScheduleConfig)).toEqual([
      'prod.schedule.timeZone (undefined) must be an IANA time zone name such as Europe/Berlin or America/New_York',
      'prod.schedule.periods (undefined) must list at least one period; to keep the fleet always on, remove the schedule',
    ]);
  });
});
