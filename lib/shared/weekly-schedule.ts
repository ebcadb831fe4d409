import { IANAZone } from 'luxon';
import { GpuFleetError } from './errors';

// What a weekly schedule means, in one place: config validation (config/), the ScaleToZeroSchedule construct
// (lib/schedule) and the cost estimate's hours per month (lib/schedule, via lib/stacks) all read it from here, so the
// scheduled actions, the validation messages and the hours the report prices cannot disagree.

/** A day of the week as schedules spell it. */
export type DayOfWeek = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

/** A window during which the fleet runs; outside every window the schedule takes it to zero. */
export interface SchedulePeriod {
  /** The days the period starts on. */
  readonly days: readonly DayOfWeek[];
  /** `HH:MM`, 24-hour, `00:00`-`23:59`, local to the schedule's time zone. */
  readonly start: string;
  /**
   * `HH:MM`, `00:00`-`24:00`. `24:00` is the end of the start day; an end at or before `start` (e.g. `22:00`-`06:00`)
   * is on the next day.
   */
  readonly end: string;
}

/**
 * A minimum capacity held for part of the up-time: on each of `days` from `start` to `end` (the same times as a
 * period's, in the schedule's time zone), the group's minimum is `minCapacity` instead of its usual one.
 * lib/shared/capacity-levels.ts holds the rules and the week's capacity they give.
 */
export interface CapacityLevel extends SchedulePeriod {
  /** The group's minimum during the level: above the usual minimum, at most the maximum. */
  readonly minCapacity: number;
}

/** When a fleet runs, week by week, in one IANA time zone. */
export interface WeeklySchedule {
  /** IANA time zone, e.g. `Europe/Berlin`; Auto Scaling applies its daylight saving. */
  readonly timeZone: string;
  /** Periods that touch or overlap are merged: the fleet runs through from the first start to the last end. */
  readonly periods: readonly SchedulePeriod[];
  /**
   * Minimum capacity by time of day: levels inside the periods' up-time that raise the group's minimum, none
   * overlapping another. Outside every level the fleet is up at its usual minimum.
   * @default - no levels: the usual minimum whenever the fleet is up
   */
  readonly capacity?: readonly CapacityLevel[];
}

/** Thrown when a schedule that failed validation is used; the message lists every problem, one a line. */
export class ScheduleConfigError extends GpuFleetError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid schedule:\n  ${problems.join('\n  ')}`);
    this.name = 'ScheduleConfigError';
  }
}

/** Monday first, as the week's minutes are counted. */
export const WEEKDAYS: readonly DayOfWeek[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

export const MINUTES_PER_DAY = 24 * 60;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const START_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

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

/** `[MON, TUE, WED, FRI]` -> `MON-WED,FRI`: consecutive days as a range, Monday first. */
export function describeDays(days: readonly DayOfWeek[]): string {
  return consecutiveRuns(days.map((d) => WEEKDAYS.indexOf(d)))
    .map(([from, to]) => (from === to ? WEEKDAYS[from] : `${WEEKDAYS[from]}-${WEEKDAYS[to]}`))
    .join(',');
}

/** `HH:MM` of a minute of the day (0-1439). */
export function clockTime(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** Minutes after local midnight of a valid `HH:MM` (`24:00` is 1440, the end of the day). */
export function minutesOfDay(hhmm: string): number {
  const m = END_TIME.exec(hhmm);
  if (!m) throw new ScheduleConfigError([`time (${hhmm}) must be HH:MM, 24-hour, 00:00-24:00`]);
  return Number(m[1] ?? m[3]) * 60 + Number(m[2] ?? m[4]);
}

/** `[day, minute of day]` of a minute of the week (0 = Monday 00:00). */
export function weekPoint(minuteOfWeek: number): { readonly day: DayOfWeek; readonly minuteOfDay: number } {
  const m = ((minuteOfWeek % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  return { day: WEEKDAYS[Math.floor(m / MINUTES_PER_DAY)], minuteOfDay: m % MINUTES_PER_DAY };
}

/** A stretch of up-time in minutes of the week from Monday 00:00; `end` may pass the week's end (it wraps to Monday). */
export interface UpWindow {
  /** 0 to one week, exclusive. */
  readonly start: number;
  /** After `start`, less than a week after it. */
  readonly end: number;
}

/** The week's up-time with touching and overlapping periods merged. */
export interface WeeklyUpTime {
  /** The periods cover the whole week: the fleet never goes to zero and no scheduled action is needed. */
  readonly alwaysOn: boolean;
  /** Merged windows, earliest start first (empty when `alwaysOn`). Each start is one start action, each end one stop. */
  readonly windows: readonly UpWindow[];
}

/** A window with the periods its start and end come from, for messages. */
interface TracedWindow {
  start: number;
  end: number;
  startPeriod: number;
  endPeriod: number;
}

/** One window per day of a period whose times are valid, Monday first: `start` within the week, `end` after it. */
export function dayWindows(p: SchedulePeriod): UpWindow[] {
  const s = minutesOfDay(p.start);
  let e = minutesOfDay(p.end);
  if (e <= s) e += MINUTES_PER_DAY; // ends on the next day
  return WEEKDAYS.filter((day) => p.days.includes(day)).map((day) => {
    const start = WEEKDAYS.indexOf(day) * MINUTES_PER_DAY + s;
    return { start, end: start + (e - s) };
  });
}

/** One window per (period, day) of a schedule whose times are valid. */
function rawWindows(periods: readonly SchedulePeriod[]): TracedWindow[] {
  return periods.flatMap((p, i) => dayWindows(p).map((w) => ({ ...w, startPeriod: i, endPeriod: i })));
}

/** Merges touching and overlapping windows on the circular week (Sunday night runs into Monday morning). */
function mergeWindows(raw: readonly TracedWindow[]): { alwaysOn: boolean; windows: TracedWindow[] } {
  const merged: TracedWindow[] = [];
  for (const w of [...raw].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = merged[merged.length - 1];
    if (last && w.start <= last.end) {
      if (w.end > last.end) Object.assign(last, { end: w.end, endPeriod: w.endPeriod });
    } else {
      merged.push({ ...w });
    }
  }
  // The last window may run past the week's end into the first ones (e.g. SUN 22:00-06:00 and MON 06:00-...).
  while (merged.length > 1) {
    const last = merged[merged.length - 1];
    const first = merged[0];
    if (last.end < first.start + MINUTES_PER_WEEK) break;
    if (first.end + MINUTES_PER_WEEK > last.end) Object.assign(last, { end: first.end + MINUTES_PER_WEEK, endPeriod: first.endPeriod });
    merged.shift();
  }
  const alwaysOn = merged.length === 1 && merged[0].end - merged[0].start >= MINUTES_PER_WEEK;
  return { alwaysOn, windows: alwaysOn ? [] : merged };
}

/**
 * The week's up-time of a valid schedule: every period on every one of its days, touching and overlapping ones merged,
 * so that no stop action falls between two periods that continue each other (MON 00:00-24:00 and TUE 00:00-24:00
 * run through Monday midnight).
 * @throws ScheduleConfigError when the schedule is invalid
 */
export function weeklyUpTime(schedule: WeeklySchedule, envName = '(environment)'): WeeklyUpTime {
  assertValid(schedule, envName);
  const { alwaysOn, windows } = mergeWindows(rawWindows(schedule.periods));
  return { alwaysOn, windows: windows.map(({ start, end }) => ({ start, end })) };
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The problems of one period's days and times (also a capacity level's, which has the same fields), each naming
 * `pat.<field>`; `timesValid` says whether its windows can be computed.
 */
export function periodProblems(pat: string, p: SchedulePeriod): { problems: string[]; timesValid: boolean } {
  const problems: string[] = [];
  let timesValid = true;
  const days: unknown = p?.days;
  if (!Array.isArray(days) || days.length === 0) {
    problems.push(`${pat}.days (${show(days)}) must list at least one of ${WEEKDAYS.join(', ')}`);
    timesValid = false;
  } else {
    days.forEach((d: unknown, j: number) => {
      if (!WEEKDAYS.includes(d as DayOfWeek)) {
        problems.push(`${pat}.days[${j}] (${show(d)}) must be one of ${WEEKDAYS.join(', ')}`);
        timesValid = false;
      } else if (days.indexOf(d) !== j) {
        problems.push(`${pat}.days[${j}] (${show(d)}) is listed twice; list each day once`);
      }
    });
  }
  const startOk = typeof p?.start === 'string' && START_TIME.test(p.start);
  const endOk = typeof p?.end === 'string' && END_TIME.test(p.end);
  if (!startOk) problems.push(`${pat}.start (${show(p?.start)}) must be HH:MM, 24-hour, 00:00-23:59`);
  if (!endOk) problems.push(`${pat}.end (${show(p?.end)}) must be HH:MM, 24-hour, 00:00-24:00 (24:00 is the end of the day)`);
  if (!startOk || !endOk) {
    timesValid = false;
  } else if (minutesOfDay(p.start) === minutesOfDay(p.end)) {
    problems.push(
      `${pat}.end (${p.end}) must differ from start (${p.start}); for a whole day write 00:00-24:00 ` +
        '(an end before the start, e.g. 22:00-06:00, ends on the next day)',
    );
    timesValid = false;
  }
  return { problems, timesValid };
}

/**
 * Checks a schedule and returns one message per problem (empty when valid). Never throws, so config validation
 * can collect these with every other config problem. Each message names `<env>.schedule.<field>`, the value and
 * the rule.
 */
export function validateSchedule(envName: string, schedule: WeeklySchedule): string[] {
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

  let timesValid = true;
  periods.forEach((p: SchedulePeriod, i: number) => {
    const checked = periodProblems(`${at}.periods[${i}]`, p);
    problems.push(...checked.problems);
    timesValid &&= checked.timesValid;
  });
  if (!timesValid) return problems;

  // A one-minute gap is a stop action (min = max = desired = 0: every host terminated) and a start a minute later.
  // It is what a period that cannot say 24:00 used to be written as (...-23:59 and 00:00-...), never a real pause,
  // so it is rejected with the way to write it rather than merged behind the user's back.
  const { windows } = mergeWindows(rawWindows(periods));
  const reported = new Set<string>();
  windows.forEach((w, i) => {
    const next = windows[(i + 1) % windows.length];
    const nextStart = next.start + (i + 1 === windows.length ? MINUTES_PER_WEEK : 0);
    if (nextStart - w.end !== 1) return;
    const key = `${w.endPeriod}/${next.startPeriod}`;
    if (reported.has(key)) return;
    reported.add(key);
    const end = periods[w.endPeriod].end;
    const { day, minuteOfDay } = weekPoint(next.start);
    const startText = periods[next.startPeriod].start;
    const fix = minuteOfDay === 0
      ? 'write end 24:00 to run through midnight (or one period that wraps, e.g. 22:00-06:00)'
      : `write end ${startText} to run through`;
    problems.push(
      `${at}.periods[${w.endPeriod}].end (${end}) stops the fleet one minute before periods[${next.startPeriod}] starts ` +
        `at ${startText} on ${day}: the stop action terminates every host and the start launches new ones; ${fix}`,
    );
  });
  return problems;
}

function assertValid(schedule: WeeklySchedule, envName: string): void {
  const problems = validateSchedule(envName, schedule);
  if (problems.length > 0) throw new ScheduleConfigError(problems);
}
