import {
  CapacityLevel, clockTime, dayWindows, describeDays, MINUTES_PER_WEEK, periodProblems, ScheduleConfigError, UpWindow, validateSchedule,
  WeeklySchedule, weeklyUpTime, weekPoint,
} from './weekly-schedule';

// What a schedule's capacity levels mean, in one place, like the periods in weekly-schedule.ts: config validation,
// the ScaleToZeroSchedule construct (its scheduled actions) and the capacity profile the cost estimate prices all
// read the week's capacity from here.

/** A stretch of up-time at one minimum capacity, in minutes of the week from Monday 00:00 (`end` may pass the week). */
export interface CapacitySegment extends UpWindow {
  readonly minCapacity: number;
}

/** An up window and the segments that tile it, earliest first; neighbouring segments differ in `minCapacity`. */
export interface CapacityWindow extends UpWindow {
  readonly segments: readonly CapacitySegment[];
}

/** The group's usual minimum and its maximum while the fleet is up. */
export interface CapacityBounds {
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/** How messages name the bounds: `fleet.minSize` in config, `upCapacity.minCapacity` for the construct. */
export interface CapacityBoundNames {
  readonly min: string;
  readonly max: string;
}

export const CONFIG_BOUND_NAMES: CapacityBoundNames = { min: 'fleet.minSize', max: 'fleet.maxSize' };

/** The week's capacity: up windows split where the minimum changes. */
export interface WeeklyCapacity {
  /** The periods cover the whole week: no start or stop, only the levels' changes. */
  readonly alwaysOn: boolean;
  /**
   * Not always on: the merged up windows (`weeklyUpTime`), each tiled by its segments. Always on: one window of a whole
   * week from the first change, so every segment's start is a change (none without levels).
   */
  readonly windows: readonly CapacityWindow[];
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const describe = (l: CapacityLevel) => `${describeDays(l.days)} ${l.start}-${l.end}`;

/** `09:00 on TUE` for a minute of the week. */
function moment(minuteOfWeek: number): string {
  const { day, minuteOfDay } = weekPoint(minuteOfWeek);
  return `${clockTime(minuteOfDay)} on ${day}`;
}

/** The window holding [start, end) of the circular week, if one does. */
function holder(windows: readonly UpWindow[], start: number, end: number): UpWindow | undefined {
  return windows.find((w) => [0, MINUTES_PER_WEEK].some((shift) => start + shift >= w.start && end + shift <= w.end));
}

const isUp = (windows: readonly UpWindow[], minute: number) => holder(windows, minute, minute + 1) !== undefined;

/** The first minute both [a) and [b) cover on the circular week, if any. */
function firstOverlap(a: UpWindow, b: UpWindow): number | undefined {
  for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
    const from = Math.max(a.start, b.start + shift);
    if (from < Math.min(a.end, b.end + shift)) return from;
  }
  return undefined;
}

/**
 * Checks a schedule's capacity levels against its periods and the group's bounds; one message per problem, each
 * naming `<env>.schedule.capacity[i].<field>`, the value and the rule. Never throws; the periods' own problems are
 * `validateSchedule`'s to report, so levels that need valid periods are not checked against invalid ones.
 */
export function validateCapacityLevels(
  envName: string,
  schedule: WeeklySchedule,
  bounds: CapacityBounds,
  names: CapacityBoundNames = CONFIG_BOUND_NAMES,
): string[] {
  const levels: unknown = schedule?.capacity;
  if (levels === undefined) return [];
  const at = `${envName}.schedule.capacity`;
  if (!Array.isArray(levels) || levels.length === 0) {
    return [`${at} (${show(levels)}) must list at least one level { days, start, end, minCapacity }; to run at ${names.min} whenever the fleet is up, remove it`];
  }
  const problems: string[] = [];
  let timesValid = true;
  levels.forEach((l: CapacityLevel, i: number) => {
    const checked = periodProblems(`${at}[${i}]`, l);
    problems.push(...checked.problems);
    timesValid &&= checked.timesValid;
    const min: unknown = l?.minCapacity;
    const { minCapacity: usual, maxCapacity: max } = bounds;
    if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) {
      problems.push(`${at}[${i}].minCapacity (${show(min)}) must be a whole number >= 0`);
    } else if (min <= usual) {
      problems.push(
        `${at}[${i}].minCapacity (${min}) must be above ${names.min} (${usual}): the fleet runs at ${names.min} outside its levels, ` +
          `so a level only raises the minimum (to run lower at other times, lower ${names.min})`,
      );
    } else if (min > max) {
      problems.push(`${at}[${i}].minCapacity (${min}) must be <= ${names.max} (${max}): Auto Scaling rejects a minimum above the maximum`);
    }
  });
  if (!timesValid || validateSchedule(envName, schedule).length > 0) return problems;

  const up = weeklyUpTime(schedule, envName);
  const intervals = (levels as CapacityLevel[]).map(dayWindows);
  if (!up.alwaysOn) {
    intervals.forEach((days, i) => {
      const outside = days.filter((d) => !holder(up.windows, d.start, d.end));
      if (outside.length === 0) return;
      let down = outside[0].start;
      while (isUp(up.windows, down)) down++;
      problems.push(
        `${at}[${i}] (${describe(levels[i])}) must lie inside the periods: the fleet is down at ${moment(down)}. ` +
          'A level sets the minimum while the periods keep the fleet up; it never brings the fleet up. Shorten the level or widen a period',
      );
    });
  }
  intervals.forEach((days, j) => {
    for (let i = 0; i < j; i++) {
      const overlap = days.flatMap((b) => intervals[i].map((a) => firstOverlap(a, b))).filter((m): m is number => m !== undefined);
      if (overlap.length === 0) continue;
      problems.push(
        `${at}[${j}] (${describe(levels[j])}) overlaps capacity[${i}] (${describe(levels[i])}) from ${moment(Math.min(...overlap))}: ` +
          'each minute has one minimum, so levels must not overlap (one may end when the next starts)',
      );
    }
  });
  if (problems.length > 0) return problems;

  const week = segmentWeek(up.alwaysOn ? [] : up.windows, levels as CapacityLevel[], bounds.minCapacity);
  const only = week.windows[0]?.segments;
  if (up.alwaysOn && only?.length === 1) {
    problems.push(
      `${at} (${levels.map(describe).join(', ')}) holds the minimum at ${only[0].minCapacity} all week, so no scheduled action would ever set it: ` +
        `set ${names.min} to ${only[0].minCapacity} instead`,
    );
  }
  return problems;
}

/** Splits each window at the levels inside it; always on (no windows), one week from the earliest level. */
function segmentWeek(windows: readonly UpWindow[], levels: readonly CapacityLevel[], usual: number): WeeklyCapacity {
  const placed = levels.flatMap((l) => dayWindows(l).map((w) => ({ ...w, minCapacity: l.minCapacity })));
  if (windows.length === 0) {
    if (placed.length === 0) return { alwaysOn: true, windows: [] };
    const from = Math.min(...placed.map((p) => p.start));
    const segments = circular(tile({ start: from, end: from + MINUTES_PER_WEEK }, placed, usual));
    const first = segments[0];
    return { alwaysOn: true, windows: [{ start: first.start, end: first.start + MINUTES_PER_WEEK, segments }] };
  }
  return { alwaysOn: false, windows: windows.map((w) => ({ ...w, segments: tile(w, placed, usual) })) };
}

/** The window's segments: the levels inside it, the usual minimum between them, neighbours of equal minimum merged. */
function tile(w: UpWindow, placed: readonly CapacitySegment[], usual: number): CapacitySegment[] {
  const inside = placed
    .flatMap((p) => [0, MINUTES_PER_WEEK].map((shift) => ({ ...p, start: p.start + shift, end: p.end + shift })))
    .filter((p) => p.start >= w.start && p.end <= w.end)
    .sort((a, b) => a.start - b.start);
  const segments: CapacitySegment[] = [];
  const push = (start: number, end: number, minCapacity: number) => {
    const last = segments[segments.length - 1];
    if (last && last.minCapacity === minCapacity) segments[segments.length - 1] = { ...last, end };
    else segments.push({ start, end, minCapacity });
  };
  let cursor = w.start;
  for (const p of inside) {
    if (p.start > cursor) push(cursor, p.start, usual);
    push(p.start, p.end, p.minCapacity);
    cursor = p.end;
  }
  if (cursor < w.end) push(cursor, w.end, usual);
  return segments;
}

/** A whole week's segments with the last merged into the first when they hold the same minimum; starts within the week. */
function circular(segments: CapacitySegment[]): CapacitySegment[] {
  const out = [...segments];
  if (out.length > 1 && out[0].minCapacity === out[out.length - 1].minCapacity) {
    const last = out.pop()!;
    out[0] = { start: last.start, end: out[0].end + MINUTES_PER_WEEK, minCapacity: last.minCapacity };
    out.push(out.shift()!);
  }
  return out.map((s) => {
    const start = ((s.start % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    return { start, end: start + (s.end - s.start), minCapacity: s.minCapacity };
  });
}

/**
 * The week's capacity of a valid schedule: every up window split where a level starts or ends, each segment with its
 * minimum (`bounds.minCapacity` outside the levels). Without levels each window is one segment at the usual minimum.
 * @throws ScheduleConfigError when the schedule or its levels are invalid
 */
export function weeklyCapacity(
  schedule: WeeklySchedule,
  bounds: CapacityBounds,
  envName = '(environment)',
  names: CapacityBoundNames = CONFIG_BOUND_NAMES,
): WeeklyCapacity {
  const problems = [...validateSchedule(envName, schedule), ...validateCapacityLevels(envName, schedule, bounds, names)];
  if (problems.length > 0) throw new ScheduleConfigError(problems);
  const up = weeklyUpTime(schedule, envName);
  return segmentWeek(up.alwaysOn ? [] : up.windows, schedule.capacity ?? [], bounds.minCapacity);
}
