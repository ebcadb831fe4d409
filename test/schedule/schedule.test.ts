import type { ScheduleConfig } from '../../config/types';
import {
  averageScheduledHoursPerMonth,
  ScheduleConfigError,
  scheduledHoursInMonth,
  validateSchedule,
} from '../../lib/schedule';

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

  test('end before start, and end equal to start', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON'], start: '08:00', end: '07:00' },
          { days: ['TUE'], start: '09:00', end: '09:00' },
        ],
      }),
    ).toEqual([
      'staging.schedule.periods[0].end (07:00) must be after start (08:00) on the same day; split a period that crosses midnight into two',
      'staging.schedule.periods[1].end (09:00) must be after start (09:00) on the same day; split a period that crosses midnight into two',
    ]);
  });

  test.each(['8:00', '24:00', '12:60', '0800', '08:00:00', ''])('malformed time %p', (bad) => {
    expect(
      validateSchedule('staging', { timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: bad, end: '20:00' }] }),
    ).toEqual([`staging.schedule.periods[0].start (${bad}) must be HH:MM, 24-hour, 00:00-23:59`]);
    expect(
      validateSchedule('staging', { timeZone: 'Europe/Berlin', periods: [{ days: ['MON'], start: '08:00', end: bad }] }),
    ).toEqual([`staging.schedule.periods[0].end (${bad}) must be HH:MM, 24-hour, 00:00-23:59`]);
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

  test('overlapping periods on a shared day', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON', 'TUE'], start: '08:00', end: '12:00' },
          { days: ['TUE', 'WED'], start: '11:00', end: '14:00' },
        ],
      }),
    ).toEqual([
      'staging.schedule.periods[1] (11:00-14:00) overlaps periods[0] (08:00-12:00) on TUE; periods on the same day must leave a gap: merge them into one period',
    ]);
  });

  test('touching periods would fire a stop and a start at the same minute', () => {
    expect(
      validateSchedule('staging', {
        timeZone: 'Europe/Berlin',
        periods: [
          { days: ['MON'], start: '12:00', end: '20:00' },
          { days: ['MON'], start: '08:00', end: '12:00' },
        ],
      }),
    ).toEqual([
      'staging.schedule.periods[1] (08:00-12:00) touches periods[0] (12:00-20:00) on MON; periods on the same day must leave a gap: merge them into one period',
    ]);
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
      'prod.schedule.periods[0].end (25:00) must be HH:MM, 24-hour, 00:00-23:59',
    ]);
    expect(validateSchedule('prod', {} as ScheduleConfig)).toEqual([
      'prod.schedule.timeZone (undefined) must be an IANA time zone name such as Europe/Berlin or America/New_York',
      'prod.schedule.periods (undefined) must list at least one period; to keep the fleet always on, remove the schedule',
    ]);
  });
});
