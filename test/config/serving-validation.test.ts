import { dev, prod, staging } from '../../config/environments';
import { EnvironmentConfig, ServingConfig } from '../../config/types';
import { environmentProblems } from '../../config/validate';
import { ALLOWED_DOCKER_ARGS_TEXT } from '../../lib/shared/docker-args';
import { DeepPartial, withOverrides, withoutServing } from '../support/stacks';

// The `serving` block (issue 11): every message names the environment, the field, the value and the rule. The base
// environments here get a serving block of their own, so these tests do not move when the committed examples change.

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ml-platform/staging/vllm-api-key-AbC123';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0c1d2e3f-1111-2222-3333-444455556666';
const VPC = { vpcId: 'vpc-0123456789abcdef0', privateSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef0', 'us-east-1b': 'subnet-0123456789abcdef1', 'us-east-1c': 'subnet-0123456789abcdef2' } };

const SERVING: ServingConfig = {
  image: { ecrRepository: 'ml-platform/vllm-openai', digest: DIGEST, sizeGiB: 9 },
  port: 8000,
  command: ['--model', '/models', '--served-model-name', 'llama'],
  healthCheck: { path: '/health', intervalSeconds: 15, timeoutSeconds: 5 },
  secrets: { VLLM_API_KEY: { arn: SECRET } },
  dockerArgs: ['--ipc=host'],
  model: { s3Uri: 's3://ml-platform-models-staging/llama-3.1-8b-instruct-awq/', sizeGiB: 5.4 },
  startupSeconds: 480,
  endpoint: { scheme: 'internal' },
  slo: { latencySeconds: 10 },
  expectedLoad: { requestsPerSecond: 5 },
};

/** `env` serving SERVING (in place of its own): no configured warm-up (serving derives it). */
const serving = (env: EnvironmentConfig): EnvironmentConfig =>
  ({ ...env, fleet: { ...env.fleet, scaling: { ...env.fleet.scaling, warmupSeconds: undefined } }, serving: SERVING });
/** `env` as it was before serving (GPU-utilization burst, configured warm-up). */
const plain = (env: EnvironmentConfig) => withoutServing(env);
const S = {
  dev: serving(dev),
  staging: serving(staging),
  prod: withOverrides(serving(prod), { serving: { endpoint: { accessLogRetentionDays: 365 } } }),
};
/** `env` with its scaling metric replaced (not merged: a strict object rejects the other kind's fields). */
const withMetric = (env: EnvironmentConfig, metric: object): EnvironmentConfig =>
  ({ ...env, fleet: { ...env.fleet, scaling: { ...env.fleet.scaling, metric } } }) as EnvironmentConfig;
/** `env` with `cost.throughputRps` replaced. */
const withRps = (env: EnvironmentConfig, throughputRps: Record<string, number>): EnvironmentConfig => ({ ...env, cost: { ...env.cost, throughputRps } });

const problemsOf = (base: EnvironmentConfig, o: DeepPartial<EnvironmentConfig>) => environmentProblems(withOverrides(base, o));
const sv = (o: DeepPartial<ServingConfig>) => ({ serving: o }) as DeepPartial<EnvironmentConfig>;

/** Least outstanding requests routing, which throughput units need (no slow start with it). */
const LOR = sv({ endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 0 } });

describe('serving config: valid', () => {
  test('the serving bases and the committed environments are valid', () => {
    expect(Object.values(S).map((e) => environmentProblems(e))).toEqual([[], [], []]);
    expect([dev, staging, prod].map((e) => environmentProblems(e))).toEqual([[], [], []]);
  });

  test('the smallest block: image, startup, SLO, expected load', () => {
    const minimal: ServingConfig = {
      image: { uri: 'docker.io/vllm/vllm-openai', tag: 'v0.10.1' }, startupSeconds: 300, slo: { latencySeconds: 8 }, expectedLoad: { requestsPerSecond: 1 },
    };
    expect(environmentProblems({ ...S.dev, serving: minimal })).toEqual([]);
  });

  test.each<[string, DeepPartial<ServingConfig>]>([
    ['ECR repository by ARN in the region', { image: { ecrRepository: 'arn:aws:ecr:us-east-1:123456789012:repository/ml-platform/vllm-openai' } }],
    ['port 1', { port: 1 }],
    ['port 65535', { port: 65535 }],
    ['slow start 0', { endpoint: { slowStartSeconds: 0 } }],
    ['slow start 30', { endpoint: { slowStartSeconds: 30 } }],
    ['slow start 900', { endpoint: { slowStartSeconds: 900 } }],
    ['least outstanding requests without slow start', { endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 0 } }],
    ['deregistration delay = drain timeout', { endpoint: { deregistrationDelaySeconds: 300 } }],
    ['SLO just above the health-check timeout', { slo: { latencySeconds: 5.1 } }],
    ['SSM parameter secret with a customer key', { secrets: { HF_TOKEN: { arn: 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/hf-token', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555' } } }],
    ['internet-facing with a certificate', { endpoint: { scheme: 'internet-facing', certificateArn: CERT } }],
    ['model that just fits (5 + 10 + 85 = 150 GiB)', { image: { sizeGiB: 10 }, model: { sizeGiB: 55 } }],
    ['every allowed docker arg', { dockerArgs: ['--shm-size=8g', '--ipc=host', '--ulimit=memlock=-1:-1', '--ulimit=stack=67108864', '--pids-limit=4096', '--cpus=3.5', '--memory=12g'] }],
    ['rollout checkpoints', { rollout: { checkpointPercentages: [25, 50, 100], checkpointDelaySeconds: 0, bakeTimeSeconds: 172800 } }],
  ])('%s', (_name, o) => {
    expect(problemsOf(S.staging, sv(o))).toEqual([]);
  });

  test('request-count scaling with the throughput of every type; throughput units with least outstanding requests', () => {
    expect(environmentProblems(withMetric(S.staging, { kind: 'request-count' }))).toEqual([]);
    expect(problemsOf(S.staging, { fleet: { capacityUnit: 'throughput' }, ...sv({ endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 0 } }) })).toEqual([]);
  });

  test('throughput units: the per-host request target does not apply (1 rps at 1% is 0.01 rps per unit), one message for a missing figure', () => {
    const t = withRps(withMetric(S.staging, { kind: 'request-count', targetUtilizationPercent: 1 }), { 'g6.xlarge': 1, 'g5.xlarge': 1, 'g6e.xlarge': 1, 'g4dn.xlarge': 1 });
    expect(problemsOf(t, { fleet: { capacityUnit: 'throughput' }, ...LOR })).toEqual([]);
    expect(problemsOf(withRps(S.staging, { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40 }), { fleet: { capacityUnit: 'throughput' }, ...LOR })).toEqual([
      'staging.cost.throughputRps (missing "g4dn.xlarge") must give a figure for every fleet.instanceTypes entry when fleet.capacityUnit is "throughput"',
    ]);
  });

  test('allowed paths at the limits: 5 patterns, 5 wildcards, 128 characters, every character ALB takes', () => {
    const all = `/${'a'.repeat(86)}AZaz09_-.$/~"'@:+&*?`;
    expect(problemsOf(S.prod, sv({ endpoint: { allowedPaths: ['/v1/*', '/v2/*', '/v3/*', `/${'x'.repeat(127)}`, all] } }))).toEqual([]);
    expect(`/${'x'.repeat(127)}`).toHaveLength(128);
  });

  test('an existing VPC with what serving needs', () => {
    expect(problemsOf(S.staging, { fleet: { existingVpc: { ...VPC, cidrBlock: '10.1.0.0/16', s3GatewayEndpoint: 'exists' } } })).toEqual([]);
    expect(problemsOf(S.staging, {
      fleet: { existingVpc: { ...VPC, s3GatewayEndpoint: 'create', privateRouteTableIds: { 'us-east-1a': 'rtb-0123456789abcdef0', 'us-east-1b': 'rtb-0123456789abcdef1', 'us-east-1c': 'rtb-0123456789abcdef2' } } },
      ...sv({ endpoint: { allowedCidrs: ['10.0.0.0/8'] } }),
    })).toEqual([]);
  });
});

describe('serving config: every bad input named with environment, field, value and rule', () => {
  const ECR_RULE = 'is not an ECR repository name or ARN: lowercase letters, digits and . _ - separated by /, 2-256 characters, or arn:aws:ecr:<region>:<account>:repository/<name>';

  test.each<[string, EnvironmentConfig, DeepPartial<EnvironmentConfig>, string]>([
    // The list
    ['malformed repository name', S.staging, sv({ image: { ecrRepository: 'ML_Platform/VLLM' } }),
      `staging.serving.image.ecrRepository ("ML_Platform/VLLM") ${ECR_RULE}`],
    ['malformed repository ARN', S.staging, sv({ image: { ecrRepository: 'arn:aws:ecr:us-east-1:1234:repository/vllm' } }),
      `staging.serving.image.ecrRepository ("arn:aws:ecr:us-east-1:1234:repository/vllm") ${ECR_RULE}`],
    ['image without tag or digest', S.staging, sv({ image: { digest: undefined } }),
      'staging.serving.image ({"ecrRepository":"ml-platform/vllm-openai","sizeGiB":9}) must name a tag or a digest, e.g. tag "v0.10.1" or digest "sha256:<64 hex>"'],
    ['port above 65535', S.dev, sv({ port: 70000 }), 'dev.serving.port (70000) must be a whole number from 1 to 65535'],
    ['port 0', S.dev, sv({ port: 0 }), 'dev.serving.port (0) must be a whole number from 1 to 65535'],
    ['port not whole', S.dev, sv({ port: 80.5 }), 'dev.serving.port (80.5) must be a whole number from 1 to 65535'],
    ['health path without leading slash', S.dev, sv({ healthCheck: { path: 'health' } }), 'dev.serving.healthCheck.path ("health") must start with / (e.g. /health)'],
    ['S3 URI without a prefix', S.prod, sv({ model: { s3Uri: 's3://ml-models' } }),
      'prod.serving.model.s3Uri ("s3://ml-models") must be s3://<bucket>/<prefix> with a bucket name and a non-empty prefix'],
    ['S3 URI of another scheme', S.prod, sv({ model: { s3Uri: 'https://ml-models.s3.amazonaws.com/llama/' } }),
      'prod.serving.model.s3Uri ("https://ml-models.s3.amazonaws.com/llama/") must be s3://<bucket>/<prefix> with a bucket name and a non-empty prefix'],
    ['internet-facing without certificate', S.prod, sv({ endpoint: { scheme: 'internet-facing' } }),
      'prod.serving.endpoint.certificateArn (missing) is required when endpoint.scheme is "internet-facing": an internet-facing endpoint serves HTTPS only'],
    ['SLO not above the health-check timeout', S.prod, sv({ slo: { latencySeconds: 5 } }),
      'prod.serving.slo.latencySeconds (5) must be greater than serving.healthCheck.timeoutSeconds (5): a latency at the SLO would already fail health checks'],
    ['deregistration delay above the drain timeout', S.prod, sv({ endpoint: { deregistrationDelaySeconds: 301 } }),
      'prod.serving.endpoint.deregistrationDelaySeconds (301) must be <= interruption.drainTimeoutSeconds (300): the drain must last as long as the load balancer lets in-flight requests finish'],
    ['throughput units without a figure for every type', withRps(S.staging, { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40 }),
      { fleet: { capacityUnit: 'throughput' }, ...sv({ endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 0 } }) },
      'staging.cost.throughputRps (missing "g4dn.xlarge") must give a figure for every fleet.instanceTypes entry when fleet.capacityUnit is "throughput"'],
    // Image
    ['tag and digest', S.staging, sv({ image: { tag: 'v1' } }),
      'staging.serving.image ({"ecrRepository":"ml-platform/vllm-openai","digest":"sha2...) must name a tag or a digest, not both'],
    ['repository and uri', S.staging, sv({ image: { uri: 'docker.io/vllm/vllm-openai' } }),
      'staging.serving.image ({"ecrRepository":"ml-platform/vllm-openai","digest":"sha2...) must name exactly one of ecrRepository (an ECR repository) and uri (an image in another registry)'],
    ['neither repository nor uri', S.staging, sv({ image: { ecrRepository: undefined } }),
      'staging.serving.image ({"digest":"sha256:0123456789abcdef0123456789abcdef0123456...) must name exactly one of ecrRepository (an ECR repository) and uri (an image in another registry)'],
    ['repository in another region', S.staging, sv({ image: { ecrRepository: 'arn:aws:ecr:eu-west-1:123456789012:repository/ml-platform/vllm-openai' } }),
      'staging.serving.image.ecrRepository ("arn:aws:ecr:eu-west-1:123456789012:repository/ml-platfor...) is in eu-west-1, not in the environment\'s region us-east-1: the hosts log in to their own region\'s registry; replicate the repository to us-east-1'],
    ['a tag with a space', S.staging, sv({ image: { digest: undefined, tag: 'v 1' } }), 'staging.serving.image.tag ("v 1") must be 1-128 letters, digits, _ . - (not starting with . or -)'],
    ['a digest of the wrong length', S.staging, sv({ image: { digest: 'sha256:abc' } }), 'staging.serving.image.digest ("sha256:abc") must be sha256:<64 lowercase hex>'],
    ['a public image with its tag in the URI', S.dev, sv({ image: { ecrRepository: undefined, uri: 'vllm/vllm-openai:latest', digest: DIGEST } }),
      'dev.serving.image.uri ("vllm/vllm-openai:latest") must be <registry>/<path> in lowercase, without tag or digest (give those in tag or digest)'],
    ['image size 0', S.dev, sv({ image: { sizeGiB: 0 } }), 'dev.serving.image.sizeGiB (0) must be GiB > 0'],
    // Health check
    ['health path with a space', S.dev, sv({ healthCheck: { path: '/he alth' } }),
      "dev.serving.healthCheck.path (\"/he alth\") must be a URL path of at most 1024 characters: letters, digits and / . _ ~ % ! $ & ' ( ) * + , ; = : @ -"],
    ['healthy codes 500', S.dev, sv({ healthCheck: { healthyHttpCodes: '200-500' } }),
      'dev.serving.healthCheck.healthyHttpCodes ("200-500") must be HTTP codes 200-499 as "200", "200-299" or "200,202"'],
    ['interval not above timeout', S.dev, sv({ healthCheck: { intervalSeconds: 5 } }),
      'dev.serving.healthCheck.intervalSeconds (5) must be greater than healthCheck.timeoutSeconds (5): a check must end before the next one starts'],
    ['timeout not below the default interval', S.dev, sv({ healthCheck: { intervalSeconds: undefined, timeoutSeconds: 20 }, slo: { latencySeconds: 30 } }),
      'dev.serving.healthCheck.timeoutSeconds (20) must be less than healthCheck.intervalSeconds (15, the default): a check must end before the next one starts'],
    ['healthy threshold 1', S.dev, sv({ healthCheck: { healthyThreshold: 1 } }), 'dev.serving.healthCheck.healthyThreshold (1) must be a whole number from 2 to 10: ALB range'],
    ['interval 301', S.dev, sv({ healthCheck: { intervalSeconds: 301 } }), 'dev.serving.healthCheck.intervalSeconds (301) must be a whole number of seconds from 5 to 300: ALB range'],
    // Variables, secrets, docker args, command
    ['a docker arg off the allow-list', S.staging, sv({ dockerArgs: ['--ipc=host', '--privileged'] }),
      `staging.serving.dockerArgs[1] ("--privileged") is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}`],
    ['a docker arg with a separate value', S.staging, sv({ dockerArgs: ['--shm-size 8g'] }),
      `staging.serving.dockerArgs[0] ("--shm-size 8g") is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}`],
    ['a secret ARN without its suffix', S.staging, sv({ secrets: { HF_TOKEN: { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf' } } }),
      'staging.serving.secrets.HF_TOKEN.arn ("arn:aws:secretsmanager:us-east-1:123456789012:secret:hf") must be a full secret ARN ending in -<6 characters> (copy it from the console), or an SSM parameter ARN'],
    ['a key alias instead of a key ARN', S.staging, sv({ secrets: { VLLM_API_KEY: { arn: SECRET, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/ml' } } }),
      'staging.serving.secrets.VLLM_API_KEY.kmsKeyArn ("arn:aws:kms:us-east-1:123456789012:alias/ml") must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)'],
    ['a variable name that is not one', S.staging, sv({ environment: { 'VLLM-LOG': 'INFO' } }),
      'staging.serving.environment ("VLLM-LOG") is not a variable name: a letter or _, then letters, digits or _'],
    ['a secret name that is not one', S.staging, sv({ secrets: { '1KEY': { arn: SECRET } } }),
      'staging.serving.secrets ("1KEY") is not a variable name: a letter or _, then letters, digits or _'],
    ['a variable in environment and secrets', S.staging, sv({ environment: { VLLM_API_KEY: 'x' } }),
      'staging.serving.secrets.VLLM_API_KEY is also in serving.environment: a variable comes from one place'],
    ['a multi-line environment value', S.staging, sv({ environment: { GREETING: 'a\nb' } }),
      'staging.serving.environment.GREETING ("a\\nb") must be one line: a Docker env file holds one line per variable'],
    ['a command word with a line break', S.staging, sv({ command: ['--model', '/models\n--x'] }), 'staging.serving.command[1] ("/models\\n--x") must be one line (no line break or NUL)'],
    ['a multi-line revision', S.staging, sv({ revision: 'a\nb' }), 'staging.serving.revision ("a\\nb") must be one line of at most 256 characters'],
    // Model
    ['an S3 prefix with a wildcard', S.prod, sv({ model: { s3Uri: 's3://ml-models/llama/*' } }),
      "prod.serving.model.s3Uri (\"s3://ml-models/llama/*\") must have a key prefix of letters, digits and ! _ . ' ( ) - separated by single / (no *, ?, . or .. segments: it becomes an IAM resource)"],
    ['a model without its size', S.prod, sv({ model: { s3Uri: 's3://ml-models/llama/', sizeGiB: undefined } }), 'prod.serving.model.sizeGiB (missing) must be GiB > 0'],
    ['a model that does not fit the root volume', S.staging, sv({ model: { sizeGiB: 60 } }),
      'staging.serving.model.sizeGiB (60) does not fit fleet.rootVolumeGiB (150): model 60 GiB + image 9 GiB + 85 GiB for the AMI and working space = 154 GiB; raise rootVolumeGiB'],
    ['startup under a minute', S.dev, sv({ startupSeconds: 59 }),
      'dev.serving.startupSeconds (59) must be a whole number of seconds from 60 to 6900: the readiness hook waits at most 2 hours, 5 minutes of it after the startup'],
    ['startup missing', S.dev, sv({ startupSeconds: undefined }),
      'dev.serving.startupSeconds (missing) must be a whole number of seconds from 60 to 6900: the readiness hook waits at most 2 hours, 5 minutes of it after the startup'],
    // Endpoint
    ['a certificate of another region', S.prod, sv({ endpoint: { scheme: 'internet-facing', certificateArn: CERT.replace('us-east-1', 'eu-west-1') } }),
      'prod.serving.endpoint.certificateArn ("arn:aws:acm:eu-west-1:123456789012:certificate/0c1d2e3f-...) is in eu-west-1, not in us-east-1: a load balancer uses certificates of its own region'],
    ['a certificate that is not an ACM ARN', S.prod, sv({ endpoint: { certificateArn: 'arn:aws:iam::123456789012:server-certificate/x' } }),
      'prod.serving.endpoint.certificateArn ("arn:aws:iam::123456789012:server-certificate/x") must be an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>'],
    ['slow start with least outstanding requests', S.staging, sv({ endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 120 } }),
      'staging.serving.endpoint.slowStartSeconds (120) must be 0 when endpoint.routing is "least_outstanding_requests" (ALB has no slow start with that algorithm)'],
    ['slow start 29', S.staging, sv({ endpoint: { slowStartSeconds: 29 } }), 'staging.serving.endpoint.slowStartSeconds (29) must be 0 or whole seconds from 30 to 900 (ALB range)'],
    ['slow start 901', S.staging, sv({ endpoint: { slowStartSeconds: 901 } }), 'staging.serving.endpoint.slowStartSeconds (901) must be 0 or whole seconds from 30 to 900 (ALB range)'],
    ['a CIDR that is not one', S.prod, sv({ endpoint: { allowedCidrs: ['10.0.0.0/8', '10.0.0.0'] } }), 'prod.serving.endpoint.allowedCidrs[1] ("10.0.0.0") must be an IPv4 CIDR like 10.0.0.0/8'],
    ['no CIDR', S.prod, sv({ endpoint: { allowedCidrs: [] } }), 'prod.serving.endpoint.allowedCidrs ([]) must list at least one CIDR: nobody could reach the endpoint'],
    ['an allowed path without the leading /', S.prod, sv({ endpoint: { allowedPaths: ['/v1/*', 'v1/*'] } }),
      'prod.serving.endpoint.allowedPaths[1] ("v1/*") must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?'],
    ['an allowed path with a character ALB does not take', S.staging, sv({ endpoint: { allowedPaths: ['/v1/models%20x'] } }),
      'staging.serving.endpoint.allowedPaths[0] ("/v1/models%20x") must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?'],
    ['an allowed path of 129 characters', S.prod, sv({ endpoint: { allowedPaths: [`/${'a'.repeat(128)}`] } }),
      `prod.serving.endpoint.allowedPaths[0] ("/${'a'.repeat(55)}...) must be an ALB path pattern: start with /, at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?`],
    ['no allowed path', S.prod, sv({ endpoint: { allowedPaths: [] } }),
      'prod.serving.endpoint.allowedPaths ([]) must list at least one path pattern: every request would be refused'],
    ['six allowed paths', S.prod, sv({ endpoint: { allowedPaths: ['/a', '/b', '/c', '/d', '/e', '/f'] } }),
      'prod.serving.endpoint.allowedPaths (["/a","/b","/c","/d","/e","/f"]) must list at most 5 path patterns: one listener rule\'s condition limit (ALB quota)'],
    ['an allowed path twice', S.staging, sv({ endpoint: { allowedPaths: ['/v1/*', '/health', '/v1/*'] } }),
      'staging.serving.endpoint.allowedPaths (["/v1/*","/health","/v1/*"]) lists "/v1/*" more than once: each pattern once'],
    ['six wildcards in the allowed paths', S.prod, sv({ endpoint: { allowedPaths: ['/v1/*/*', '/v2/*/*', '/v?/*'] } }),
      'prod.serving.endpoint.allowedPaths (["/v1/*/*","/v2/*/*","/v?/*"]) has 6 wildcards (* and ?): one listener rule takes at most 5 (ALB quota)'],
    ['a scheme that does not exist', S.prod, sv({ endpoint: { scheme: 'public' as never } }), 'prod.serving.endpoint.scheme ("public") must be \'internal\' or \'internet-facing\''],
    ['access logs under a year in prod', S.prod, sv({ endpoint: { accessLogRetentionDays: 90 } }),
      'prod.serving.endpoint.accessLogRetentionDays (90) must be at least 365 days in prod: audits and incident reviews need a year of access logs'],
    ['access logs by default in prod', S.prod, sv({ endpoint: { accessLogRetentionDays: undefined } }),
      'prod.serving.endpoint.accessLogRetentionDays (missing: default 90) must be at least 365 days in prod: audits and incident reviews need a year of access logs'],
    ['an SLO longer than the idle timeout', S.staging, sv({ slo: { latencySeconds: 301 } }),
      'staging.serving.slo.latencySeconds (301) must be <= serving.endpoint.idleTimeoutSeconds (300): the load balancer would close the connection of a response that slow'],
    ['a 5xx objective of 0', S.staging, sv({ slo: { max5xxPercent: 0 } }), 'staging.serving.slo.max5xxPercent (0) must be > 0 and <= 100'],
    ['no expected load', S.staging, sv({ expectedLoad: undefined }), 'staging.serving.expectedLoad (missing) must be an object'],
    // The cost report prices the endpoint's LCUs and its cost per 1,000 requests from it: never a $0 or NaN.
    ['no expected requests per second', S.staging, sv({ expectedLoad: { requestsPerSecond: undefined } }),
      'staging.serving.expectedLoad.requestsPerSecond (missing) must be requests/second > 0'],
    ['0 expected requests per second', S.prod, sv({ expectedLoad: { requestsPerSecond: 0 } }),
      'prod.serving.expectedLoad.requestsPerSecond (0) must be requests/second > 0'],
    ['requests per connection under 1', S.prod, sv({ expectedLoad: { requestsPerConnection: 0.5 } }),
      'prod.serving.expectedLoad.requestsPerConnection (0.5) must be >= 1'],
    ['rollout checkpoints out of order', S.prod, sv({ rollout: { checkpointPercentages: [50, 25, 100] } }),
      'prod.serving.rollout.checkpointPercentages ([50,25,100]) must be ascending, each once, and end with 100'],
    ['rollout checkpoints not ending at 100', S.prod, sv({ rollout: { checkpointPercentages: [25, 50] } }),
      'prod.serving.rollout.checkpointPercentages ([25,50]) must be ascending, each once, and end with 100'],
    ['a checkpoint delay without checkpoints', S.prod, sv({ rollout: { checkpointDelaySeconds: 300 } }),
      'prod.serving.rollout.checkpointDelaySeconds (300) needs rollout.checkpointPercentages: there is no checkpoint to pause at'],
    ['a request target under 1 a minute', withRps(withMetric(S.staging, { kind: 'request-count', targetUtilizationPercent: 1 }), { 'g6.xlarge': 1, 'g5.xlarge': 1, 'g6e.xlarge': 1, 'g4dn.xlarge': 1 }), {},
      'staging.cost.throughputRps (slowest 1) at fleet.scaling.metric.targetUtilizationPercent 1 gives less than 1 request per host per minute: the request-count target must be at least 1'],
    // The fleet around serving
    ['one AZ', S.dev, { availabilityZones: ['us-east-1a'] },
      'dev.availabilityZones (["us-east-1a"]) must list at least 2 AZs when serving is set: an Application Load Balancer needs subnets in two AZs'],
    ['a configured warm-up with serving', S.staging, { fleet: { scaling: { warmupSeconds: 420 } } },
      'staging.fleet.scaling.warmupSeconds (420) must be absent when serving is set: the warm-up is derived from the slow start and the health check (docs/serving.md)'],
    ['no warm-up without serving', plain(staging), { fleet: { scaling: { warmupSeconds: undefined } } },
      'staging.fleet.scaling.warmupSeconds (missing) is required without serving: the seconds a new host needs before its metrics count'],
    ['request-count without serving', withMetric(plain(staging), { kind: 'request-count' }), {},
      'staging.fleet.scaling.metric.kind ("request-count") needs serving: requests are counted at the serving endpoint\'s load balancer'],
    ['request-count without the throughput of a type', withRps(withMetric(S.staging, { kind: 'request-count' }), { 'g6.xlarge': 18, 'g5.xlarge': 22 }), {},
      'staging.cost.throughputRps (missing "g6e.xlarge", "g4dn.xlarge") must give a figure for every fleet.instanceTypes entry when fleet.scaling.metric.kind is "request-count": the requests per host come from the slowest type'],
    ['request-count target utilization 0', withMetric(S.staging, { kind: 'request-count', targetUtilizationPercent: 0 }), {},
      'staging.fleet.scaling.metric.targetUtilizationPercent (0) must be from 1 to 100'],
    ['throughput units without serving', plain(staging), { fleet: { capacityUnit: 'throughput' } },
      'staging.fleet.capacityUnit ("throughput") needs serving: throughput units count requests through the serving endpoint'],
    ['throughput units with round robin', S.staging, { fleet: { capacityUnit: 'throughput' } },
      'staging.serving.endpoint.routing ("missing: default round_robin") must be "least_outstanding_requests" when fleet.capacityUnit is "throughput": round robin gives a slow host as many requests as a fast one'],
    ['throughput units with a weight Auto Scaling cannot take', S.staging,
      { fleet: { capacityUnit: 'throughput' }, cost: { throughputRps: { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 1200, 'g4dn.xlarge': 0.4 } }, ...sv({ endpoint: { routing: 'least_outstanding_requests', slowStartSeconds: 0 } }) },
      'staging.cost.throughputRps.g6e.xlarge (1200) must round to 1-999 requests/second when fleet.capacityUnit is "throughput": Auto Scaling weights are whole numbers from 1 to 999'],
    ['throughput units scaling on GPU utilization', withMetric(S.staging, { kind: 'gpu-utilization', targetPercent: 70 }), { fleet: { capacityUnit: 'throughput' }, ...LOR },
      'staging.fleet.scaling.metric.kind ("gpu-utilization") must be "request-count" when fleet.capacityUnit is "throughput": throughput units scale on requests per second per unit (targetUtilizationPercent of each unit\'s throughput); another metric would leave the units\' meaning unused and the target ambiguous'],
    ['throughput units scaling on a custom metric', withMetric(S.staging, { kind: 'custom', namespace: 'Q', metricName: 'Depth', statistic: 'Average', targetValue: 5 }), { fleet: { capacityUnit: 'throughput' }, ...LOR },
      'staging.fleet.scaling.metric.kind ("custom") must be "request-count" when fleet.capacityUnit is "throughput": throughput units scale on requests per second per unit (targetUtilizationPercent of each unit\'s throughput); another metric would leave the units\' meaning unused and the target ambiguous'],
    ['throughput units with predictive scaling', S.staging, { fleet: { capacityUnit: 'throughput', scaling: { predictive: 'forecast-only' } }, ...LOR },
      'staging.fleet.scaling.predictive ("forecast-only") must be "off" when fleet.capacityUnit is "throughput": predictive scaling is built for requests per host, not per throughput unit'],
    ['an unknown capacity unit', S.staging, { fleet: { capacityUnit: 'gpus' as never } }, 'staging.fleet.capacityUnit ("gpus") must be \'auto\' or \'throughput\''],
    // An existing VPC: what we cannot see, the config must say
    ['existing VPC without an S3 endpoint decision', S.staging, { fleet: { existingVpc: { ...VPC, cidrBlock: '10.1.0.0/16' } } },
      'staging.fleet.existingVpc.s3GatewayEndpoint (missing) must be "create", "exists" or "none" when serving is set, so model downloads are priced right'],
    ['existing VPC: create the S3 endpoint without route tables', S.staging, { fleet: { existingVpc: { ...VPC, cidrBlock: '10.1.0.0/16', s3GatewayEndpoint: 'create', privateRouteTableIds: { 'us-east-1a': 'rtb-0123456789abcdef0' } } } },
      'staging.fleet.existingVpc.privateRouteTableIds (["us-east-1a"]) has no route table for us-east-1b: s3GatewayEndpoint "create" adds the S3 route to every private subnet\'s route table'],
    ['existing VPC, internal, no CIDR known', S.staging, { fleet: { existingVpc: { ...VPC, s3GatewayEndpoint: 'exists' } } },
      'staging.serving.endpoint.allowedCidrs (missing) is required with fleet.existingVpc unless existingVpc.cidrBlock is given: the default, the VPC\'s CIDR, is unknown for an imported VPC'],
    ['existing VPC, internet-facing, no public subnets', S.staging,
      { fleet: { existingVpc: { ...VPC, s3GatewayEndpoint: 'none' } }, ...sv({ endpoint: { scheme: 'internet-facing', certificateArn: CERT } }) },
      'staging.fleet.existingVpc.publicSubnetIds (missing) has no subnet for us-east-1a: give a public subnet in every configured AZ (an internet-facing load balancer reaches hosts only in its own AZs)'],
    ['existing VPC, internal, public subnets for some AZs only', S.staging,
      { fleet: { existingVpc: { ...VPC, cidrBlock: '10.1.0.0/16', s3GatewayEndpoint: 'exists', publicSubnetIds: { 'us-east-1a': 'subnet-0123456789abcdef9' } } } },
      'staging.fleet.existingVpc.publicSubnetIds (["us-east-1a"]) has no subnet for us-east-1b: give a public subnet in every configured AZ (an internet-facing load balancer reaches hosts only in its own AZs)'],
    ['existing VPC: a route table id that is not one', S.staging, { fleet: { existingVpc: { ...VPC, s3GatewayEndpoint: 'create', privateRouteTableIds: { 'us-east-1a': 'subnet-0123456789abcdef0' } } } },
      'staging.fleet.existingVpc.privateRouteTableIds.us-east-1a ("subnet-0123456789abcdef0") must be a route table id (rtb-0123abcd...)'],
  ])('%s', (_name, base, overrides, message) => {
    expect(problemsOf(base, overrides)).toContain(message);
  });

  test('a misspelled serving key names the closest field, at every depth', () => {
    const typo = (path: string[], key: string, misspelt: string) => {
      const copy = structuredClone(S.staging) as unknown as Record<string, any>;
      const obj = path.reduce((o, k) => o[k], copy);
      obj[misspelt] = obj[key];
      delete obj[key];
      return environmentProblems(copy);
    };
    expect(typo(['serving'], 'healthCheck', 'healthChek')).toEqual(['`staging.serving.healthChek` is not a field; did you mean `healthCheck`?']);
    expect(typo(['serving', 'image'], 'digest', 'digset')).toEqual([
      // The image then has neither tag nor digest: that rule runs only once the shape is right.
      '`staging.serving.image.digset` is not a field; did you mean `digest`?',
    ]);
    expect(typo(['serving', 'endpoint'], 'scheme', 'shceme')).toEqual(['`staging.serving.endpoint.shceme` is not a field; did you mean `scheme`?']);
    expect(typo(['serving', 'secrets', 'VLLM_API_KEY'], 'arn', 'ARN')).toEqual([
      'staging.serving.secrets.VLLM_API_KEY.arn (missing) must be a full secret ARN ending in -<6 characters> (copy it from the console), or an SSM parameter ARN',
      '`staging.serving.secrets.VLLM_API_KEY.ARN` is not a field; did you mean `arn`?',
    ]);
    expect(environmentProblems({ ...S.staging, servng: SERVING, serving: undefined })).toEqual(['`staging.servng` is not a field; did you mean `serving`?']);
  });

  test('every serving problem at once, one line each', () => {
    expect(problemsOf(S.staging, sv({ port: 0, healthCheck: { path: 'health' }, dockerArgs: ['--privileged'] }))).toEqual([
      'staging.serving.port (0) must be a whole number from 1 to 65535',
      'staging.serving.healthCheck.path ("health") must start with / (e.g. /health)',
      `staging.serving.dockerArgs[0] ("--privileged") is not allowed; allowed: ${ALLOWED_DOCKER_ARGS_TEXT}`,
    ]);
    expect(problemsOf(S.prod, sv({ endpoint: { scheme: 'internet-facing', deregistrationDelaySeconds: 600 }, slo: { latencySeconds: 4 } }))).toEqual([
      'prod.serving.endpoint.certificateArn (missing) is required when endpoint.scheme is "internet-facing": an internet-facing endpoint serves HTTPS only',
      'prod.serving.endpoint.deregistrationDelaySeconds (600) must be <= interruption.drainTimeoutSeconds (300): the drain must last as long as the load balancer lets in-flight requests finish',
      'prod.serving.slo.latencySeconds (4) must be greater than serving.healthCheck.timeoutSeconds (5): a latency at the SLO would already fail health checks',
    ]);
  });
});

describe('serving config: request-driven scaling needs a host whenever the fleet is up', () => {
  const RULE = 'with no host the load balancer answers 503 without a target, the requests per target have no data and scaling never starts the first host; ' +
    'set minSize to 1 (a schedule still scales to zero outside its periods)';
  const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI'] as const;
  const zero = (extra: DeepPartial<EnvironmentConfig> = {}): EnvironmentConfig =>
    withOverrides<EnvironmentConfig>(S.staging, { fleet: { minSize: 0, onDemandBaseCapacity: 0 }, ...extra });

  test('request-count with minSize 0 is refused, naming env, field, value and rule', () => {
    expect(environmentProblems(zero())).toEqual([`staging.fleet.minSize (0) must be at least 1 when fleet.scaling.metric.kind is "request-count": ${RULE}`]);
  });

  test('throughput units with minSize 0 are refused too (whatever else they break)', () => {
    const units = withMetric(withOverrides<EnvironmentConfig>(withRps(S.staging, { 'g6.xlarge': 18, 'g5.xlarge': 22, 'g6e.xlarge': 40, 'g4dn.xlarge': 9 }),
      { fleet: { minSize: 0, onDemandBaseCapacity: 0, capacityUnit: 'throughput' }, ...LOR }), { kind: 'gpu-utilization', targetPercent: 70 });
    expect(environmentProblems(units)).toContain(`staging.fleet.minSize (0) must be at least 1 when fleet.capacityUnit is "throughput": ${RULE}`);
  });

  test('capacity levels satisfy it only when they cover every minute the fleet is up', () => {
    const covering = zero({ schedule: { capacity: [{ days: [...WEEKDAYS], start: '08:00', end: '20:00', minCapacity: 1 }] } });
    expect(environmentProblems(covering)).toEqual([]);
    // 08:00-09:00 runs at minSize 0 (the period's start sets it): no host, no data, no scaling.
    const partial = zero({ schedule: { capacity: [{ days: [...WEEKDAYS], start: '09:00', end: '20:00', minCapacity: 1 }] } });
    expect(environmentProblems(partial)).toEqual([
      `staging.fleet.minSize (0) (schedule.capacity levels leave up-time at it) must be at least 1 when fleet.scaling.metric.kind is "request-count": ${RULE}`,
    ]);
  });

  test('GPU-utilization scaling may start from 0 (the schedule brings hosts up; nothing waits for requests)', () => {
    expect(environmentProblems(withMetric(zero(), { kind: 'gpu-utilization', targetPercent: 70 }))).toEqual([]);
    expect(environmentProblems(S.staging)).toEqual([]);
  });
});
