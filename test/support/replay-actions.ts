import { DateTime, IANAZone } from 'luxon';

// Replays synthesized AWS::AutoScaling::ScheduledAction properties minute by minute, modelling how Auto Scaling runs a
// cron with a TimeZone: in UTC minutes, local time from the zone's offset at that instant. AWS does not document what
// happens at a wall time a DST switch skips or repeats (here: never fires / fires twice), so the schedules replayed
// keep their action times out of those hours while their windows and levels span the switches.

/** The days (0 = Sunday) of a cron day-of-week field such as `1-5` or `0,6`. */
export function cronDays(dow: string): number[] {
  return dow.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

/** Minutes of the month (in `zone`) at each MinSize the last action set, while the last MaxSize set is above 0. */
export function replayCapacityMinutes(actions: Array<Record<string, any>>, zone: string, year: number, month: number): Map<number, number> {
  const parsed = actions.map((a) => {
    const [minute, hour, , , dow] = (a.Recurrence as string).split(' ');
    return { minute: Number(minute), hour: Number(hour), days: new Set(cronDays(dow)), min: a.MinSize as number, max: a.MaxSize as number };
  });
  const tz = IANAZone.create(zone);
  const monthStart = DateTime.fromObject({ year, month, day: 1 }, { zone });
  const from = monthStart.toMillis();
  const to = monthStart.plus({ months: 1 }).toMillis();
  let quarter = NaN;
  let offsetMs = 0;
  let state: { min: number; max: number } | undefined;
  const minutes = new Map<number, number>();
  // From 8 days before: every week has a change, so the state at the month's start is known.
  for (let t = from - 8 * 24 * 3_600_000; t < to; t += 60_000) {
    if (Math.floor(t / 900_000) !== quarter) {
      quarter = Math.floor(t / 900_000);
      offsetMs = tz.offset(t) * 60_000;
    }
    const local = new Date(t + offsetMs);
    const fired = parsed.filter((a) => a.minute === local.getUTCMinutes() && a.hour === local.getUTCHours() && a.days.has(local.getUTCDay()));
    if (fired.length > 1) throw new Error(`two actions fire at ${local.toISOString()} local`);
    if (fired.length === 1) state = { min: fired[0].min, max: fired[0].max };
    if (t >= from && state && state.max > 0) minutes.set(state.min, (minutes.get(state.min) ?? 0) + 1);
  }
  return minutes;
}
