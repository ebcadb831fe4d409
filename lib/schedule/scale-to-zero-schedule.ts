import { Annotations, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct } from 'constructs';
import { validateCapacityLevels, weeklyCapacity } from '../shared/capacity-levels';
import {
  consecutiveRuns, DayOfWeek, MINUTES_PER_WEEK, ScheduleConfigError, validateSchedule, WeeklySchedule, weekPoint, WEEKDAYS,
} from '../shared/weekly-schedule';
import { WARNING_IDS } from '../shared/warning-ids';

/** Capacity the fleet gets at the start of each period. */
export interface UpCapacity {
  /** Minimum size while up: the configured min, which is the on-demand base in our configs. */
  readonly minCapacity: number;
  /** Maximum size while up: the configured max. */
  readonly maxCapacity: number;
}

export interface ScaleToZeroScheduleProps {
  /** The group the scheduled actions act on. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /**
   * When the fleet is up, in the schedule's IANA time zone; outside every period it is at zero. Its `capacity` levels,
   * if any, raise the minimum for part of the up-time.
   */
  readonly schedule: WeeklySchedule;
  /** Min/max while up: the minimum outside every capacity level, and the maximum throughout. */
  readonly upCapacity: UpCapacity;
  /**
   * Environment name, used in validation messages (`staging.schedule.periods[0].end ...`).
   * @default - the construct id
   */
  readonly environmentName?: string;
}

/** Cron day-of-week (0 = Sunday) for each schedule weekday. */
const CRON_DAY: Readonly<Record<DayOfWeek, number>> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };

/** `[1,2,3,4,5,0]` -> `0-5`, `[1,3,5]` -> `1,3,5`: compact and readable in the console. */
export function cronWeekDays(days: readonly DayOfWeek[]): string {
  return consecutiveRuns(days.map((d) => CRON_DAY[d]))
    .map(([from, to]) => (to - from >= 2 ? `${from}-${to}` : from === to ? `${from}` : `${from},${to}`))
    .join(',');
}

/** Where the week's capacity changes: a minute of the week and the minimum from then on (0 for a stop). */
interface Change {
  readonly at: number;
  readonly minCapacity: number;
}

/** Changes at the same minute of the day to the same minimum share one cron over their days: earliest minute first. */
function groupByTime(changes: readonly Change[]): Array<{ minuteOfDay: number; minCapacity: number; days: DayOfWeek[] }> {
  const groups = new Map<string, { minuteOfDay: number; minCapacity: number; days: DayOfWeek[] }>();
  const points = changes.map((c) => ({ ...weekPoint(c.at), minCapacity: c.minCapacity }))
    .sort((a, b) => a.minuteOfDay - b.minuteOfDay || a.minCapacity - b.minCapacity);
  for (const { minuteOfDay, day, minCapacity } of points) {
    const key = `${minuteOfDay}/${minCapacity}`;
    const group = groups.get(key) ?? { minuteOfDay, minCapacity, days: [] };
    group.days.push(day);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({ ...g, days: WEEKDAYS.filter((d) => g.days.includes(d)) }));
}

/** Names the construct's bounds in level messages (config validation names them fleet.minSize / fleet.maxSize). */
const BOUND_NAMES = { min: 'upCapacity.minCapacity', max: 'upCapacity.maxCapacity' };

/** A hard quota: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-quotas.html */
const MAX_SCHEDULED_ACTIONS = 125;

/**
 * Scheduled actions that bring a group up to its base size at the start of each period and down to zero at its end,
 * in the schedule's own IANA time zone (Auto Scaling applies daylight saving itself, so no UTC crons drift), and that
 * hold the schedule's capacity levels in between.
 *
 * Touching and overlapping periods are merged first (`weeklyUpTime`): a stop action only exists where no period
 * continues, so MON 00:00-24:00 + TUE 00:00-24:00 runs through Monday midnight, and a period that wraps past
 * midnight (22:00-06:00) stops on the next day. The levels split the up windows (`weeklyCapacity`): every moment the
 * capacity changes gets exactly one action, which states the whole capacity (a start sets min and max, a level change
 * sets min and max, a stop sets min = max = desired = 0), so no two actions fire at once and none can leave min above
 * max. Actions with the same time of day and capacity share one cron over the union of their days.
 */
export class ScaleToZeroSchedule extends Construct {
  /** Start actions (min to `upCapacity` or the level starting with the window, max to `upCapacity`), earliest time first. */
  readonly startActions: readonly autoscaling.ScheduledAction[];
  /** Stop actions (min = max = desired = 0), earliest time first. */
  readonly stopActions: readonly autoscaling.ScheduledAction[];
  /** Level changes inside the up-time (min to the level, or back to `upCapacity`; max to `upCapacity`), earliest time first. */
  readonly levelActions: readonly autoscaling.ScheduledAction[];

  constructor(scope: Construct, id: string, props: ScaleToZeroScheduleProps) {
    super(scope, id);
    const env = props.environmentName ?? id;
    const problems = validateSchedule(env, props.schedule);
    const { minCapacity, maxCapacity } = props.upCapacity;
    const known = (n: number) => !Token.isUnresolved(n);
    if (known(minCapacity) && (!Number.isInteger(minCapacity) || minCapacity < 0)) {
      problems.push(`${env} schedule upCapacity.minCapacity (${minCapacity}) must be a whole number >= 0`);
    }
    if (known(maxCapacity) && (!Number.isInteger(maxCapacity) || maxCapacity < 1)) {
      problems.push(`${env} schedule upCapacity.maxCapacity (${maxCapacity}) must be a whole number >= 1, or the schedule never brings the fleet up`);
    }
    if (known(minCapacity) && known(maxCapacity) && minCapacity > maxCapacity) {
      problems.push(`${env} schedule upCapacity.minCapacity (${minCapacity}) must be <= maxCapacity (${maxCapacity})`);
    }
    const hasLevels = props.schedule.capacity !== undefined;
    if (hasLevels && !(known(minCapacity) && known(maxCapacity))) {
      problems.push(`${env} schedule capacity levels need upCapacity.minCapacity and maxCapacity known at synth (not tokens), to be checked against them`);
    } else if (hasLevels) {
      problems.push(...validateCapacityLevels(env, props.schedule, props.upCapacity, BOUND_NAMES));
    }
    if (problems.length > 0) throw new ScheduleConfigError(problems);

    if (known(minCapacity) && minCapacity === 0) {
      Annotations.of(this).addWarningV2(
        WARNING_IDS.scheduleStartsAtZero,
        `${env} schedule brings the fleet "up" with minCapacity 0: nothing runs during the periods until a scaling policy adds capacity, ` +
          'and target tracking on a per-host metric cannot scale a group up from zero hosts. Set a min size >= 1 if the fleet must serve during the periods.',
      );
    }

    const timeZone = props.schedule.timeZone;
    const week = weeklyCapacity(props.schedule, props.upCapacity, env, BOUND_NAMES);
    if (week.alwaysOn && !hasLevels) {
      Annotations.of(this).addWarningV2(
        WARNING_IDS.scheduleAlwaysOn,
        `${env} schedule covers the whole week, so it never scales the fleet to zero and creates no scheduled action; remove the schedule to say so`,
      );
    }
    const starts: Change[] = [];
    const levels: Change[] = [];
    const stops: Change[] = [];
    for (const w of week.windows) {
      // Always on: the window is a whole week from a change, so every segment's start is a change and none is a start.
      if (!week.alwaysOn) starts.push({ at: w.start, minCapacity: w.segments[0].minCapacity });
      w.segments.forEach((seg, k) => {
        if (k > 0 || week.alwaysOn) levels.push({ at: seg.start, minCapacity: seg.minCapacity });
      });
      if (!week.alwaysOn) stops.push({ at: w.end % MINUTES_PER_WEEK, minCapacity: 0 });
    }
    const groups = { starts: groupByTime(starts), levels: groupByTime(levels), stops: groupByTime(stops) };
    const count = groups.starts.length + groups.levels.length + groups.stops.length;
    if (count > MAX_SCHEDULED_ACTIONS) {
      throw new ScheduleConfigError([
        `${env} schedule needs ${count} scheduled actions; Auto Scaling allows at most ${MAX_SCHEDULED_ACTIONS} per group: use fewer distinct start, end and level times`,
      ]);
    }

    const action = (actionId: string, minutes: number, days: readonly DayOfWeek[], capacity: Partial<autoscaling.BasicScheduledActionProps>) =>
      new autoscaling.ScheduledAction(this, actionId, {
        autoScalingGroup: props.autoScalingGroup,
        schedule: autoscaling.Schedule.cron({
          minute: String(minutes % 60),
          hour: String(Math.floor(minutes / 60)),
          weekDay: cronWeekDays(days),
        }),
        timeZone,
        ...capacity,
      });

    // Ids are positional (never config values) so synth stays deterministic; actions are stateless to replace.
    // Without levels the starts and stops are exactly those of a schedule without them (same ids, same order).
    this.startActions = groups.starts.map((g, i) => action(`Start${i}`, g.minuteOfDay, g.days, { minCapacity: g.minCapacity, maxCapacity }));
    this.stopActions = groups.stops.map((g, i) =>
      action(`Stop${i}`, g.minuteOfDay, g.days, { minCapacity: 0, maxCapacity: 0, desiredCapacity: 0 }),
    );
    // A level change states max too, so it succeeds whatever max a failed or late action left; it never sets desired:
    // Auto Scaling raises desired to a higher min itself, and lowering min leaves scale-in to the scaling policy
    // (setting desired would terminate busy hosts).
    this.levelActions = groups.levels.map((g, i) => action(`Level${i}`, g.minuteOfDay, g.days, { minCapacity: g.minCapacity, maxCapacity }));
  }
}
