import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A local stand-in for the two AWS wire protocols the price lookups use, on 127.0.0.1:
 * - Pricing: JSON 1.1, `X-Amz-Target: AWSPriceListService.GetProducts`, PriceList as an array of JSON strings;
 * - EC2: form-encoded query requests (`Action=...`), XML responses.
 * Shapes follow /work/shared/aws-wire-examples/. The real SDK clients talk to it, so request serialization,
 * pagination, retries and error parsing are the SDK's own.
 */

export type Operation =
  | 'GetProducts' | 'DescribeSpotPriceHistory' | 'DescribeInstanceTypeOfferings' | 'DescribeInstanceTypes'
  | 'DescribeAvailabilityZones' | 'GetSpotPlacementScores';

export interface FakeSpotPoint {
  readonly instanceType: string;
  readonly availabilityZone: string;
  /** Sent as text, so a test can send a malformed value. */
  readonly price: string;
  readonly timestamp: string;
}

export interface FakeUnitPrices {
  readonly gp3GbMonth: number;
  readonly natHour: number;
  readonly natGb: number;
  readonly alarmMonth: number;
  readonly lambdaGbSecond: number;
  readonly lambdaGbSecondArm: number;
  readonly lambdaRequest: number;
  readonly sqsRequest: number;
  readonly albHour: number;
  readonly albLcuHour: number;
  readonly vpcEndpointHour: number;
}

export interface FakeWorld {
  /** region -> type -> USD/hour; a type absent here has no Price List product. */
  readonly onDemand: Record<string, Record<string, number>>;
  /** region -> unit prices; a region absent here has none. */
  readonly units: Record<string, FakeUnitPrices>;
  readonly spot: readonly FakeSpotPoint[];
  /** region -> type -> AZs offering it. */
  readonly offerings: Record<string, Record<string, readonly string[]>>;
  /** type -> GPU count and per-GPU memory (MiB). */
  readonly gpus: Record<string, { count: number; memoryMiB: number }>;
  /** Extra raw PriceList strings returned for `${region} ${type}` on-demand queries (malformed-entry tests). */
  readonly extraPriceListEntries?: Record<string, readonly string[]>;
  /** Products per GetProducts page. @default 100 */
  readonly productsPageSize?: number;
  /** Items per EC2 page. @default 1000 */
  readonly ec2PageSize?: number;
  /** Effective date of every Price List term. @default 2026-11-01 */
  readonly effectiveDate?: string;
  /** AZ name -> AZ ID (DescribeAvailabilityZones). */
  readonly zoneIds?: Record<string, string>;
  /** AZ ID -> spot placement score 1-10 (GetSpotPlacementScores); an ID absent here gets no score. */
  readonly placementScores?: Record<string, number>;
}

export interface Faults {
  /** The first N calls of an operation are throttled (Pricing: 400 ThrottlingException; EC2: 503 RequestLimitExceeded). */
  throttle?: Partial<Record<Operation, number>>;
  /** Calls of an operation never get an answer. */
  hang?: Partial<Record<Operation, boolean>>;
  /** Calls of an operation fail with this error. */
  fail?: Partial<Record<Operation, { status: number; code: string; message: string }>>;
  /** Milliseconds before every answer. */
  latencyMs?: number;
}

export interface RecordedCall {
  readonly operation: string;
  /** Pricing: the JSON body; EC2: the form parameters. */
  readonly params: Record<string, unknown>;
  /** The SigV4 credential scope (`<date>/<region>/<service>/aws4_request`), which shows the client's region. */
  readonly scope: string;
}

export interface LocalAws {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  faults: Faults;
  world: FakeWorld;
  count(op: Operation): number;
  close(): Promise<void>;
}

interface Product {
  attributes: Record<string, string>;
  serviceCode: string;
  tiers: { begin: number; usd: string; unit: string }[];
}

const PREFIX: Record<string, string> = { 'us-east-1': 'USE1-', 'us-west-2': 'USW2-', 'eu-central-1': 'EUC1-' };

function products(world: FakeWorld): Product[] {
  const list: Product[] = [];
  for (const [region, types] of Object.entries(world.onDemand)) {
    for (const [type, usd] of Object.entries(types)) {
      const base = {
        instanceType: type, regionCode: region, operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA',
        licenseModel: 'No License required', marketoption: 'OnDemand', usagetype: `${PREFIX[region] ?? ''}BoxUsage:${type}`,
      };
      list.push({ serviceCode: 'AmazonEC2', attributes: { ...base, capacitystatus: 'Used' }, tiers: [{ begin: 0, usd: usd.toFixed(10), unit: 'Hrs' }] });
      // The decoy a query without capacitystatus=Used would also get.
      list.push({ serviceCode: 'AmazonEC2', attributes: { ...base, capacitystatus: 'UnusedCapacityReservation' }, tiers: [{ begin: 0, usd: (usd * 3).toFixed(10), unit: 'Hrs' }] });
    }
  }
  for (const [region, u] of Object.entries(world.units)) {
    const p = PREFIX[region] ?? '';
    const add = (serviceCode: string, attributes: Record<string, string>, tiers: Product['tiers']) =>
      list.push({ serviceCode, attributes: { regionCode: region, ...attributes }, tiers });
    add('AmazonEC2', { productFamily: 'Storage', volumeApiName: 'gp3', usagetype: `${p}EBS:VolumeUsage.gp3` }, [{ begin: 0, usd: String(u.gp3GbMonth), unit: 'GB-Mo' }]);
    add('AmazonEC2', { productFamily: 'NAT Gateway', usagetype: `${p}NatGateway-Hours` }, [{ begin: 0, usd: String(u.natHour), unit: 'Hrs' }]);
    add('AmazonEC2', { productFamily: 'NAT Gateway', usagetype: `${p}NatGateway-Bytes` }, [{ begin: 0, usd: String(u.natGb), unit: 'GB' }]);
    add('AmazonCloudWatch', { productFamily: 'Alarm', usagetype: `${p}CW:AlarmMonitorUsage` }, [{ begin: 0, usd: String(u.alarmMonth), unit: 'Alarms' }]);
    add('AmazonCloudWatch', { productFamily: 'Alarm', usagetype: `${p}CW:HighResAlarmMonitorUsage` }, [{ begin: 0, usd: String(u.alarmMonth * 3), unit: 'Alarms' }]);
    add('AWSLambda', { group: 'AWS-Lambda-Duration', usagetype: `${p}Lambda-GB-Second` }, [
      { begin: 0, usd: String(u.lambdaGbSecond), unit: 'Lambda-GB-Second' },
      { begin: 6e9, usd: String(u.lambdaGbSecond * 0.9), unit: 'Lambda-GB-Second' },
    ]);
    // Arm duration is its own group (infracost's filter: group AWS-Lambda-Duration-ARM). A decoy first, which a match
    // on the group alone would take; the tiers highest first, so that taking the first listed one is wrong.
    add('AWSLambda', { group: 'AWS-Lambda-Duration-ARM', usagetype: `${p}Lambda-Provisioned-GB-Second-ARM` }, [{ begin: 0, usd: String(u.lambdaGbSecondArm * 3), unit: 'Lambda-GB-Second' }]);
    add('AWSLambda', { group: 'AWS-Lambda-Duration-ARM', usagetype: `${p}Lambda-GB-Second-ARM` }, [
      { begin: 7.5e9, usd: String(u.lambdaGbSecondArm * 0.9), unit: 'Lambda-GB-Second' },
      { begin: 0, usd: String(u.lambdaGbSecondArm), unit: 'Lambda-GB-Second' },
    ]);
    add('AWSLambda', { group: 'AWS-Lambda-Requests', usagetype: `${p}Request` }, [{ begin: 0, usd: String(u.lambdaRequest), unit: 'Requests' }]);
    add('AWSQueueService', { productFamily: 'API Request', queueType: 'Standard', usagetype: `${p}Requests-RBP` }, [
      { begin: 0, usd: '0.0000000000', unit: 'Requests' },
      { begin: 1e6, usd: String(u.sqsRequest), unit: 'Requests' },
    ]);
    // The Application Load Balancer family also holds the trust store's hours, Outposts' and reserved LCUs: decoys
    // first, so a loose match (endsWith) would price the load balancer with one of them. ELB usage types have no
    // region prefix in us-east-1, so there `TS-` sits where a region prefix would.
    const e = region === 'us-east-1' ? '' : p;
    const alb = (usagetype: string, usd: number, unit: string) =>
      add('AWSELB', { productFamily: 'Load Balancer-Application', usagetype, operation: 'LoadBalancing:Application' }, [{ begin: 0, usd: String(usd), unit }]);
    alb(`${e}TS-LoadBalancerUsage`, u.albHour * 0.25, 'Hrs');
    alb(`${e}Outposts-LoadBalancerUsage`, u.albHour * 2, 'Hrs');
    alb(`${e}ReservedLCUUsage`, u.albLcuHour * 0.5, 'LCU-Hrs');
    alb(`${e}LoadBalancerUsage`, u.albHour, 'Hrs');
    alb(`${e}LCUUsage`, u.albLcuHour, 'LCU-Hrs');
    add('AmazonVPC', { productFamily: 'VpcEndpoint', usagetype: `${p}VpcEndpoint-GWLBE-Hours` }, [{ begin: 0, usd: String(u.vpcEndpointHour * 3), unit: 'Hrs' }]);
    add('AmazonVPC', { productFamily: 'VpcEndpoint', usagetype: `${p}VpcEndpoint-Bytes` }, [{ begin: 0, usd: String(u.vpcEndpointHour * 2), unit: 'GB' }]);
    add('AmazonVPC', { productFamily: 'VpcEndpoint', usagetype: `${p}VpcEndpoint-Hours` }, [{ begin: 0, usd: String(u.vpcEndpointHour), unit: 'Hrs' }]);
  }
  return list;
}

function priceListEntry(p: Product, index: number, effectiveDate: string): string {
  const sku = `SKU${String(index).padStart(6, '0')}`;
  const dims: Record<string, unknown> = {};
  p.tiers.forEach((t, i) => {
    dims[`${sku}.JRTCKXETXF.${i}`] = { unit: t.unit, beginRange: String(t.begin), endRange: 'Inf', pricePerUnit: { USD: t.usd }, description: 'test' };
  });
  return JSON.stringify({
    product: { productFamily: p.attributes.productFamily ?? 'Compute Instance', attributes: p.attributes, sku },
    serviceCode: p.serviceCode,
    terms: { OnDemand: { [`${sku}.JRTCKXETXF`]: { priceDimensions: dims, sku, effectiveDate: `${effectiveDate}T00:00:00Z`, offerTermCode: 'JRTCKXETXF' } } },
    version: '20261101000000',
    publicationDate: `${effectiveDate}T00:00:00Z`,
  });
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function listParam(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) out.push(params.get(`${prefix}.${i}`)!);
  return out;
}

function filters(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) out[params.get(`Filter.${i}.Name`)!] = listParam(params, `Filter.${i}.Value`);
  return out;
}

function page<T>(items: readonly T[], token: string | undefined | null, size: number): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startLocalAws(world: FakeWorld, faults: Faults = {}): Promise<LocalAws> {
  const calls: RecordedCall[] = [];
  const counts = new Map<string, number>();
  const state: { world: FakeWorld; faults: Faults } = { world, faults };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = req.headers['x-amz-target'];
      const isPricing = typeof target === 'string';
      let op: string;
      let params: Record<string, unknown>;
      let form: URLSearchParams | undefined;
      if (isPricing) {
        op = String(target).split('.').pop()!;
        params = body ? JSON.parse(body) : {};
      } else {
        form = new URLSearchParams(body);
        op = form.get('Action') ?? '';
        params = Object.fromEntries(form.entries());
      }
      const scope = /Credential=[^/]+\/([^,]+)/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      calls.push({ operation: op, params, scope });
      const n = (counts.get(op) ?? 0) + 1;
      counts.set(op, n);
      const f = state.faults;
      if (f.hang?.[op as Operation]) return; // never answer

      const send = (status: number, contentType: string, payload: string) => {
        const go = () => {
          if (res.writableEnded || res.destroyed) return;
          res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': `req-${calls.length}` });
          res.end(payload);
        };
        if (f.latencyMs) setTimeout(go, f.latencyMs);
        else go();
      };
      const error = (status: number, code: string, message: string) => {
        if (isPricing) send(status, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, message }));
        else send(status, 'text/xml', `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>req-${calls.length}</RequestID></Response>`);
      };
      if ((f.throttle?.[op as Operation] ?? 0) >= n) {
        return isPricing ? error(400, 'ThrottlingException', 'Rate exceeded') : error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
      }
      const failure = f.fail?.[op as Operation];
      if (failure) return error(failure.status, failure.code, failure.message);

      try {
        if (isPricing && op === 'GetProducts') return send(200, 'application/x-amz-json-1.1', getProducts(state.world, params));
        if (!isPricing && form) {
          const xml = ec2(state.world, op, form);
          if (typeof xml === 'string') return send(200, 'text/xml', xml);
          return error(xml.status, xml.code, xml.message);
        }
        error(400, 'InvalidAction', `unknown operation ${op}`);
      } catch (e) {
        error(500, 'InternalError', (e as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    get faults() { return state.faults; },
    set faults(v: Faults) { state.faults = v; },
    get world() { return state.world; },
    set world(v: FakeWorld) { state.world = v; },
    count: (op) => counts.get(op) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function getProducts(world: FakeWorld, body: Record<string, unknown>): string {
  const wanted = (body.Filters as { Field: string; Value: string }[] | undefined) ?? [];
  const all = products(world);
  const matched: string[] = [];
  all.forEach((p, i) => {
    if (p.serviceCode !== body.ServiceCode) return;
    if (wanted.every((f) => p.attributes[f.Field] === f.Value)) matched.push(priceListEntry(p, i, world.effectiveDate ?? '2026-11-01'));
  });
  const type = wanted.find((f) => f.Field === 'instanceType')?.Value;
  const region = wanted.find((f) => f.Field === 'regionCode')?.Value;
  if (type && region) matched.push(...(world.extraPriceListEntries?.[`${region} ${type}`] ?? []));
  const pg = page(matched, body.NextToken as string | undefined, world.productsPageSize ?? 100);
  return JSON.stringify({ FormatVersion: 'aws_v1', PriceList: pg.items, ...(pg.next ? { NextToken: pg.next } : {}) });
}

function ec2(world: FakeWorld, action: string, form: URLSearchParams): string | { status: number; code: string; message: string } {
  const size = world.ec2PageSize ?? 1000;
  const token = form.get('NextToken');
  const ns = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
  const next = (t?: string) => (t ? `<nextToken>${t}</nextToken>` : '');
  if (action === 'DescribeSpotPriceHistory') {
    const types = listParam(form, 'InstanceType');
    const azs = filters(form)['availability-zone'];
    const products = listParam(form, 'ProductDescription');
    if (products.length !== 1 || products[0] !== 'Linux/UNIX') {
      return { status: 400, code: 'InvalidParameterValue', message: `test server expects ProductDescription Linux/UNIX, got ${products}` };
    }
    const items = world.spot.filter((p) => types.includes(p.instanceType) && (!azs || azs.includes(p.availabilityZone)));
    const pg = page(items, token, size);
    const xml = pg.items
      .map((p) => `<item><availabilityZone>${p.availabilityZone}</availabilityZone><instanceType>${p.instanceType}</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>${xmlEscape(p.price)}</spotPrice><timestamp>${p.timestamp}</timestamp></item>`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><DescribeSpotPriceHistoryResponse ${ns}><requestId>r</requestId><spotPriceHistorySet>${xml}</spotPriceHistorySet>${next(pg.next)}</DescribeSpotPriceHistoryResponse>`;
  }
  if (action === 'DescribeInstanceTypeOfferings') {
    const f = filters(form);
    const region = form.get('Region') ?? undefined;
    const rows: { type: string; az: string }[] = [];
    for (const [reg, types] of Object.entries(world.offerings)) {
      if (region && reg !== region) continue;
      for (const [type, azs] of Object.entries(types)) {
        for (const az of azs) {
          if ((f['instance-type'] ?? [type]).includes(type) && (f.location ?? [az]).includes(az)) rows.push({ type, az });
        }
      }
    }
    const pg = page(rows, token, size);
    const xml = pg.items.map((r) => `<item><instanceType>${r.type}</instanceType><locationType>availability-zone</locationType><location>${r.az}</location></item>`).join('');
    return `<?xml version="1.0" encoding="UTF-8"?><DescribeInstanceTypeOfferingsResponse ${ns}><requestId>r</requestId><instanceTypeOfferingSet>${xml}</instanceTypeOfferingSet>${next(pg.next)}</DescribeInstanceTypeOfferingsResponse>`;
  }
  if (action === 'DescribeInstanceTypes') {
    const types = listParam(form, 'InstanceType');
    const unknown = types.filter((t) => !world.gpus[t]);
    if (unknown.length > 0) return { status: 400, code: 'InvalidInstanceType', message: `The following supplied instance types do not exist: [${unknown.join(', ')}]` };
    const xml = types
      .map((t) => {
        const g = world.gpus[t];
        return `<item><instanceType>${t}</instanceType><gpuInfo><gpus><item><name>GPU</name><manufacturer>NVIDIA</manufacturer><count>${g.count}</count><memoryInfo><sizeInMiB>${g.memoryMiB}</sizeInMiB></memoryInfo></item></gpus><totalGpuMemoryInMiB>${g.count * g.memoryMiB}</totalGpuMemoryInMiB></gpuInfo></item>`;
      })
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><DescribeInstanceTypesResponse ${ns}><requestId>r</requestId><instanceTypeSet>${xml}</instanceTypeSet></DescribeInstanceTypesResponse>`;
  }
  if (action === 'DescribeAvailabilityZones') {
    const names = listParam(form, 'ZoneName');
    const xml = names
      .filter((n) => world.zoneIds?.[n])
      .map((n) => `<item><zoneName>${n}</zoneName><zoneId>${world.zoneIds![n]}</zoneId><zoneState>available</zoneState></item>`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><DescribeAvailabilityZonesResponse ${ns}><requestId>r</requestId><availabilityZoneInfo>${xml}</availabilityZoneInfo></DescribeAvailabilityZonesResponse>`;
  }
  if (action === 'GetSpotPlacementScores') {
    const region = listParam(form, 'RegionName')[0];
    if (form.get('SingleAvailabilityZone') !== 'true') return { status: 400, code: 'InvalidParameterValue', message: 'test server expects SingleAvailabilityZone=true' };
    const xml = Object.entries(world.placementScores ?? {})
      .map(([id, score]) => `<item><region>${region}</region><availabilityZoneId>${id}</availabilityZoneId><score>${score}</score></item>`)
      .join('');
    return `<?xml version="1.0" encoding="UTF-8"?><GetSpotPlacementScoresResponse ${ns}><requestId>r</requestId><spotPlacementScoreSet>${xml}</spotPlacementScoreSet></GetSpotPlacementScoresResponse>`;
  }
  return { status: 400, code: 'InvalidAction', message: `unknown action ${action}` };
}
