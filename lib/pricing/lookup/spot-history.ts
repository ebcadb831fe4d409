import { DescribeSpotPriceHistoryCommand, EC2Client } from '@aws-sdk/client-ec2';

/** One spot price change as DescribeSpotPriceHistory reports it. */
export interface SpotPricePoint {
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly usdPerHour: number;
  readonly timestamp: Date;
}

/** Statistics of one pool over the look-back window. */
export interface SpotStatistics {
  readonly currentUsdPerHour: number;
  readonly p50UsdPerHour: number;
  readonly p90UsdPerHour: number;
  readonly samples: number;
}

/**
 * Time-weighted statistics of one pool's price changes over [start, end]. A spot price holds from its timestamp
 * until the next change, so a price that held for six days weighs more than one that held for an hour; the point
 * from before `start` (DescribeSpotPriceHistory includes it) counts from `start`. Returns undefined for no points.
 */
export function spotStatistics(points: readonly SpotPricePoint[], start: Date, end: Date): SpotStatistics | undefined {
  if (points.length === 0) return undefined;
  const sorted = [...points].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const weighted: { price: number; ms: number }[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const from = Math.max(sorted[i].timestamp.getTime(), start.getTime());
    const to = Math.min(i + 1 < sorted.length ? sorted[i + 1].timestamp.getTime() : end.getTime(), end.getTime());
    if (to > from) weighted.push({ price: sorted[i].usdPerHour, ms: to - from });
  }
  const current = sorted[sorted.length - 1].usdPerHour;
  if (weighted.length === 0) {
    // All points at or after `end`: only the latest price is known.
    return { currentUsdPerHour: current, p50UsdPerHour: current, p90UsdPerHour: current, samples: sorted.length };
  }
  weighted.sort((a, b) => a.price - b.price);
  const total = weighted.reduce((s, w) => s + w.ms, 0);
  const percentile = (q: number): number => {
    let acc = 0;
    for (const w of weighted) {
      acc += w.ms;
      if (acc >= q * total) return w.price;
    }
    return weighted[weighted.length - 1].price;
  };
  return { currentUsdPerHour: current, p50UsdPerHour: percentile(0.5), p90UsdPerHour: percentile(0.9), samples: sorted.length };
}

/**
 * All Linux/UNIX spot price changes for `instanceTypes` in `availabilityZones` between `start` and `end`, every
 * page. A point with a price that is not a positive number is reported in `problems` rather than averaged in.
 */
export async function describeSpotHistory(
  client: EC2Client,
  params: { instanceTypes: readonly string[]; availabilityZones: readonly string[]; start: Date; end: Date },
  signal: AbortSignal,
  onPage: () => void,
): Promise<{ points: SpotPricePoint[]; problems: string[] }> {
  const points: SpotPricePoint[] = [];
  const problems: string[] = [];
  let nextToken: string | undefined;
  do {
    onPage();
    const out = await client.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: [...params.instanceTypes] as never,
        ProductDescriptions: ['Linux/UNIX'],
        Filters: [{ Name: 'availability-zone', Values: [...params.availabilityZones] }],
        StartTime: params.start,
        EndTime: params.end,
        MaxResults: 1000,
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    for (const item of out.SpotPriceHistory ?? []) {
      const price = Number(item.SpotPrice);
      if (!item.InstanceType || !item.AvailabilityZone || !item.Timestamp) {
        problems.push(`EC2 DescribeSpotPriceHistory returned an item without instance type, AZ or timestamp; skipped`);
      } else if (!Number.isFinite(price) || price <= 0) {
        problems.push(
          `EC2 DescribeSpotPriceHistory gave ${item.InstanceType} in ${item.AvailabilityZone} the price ` +
            `${JSON.stringify(item.SpotPrice)}, not a positive number; point skipped`,
        );
      } else {
        points.push({ instanceType: item.InstanceType, availabilityZone: item.AvailabilityZone, usdPerHour: price, timestamp: item.Timestamp });
      }
    }
    // EC2 ends pagination with an empty or missing token.
    nextToken = out.NextToken || undefined;
  } while (nextToken);
  return { points, problems };
}
