import { DateTime, IANAZone } from 'luxon';
import type { ScheduleConfig, SchedulePeriodConfig, Weekday } from '../../config/types';

/** Thrown when a schedule that failed validation is used; the message lists every problem, one a line. */
export class ScheduleConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid schedule:\n  ${problems.join('\n  ')}`);
    this.name = 'ScheduleConfigError';
  }
}

export const WEEKDAYS: readonly Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** luxon's ISO weekday (1 = Monday ... 7 = Sunday) for each config weekday. */
const ISO_WEEKDAY: Readonly<Record<Weekday, number>> = { MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6, SUN: 7 };

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Whole numbers as runs of consecutive values, ascending, duplicates dropped: `[4, 0, 1, 2]` -> `[[0, 2], [4, 4]]`.
 * How days collapse into ranges, both in the cron expressions and in a schedule's description.
 */
export function consecutiveRuns(values: readonly number[]): Array<readonly [number, number]> {
  const runs: Array<[number, number]> = [];
  for (const v of [...new Set(values)].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

/** Minutes after local midnight of a valid `HH:MM`. */
export function minutesOfDay(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new ScheduleConfigError([`time (${hhmm}) must be HH:MM, 24-hour, 00:00-23:59`]);
  return Number(m[1]) * 60 + Number(m[2]);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Checks a schedule and returns one message per problem (empty when valid). Never throws, so config validation
 * can collect these with every other config problem. Each message names `<env>.schedule.<field>`, the value and
 * the rule.
 */
export function validateSchedule(envName: string, schedule: ScheduleConfig): string[] {
  const at = `${envName}.schedule`;
  const problems: string[] = [];
  const tz: unknown = schedule?.timeZone;
  if (typeof tz !== 'string' || !IANAZone.isValidZone(tz)) {
    problems.push(`${at}.timeZone (${show(tz)}) must be an IANA time zone name such as Europe/Berlin or America/New_York`);
  } else {
    // Intl accepts any case, Auto Scaling wants the canonical spelling.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    if (resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
      problems.push(`${at}.timeZone (${tz}) must be spelled exactly as in the IANA database: use ${resolved}`);
    }
  }

  const periods: unknown = schedule?.periods;
  if (!Array.isArray(periods) || periods.length === 0) {
    problems.push(
      `${at}.periods (${show(periods)}) must list at least one period; to keep the fleet always on, remove the schedule`,
    );
    return problems;
  }

  // Valid periods, by day, for the overlap check.
  const windows: { index: number; day: Weekday; start: number; end: number; text: string }[] = [];
  periods.forEach((p: SchedulePeriodConfig, i: number) => {
    const pat = `${at}.periods[${i}]`;
    const days: unknown = p?.days;
    let validDays: Weekday[] = [];
    if (!Array.isArray(days) || days.length === 0) {
      problems.push(`${pat}.days (${show(days)}) must list at least one of ${WEEKDAYS.join(', ')}`);
    } else {
      days.forEach((d: unknown, j: number) => {
        if (!WEEKDAYS.includes(d as Weekday)) {
          problems.push(`${pat}.days[${j}] (${show(d)}) must be one of ${WEEKDAYS.join(', ')}`);
        } else if (days.indexOf(d) !== j) {
          problems.push(`${pat}.days[${j}] (${show(d)}) is listed twice; list each day once`);
        }
      });
      validDays = [...new Set(days.filter((d): d is Weekday => WEEKDAYS.includes(d as Weekday)))];
    }
    const startOk = typeof p?.start === 'string' && HH_MM.test(p.start);
    const endOk = typeof p?.end === 'string' && HH_MM.test(p.end);
    if (!startOk) problems.push(`${pat}.start (${show(p?.start)}) must be HH:MM, 24-hour, 00:00-23:59`);
    if (!endOk) problems.push(`${pat}.end (${show(p?.end)}) must be HH:MM, 24-hour, 00:00-23:59`);
    if (!startOk || !endOk) return;
    const start = minutesOfDay(p.start);
    const end = minutesOfDay(p.end);
    if (end <= start) {
      problems.push(
        `${pat}.end (${p.end}) must be after start (${p.start}) on the same day; split a period that crosses midnight into two`,
      );
      return;
    }
    for (const day of validDays) windows.push({ index: i, day, start, end, text: `${p.start}-${p.end}` });
  });

  // Overlapping or touching windows would give start and stop actions at the same moment, which fight.
  const reported = new Set<string>();
  for (const a of windows) {
    for (const b of windows) {
      if (b.index <= a.index || a.day !== b.day || a.start > b.end || b.start > a.end) continue;
      const key = `${a.index}/${b.index}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const touching = a.end === b.start || b.end === a.start;
      problems.push(
        `${at}.periods[${b.index}] (${b.text}) ${touching ? 'touches' : 'overlaps'} periods[${a.index}] (${a.text}) on ${a.day}; ` +
          'periods on the same day must leave a gap: merge them into one period',
      );
    }
  }
  return problems;
}

function assertValid(schedule: ScheduleConfig, envName: string): void {
  const problems = validateSchedule(envName, schedule);
  if (problems.length > 0) throw new ScheduleConfigError(problems);
}

/**
 * Hours the schedule keeps the fleet up in one calendar month of its time zone, in real elapsed hours: a period
 * spanning a daylight-saving switch counts the hour that clocks skip or repeat.
 *
 * @param month 1-12
 * @param envName names the environment in error messages
 * @throws ScheduleConfigError when the schedule or the month is invalid
 */
export function scheduledHoursInMonth(
  schedule: ScheduleConfig,
  year: number,
  month: number,
  envName = '(environment)',
): number {
  assertValid(schedule, envName);
  if (!Number.isInteger(year) || year < 1970 || year > 9999) {
    throw new ScheduleConfigError([`year (${year}) must be a whole number from 1970 to 9999`]);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new ScheduleConfigError([`month (${month}) must be a whole number from 1 (January) to 12 (December)`]);
  }
  const zone = schedule.timeZone;
  const first = DateTime.fromObject({ year, month, day: 1 }, { zone });
  let minutes = 0;
  for (let day = 1; day <= (first.daysInMonth ?? 0); day++) {
    const date = first.set({ day });
    for (const p of schedule.periods) {
      if (!p.days.some((d) => ISO_WEEKDAY[d] === date.weekday)) continue;
      const s = minutesOfDay(p.start);
      const e = minutesOfDay(p.end);
      // luxon moves a wall time that the spring switch skips forward by the gap, as clocks do.
      const from = date.set({ hour: Math.floor(s / 60), minute: s % 60 });
      const to = date.set({ hour: Math.floor(e / 60), minute: e % 60 });
      minutes += to.diff(from, 'minutes').minutes;
    }
  }
  return minutes / 60;
}

/** Mean of `scheduledHoursInMonth` over the 12 months of `year`. */
export function averageScheduledHoursPerMonth(schedule: ScheduleConfig, year: number, envName = '(environment)'): number {
  let total = 0;
  for (let month = 1; month <= 12; month++) total += scheduledHoursInMonth(schedule, year, month, envName);
  return total / 12;
}
