import { ResumeProcessesCommand, SuspendProcessesCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describeGroup, GroupState, SCHEDULED_ACTIONS, showState } from './group';
import { publishReport, restoreCommand } from './report';
import type { KillSwitchDeps, KillSwitchSettings } from './types';

export interface ActionResult {
  readonly action: 'cap' | 'restore';
  /** False when the group already was in the target state (a retry or a repeated notification). */
  readonly changed: boolean;
  readonly before: GroupState;
  readonly after: GroupState;
}

/** Caps the group (min = max = desired = target) and suspends scheduled actions; idempotent. */
export async function capFleet(reason: string, settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<ActionResult> {
  const target = settings.capTo === 'zero' ? 0 : settings.baseCapacity;
  const before = await describeGroup(settings, deps);
  const capped = (s: GroupState) =>
    s.minSize === target && s.maxSize === target && s.desiredCapacity === target && s.scheduledActionsSuspended;
  const changed = !capped(before);
  if (changed) {
    // Suspend first: a scheduled start firing between the two calls would otherwise lift the cap again.
    await deps.autoScaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: settings.groupName, ScalingProcesses: [SCHEDULED_ACTIONS] }),
    );
    await deps.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: settings.groupName,
        MinSize: target,
        MaxSize: target,
        DesiredCapacity: target,
      }),
    );
  }
  const after: GroupState = { minSize: target, maxSize: target, desiredCapacity: target, scheduledActionsSuspended: true };
  deps.logger.warn(changed ? 'Fleet capped' : 'Fleet already capped, nothing changed', {
    groupName: settings.groupName,
    reason,
    before,
    after,
  });
  await publishReport(
    `${settings.environmentName} fleet ${changed ? 'capped' : 'already capped'} at ${target} by the budget kill switch`,
    [
      `The budget kill switch of ${settings.environmentName} ${changed ? 'capped' : 'found already capped'} Auto Scaling group ${settings.groupName}.`,
      `Reason: ${reason}`,
      `Before: ${showState(before)}`,
      `Now:    ${showState(after)}`,
      '',
      `The fleet stays at ${target} until restored (a deploy that changes the group lifts min/max but leaves scheduled actions suspended). Restore with:`,
      `  ${restoreCommand(settings.functionName ?? '<kill switch function name>')}`,
    ],
    settings,
    deps,
  );
  return { action: 'cap', changed, before, after };
}

/** Puts the configured min/max back and resumes scheduled actions; idempotent. */
export async function restoreFleet(settings: KillSwitchSettings, deps: KillSwitchDeps): Promise<ActionResult> {
  const before = await describeGroup(settings, deps);
  const min = settings.restoreMinCapacity;
  const max = settings.restoreMaxCapacity;
  const changed = before.minSize !== min || before.maxSize !== max || before.scheduledActionsSuspended;
  if (changed) {
    // No DesiredCapacity: Auto Scaling raises it to the new min, and scaling policies take it from there.
    await deps.autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: settings.groupName, MinSize: min, MaxSize: max }),
    );
    await deps.autoScaling.send(
      new ResumeProcessesCommand({ AutoScalingGroupName: settings.groupName, ScalingProcesses: [SCHEDULED_ACTIONS] }),
    );
  }
  const after: GroupState = {
    minSize: min,
    maxSize: max,
    desiredCapacity: Math.min(Math.max(before.desiredCapacity, min), max),
    scheduledActionsSuspended: false,
  };
  deps.logger.info(changed ? 'Fleet restored' : 'Fleet was not capped, nothing changed', {
    groupName: settings.groupName,
    before,
    after,
  });
  await publishReport(
    `${settings.environmentName} fleet ${changed ? 'restored' : 'was not capped'}`,
    [
      `Auto Scaling group ${settings.groupName} of ${settings.environmentName}: ${changed ? 'cap lifted' : 'nothing to restore'}.`,
      `Before: ${showState(before)}`,
      `Now:    ${showState(after)}`,
      'A schedule, if any, applies again from its next action.',
    ],
    settings,
    deps,
  );
  return { action: 'restore', changed, before, after };
}
