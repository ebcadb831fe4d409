import { CAPACITY_SHORTAGE_ERROR_CODES } from '../../shared/metric-names';
import type { LaunchUnsuccessfulEvent } from './events';

/** What a failed launch says about itself, read from the Auto Scaling activity (there is no separate code field). */
export interface LaunchFailure {
  readonly errorCode: string;
  /** The instance type the message names; `unknown` when it names none (a mixed-instances group's spot failures). */
  readonly instanceType: string;
  /** From the activity's details (AZ, else the message, else the subnet); `unknown` when none says. */
  readonly availabilityZone: string;
  /** The subnet of the activity, when the details name it (resolved to an AZ by the caller when needed). */
  readonly subnetId?: string;
  readonly market: 'spot' | 'on-demand' | 'unknown';
  /** The code means "no capacity for this request here" (as opposed to quota, configuration or permission). */
  readonly capacityShortage: boolean;
}

/** Codes recognised anywhere in the text when the message has no `<code> -` or `(<code>)` form. */
const KNOWN_CODES = [
  ...CAPACITY_SHORTAGE_ERROR_CODES,
  'MaxSpotInstanceCountExceeded',
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
  'InvalidParameterValue',
  'UnauthorizedOperation',
];

// Older or human-only messages: these phrases map to the EC2 error codes.
const PHRASES: ReadonlyArray<[RegExp, string]> = [
  [/do not have sufficient .* capacity/i, 'InsufficientInstanceCapacity'],
  [/no spot capacity available/i, 'InsufficientInstanceCapacity'],
  [/max spot instance count exceeded/i, 'MaxSpotInstanceCountExceeded'],
  [/more vCPU capacity than your current vCPU limit/i, 'VcpuLimitExceeded'],
  [/is not supported in your requested Availability Zone/i, 'Unsupported'],
  [/price.*(too low|lower than)/i, 'SpotMaxPriceTooLow'],
];

const AZ = /\b([a-z]{2}(?:-gov)?-[a-z]+-\d[a-z](?:-[a-z0-9]+-\d[a-z])?)\b/;

/**
 * Classifies a failed launch. A mixed-instances group reports a spot shortage as "Could not launch Spot Instances.
 * InsufficientInstanceCapacity - There is no Spot capacity available that matches your request." with no instance
 * type, so the AZ (from the activity's details) is what attributes it; the code is taken from that `<code> -` form
 * or an `(<code>)` form first, so codes not listed here (UnfulfillableCapacity, ...) keep their real name.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ts-as-capacity.html
 */
export function describeLaunchFailure(event: LaunchUnsuccessfulEvent): LaunchFailure {
  const text = `${event.detail.StatusMessage ?? ''} ${event.detail.Cause ?? ''}`;
  const code =
    /Could not launch (?:Spot|On-Demand) Instances\.\s+([A-Z][A-Za-z0-9.]+) -/.exec(text)?.[1] ??
    /An error occurred \(([A-Z][A-Za-z0-9.]+)\)/.exec(text)?.[1] ??
    KNOWN_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(text)) ??
    PHRASES.find(([re]) => re.test(text))?.[1] ??
    'Unknown';
  const type = /\b([a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:\d*x?large|metal[a-z0-9-]*|medium|small|micro|nano))\b/.exec(text);
  const market = /\bspot\b/i.test(text) ? 'spot' : /\bon-demand\b/i.test(text) ? 'on-demand' : 'unknown';
  const details = event.detail.Details ?? {};
  return {
    errorCode: code,
    instanceType: type?.[1] ?? 'unknown',
    availabilityZone: details['Availability Zone'] || AZ.exec(text)?.[1] || 'unknown',
    ...(details['Subnet ID'] ? { subnetId: details['Subnet ID'] } : {}),
    market,
    capacityShortage: (CAPACITY_SHORTAGE_ERROR_CODES as readonly string[]).includes(code),
  };
}
