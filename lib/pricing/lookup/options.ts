import type { AwsClientOptions } from './aws-clients';
import { PricingLookupError } from './errors';

/** Where the two credential-free feeds are read from, and how long each may take. */
export interface PublicFeedOptions {
  /** Spot Instance Advisor data, e.g. `https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json`. */
  readonly advisorUrl: string;
  /** The spot pricing page's feed, e.g. `https://website.spot.ec2.aws.a2z.com/spot.json`. */
  readonly priceFeedUrl: string;
  /**
   * Milliseconds each feed may take, connection to last byte; a feed that takes longer is a warning and the next source.
   * @default 3000
   */
  readonly timeoutMs?: number;
}

/** Where prices come from: see docs/pricing-sources.md. */
export type PricingMode = 'live' | 'auto' | 'snapshot';
export const PRICING_MODES: readonly PricingMode[] = ['live', 'auto', 'snapshot'];

/** The `pricing` context value as a mode; anything else is an error naming the value and the choices. */
export function parsePricingMode(value: unknown): PricingMode {
  if (value === undefined || value === null || value === '') return 'auto';
  if (typeof value === 'string' && (PRICING_MODES as readonly string[]).includes(value)) return value as PricingMode;
  throw new PricingLookupError([
    `pricing: context pricing=${JSON.stringify(value)} is not a pricing mode; use one of ${PRICING_MODES.join(', ')} (e.g. -c pricing=snapshot)`,
  ]);
}

export interface ResolveOptions {
  /** `live`: AWS or fail; `auto`: fresh cache, else AWS if credentials resolve, else snapshot; `snapshot`: only the snapshot. */
  readonly mode: PricingMode;
  /** Directory of the local cache, e.g. `.cache/pricing` (gitignored). */
  readonly cacheDir: string;
  /** The committed snapshot, e.g. `pricing/snapshot.json`. */
  readonly snapshotPath: string;
  /**
   * The time the lookup happens at (cache freshness, spot window, snapshot age).
   * @default new Date()
   */
  readonly now?: Date;
  /**
   * Progress lines (printed to stderr by the app).
   * @default - no progress output
   */
  readonly log?: (line: string) => void;
  /**
   * AWS lookups in flight at once.
   * @default 24
   */
  readonly concurrency?: number;
  /**
   * Milliseconds one lookup (all its pages and retries) may take before it fails with a message naming it.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds `auto` and `live` wait for credentials to resolve before treating them as absent.
   * @default 3000
   */
  readonly credentialsTimeoutMs?: number;
  /**
   * How long cached spot prices stay fresh.
   * @default 6 hours
   */
  readonly spotTtlHours?: number;
  /**
   * How long cached on-demand, unit prices and offerings stay fresh.
   * @default 7 days
   */
  readonly onDemandTtlDays?: number;
  /**
   * Days of spot price history the statistics cover.
   * @default 7
   */
  readonly spotLookbackDays?: number;
  /**
   * Snapshot prices older than this many days draw a warning.
   * @default 30
   */
  readonly snapshotMaxAgeDays?: number;
  /**
   * How long cached spot placement scores stay fresh (AWS allows 10 score configurations per account a day).
   * @default 24 hours
   */
  readonly placementTtlHours?: number;
  /**
   * Placement scores below this (1-10) draw a warning naming the pool.
   * @default 5
   */
  readonly placementScoreThreshold?: number;
  /**
   * AWS client settings (endpoint, credentials, attempts, HTTP timeout). Normally unset: the standard SDK
   * configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_*) applies.
   * @default {}
   */
  readonly aws?: AwsClientOptions;
  /**
   * AWS's two credential-free spot feeds (regional spot figures, interruption buckets): read by `auto` (with or
   * without credentials) and `live`. `bin/app.ts` passes the public URLs, or GPU_FLEET_SPOT_ADVISOR_URL and
   * GPU_FLEET_SPOT_PRICE_FEED_URL.
   * @default - feeds not read: interruption buckets and regional figures come from the snapshot (`auto`) or are absent (`live`)
   */
  readonly feeds?: PublicFeedOptions;
  /**
   * Whether a source of AWS credentials can exist at all (bin/app.ts decides with `awsCredentialSourceMayExist`
   * from the process environment). When false, `auto` does not load the AWS SDK and treats credentials as absent.
   * @default true
   */
  readonly credentialSourceMayExist?: boolean;
}
