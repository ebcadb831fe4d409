import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * AWS's two public spot feeds, served from 127.0.0.1 in their wire shapes (see ../shared/data/aws-spot-feeds/README.md):
 * `/spot-advisor-data.json` and `/spot.json`. Each can be made down (HTTP 503), slow, or malformed.
 */
export type FeedBehaviour = 'ok' | 'down' | 'slow' | 'malformed';

export interface FeedWorld {
  /** region -> type -> [savings %, bucket index] */
  readonly advisor: Record<string, Record<string, [number, number]>>;
  /** region -> type -> Linux USD/h as the feed writes it (a string, `N/A*` where none) */
  readonly quotes: Record<string, Record<string, string>>;
}

export interface FeedServer {
  readonly advisorUrl: string;
  readonly priceFeedUrl: string;
  readonly requests: string[];
  behaviour: { advisor: FeedBehaviour; prices: FeedBehaviour };
  close(): Promise<void>;
}

const RANGES = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'].map((label, index) => ({ index, label, dots: index, max: [5, 11, 16, 22, 100][index] }));

export function advisorDoc(w: FeedWorld): unknown {
  return {
    ranges: RANGES,
    instance_types: {},
    spot_advisor: Object.fromEntries(Object.entries(w.advisor).map(([region, types]) => [region, {
      Linux: Object.fromEntries(Object.entries(types).map(([t, [s, r]]) => [t, { s, r }])),
      Windows: {},
    }])),
  };
}

export function priceFeedDoc(w: FeedWorld): unknown {
  return {
    vers: 0.01,
    config: {
      rate: 'perhr', valueColumns: ['linux', 'mswin'], currencies: ['USD'],
      regions: Object.entries(w.quotes).map(([region, types]) => ({
        region,
        footnotes: {},
        instanceTypes: [{
          type: 'gpuCurrentGen',
          sizes: Object.entries(types).map(([size, usd]) => ({ size, valueColumns: [{ name: 'linux', prices: { USD: usd } }, { name: 'mswin', prices: { USD: 'N/A*' } }] })),
        }],
      })),
    },
  };
}

/** `latencyMs` delays every answer (the benchmark's call latency); `slowMs` is how long a 'slow' feed takes. */
export async function startFeedServer(world: FeedWorld, slowMs = 5000, latencyMs = 0): Promise<FeedServer> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state = { advisor: 'ok' as FeedBehaviour, prices: 'ok' as FeedBehaviour };
  const server = http.createServer((req, res) => {
    if (latencyMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        answer(req, res);
      }, latencyMs);
      timers.add(t);
    } else answer(req, res);
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push(req.url ?? '');
    const which = req.url === '/spot-advisor-data.json' ? 'advisor' : req.url === '/spot.json' ? 'prices' : undefined;
    if (!which) {
      res.writeHead(404).end();
      return;
    }
    const b = state[which];
    const body = JSON.stringify(which === 'advisor' ? advisorDoc(world) : priceFeedDoc(world));
    if (b === 'down') res.writeHead(503).end('Service Unavailable');
    else if (b === 'malformed') res.writeHead(200, { 'content-type': 'application/json' }).end('{"vers": 0.01, "config": ');
    else if (b === 'slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        res.writeHead(200).end(body);
      }, slowMs);
      timers.add(t);
    } else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    advisorUrl: `http://127.0.0.1:${port}/spot-advisor-data.json`,
    priceFeedUrl: `http://127.0.0.1:${port}/spot.json`,
    requests,
    behaviour: state,
    close: () => new Promise<void>((resolve) => {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
