import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A local EC2 query/XML endpoint on 127.0.0.1 for GetSpotPlacementScores and DescribeAvailabilityZones, so the
 * real EC2Client does the request serialization, pagination, retries and error parsing.
 */
export interface Ec2World {
  /** AZ name -> AZ ID. */
  readonly zones: Record<string, string>;
  /** AZ ID -> score (sent as text, so a test can send a malformed one). */
  readonly scores: Record<string, string>;
  readonly region: string;
  /** Score items per page. @default 100 */
  readonly pageSize?: number;
  /** Extra items of another region in the answer. */
  readonly otherRegionItems?: Array<{ region: string; zoneId: string; score: string }>;
}

export interface Ec2Faults {
  /** The first N GetSpotPlacementScores calls get 503 RequestLimitExceeded. */
  throttle?: number;
  /** Every call of this action fails with this error. */
  fail?: { action: string; status: number; code: string; message: string };
}

export interface LocalEc2 {
  readonly endpoint: string;
  readonly calls: Array<{ action: string; params: Record<string, string> }>;
  close(): Promise<void>;
}

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export async function startLocalEc2(world: Ec2World, faults: Ec2Faults = {}): Promise<LocalEc2> {
  const calls: LocalEc2['calls'] = [];
  let throttled = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action') ?? '';
      calls.push({ action, params: Object.fromEntries(form.entries()) });
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const error = (status: number, code: string, message: string) =>
        send(status, `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-${calls.length}</RequestID></Response>`);
      if (faults.fail?.action === action) return error(faults.fail.status, faults.fail.code, faults.fail.message);
      if (action === 'GetSpotPlacementScores' && throttled < (faults.throttle ?? 0)) {
        throttled++;
        return error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
      }
      if (action === 'DescribeAvailabilityZones') {
        const names: string[] = [];
        for (let i = 1; form.has(`ZoneName.${i}`); i++) names.push(form.get(`ZoneName.${i}`)!);
        const items = names.filter((n) => world.zones[n]).map((n) =>
          `<item><zoneName>${n}</zoneName><zoneId>${world.zones[n]}</zoneId><regionName>${world.region}</regionName><zoneState>available</zoneState><zoneType>availability-zone</zoneType></item>`);
        return send(200, `<DescribeAvailabilityZonesResponse xmlns="${NS}"><requestId>r-${calls.length}</requestId><availabilityZoneInfo>${items.join('')}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`);
      }
      if (action === 'GetSpotPlacementScores') {
        const all = [
          ...Object.entries(world.scores).map(([zoneId, score]) => ({ region: world.region, zoneId, score })),
          ...(world.otherRegionItems ?? []),
        ];
        const size = world.pageSize ?? 100;
        const start = Number(form.get('NextToken') ?? 0);
        const items = all.slice(start, start + size).map((s) =>
          `<item><region>${s.region}</region><availabilityZoneId>${s.zoneId}</availabilityZoneId><score>${s.score}</score></item>`);
        const next = start + size < all.length ? `<nextToken>${start + size}</nextToken>` : '';
        return send(200, `<GetSpotPlacementScoresResponse xmlns="${NS}"><requestId>r-${calls.length}</requestId><spotPlacementScoreSet>${items.join('')}</spotPlacementScoreSet>${next}</GetSpotPlacementScoresResponse>`);
      }
      return error(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
