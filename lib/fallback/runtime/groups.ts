import { AutoScalingClient, AutoScalingGroup, DescribeAutoScalingGroupsCommand, Instance } from '@aws-sdk/client-auto-scaling';
import type { ControllerConfig } from './env';

/** Instances on their way in: they count as arriving capacity, not as shortfall. */
const PENDING_STATES = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);

/** What one run reads of the two groups. */
export interface GroupsSnapshot {
  /** The main group's desired capacity (capacity units). */
  readonly mainDesired: number;
  /** The main group's MaxSize (the handback never raises it above). */
  readonly mainMaxSize: number;
  /** Capacity units of the main group's InService instances, serving or not. */
  readonly mainInService: number;
  /**
   * The main group's InService instances that Auto Scaling reports Healthy, with their capacity units: the hosts
   * that serve unless the interruption handler drained them (the drained tag, read from EC2 separately).
   */
  readonly mainHealthyInService: ReadonlyArray<{ readonly instanceId: string; readonly units: number }>;
  /** Capacity units of the main group's instances on their way in. */
  readonly mainPending: number;
  /** The fallback group's desired capacity (fallback units). */
  readonly fallbackDesired: number;
  /** The fallback group's InService instances. */
  readonly fallbackInService: number;
}

/** Both groups in one DescribeAutoScalingGroups call; names a group that is missing. */
export async function readGroups(config: ControllerConfig, client: AutoScalingClient): Promise<GroupsSnapshot> {
  const out = await client.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [config.mainGroupName, config.fallbackGroupName] }),
  );
  const main = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.mainGroupName);
  const fallback = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === config.fallbackGroupName);
  if (!main || !fallback) {
    const missing = [!main ? `main group ${config.mainGroupName}` : '', !fallback ? `fallback group ${config.fallbackGroupName}` : ''].filter(Boolean);
    throw new Error(`${missing.join(' and ')} not found by DescribeAutoScalingGroups: was the stack deleted or the group replaced? Redeploy the stack`);
  }
  return {
    mainDesired: main.DesiredCapacity ?? 0,
    mainMaxSize: main.MaxSize ?? Number.POSITIVE_INFINITY,
    mainInService: capacityOf(main, (i) => i.LifecycleState === 'InService'),
    mainHealthyInService: (main.Instances ?? [])
      .filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy' && i.InstanceId)
      .map((i) => ({ instanceId: i.InstanceId!, units: units(i) })),
    mainPending: capacityOf(main, (i) => i.LifecycleState !== undefined && PENDING_STATES.has(i.LifecycleState)),
    fallbackDesired: fallback.DesiredCapacity ?? 0,
    fallbackInService: (fallback.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length,
  };
}

/** Capacity units (WeightedCapacity, 1 when unweighted) of the group's instances that match. */
function capacityOf(group: AutoScalingGroup, match: (i: Instance) => boolean): number {
  return (group.Instances ?? []).filter(match).reduce((sum, i) => sum + units(i), 0);
}

function units(instance: Instance): number {
  return Number(instance.WeightedCapacity ?? 1);
}
