import { prod, staging } from '../../config/environments';
import { EnvironmentConfig } from '../../config/types';
import { environmentProblems } from '../../config/validate';

// schedule.capacity: minimum capacity by time of day. The shape in config/schema.ts, the rules from
// lib/shared/capacity-levels.ts (the construct's own check) with the fleet's sizes; every message asserted.

const CORE_HOURS = { days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '09:00', end: '17:00', minCapacity: 3 };
const withLevels = (capacity: unknown, base: EnvironmentConfig = staging): unknown => ({ ...base, schedule: { ...base.schedule!, capacity } });
const problems = (capacity: unknown, base?: EnvironmentConfig) => environmentProblems(withLevels(capacity, base));

describe('schedule.capacity', () => {
  test('staging with min 3 in core hours is valid; so is prod always on with a busier weekday level', () => {
    expect(problems([CORE_HOURS])).toEqual([]);
    expect(environmentProblems({
      ...prod,
      schedule: {
        timeZone: 'America/New_York',
        periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'], start: '00:00', end: '24:00' }],
        capacity: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '20:00', minCapacity: 4 }],
      },
    })).toEqual([]);
  });

  test('the shape: a list of strict levels with a whole minimum', () => {
    expect(problems([])).toEqual([
      'staging.schedule.capacity ([]) must list at least one level { days, start, end, minCapacity }; to run at fleet.minSize whenever the fleet is up, remove it',
    ]);
    expect(problems(CORE_HOURS)).toEqual([
      'staging.schedule.capacity ({"days":["MON","TUE","WED","THU","FRI"],"start":"09:00","...) must list capacity levels { days, start, end, minCapacity }',
    ]);
    expect(problems([{ ...CORE_HOURS, minCapacity: '3' }])).toEqual(['staging.schedule.capacity[0].minCapacity ("3") must be a whole number >= 0']);
    expect(problems([{ ...CORE_HOURS, minCapacity: 2.5 }])).toEqual(['staging.schedule.capacity[0].minCapacity (2.5) must be a whole number >= 0']);
    expect(problems([{ ...CORE_HOURS, days: ['MON', 'Tuesday'] }])).toEqual([
      'staging.schedule.capacity[0].days[1] ("Tuesday") must be one of MON, TUE, WED, THU, FRI, SAT, SUN',
    ]);
    const { minCapacity, ...noMin } = CORE_HOURS;
    expect(problems([{ ...noMin, minCapcity: minCapacity }])).toEqual([
      'staging.schedule.capacity[0].minCapacity (missing) must be a whole number >= 0',
      '`staging.schedule.capacity[0].minCapcity` is not a field; did you mean `minCapacity`?',
    ]);
  });

  test('times follow the periods\' rules', () => {
    expect(problems([{ ...CORE_HOURS, start: '9:00', end: '25:00' }])).toEqual([
      'staging.schedule.capacity[0].start (9:00) must be HH:MM, 24-hour, 00:00-23:59',
      'staging.schedule.capacity[0].end (25:00) must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)',
    ]);
  });

  test('within the fleet\'s sizes: above fleet.minSize, at most fleet.maxSize', () => {
    expect(problems([{ ...CORE_HOURS, minCapacity: 1 }])).toEqual([
      'staging.schedule.capacity[0].minCapacity (1) must be above fleet.minSize (1): the fleet runs at fleet.minSize outside its levels, so a level only raises the minimum (to run lower at other times, lower fleet.minSize)',
    ]);
    expect(problems([{ ...CORE_HOURS, minCapacity: 8 }])).toEqual([
      'staging.schedule.capacity[0].minCapacity (8) must be <= fleet.maxSize (6): Auto Scaling rejects a minimum above the maximum',
    ]);
  });

  test('inside the periods, and no two levels at once', () => {
    expect(problems([{ ...CORE_HOURS, end: '21:00' }])).toEqual([
      'staging.schedule.capacity[0] (MON-FRI 09:00-21:00) must lie inside the periods: the fleet is down at 20:00 on MON. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
    ]);
    expect(problems([CORE_HOURS, { days: ['FRI'], start: '12:00', end: '20:00', minCapacity: 5 }])).toEqual([
      'staging.schedule.capacity[1] (FRI 12:00-20:00) overlaps capacity[0] (MON-FRI 09:00-17:00) from 12:00 on FRI: each minute has one minimum, so levels must not overlap (one may end when the next starts)',
    ]);
  });

  test('every problem at once, one line each, after the other rules\' problems', () => {
    const env = withLevels([{ ...CORE_HOURS, minCapacity: 9 }, { days: ['SAT'], start: '10:00', end: '12:00', minCapacity: 2 }]);
    expect(environmentProblems({ ...(env as EnvironmentConfig), usage: { ...staging.usage, averageSpotInstances: 6 } })).toEqual([
      'staging.usage.averageSpotInstances (6) must be <= maxSize - onDemandBaseCapacity (5)',
      'staging.schedule.capacity[0].minCapacity (9) must be <= fleet.maxSize (6): Auto Scaling rejects a minimum above the maximum',
      'staging.schedule.capacity[1] (SAT 10:00-12:00) must lie inside the periods: the fleet is down at 10:00 on SAT. A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
    ]);
  });
});
