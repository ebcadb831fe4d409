import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A local EC2 query/XML endpoint on 127.0.0.1 answering DescribeInstances from a list of instances with tags, with
 * the `instance-id` and `tag-key` filters and NextToken paging, so the real EC2Client serializes the filters and
 * parses the reservation/tag XML.
 */
export interface LocalEc2Instances {
  readonly endpoint: string;
  /** Every request's form parameters. */
  readonly calls: Array<Record<string, string>>;
  close(): Promise<void>;
}

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export async function startLocalEc2Instances(
  instances: ReadonlyArray<{ id: string; tags: Record<string, string> }>,
  options: { pageSize?: number; throttleFirst?: number; failWith?: { status: number; code: string; message: string } } = {},
): Promise<LocalEc2Instances> {
  const calls: Array<Record<string, string>> = [];
  let throttled = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      calls.push(Object.fromEntries(form.entries()));
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const error = (status: number, code: string, message: string) =>
        send(status, `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-${calls.length}</RequestID></Response>`);
      if (options.failWith) return error(options.failWith.status, options.failWith.code, options.failWith.message);
      if (throttled < (options.throttleFirst ?? 0)) {
        throttled++;
        return error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
      }
      if (form.get('Action') !== 'DescribeInstances') return error(400, 'InvalidAction', `The action ${form.get('Action')} is not valid for this web service.`);
      const filters = new Map<string, string[]>();
      for (let f = 1; form.has(`Filter.${f}.Name`); f++) {
        const values: string[] = [];
        for (let v = 1; form.has(`Filter.${f}.Value.${v}`); v++) values.push(form.get(`Filter.${f}.Value.${v}`)!);
        filters.set(form.get(`Filter.${f}.Name`)!, values);
      }
      const ids = filters.get('instance-id');
      const keys = filters.get('tag-key');
      const matching = instances.filter((i) => (!ids || ids.includes(i.id)) && (!keys || keys.some((k) => k in i.tags)));
      const size = options.pageSize ?? 1000;
      const start = Number(form.get('NextToken') ?? 0);
      const page = matching.slice(start, start + size);
      // One reservation per instance, as an Auto Scaling group launches them.
      const reservations = page.map((i, n) =>
        `<item><reservationId>r-${start + n}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item>` +
        `<instanceId>${i.id}</instanceId><instanceState><code>16</code><name>running</name></instanceState>` +
        `<tagSet>${Object.entries(i.tags).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('')}</tagSet>` +
        '</item></instancesSet></item>');
      const next = start + size < matching.length ? `<nextToken>${start + size}</nextToken>` : '';
      return send(200, `<DescribeInstancesResponse xmlns="${NS}"><requestId>r-${calls.length}</requestId><reservationSet>${reservations.join('')}</reservationSet>${next}</DescribeInstancesResponse>`);
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
