import { EnvironmentConfig } from './types';

/**
 * The three environments. Edit these to fit your fleet; `config/validate.ts` checks every field when the
 * app starts and names the environment, field, value and rule of anything wrong.
 */

const SHARED_INTERRUPTION = {
  rebalanceAction: 'drain',
  interruptionsPerHourAlarm: 5,
  drainTimeoutSeconds: 300,
} as const;

export const dev: EnvironmentConfig = {
  name: 'dev',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  fleet: {
    instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g4dn.xlarge'],
    onDemandBaseCapacity: 0,
    spotPercentageAboveBase: 100,
    // One spot host during working hours (the schedule scales to zero outside them); target tracking cannot
    // start a group from zero hosts, so min 1 is what makes dev usable when people work.
    minSize: 1,
    maxSize: 2,
    rootVolumeGiB: 150,
    scaling: { metric: { kind: 'gpu-utilization', targetPercent: 70 }, warmupSeconds: 420, predictive: 'off' },
    natGateways: 1,
  },
  tags: { owner: 'ml-platform', costCentre: 'CC-4711', environment: 'dev' },
  budget: { monthlyLimitUsd: 800, alertEmails: ['ml-platform-alerts@example.com'], killSwitch: true, anomalyMonitor: false },
  schedule: {
    timeZone: 'Europe/Berlin',
    periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '19:00' }],
  },
  usage: { averageSpotInstances: 1, hoursPerMonth: 730 },
  interruption: SHARED_INTERRUPTION,
  cost: { maxIncreasePercent: 20 },
  logRetentionDays: 30,
};

export const staging: EnvironmentConfig = {
  name: 'staging',
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  fleet: {
    instanceTypes: ['g6.xlarge', 'g5.xlarge', 'g6e.xlarge', 'g4dn.xlarge'],
    onDemandBaseCapacity: 1,
    spotPercentageAboveBase: 100,
    minSize: 1,
    maxSize: 6,
    rootVolumeGiB: 150,
    scaling: { metric: { kind: 'gpu-utilization', targetPercent: 70 }, warmupSeconds: 420, predictive: 'off' },
    natGateways: 1,
  },
  tags: { owner: 'ml-platform', costCentre: 'CC-4711', environment: 'staging' },
  budget: { monthlyLimitUsd: 2500, alertEmails: ['ml-platform-alerts@example.com'], killSwitch: true, anomalyMonitor: false },
  schedule: {
    timeZone: 'Europe/Berlin',
    periods: [{ days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], start: '08:00', end: '20:00' }],
  },
  usage: { averageSpotInstances: 2, hoursPerMonth: 730 },
  interruption: SHARED_INTERRUPTION,
  cost: { maxIncreasePercent: 15, throughputRps: { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40, 'g4dn.xlarge': 9 } },
  logRetentionDays: 90,
};

export const prod: EnvironmentConfig = {
  name: 'prod',
  region: 'us-east-1',
  // us-east-1 has the widest GPU spot capacity; four AZs give price-capacity-optimized more pools to choose from.
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'],
  fleet: {
    instanceTypes: ['g6.2xlarge', 'g5.2xlarge', 'g6e.2xlarge', 'g4dn.2xlarge'],
    onDemandBaseCapacity: 2,
    spotPercentageAboveBase: 100,
    minSize: 2,
    maxSize: 12,
    rootVolumeGiB: 200,
    scaling: { metric: { kind: 'gpu-utilization', targetPercent: 65 }, warmupSeconds: 420, predictive: 'forecast-only' },
    natGateways: 3,
  },
  tags: { owner: 'ml-platform', costCentre: 'CC-4711', environment: 'prod' },
  budget: {
    monthlyLimitUsd: 9000,
    alertEmails: ['ml-platform-alerts@example.com', 'finops@example.com'],
    // A prod kill switch would cap serving capacity; off unless a team decides otherwise.
    killSwitch: false,
    anomalyMonitor: true,
  },
  usage: { averageSpotInstances: 4, hoursPerMonth: 730 },
  interruption: SHARED_INTERRUPTION,
  // When g5/g6 spot runs dry in every AZ, up to 4 on-demand hosts keep serving; handed back after 15 quiet minutes.
  fallback: { maxInstances: 4, engageAfterMinutes: 5, releaseAfterMinutes: 15 },
  cost: {
    maxIncreasePercent: 10,
    throughputRps: { 'g6.2xlarge': 20, 'g5.2xlarge': 24, 'g6e.2xlarge': 44, 'g4dn.2xlarge': 10 },
  },
  // A year of function and flow logs for audits and incident reviews (validated: at least 365 in prod).
  logRetentionDays: 365,
};

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];
