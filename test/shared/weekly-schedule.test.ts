import { validateSchedule, WeeklySchedule, weeklyUpTime } from '../../lib/shared/weekly-schedule';

// The schedule's semantics, which config validation, the ScaleToZeroSchedule construct and the cost estimate share.
type ScheduleConfig = WeeklySchedule;
const WEEKDAYS_MON_FRI = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
const DAY = 24 * 60;

const WEEKDAYS_8_TO_20: ScheduleConfig = {
  timeZone: 'Europe/Berlin',
  periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '20:00' }],
};

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
