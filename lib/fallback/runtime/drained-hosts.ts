import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { errorMessage, errorName, isTransient } from '../../shared/transient';
import type { GroupsSnapshot } from './groups';
import { DRAINED_TAG_KEY } from '../../shared/fleet-tag';

/** Values per EC2 filter in one request; larger groups are read in chunks. */
export const INSTANCE_IDS_PER_REQUEST = 200;

/**
 * Which of these instances carry the drained tag (the interruption handler's mark on a host whose workload it
 * stopped). Filters instead of `InstanceIds`: an id EC2 does not know yet (eventual consistency) then drops out
 * instead of failing the call with InvalidInstanceID.NotFound. Pages with NextToken.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 */
export async function drainedInstanceIds(ec2: EC2Client, instanceIds: readonly string[]): Promise<Set<string>> {
  const drained = new Set<string>();
  for (let i = 0; i < instanceIds.length; i += INSTANCE_IDS_PER_REQUEST) {
    const chunk = instanceIds.slice(i, i + INSTANCE_IDS_PER_REQUEST);
    let token: string | undefined;
    do {
      const out = await ec2.send(new DescribeInstancesCommand({
        Filters: [
          { Name: 'instance-id', Values: chunk },
          { Name: 'tag-key', Values: [DRAINED_TAG_KEY] },
        ],
        MaxResults: 1000,
        NextToken: token,
      }));
      for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (instance.InstanceId && (instance.Tags ?? []).some((t) => t.Key === DRAINED_TAG_KEY)) drained.add(instance.InstanceId);
      }
      token = out.NextToken;
    } while (token);
  }
  return drained;
}

/** The main group's capacity that serves, and what is InService but does not. */
export interface ServingCapacity {
  /** Capacity units InService, Healthy and not drained. */
  readonly serving: number;
  /** Capacity units InService and Healthy but drained (tagged by the interruption handler). */
  readonly drained: number;
  /** Capacity units InService but Unhealthy (Auto Scaling is about to replace them). */
  readonly unhealthy: number;
  /** Set when the drained tags could not be read this run: drained hosts were then counted as serving. */
  readonly drainedTagsUnread?: string;
}

/**
 * Splits the main group's InService capacity into serving, drained and unhealthy. The drained tags come from
 * ec2:DescribeInstances; when that call fails transiently (after the SDK's retries; it also fails for instances in
 * an AZ with a service disruption, which is when the fallback matters most) the run goes on counting drained hosts
 * as serving and says so, rather than not running at all. A permanent failure (AccessDenied) fails the run.
 */
export async function servingCapacity(groups: GroupsSnapshot, ec2: EC2Client): Promise<ServingCapacity> {
  const healthy = groups.mainHealthyInService;
  const healthyUnits = healthy.reduce((sum, h) => sum + h.units, 0);
  const unhealthy = Math.max(0, groups.mainInService - healthyUnits);
  if (healthy.length === 0) return { serving: 0, drained: 0, unhealthy };
  let drainedIds: Set<string>;
  try {
    drainedIds = await drainedInstanceIds(ec2, healthy.map((h) => h.instanceId));
  } catch (e) {
    const what = `ec2:DescribeInstances (drained tags of ${healthy.length} main-group hosts) failed: ${errorName(e)}: ${errorMessage(e)}`;
    if (!isTransient(e)) throw Object.assign(new Error(what, { cause: e }), { name: errorName(e) });
    return { serving: healthyUnits, drained: 0, unhealthy, drainedTagsUnread: what };
  }
  const drained = healthy.filter((h) => drainedIds.has(h.instanceId)).reduce((sum, h) => sum + h.units, 0);
  return { serving: healthyUnits - drained, drained, unhealthy };
}
