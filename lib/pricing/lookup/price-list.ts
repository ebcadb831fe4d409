import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { UnitResource } from '../types';

/** One GetProducts filter (all are TERM_MATCH: exact attribute value). */
export interface PriceListFilter {
  readonly field: string;
  readonly value: string;
}

/** A price read from one PriceList product, before provenance is attached. */
export interface PriceListPrice {
  readonly sku: string;
  readonly usdPerUnit: number;
  readonly unit: string;
  /** `YYYY-MM-DD` of the OnDemand term's effectiveDate. */
  readonly validOn: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Lower bound of the tier, in units (0 unless the price is tiered). */
  readonly beginRange: number;
}

/** Result of parsing a GetProducts page: usable prices, plus one line per entry that could not be read. */
export interface ParsedPriceList {
  readonly prices: PriceListPrice[];
  readonly problems: string[];
}

/** The filters of the issue for an on-demand Linux, shared-tenancy instance price. */
export function onDemandInstanceFilters(instanceType: string, region: string): PriceListFilter[] {
  return [
    { field: 'instanceType', value: instanceType },
    { field: 'regionCode', value: region },
    { field: 'operatingSystem', value: 'Linux' },
    { field: 'tenancy', value: 'Shared' },
    { field: 'preInstalledSw', value: 'NA' },
    // Without it, GetProducts also returns the two capacity-reservation products with other meanings.
    { field: 'capacitystatus', value: 'Used' },
    { field: 'licenseModel', value: 'No License required' },
    { field: 'marketoption', value: 'OnDemand' },
  ];
}

/** How to find one unit price in the Price List. */
export interface UnitQuery {
  readonly resource: UnitResource;
  readonly serviceCode: string;
  readonly filters: (region: string) => PriceListFilter[];
  /** Picks the right product among those the filters return (usage types carry a region prefix outside us-east-1). */
  readonly accept: (attributes: Readonly<Record<string, string>>) => boolean;
  /** Converts the Price List's unit into ours (e.g. per request from per request, GB-Mo stays GB-Mo). */
  readonly unit: string;
}

const usageEndsWith = (suffix: string) => (a: Readonly<Record<string, string>>) => (a.usagetype ?? '').endsWith(suffix);
const usageMatches = (pattern: RegExp) => (a: Readonly<Record<string, string>>) => pattern.test(a.usagetype ?? '');

/**
 * Usage types of the Application Load Balancer family, exact: an optional region prefix (`USW2-`; none in us-east-1)
 * and the usage. The family also holds `TS-LoadBalancerUsage` (mTLS trust store hours), `Outposts-LoadBalancerUsage`
 * and `ReservedLCUUsage`; in us-east-1, which has no region prefix, `TS-` would pass for one, hence the lookahead.
 * https://aws.amazon.com/elasticloadbalancing/pricing/
 */
export const ALB_HOUR_USAGE = /^(?:(?!TS-)[A-Z0-9]+-)?LoadBalancerUsage$/;
export const ALB_LCU_USAGE = /^(?:(?!TS-)[A-Z0-9]+-)?LCUUsage$/;
/** Interface endpoint hours per AZ (`USE1-VpcEndpoint-Hours`), not Gateway Load Balancer endpoints' or bytes. */
export const VPC_ENDPOINT_HOUR_USAGE = /^([A-Z0-9]+-)?VpcEndpoint-Hours$/;

/** The non-instance prices of the stack and where the Price List keeps them. */
export const UNIT_QUERIES: readonly UnitQuery[] = [
  {
    resource: 'ebs-gp3-gb-month',
    serviceCode: 'AmazonEC2',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'Storage' },
      { field: 'volumeApiName', value: 'gp3' },
    ],
    accept: usageEndsWith('EBS:VolumeUsage.gp3'),
    unit: 'GB-Mo',
  },
  {
    resource: 'nat-gateway-hour',
    serviceCode: 'AmazonEC2',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'NAT Gateway' },
    ],
    accept: usageEndsWith('NatGateway-Hours'),
    unit: 'Hrs',
  },
  {
    resource: 'nat-gateway-gb-processed',
    serviceCode: 'AmazonEC2',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'NAT Gateway' },
    ],
    accept: usageEndsWith('NatGateway-Bytes'),
    unit: 'GB',
  },
  {
    resource: 'cloudwatch-alarm-month',
    serviceCode: 'AmazonCloudWatch',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'Alarm' },
    ],
    // Standard-resolution metric alarm; high-resolution and composite alarms have other usage types.
    accept: usageEndsWith('CW:AlarmMonitorUsage'),
    unit: 'Alarms',
  },
  {
    resource: 'lambda-gb-second',
    serviceCode: 'AWSLambda',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'group', value: 'AWS-Lambda-Duration' },
    ],
    // x86; Arm duration is its own group (below).
    accept: usageEndsWith('Lambda-GB-Second'),
    unit: 'Lambda-GB-Second',
  },
  {
    // Arm (Graviton) duration has its own group and usage type (ending Lambda-GB-Second-ARM), the filter infracost
    // prices arm64 functions with (internal/resources/aws/lambda_function.go). https://aws.amazon.com/lambda/pricing/
    resource: 'lambda-gb-second-arm',
    serviceCode: 'AWSLambda',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'group', value: 'AWS-Lambda-Duration-ARM' },
    ],
    accept: usageEndsWith('Lambda-GB-Second-ARM'),
    unit: 'Lambda-GB-Second',
  },
  {
    resource: 'lambda-request',
    serviceCode: 'AWSLambda',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'group', value: 'AWS-Lambda-Requests' },
    ],
    accept: usageEndsWith('Request'),
    unit: 'Requests',
  },
  {
    resource: 'sqs-request',
    serviceCode: 'AWSQueueService',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'API Request' },
      { field: 'queueType', value: 'Standard' },
    ],
    accept: usageEndsWith('Requests-RBP'),
    unit: 'Requests',
  },
  {
    resource: 'alb-hour',
    serviceCode: 'AWSELB',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'Load Balancer-Application' },
    ],
    accept: usageMatches(ALB_HOUR_USAGE),
    unit: 'Hrs',
  },
  {
    resource: 'alb-lcu-hour',
    serviceCode: 'AWSELB',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'Load Balancer-Application' },
    ],
    accept: usageMatches(ALB_LCU_USAGE),
    unit: 'LCU-Hrs',
  },
  {
    resource: 'vpc-interface-endpoint-hour',
    serviceCode: 'AmazonVPC',
    filters: (region) => [
      { field: 'regionCode', value: region },
      { field: 'productFamily', value: 'VpcEndpoint' },
    ],
    accept: usageMatches(VPC_ENDPOINT_HOUR_USAGE),
    unit: 'Hrs',
  },
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the OnDemand price dimensions out of GetProducts' `PriceList` (an array of JSON strings). An entry that is
 * not JSON, has no OnDemand term or no numeric USD price is reported in `problems` (by position and SKU) and
 * skipped: one bad entry must not turn into a $0 or NaN price.
 */
export function parsePriceList(entries: readonly unknown[], context: string): ParsedPriceList {
  const prices: PriceListPrice[] = [];
  const problems: string[] = [];
  entries.forEach((raw, index) => {
    const where = `${context}: PriceList[${index}]`;
    let doc: unknown = raw;
    // The SDK hands each entry over as a String object (its lazy JSON string), not a primitive.
    const text = typeof raw === 'string' ? raw : raw instanceof String ? raw.toString() : undefined;
    if (text !== undefined) {
      try {
        doc = JSON.parse(text);
      } catch (e) {
        problems.push(`${where} is not valid JSON (${(e as Error).message}); entry skipped`);
        return;
      }
    }
    if (!isRecord(doc) || !isRecord(doc.product) || !isRecord(doc.terms)) {
      problems.push(`${where} has no product/terms object; entry skipped`);
      return;
    }
    const sku = typeof doc.product.sku === 'string' ? doc.product.sku : '(no sku)';
    const attributes = isRecord(doc.product.attributes) ? (doc.product.attributes as Record<string, string>) : {};
    const onDemand = doc.terms.OnDemand;
    if (!isRecord(onDemand) || Object.keys(onDemand).length === 0) {
      problems.push(`${where} (sku ${sku}) has no OnDemand term; entry skipped`);
      return;
    }
    let found = 0;
    for (const term of Object.values(onDemand)) {
      if (!isRecord(term) || !isRecord(term.priceDimensions)) continue;
      const effective = typeof term.effectiveDate === 'string' ? term.effectiveDate.slice(0, 10) : '';
      for (const dim of Object.values(term.priceDimensions)) {
        if (!isRecord(dim) || !isRecord(dim.pricePerUnit)) continue;
        const usdText = dim.pricePerUnit.USD;
        const usd = typeof usdText === 'string' && usdText.trim() !== '' ? Number(usdText) : NaN;
        if (!Number.isFinite(usd) || usd < 0) {
          problems.push(`${where} (sku ${sku}) has pricePerUnit.USD ${JSON.stringify(usdText)}, not a price; dimension skipped`);
          continue;
        }
        if (!/^\d{4}-\d{2}-\d{2}$/.test(effective)) {
          problems.push(`${where} (sku ${sku}) has effectiveDate ${JSON.stringify(term.effectiveDate)}, not a date; dimension skipped`);
          continue;
        }
        const begin = Number(dim.beginRange ?? 0);
        prices.push({
          sku,
          usdPerUnit: usd,
          unit: typeof dim.unit === 'string' ? dim.unit : '',
          validOn: effective,
          attributes,
          beginRange: Number.isFinite(begin) ? begin : 0,
        });
        found++;
      }
    }
    if (found === 0 && !problems.some((p) => p.startsWith(where))) {
      problems.push(`${where} (sku ${sku}) has an OnDemand term without a USD price dimension; entry skipped`);
    }
  });
  return { prices, problems };
}

/** All pages of one GetProducts query, as raw PriceList entries; `onPage` counts calls. */
export async function getAllProducts(
  client: PricingClient,
  serviceCode: string,
  filters: readonly PriceListFilter[],
  signal: AbortSignal,
  onPage: () => void,
): Promise<unknown[]> {
  const entries: unknown[] = [];
  let nextToken: string | undefined;
  do {
    onPage();
    const out = await client.send(
      new GetProductsCommand({
        ServiceCode: serviceCode,
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        NextToken: nextToken,
        Filters: filters.map((f) => ({ Type: 'TERM_MATCH', Field: f.field, Value: f.value })),
      }),
      { abortSignal: signal },
    );
    entries.push(...((out.PriceList as unknown[] | undefined) ?? []));
    nextToken = out.NextToken ?? undefined;
  } while (nextToken);
  return entries;
}
