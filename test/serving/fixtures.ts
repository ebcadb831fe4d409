import type { HostScriptSpec } from '../../lib/serving/host-script';

export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ml-platform/staging/vllm-api-key-AbC123';
export const PARAMETER_ARN = 'arn:aws:ssm:us-east-1:123456789012:parameter/ml-platform/hf-token';

/** A full spec: ECR image by digest, model, three secrets, environment, docker args, a command with shell metacharacters. */
export function fullSpec(overrides: Partial<HostScriptSpec> = {}): HostScriptSpec {
  return {
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-platform/vllm-openai@${DIGEST}`,
    ecrLogin: true,
    region: 'us-east-1',
    port: 8000,
    healthCheckPath: '/health',
    command: ['--model', '/models', '--served-model-name', "it's a \"model\" with $HOME and `cmd`", '--max-model-len', '8192'],
    environment: { VLLM_LOGGING_LEVEL: 'INFO', GREETING: "it's \"quoted\" $HOME `x` \\ ; & |" },
    secrets: [
      { name: 'VLLM_API_KEY', source: 'secretsmanager', arn: SECRET_ARN },
      { name: 'HF_TOKEN', source: 'ssm', arn: PARAMETER_ARN },
      { name: 'OTHER', source: 'secretsmanager', arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-Xy12Zz' },
    ],
    dockerArgs: ['--ipc=host', '--shm-size=8g', '--ulimit=memlock=-1'],
    modelS3Uri: 's3://ml-platform-models-staging/llama-3.1-8b-instruct-awq/',
    logGroupName: 'GpuFleet-staging-WorkloadLogGroup1234-abcd',
    startupSeconds: 480,
    drainSeconds: 300,
    readinessHookName: 'gpu-fleet-serving-ready',
    revision: '2026-09-10 rotate key',
    ...overrides,
  };
}

/** The smallest spec: public image by tag, nothing optional. */
export function minimalSpec(overrides: Partial<HostScriptSpec> = {}): HostScriptSpec {
  return {
    image: 'docker.io/vllm/vllm-openai:v0.10.1',
    ecrLogin: false,
    region: 'us-east-1',
    port: 8000,
    healthCheckPath: '/health',
    logGroupName: 'lg',
    startupSeconds: 300,
    drainSeconds: 120,
    ...overrides,
  };
}
