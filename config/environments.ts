import { EnvironmentConfig } from './types';

/**
 * The three environments. Edit these to fit your fleet; `config/validate.ts` checks every field when the
 * app starts and names the environment, field, value and rule of anything wrong.
 */

// The serving examples run vLLM's OpenAI-compatible server (port 8000, /health, /v1/chat/completions) from an ECR
// mirror of the vllm/vllm-openai image, with the weights in S3. Repository, buckets, secret ARNs and the digest are
// placeholders, like the e-mail addresses: README "Serve your model in five steps" says what to put there. So are the
// certificate ARNs: staging and prod clients send VLLM_API_KEY as a bearer token, so their endpoints serve HTTPS
// (warning gpu-fleet:secretOverHttp otherwise), with an ACM certificate for the DNS name clients use.
const VLLM_REPOSITORY = 'ml-platform/vllm-openai';
/** Digest of the mirrored v0.10.1 image (placeholder: `docker inspect --format '{{index .RepoDigests 0}}'` after the push). */
const VLLM_DIGEST = 'sha256:5d3a0a1c3ed5e7a1b2f4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7';

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
    // Warm-up comes from serving (slow start + health checks): a host is InService only once its server answers.
    scaling: { metric: { kind: 'gpu-utilization', targetPercent: 70 }, predictive: 'off' },
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
  // A small model that fits a T4 (g4dn has no bf16, hence --dtype half), followed by tag.
  serving: {
    image: { ecrRepository: VLLM_REPOSITORY, tag: 'v0.10.1', sizeGiB: 9 },
    port: 8000,
    command: ['--model', '/models', '--served-model-name', 'qwen2.5-1.5b-instruct', '--dtype', 'half', '--max-model-len', '8192'],
    healthCheck: { path: '/health' },
    dockerArgs: ['--ipc=host'],
    model: { s3Uri: 's3://ml-platform-models-dev/qwen2.5-1.5b-instruct/', sizeGiB: 3.1 },
    startupSeconds: 300,
    endpoint: { scheme: 'internal' },
    slo: { latencyPercentile: 'p90', latencySeconds: 8 },
    expectedLoad: { requestsPerSecond: 1 },
  },
  acknowledge: [
    { id: 'gpu-fleet:mutableImageTag', reason: 'dev follows the v0.10.1 tag of the mirror on purpose; staging and prod pin the digest' },
  ],
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
    // Requests per host: 60 x the slowest type's throughput (g4dn, 9 rps) = 540 a minute; the latency guard adds hosts
    // when p90 passes the SLO.
    scaling: { metric: { kind: 'request-count', targetUtilizationPercent: 100, latencyGuard: true }, predictive: 'off' },
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
  // Pinned by digest; the API key comes from Secrets Manager (vLLM reads VLLM_API_KEY).
  serving: {
    image: { ecrRepository: VLLM_REPOSITORY, digest: VLLM_DIGEST, sizeGiB: 9 },
    port: 8000,
    command: ['--model', '/models', '--served-model-name', 'llama-3.1-8b-instruct', '--quantization', 'awq', '--max-model-len', '8192', '--gpu-memory-utilization', '0.90'],
    healthCheck: { path: '/health', intervalSeconds: 15, timeoutSeconds: 5 },
    secrets: { VLLM_API_KEY: { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-platform/staging/vllm-api-key-AbC123' } },
    dockerArgs: ['--ipc=host'],
    model: { s3Uri: 's3://ml-platform-models-staging/llama-3.1-8b-instruct-awq/', sizeGiB: 5.4 },
    startupSeconds: 480,
    // HTTPS like prod, so the API key never crosses the network in cleartext and prod's TLS setup (certificate, DNS
    // alias, client trust) is rehearsed here first.
    // Clients use the OpenAI API under /v1, the only paths vLLM's API key guards: every other path answers 403.
    endpoint: {
      scheme: 'internal', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/5e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b', deregistrationDelaySeconds: 120,
      allowedPaths: ['/v1/*'],
    },
    slo: { latencyPercentile: 'p90', latencySeconds: 10, costPer1kRequestsUsd: 0.5 },
    expectedLoad: { requestsPerSecond: 5 },
  },
  acknowledge: [
    { id: 'gpu-fleet:unevenThroughput', reason: 'g4dn (9 rps) sets the per-host target, so g6e hosts run at about a quarter of what they serve; kept for spot capacity until the pool data says g4dn can go' },
  ],
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
    // 60 x 10 rps (g4dn.2xlarge, the slowest) = 600 requests a minute per host, plus the latency guard.
    scaling: { metric: { kind: 'request-count', targetUtilizationPercent: 100, latencyGuard: true }, predictive: 'forecast-only' },
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
  // As staging, plus the corporate network as clients, a year of access logs and canary checkpoints for rollouts.
  serving: {
    image: { ecrRepository: VLLM_REPOSITORY, digest: VLLM_DIGEST, sizeGiB: 9 },
    port: 8000,
    command: ['--model', '/models', '--served-model-name', 'llama-3.1-8b-instruct', '--quantization', 'awq', '--max-model-len', '8192', '--gpu-memory-utilization', '0.90'],
    healthCheck: { path: '/health', intervalSeconds: 15, timeoutSeconds: 5 },
    secrets: { VLLM_API_KEY: { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-platform/prod/vllm-api-key-XyZ789' } },
    dockerArgs: ['--shm-size=16g'],
    model: { s3Uri: 's3://ml-platform-models-prod/llama-3.1-8b-instruct-awq/', sizeGiB: 5.4 },
    startupSeconds: 480,
    endpoint: {
      scheme: 'internal',
      // HTTPS: the corporate network's clients send the API key; in cleartext every hop on the way could read it.
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      allowedCidrs: ['10.0.0.0/8'],
      // Clients use the OpenAI API under /v1, the only paths vLLM's API key guards: every other path answers 403.
      allowedPaths: ['/v1/*'],
      deregistrationDelaySeconds: 120,
      accessLogRetentionDays: 365,
    },
    slo: { latencyPercentile: 'p90', latencySeconds: 10, costPer1kRequestsUsd: 0.4 },
    expectedLoad: { requestsPerSecond: 40 },
    rollout: { checkpointPercentages: [25, 100], checkpointDelaySeconds: 600, bakeTimeSeconds: 900 },
  },
  acknowledge: [
    { id: 'gpu-fleet:unevenThroughput', reason: 'g4dn.2xlarge (10 rps) sets the per-host target, so g6e hosts run at about a quarter of what they serve; kept for spot capacity until the pool data says g4dn can go' },
  ],
};

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];
