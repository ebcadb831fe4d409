import { DescribeInstanceTypeOfferingsCommand, DescribeInstanceTypesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { gpuInstanceType } from '../../catalog/gpu-instance-types';
import type { InstanceOffering } from '../types';
import { describeError } from './errors';

/** Capacity facts of one region: which asked-about AZs offer each type, and its GPUs. */
export async function describeOfferings(
  client: EC2Client,
  region: string,
  instanceTypes: readonly string[],
  availabilityZones: readonly string[],
  signal: AbortSignal,
  onOfferingsPage: () => void,
  onTypesPage: () => void,
): Promise<{ offerings: InstanceOffering[]; problems: string[] }> {
  const problems: string[] = [];
  // Both calls at once: a lookup should cost one round trip of latency, not two.
  const [offered, gpus] = await Promise.all([
    offeredAzs(client, instanceTypes, availabilityZones, signal, onOfferingsPage),
    gpuFacts(client, region, instanceTypes, signal, onTypesPage, problems),
  ]);

  const offerings: InstanceOffering[] = [];
  for (const type of instanceTypes) {
    const azs = availabilityZones.filter((az) => offered.get(type)?.has(az));
    const catalog = gpuInstanceType(type);
    const live = gpus.get(type);
    if (azs.length > 0 && !live && gpus.size > 0) {
      problems.push(`EC2 DescribeInstanceTypes returned nothing for ${type} in ${region}; its GPU count comes from the offline catalog`);
    }
    if (live && catalog && live.gpus !== catalog.gpus) {
      problems.push(
        `EC2 DescribeInstanceTypes says ${type} has ${live.gpus} GPU(s), the offline catalog (lib/catalog/gpu-instance-types.ts) ` +
          `says ${catalog.gpus}; the estimate uses AWS's figure, update the catalog`,
      );
    }
    offerings.push({
      instanceType: type,
      region,
      availabilityZones: azs,
      gpus: live && live.gpus > 0 ? live.gpus : (catalog?.gpus ?? 0),
      gpuMemoryGiB: live && live.gpuMemoryGiB > 0 ? live.gpuMemoryGiB : (catalog?.gpuMemoryGiB ?? 0),
    });
  }
  return { offerings, problems };
}

async function offeredAzs(
  client: EC2Client,
  instanceTypes: readonly string[],
  availabilityZones: readonly string[],
  signal: AbortSignal,
  onPage: () => void,
): Promise<Map<string, Set<string>>> {
  const offered = new Map<string, Set<string>>(instanceTypes.map((t) => [t, new Set<string>()]));
  let nextToken: string | undefined;
  do {
    onPage();
    const out = await client.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [
          { Name: 'instance-type', Values: [...instanceTypes] },
          { Name: 'location', Values: [...availabilityZones] },
        ],
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    for (const o of out.InstanceTypeOfferings ?? []) {
      // Filters should already restrict to these; guard against endpoints that ignore them.
      if (o.InstanceType && o.Location && availabilityZones.includes(o.Location)) offered.get(o.InstanceType)?.add(o.Location);
    }
    nextToken = out.NextToken || undefined;
  } while (nextToken);
  return offered;
}

/**
 * GPU count and per-GPU memory from DescribeInstanceTypes. A type EC2 does not know fails the whole call
 * (InvalidInstanceType); that is reported and the offline catalog is used, since the offerings call already
 * tells whether the type can run anywhere.
 */
async function gpuFacts(
  client: EC2Client,
  region: string,
  instanceTypes: readonly string[],
  signal: AbortSignal,
  onPage: () => void,
  problems: string[],
): Promise<Map<string, { gpus: number; gpuMemoryGiB: number }>> {
  const gpus = new Map<string, { gpus: number; gpuMemoryGiB: number }>();
  let token: string | undefined;
  try {
    do {
      onPage();
      const out = await client.send(new DescribeInstanceTypesCommand({ InstanceTypes: [...instanceTypes] as never, NextToken: token }), {
        abortSignal: signal,
      });
      for (const t of out.InstanceTypes ?? []) {
        if (!t.InstanceType) continue;
        const list = t.GpuInfo?.Gpus ?? [];
        const count = list.reduce((s, g) => s + (g.Count ?? 0), 0);
        const perGpuMiB = list[0]?.MemoryInfo?.SizeInMiB ?? 0;
        gpus.set(t.InstanceType, { gpus: count, gpuMemoryGiB: Math.round((perGpuMiB / 1024) * 100) / 100 });
      }
      token = out.NextToken || undefined;
    } while (token);
  } catch (err) {
    if (signal.aborted) throw err;
    problems.push(`EC2 DescribeInstanceTypes failed in ${region} (${describeError(err)}); GPU counts come from the offline catalog`);
  }
  return gpus;
}
