import { Activity, AutoScalingClient, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';

/** A failed launch, read from the activity's status message (Auto Scaling has no separate code field). */
const FAILURE_CODES = [
  'InsufficientInstanceCapacity',
  'MaxSpotInstanceCountExceeded',
  'SpotMaxPriceTooLow',
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'InsufficientFreeAddressesInSubnet',
  'Unsupported',
  'InvalidParameterValue',
  'UnauthorizedOperation',
] as const;

export function failureCode(activity: Activity): string {
  const text = `${activity.StatusMessage ?? ''} ${activity.Description ?? ''}`;
  const known = FAILURE_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(text));
  if (known) return known;
  if (/no spot capacity available|do not have sufficient .* capacity/i.test(text)) return 'InsufficientInstanceCapacity';
  return 'Unknown';
}

/**
 * How far back failed launches are read. An activity is found failed on any run while it started within this
 * window, so a launch that was in progress for up to this long and then failed is still counted.
 */
export const ACTIVITY_LOOKBACK_MS = 30 * 60_000;
/** Pages of 100 activities read at most per run (DescribeScalingActivities lists in-progress ones first). */
export const MAX_ACTIVITY_PAGES = 5;
/** Counted failure ids kept in the state: the SSM parameter holds 4 KB (an id is ~40 bytes). */
export const MAX_COUNTED_FAILURE_IDS = 50;

export interface LaunchFailures {
  /** Failed launches not counted by an earlier run. */
  readonly count: number;
  /** Those failures by error code. */
  readonly codes: Record<string, number>;
  /** Ids to remember as counted. */
  readonly countedIds: string[];
}

/**
 * Failed (or cancelled) launch activities of the group not counted before. Every run reads the activities that
 * started in the last ACTIVITY_LOOKBACK_MS (in-progress ones come first, then newest first, so paging stops only at
 * a finished activity older than that) and skips by activity id, not by time: an activity seen in progress that
 * fails later, or two with the same start time, are each counted once. Without stored ids (first run, lost state),
 * failures older than a minute are marked counted without being counted, so an upgrade does not count a burst.
 */
export async function launchFailures(
  groupName: string,
  counted: readonly string[] | undefined,
  now: number,
  client: AutoScalingClient,
): Promise<LaunchFailures> {
  const codes: Record<string, number> = {};
  const known = new Set(counted ?? []);
  const from = now - ACTIVITY_LOOKBACK_MS;
  const fresh: string[] = [];
  const inWindow = new Set<string>();
  let count = 0;
  let complete = false;
  let token: string | undefined;
  for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
    const out = await client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: 100, NextToken: token }));
    for (const a of out.Activities ?? []) {
      const started = a.StartTime?.getTime() ?? 0;
      const finished = a.StatusCode === 'Successful' || a.StatusCode === 'Failed' || a.StatusCode === 'Cancelled';
      if (started < from) {
        if (finished) complete = true;
        continue;
      }
      if (!a.ActivityId) continue;
      inWindow.add(a.ActivityId);
      if ((a.StatusCode !== 'Failed' && a.StatusCode !== 'Cancelled') || !/^Launching a new EC2 instance/i.test(a.Description ?? '')) continue;
      if (known.has(a.ActivityId)) continue;
      known.add(a.ActivityId);
      fresh.push(a.ActivityId);
      if (counted === undefined && started < now - 60_000) continue;
      const code = failureCode(a);
      codes[code] = (codes[code] ?? 0) + 1;
      count++;
    }
    token = out.NextToken;
    if (complete || !token) {
      complete = true;
      break;
    }
  }
  // Ids of activities that left the window are no longer needed; when the read stopped early, keep them all.
  const kept = [...(counted ?? []), ...fresh].filter((id) => !complete || inWindow.has(id));
  return { count, codes, countedIds: kept.slice(-MAX_COUNTED_FAILURE_IDS) };
}
