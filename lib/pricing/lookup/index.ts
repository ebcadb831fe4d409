/** Price lookups: AWS (Price List + EC2), the local cache and the committed snapshot. See docs/pricing-sources.md. */
export { resolvePriceTable, parsePricingMode, PRICING_MODES } from './resolve';
export type { PricingMode, ResolveOptions, ResolvedPrices } from './resolve';
export { mergeRegions } from './requests';
export type { RegionRequest } from './requests';
export { PricingLookupError } from './errors';
export { pricingApiRegionFor, PRICING_API_REGIONS } from './aws-clients';
export type { AwsClientOptions } from './aws-clients';
export type { LookupCalls } from './context';
export { readSnapshot, writeSnapshot, SNAPSHOT_FORMAT } from './snapshot';
export { spotStatistics } from './spot-history';
export { parsePriceList } from './price-list';
