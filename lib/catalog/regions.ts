/** Regions the fleet can be configured for (commercial regions with GPU capacity). */
export const KNOWN_REGIONS: readonly string[] = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2',
  'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'me-central-1', 'me-south-1', 'il-central-1', 'af-south-1',
];

/**
 * Whether `az` names an availability zone of `region` (`us-east-1a`: the region's name and one letter). Local Zones
 * and Wavelength Zones (`us-east-1-bos-1a`) do not match: they have no GPU spot capacity to spread over.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html
 */
export function isAvailabilityZoneOf(az: string, region: string): boolean {
  return az.length === region.length + 1 && az.startsWith(region) && /^[a-z]$/.test(az.slice(-1));
}
