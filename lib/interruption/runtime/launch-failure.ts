import type { LaunchUnsuccessfulEvent } from './events';

/** Error code and instance type of a failed launch, read from the Auto Scaling status message (no separate field). */
export interface LaunchFailure {
  readonly errorCode: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
}

const KNOWN_CODES = [
  'InsufficientInstanceCapacity',
  'MaxSpotInstanceCountExceeded',
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'SpotMaxPriceTooLow',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
  'InvalidParameterValue',
  'UnauthorizedOperation',
];

// Auto Scaling puts the human EC2 message in StatusMessage; these phrases map to the EC2 error codes.
const PHRASES: ReadonlyArray<[RegExp, string]> = [
  [/do not have sufficient .* capacity/i, 'InsufficientInstanceCapacity'],
  [/no spot capacity available/i, 'InsufficientInstanceCapacity'],
  [/max spot instance count exceeded/i, 'MaxSpotInstanceCountExceeded'],
  [/more vCPU capacity than your current vCPU limit/i, 'VcpuLimitExceeded'],
  [/is not supported in your requested Availability Zone/i, 'Unsupported'],
  [/price.*(too low|lower than)/i, 'SpotMaxPriceTooLow'],
];

export function describeLaunchFailure(event: LaunchUnsuccessfulEvent): LaunchFailure {
  const text = `${event.detail.StatusMessage ?? ''} ${event.detail.Cause ?? ''}`;
  const code =
    KNOWN_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(text)) ?? PHRASES.find(([re]) => re.test(text))?.[1];
  const type = /\b([a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:\d*x?large|metal[a-z0-9-]*|medium|small|micro|nano))\b/.exec(text);
  return {
    errorCode: code ?? 'Unknown',
    instanceType: type?.[1] ?? 'unknown',
    availabilityZone: event.detail.Details?.['Availability Zone'] ?? 'unknown',
  };
}
