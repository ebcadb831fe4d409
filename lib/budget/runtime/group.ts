import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { KILL_SWITCH_ENV as ENV } from '../../shared/kill-switch-env';
import type { KillSwitchDeps, KillSwitchSettings } from './types';

/** Suspended while capped, or the schedule's next start action would lift the cap. */
export const SCHEDULED_ACTIONS = 'ScheduledActions';

export interface GroupState {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly scheduledActionsSuspended: boolean;
}

/** The group's sizes and whether scheduled actions are suspended; throws, naming the group, when it is gone. */
export async function describeGroup(settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<GroupState> {
  const out = await deps.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [settings.groupName] }),
  );
  const g = out.AutoScalingGroups?.[0];
  if (!g) {
    throw new Error(
      `Auto Scaling group ${settings.groupName} (${ENV.groupName}) was not found in this account/region; ` +
        'the fleet may have been replaced: redeploy the stack so the kill switch points at the current group',
    );
  }
  return {
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    desiredCapacity: g.DesiredCapacity ?? 0,
    scheduledActionsSuspended: (g.SuspendedProcesses ?? []).some((p) => p.ProcessName === SCHEDULED_ACTIONS),
  };
}

/** One line per state, for reports. */
export const showState = (s: GroupState) =>
  `min ${s.minSize}, max ${s.maxSize}, desired ${s.desiredCapacity}, scheduled actions ${s.scheduledActionsSuspended ? 'suspended' : 'active'}`;
