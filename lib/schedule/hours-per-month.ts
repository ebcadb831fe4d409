import { DateTime } from 'luxon';
import { CapacityBounds, CapacityBoundNames, CONFIG_BOUND_NAMES, weeklyCapacity } from '../shared/capacity-levels';
import { MINUTES_PER_DAY, ScheduleConfigError, UpWindow, WEEKDAYS, WeeklySchedule, weeklyUpTime, weekPoint } from '../shared/weekly-schedule';

/** Hours a month the fleet is up at one minimum capacity. */
export interface CapacityHours {
  readonly minCapacity: number;
  readonly hours: number;
}

function monthBounds(zone: string, year: number, month: number): { monthStart: DateTime; monthEnd: DateTime } {
  if (!Number.isInteger(year) || year < 1970 || year > 9999) {
    throw new ScheduleConfigError([`year (${year}) must be a whole number from 1970 to 9999`]);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new ScheduleConfigError([`month (${month}) must be a whole number from 1 (January) to 12 (December)`]);
  }
  const monthStart = DateTime.fromObject({ year, month, day: 1 }, { zone });
  return { monthStart, monthEnd: monthStart.plus({ months: 1 }) };
}

/**
 * Real elapsed hours of weekly intervals (minutes of the week, shorter than a week) in one calendar month of `zone`.
 * Each boundary is one wall time, so intervals that touch share the instant and tile a window exactly, across a
 * daylight-saving switch too.
 */
function intervalHoursInMonth(intervals: readonly UpWindow[], monthStart: DateTime, monthEnd: DateTime): number {
  // luxon moves a wall time that the spring switch skips forward by the gap, as clocks do.
  const at = (date: DateTime, minuteOfDay: number) =>
    date.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 });
  let ms = 0;
  // Intervals are at most a week long, so those that reach into this month start at most 7 days before it.
  for (let date = monthStart.minus({ days: 7 }).startOf('day'); date < monthEnd; date = date.plus({ days: 1 })) {
    for (const w of intervals) {
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
  const { monthStart, monthEnd } = monthBounds(schedule.timeZone, year, month);
  if (up.alwaysOn) return monthEnd.diff(monthStart, 'hours').hours;
  return intervalHoursInMonth(up.windows, monthStart, monthEnd);
}

/** Mean of `scheduledHoursInMonth` over the 12 months of `year`. */
export function averageScheduledHoursPerMonth(schedule: WeeklySchedule, year: number, envName = '(environment)'): number {
  let total = 0;
  for (let month = 1; month <= 12; month++) total += scheduledHoursInMonth(schedule, year, month, envName);
  return total / 12;
}

/**
 * The capacity profile of one calendar month: hours the fleet is up at each minimum capacity (`bounds.minCapacity`
 * outside the levels), lowest minimum first, counted like `scheduledHoursInMonth` over the segments the scheduled
 * actions come from (`weeklyCapacity`), so the levels' hours add up to the month's up-time, DST switches included.
 *
 * @throws ScheduleConfigError when the schedule, its levels or the month are invalid
 */
export function capacityHoursInMonth(
  schedule: WeeklySchedule,
  bounds: CapacityBounds,
  year: number,
  month: number,
  envName = '(environment)',
  names: CapacityBoundNames = CONFIG_BOUND_NAMES,
): CapacityHours[] {
  const week = weeklyCapacity(schedule, bounds, envName, names);
  const { monthStart, monthEnd } = monthBounds(schedule.timeZone, year, month);
  if (week.windows.length === 0) return [{ minCapacity: bounds.minCapacity, hours: monthEnd.diff(monthStart, 'hours').hours }];
  const segments = week.windows.flatMap((w) => w.segments);
  const levels = [...new Set(segments.map((s) => s.minCapacity))].sort((a, b) => a - b);
  return levels.map((minCapacity) => ({
    minCapacity,
    hours: intervalHoursInMonth(segments.filter((s) => s.minCapacity === minCapacity), monthStart, monthEnd),
  }));
}

/** Mean of `capacityHoursInMonth` over the 12 months of `year`, per minimum capacity. */
export function averageCapacityHoursPerMonth(
  schedule: WeeklySchedule,
  bounds: CapacityBounds,
  year: number,
  envName = '(environment)',
  names: CapacityBoundNames = CONFIG_BOUND_NAMES,
): CapacityHours[] {
  const totals = new Map<number, number>();
  for (let month = 1; month <= 12; month++) {
    for (const l of capacityHoursInMonth(schedule, bounds, year, month, envName, names)) {
      totals.set(l.minCapacity, (totals.get(l.minCapacity) ?? 0) + l.hours);
    }
  }
  return [...totals].sort(([a], [b]) => a - b).map(([minCapacity, hours]) => ({ minCapacity, hours: hours / 12 }));
}
