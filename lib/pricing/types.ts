/**
 * The contract between the price lookups (AWS, cache, snapshot) and the cost model / report writers.
 * A `PriceTable` is plain JSON: it is what the cache and the committed snapshot store.
 */

/** Hours in an average month, the convention AWS prices monthly figures with (8760 h / 12). */
export const HOURS_PER_MONTH = 730;

/** Where a price came from in this synth. */
export type PriceSource = 'live' | 'cache' | 'snapshot';

export interface PriceProvenance {
  readonly source: PriceSource;
  /** The date the price is valid for, `YYYY-MM-DD` (Price List effective date, or the day the spot history was read). */
  readonly validOn: string;
  /** Where the figure was published, e.g. `AWS Price List API GetProducts (AmazonEC2)` or `EC2 DescribeSpotPriceHistory`. */
  readonly origin: string;
}

/** On-demand Linux, shared tenancy, per instance-hour. */
export interface OnDemandPrice extends PriceProvenance {
  readonly instanceType: string;
  readonly region: string;
  readonly usdPerHour: number;
}

/** One spot pool: an instance type in an availability zone. */
export interface SpotPool {
  readonly instanceType: string;
  readonly availabilityZone: string;
}

/**
 * What a spot price rests on: `az-history` is EC2's per-AZ price history (the best source); `regional` is the public
 * regional data (Spot Instance Advisor savings and the spot pricing page's quote), the same for every AZ; `cap` is no
 * spot data at all, priced at the on-demand price (an upper bound, shown as "spot: no data").
 */
export type SpotPriceKind = 'az-history' | 'regional' | 'cap';

/** Spot Linux/UNIX price statistics for one pool (instance type x AZ) over the look-back window. */
export interface SpotPrice extends PriceProvenance {
  /**
   * What the figures rest on.
   * @default 'az-history'
   */
  readonly kind?: SpotPriceKind;
  readonly instanceType: string;
  readonly region: string;
  readonly availabilityZone: string;
  /** Most recent price. */
  readonly currentUsdPerHour: number;
  readonly p50UsdPerHour: number;
  readonly p90UsdPerHour: number;
  /** Number of price points the statistics are over (time-weighted or not, see lookup docs). */
  readonly samples: number;
}

/**
 * A regional spot figure from AWS's public data (no AZ, no history): the expected price from the Spot Instance
 * Advisor's average savings over on-demand, and the spot pricing page's point-in-time quote. Where the two disagree,
 * that disagreement is the range.
 */
export interface RegionalSpotPrice extends PriceProvenance {
  readonly instanceType: string;
  readonly region: string;
  /** On-demand x (1 - advisor savings), or the quote when the advisor has no entry for the type. */
  readonly expectedUsdPerHour: number;
  /** The spot pricing page's Linux quote, or null when the feed has none for the type. */
  readonly quoteUsdPerHour: number | null;
  /** The advisor's average savings over on-demand, percent; null when the advisor has no entry. */
  readonly savingsPercent: number | null;
}

/** The Spot Instance Advisor's buckets of the frequency of interruption, as it labels them (index = its `r`). */
export const BUCKET_LABELS = ['<5%', '5-10%', '10-15%', '15-20%', '>20%'] as const;

/** The Spot Instance Advisor's interruption-frequency bucket of one type in one region (trailing month, regional). */
export interface InterruptionFrequency extends PriceProvenance {
  readonly instanceType: string;
  readonly region: string;
  /** 0..4: `<5%`, `5-10%`, `10-15%`, `15-20%`, `>20%`. */
  readonly bucket: number;
  /** The advisor's label of the bucket, e.g. `>20%`. */
  readonly label: string;
  /** The advisor's average savings over on-demand, percent. */
  readonly savingsPercent: number;
}

/** Non-instance parts of the stack. */
export type UnitResource =
  | 'ebs-gp3-gb-month'
  | 'nat-gateway-hour'
  | 'nat-gateway-gb-processed'
  | 'cloudwatch-alarm-month'
  | 'lambda-gb-second'
  | 'lambda-gb-second-arm'
  | 'lambda-request'
  | 'sqs-request'
  | 'alb-hour'
  | 'alb-lcu-hour'
  | 'vpc-interface-endpoint-hour';

/** Every unit price an estimate uses, in report order; the Price List queries (price-list.ts) cover exactly these. */
export const UNIT_RESOURCES: readonly UnitResource[] = [
  'ebs-gp3-gb-month',
  'nat-gateway-hour',
  'nat-gateway-gb-processed',
  'cloudwatch-alarm-month',
  'lambda-gb-second',
  'lambda-gb-second-arm',
  'lambda-request',
  'sqs-request',
  'alb-hour',
  'alb-lcu-hour',
  'vpc-interface-endpoint-hour',
];

export interface UnitPrice extends PriceProvenance {
  readonly resource: UnitResource;
  readonly region: string;
  readonly usdPerUnit: number;
  /** Human unit, e.g. `GB-Mo`, `Hrs`, `Requests`. */
  readonly unit: string;
}

/** Capacity facts from the preflight (DescribeInstanceTypeOfferings / DescribeInstanceTypes) or the offline catalog. */
export interface InstanceOffering {
  readonly instanceType: string;
  readonly region: string;
  /** The AZs (among those asked about) where the type is offered. */
  readonly availabilityZones: readonly string[];
  readonly gpus: number;
  readonly gpuMemoryGiB: number;
  /** Where the AZ list came from (DescribeInstanceTypeOfferings, or what a snapshot's data implies). */
  readonly origin?: string;
  /** `YYYY-MM-DD` the AZ list was read. */
  readonly validOn?: string;
}

export interface PriceTable {
  readonly onDemand: readonly OnDemandPrice[];
  readonly spot: readonly SpotPrice[];
  readonly units: readonly UnitPrice[];
  readonly offerings: readonly InstanceOffering[];
  /**
   * Regional spot figures from the public feeds; a pool without per-AZ history is priced from these.
   * @default - none
   */
  readonly regionalSpot?: readonly RegionalSpotPrice[];
  /**
   * Interruption-frequency buckets per type and region (Spot Instance Advisor).
   * @default - none: every pool's bucket is unknown
   */
  readonly interruption?: readonly InterruptionFrequency[];
}

/** What the lookups need to know about one environment. */
export interface PriceRequest {
  readonly environment: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly instanceTypes: readonly string[];
  /**
   * Spot capacity the fleet may ask for (its burst), for the spot placement score preflight.
   * @default - no placement score lookup (the fleet uses no spot)
   */
  readonly spotTargetCapacity?: number;
  /**
   * Whether the stack creates NAT gateways (an existing VPC brings its own, which are not this stack's cost).
   * @default true
   */
  readonly needsNat?: boolean;
}

/** EC2's spot placement score for one fleet AZ: how likely a spot request for the fleet's types is to be filled. */
export interface PlacementScore {
  readonly availabilityZone: string;
  /** 1 (unlikely) to 10 (very likely); null when EC2 gave no score for the AZ. */
  readonly score: number | null;
}

/** An environment's spot placement scores, from live lookups only (GetSpotPlacementScores, cached for a day). */
export interface EnvironmentPlacementScores {
  readonly environment: string;
  readonly region: string;
  readonly targetCapacity: number;
  readonly scores: readonly PlacementScore[];
  readonly source: 'live' | 'cache';
  readonly validOn: string;
}
