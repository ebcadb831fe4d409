import { DateTime } from 'luxon';
import { MINUTES_PER_DAY, ScheduleConfigError, WEEKDAYS, WeeklySchedule, weeklyUpTime, weekPoint } from '../shared/weekly-schedule';

/**
 * Hours the schedule keeps the fleet up in one calendar month of its time zone, in real elapsed hours: a period
 * spanning a daylight-saving switch counts the hour that clocks skip or repeat. Up-time is the merged windows of
 * `weeklyUpTime` (the scheduled actions' own), so a window across midnight or the month's end counts in the month it
 * falls in.
 *
 * @param month 1-12
 * @param envName names the environment in error messages
 * @throws ScheduleConfigError when the schedule or the month is invalid
 */
export function scheduledHoursInMonth(
  schedule: WeeklySchedule,
  year: number,
  month: number,
  envName = '(environment)',
): number {
  const up = weeklyUpTime(schedule, envName);
  if (!Number.isInteger(year) || year < 1970 || year > 9999) {
    throw new ScheduleConfigError([`year (${year}) must be a whole number from 1970 to 9999`]);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new ScheduleConfigError([`month (${month}) must be a whole number from 1 (January) to 12 (December)`]);
  }
  const zone = schedule.timeZone;
  const monthStart = DateTime.fromObject({ year, month, day: 1 }, { zone });
  const monthEnd = monthStart.plus({ months: 1 });
  if (up.alwaysOn) return monthEnd.diff(monthStart, 'hours').hours;

  // luxon moves a wall time that the spring switch skips forward by the gap, as clocks do.
  const at = (date: DateTime, minuteOfDay: number) =>
    date.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 });
  let ms = 0;
  // Windows are shorter than a week, so those that reach into this month start at most 7 days before it.
  for (let date = monthStart.minus({ days: 7 }).startOf('day'); date < monthEnd; date = date.plus({ days: 1 })) {
    for (const w of up.windows) {
      const start = weekPoint(w.start);
      if (WEEKDAYS[date.weekday - 1] !== start.day) continue;
      const end = weekPoint(w.end);
      const days = Math.floor(w.end / MINUTES_PER_DAY) - Math.floor(w.start / MINUTES_PER_DAY);
      const from = DateTime.max(at(date, start.minuteOfDay), monthStart);
      const to = DateTime.min(at(date.plus({ days }), end.minuteOfDay), monthEnd);
      if (to > from) ms += to.toMillis() - from.toMillis();
    }
  }
  return ms / 3_600_000;
}

/** Mean of `scheduledHoursInMonth` over the 12 months of `year`. */
export function averageScheduledHoursPerMonth(schedule: WeeklySchedule, year: number, envName = '(environment)'): number {
  let total = 0;
  for (let month = 1; month <= 12; month++) total += scheduledHoursInMonth(schedule, year, month, envName);
  return total / 12;
}
