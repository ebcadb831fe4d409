import type { PriceRequest } from '../types';
import type { AwsClientOptions } from './aws-clients';
import type { PricingMode, PublicFeedOptions, ResolveOptions } from './options';
import { mergeRegions, RegionRequest } from './requests';

/** Calls made, by operation, counting every page (not retries, which the SDK does under one call). */
export interface LookupCalls {
  getProducts: number;
  describeSpotPriceHistory: number;
  describeInstanceTypeOfferings: number;
  describeInstanceTypes: number;
  /** Public feed documents fetched (not AWS API calls; no credentials). */
  publicFeeds: number;
}

export function noCalls(): LookupCalls {
  return { getProducts: 0, describeSpotPriceHistory: 0, describeInstanceTypeOfferings: 0, describeInstanceTypes: 0, publicFeeds: 0 };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * One price resolution: what was asked, the settings with their defaults applied, and what it has found so far
 * (warnings, calls). Every source and rule takes this one object instead of a list of positional parameters.
 */
export interface LookupContext {
  readonly requests: readonly PriceRequest[];
  /** One entry per region: the union of every environment's types and AZs there. */
  readonly regions: readonly RegionRequest[];
  readonly mode: PricingMode;
  /** The time the lookup happens at (cache freshness, spot window, snapshot age). */
  readonly now: Date;
  readonly cacheDir: string;
  readonly snapshotPath: string;
  /** AWS lookups in flight at once. */
  readonly concurrency: number;
  /** Milliseconds one lookup (all its pages and retries) may take. */
  readonly timeoutMs: number;
  readonly credentialsTimeoutMs: number;
  /** False when no AWS credential source can exist: the SDK is then never loaded. */
  readonly credentialSourceMayExist: boolean;
  readonly onDemandTtlMs: number;
  readonly spotTtlMs: number;
  readonly placementTtlMs: number;
  readonly spotLookbackDays: number;
  readonly snapshotMaxAgeDays: number;
  readonly placementScoreThreshold: number;
  readonly aws?: AwsClientOptions;
  readonly feeds?: PublicFeedOptions;
  /** AWS calls made so far. */
  readonly calls: LookupCalls;
  /** Warnings so far, each once, in the order found. */
  readonly warnings: readonly string[];
  /** Adds a warning (a line already there is not repeated). */
  warn(line: string): void;
  /** A progress line. */
  log(line: string): void;
}

/** The context of one `resolvePriceTable` call; defaults as documented on `ResolveOptions`. */
export function lookupContext(requests: readonly PriceRequest[], options: ResolveOptions): LookupContext {
  const warnings: string[] = [];
  return {
    requests,
    regions: mergeRegions(requests),
    mode: options.mode,
    now: options.now ?? new Date(),
    cacheDir: options.cacheDir,
    snapshotPath: options.snapshotPath,
    concurrency: options.concurrency ?? 24,
    timeoutMs: options.timeoutMs ?? 30_000,
    credentialsTimeoutMs: options.credentialsTimeoutMs ?? 3000,
    credentialSourceMayExist: options.credentialSourceMayExist ?? true,
    onDemandTtlMs: (options.onDemandTtlDays ?? 7) * DAY,
    spotTtlMs: (options.spotTtlHours ?? 6) * HOUR,
    placementTtlMs: (options.placementTtlHours ?? 24) * HOUR,
    spotLookbackDays: options.spotLookbackDays ?? 7,
    snapshotMaxAgeDays: options.snapshotMaxAgeDays ?? 30,
    placementScoreThreshold: options.placementScoreThreshold ?? 5,
    aws: options.aws,
    feeds: options.feeds,
    calls: noCalls(),
    warnings,
    warn: (line) => {
      if (!warnings.includes(line)) warnings.push(line);
    },
    log: options.log ?? (() => undefined),
  };
}
