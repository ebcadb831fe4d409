import { Annotations, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct } from 'constructs';
import {
  consecutiveRuns, DayOfWeek, MINUTES_PER_WEEK, ScheduleConfigError, validateSchedule, WeeklySchedule, weeklyUpTime, weekPoint, WEEKDAYS,
} from './schedule';

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
  /** When the fleet is up, in the schedule's IANA time zone; outside every period it is at zero. */
  readonly schedule: WeeklySchedule;
  /** Min/max set by each start action. */
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

/** Minute of the day -> the days with an action at that minute, earliest minute first. */
function groupByTime(minutesOfWeek: readonly number[]): Map<number, DayOfWeek[]> {
  const points = minutesOfWeek.map(weekPoint).sort((a, b) => a.minuteOfDay - b.minuteOfDay);
  const byTime = new Map<number, DayOfWeek[]>();
  for (const { minuteOfDay, day } of points) byTime.set(minuteOfDay, [...(byTime.get(minuteOfDay) ?? []), day]);
  for (const [time, days] of byTime) byTime.set(time, WEEKDAYS.filter((d) => days.includes(d)));
  return byTime;
}

/**
 * Scheduled actions that bring a group up to its base size at the start of each period and down to zero at its end,
 * in the schedule's own IANA time zone (Auto Scaling applies daylight saving itself, so no UTC crons drift).
 *
 * Touching and overlapping periods are merged first (`weeklyUpTime`): a stop action only exists where no period
 * continues, so MON 00:00-24:00 + TUE 00:00-24:00 runs through Monday midnight, and a period that wraps past
 * midnight (22:00-06:00) stops on the next day. Actions with the same time of day share one cron over the union of
 * their days; a start and a stop never fire at the same moment.
 */
export class ScaleToZeroSchedule extends Construct {
  /** Start actions (min/max to `upCapacity`), earliest time first. */
  readonly startActions: readonly autoscaling.ScheduledAction[];
  /** Stop actions (min = max = desired = 0), earliest time first. */
  readonly stopActions: readonly autoscaling.ScheduledAction[];

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
    if (problems.length > 0) throw new ScheduleConfigError(problems);

    if (known(minCapacity) && minCapacity === 0) {
      Annotations.of(this).addWarningV2(
        'gpu-fleet:scheduleStartsAtZero',
        `${env} schedule brings the fleet "up" with minCapacity 0: nothing runs during the periods until a scaling policy adds capacity, ` +
          'and target tracking on a per-host metric cannot scale a group up from zero hosts. Set a min size >= 1 if the fleet must serve during the periods.',
      );
    }

    const timeZone = props.schedule.timeZone;
    const up = weeklyUpTime(props.schedule, env);
    if (up.alwaysOn) {
      Annotations.of(this).addWarningV2(
        'gpu-fleet:scheduleAlwaysOn',
        `${env} schedule covers the whole week, so it never scales the fleet to zero and creates no scheduled action; remove the schedule to say so`,
      );
    }
    const starts = groupByTime(up.windows.map((w) => w.start));
    const stops = groupByTime(up.windows.map((w) => w.end % MINUTES_PER_WEEK));

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
    this.startActions = [...starts].map(([time, days], i) => action(`Start${i}`, time, days, { minCapacity, maxCapacity }));
    this.stopActions = [...stops].map(([time, days], i) =>
      action(`Stop${i}`, time, days, { minCapacity: 0, maxCapacity: 0, desiredCapacity: 0 }),
    );
  }
}
